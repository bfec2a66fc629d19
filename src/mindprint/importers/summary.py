"""What importers yield, and the summary of an import (what was read, kept, skipped, why)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mindprint.store import NewItem

MAX_REJECTED_LISTED = 50
PREVIEW_ITEMS = 5
PREVIEW_CHARS = 160


@dataclass(frozen=True, slots=True)
class Record:
    """One would-be history item, keys as in JSONL (input, output, label, score,
    created_at, meta); validated by :func:`mindprint.ingest.record_item`."""

    where: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Skip:
    """Something read that is deliberately not an item (a system message, an unrated
    shelf entry); counted by reason in the summary."""

    where: str
    reason: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that should have been an item but cannot be used (bad score, no text)."""

    where: str
    reason: str


Event = Record | Skip | Rejection


def _clip(text: str, n: int = PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass(slots=True)
class ImportSummary:
    format: str
    file: str
    units: str = "records"
    read: int = 0
    items: int = 0
    truncated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    rejected_total: int = 0
    first_date: str | None = None
    last_date: str | None = None
    preview: list[NewItem] = field(default_factory=list)
    limit_reached: bool = False
    added: int | None = None
    duplicates: int | None = None

    def keep(self, item: NewItem) -> None:
        self.items += 1
        if item.meta and item.meta.get("truncated"):
            self.truncated += 1
        if item.created_at:
            if self.first_date is None or item.created_at < self.first_date:
                self.first_date = item.created_at
            if self.last_date is None or item.created_at > self.last_date:
                self.last_date = item.created_at
        if len(self.preview) < PREVIEW_ITEMS:
            self.preview.append(item)

    def reject(self, r: Rejection) -> None:
        self.rejected_total += 1
        if len(self.rejected) < MAX_REJECTED_LISTED:
            self.rejected.append(r)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": self.format,
            "file": self.file,
            "read": self.read,
            "units": self.units,
            "items": self.items,
            "skipped": dict(self.skipped.most_common()),
            "rejected": [{"where": r.where, "reason": r.reason} for r in self.rejected],
            "rejected_total": self.rejected_total,
            "truncated": self.truncated,
            "dates": [self.first_date, self.last_date] if self.first_date else None,
            "limit_reached": self.limit_reached,
            "preview": [
                {"input": _clip(it.input), "output": _clip(it.response), "score": it.score,
                 "created_at": it.created_at}
                for it in self.preview
            ],
        }
        if self.added is not None:
            out["added"] = self.added
            out["duplicates"] = self.duplicates
        return out
