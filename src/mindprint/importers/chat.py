"""Chat transcripts -> history items, the same way for every assistant's export.

A history item is an *exchange*: what the user was shown (their prompt, then the
assistant's answer) as the input, and the user's *next* message — a correction, a
follow-up, "thanks", a rewrite — as their response. The opening message of a
conversation, which reacts to nothing, is kept as the person's own writing (no input).
An answer the user never reacted to says nothing about them and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from mindprint.importers.fields import clip
from mindprint.importers.summary import Event, Record, Skip

# The prompt is context for the answer: it gets at most this share of the input.
PROMPT_SHARE = 4


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    text: str
    time: float | str | None = None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    title: str
    time: float | str | None
    messages: list[ChatMessage] = field(default_factory=list)


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
    where = f"conversation {conv.title or conv.id!r}"
    if not conv.messages:
        yield Skip(where, "empty conversation")
        return
    prompt: ChatMessage | None = None
    answer: list[ChatMessage] = []
    for turn, msg in enumerate(conv.messages, start=1):
        if msg.role == "assistant":
            answer.append(msg)
            continue
        if answer:
            yield _exchange(conv, turn, prompt, answer, msg, max_chars, where)
        else:
            text, cut = clip(msg.text, max_chars)
            yield Record(f"{where}, message {turn}", {
                "input": "", "output": text, "created_at": msg.time or conv.time,
                "meta": _meta(conv, turn, [msg], cut) | {"kind": "writing"},
            })
        prompt, answer = msg, []
    if answer:
        yield Skip(where, "last answer had no reaction from the user")


def _exchange(
    conv: Conversation, turn: int, prompt: ChatMessage | None, answer: list[ChatMessage],
    reaction: ChatMessage, max_chars: int, where: str,
) -> Record:
    p_text, p_cut = clip(prompt.text, max_chars // PROMPT_SHARE) if prompt else ("", False)
    room = max_chars - len(p_text) - 2
    a_text, a_cut = clip("\n\n".join(m.text for m in answer), room)
    r_text, r_cut = clip(reaction.text, max_chars)
    shown = f"{p_text}\n\n{a_text}" if p_text else a_text
    msgs = [*([prompt] if prompt else []), *answer, reaction]
    return Record(f"{where}, message {turn}", {
        "input": shown,
        "output": r_text,
        "created_at": reaction.time or answer[-1].time or conv.time,
        "meta": _meta(conv, turn, msgs, p_cut or a_cut or r_cut) | {"kind": "exchange"},
    })
