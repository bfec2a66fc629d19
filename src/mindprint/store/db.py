"""Opening the database: pragmas for many processes on one file, then migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from mindprint.errors import StoreError
from mindprint.store.migrations import migrations


def open_database(path: Path | str, *, busy_timeout_ms: int = 10_000) -> Database:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL lets readers run beside one writer, and the busy timeout makes a second
    process wait for the write lock instead of failing at once: two MCP clients
    (say Claude Desktop and an IDE) commonly share one file.
    """
    memory = str(path) == ":memory:"
    if not memory:
        p = Path(path).expanduser()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(
                f"Cannot create the data directory {p.parent}: {e}. "
                "Set MINDPRINT_HOME or MINDPRINT_DB to a writable location."
            ) from e
        path = p
    try:
        # check_same_thread=False: tool calls run on worker threads; the Store
        # serialises use of this connection with its own lock.
        conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, check_same_thread=False)
        db = Database(conn)
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db.execute("PRAGMA foreign_keys = ON")
        if not memory:
            db.enable_wal()
            # NORMAL is durable across application crashes in WAL mode; only an
            # OS crash or power cut can lose the last transactions.
            db.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(db):
            # Two processes may open a new file at once: the write lock makes the
            # second wait, then find nothing pending instead of re-creating tables.
            db.execute("BEGIN IMMEDIATE")
            try:
                migrations.apply(db)
            except BaseException:
                db.rollback()
                raise
            db.commit()
    except sqlite3.DatabaseError as e:
        raise StoreError(
            f"Cannot open the database {path}: {e}. If the file is not a mindprint "
            "database, point MINDPRINT_DB elsewhere."
        ) from e
    return db
