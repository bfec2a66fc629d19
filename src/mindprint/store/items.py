"""History items: add (de-duplicated by content), count, page and look up."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from mindprint.engine.types import Item
from mindprint.store.base import StoreBase
from mindprint.store.records import AddResult, NewItem, content_hash, utcnow

# Items recorded through record_feedback hold the user's message as input.
FEEDBACK_SOURCES = frozenset({"feedback", "feedback-edit"})


def layout(source: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Who wrote which text of an item (``Item.kind`` and its companions), from what the
    importer or the feedback call recorded in ``meta``."""
    kind = meta.get("kind")
    if kind not in ("turn", "exchange", "writing"):
        kind = "turn" if source in FEEDBACK_SOURCES else "answered"
    prompt = meta.get("prompt_chars")
    return {
        "kind": kind,
        "prompt_chars": prompt if isinstance(prompt, int) and prompt > 0 else 0,
        "note": _text(meta, "comment"),
        "prompt_edited_from": _text(meta, "prompt_edited_from"),
        "edited_from": _text(meta, "edited_from"),
    }


def _text(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) and value.strip() else None


class ItemRows(StoreBase):
    """The ``items`` table."""

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

    _ITEM_COLS = "id, input, response, label, score, source, created_at, meta"

    @staticmethod
    def _item(row: Sequence[Any]) -> Item:
        meta = json.loads(row[7]) if row[7] else {}
        return Item(
            id=int(row[0]),
            input=row[1],
            response=row[2],
            label=row[3],
            score=row[4],
            source=row[5],
            created_at=row[6],
            **layout(row[5], meta if isinstance(meta, dict) else {}),
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

    def items_fallen_back(self, user_id: str, extractor: str) -> list[int]:
        """Items built for ``extractor`` whose features the offline extractor wrote in
        the LLM's stead (origin ``fallback``): what a later build retries."""
        with self.read() as db:
            rows = db.execute(
                "SELECT s.item_id FROM item_state s WHERE s.user_id = ? AND s.extractor = ? "
                "AND EXISTS (SELECT 1 FROM features f WHERE f.user_id = s.user_id "
                "AND f.item_id = s.item_id AND f.origin = 'fallback') ORDER BY s.item_id",
                [user_id, extractor],
            ).fetchall()
        return [int(r[0]) for r in rows]

    def find_item(self, user_id: str, input_text: str, response: str) -> Item | None:
        """The stored item with this content (what an identical add would return), if any."""
        with self.read() as db:
            row = db.execute(
                f"SELECT {self._ITEM_COLS} FROM items WHERE user_id = ? AND content_hash = ?",
                [user_id, content_hash(input_text, response)],
            ).fetchone()
        return self._item(row) if row else None

    def get_item(self, user_id: str, item_id: int) -> Item | None:
        """History item ``item_id`` if it belongs to ``user_id``, else None."""
        return self.get_items(user_id, [item_id]).get(item_id)
