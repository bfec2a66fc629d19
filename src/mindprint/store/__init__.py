"""SQLite persistence (one file, WAL) through sqlite-utils."""

from mindprint.store.db import open_database
from mindprint.store.repository import AddResult, NewItem, Store

__all__ = ["AddResult", "NewItem", "Store", "open_database"]
