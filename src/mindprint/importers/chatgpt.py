"""ChatGPT data export (``conversations.json``, alone or inside the export zip).

Each conversation is a tree of messages (``mapping``: node id -> ``{message, parent,
children}``); an edited prompt or a regenerated answer starts a new branch. The
conversation as the user last saw it is the *active branch*: from ``current_node``
back through ``parent`` to the root. Other branches are counted, not imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mindprint.importers.chat import ChatMessage, Conversation, exchanges
from mindprint.importers.summary import Event, Rejection, Skip

# Assistant content that is not the answer the user read.
_HIDDEN_TYPES = {"thoughts", "reasoning_recap", "user_editable_context", "system_error"}


def conversation_events(raw: Any, n: int, max_chars: int) -> Iterator[Event]:
    """The events of one element of ``conversations.json``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("mapping"), dict):
        yield Rejection(f"conversation {n}", 'not a ChatGPT conversation (no "mapping" object)')
        return
    title = str(raw.get("title") or "")
    path, off_branch = active_branch(raw["mapping"], raw.get("current_node"))
    if off_branch:
        yield from (Skip(f"conversation {title!r}", "message on an edited-away branch")
                    for _ in range(off_branch))
    messages: list[ChatMessage] = []
    for node in path:
        msg = node.get("message")
        if not isinstance(msg, dict):
            continue  # the root placeholder
        parsed = _message(msg)
        if isinstance(parsed, str):
            yield Skip(f"conversation {title!r}", parsed)
        else:
            messages.append(parsed)
    conv = Conversation(
        id=str(raw.get("conversation_id") or raw.get("id") or n), title=title,
        time=raw.get("create_time"), messages=messages,
    )
    yield from exchanges(conv, max_chars)


def active_branch(mapping: dict[str, Any], current: Any) -> tuple[list[dict[str, Any]], int]:
    """The nodes from the root to ``current_node``, and how many messages lie elsewhere."""
    if not isinstance(current, str) or current not in mapping:
        current = _last_leaf(mapping)
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    node_id: Any = current
    while isinstance(node_id, str) and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        if not isinstance(node, dict):
            break
        path.append(node)
        node_id = node.get("parent")
    path.reverse()
    off = sum(
        1 for k, v in mapping.items()
        if k not in seen and isinstance(v, dict) and isinstance(v.get("message"), dict)
    )
    return path, off


def _last_leaf(mapping: dict[str, Any]) -> str | None:
    """Without a usable ``current_node``: the newest message that has no children."""
    leaves = [
        (float((v.get("message") or {}).get("create_time") or 0), k)
        for k, v in mapping.items()
        if isinstance(v, dict) and not v.get("children")
    ]
    return max(leaves)[1] if leaves else None


def _message(msg: dict[str, Any]) -> ChatMessage | str:
    """The message as the user saw it, or the reason it is not part of the exchange."""
    role = (msg.get("author") or {}).get("role")
    meta = msg.get("metadata") or {}
    if role not in ("user", "assistant"):
        return f"{role or 'unknown'} message"
    if meta.get("is_visually_hidden_from_conversation"):
        return "hidden message"
    content = msg.get("content") or {}
    ctype = content.get("content_type")
    if ctype in _HIDDEN_TYPES:
        return f"hidden {ctype} content"
    if role == "assistant" and msg.get("recipient", "all") != "all":
        return "tool call"
    text, non_text = _text_of(content)
    files = tuple(
        str(a.get("name") or a.get("id") or "file") for a in meta.get("attachments") or []
        if isinstance(a, dict)
    )
    if not text.strip():
        return f"{role} message without text" + (f" ({non_text[0]})" if non_text else "")
    return ChatMessage(role, text.strip(), msg.get("create_time"), files + non_text)


def _text_of(content: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The text parts joined, and a description of each part that is not text."""
    ctype = content.get("content_type")
    if ctype in ("code", "execution_output"):
        return str(content.get("text") or ""), ()
    parts = content.get("parts")
    if not isinstance(parts, list):
        return str(content.get("text") or ""), ()
    texts: list[str] = []
    other: list[str] = []
    for p in parts:
        if isinstance(p, str):
            texts.append(p)
        elif isinstance(p, dict) and p.get("content_type") == "audio_transcription":
            texts.append(str(p.get("text") or ""))  # voice mode: what was said
        elif isinstance(p, dict):
            other.append(str(p.get("content_type") or "non-text part"))
    return "\n".join(t for t in texts if t.strip()), tuple(other)
