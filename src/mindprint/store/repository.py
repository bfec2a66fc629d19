"""All reads and writes of mindprint's tables. Every row is scoped by ``user_id``."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from sqlite_utils import Database

from mindprint.engine.protocols import Vector
from mindprint.engine.types import Factor, Feature, Item, UserSummary
from mindprint.errors import StoreError, UnknownUserError, UserChangedError
from mindprint.store.db import open_database, translate_error
from mindprint.store.validate import check_date, check_meta, finite

# Tables that hold user data, in the order forget_user deletes them (children first).
USER_TABLES = (
    "item_state",
    "features",
    "vectors",
    "paths",
    "feedback",
    "rewrites",
    "llm_calls",
    "factors",
    "user_models",
    "items",
    "users",
)

# The tables an export holds, in the order it lists them (user_models is the summary).
EXPORT_TABLES = ("items", "features", "paths", "factors", "feedback", "rewrites", "llm_calls")

_BUSY_RETRIES = 5


def _export_row(cols: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """One exported row as plain JSON-able data: JSON columns decoded, the corpus
    statistics (derived, large) left out."""
    r = dict(zip(cols, values, strict=True))
    r.pop("corpus", None)
    for k in ("members", "stats", "trajectory", "summary", "meta"):
        if isinstance(r.get(k), str):
            r[k] = json.loads(r[k])
    return r


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def content_hash(input_text: str, response: str) -> str:
    """Identity of an item for de-duplication: same input and response means same item."""
    h = hashlib.sha256()
    h.update(input_text.strip().encode("utf-8"))
    h.update(b"\x1f")
    h.update(response.strip().encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to add. Texts are validated by the caller (importer or tool); values
    that would break later reads (non-finite score, unusable date, unbounded meta)
    raise InvalidInputError here."""

    input: str
    response: str
    label: str | None = None
    score: float | None = None
    source: str = "import"
    created_at: str | None = None
    meta: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Every writer goes through here: nothing that breaks later reads is stored.
        object.__setattr__(self, "score", finite(self.score, "score"))
        check_date(self.created_at)
        check_meta(self.meta)


@dataclass(slots=True)
class AddResult:
    added: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ItemArtifacts:
    """What the pipeline derives from one item, written together."""

    item_id: int
    features: Sequence[Feature]
    vectors: dict[str, Vector]
    path: str | None
    path_generator: str | None


@dataclass(frozen=True, slots=True)
class UserModelMeta:
    version: int
    built_at: str
    extractor: str
    item_count: int
    summary: UserSummary


class Store:
    """The repository. One connection, serialised by a lock (tools run on worker threads)."""

    def __init__(self, db: Database, *, max_page: int = 200) -> None:
        self.db = db
        self.max_page = max_page
        self._lock = threading.RLock()
        row = db.execute("PRAGMA database_list").fetchone()
        # The file named in error messages ("" for an in-memory database).
        self.path: str = (row[2] if row else "") or ":memory:"

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout_ms: int = 10_000, max_page: int = 200) -> Store:
        return cls(open_database(path, busy_timeout_ms=busy_timeout_ms), max_page=max_page)

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
            raise UnknownUserError(user_id)

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
            raise UnknownUserError(user_id)
        return int(row[0])

    def generation(self, user_id: str) -> int:
        """The identity of this incarnation of the user: fixed from creation until
        forget_user; a user re-created after forgetting gets a new one."""
        with self.read() as db:
            row = db.execute("SELECT generation FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None:
            raise UnknownUserError(user_id)
        return int(row[0])

    @staticmethod
    def _still_there(db: Database, user_id: str, generation: int | None) -> None:
        """Inside a write: refuse to write a user model for a user forgotten meanwhile
        (or forgotten and re-created, when ``generation`` is the one the build read)."""
        row = db.execute("SELECT generation FROM users WHERE id = ?", [user_id]).fetchone()
        if row is None or (generation is not None and int(row[0]) != generation):
            raise UserChangedError(user_id)

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

    # -- items ------------------------------------------------------------------------

    def add_items(self, user_id: str, items: Sequence[NewItem]) -> AddResult:
        """Add items atomically; an item already stored (same content hash) is not added again."""
        result = AddResult()
        with self.write() as db:
            self.ensure_user(db, user_id)
            self._insert_items(db, user_id, items, result)
            if result.added:
                self._bump(db, user_id)
        return result

    def _insert_items(
        self, db: Database, user_id: str, items: Sequence[NewItem], result: AddResult
    ) -> None:
        now = utcnow()
        for it in items:
            h = content_hash(it.input, it.response)
            cur = db.execute(
                "INSERT INTO items (user_id, input, response, label, score, source, created_at, "
                "content_hash, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(user_id, content_hash) DO NOTHING",
                [
                    user_id,
                    it.input,
                    it.response,
                    it.label,
                    it.score,
                    it.source,
                    it.created_at or now,
                    h,
                    json.dumps(it.meta) if it.meta else None,
                ],
            )
            if cur.rowcount == 1:
                result.added.append(int(cur.lastrowid or 0))
            else:
                row = db.execute(
                    "SELECT id FROM items WHERE user_id = ? AND content_hash = ?", [user_id, h]
                ).fetchone()
                result.duplicates.append(int(row[0]))

    def count_items(self, user_id: str) -> int:
        with self.read() as db:
            return int(
                db.execute("SELECT COUNT(*) FROM items WHERE user_id = ?", [user_id]).fetchone()[0]
            )

    _ITEM_COLS = "id, input, response, label, score, source, created_at"

    @staticmethod
    def _item(row: Sequence[Any]) -> Item:
        return Item(
            id=int(row[0]),
            input=row[1],
            response=row[2],
            label=row[3],
            score=row[4],
            source=row[5],
            created_at=row[6],
        )

    def list_items(
        self, user_id: str, limit: int | None = None, offset: int = 0, *, newest_first: bool = True
    ) -> list[Item]:
        order = "DESC" if newest_first else "ASC"
        with self.read() as db:
            rows = db.execute(
                f"SELECT {self._ITEM_COLS} FROM items WHERE user_id = ? "
                f"ORDER BY created_at {order}, id {order} LIMIT ? OFFSET ?",
                [user_id, self._page(limit), max(0, offset)],
            ).fetchall()
        return [self._item(r) for r in rows]

    def iter_items(self, user_id: str, *, batch: int = 500) -> Iterator[list[Item]]:
        """Every item of the user, oldest first, in pages (for the build pipeline)."""
        last = -1
        while True:
            with self.read() as db:
                rows = db.execute(
                    f"SELECT {self._ITEM_COLS} FROM items WHERE user_id = ? AND id > ? "
                    "ORDER BY id LIMIT ?",
                    [user_id, last, batch],
                ).fetchall()
            if not rows:
                return
            items = [self._item(r) for r in rows]
            last = items[-1].id
            yield items

    def get_items(self, user_id: str, ids: Sequence[int]) -> dict[int, Item]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self.read() as db:
            rows = db.execute(
                f"SELECT {self._ITEM_COLS} FROM items WHERE user_id = ? AND id IN ({marks})",
                [user_id, *ids],
            ).fetchall()
        return {int(r[0]): self._item(r) for r in rows}

    def items_without_features(self, user_id: str, extractor: str, limit: int) -> list[Item]:
        """Items that still need the item-level stage: the resumption point of a build."""
        with self.read() as db:
            rows = db.execute(
                f"SELECT {self._ITEM_COLS} FROM items i WHERE user_id = ? AND NOT EXISTS "
                "(SELECT 1 FROM item_state s WHERE s.item_id = i.id AND s.extractor = ?) "
                "ORDER BY id LIMIT ?",
                [user_id, extractor, limit],
            ).fetchall()
        return [self._item(r) for r in rows]

    # -- item artefacts -----------------------------------------------------------------

    def save_artifacts(
        self, user_id: str, extractor: str, model_id: str, batch: Sequence[ItemArtifacts],
        *, generation: int | None = None,
    ) -> None:
        """Replace features, vectors and path of each item in one transaction.

        The ``item_state`` row marks the item as done for ``extractor`` in the same
        transaction, so a build killed midway resumes at the first item without it.
        """
        with self.write() as db:
            self._still_there(db, user_id, generation)
            self._write_artifacts(db, user_id, extractor, model_id, batch)
            self._bump(db, user_id)

    def _write_artifacts(
        self, db: Database, user_id: str, extractor: str, model_id: str,
        batch: Sequence[ItemArtifacts],
    ) -> None:
        now = utcnow()
        for art in batch:
            # The host model's reasons are not the extractor's to replace: they stay,
            # and come back in ``art.features`` only to be updated.
            db.execute("DELETE FROM features WHERE item_id = ? AND origin != 'host'", [art.item_id])
            self._insert_features(db, user_id, art.item_id, extractor, art.features)
            for kind, vec in art.vectors.items():
                v = np.asarray(vec, dtype=np.float32)
                db.execute(
                    "INSERT OR REPLACE INTO vectors (user_id, item_id, kind, model_id, dim, "
                    "vector) VALUES (?, ?, ?, ?, ?, ?)",
                    [user_id, art.item_id, kind, model_id, int(v.shape[0]), v.tobytes()],
                )
            db.execute(
                "INSERT OR REPLACE INTO paths (item_id, user_id, reasoning, generator, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                [art.item_id, user_id, art.path or "", art.path_generator or extractor, now],
            )
            db.execute(
                "INSERT OR REPLACE INTO item_state (item_id, user_id, extractor, built_at) "
                "VALUES (?, ?, ?, ?)",
                [art.item_id, user_id, extractor, now],
            )

    @staticmethod
    def _insert_features(
        db: Database, user_id: str, item_id: int, extractor: str, features: Sequence[Feature]
    ) -> None:
        host = [f.name for f in features if f.origin == "host"]
        if host:
            db.execute(
                f"DELETE FROM features WHERE item_id = ? AND origin = 'host' AND name IN "
                f"({','.join('?' * len(host))})",
                [item_id, *host],
            )
        db.conn.executemany(
            "INSERT INTO features (user_id, item_id, extractor, name, context, kind, "
            "weight, polarity, factor_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (user_id, item_id, extractor, f.name, f.context, f.kind, f.weight,
                 f.polarity, f.factor_id, f.origin)
                for f in features
            ],
        )

    def set_feature_factors(
        self, user_id: str, assignment: dict[str, str | None], *, generation: int | None = None
    ) -> None:
        """Link feature names to factor ids after factor construction."""
        with self.write() as db:
            self._still_there(db, user_id, generation)
            db.execute("UPDATE features SET factor_id = NULL WHERE user_id = ?", [user_id])
            db.conn.executemany(
                "UPDATE features SET factor_id = ? WHERE user_id = ? AND name = ?",
                [(fid, user_id, name) for name, fid in assignment.items() if fid is not None],
            )

    def update_paths(
        self, user_id: str, paths: dict[int, str], generator: str, *,
        generation: int | None = None,
    ) -> None:
        with self.write() as db:
            self._still_there(db, user_id, generation)
            db.conn.executemany(
                "UPDATE paths SET reasoning = ?, generator = ?, created_at = ? "
                "WHERE item_id = ? AND user_id = ?",
                [(text, generator, utcnow(), iid, user_id) for iid, text in paths.items()],
            )

    def get_features(
        self, user_id: str, item_ids: Sequence[int] | None = None
    ) -> dict[int, list[Feature]]:
        sql = (
            "SELECT item_id, name, context, kind, weight, polarity, factor_id, origin "
            "FROM features WHERE user_id = ?"
        )
        params: list[Any] = [user_id]
        if item_ids is not None:
            if not item_ids:
                return {}
            sql += f" AND item_id IN ({','.join('?' * len(item_ids))})"
            params.extend(item_ids)
        out: dict[int, list[Feature]] = {}
        with self.read() as db:
            for r in db.execute(sql + " ORDER BY item_id, id", params):
                out.setdefault(int(r[0]), []).append(
                    Feature(
                        name=r[1], context=r[2], kind=r[3], weight=r[4], polarity=r[5],
                        factor_id=r[6], origin=r[7],
                    )
                )
        return out

    def get_vectors(self, user_id: str, kind: str, model_id: str) -> tuple[list[int], Vector]:
        """All vectors of one kind for the user, as (item ids, matrix)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT item_id, dim, vector FROM vectors WHERE user_id = ? AND kind = ? "
                "AND model_id = ? ORDER BY item_id",
                [user_id, kind, model_id],
            ).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        dim = int(rows[0][1])
        mat = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return [int(r[0]) for r in rows], mat

    def get_paths(self, user_id: str, item_ids: Sequence[int]) -> dict[int, str]:
        if not item_ids:
            return {}
        marks = ",".join("?" * len(item_ids))
        with self.read() as db:
            rows = db.execute(
                f"SELECT item_id, reasoning FROM paths WHERE user_id = ? AND item_id IN ({marks})",
                [user_id, *item_ids],
            ).fetchall()
        return {int(r[0]): r[1] for r in rows}

    # -- the user model ---------------------------------------------------------------

    def save_user_model(
        self,
        user_id: str,
        factors: Sequence[Factor],
        summary: UserSummary,
        extractor: str,
        *,
        corpus: dict[str, Any] | None = None,
        generation: int | None = None,
    ) -> int:
        """Replace the factor table and summary in one transaction; return the new version.

        ``generation`` (from :meth:`generation` when the build started) makes the write
        fail with UserChangedError if the user was forgotten meanwhile.
        """
        with self.write() as db:
            self._still_there(db, user_id, generation)
            row = db.execute(
                "SELECT version FROM user_models WHERE user_id = ?", [user_id]
            ).fetchone()
            version = (int(row[0]) if row else 0) + 1
            db.execute("DELETE FROM factors WHERE user_id = ?", [user_id])
            db.conn.executemany(
                "INSERT INTO factors (user_id, id, name, description, members, stats, position) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (user_id, f.id, f.name, f.description, json.dumps(list(f.members)),
                     json.dumps(f.stats), i)
                    for i, f in enumerate(factors)
                ],
            )
            summary_json = json.dumps(
                {
                    "n_items": summary.n_items,
                    "label_counts": summary.label_counts,
                    "mean_score": summary.mean_score,
                    "style": summary.style,
                }
            )
            db.execute(
                "INSERT OR REPLACE INTO user_models (user_id, version, built_at, extractor, "
                "item_count, summary, corpus) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [user_id, version, utcnow(), extractor, summary.n_items, summary_json,
                 json.dumps(corpus) if corpus is not None else None],
            )
        return version

    def get_factors(self, user_id: str, limit: int | None = None) -> list[Factor]:
        """One page of the user's factors, strongest first (``all_factors``: every one)."""
        return self._factors(user_id, self._page(limit))

    def host_feature_names(self, user_id: str) -> set[str]:
        """Names of the features the host model wrote (record_feedback reasons)."""
        with self.read() as db:
            rows = db.execute(
                "SELECT DISTINCT name FROM features WHERE user_id = ? AND origin = 'host'", [user_id]
            ).fetchall()
        return {r[0] for r in rows}

    def all_factors(self, user_id: str) -> list[Factor]:
        """Every factor of the user, strongest first: the model needs all of them, so no
        page limit applies (a page is for showing, not for computing)."""
        return self._factors(user_id, -1)  # LIMIT -1: no limit in SQLite

    def _factors(self, user_id: str, limit: int) -> list[Factor]:
        with self.read() as db:
            rows = db.execute(
                "SELECT id, name, description, members, stats FROM factors WHERE user_id = ? "
                "ORDER BY position LIMIT ?",
                [user_id, limit],
            ).fetchall()
        return [
            Factor(id=r[0], name=r[1], description=r[2], members=tuple(json.loads(r[3])),
                   stats=json.loads(r[4]))
            for r in rows
        ]

    def get_corpus(self, user_id: str) -> dict[str, Any] | None:
        """Word statistics saved with the last build (IDF for query features)."""
        with self.read() as db:
            row = db.execute(
                "SELECT corpus FROM user_models WHERE user_id = ?", [user_id]
            ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def get_user_model(self, user_id: str) -> UserModelMeta | None:
        with self.read() as db:
            row = db.execute(
                "SELECT version, built_at, extractor, item_count, summary FROM user_models "
                "WHERE user_id = ?",
                [user_id],
            ).fetchone()
        if row is None:
            return None
        s = json.loads(row[4])
        return UserModelMeta(
            version=int(row[0]),
            built_at=row[1],
            extractor=row[2],
            item_count=int(row[3]),
            summary=UserSummary(
                n_items=int(s["n_items"]),
                label_counts={str(k): int(v) for k, v in s["label_counts"].items()},
                mean_score=s["mean_score"],
                style=s["style"],
            ),
        )

    # -- feedback, rewrites, llm calls ------------------------------------------------------

    def add_feedback(
        self,
        user_id: str,
        item: NewItem,
        *,
        query: str,
        response: str,
        edited_response: str | None,
        rating: int | None,
        comment: str | None,
        rewrite_id: int | None = None,
        artifacts: ItemArtifacts | None = None,
        extractor: str = "",
        model_id: str = "",
        reasons: Sequence[Feature] = (),
    ) -> tuple[int, int, bool]:
        """Store the exchange as a history item plus a feedback row, atomically.

        ``artifacts`` (computed before the write, ``item_id`` ignored) are written in
        the same transaction when the item is new or was never built for
        ``extractor``: a failure anywhere leaves nothing behind, and a retry of an
        exchange that was stored without them heals it. ``reasons`` (host features,
        also inside ``artifacts``) are added to an item already built.
        Returns (feedback id, item id, whether the item was new).
        """
        result = AddResult()
        with self.write() as db:
            self.ensure_user(db, user_id)
            self._insert_items(db, user_id, [item], result)
            item_id = (result.added or result.duplicates)[0]
            if artifacts is not None:
                built = db.execute(
                    "SELECT 1 FROM item_state WHERE item_id = ? AND extractor = ?",
                    [item_id, extractor],
                ).fetchone()
                if result.added or built is None:
                    art = ItemArtifacts(item_id, artifacts.features, artifacts.vectors,
                                        artifacts.path, artifacts.path_generator)
                    self._write_artifacts(db, user_id, extractor, model_id, [art])
                elif reasons:
                    self._insert_features(db, user_id, item_id, extractor, reasons)
            cur = db.execute(
                "INSERT INTO feedback (user_id, item_id, query, response, edited_response, rating, "
                "comment, rewrite_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [user_id, item_id, query, response, edited_response, rating, comment, rewrite_id,
                 utcnow()],
            )
            self._bump(db, user_id)
        return int(cur.lastrowid or 0), item_id, bool(result.added)

    def list_feedback(
        self, user_id: str, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        with self.read() as db:
            cur = db.execute(
                "SELECT id, item_id, query, response, edited_response, rating, comment, "
                "rewrite_id, created_at FROM feedback WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?",
                [user_id, self._page(limit), max(0, offset)],
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def add_rewrite(
        self,
        user_id: str,
        *,
        query: str | None,
        draft: str,
        rewritten: str,
        trajectory: dict[str, Any],
        generator: str,
    ) -> int:
        with self.write() as db:
            self.ensure_user(db, user_id)
            cur = db.execute(
                "INSERT INTO rewrites (user_id, query, draft, rewritten, trajectory, generator, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [user_id, query, draft, rewritten, json.dumps(trajectory), generator, utcnow()],
            )
        return int(cur.lastrowid or 0)

    def list_rewrites(
        self, user_id: str | None, limit: int | None = None, offset: int = 0
    ) -> list[dict[str, Any]]:
        where, params = ("WHERE user_id = ?", [user_id]) if user_id else ("", [])
        with self.read() as db:
            cur = db.execute(
                "SELECT id, user_id, query, draft, rewritten, trajectory, generator, created_at "
                f"FROM rewrites {where} ORDER BY id LIMIT ? OFFSET ?",
                [*params, self._page(limit), max(0, offset)],
            )
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        for r in rows:
            r["trajectory"] = json.loads(r["trajectory"])
        return rows

    def usage(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """LLM calls, tokens, items and latency grouped by user, provider/model and purpose."""
        where, params = ("WHERE user_id = ?", [user_id]) if user_id else ("", [])
        with self.read() as db:
            cur = db.execute(
                "SELECT user_id, provider, model, purpose, COUNT(*) AS calls, "
                "SUM(ok = 0) AS failed, COALESCE(SUM(input_tokens), 0) AS input_tokens, "
                "COALESCE(SUM(output_tokens), 0) AS output_tokens, SUM(items) AS items, "
                "ROUND(AVG(latency_ms), 1) AS mean_latency_ms "
                f"FROM llm_calls {where} GROUP BY user_id, provider, model, purpose "
                "ORDER BY user_id, purpose LIMIT ?",
                [*params, self.max_page],
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def feedback_for_rewrite(self, user_id: str, rewrite_id: int) -> list[dict[str, Any]]:
        with self.read() as db:
            cur = db.execute(
                "SELECT id, rating, edited_response, comment, created_at FROM feedback "
                "WHERE user_id = ? AND rewrite_id = ? ORDER BY id LIMIT ?",
                [user_id, rewrite_id, self.max_page],
            )
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def get_rewrite(self, user_id: str, rewrite_id: int) -> dict[str, Any] | None:
        """The rewrite ``rewrite_id`` if it belongs to ``user_id``, else None."""
        with self.read() as db:
            cur = db.execute(
                "SELECT id, user_id, query, draft, rewritten, trajectory, generator, created_at "
                "FROM rewrites WHERE id = ? AND user_id = ?",
                [rewrite_id, user_id],
            )
            cols = [d[0] for d in cur.description]
            row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip(cols, row, strict=True))
        out["trajectory"] = json.loads(out["trajectory"])
        return out

    def get_item(self, user_id: str, item_id: int) -> Item | None:
        """History item ``item_id`` if it belongs to ``user_id``, else None."""
        return self.get_items(user_id, [item_id]).get(item_id)

    def log_llm_call(self, row: dict[str, Any]) -> None:
        with self.write() as db:
            db.table("llm_calls").insert({"created_at": utcnow(), **row})

    # -- export and forget ----------------------------------------------------------------

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as plain JSON-able data."""
        self.require_user(user_id)
        out: dict[str, Any] = {"user_id": user_id}
        with self.read() as db:
            for table in (*EXPORT_TABLES, "user_models"):
                cur = db.execute(f"SELECT * FROM {table} WHERE user_id = ?", [user_id])
                cols = [d[0] for d in cur.description]
                out[table] = [_export_row(cols, r) for r in cur.fetchall()]
        out["user_model"] = out.pop("user_models")[0] if out["user_models"] else None
        return out

    def export_counts(self, user_id: str) -> dict[str, int]:
        """Rows per exported table."""
        with self.read() as db:
            return {
                t: int(db.execute(f"SELECT COUNT(*) FROM {t} WHERE user_id = ?", [user_id]).fetchone()[0])
                for t in EXPORT_TABLES
            }

    def export_rows(
        self, user_id: str, table: str, after: int, limit: int
    ) -> list[tuple[int, dict[str, Any]]]:
        """(rowid, row) of one exported table after rowid ``after``, in rowid order: the
        pages of an export stay consistent while rows are added."""
        if table not in (*EXPORT_TABLES, "user_models"):
            raise ValueError(f"not an exported table: {table!r}")
        with self.read() as db:
            cur = db.execute(
                f"SELECT rowid AS _rowid, * FROM {table} WHERE user_id = ? AND rowid > ? "
                "ORDER BY rowid LIMIT ?",
                [user_id, after, limit],
            )
            cols = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return [(int(r[0]), _export_row(cols[1:], r[1:])) for r in rows]

    def _truncate_wal(self) -> bool:
        """Checkpoint the whole WAL and truncate it; True if still busy at the deadline.

        A checkpoint gives up at once when another process is mid-transaction or reads
        an older snapshot; those are short, so it is retried for up to the busy timeout.
        """
        timeout_ms = int(self.db.execute("PRAGMA busy_timeout").fetchone()[0])
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            busy = bool(self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
            if not busy or time.monotonic() >= deadline:
                return busy
            time.sleep(0.02)

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete every row of the user, then purge the freed pages from the file.

        Idempotent: forgetting an unknown user deletes nothing and succeeds.
        """
        counts: dict[str, int] = {}
        with self.write() as db:
            for table in USER_TABLES:
                col = "id" if table == "users" else "user_id"
                counts[table] = db.execute(
                    f"DELETE FROM {table} WHERE {col} = ?", [user_id]
                ).rowcount
        with self.read():
            # Deleted text survives in the WAL and in free pages until checkpoint
            # and VACUUM rewrite the file; forgetting must really forget.
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            busy = self._truncate_wal()
        if busy:
            # Another process kept reading an old snapshot past the busy timeout: the
            # rows are gone, but old copies of their pages are still in the WAL file.
            raise StoreError(
                f"The rows of {user_id!r} are deleted, but another process held the "
                f"database {self.path} locked for too long to purge their old copies from "
                "the write-ahead log. Run forget again (it is safe to repeat), or raise "
                "MINDPRINT_BUSY_TIMEOUT_MS."
            )
        return counts
