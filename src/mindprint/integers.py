"""The one reading of a whole number that comes from outside: a dashboard query or form
value, an MCP cursor or argument sent as text.

ASCII digits only (``int()`` would take ``"²"``-like digits of other scripts, ``"1_000"``
and surrounding spaces), and a range check before the number reaches SQLite, whose
integers are 64-bit: a larger one raised ``OverflowError`` deep in a query (HTTP 500, or
a tool error without a reason).
"""

from __future__ import annotations

import re

from mindprint.errors import InvalidInputError

SQLITE_MIN, SQLITE_MAX = -(2**63), 2**63 - 1
_WHOLE = re.compile(r"[+-]?[0-9]{1,19}")


def whole_number(value: object, name: str, *, low: int = 0, high: int = SQLITE_MAX) -> int:
    """``value`` (text, or an int already) as an int between ``low`` and ``high``;
    :class:`InvalidInputError` saying so otherwise."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or not low <= number <= high:
        shown = repr(value[:40]) if isinstance(value, str) else repr(value)[:40]
        raise InvalidInputError(f"{name} must be a whole number between {low:,} and {high:,}; "
                                f"got {shown}.")
    return number
