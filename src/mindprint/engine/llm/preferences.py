"""The LLM version of the preference stage: each conversation item's preferences, read by
the model from the user's side of the chat (RPM's feature extraction, for chats).

Only the user's words are given as the text to read; what the assistant said before a
turn travels with it, fenced apart and marked as not the person's words, so a choice can
be told from its options. Items are batched (``batch_size`` conversation items per call;
an item with no user turn, a rating or a review, sends nothing).

The model's quotes are checked, never trusted: a quote must be a span of the user's own
turn it names (after whitespace, case and typographic-quote folding), and what is stored
is that span as the user wrote it. A quote found nowhere in that turn (the assistant's
words, a paraphrase) is dropped. An item whose every proposed preference was dropped, an
item the model skipped, and every item of a batch whose answer stayed invalid or whose
call failed get the offline reader's preferences, with origin ``fallback``
(``failures`` says why); a provider that can serve no call stops the build.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel

from mindprint.engine.features.preferences import (
    MAX_SENTENCE_CHARS,
    Stated,
    extract,
)
from mindprint.engine.features.reader import as_feature, turns_of
from mindprint.engine.features.text import trim
from mindprint.engine.features.turns import Before, Turn, edit_added
from mindprint.engine.llm.blocks import ITEM_CHARS, batches, recoverable
from mindprint.engine.llm.interface import LLM, ask_json, fence, load_prompt
from mindprint.engine.types import Feature, Item
from mindprint.errors import ProviderError

# How much of one user turn the model is shown: long enough for a preference mentioned in
# passing deep inside a long message; the quote is checked against the whole turn.
USER_CHARS = 3000
MAX_PER_ITEM = 12
_ROLES = {
    "message": "the person's message",
    "reaction": "the person's reply to the assistant's answer above",
    "comment": "the person's comment on the assistant's answer above",
    "writing": "a text the person wrote",
}


# No length limits in the schema: a long quote (a whole reply that makes a choice) or one
# preference too many would void the whole batch's answer; they are cut here instead.
class PrefOut(BaseModel):
    turn: int
    quote: str
    stance: Literal["likes", "avoids", "needs", "is"]
    firmness: Literal["strict", "firm", "prefer"]
    said_as: Literal["stated", "choice", "correction", "instruction"]
    chosen: str = ""


class ItemPrefs(BaseModel):
    item: int
    preferences: list[PrefOut]


class PreferenceAnswer(BaseModel):
    items: list[ItemPrefs]


# Folded before a quote is looked up: typographic quotes and dashes models straighten.
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` with whitespace runs made one space, case and typographic quotes folded,
    and for each character of the result the index of the original one it came from."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        c = unicodedata.normalize("NFKC", ch).translate(_FOLD)
        if c.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                where.append(i)
            continue
        for x in c.lower():
            chars.append(x)
            where.append(i)
    return "".join(chars), where


def find_span(quote: str, text: str) -> str | None:
    """The span of ``text`` that ``quote`` copies (as ``text`` spells it), or None."""
    q = _folded(quote.strip().strip("\"'“”‘’"))[0].strip()
    if len(q) < 2:
        return None
    folded, where = _folded(text)
    at = folded.find(q)
    if at == -1:
        return None
    return text[where[at] : where[at + len(q) - 1] + 1]


def turn_block(k: int, t: Turn) -> str:
    replying = t.role == "message" and t.before.strip()
    parts = [f"### turn {k}: {_ROLES['reaction' if replying else t.role]}"]
    if t.before.strip():
        parts.append("What the assistant had said (context only, NOT the person's words):")
        parts.append(fence(trim(t.before, ITEM_CHARS), "assistant", turn=k))
    parts.append("The person's words:")
    parts.append(fence(trim(t.text, USER_CHARS), "user", turn=k))
    if t.revised.strip():
        parts.append("How the person first wrote it, before editing it (what the edit added "
                     "corrects it; never quote this version):")
        parts.append(fence(trim(t.revised, USER_CHARS), "first_version", turn=k))
    return "\n".join(parts)


def prompt_of(turns: Sequence[Sequence[Turn]]) -> str:
    """The batch's items (numbered from 1), each with its numbered turns."""
    return "\n\n".join(
        f"## item {n}\n" + "\n".join(turn_block(k, t) for k, t in enumerate(ts, start=1))
        for n, ts in enumerate(turns, start=1)
    )


class LLMPreferenceReader:
    """Preferences read by the LLM, checked against the user's words; the offline reader
    (:class:`~mindprint.engine.features.reader.OfflinePreferenceReader`) item by item
    where the model's answer cannot be used."""

    def __init__(self, llm: LLM, *, batch_size: int = 8, user_id: str | None = None) -> None:
        self.llm = llm
        self.batch_size = batch_size
        self.user_id = user_id
        self.prompt = load_prompt("preferences")
        self.failures: list[str] = []

    @property
    def id(self) -> str:
        return f"llm:{self.llm.name}:preferences-{self.prompt.hash}"

    def read(self, items: Sequence[Item], before: Mapping[int, Before]) -> list[list[Feature]]:
        turns = [turns_of(it, before) for it in items]
        out: list[list[Feature]] = [[] for _ in items]
        talking = [i for i, ts in enumerate(turns) if ts]
        for rng in batches(len(talking), self.batch_size):
            idx = [talking[j] for j in rng]
            read = self._ask([turns[i] for i in idx])
            for n, i in enumerate(idx, start=1):
                stated = read.get(n)
                out[i] = (
                    [as_feature(s, "llm") for s in stated] if stated is not None
                    else [as_feature(s, "fallback") for s in extract(turns[i])]
                )
        return out

    def _ask(self, turns: Sequence[Sequence[Turn]]) -> dict[int, list[Stated]]:
        """Each item's checked preferences by its number in the batch; an item missing
        falls back (why is in ``failures``)."""
        try:
            ans = ask_json(
                self.llm, self.prompt.text, prompt_of(turns), PreferenceAnswer,
                purpose="preferences", user_id=self.user_id, items=len(turns),
            )
        except ProviderError as e:
            self.failures.append(recoverable(e))
            return {}
        said: dict[int, list[PrefOut]] = {}
        for entry in ans.items:
            if 1 <= entry.item <= len(turns):
                said.setdefault(entry.item, []).extend(entry.preferences)
        out: dict[int, list[Stated]] = {}
        for n, ts in enumerate(turns, start=1):
            if n not in said:  # a weak model skips items: those alone fall back
                self.failures.append(f"preferences: the answer had no entry for item {n}")
                continue
            checked: dict[str, Stated] = {}
            for p in said[n][:MAX_PER_ITEM]:
                s = self._checked(n, p, ts)
                if s is not None:
                    checked.setdefault(s.quote, s)
            if said[n] and not checked:
                self.failures.append(f"preferences: no quote of item {n} was the person's words")
                continue
            out[n] = list(checked.values())
        return out

    def _checked(self, n: int, p: PrefOut, turns: Sequence[Turn]) -> Stated | None:
        """The preference as stored, its quote the user's own words; None (and a failure)
        when the quote is not in the user's turn it names."""
        t = turns[p.turn - 1] if 1 <= p.turn <= len(turns) else None
        span = find_span(p.quote, t.text) if t is not None else None
        if t is None or span is None:
            where = ("is not one of its turns" if t is None else
                     "quotes the assistant" if find_span(p.quote, t.before) else
                     "quotes the version the person edited away" if find_span(p.quote, t.revised)
                     else "quotes words the person did not write there")
            self.failures.append(f"preferences: item {n} turn {p.turn} {where}; dropped")
            return None
        # A choice picks among options the assistant offered just before; without them
        # it is a statement.
        choice = p.said_as == "choice" and bool(t.before.strip())
        chosen = (find_span(p.chosen, t.before) or find_span(p.chosen, t.text) or "") if choice else ""
        return Stated(
            t.item_id, span[:MAX_SENTENCE_CHARS], p.stance, p.firmness,
            "stated" if p.said_as == "choice" and not choice else p.said_as, 1.0, chosen=chosen,
            asked_item=t.before_item if choice and t.before_item != t.item_id else None,
            offer=t.offer if choice else "",
            added=edit_added(t.revised, span) if t.revised.strip() and p.said_as == "correction"
            else "",
        )
