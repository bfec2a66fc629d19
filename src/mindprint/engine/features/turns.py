"""Who said what in an item: the user's own words, and what the assistant said before them.

An item's texts are laid out one of four ways (``Item.kind``):

- ``answered``: what the user was shown (``input``) and what they answered (``response``):
  a review, a rating, a label. Not a conversation: no turns.
- ``turn``: one exchange as it happened (``record_feedback``, a chat replayed turn by
  turn): ``input`` is the user's message, ``response`` the assistant's answer, ``note`` the
  user's comment on that answer.
- ``exchange``: an exchange of a chat export: ``input`` is the user's prompt (its first
  ``prompt_chars`` characters) followed by the assistant's answer, ``response`` the user's
  next message (their reaction to the answer).
- ``writing``: the user's own text with nothing before it (``response``).

Only the user's words are ever a source of the person's features; the assistant's words
travel with them as ``before``, the context a reaction answers (the options a choice picks
from). A ``turn`` item's ``before`` is the previous turn's answer, which the caller looks up.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mindprint.engine.features.text import LIST_LINE, STOPWORDS, words
from mindprint.engine.types import Item

TurnRole = Literal["message", "reaction", "comment", "writing"]
CHAT_KINDS = frozenset({"turn", "exchange", "writing"})


@dataclass(frozen=True, slots=True)
class Turn:
    """One thing the user wrote, with what the assistant had said just before it."""

    item_id: int
    text: str
    before: str
    role: TurnRole
    # The item whose answer ``before`` is (this item for an exchange or a comment).
    before_item: int | None = None
    # The whole exchange ``before`` ends: the request and the answer, what a choice
    # among the answer's options is matched by later.
    offer: str = ""
    # How the user first wrote ``text``, before editing it (a chat export keeps the
    # version they moved away from): what the edit added corrects the first version.
    revised: str = ""
    # What the assistant answered to ``text``, when the item holds it (a message's answer):
    # whether that answer acknowledges an instruction or carries out a task.
    reply: str = ""


def user_turns(
    item: Item, before: str = "", before_item: int | None = None, offer: str = ""
) -> list[Turn]:
    """The user's own texts in ``item`` (none for an ``answered`` item).

    ``before``: for a ``turn`` item, the assistant's answer that preceded its message (the
    previous turn's response, of item ``before_item``, whose whole exchange is ``offer``);
    an ``exchange`` carries its own."""
    if item.kind == "turn":
        out = (
            [Turn(item.id, item.input, before, "message", before_item if before else None, offer,
                  reply=item.response)]
            if item.input.strip() else []
        )
        if item.note and item.note.strip():
            out.append(Turn(item.id, item.note, item.response, "comment", item.id,
                            f"{item.input}\n{item.response}"))
        return out
    if item.kind == "exchange":
        cut = max(0, min(item.prompt_chars, len(item.input)))
        prompt, answer = item.input[:cut].strip(), item.input[cut:].strip()
        out = ([Turn(item.id, prompt, "", "message", revised=item.prompt_edited_from or "", reply=answer)]
               if prompt else [])
        if item.response.strip():
            out.append(Turn(item.id, item.response, answer, "reaction", item.id, item.input,
                            revised=item.edited_from or ""))
        return out
    if item.kind == "writing" and item.response.strip():
        return [Turn(item.id, item.response, "", "writing", revised=item.edited_from or "")]
    return []


def user_text(item: Item) -> str:
    """Everything the user wrote in ``item``, for the features of a conversation item."""
    return "\n".join(t.text for t in user_turns(item))


# What a turn replies to: the previous turn's id, its answer, and its whole exchange.
Before = tuple[int, str, str]


def replying_to(prev: Item) -> Before:
    return prev.id, prev.response, f"{prev.input}\n{prev.response}"


def previous_answers(items: Sequence[Item]) -> dict[int, Before]:
    """For each ``turn`` item, the turn just before it in time: what its message replies
    to. ``items``: the user's items, in any order."""
    ordered = sorted(items, key=lambda it: (it.created_at or "", it.id))
    return {
        cur.id: replying_to(prev)
        for prev, cur in itertools.pairwise(ordered)
        if cur.kind == "turn" and prev.kind == "turn"
    }


# -- notes on an answer: what the user said about it and what their edit of it says about
# how they want answers, as sentences the preference extractor reads.

# An edit that keeps less than this share of an answer's words asks for shorter answers
# (more than its inverse, for longer ones).
SHORTER = 0.6
MAX_NOTE_CHARS = 2000


def describe_edit(original: str, edited: str) -> str | None:
    """What a user's edit of an answer says about how they want answers, as a sentence
    the extractor reads as an instruction; None when the edit says nothing general."""
    before, after = len(original.split()), len(edited.split())
    out = []
    if before and after < SHORTER * before:
        out.append(f"Keep answers shorter (I cut one from {before} to {after} words).")
    elif after and before < SHORTER * after:
        out.append(f"Give longer answers (I expanded one from {before} to {after} words).")
    if LIST_LINE.search(original) and not LIST_LINE.search(edited):
        out.append("No bullet points (I removed them from an answer).")
    return " ".join(out) or None


def join_notes(*notes: str | None) -> str | None:
    """Everything the user said about one answer, oldest first, each once, bounded."""
    parts = list(dict.fromkeys(n.strip() for n in notes if n and n.strip()))
    return "\n".join(parts)[-MAX_NOTE_CHARS:] or None


def edit_words(text: str) -> list[str]:
    """The content words an edit of a message is read by, in order, each once. A lone digit
    counts: "for 4 people" adds a number, a detail of the task."""
    return [w for w in dict.fromkeys(words(text.lower().replace("\u2019", "'")))
            if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def edit_added(first: str, said: str) -> str:
    """The content words of ``said`` that the first version of its message lacked."""
    before = set(edit_words(first))
    return " ".join(w for w in edit_words(said) if w not in before)
