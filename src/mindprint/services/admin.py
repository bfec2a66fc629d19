"""Administration of stored users: list them, page through a history, export
everything, forget a user, LLM usage and training data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mindprint.engine.types import Feature, Item
from mindprint.errors import InvalidInputError
from mindprint.integers import whole_number
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.services.training import Format, export_training
from mindprint.store import Store
from mindprint.store.browse import search_items
from mindprint.store.repository import EXPORT_TABLES

# One page of an export for a model's context: ~5,000 characters of rows (~1,250
# tokens per copy, under the 4k-token result target with the summary). A row larger
# than that travels alone; the largest possible row is bounded by the text limits.
PAGE_CHARS = 5_000
_BATCH = 50


@dataclass(frozen=True, slots=True)
class ExportPage:
    user_id: str
    counts: dict[str, int]
    user_model: dict[str, Any] | None  # on the first page only
    rows: dict[str, list[dict[str, Any]]]
    next_cursor: str | None


class AdminService:
    def __init__(self, store: Store, index: IndexCache, inputs: Inputs) -> None:
        self.store = store
        self.index = index
        self.inputs = inputs

    def database(self) -> str:
        """The database file (what every store error names; ``:memory:`` in tests)."""
        return self.store.path

    def users(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Known users with their history size and last build, one page."""
        return self.store.list_users(limit, offset)

    def exists(self, user_id: str) -> bool:
        return self.store.user_exists(self.inputs.user(user_id))

    def history_size(self, user_id: str) -> int:
        return self.store.count_items(self.inputs.user(user_id))

    def history(self, user_id: str | None, limit: int | None = None, offset: int = 0) -> list[Item]:
        """One page of the user's history items, newest first."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        return self.store.list_items(uid, limit, offset)

    def search(
        self, user_id: str | None, text: str = "", factor_id: str = "", limit: int | None = None,
        offset: int = 0, among: list[int] | None = None,
    ) -> tuple[list[Item], int]:
        """One page of the items whose texts contain ``text`` (and that have a feature of
        ``factor_id``, and are among the items ``among``, when given), newest first; and
        how many match."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        return search_items(self.store, uid, text[: self.inputs.limits.max_text_chars],
                            factor_id, limit, offset, among)

    def items(self, user_id: str | None, ids: list[int]) -> dict[int, Item]:
        return self.store.get_items(self.inputs.user(user_id), ids)

    def details(
        self, user_id: str | None, ids: list[int]
    ) -> tuple[dict[int, list[Feature]], dict[int, str]]:
        """The features and the reasoning path of each of the items ``ids``."""
        uid = self.inputs.user(user_id)
        return self.store.get_features(uid, ids), self.store.get_paths(uid, ids)

    def feedback(self, user_id: str | None, limit: int | None = None,
                 offset: int = 0) -> list[dict[str, Any]]:
        """The user's record_feedback entries, oldest first, one page."""
        return self.store.list_feedback(self.inputs.user(user_id), limit, offset)

    def rewrites(self, user_id: str | None, limit: int | None = None,
                 offset: int = 0) -> list[dict[str, Any]]:
        """The user's rewrites with their trajectories, oldest first, one page."""
        return self.store.list_rewrites(self.inputs.user(user_id), limit, offset)

    def all_history(self, user_id: str | None) -> Iterator[Item]:
        """Every item of the user, oldest first, read in pages: the whole history, for
        computing over it (``history`` is the page to show)."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        for page in self.store.iter_items(uid):
            yield from page

    def usage(self, user_id: str | None = None) -> list[dict[str, Any]]:
        return self.store.usage(user_id)

    def training_rows(self, fmt: Format, user_id: str | None = None) -> Iterator[dict[str, Any]]:
        return export_training(self.store, fmt, user_id)

    def export(self, user_id: str | None) -> dict[str, Any]:
        """Everything stored about the user, complete (the CLI's export)."""
        return self.store.export_user(self.inputs.user(user_id))

    def forget(self, user_id: str) -> dict[str, int]:
        """Delete every row of the user; rows deleted per table."""
        uid = self.inputs.user(user_id)
        with self.index.lock_for(uid):
            counts = self.store.forget_user(uid)
        self.index.invalidate(uid)
        return counts

    def export_page(self, user_id: str | None, cursor: str | None = None,
                    budget: int = PAGE_CHARS) -> ExportPage:
        """One page of the export: rows of the tables in order, starting at ``cursor``
        (None: the beginning), about ``budget`` characters; ``next_cursor`` is None on
        the last page."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        table, after = _parse_cursor(cursor)
        model = None
        if cursor is None or not cursor.strip():
            found = self.store.export_rows(uid, "user_models", 0, 1)
            model = found[0][1] if found else None
        rows: dict[str, list[dict[str, Any]]] = {}
        used = 0
        for t in EXPORT_TABLES[EXPORT_TABLES.index(table):]:
            while batch := self.store.export_rows(uid, t, after, _BATCH):
                for rowid, row in batch:
                    size = len(json.dumps(row, ensure_ascii=False, default=str))
                    if used and used + size > budget:
                        return ExportPage(uid, self.store.export_counts(uid), model, rows, f"{t}:{after}")
                    rows.setdefault(t, []).append(row)
                    used += size
                    after = rowid
            after = 0
        return ExportPage(uid, self.store.export_counts(uid), model, rows, None)


def _parse_cursor(cursor: str | None) -> tuple[str, int]:
    if cursor is None or not cursor.strip():
        return EXPORT_TABLES[0], 0
    table, _, after = cursor.strip().partition(":")
    if table not in EXPORT_TABLES:
        raise InvalidInputError(
            f"cursor {cursor[:40]!r} is not one export_user returned: pass the next_cursor "
            "of the previous page, or omit it to start from the beginning."
        )
    return table, whole_number(after, "the cursor's position (after the colon)")
