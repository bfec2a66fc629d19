"""The connection, its transactions and the users table: what every part of the store shares."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlite_utils import Database

from mindprint.errors import UnknownUserError, UserChangedError
from mindprint.store.db import translate_error
from mindprint.store.records import utcnow

_BUSY_RETRIES = 5


class StoreBase:
    """One connection, serialised by a lock (tools run on worker threads)."""

    def __init__(self, db: Database, *, max_page: int = 200, undo_hours: float = 24.0) -> None:
        self.db = db
        self.max_page = max_page
        # How long a deleted item stays in the change log for undo (store/deletion.py).
        self.undo_hours = undo_hours
        self._lock = threading.RLock()
        row = db.execute("PRAGMA database_list").fetchone()
        # The file named in error messages ("" for an in-memory database).
        self.path: str = (row[2] if row else "") or ":memory:"

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A short write transaction that takes the write lock up front.

        ``BEGIN IMMEDIATE`` waits (busy timeout) for another process's writer
        instead of failing midway when a read transaction tries to upgrade.
        """
        with self._lock:
            self._begin()
            try:
                with self.db.atomic():
                    yield self.db
            except sqlite3.Error as e:
                self.db.rollback()
                raise translate_error(e, self.path) from e
            except BaseException:
                self.db.rollback()
                raise
            try:
                self.db.commit()
            except sqlite3.Error as e:
                self.db.rollback()
                raise translate_error(e, self.path) from e

    def _begin(self) -> None:
        for attempt in range(_BUSY_RETRIES):
            try:
                self.db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                busy = "locked" in str(e) or "busy" in str(e)
                if not busy or attempt == _BUSY_RETRIES - 1:
                    raise translate_error(e, self.path) from e
                time.sleep(0.05 * (2**attempt))

    @contextmanager
    def read(self) -> Iterator[Database]:
        with self._lock:
            try:
                yield self.db
            except sqlite3.Error as e:
                raise translate_error(e, self.path) from e

    def _page(self, limit: int | None) -> int:
        if limit is None:
            return self.max_page
        return max(0, min(int(limit), self.max_page))

    # -- users ------------------------------------------------------------------------

    def user_exists(self, user_id: str) -> bool:
        with self.read() as db:
            return db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone() is not None

    def require_user(self, user_id: str) -> None:
        if not self.user_exists(user_id):
            raise UnknownUserError(user_id, self.path)

    def ensure_user(self, db: Database, user_id: str) -> None:
        """Create the user row if missing; call inside :meth:`write`.

        A new row (even for an id forgotten before) takes a generation and a revision
        never used before in this database.
        """
        if db.execute("SELECT 1 FROM users WHERE id = ?", [user_id]).fetchone() is not None:
            return
        now, n = utcnow(), self._next(db)
        db.execute(
            "INSERT INTO users (id, created_at, updated_at, revision, generation) "
            "VALUES (?, ?, ?, ?, ?)",
            [user_id, now, now, n, n],
        )

    @staticmethod
    def _next(db: Database) -> int:
        """The next value of the database-wide counter (it survives forget_user)."""
        db.execute("UPDATE counters SET value = value + 1 WHERE name = 'revision'")
        return int(db.execute("SELECT value FROM counters WHERE name = 'revision'").fetchone()[0])

    def _bump(self, db: Database, user_id: str) -> None:
        db.execute(
            "UPDATE users SET revision = ?, updated_at = ? WHERE id = ?",
            [self._next(db), utcnow(), user_id],
        )

    def revision(self, user_id: str) -> int:
        """Changes with every change to the user's items, and never takes a value twice
        in one database (not even across forget and re-create): a cache key."""
        with self.read() as db:
            row = db.execute("SELECT revision FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            raise UnknownUserError(user_id, self.path)
        return int(row[0])

    def user_states(self) -> dict[str, tuple[int, int]]:
        """Every user's revision and number of items, in one read (what a team's cache is
        kept by)."""
        sql = "SELECT u.id, u.revision, (SELECT COUNT(*) FROM items i WHERE i.user_id = u.id) FROM users u"
        with self.read() as db:
            return {str(u): (int(r), int(n)) for u, r, n in db.execute(sql)}

    def generation(self, user_id: str) -> int:
        """The identity of this incarnation of the user: fixed from creation until
        forget_user; a user re-created after forgetting gets a new one."""
        with self.read() as db:
            row = db.execute("SELECT generation FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            raise UnknownUserError(user_id, self.path)
        return int(row[0])

    def _still_there(self, db: Database, user_id: str, generation: int | None) -> None:
        """Inside a write: refuse to write a user model for a user forgotten meanwhile
        (or forgotten and re-created, when ``generation`` is the one the build read)."""
        row = db.execute("SELECT generation FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None or (generation is not None and int(row[0]) != generation):
            raise UserChangedError(user_id, self.path)

    def list_users(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        sql = (
            "SELECT u.id, u.created_at, u.updated_at, "
            "(SELECT COUNT(*) FROM items i WHERE i.user_id = u.id) AS items, "
            "m.built_at, m.extractor "
            "FROM users u LEFT JOIN user_models m ON m.user_id = u.id "
            "ORDER BY u.id LIMIT ? OFFSET ?"
        )
        with self.read() as db:
            rows = db.execute(sql, [self._page(limit), max(0, offset)]).fetchall()
        keys = ["user_id", "created_at", "updated_at", "items", "built_at", "extractor"]
        return [dict(zip(keys, r, strict=True)) for r in rows]
