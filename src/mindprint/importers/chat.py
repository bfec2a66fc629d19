"""Chat transcripts -> history items, the same way for every assistant's export.

A history item is an *exchange*: what the user was shown (their prompt, then the
assistant's answer) as the input, and the user's *next* message — a correction, a
follow-up, "thanks", a rewrite — as their response. The opening message is the prompt
of the first exchange. In a conversation where the user never reacted (one question,
one answer), their messages are kept as their own writing (no input). An answer the
user never reacted to says nothing about them and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from mindprint.importers.fields import clip
from mindprint.importers.shape import Malformed
from mindprint.importers.summary import Event, Record, Rejection, Skip

# The prompt is context for the answer: it gets at most this share of the input.
PROMPT_SHARE = 4


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    text: str
    time: float | str | None = None
    attachments: tuple[str, ...] = ()
    # How the user first wrote this message, when they edited it (a branch they left).
    edited_from: str = ""


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    time: float | str | None
    messages: list[ChatMessage] = field(default_factory=list)
    position: int = 0  # in the export, from 1


def position(n: int, title: object) -> str:
    """Where a conversation is, for the summary: its number in the export and its title."""
    return f"conversation {n}" + (f" ({title[:80]!r})" if isinstance(title, str) and title else "")


Parse = Callable[[dict[str, Any], int], tuple[Conversation, list[str]]]


def conversation_events(
    raw: Any, n: int, max_chars: int, *, key: str, kind: type, what: str, title: str, parse: Parse,
) -> Iterator[Event]:
    """The events of the ``n``-th conversation of an export: ``parse`` reads it into a
    :class:`Conversation` and the reasons messages are left out. One without ``key`` of
    type ``kind``, or with any field of the wrong type, is rejected alone."""
    if not isinstance(raw, dict) or not isinstance(raw.get(key), kind):
        yield Rejection(f"conversation {n}", what)
        return
    where = position(n, raw.get(title))
    try:
        conv, skips = parse(raw, n)
    except Malformed as e:
        yield Rejection(where, str(e))
        return
    yield from (Skip(where, reason) for reason in skips)
    yield from exchanges(conv, max_chars)


def _meta(conv: Conversation, turn: int, msgs: Iterable[ChatMessage], truncated: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"conversation": conv.title, "conversation_id": conv.id, "turn": turn}
    files = [a for m in msgs for a in m.attachments]
    if files:
        meta["attachments"] = files[:20]
    if truncated:
        meta["truncated"] = True
    return meta


def exchanges(conv: Conversation, max_chars: int) -> Iterator[Event]:
    """The items of one conversation (messages already on the active branch, in order)."""
    where = position(conv.position, conv.title)
    if not conv.messages:
        yield Skip(where, "empty conversation")
        return
    pending: list[ChatMessage] = []  # the user's messages since the last answer
    answer: list[ChatMessage] = []
    made = 0
    for turn, msg in enumerate(conv.messages, start=1):
        if msg.role == "assistant":
            answer.append(msg)
        elif answer:
            yield _exchange(conv, turn, pending, answer, msg, max_chars, where)
            made += 1
            pending, answer = [msg], []
        else:
            pending.append(msg)
    if answer:
        yield Skip(where, "last answer had no reaction from the user")
    # Messages that are in no exchange are the person's own writing: the prompts of a
    # conversation nobody reacted in, or messages after the last reaction that were
    # never answered.
    for msg in pending if made == 0 else pending[1:] if not answer else []:
        text, cut = clip(msg.text, max_chars)
        turn = conv.messages.index(msg) + 1
        yield Record(f"{where}, message {turn}", {
            "input": "", "output": text, "created_at": msg.time or conv.time,
            "meta": _meta(conv, turn, [msg], cut) | {"kind": "writing"}
            | _edits("edited_from", [msg], max_chars),
        })


def _exchange(
    conv: Conversation, turn: int, prompt: list[ChatMessage], answer: list[ChatMessage],
    reaction: ChatMessage, max_chars: int, where: str,
) -> Record:
    p_text, p_cut = clip("\n\n".join(m.text for m in prompt), max_chars // PROMPT_SHARE)
    room = max_chars - len(p_text) - 2
    a_text, a_cut = clip("\n\n".join(m.text for m in answer), room)
    r_text, r_cut = clip(reaction.text, max_chars)
    shown = f"{p_text}\n\n{a_text}" if p_text else a_text
    msgs = [*prompt, *answer, reaction]
    # prompt_chars: where the user's prompt ends in the input, so the user's own words
    # (prompt and reaction) are told apart from the assistant's (engine/features/turns.py).
    return Record(f"{where}, message {turn}", {
        "input": shown,
        "output": r_text,
        "created_at": reaction.time or answer[-1].time or conv.time,
        "meta": _meta(conv, turn, msgs, p_cut or a_cut or r_cut)
        | {"kind": "exchange", "prompt_chars": len(p_text)}
        | _edits("prompt_edited_from", prompt, max_chars // PROMPT_SHARE)
        | _edits("edited_from", [reaction], max_chars),
    })


def _edits(key: str, msgs: Iterable[ChatMessage], max_chars: int) -> dict[str, str]:
    """How the user first wrote ``msgs`` before editing them, if they did (the preference
    stage reads what the edit added as a correction)."""
    first = "\n\n".join(m.edited_from for m in msgs if m.edited_from)
    return {key: clip(first, max_chars)[0]} if first else {}
