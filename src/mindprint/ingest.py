"""Reading history files: JSONL (one item per line) and LaMP ``*_questions.json``.

A file that is not what it claims to be (broken JSON, wrong top-level shape) is
*malformed*: :class:`ImportFormatError`, and nothing is written. A well-formed file
may still hold records that cannot be used (no output, a score that is not a
number, a text over the size limit): those are *rejected* with their line number
and reason, and the rest is imported — unless ``strict`` is set.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mindprint.errors import ImportFormatError, InvalidInputError
from mindprint.store import NewItem

JSONL_KEYS = {"input", "output", "label", "score", "created_at", "meta"}
# Unix seconds mindprint accepts as dates: 1970 to the end of the year 9999.
_MIN_UNIX, _MAX_UNIX = 0, 253_402_300_799


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str


@dataclass(slots=True)
class ParsedFile:
    format: str
    items: list[NewItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        return "jsonl"
    if name.endswith(".json"):
        return "lamp"
    raise ImportFormatError(
        f"Cannot tell the format of {path.name}: name it *.jsonl (one item per line) or "
        "*.json (LaMP questions), or pass --format jsonl|lamp."
    )


def parse_file(
    path: Path,
    *,
    fmt: str | None = None,
    lamp_id: str | None = None,
    max_chars: int = 20_000,
    strict: bool = False,
) -> ParsedFile:
    if not path.is_file():
        raise ImportFormatError(f"No such file: {path}")
    fmt = fmt or detect_format(path)
    if fmt == "jsonl":
        parsed = parse_jsonl(path, max_chars=max_chars)
    elif fmt == "lamp":
        parsed = parse_lamp(path, lamp_id=lamp_id, max_chars=max_chars)
    else:
        raise ImportFormatError(f"Unknown format {fmt!r}: use jsonl or lamp.")
    if strict and parsed.rejected:
        first = parsed.rejected[0]
        raise ImportFormatError(
            f"{len(parsed.rejected)} record(s) rejected (first: line {first.line}: "
            f"{first.reason}); nothing was imported because of --strict."
        )
    return parsed


def _text(value: Any, key: str, max_chars: int, *, required: bool) -> str:
    if value is None:
        if required:
            raise ValueError(f'"{key}" is missing')
        return ""
    if not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string, not {type(value).__name__}')
    if required and not value.strip():
        raise ValueError(f'"{key}" is empty')
    if len(value) > max_chars:
        raise ValueError(f'"{key}" is {len(value):,} characters (limit {max_chars:,})')
    return value


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError('"score" must be a number')
    if isinstance(value, (int, float)):
        score = float(value)
    elif isinstance(value, str):
        try:
            score = float(value.strip())
        except ValueError:
            raise ValueError(f'"score" is not a number: {value!r}') from None
    else:
        raise ValueError(f'"score" must be a number, not {type(value).__name__}')
    if not math.isfinite(score):  # "inf", "nan", 1e400
        raise ValueError(f'"score" must be a finite number, not {value!r}')
    return score


def _label(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('"label" must be a string or a number')
    s = str(value).strip()
    if not s or len(s) > 200:
        raise ValueError('"label" must be 1-200 characters')
    return s


def _date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("date must be ISO 8601 text or unix seconds")
    if isinstance(value, (int, float)):
        if not (math.isfinite(value) and _MIN_UNIX <= value <= _MAX_UNIX):
            raise ValueError(f"date {value!r} is not unix seconds between 1970 and 9999")
        return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat()
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"date is not ISO 8601: {value!r}") from None
        return value
    raise ValueError("date must be ISO 8601 text or unix seconds")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as fh:
            yield from enumerate(fh, start=1)
    except UnicodeDecodeError as e:
        raise ImportFormatError(f"{path.name} is not UTF-8 text ({e}); nothing was imported.") from e


def parse_jsonl(path: Path, *, max_chars: int = 20_000) -> ParsedFile:
    out = ParsedFile(format="jsonl")
    for n, line in _lines(path):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise ImportFormatError(
                f"{path.name} line {n} is not valid JSON ({e.msg}); nothing was imported. "
                'Each line must be one object like {"input": "...", "output": "..."}.'
            ) from e
        except RecursionError:
            out.rejected.append(Rejected(n, "the record is nested too deeply to read"))
            continue
        if not isinstance(rec, dict):
            raise ImportFormatError(
                f"{path.name} line {n} is a JSON {type(rec).__name__}, not an object; "
                "nothing was imported."
            )
        try:
            unknown = set(rec) - JSONL_KEYS
            if unknown:
                raise ValueError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(JSONL_KEYS)}")
            out.items.append(record_item(rec, source="import-jsonl", max_chars=max_chars))
        except ValueError as e:
            out.rejected.append(Rejected(n, str(e)))
    return out


def record_item(rec: Mapping[str, Any], *, source: str, max_chars: int = 20_000) -> NewItem:
    """The one record -> :class:`NewItem` conversion (keys as in JSONL: input, output,
    label, score, created_at, meta); every importer goes through it.

    Raises ``ValueError`` with the reason a record cannot be used.
    """
    meta = rec.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ValueError('"meta" must be an object')
    try:
        return NewItem(
            input=_text(rec.get("input", ""), "input", max_chars, required=False),
            response=_text(rec.get("output"), "output", max_chars, required=True),
            label=_label(rec.get("label")),
            score=_score(rec.get("score")),
            source=source,
            created_at=_date(rec.get("created_at")),
            meta=meta,
        )
    except InvalidInputError as e:  # NewItem's own checks (meta depth and size, dates)
        raise ValueError(str(e)) from None


# Where a LaMP profile item keeps its body and its class, first present key first.
_BODY_KEYS = ("text", "description", "abstract")
_LABEL_KEYS = ("category", "tag")


@dataclass(frozen=True, slots=True)
class LampFields:
    """What a LaMP profile item says, read by the keys it has, before the size and
    date checks of a history item (the evaluation keeps items those checks reject,
    to count them)."""

    input: str
    response: str
    label: str | None
    score: float | None
    date: Any
    # A rating or a label says nothing without the text it is about.
    input_required: bool


def _optional_text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{key}" must be a string, not {type(value).__name__}')


def _first_text(raw: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = _optional_text(raw, key)
        if value is not None:
            return value
    return None


def score_text(value: Any) -> tuple[str, float]:
    """A score as written (numbers without a needless ``.0``) and as a number."""
    # bool is an int subclass; a True "score" is a data bug, not a 1.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f'"score" {value!r} is not a number')
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f'"score" {value!r} is not a number') from None
    if not math.isfinite(number):
        raise ValueError(f'"score" {value!r} is not finite')
    if isinstance(value, str):
        return value.strip(), number
    return (str(int(number)) if number.is_integer() else str(number)), number


def lamp_fields(raw: Mapping[str, Any]) -> LampFields:
    """The one mapping of a LaMP profile item, by the keys it has (import and eval).

    - ``score`` (LaMP-3): the review is the input, the score the response and label.
    - ``title`` (LaMP-4/5, news): the text is the input, the title the response,
      the category (if any) the label.
    - ``category``/``tag`` without title (LaMP-2): the text is the input, the
      label is the response.
    - text only (LaMP-7 tweets): no input; the text is the user's own writing.

    The body is the first of ``text``, ``description``, ``abstract`` present.
    Raises ``ValueError`` for a value of the wrong type or no known content key.
    """
    body = _first_text(raw, _BODY_KEYS)
    title = _optional_text(raw, "title")
    label = _first_text(raw, _LABEL_KEYS)
    date = raw.get("date")
    if raw.get("score") is not None:
        text, score = score_text(raw["score"])
        return LampFields(body or "", text, text, score, date, input_required=True)
    if title is not None:
        return LampFields(body or "", title, label, None, date, input_required=False)
    if label is not None:
        return LampFields(body or "", label, label, None, date, input_required=True)
    if body is not None:
        return LampFields("", body, None, None, date, input_required=False)
    raise ValueError(
        "none of the known content keys (text, description, abstract, title, category, "
        f"tag, score); keys: {sorted(raw)}"
    )


def lamp_item(raw: Mapping[str, Any], max_chars: int = 20_000) -> NewItem:
    """One LaMP profile item as a history item (:func:`lamp_fields`, then the checks
    every history item passes). Raises ``ValueError`` with the reason it cannot be used."""
    f = lamp_fields(raw)
    return NewItem(
        input=_text(f.input, "text", max_chars, required=f.input_required),
        response=_text(f.response, "response", max_chars, required=True),
        label=_label(f.label),
        score=f.score,
        source="import-lamp",
        created_at=_date(f.date),
    )


def parse_lamp(path: Path, *, lamp_id: str | None = None, max_chars: int = 20_000) -> ParsedFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ImportFormatError(f"{path.name} is not valid JSON ({e}); nothing was imported.") from e
    if not isinstance(data, list) or not all(isinstance(q, dict) for q in data):
        raise ImportFormatError(
            f"{path.name} is not a LaMP questions file: expected a JSON list of "
            '{"id", "input", "profile"} objects; nothing was imported.'
        )
    if not data:
        raise ImportFormatError(f"{path.name} holds no questions; nothing was imported.")
    if lamp_id is None:
        if len(data) > 1:
            raise ImportFormatError(
                f"{path.name} holds {len(data)} users; choose one with --lamp-id "
                f"(e.g. --lamp-id {data[0].get('id')})."
            )
        question = data[0]
    else:
        matches = [
            q for q in data
            if lamp_id in {str(q.get("id")), str(q.get("user_id")), str(q.get("author"))}
        ]
        if not matches:
            raise ImportFormatError(f"No question with id, user_id or author {lamp_id!r} in {path.name}.")
        question = matches[0]
    profile = question.get("profile")
    if not isinstance(profile, list):
        raise ImportFormatError(
            f"Question {question.get('id')!r} in {path.name} has no \"profile\" list; nothing "
            "was imported."
        )
    out = ParsedFile(format="lamp")
    for n, raw in enumerate(profile, start=1):
        if not isinstance(raw, dict):
            out.rejected.append(Rejected(n, "profile entry is not an object"))
            continue
        try:
            out.items.append(lamp_item(raw, max_chars))
        except (ValueError, InvalidInputError) as e:
            out.rejected.append(Rejected(n, str(e)))
    return out
