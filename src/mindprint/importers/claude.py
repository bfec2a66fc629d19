"""Claude data export (``conversations.json``, alone or inside the export zip).

Each conversation has ``chat_messages`` with ``sender`` ``human``/``assistant``, the
text in ``text`` and/or typed ``content`` blocks, ``created_at``, and the user's
``attachments``/``files``. Where messages carry ``parent_message_uuid`` (edits and
retries branch), the active branch is the chain ending at the last message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from mindprint.importers.chat import ChatMessage, Conversation, exchanges
from mindprint.importers.summary import Event, Rejection, Skip

_ROLES: dict[str, Literal["user", "assistant"]] = {
    "human": "user", "user": "user", "assistant": "assistant",
}


def conversation_events(raw: Any, n: int, max_chars: int) -> Iterator[Event]:
    if not isinstance(raw, dict) or not isinstance(raw.get("chat_messages"), list):
        yield Rejection(f"conversation {n}", 'not a Claude conversation (no "chat_messages" list)')
        return
    title = str(raw.get("name") or "")
    where = f"conversation {title or n!r}"
    msgs = [m for m in raw["chat_messages"] if isinstance(m, dict)]
    branch = _active_branch(msgs)
    for _ in range(len(msgs) - len(branch)):
        yield Skip(where, "message on an edited-away branch")
    messages: list[ChatMessage] = []
    for msg in branch:
        parsed = _message(msg)
        if isinstance(parsed, str):
            yield Skip(where, parsed)
        else:
            messages.append(parsed)
    conv = Conversation(
        id=str(raw.get("uuid") or n), title=title, time=raw.get("created_at"), messages=messages
    )
    yield from exchanges(conv, max_chars)


def _active_branch(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not msgs or not all("parent_message_uuid" in m for m in msgs):
        return msgs  # a linear export
    by_id = {m.get("uuid"): m for m in msgs}
    path: list[dict[str, Any]] = []
    seen: set[Any] = set()
    node: dict[str, Any] | None = msgs[-1]
    while node is not None and node.get("uuid") not in seen:
        seen.add(node.get("uuid"))
        path.append(node)
        node = by_id.get(node.get("parent_message_uuid"))
    return path[::-1]


def _message(msg: dict[str, Any]) -> ChatMessage | str:
    role = _ROLES.get(str(msg.get("sender")))
    if role is None:
        return f"{msg.get('sender') or 'unknown'} message"
    texts: list[str] = []
    other: list[str] = []
    content = msg.get("content")
    if isinstance(content, list) and content:
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                texts.append(block["text"])
            else:
                other.append(str(block.get("type") or "non-text block"))
    elif isinstance(msg.get("text"), str):
        texts.append(msg["text"])
    files = tuple(
        str(f.get("file_name") or "file")
        for key in ("attachments", "files") for f in msg.get(key) or [] if isinstance(f, dict)
    )
    text = "\n".join(t for t in texts if t.strip()).strip()
    if not text:
        return f"{role} message without text" + (f" ({other[0]})" if other else "")
    shown = files + (tuple(other) if role == "user" else ())
    return ChatMessage(role, text, msg.get("created_at"), shown)
