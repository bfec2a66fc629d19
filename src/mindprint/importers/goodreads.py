"""Goodreads library export (My Books -> Import and export -> Export Library: a CSV with
``Title``, ``Author``, ``My Rating`` (0 = not rated), ``My Review``, ``Date Read``...).

A rated book is an item scored 1-5: the book and the review (if any) as the input, the
rating as the response. A book reviewed but not rated keeps the review as the
response. A book neither rated nor reviewed (the to-read shelf) says nothing yet.
"""

from __future__ import annotations

from collections.abc import Iterator

from mindprint.importers.fields import clip, rated_fields, rating, slash_date, strip_html
from mindprint.importers.summary import Event, Record, Rejection, Skip

COLUMNS = {"Title", "Author", "My Rating"}


def row_events(row: dict[str, str], n: int, max_chars: int) -> Iterator[Event]:
    title = (row.get("Title") or "").strip()
    where = f"line {n}" + (f" ({title})" if title else "")
    try:
        stars = rating(row.get("My Rating") or "", low=1, high=5, step=1)
        when = slash_date(row.get("Date Read") or "") or slash_date(row.get("Date Added") or "")
    except ValueError as e:
        yield Rejection(where, str(e))
        return
    review, cut = clip(strip_html(row.get("My Review") or ""), max_chars // 2)
    if stars is None and not review:
        yield Skip(where, "book neither rated nor reviewed (e.g. on the to-read shelf)")
        return
    author = (row.get("Author") or "").strip()
    year = (row.get("Original Publication Year") or row.get("Year Published") or "").strip()
    book = title + (f" by {author}" if author else "") + (f" ({year})" if year else "")
    meta: dict[str, object] = {"title": title, "author": author, "shelf": (row.get("Exclusive Shelf") or "").strip()}
    if cut:
        meta["truncated"] = True
    yield Record(where, rated_fields(book, review, stars) | {"created_at": when, "meta": meta})
