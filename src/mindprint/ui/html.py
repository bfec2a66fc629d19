"""HTML building with escaping by default.

Every page is assembled from :class:`Html` fragments. Plain ``str`` values passed to
:func:`h` or :func:`join` are escaped; only fragments built here (or by ``svg.py``)
are trusted. Stored texts (history, feedback, factor names) may hold anything,
``<script>`` and right-to-left overrides included: they reach a page only as escaped
text, with format characters shown as escapes.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from typing import Any


class Html(str):
    """Markup that is already safe to emit."""

    __slots__ = ()



# Zero-width joiners join emoji and the letters of some scripts: they stay.
_JOINERS = frozenset("\u200c\u200d")


def _shown(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def inert(text: str) -> str:
    """``text`` with its format characters (bidi overrides and isolates, zero-width and
    invisible characters: Unicode category Cf) shown as ``\\u202e`` escapes, as the CLI
    shows them: they cannot reorder or hide the text around them."""
    if text.isascii():
        return text
    return "".join(_shown(c) if unicodedata.category(c) == "Cf" and c not in _JOINERS else c
                   for c in text)


def esc(value: Any) -> Html:
    """``value`` as text inside HTML (attributes included): always escaped, its format
    characters shown (:func:`inert`)."""
    if isinstance(value, Html):
        return value
    return Html(html.escape(inert("" if value is None else str(value)), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(esc(sep).join(esc(p) for p in parts))


def h(tag: str, *children: Any, **attrs: Any) -> Html:
    """``<tag attrs>children</tag>``. Attribute names: ``class_`` -> ``class``,
    ``data_x`` -> ``data-x``; True -> a bare attribute, None/False -> left out."""
    out = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    out.append(">")
    if tag in ("input", "br", "meta", "link", "hr"):
        return Html("".join(out))
    out.append(join(children))
    out.append(f"</{tag}>")
    return Html("".join(out))


def form(action: str, csrf: str, *children: Any, confirm: str | None = None, **attrs: Any) -> Html:
    """A POST form carrying the run's CSRF token (every write needs it)."""
    return h("form", h("input", type="hidden", name="csrf", value=csrf), *children,
             method="post", action=action, data_confirm=confirm, **attrs)


NAV = (
    ("/", "You"),
    ("/knows", "How well mindprint knows you"),
    ("/history", "History"),
    ("/feedback", "Feedback"),
    ("/controls", "Controls"),
)


def layout(title: str, active: str, user: str, body: Any, *, notice: str | None = None) -> Html:
    nav = h("nav", *(
        h("a", label, href=path, class_="active" if path == active else None,
          aria_current="page" if path == active else None)
        for path, label in NAV
    ))
    return Html(
        "<!doctype html>"
        + h("html",
            h("head",
              h("meta", charset="utf-8"),
              h("meta", name="viewport", content="width=device-width, initial-scale=1"),
              h("title", f"{title} · mindprint"),
              h("link", rel="stylesheet", href="/assets/app.css")),
            h("body",
              h("header", h("span", "mindprint", class_="brand"),
                h("span", "user ", h("b", user, id="user"), class_="who"), nav),
              h("p", notice, role="status",
                class_="notice error" if notice.startswith("Nothing changed") else "notice")
              if notice else "",
              h("main", h("h1", title), body),
              h("script", src="/assets/app.js")),
            lang="en")
    )


def table(head: Iterable[Any], rows: Iterable[Iterable[Any]], **attrs: Any) -> Html:
    return h("table",
             h("thead", h("tr", *(h("th", c) for c in head))),
             h("tbody", *(h("tr", *(h("td", c) for c in r)) for r in rows)),
             **attrs)


def num(x: float | None, digits: int = 2, *, sign: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"
