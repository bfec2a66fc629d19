"""Checks on every item before it is stored, whoever made it (importer, feedback,
evaluation): a value that would break later reads is refused at the door.

A score of ``inf`` made every later retrieval of the user fail; a ``meta`` nested 900
levels deep broke ``export_user`` for good; neither may reach the database.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from mindprint.errors import InvalidInputError

META_MAX_DEPTH = 16
# Room for an edited exchange's original response (MINDPRINT_MAX_TEXT_CHARS, up to
# 200,000 characters) with its JSON escaping.
META_MAX_CHARS = 1_000_000
# Dates mindprint can sort and show: ISO 8601 between the years 1 and 9999.
_MIN_DATE = datetime(1, 1, 2, tzinfo=timezone.utc)
_MAX_DATE = datetime(9999, 12, 30, tzinfo=timezone.utc)


def require_utf8(value: str | None, name: str) -> None:
    """Lone surrogates (possible in JSON strings: half an emoji) cannot be stored or embedded."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInputError(
            f"{name} contains an invalid character at position {e.start} (a lone UTF-16 "
            "surrogate): send valid Unicode text."
        ) from None


def finite(value: float | None, name: str) -> float | None:
    """``value`` as a float, refusing NaN and infinities (``1e400`` parses as ``inf``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{name} must be a number, not {type(value).__name__}.")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidInputError(f"{name} must be a finite number; got {value!r}.")
    return v


def check_date(value: str | None) -> None:
    """An ISO 8601 date mindprint can order (what ``created_at`` holds)."""
    if value is None:
        return
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidInputError(f"created_at is not an ISO 8601 date: {value!r}.") from None
    aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if not _MIN_DATE <= aware <= _MAX_DATE:
        raise InvalidInputError(f"created_at is outside the years 1-9999: {value!r}.")


def check_meta(meta: dict[str, Any] | None) -> None:
    """Bounded depth and size, checked without recursion (the input may be hostile)."""
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise InvalidInputError('"meta" must be a JSON object.')
    stack: list[tuple[Any, int]] = [(meta, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > META_MAX_DEPTH:
            raise InvalidInputError(f'"meta" is nested more than {META_MAX_DEPTH} levels deep.')
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    try:
        dumped = json.dumps(meta, ensure_ascii=False, allow_nan=False)
        dumped.encode("utf-8")
    except (ValueError, TypeError) as e:  # UnicodeEncodeError: a lone surrogate
        raise InvalidInputError(f'"meta" is not plain JSON ({e}).') from None
    size = len(dumped)
    if size > META_MAX_CHARS:
        raise InvalidInputError(f'"meta" is {size:,} characters of JSON; the limit is {META_MAX_CHARS:,}.')
