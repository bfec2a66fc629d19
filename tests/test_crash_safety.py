"""A build or import killed with SIGKILL at random points loses nothing committed, leaves
a database that passes integrity_check, and a re-run ends where an uninterrupted run does."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import mindprint

SRC = str(Path(mindprint.__file__).resolve().parents[1])

pytestmark = pytest.mark.slow

SETUP = """
import sys
from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.store import NewItem, Store
app = Mindprint(Store.open(sys.argv[1]), FakeEmbedder())
"""

BUILD = SETUP + "print(app.build('u', batch=16).processed, flush=True)\n"

IMPORT = SETUP + """
items = [NewItem(input=f"item {i} about {'battery' if i % 3 else 'weight'} and more words {i * 7}",
                 response=str(1 + i % 5), score=float(1 + i % 5), label=str(1 + i % 5))
         for i in range(int(sys.argv[2]))]
app.add_items('u', items)
print('done', flush=True)
"""

N_ITEMS = 1500


def _run(
    script: str, *args: str, kill_after: float | None = None, kill_at_done: int | None = None
) -> bool:
    """Run a script; kill it after a delay or once ``item_state`` has that many rows.

    Returns True if the process was killed before it finished.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env={**os.environ, "PYTHONPATH": SRC},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if kill_after is None and kill_at_done is None:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return False
    if kill_after is not None:
        time.sleep(kill_after)
    else:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _done(Path(args[0])) >= (kill_at_done or 0):
                break
            time.sleep(0.01)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps the process and closes its pipes
    return killed


def _done(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM item_state").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet, or locked for an instant
        return 0


def _integrity(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _snapshot(db: Path) -> tuple[object, ...]:
    conn = sqlite3.connect(db)
    try:
        feats = conn.execute(
            "SELECT i.content_hash, f.name, f.kind, round(f.weight, 4), f.factor_id FROM features f "
            "JOIN items i ON i.id = f.item_id ORDER BY 1, 2, 3"
        ).fetchall()
        factors = conn.execute("SELECT id, name, members, stats FROM factors ORDER BY position").fetchall()
        paths = conn.execute(
            "SELECT i.content_hash, p.reasoning FROM paths p JOIN items i ON i.id = p.item_id ORDER BY 1"
        ).fetchall()
        vecs = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()
        return (feats, factors, paths, vecs)
    finally:
        conn.close()


def test_killed_import_is_all_or_nothing(tmp_path: Path) -> None:
    rng = random.Random(7)
    for attempt in range(3):
        db = tmp_path / f"imp{attempt}.db"
        _run(IMPORT, str(db), str(N_ITEMS), kill_after=rng.uniform(0.3, 1.2))
        if not db.exists():
            continue
        _integrity(db)
        conn = sqlite3.connect(db)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            n = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] if "items" in tables else 0
        finally:
            conn.close()
        assert n in (0, N_ITEMS)


def test_killed_build_resumes_to_the_same_result(tmp_path: Path) -> None:
    reference = tmp_path / "reference.db"
    _run(IMPORT, str(reference), str(N_ITEMS))
    _run(BUILD, str(reference))

    db = tmp_path / "killed.db"
    _run(IMPORT, str(db), str(N_ITEMS))
    rng = random.Random(11)
    done_before = -1
    for target in sorted(rng.sample(range(100, N_ITEMS - 100), 3)):
        assert _run(BUILD, str(db), kill_at_done=target), "the build finished before the kill"
        _integrity(db)
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == N_ITEMS
            done = conn.execute("SELECT COUNT(*) FROM item_state").fetchone()[0]
        finally:
            conn.close()
        assert target <= done < N_ITEMS
        assert done >= done_before  # committed work is kept, never redone from zero
        done_before = done
    _run(BUILD, str(db))
    _integrity(db)
    assert _snapshot(db) == _snapshot(reference)
