"""Read a plan into validated items, applying ``--since`` and ``--limit``, counting
everything read, skipped and rejected in the summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from mindprint.importers.fields import parse_when
from mindprint.importers.plan import Plan, make_plan
from mindprint.importers.source import OnBytes
from mindprint.importers.summary import ImportSummary, Record, Rejection, Skip
from mindprint.ingest import record_item
from mindprint.store import NewItem


def scan(
    plan: Plan,
    summary: ImportSummary,
    *,
    since: datetime | None = None,
    limit: int | None = None,
    max_chars: int = 20_000,
    on_bytes: OnBytes | None = None,
) -> Iterator[NewItem]:
    """The plan's items, streamed; ``summary`` is complete once the iterator is."""
    if limit is not None and limit <= 0:
        return
    for ev in plan.events(summary, on_bytes):
        if isinstance(ev, Skip):
            summary.skipped[ev.reason] += 1
            continue
        if isinstance(ev, Rejection):
            summary.reject(ev)
            continue
        item = _item(ev, plan.source_tag, max_chars, summary)
        if item is None:
            continue
        if since is not None and (item.created_at is None or parse_when(item.created_at) < since):
            summary.skipped["before --since" if item.created_at else "no date (--since given)"] += 1
            continue
        summary.keep(item)
        yield item
        if limit is not None and summary.items >= limit:
            summary.limit_reached = True
            return


def _item(ev: Record, source: str, max_chars: int, summary: ImportSummary) -> NewItem | None:
    try:
        return record_item(ev.fields, source=source, max_chars=max_chars)
    except ValueError as e:
        summary.reject(Rejection(ev.where, str(e)))
        return None


def read_file(
    path: Path, *, fmt: str | None = None, lamp_id: str | None = None, max_chars: int = 20_000
) -> tuple[list[NewItem], ImportSummary]:
    """Every item of a small file at once (the demo's history, a test's), and the summary.
    Raises :class:`ImportFormatError` for a file that is not what it says."""
    plan = make_plan(path, fmt=fmt, lamp_id=lamp_id, max_chars=max_chars)
    summary = plan.summary()
    return list(scan(plan, summary, max_chars=max_chars)), summary
