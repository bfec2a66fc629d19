"""What happens while the user works: feedback, rewrites and LLM calls."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from mindprint.engine.types import Feature
from mindprint.errors import InvalidInputError
from mindprint.store.artifacts import ArtifactRows
from mindprint.store.items import ItemRows
from mindprint.store.records import AddResult, FeedbackIdentity, ItemArtifacts, NewItem, utcnow


class ActivityRows(ItemRows, ArtifactRows):
    """The ``feedback``, ``rewrites`` and ``llm_calls`` tables (feedback also writes an item
    and its artefacts, in the same transaction)."""

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
        new_note: str | None = None,
        identity: FeedbackIdentity | None = None,
    ) -> tuple[int, int, bool, bool]:
        """Store the exchange as a history item plus a feedback row, atomically.

        ``artifacts`` (computed before the write, ``item_id`` ignored) are written in
        the same transaction when the item is new or was never built for
        ``extractor``: a failure anywhere leaves nothing behind, and a retry of an
        exchange that was stored without them heals it. ``reasons`` (host features,
        also inside ``artifacts``) are added to an item already built. ``new_note``: the
        user's note on an item already stored, now with this call's comment; it replaces
        the stored one, and ``artifacts`` (computed with it) replace the item's.
        ``identity``: a call that repeats an earlier one (:meth:`repeat_of`) writes
        nothing; checked under the write lock, so two processes cannot both record it.
        Returns (feedback id, item id, whether the item was new, whether it was a repeat).
        """
        result = AddResult()
        with self.write() as db:
            if identity is not None and (earlier := self._repeat(db, user_id, identity)):
                return *earlier, False, True
            self.ensure_user(db, user_id)
            self._insert_items(db, user_id, [item], result)
            item_id = (result.added or result.duplicates)[0]
            if artifacts is not None:
                built = db.execute(
                    "SELECT 1 FROM item_state WHERE item_id = ? AND extractor = ?",
                    [item_id, extractor],
                ).fetchone()
                if new_note is not None and not result.added:
                    self._set_note(db, item_id, new_note)
                if result.added or built is None or new_note is not None:
                    art = ItemArtifacts(item_id, artifacts.features, artifacts.vectors,
                                        artifacts.path)
                    self._write_artifacts(db, user_id, extractor, model_id, [art])
                elif reasons:
                    self._insert_features(db, user_id, item_id, extractor, reasons)
            cur = db.execute(
                "INSERT INTO feedback (user_id, item_id, query, response, edited_response, rating, "
                "comment, rewrite_id, created_at, idempotency_key, fingerprint) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [user_id, item_id, query, response, edited_response, rating, comment, rewrite_id,
                 utcnow(), *((identity.key, identity.fingerprint) if identity else (None, None))],
            )
            self._bump(db, user_id)
        return int(cur.lastrowid or 0), item_id, bool(result.added), False

    def repeat_of(self, user_id: str, identity: FeedbackIdentity) -> tuple[int, int] | None:
        """(feedback id, item id) of the earlier call ``identity`` repeats, or None."""
        with self.read() as db:
            return self._repeat(db, user_id, identity)

    def _repeat(self, db: Database, user_id: str, identity: FeedbackIdentity) -> tuple[int, int] | None:
        if identity.key is not None:
            row = db.execute(
                "SELECT id, item_id, fingerprint FROM feedback WHERE user_id = ? AND "
                "idempotency_key = ? AND item_id IS NOT NULL ORDER BY id LIMIT 1",
                [user_id, identity.key],
            ).fetchone()
            if row is not None and row[2] != identity.fingerprint:
                raise InvalidInputError(
                    f"idempotency_key {identity.key!r} was already used for different feedback "
                    f"(in {self.path}); nothing was recorded. Use a new key for a new event."
                )
        else:
            row = db.execute(
                "SELECT id, item_id FROM feedback WHERE user_id = ? AND fingerprint = ? AND "
                "created_at >= ? AND item_id IS NOT NULL ORDER BY id DESC LIMIT 1",
                [user_id, identity.fingerprint, identity.since],
            ).fetchone()
        return (int(row[0]), int(row[1])) if row is not None else None

    @staticmethod
    def _set_note(db: Database, item_id: int, note: str) -> None:
        row = db.execute("SELECT meta FROM items WHERE id = ?", [item_id]).fetchone()
        meta = json.loads(row[0]) if row and row[0] else {}
        meta["comment"] = note
        db.execute("UPDATE items SET meta = ? WHERE id = ?", [json.dumps(meta), item_id])

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

    def log_llm_call(self, row: dict[str, Any]) -> None:
        with self.write() as db:
            db.table("llm_calls").insert({"created_at": utcnow(), **row})
