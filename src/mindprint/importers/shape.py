"""Fields of an export read by the JSON type they must have.

An export is data from elsewhere: any field may hold any JSON type. Each reader here
returns the field when it has the type the importer needs (an absent field or ``null``
reads as empty), and raises :class:`Malformed` naming the field and what it held
otherwise. The importer then rejects that conversation alone, with the reason, and
imports the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Malformed(ValueError):
    """A field of the wrong JSON type; the message is the rejection's reason."""


def kind(value: Any) -> str:
    """The JSON type of ``value``, as a person reads it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _wrong(name: str, want: str, value: Any) -> Malformed:
    return Malformed(f"{name} is {kind(value)}, not {want}")


def obj(d: Mapping[str, Any], key: str, name: str) -> dict[str, Any]:
    """An object field; absent or null reads as ``{}``."""
    value = d.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong(name, "an object", value)
    return value


def arr(d: Mapping[str, Any], key: str, name: str) -> list[Any]:
    """An array field; absent or null reads as ``[]``."""
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong(name, "an array", value)
    return value


def text(d: Mapping[str, Any], key: str, name: str) -> str | None:
    value = d.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _wrong(name, "a string", value)


def ident(d: Mapping[str, Any], key: str, name: str) -> str | None:
    """An id: a string, or a whole number read as one."""
    value = d.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _wrong(name, "an id (a string)", value)


def when(d: Mapping[str, Any], key: str, name: str) -> float | str | None:
    """A time: unix seconds or ISO 8601 text (checked when the item is made)."""
    value = d.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300:
        return float(value)
    raise _wrong(name, "a time (unix seconds or ISO 8601 text)", value)
