"""LaMP ``*_questions.json``: a JSON array of ``{"id", "input", "profile"}`` questions, one
per user. The chosen user's profile items become history items, each mapped by
:func:`mindprint.ingest.lamp_item` (the evaluation's own mapping).

The questions are read one at a time; only the chosen one is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from mindprint.errors import ImportFormatError, InvalidInputError
from mindprint.importers.jsonread import Unread, json_records
from mindprint.importers.summary import Event, Record, Rejection
from mindprint.ingest import lamp_item


def _ids(q: dict[str, Any]) -> set[str]:
    return {str(q.get(k)) for k in ("id", "user_id", "author") if q.get(k) is not None}


def find_question(fh: IO[bytes], name: str, lamp_id: str | None) -> dict[str, Any]:
    """The question of user ``lamp_id`` (or the only one)."""
    found: dict[str, Any] | None = None
    first_id: object = None
    count = 0
    for n, q in json_records(fh, name):
        if isinstance(q, Unread):
            raise ImportFormatError(f"{name} question {n} was {q.reason}; nothing was imported.")
        if not isinstance(q, dict):
            raise ImportFormatError(
                f"{name} is not a LaMP questions file: expected a JSON list of "
                '{"id", "input", "profile"} objects; nothing was imported.'
            )
        count += 1
        first_id = q.get("id") if count == 1 else first_id
        if found is None and (lamp_id is None or lamp_id in _ids(q)):
            found = q
    if count == 0:
        raise ImportFormatError(f"{name} holds no questions; nothing was imported.")
    if lamp_id is None and count > 1:
        raise ImportFormatError(
            f"{name} holds {count} users; choose one with --lamp-id (e.g. --lamp-id {first_id})."
        )
    if found is None:
        raise ImportFormatError(f"No question with id, user_id or author {lamp_id!r} in {name}.")
    return found


def profile_events(question: dict[str, Any], name: str, max_chars: int) -> Iterator[Event]:
    profile = question.get("profile")
    if not isinstance(profile, list):
        raise ImportFormatError(
            f"Question {question.get('id')!r} in {name} has no \"profile\" list; nothing "
            "was imported."
        )
    for n, raw in enumerate(profile, start=1):
        where = f"profile item {n}"
        if not isinstance(raw, dict):
            yield Rejection(where, "profile entry is not an object")
            continue
        try:
            it = lamp_item(raw, max_chars)
        except (ValueError, InvalidInputError) as e:
            yield Rejection(where, str(e))
            continue
        yield Record(where, {"input": it.input, "output": it.response, "label": it.label,
                             "score": it.score, "created_at": it.created_at})
