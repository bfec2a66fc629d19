"""Letterboxd export (Settings -> Data -> Export your data: a zip with ``ratings.csv``
``Date, Name, Year, Letterboxd URI, Rating`` and ``reviews.csv`` which adds ``Review``
and ``Watched Date``). Ratings are 0.5-5 in half stars.

A rated film is an item scored by its rating: the film and the review (if any) as the
input, the rating as the response. From the zip, reviews are read first and a film's
bare rating is not imported again beside its review.
"""

from __future__ import annotations

from collections.abc import Iterator

from mindprint.importers.fields import clip, rated_fields, rating, strip_html
from mindprint.importers.summary import Event, Record, Rejection, Skip

COLUMNS = {"Name", "Year", "Rating"}


def film_key(row: dict[str, str]) -> tuple[str, str]:
    return (row.get("Name") or "").strip().casefold(), (row.get("Year") or "").strip()


def row_events(row: dict[str, str], n: int, max_chars: int, file: str) -> Iterator[Event]:
    name = (row.get("Name") or "").strip()
    year = (row.get("Year") or "").strip()
    where = f"{file} line {n}" + (f" ({name})" if name else "")
    try:
        stars = rating(row.get("Rating") or "", low=0.5, high=5, step=0.5)
    except ValueError as e:
        yield Rejection(where, str(e))
        return
    review, cut = clip(strip_html(row.get("Review") or ""), max_chars // 2)
    if stars is None and not review:
        yield Skip(where, "film neither rated nor reviewed")
        return
    film = f"{name} ({year})" if year else name
    meta: dict[str, object] = {"film": name, "year": year}
    if cut:
        meta["truncated"] = True
    when = (row.get("Watched Date") or row.get("Date") or "").strip() or None
    yield Record(where, rated_fields(film, review, stars) | {"created_at": when, "meta": meta})
