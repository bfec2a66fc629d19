"""Which format a file is (by its content, not its name) and how to read it.

A :class:`Plan` can be read any number of times (the CLI reads it once to check and
count, once to write), each time streaming from disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindprint.errors import ImportFormatError
from mindprint.importers import chatgpt, claude, generic, goodreads, lamp, letterboxd
from mindprint.importers.jsonread import Limits, Unread, json_records
from mindprint.importers.shape import kind
from mindprint.importers.source import (
    OnBytes,
    Source,
    check_unpacked,
    csv_header,
    csv_rows,
    find_member,
    head,
    zip_members,
)
from mindprint.importers.summary import Event, ImportSummary, Record, Rejection, Skip
from mindprint.ingest import JSONL_KEYS

FORMATS = ("chatgpt", "claude", "goodreads", "letterboxd", "csv", "tsv", "json", "jsonl", "lamp")
_ZIP_MEMBERS = {
    "chatgpt": ("conversations.json",),
    "claude": ("conversations.json",),
    "letterboxd": ("reviews.csv", "ratings.csv"),
}
_UNITS = {"chatgpt": "conversations", "claude": "conversations", "lamp": "profile_items",
          "jsonl": "lines"}

Events = Callable[[ImportSummary, "OnBytes | None"], Iterator[Event]]


@dataclass(frozen=True, slots=True)
class Plan:
    format: str
    sources: tuple[Source, ...]
    source_tag: str
    units: str
    events: Events

    @property
    def total_bytes(self) -> int:
        return sum(s.size for s in self.sources)

    def summary(self) -> ImportSummary:
        return ImportSummary(self.format, self.sources[0].path.name, units=self.units)


def make_plan(
    path: Path,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    lamp_id: str | None = None,
    max_chars: int = 20_000,
) -> Plan:
    if not path.is_file():
        raise ImportFormatError(f"No such file: {path}")
    if fmt is not None and fmt not in FORMATS:
        raise ImportFormatError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    fmt = fmt or detect(path)
    sources = _sources(path, fmt)
    events = _events(fmt, sources, mapping, lamp_id, max_chars)
    return Plan(fmt, tuple(sources), f"import-{fmt}", _UNITS.get(fmt, "rows"), events)


def detect(path: Path) -> str:
    members = zip_members(path)
    if members is not None:
        conv = find_member(members, "conversations.json")
        if conv:
            return _json_kind(Source(path, conv))
        if find_member(members, "ratings.csv") or find_member(members, "reviews.csv"):
            return "letterboxd"
        raise ImportFormatError(
            f"{path.name} is a zip without conversations.json (ChatGPT, Claude) or ratings.csv "
            "(Letterboxd): pass the file inside it, with --format if needed."
        )
    data = head(Source(path)).lstrip()
    if not data:
        raise ImportFormatError(f"{path.name} is empty; nothing was imported.")
    if data[:1] == b"[":
        return _json_kind(Source(path))
    if data[:1] == b"{":
        return "jsonl"
    header = csv_header(data)
    if header is None:
        raise ImportFormatError(
            f"Cannot tell the format of {path.name}: it is not JSON, JSON lines, CSV or TSV. "
            f"Pass --format ({', '.join(FORMATS)})."
        )
    cols = set(header[0])
    if cols >= goodreads.COLUMNS:
        return "goodreads"
    if cols >= letterboxd.COLUMNS and any("letterboxd" in c.lower() for c in cols):
        return "letterboxd"
    return "tsv" if header[1] == "\t" else "csv"


# Detection reads the first record with its strings cut short: its keys are enough.
_DETECT = Limits(field_bytes=256)


def _json_kind(src: Source) -> str:
    """Chat export, LaMP questions or plain records: the keys of the array's first object."""
    with src.open() as fh:
        first = next(json_records(fh, src.name, limits=_DETECT), None)
    value = first[1] if first is not None else None
    keys = set(value) if isinstance(value, dict) else value.keys if isinstance(value, Unread) else set()
    if "mapping" in keys:
        return "chatgpt"
    if "chat_messages" in keys:
        return "claude"
    if "profile" in keys:
        return "lamp"
    return "json"


def _sources(path: Path, fmt: str) -> list[Source]:
    members = zip_members(path)
    if members is None:
        return [Source(path)]
    wanted = _ZIP_MEMBERS.get(fmt, ())
    found = [Source(path, m) for name in wanted if (m := find_member(members, name))]
    if not found:
        need = " or ".join(wanted) or "a file this format can be read from"
        raise ImportFormatError(f"{path.name} is a zip without {need}; nothing was imported.")
    check_unpacked(path.name, sum(s.size for s in found), path.stat().st_size)
    return found


def _events(
    fmt: str, sources: list[Source], mapping: Mapping[str, str] | None, lamp_id: str | None,
    max_chars: int,
) -> Events:
    if fmt in ("chatgpt", "claude"):
        per_conv = chatgpt.conversation_events if fmt == "chatgpt" else claude.conversation_events
        return _conversations(sources[0], per_conv, max_chars)
    if fmt == "goodreads":
        return _goodreads(sources[0], max_chars)
    if fmt == "letterboxd":
        return _letterboxd(sources, max_chars)
    if fmt == "lamp":
        return _lamp(sources[0], lamp_id, max_chars)
    if fmt == "jsonl" and mapping is None:
        return _jsonl(sources[0])
    if fmt in ("csv", "tsv"):
        if mapping is None:
            raise _needs_map(sources[0])
        return _table(sources[0], mapping, "\t" if fmt == "tsv" else ",")
    ident = {k: k for k in generic.FIELDS}
    return _json_records(sources[0], fmt, mapping or ident)


def _needs_map(src: Source) -> ImportFormatError:
    header = csv_header(head(src))
    cols = ", ".join(header[0]) if header else "(none found)"
    return ImportFormatError(
        f"{src.name} is a table with columns {cols}. Say which is which with --map "
        "input=COL,output=COL[,score=COL,label=COL,created_at=COL] (output is required)."
    )


def _conversations(src: Source, per_conv: Callable[[Any, int, int], Iterator[Event]], max_chars: int) -> Events:
    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            for n, raw in json_records(fh, src.name):
                summary.read += 1
                if isinstance(raw, Unread):
                    yield Rejection(f"conversation {n}", raw.reason)
                else:
                    yield from per_conv(raw, n, max_chars)

    return events


def _header_of(src: Source, required: set[str], what: str) -> str:
    header = csv_header(head(src))
    missing = required - set(header[0]) if header else required
    if header is None or missing:
        raise ImportFormatError(
            f"{src.name} is not a {what}: no column(s) {', '.join(sorted(missing))}; nothing "
            "was imported."
        )
    return header[1]


def _goodreads(src: Source, max_chars: int) -> Events:
    delim = _header_of(src, goodreads.COLUMNS, "Goodreads library export")

    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            for n, row in csv_rows(fh, src, delim):
                summary.read += 1
                yield from goodreads.row_events(row, n, max_chars)

    return events


def _letterboxd(sources: list[Source], max_chars: int) -> Events:
    delims = [_header_of(s, letterboxd.COLUMNS, "Letterboxd ratings or reviews export") for s in sources]

    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        reviewed: set[tuple[str, str]] = set()
        for src, delim in zip(sources, delims, strict=True):
            file = (src.member or src.path.name).rsplit("/", 1)[-1]
            with src.open(on_bytes) as fh:
                for n, row in csv_rows(fh, src, delim):
                    summary.read += 1
                    key = letterboxd.film_key(row)
                    if "Review" not in row and key in reviewed:
                        yield Skip(f"{file} line {n}", "film already imported with its review")
                        continue
                    if (row.get("Review") or "").strip():
                        reviewed.add(key)
                    yield from letterboxd.row_events(row, n, max_chars, file)

    return events


def _table(src: Source, mapping: Mapping[str, str], delim: str) -> Events:
    header = csv_header(head(src))
    generic.check_columns(mapping, header[0] if header else [], src.name)

    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            for n, row in csv_rows(fh, src, delim):
                summary.read += 1
                yield from generic.record_events(row, f"line {n}", mapping)

    return events


def _json_records(src: Source, fmt: str, mapping: Mapping[str, str]) -> Events:
    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            for n, rec in json_records(fh, src.name, lines=fmt == "jsonl"):
                summary.read += 1
                where = f"line {n}" if fmt == "jsonl" else f"record {n}"
                if isinstance(rec, Unread):
                    yield Rejection(where, rec.reason)
                else:
                    yield from generic.record_events(rec, where, mapping)

    return events


def _jsonl(src: Source) -> Events:
    """mindprint's own JSONL: the keys are the item's fields; unknown keys are refused."""

    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            for n, rec in json_records(fh, src.name, lines=True):
                summary.read += 1
                if isinstance(rec, Unread):
                    yield Rejection(f"line {n}", rec.reason)
                    continue
                if not isinstance(rec, dict):
                    yield Rejection(f"line {n}", f"{kind(rec)}, not an object")
                    continue
                unknown = set(rec) - JSONL_KEYS
                if unknown:
                    yield Rejection(f"line {n}", f"unknown key(s) {sorted(unknown)}; allowed: {sorted(JSONL_KEYS)}")
                else:
                    yield Record(f"line {n}", rec)

    return events


def _lamp(src: Source, lamp_id: str | None, max_chars: int) -> Events:
    def events(summary: ImportSummary, on_bytes: OnBytes | None) -> Iterator[Event]:
        with src.open(on_bytes) as fh:
            question = lamp.find_question(fh, src.name, lamp_id)
        for ev in lamp.profile_events(question, src.name, max_chars):
            summary.read += 1
            yield ev

    return events
