"""What a history item may be: the one record -> item conversion every importer uses
(:func:`record_item`), and the mapping of a LaMP profile item (:func:`lamp_item`,
shared with the evaluation).

A record that cannot be used (no output, a score that is not a number, a text over the
size limit, a field of the wrong JSON type) raises ``ValueError`` with the reason: the
importer rejects that record alone, with its position, and imports the rest. Reading
files is the importers' (:mod:`mindprint.importers`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mindprint.errors import InvalidInputError
from mindprint.store import NewItem
from mindprint.store.validate import require_utf8

JSONL_KEYS = {"input", "output", "label", "score", "created_at", "meta"}
# Unix seconds mindprint accepts as dates: 1970 to the end of the year 9999.
_MIN_UNIX, _MAX_UNIX = 0, 253_402_300_799


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
    _utf8(value, key)
    return value


def _utf8(value: str, key: str) -> None:
    try:
        require_utf8(value, f'"{key}"')
    except InvalidInputError as e:
        raise ValueError(str(e)) from None


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError('"score" must be a number')
    if isinstance(value, (int, float)):
        score = float(value) if abs(value) < 1e308 else math.inf
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
    _utf8(s, "label")
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
    except (ValueError, OverflowError):
        raise ValueError(f'"score" {str(value)[:40]!r} is not a number') from None
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
