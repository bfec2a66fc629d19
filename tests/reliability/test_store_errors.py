"""SQLite failing underneath (issue 19, finding 8), through the real CLI and server.

A read-only file, a full disk (a file-size limit), a lock held by another process and
a database from a newer mindprint must each end in one clear message that says what
to do, never a traceback or a bare "Error executing tool".
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.reliability.cli import assert_clean_error, run_cli
from tests.server.support import MINDPRINT_BIN, USER, snapshot, text


def _history(path: Path, n: int, size: int) -> Path:
    path.write_text(
        "".join(
            json.dumps({"input": f"question {i}", "output": f"answer {i} " + "words " * (size // 6)}) + "\n"
            for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


@contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """The file made unwritable even for root (immutable), else by its mode."""
    root = os.geteuid() == 0
    if root:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o644)


def test_a_read_only_database_is_explained(child_env: dict[str, str], db_path: Path, tmp_path: Path) -> None:
    before = snapshot(db_path)
    with _read_only(db_path):
        proc = run_cli(child_env, "import", str(_history(tmp_path / "h.jsonl", 3, 60)), "--user", USER)
    assert_clean_error(proc, "read-only", "MINDPRINT_DB")
    assert snapshot(db_path) == before


def _file_size_limit(limit: int) -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_is_explained(child_env: dict[str, str], db_path: Path, tmp_path: Path) -> None:
    history = _history(tmp_path / "big.jsonl", 400, 3000)  # ~1.2 MB of new text
    limit = db_path.stat().st_size + 256 * 1024
    before = snapshot(db_path)
    proc = run_cli(child_env, "import", str(history), "--user", USER,
                   preexec=lambda: _file_size_limit(limit))
    assert_clean_error(proc, "Free some space")
    assert snapshot(db_path) == before


def test_a_lock_held_too_long_is_explained(child_env: dict[str, str], db_path: Path) -> None:
    reader = sqlite3.connect(db_path)
    try:
        # Another process in the middle of a long read: forget's VACUUM cannot proceed.
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM items").fetchone()
        proc = run_cli({**child_env, "MINDPRINT_BUSY_TIMEOUT_MS": "300"}, "forget", "--user", USER, "--yes")
    finally:
        reader.close()
    assert_clean_error(proc, "lock", "MINDPRINT_BUSY_TIMEOUT_MS")
    # Retrying, as the message says, finishes the job.
    assert run_cli(child_env, "forget", "--user", USER, "--yes").returncode == 0


def _from_the_future(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('mindprint', '9999_from_a_newer_mindprint', '2030-01-01')"
        )
    conn.close()


def test_a_database_from_a_newer_mindprint_is_refused_by_the_cli(
    child_env: dict[str, str], db_path: Path
) -> None:
    _from_the_future(db_path)
    proc = run_cli(child_env, "history", "--user", USER)
    assert_clean_error(proc, "newer version of mindprint", "9999_from_a_newer_mindprint", "pip install -U")


@pytest.mark.anyio
async def test_a_database_from_a_newer_mindprint_is_a_clear_tool_error(
    child_env: dict[str, str], db_path: Path, anyio_backend: str
) -> None:
    _from_the_future(db_path)
    before = snapshot(db_path)
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=child_env)
    async with Client(params, mode="legacy") as c:
        r = await c.call_tool("record_feedback", {"query": "a question?", "response": "an answer"})
        assert r.is_error
        assert "newer version of mindprint" in text(r) and "Traceback" not in text(r)
    assert snapshot(db_path) == before


def test_the_translation_covers_sqlites_own_full_error(tmp_path: Path) -> None:
    """SQLITE_FULL itself (a page limit reached), through the store's write path."""
    from mindprint.errors import StoreError
    from mindprint.store import NewItem, Store

    store = Store.open(tmp_path / "full.db")
    store.add_items("u", [NewItem(input="q", response="r")])
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(StoreError, match="disk is full"):
        store.add_items("u", [NewItem(input=f"q{i}", response="x" * 4000) for i in range(50)])
    assert store.count_items("u") == 1
    store.close()
