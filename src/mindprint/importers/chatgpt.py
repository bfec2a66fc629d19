"""ChatGPT data export (``conversations.json``, alone or inside the export zip).

Each conversation is a tree of messages (``mapping``: node id -> ``{message, parent,
children}``); an edited prompt or a regenerated answer starts a new branch. The
conversation as the user last saw it is the *active branch*: from ``current_node``
back through ``parent`` to the root. Other branches are counted, not imported, except
that a prompt the user edited keeps its first version (``edited_from``): what the edit
added is what they corrected.

Every field read is checked for its JSON type (:mod:`mindprint.importers.shape`): a
conversation with a field of the wrong type is rejected alone, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, Literal

from mindprint.importers import chat
from mindprint.importers.chat import ChatMessage, Conversation
from mindprint.importers.shape import Malformed, arr, ident, obj, text, when
from mindprint.importers.summary import Event

_ROLES: dict[str, Literal["user", "assistant"]] = {"user": "user", "assistant": "assistant"}
# Assistant content that is not the answer the user read.
_HIDDEN_TYPES = {"thoughts", "reasoning_recap", "user_editable_context", "system_error"}


def conversation_events(raw: Any, n: int, max_chars: int) -> Iterator[Event]:
    """The events of one element of ``conversations.json``."""
    return chat.conversation_events(
        raw, n, max_chars, key="mapping", kind=dict, title="title", parse=_conversation,
        what='not a ChatGPT conversation (no "mapping" object)')


def _conversation(raw: dict[str, Any], n: int) -> tuple[Conversation, list[str]]:
    """The conversation along its active branch, and why each other message is left out."""
    mapping: dict[str, Any] = raw["mapping"]
    current = raw.get("current_node")
    path, off_branch = active_branch(mapping, current if isinstance(current, str) else None)
    skips = ["message on an edited-away branch"] * off_branch
    messages: list[ChatMessage] = []
    for node_id, node in path:
        msg = node.get("message")
        if msg is None:
            continue  # the root placeholder
        if not isinstance(msg, dict):
            raise Malformed(f'the "message" of node {node_id[:40]!r} is not an object')
        parsed = _message(msg, f"message {node_id[:40]!r}")
        if isinstance(parsed, str):
            skips.append(parsed)
        elif parsed.role == "user":
            messages.append(replace(parsed, edited_from=_first_version(mapping, node_id, node)))
        else:
            messages.append(parsed)
    conv = Conversation(
        id=ident(raw, "conversation_id", '"conversation_id"') or ident(raw, "id", '"id"') or str(n),
        title=text(raw, "title", '"title"') or "", time=when(raw, "create_time", '"create_time"'),
        messages=messages, position=n,
    )
    return conv, skips


def active_branch(mapping: dict[str, Any], current: str | None) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """(id, node) from the root to ``current_node``, and how many messages lie elsewhere."""
    for key, value in mapping.items():
        if not isinstance(value, dict):
            raise Malformed(f"node {key[:40]!r} of the mapping is not an object")
        arr(value, "children", f'the "children" of node {key[:40]!r}')
    if current is None or current not in mapping:
        current = _last_leaf(mapping)
    path: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    node_id: str | None = current
    while node_id is not None and node_id in mapping and node_id not in seen:
        seen.add(node_id)
        node = mapping[node_id]
        path.append((node_id, node))
        node_id = ident(node, "parent", f'the "parent" of node {node_id[:40]!r}')
    path.reverse()
    off = sum(1 for k, v in mapping.items() if k not in seen and isinstance(v.get("message"), dict))
    return path, off


def _first_version(mapping: dict[str, Any], node_id: str, node: dict[str, Any]) -> str:
    """How the user first wrote a prompt they later edited: editing leaves the old prompt
    beside the new one, under the same parent. The earliest such sibling sent before this
    one; "" when there is none."""
    parent_id = node.get("parent")
    parent = mapping.get(parent_id) if isinstance(parent_id, str) else None
    kept = _seconds(node.get("message"))
    earlier: list[tuple[float, str]] = []
    for sib in arr(parent or {}, "children", "the children of a prompt's parent"):
        msg = mapping[sib].get("message") if isinstance(sib, str) and sib in mapping else None
        if sib == node_id or not isinstance(msg, dict) or (kept and _seconds(msg) > kept):
            continue
        said = _message(msg, f"message {sib[:40]!r}")
        if isinstance(said, ChatMessage) and said.role == "user":
            earlier.append((_seconds(msg), said.text))
    return min(earlier)[1] if earlier else ""


def _last_leaf(mapping: dict[str, Any]) -> str | None:
    """Without a usable ``current_node``: the newest message that has no children."""
    leaves = [(_seconds(v.get("message")), k) for k, v in mapping.items() if not v.get("children")]
    return max(leaves)[1] if leaves else None


def _seconds(msg: Any) -> float:
    t = msg.get("create_time") if isinstance(msg, dict) else None
    return float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) and abs(t) < 1e300 else 0.0


def _message(msg: dict[str, Any], name: str) -> ChatMessage | str:
    """The message as the user saw it, or the reason it is not part of the exchange."""
    author = text(obj(msg, "author", f"the author of {name}"), "role", f"the role of {name}")
    meta = obj(msg, "metadata", f"the metadata of {name}")
    role = _ROLES.get(author or "")
    if role is None:
        return f"{(author or 'unknown')[:40]} message"
    if meta.get("is_visually_hidden_from_conversation"):
        return "hidden message"
    content = obj(msg, "content", f"the content of {name}")
    ctype = text(content, "content_type", f"the content type of {name}")
    if ctype in _HIDDEN_TYPES:
        return f"hidden {ctype} content"
    if role == "assistant" and text(msg, "recipient", f"the recipient of {name}") not in (None, "all"):
        return "tool call"
    body, non_text = _text_of(content, ctype, name)
    files = tuple(_file_name(a) for a in arr(meta, "attachments", f"the attachments of {name}")
                  if isinstance(a, dict))
    if not body.strip():
        return f"{role} message without text" + (f" ({non_text[0]})" if non_text else "")
    return ChatMessage(role, body.strip(), when(msg, "create_time", f"the create_time of {name}"),
                       files + non_text)


def _file_name(attachment: dict[str, Any]) -> str:
    for key in ("name", "id"):
        value = attachment.get(key)
        if isinstance(value, str) and value:
            return value
    return "file"


def _text_of(content: dict[str, Any], ctype: str | None, name: str) -> tuple[str, tuple[str, ...]]:
    """The text parts joined, and a description of each part that is not text."""
    plain = text(content, "text", f"the text of {name}") or ""
    if ctype in ("code", "execution_output") or not isinstance(content.get("parts"), list):
        return plain, ()
    texts: list[str] = []
    other: list[str] = []
    for p in content["parts"]:
        if isinstance(p, str):
            texts.append(p)
        elif isinstance(p, dict) and p.get("content_type") == "audio_transcription":
            texts.append(text(p, "text", f"a transcript in {name}") or "")  # voice mode: what was said
        elif isinstance(p, dict):
            kind = p.get("content_type")
            other.append(kind if isinstance(kind, str) else "non-text part")
    return "\n".join(t for t in texts if t.strip()), tuple(other)
