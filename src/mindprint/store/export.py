"""Everything stored about a user: export it, or forget it for good."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from mindprint.errors import StoreError
from mindprint.store.base import StoreBase
from mindprint.store.records import utcnow

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
    "backtests",
    "factor_controls",
    "control_log",
    "items",
    "users",
)

# The tables an export holds, in the order it lists them (user_models is the summary).
EXPORT_TABLES = ("items", "features", "paths", "factors", "feedback", "rewrites", "llm_calls",
                 "factor_controls", "control_log")


def _exported(row: dict[str, Any]) -> dict[str, Any]:
    """A change-log row as an export shows it: a deletion names the item, never its text
    (store/deletion.py)."""
    if row.get("action") == "delete_item":
        return {**row, "before": {"item": {"id": int(row["target"])}}}
    return row


def _export_row(table: str, cols: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    """One exported row as plain JSON-able data: JSON columns decoded, the corpus
    statistics (derived, large) left out, a deleted item's text never included."""
    r = dict(zip(cols, values, strict=True))
    r.pop("corpus", None)
    for k in ("members", "stats", "trajectory", "summary", "meta", "before", "after", "fallback"):
        if isinstance(r.get(k), str):
            r[k] = json.loads(r[k])
    return _exported(r) if table == "control_log" else r


class ExportRows(StoreBase):
    """Export and forget, over every table that holds user data."""

    def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as plain JSON-able data."""
        self.require_user(user_id)
        out: dict[str, Any] = {"user_id": user_id}
        with self.read() as db:
            for table in (*EXPORT_TABLES, "user_models"):
                cur = db.execute(f"SELECT * FROM {table} WHERE user_id = ?", [user_id])
                cols = [d[0] for d in cur.description]
                out[table] = [_export_row(table, cols, r) for r in cur.fetchall()]
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
        return [(int(r[0]), _export_row(table, cols[1:], r[1:])) for r in rows]

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

    def scrub_deleted(self) -> int:
        """Clear the copies of items deleted longer than ``undo_hours`` ago from the change
        log, then purge the write-ahead log of their old pages; how many were cleared."""
        cutoff = (datetime.now(timezone.utc) - timedelta(hours=self.undo_hours)).isoformat(
            timespec="microseconds")
        due = ("FROM control_log WHERE action = 'delete_item' AND before IS NOT NULL "
               "AND created_at <= ?")
        with self.read() as db:
            if db.execute(f"SELECT 1 {due} LIMIT 1", [cutoff]).fetchone() is None:
                return 0
        with self.write() as db:
            n = int(db.execute(f"UPDATE control_log SET before = NULL, label = '#' || target, "
                               f"after = ? WHERE id IN (SELECT id {due})",
                               [json.dumps({"scrubbed_at": utcnow()}), cutoff]).rowcount)
        with self.read():
            self._truncate_wal()
        return n

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
