from __future__ import annotations

import multiprocessing as mp
import sqlite3
from pathlib import Path

from mindprint.store import NewItem, Store, open_database
from mindprint.store.db import known_migrations
from mindprint.store.migrations import migrations


def test_new_file_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(tmp_path / "a.db")
    assert db.journal_mode == "wal"
    assert {"users", "items", "features", "vectors", "factors", "paths", "feedback", "rewrites",
            "llm_calls", "user_models", "item_state"} <= set(db.table_names())
    names = [m.name for m in migrations.applied(db)]
    assert names[0] == "0001_initial" and "0010_feature_origin" in names and names == sorted(names)
    assert set(names) == known_migrations()
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_existing_file_keeps_data_and_is_not_migrated_twice(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    s = Store.open(path)
    s.add_items("u", [NewItem(input="q", response="r")])
    s.close()
    s2 = Store.open(path)
    assert s2.count_items("u") == 1
    names = [m.name for m in migrations.applied(s2.db)]
    assert len(names) == len(set(names)) and names[0] == "0001_initial"
    assert set(names) == known_migrations()
    assert migrations.pending(s2.db) == []


def test_file_from_an_older_schema_gets_pending_migrations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE unrelated (x)")
    conn.commit()
    conn.close()
    db = open_database(path)
    assert "items" in db.table_names() and "unrelated" in db.table_names()


def _open_and_add(path: str, n: int) -> None:
    s = Store.open(path)
    s.add_items(f"u{n}", [NewItem(input=f"q{n}", response="r")])
    s.close()


def test_processes_racing_to_create_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "race.db")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_open_and_add, args=(path, i)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    s = Store.open(path)
    assert len(s.list_users()) == 4
    names = [m.name for m in migrations.applied(s.db)]
    assert len(names) == len(set(names)) and migrations.pending(s.db) == []
    assert set(names) == known_migrations()
