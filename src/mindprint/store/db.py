"""Opening the database: pragmas for many processes on one file, then migrations.

Also the one translation of SQLite's errors into :class:`StoreError` messages that
say how to fix the problem (read-only file, full disk, lock held too long, ...).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from mindprint.errors import StoreError
from mindprint.store.migrations import migrations

# SQLite's primary result codes (the low byte of the extended code) we explain.
_FIXES: dict[str, str] = {
    "SQLITE_READONLY": (
        "the file (or its directory) is read-only. Make both writable by you "
        "(chmod u+w FILE DIR), or point MINDPRINT_DB at a writable location."
    ),
    "SQLITE_FULL": "the disk is full. Free some space, then retry; nothing was written.",
    "SQLITE_IOERR": (
        "the operating system refused a read or write (a full disk, a file-size limit or a "
        "failing drive). Free some space or check the disk, then retry; the last change "
        "was not written."
    ),
    "SQLITE_BUSY": (
        "another process held the database lock for too long. Retry, or raise "
        "MINDPRINT_BUSY_TIMEOUT_MS."
    ),
    "SQLITE_LOCKED": (
        "another process held the database lock for too long. Retry, or raise "
        "MINDPRINT_BUSY_TIMEOUT_MS."
    ),
    "SQLITE_CANTOPEN": (
        "the file cannot be opened. Check that the directory exists and is writable, or "
        "point MINDPRINT_DB elsewhere."
    ),
    "SQLITE_CORRUPT": (
        "the file is damaged. Restore it from a backup, or point MINDPRINT_DB at a new "
        "file (mindprint creates it)."
    ),
    "SQLITE_NOTADB": (
        "the file is not a mindprint database. Point MINDPRINT_DB at another file "
        "(mindprint creates it)."
    ),
    "SQLITE_PERM": (
        "the operating system denied access. Check the file's permissions, or point "
        "MINDPRINT_DB elsewhere."
    ),
}
# Messages of errors raised without an extended code (e.g. by the sqlite3 module).
_BY_MESSAGE = (
    ("readonly", "SQLITE_READONLY"),
    ("disk is full", "SQLITE_FULL"),
    ("disk i/o", "SQLITE_IOERR"),
    ("locked", "SQLITE_BUSY"),
    ("busy", "SQLITE_BUSY"),
    ("unable to open", "SQLITE_CANTOPEN"),
    ("malformed", "SQLITE_CORRUPT"),
    ("not a database", "SQLITE_NOTADB"),
)


def _kind(e: sqlite3.Error) -> str | None:
    name = getattr(e, "sqlite_errorname", None)
    if isinstance(name, str):
        primary = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
        if primary in _FIXES:
            return primary
    msg = str(e).lower()
    return next((kind for needle, kind in _BY_MESSAGE if needle in msg), None)


def translate_error(e: sqlite3.Error, path: str | Path) -> StoreError:
    """The StoreError to raise for a sqlite3 error on the database at ``path``."""
    kind = _kind(e)
    if kind is None:
        return StoreError(
            f"The database {path} failed: {e}. Retry; if it persists, run "
            f"`sqlite3 {path} 'PRAGMA integrity_check'` and report the output."
        )
    return StoreError(f"The database {path} could not be used ({e}): {_FIXES[kind]}")


def known_migrations() -> set[str]:
    """Names of every migration this version of mindprint knows."""
    return {m.name for m in migrations.pending(Database(memory=True))}


def check_schema(db: Database, path: str | Path) -> None:
    """Refuse a database that a newer mindprint has migrated: this version would
    misread its tables or fail later, midway through a write."""
    unknown = sorted({m.name for m in migrations.applied(db)} - known_migrations())
    if unknown:
        raise StoreError(
            f"The database {path} was written by a newer version of mindprint (it has "
            f"schema change {unknown[0]!r}, which this version does not know). Upgrade "
            "mindprint (pip install -U mindprint), or point MINDPRINT_DB at another file."
        )


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
                f"Cannot create the data directory {p.parent} for the database {p}: {e}. "
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
        # Deleted rows are overwritten with zeros, not left in free pages: forgotten
        # text must not survive in the file on SQLite builds that default this off.
        db.execute("PRAGMA secure_delete = ON")
        if not memory:
            db.enable_wal()
            # NORMAL is durable across application crashes in WAL mode; only an
            # OS crash or power cut can lose the last transactions.
            db.execute("PRAGMA synchronous = NORMAL")
        _migrate(db, path)
    except sqlite3.Error as e:
        raise translate_error(e, path) from e
    return db


def _migrate(db: Database, path: str | Path) -> None:
    check_schema(db, path)
    if migrations.pending(db):
        # Two processes may open a new file at once: the write lock makes the
        # second wait, then find nothing pending instead of re-creating tables.
        db.execute("BEGIN IMMEDIATE")
        try:
            check_schema(db, path)  # a newer mindprint may have migrated meanwhile
            migrations.apply(db)
        except BaseException:
            db.rollback()
            raise
        db.commit()


def inspect_database(path: Path) -> tuple[bool, str]:
    """(usable, why) for the database file at ``path``, read-only: nothing is created,
    migrated or locked for writing (``mindprint where``)."""
    p = Path(path).expanduser()
    if not p.exists():
        folder = next((d for d in (p.parent, *p.parent.parents) if d.exists()), None)
        if folder is None or not os.access(folder, os.W_OK):
            return False, f"not created yet, and {folder or p.parent} is not writable"
        return True, "not created yet: created on first use"
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db = Database(conn)
            check_schema(db, p)
            tables = set(db.table_names())
            users = db.execute("SELECT COUNT(*) FROM users").fetchone()[0] if "users" in tables else 0
        finally:
            conn.close()
    except StoreError as e:
        return False, str(e)
    except sqlite3.Error as e:
        return False, str(translate_error(e, p))
    if not os.access(p, os.W_OK):
        return False, f"read-only: {_FIXES['SQLITE_READONLY']}"
    return True, f"{users} user{'s' if users != 1 else ''}"
