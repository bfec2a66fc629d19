"""Small conversions shared by the importers: cutting, HTML to text, ratings, dates."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

_BREAK = re.compile(r"<\s*(br|/p|p)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,200}>")


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters (with an ellipsis), and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: max(0, limit - 1)] + "…", True


def strip_html(text: str) -> str:
    """Review text as exported (``<br/>``, ``<i>``, entities) as plain text."""
    text = _BREAK.sub("\n", text)
    return html.unescape(_TAG.sub("", text)).strip()


def rating(value: str, *, low: float, high: float, step: float) -> float | None:
    """A rating cell: None when empty (or 0, "not rated"); ValueError when invalid."""
    v = value.strip()
    if not v or v in ("0", "0.0"):
        return None
    try:
        x = float(v)
    except ValueError:
        raise ValueError(f"rating {v!r} is not a number") from None
    if not low <= x <= high or abs(x / step - round(x / step)) > 1e-9:
        raise ValueError(f"rating {v} is outside {low:g}-{high:g} in steps of {step:g}")
    return x


def rated_fields(subject: str, review: str, stars: float | None) -> dict[str, object]:
    """A rated (or only reviewed) work as item fields: the work and the review as the
    input and the rating as the response; without a rating the review is the response."""
    if stars is None:
        return {"input": subject, "output": review}
    return {
        "input": f"{subject}\n\n{review}" if review else subject,
        "output": f"{stars:g}", "score": stars, "label": f"{stars:g}",
    }


def slash_date(value: str) -> str | None:
    """Goodreads' ``2019/03/14`` (or ISO) as an ISO date; None when empty."""
    v = value.strip()
    if not v:
        return None
    for fmt in ("%Y/%m/%d", "%Y-%m-%d", "%Y/%m", "%Y"):
        try:
            return datetime.strptime(v, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"date {v!r} is not YYYY/MM/DD")


def parse_when(value: str) -> datetime:
    """An ISO date or time (naive means UTC), for ``--since`` and comparisons."""
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2024-01-31") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
