"""ChatGPT data exports written the way ChatGPT writes them, branches included.

Each conversation is a tree (``mapping``: node id -> ``{id, message, parent, children}``)
under a root placeholder and a hidden system message. Editing a prompt adds a sibling user
message under the same parent (the old prompt keeps the answer it got); regenerating an
answer adds a sibling answer under the same prompt. ``current_node`` is the last message
of the branch the user kept. Ids are UUIDs derived from the title and start time, so a
written export is the same on every run.

Used by the demo's chat history (``examples/demo_chats.json``, written by
``scripts/demo_chats.py``) and by the end-to-end test of preferences from an export.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

MODEL_SLUG = "gpt-4o"
_NS = uuid.UUID("6f1c2a64-0d7e-4c55-9a51-2b8f3c1e7d90")


@dataclass(frozen=True, slots=True)
class Said:
    """One message on the kept branch, with the versions the user moved away from:
    for a prompt, earlier prompts they edited (each with the answer it had got); for an
    answer, the answers they regenerated."""

    role: Literal["user", "assistant"]
    text: str
    was: tuple[tuple[str, str | None], ...] = ()


def ask(text: str, *, edited_from: Sequence[tuple[str, str]] = ()) -> Said:
    return Said("user", text, tuple(edited_from))


def answer(text: str, *, regenerated_from: Sequence[str] = ()) -> Said:
    return Said("assistant", text, tuple((old, None) for old in regenerated_from))


@dataclass(slots=True)
class _Tree:
    cid: str
    start: float
    mapping: dict[str, Any]
    n: int = 0

    def add(self, parent: str, role: str, text: str, **meta: Any) -> str:
        self.n += 1
        nid = str(uuid.uuid5(_NS, f"{self.cid}/{self.n}"))
        self.mapping[nid] = {"id": nid, "message": _message(nid, role, text, self.start + 20 * self.n, meta),
                             "parent": parent, "children": []}
        self.mapping[parent]["children"].append(nid)
        return nid


def _message(nid: str, role: str, text: str, t: float, meta: dict[str, Any]) -> dict[str, Any]:
    if role == "assistant":
        meta = {"finish_details": {"type": "stop", "stop_tokens": [200002]}, "is_complete": True,
                "model_slug": MODEL_SLUG, "default_model_slug": MODEL_SLUG, **meta}
    elif role == "user":
        meta = {"selected_github_repos": [], "serialization_metadata": {"custom_symbol_offsets": []},
                "dictation": False, **meta}
    return {
        "id": nid, "author": {"role": role, "name": None, "metadata": {}},
        "create_time": None if role == "system" else round(t, 3), "update_time": None,
        "content": {"content_type": "text", "parts": [text]}, "status": "finished_successfully",
        "end_turn": True if role == "assistant" else None, "weight": 1.0 if text else 0.0,
        "metadata": {"timestamp_": "absolute", "message_type": None, **meta},
        "recipient": "all", "channel": None,
    }


def conversation(title: str, start: float, messages: Sequence[Said]) -> dict[str, Any]:
    """One element of ``conversations.json``: ``messages`` along the kept branch."""
    cid = str(uuid.uuid5(_NS, f"{title}/{start}"))
    root = "client-created-root"
    tree = _Tree(cid, start, {root: {"id": root, "message": None, "parent": None, "children": []}})
    parent = tree.add(root, "system", "", is_visually_hidden_from_conversation=True)
    for said in messages:
        for old, its_answer in said.was:
            away = tree.add(parent, said.role, old)
            if its_answer is not None:
                tree.add(away, "assistant", its_answer)
        parent = tree.add(parent, said.role, said.text)
    return {
        "title": title, "create_time": start, "update_time": start + 20 * (tree.n + 1),
        "mapping": tree.mapping, "moderation_results": [], "current_node": parent,
        "plugin_ids": None, "conversation_id": cid, "conversation_template_id": None,
        "gizmo_id": None, "gizmo_type": None, "is_archived": False, "is_starred": None,
        "safe_urls": [], "blocked_urls": [], "default_model_slug": MODEL_SLUG,
        "conversation_origin": None, "voice": None, "async_status": None,
        "disabled_tool_ids": [], "is_do_not_remember": False, "memory_scope": "global_enabled",
        "id": cid,
    }


def dumps(conversations: Sequence[dict[str, Any]]) -> str:
    """``conversations.json`` as ChatGPT writes it, newest conversation first."""
    newest_first = sorted(conversations, key=lambda c: -float(c["create_time"]))
    return json.dumps(newest_first, ensure_ascii=False, indent=1) + "\n"


def write_zip(path: Path, conversations: Sequence[dict[str, Any]]) -> Path:
    """The export zip as ChatGPT mails it: ``conversations.json`` beside the other files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", dumps(conversations))
        zf.writestr("user.json", json.dumps({"id": "user-demo", "email": "someone@example.com",
                                             "chatgpt_plus_user": False}))
        zf.writestr("message_feedback.json", "[]")
        zf.writestr("shared_conversations.json", "[]")
        zf.writestr("chat.html", "<html><body>Your ChatGPT conversations.</body></html>")
    return path
