"""The one typed structure every evaluation data set becomes: a user's past items
(:class:`ProfileItem`), their questions (:class:`Example`), grouped per user
(:class:`UserCase`), and what the set says about its answers (:class:`TaskInfo`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mindprint.errors import MindprintError
from mindprint.ingest import lamp_fields


class DatasetError(MindprintError):
    """A shared data set is missing, malformed, or fails an integrity check."""


@dataclass(frozen=True)
class ProfileItem:
    """One past item of a user's history.

    ``input`` is what the user was responding to ("" when there was nothing,
    e.g. a tweet), ``response`` is what they wrote or chose, ``label`` is a
    class or rating when the item has one, and ``score`` its numeric value.
    """

    id: str
    input: str
    response: str
    label: str | None = None
    score: float | None = None
    date: str | None = None
    # The LaMP record it was read from: what the evaluation imports (not compared).
    record: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The text the item is read by: the input, or the response when there is none
        (the app's ``Item.text``)."""
        return self.input if self.input.strip() else self.response


@dataclass(frozen=True, slots=True)
class Question:
    """What a method may see of an example: everything but the gold."""

    id: str
    user_id: str
    task: str
    query: str
    prompt: str
    profile: tuple[ProfileItem, ...]

    @classmethod
    def of(cls, ex: Question) -> Question:
        return cls(ex.id, ex.user_id, ex.task, ex.query, ex.prompt, ex.profile)


@dataclass(frozen=True)
class Example(Question):
    """One evaluation question for one user, with its gold.

    ``query`` is the question's own text (instruction removed), ``prompt`` the
    full LaMP-style input, ``gold`` the expected answer as stored in the data.
    Methods get :meth:`Question.of` it: a plain :class:`Question`, without the gold.
    """

    gold: str
    # What the dev/test split hashes: the user, or the text itself for the
    # per-annotator sets (the same text goes to one side for every annotator).
    split_key: str = ""

    @property
    def split_by(self) -> str:
        return self.split_key or self.user_id


@dataclass(frozen=True)
class UserCase:
    """One user of a run: their history, built once, and every question they answer."""

    user_id: str
    profile: tuple[ProfileItem, ...]
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class TaskInfo:
    """What a data set says about its answers (per-annotator sets carry ``task.json``)."""

    scale: tuple[float, float] | None = None
    labels: tuple[str, ...] = ()


def profile_item_from_lamp(raw: Mapping[str, Any]) -> ProfileItem:
    """One LaMP-format profile item, mapped by :func:`mindprint.ingest.lamp_fields` (the
    importer's mapping). ``date`` is kept as a string (unix seconds are stringified);
    the record itself travels along for the import."""
    if "id" not in raw:
        raise DatasetError(f"profile item without an 'id' (keys: {sorted(raw)})")
    item_id = str(raw["id"])
    try:
        f = lamp_fields(raw)
    except ValueError as e:
        raise DatasetError(f"profile item {item_id!r}: {e}") from None
    date = None if f.date is None else str(f.date)
    return ProfileItem(item_id, f.input, f.response, f.label, f.score, date, record=raw)
