"""All reads and writes of mindprint's tables. Every row is scoped by ``user_id``.

:class:`Store` is thin: each concern is a module of its own (``items``, ``artifacts``,
``usermodel``, ``activity``, ``export``) over the shared connection in ``base``.
"""

from __future__ import annotations

from pathlib import Path

from mindprint.store.activity import ActivityRows
from mindprint.store.db import open_database
from mindprint.store.export import EXPORT_TABLES, USER_TABLES, ExportRows
from mindprint.store.records import (
    AddResult,
    ItemArtifacts,
    NewItem,
    UserModelMeta,
    content_hash,
    utcnow,
)
from mindprint.store.usermodel import ModelRows

__all__ = [
    "EXPORT_TABLES", "USER_TABLES", "AddResult", "ItemArtifacts", "NewItem", "Store",
    "UserModelMeta", "content_hash", "utcnow",
]


class Store(ActivityRows, ModelRows, ExportRows):
    """The repository. One connection, serialised by a lock (tools run on worker threads)."""

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout_ms: int = 10_000, max_page: int = 200,
             undo_hours: float = 24.0) -> Store:
        """The store over the database at ``path``; deleted items past the undo window
        are scrubbed on the way in."""
        store = cls(open_database(path, busy_timeout_ms=busy_timeout_ms), max_page=max_page,
                    undo_hours=undo_hours)
        store.scrub_deleted()
        return store
