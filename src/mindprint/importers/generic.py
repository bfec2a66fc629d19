"""Any CSV, TSV, JSON array or JSON-lines file, mapped with
``--map input=COL,output=COL,score=COL,label=COL,created_at=COL``.

Only ``output`` (what the person wrote, chose or rated) is required. A column name may
be a dotted path into nested JSON objects (``review.text``). Empty cells are missing
values, not empty strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mindprint.errors import ImportFormatError
from mindprint.importers.shape import kind
from mindprint.importers.summary import Event, Record, Rejection

FIELDS = ("input", "output", "score", "label", "created_at")


def parse_map(spec: str | None) -> dict[str, str] | None:
    """``input=Question,output=Answer`` -> {"input": "Question", "output": "Answer"}."""
    if spec is None:
        return None
    out: dict[str, str] = {}
    for part in spec.split(","):
        key, sep, col = part.partition("=")
        key, col = key.strip(), col.strip()
        if not sep or key not in FIELDS or not col:
            raise ImportFormatError(
                f"--map entry {part.strip()!r} is not FIELD=COLUMN with FIELD one of "
                f"{', '.join(FIELDS)} (e.g. --map input=Question,output=Answer,score=Stars)."
            )
        out[key] = col
    if "output" not in out:
        raise ImportFormatError("--map needs output=COLUMN: the column with the person's answer.")
    return out


def check_columns(mapping: Mapping[str, str], columns: Iterable[str], file: str) -> None:
    """A CSV header must have every mapped column (JSON records are checked one by one)."""
    have = set(columns)
    missing = [c for c in mapping.values() if c not in have]
    if missing:
        raise ImportFormatError(
            f"{file} has no column {', '.join(map(repr, missing))}; its columns are: "
            f"{', '.join(sorted(have))}. Fix --map; nothing was imported."
        )


def _lookup(rec: Mapping[str, Any], path: str) -> Any:
    if path in rec:
        return rec[path]
    cur: Any = rec
    for part in path.split("."):
        if not isinstance(cur, Mapping) or part not in cur:
            return None
        cur = cur[part]
    return cur


def record_events(rec: Any, where: str, mapping: Mapping[str, str]) -> Iterator[Event]:
    if not isinstance(rec, Mapping):
        yield Rejection(where, f"{kind(rec)}, not an object")
        return
    fields: dict[str, Any] = {}
    for key, col in mapping.items():
        value = _lookup(rec, col)
        if isinstance(value, str) and not value.strip() and key != "input":
            value = None
        if key in ("input", "output") and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # a rating or a code as the answer
        if value is not None:
            fields[key] = value
    yield Record(where, fields)
