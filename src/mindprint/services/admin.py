"""Administration of stored users: list them, page through a history, export
everything, forget a user, LLM usage and training data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mindprint.engine.types import Item
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.services.training import Format, export_training
from mindprint.store import Store


class AdminService:
    def __init__(self, store: Store, index: IndexCache, inputs: Inputs) -> None:
        self.store = store
        self.index = index
        self.inputs = inputs

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
