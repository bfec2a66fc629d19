"""Claude data export (``conversations.json``, alone or inside the export zip).

Each conversation has ``chat_messages`` with ``sender`` ``human``/``assistant``, the
text in ``text`` and/or typed ``content`` blocks, ``created_at``, and the user's
``attachments``/``files``. Where messages carry ``parent_message_uuid`` (edits and
retries branch), the active branch is the chain ending at the last message; a message the
user edited keeps its first version (``edited_from``): what the edit added is what they
corrected.

Every field read is checked for its JSON type (:mod:`mindprint.importers.shape`): a
conversation with a field of the wrong type is rejected alone, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal

from mindprint.importers import chat
from mindprint.importers.chat import ChatMessage, Conversation
from mindprint.importers.shape import Malformed, arr, ident, kind, text, when
from mindprint.importers.summary import Event

_ROLES: dict[str, Literal["user", "assistant"]] = {
    "human": "user", "user": "user", "assistant": "assistant",
}


def conversation_events(raw: Any, n: int, max_chars: int) -> Iterator[Event]:
    """The events of one element of ``conversations.json``."""
    return chat.conversation_events(
        raw, n, max_chars, key="chat_messages", kind=list, title="name", parse=_conversation,
        what='not a Claude conversation (no "chat_messages" list)')


def _conversation(raw: dict[str, Any], n: int) -> tuple[Conversation, list[str]]:
    msgs: list[dict[str, Any]] = []
    for i, m in enumerate(raw["chat_messages"], start=1):
        if not isinstance(m, dict):
            raise Malformed(f"message {i} is {kind(m)}, not an object")
        msgs.append(m)
    branch = _active_branch(msgs)
    skips = ["message on an edited-away branch"] * (len(msgs) - len(branch))
    firsts = _first_versions(msgs, branch)
    messages: list[ChatMessage] = []
    for i, msg in branch:
        parsed = _message(msg, f"message {i}")
        if isinstance(parsed, str):
            skips.append(parsed)
        else:
            edited = firsts.get(i, "") if parsed.role == "user" else ""
            messages.append(replace(parsed, edited_from=edited))
    conv = Conversation(
        id=ident(raw, "uuid", '"uuid"') or str(n), title=text(raw, "name", '"name"') or "",
        time=when(raw, "created_at", '"created_at"'), messages=messages, position=n,
    )
    return conv, skips


def _active_branch(msgs: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(number, message) along the branch that ends at the last message."""
    numbered = list(enumerate(msgs, start=1))
    if not msgs or not all("parent_message_uuid" in m for m in msgs):
        return numbered  # a linear export
    ids = [ident(m, "uuid", f"the uuid of message {i}") for i, m in numbered]
    parents = [ident(m, "parent_message_uuid", f"the parent_message_uuid of message {i}")
               for i, m in numbered]
    by_id = {uid: k for k, uid in enumerate(ids) if uid is not None}
    path: list[tuple[int, dict[str, Any]]] = []
    seen: set[int] = set()
    k: int | None = len(msgs) - 1
    while k is not None and k not in seen:
        seen.add(k)
        path.append(numbered[k])
        parent = parents[k]
        k = by_id.get(parent) if parent is not None else None
    return path[::-1]


def _first_versions(
    msgs: list[dict[str, Any]], branch: list[tuple[int, dict[str, Any]]]
) -> dict[int, str]:
    """For each message on the branch the user edited (by number), how they first wrote
    it: an edit leaves the old message beside the new one, under the same parent."""

    def parent_of(j: int, m: dict[str, Any]) -> str | None:
        return ident(m, "parent_message_uuid", f"the parent_message_uuid of message {j}")

    kept = {i for i, _ in branch}
    left: dict[str, list[ChatMessage]] = {}
    for j, other in enumerate(msgs, start=1):
        parent = parent_of(j, other)
        if parent is None or j in kept:
            continue
        said = _message(other, f"message {j}")
        if isinstance(said, ChatMessage) and said.role == "user":
            left.setdefault(parent, []).append(said)
    out: dict[int, str] = {}
    for i, msg in branch:
        at = str(msg.get("created_at") or "")
        earlier = [m for m in left.get(parent_of(i, msg) or "", []) if not at or str(m.time or "") <= at]
        if earlier:
            out[i] = min(earlier, key=lambda m: str(m.time or "")).text
    return out


def _message(msg: dict[str, Any], name: str) -> ChatMessage | str:
    sender = text(msg, "sender", f"the sender of {name}")
    role = _ROLES.get(sender or "")
    if role is None:
        return f"{(sender or 'unknown')[:40]} message"
    texts: list[str] = []
    other: list[str] = []
    content = arr(msg, "content", f"the content of {name}")
    if content:
        for block in content:
            if not isinstance(block, dict):
                continue
            block_type = text(block, "type", f"a content block's type in {name}")
            if block_type == "text":
                texts.append(text(block, "text", f"a text block of {name}") or "")
            else:
                other.append(block_type or "non-text block")
    else:
        texts.append(text(msg, "text", f"the text of {name}") or "")
    files = tuple(
        _file_name(f) for key in ("attachments", "files")
        for f in arr(msg, key, f"the {key} of {name}") if isinstance(f, dict)
    )
    body = "\n".join(t for t in texts if t.strip()).strip()
    if not body:
        return f"{role} message without text" + (f" ({other[0]})" if other else "")
    shown = files + (tuple(other) if role == "user" else ())
    return ChatMessage(role, body, when(msg, "created_at", f"the created_at of {name}"), shown)


def _file_name(f: dict[str, Any]) -> str:
    name = f.get("file_name")
    return name if isinstance(name, str) and name else "file"
