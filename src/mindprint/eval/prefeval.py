"""Loader for the recall sets (``shared/data/prefeval/<variant>``): preferences stated in chat.

The format (the per-person layout of ``peftu/``): ``task.json`` with ``"task": "recall"``,
``profiles.json`` (``{"users": {id: [{"id", "input", "response", "date"}]}}``: the person's
exchanges, ``input`` their message and ``response`` the assistant's answer, ``date`` an
ordinal), ``dev_questions.json`` (``{"id", "user_id", "input"}``) and ``dev_outputs.json``
(``{"golds": [{"id", "output": [item ids], ...}]}``: the history items that carry the
preference the question needs; any of them counts). The golds' other fields
(``preference``, ``topic``) are for analysis and never read here.

Each exchange becomes a ``turn`` item (the user's message as input), as record_feedback
stores it; the ordinal date becomes a minute of one day, so items keep their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mindprint.eval.cases import SPLITS, split_of
from mindprint.eval.datasets import OUTPUTS_FILE, QUESTIONS_FILE, read_json
from mindprint.eval.examples import DatasetError
from mindprint.eval.peftu import PROFILES_FILE, TASK_FILE
from mindprint.store import NewItem

TASK = "recall"
# The day an ordinal date 0 falls on (any fixed day: only the order matters).
_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One exchange of a person's history: their message and the assistant's answer."""

    id: str
    input: str
    response: str
    date: int


@dataclass(frozen=True, slots=True)
class RecallQuestion:
    id: str
    text: str
    # The history items that carry the needed preference: held by the runner only.
    gold: frozenset[str]


@dataclass(frozen=True, slots=True)
class RecallCase:
    """One person: their exchanges, oldest first, and every question of theirs."""

    user_id: str
    history: tuple[Exchange, ...]
    questions: tuple[RecallQuestion, ...]


def is_recall(folder: Path) -> bool:
    if not (folder / TASK_FILE).is_file():
        return False
    raw = read_json(folder / TASK_FILE)
    return isinstance(raw, dict) and raw.get("task") == TASK


def as_new_item(ex: Exchange) -> NewItem:
    """The exchange as mindprint stores a turn of a conversation."""
    return NewItem(
        input=ex.input, response=ex.response, source="chat",
        created_at=(_EPOCH + timedelta(minutes=ex.date)).isoformat(),
        meta={"kind": "turn", "profile_id": ex.id},
    )


def _history(folder: Path) -> dict[str, tuple[Exchange, ...]]:
    raw = read_json(folder / PROFILES_FILE)
    users = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(users, dict):
        raise DatasetError(f"{folder / PROFILES_FILE} must be {{\"users\": {{id: [exchanges]}}}}")
    out: dict[str, tuple[Exchange, ...]] = {}
    for uid, items in users.items():
        exs = []
        for it in items if isinstance(items, list) else []:
            if not (isinstance(it, dict) and isinstance(it.get("input"), str)
                    and isinstance(it.get("response"), str) and "id" in it):
                raise DatasetError(f"{folder / PROFILES_FILE}: user {uid!r} has an item "
                                   "without 'id', 'input' and 'response'")
            exs.append(Exchange(str(it["id"]), it["input"], it["response"], int(it.get("date") or 0)))
        out[str(uid)] = tuple(sorted(exs, key=lambda e: (e.date, e.id)))
    return out


def _golds(folder: Path) -> dict[str, frozenset[str]]:
    raw = read_json(folder / OUTPUTS_FILE)
    golds = raw.get("golds") if isinstance(raw, dict) else None
    if not isinstance(golds, list):
        raise DatasetError(f"{folder / OUTPUTS_FILE} must hold {{\"golds\": [...]}}")
    return {str(g["id"]): frozenset(str(x) for x in g["output"]) for g in golds}


def load_recall(folder: Path, split: str = "all") -> list[RecallCase]:
    """Every person of a recall folder in ``split`` (a stable hash over people)."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    history = _history(folder)
    golds = _golds(folder)
    questions = read_json(folder / QUESTIONS_FILE)
    if not isinstance(questions, list):
        raise DatasetError(f"{folder / QUESTIONS_FILE} must be a list of questions")
    by_user: dict[str, list[RecallQuestion]] = {}
    for q in questions:
        qid, uid = str(q.get("id")), str(q.get("user_id"))
        if uid not in history:
            raise DatasetError(f"question {qid!r}: user {uid!r} has no history")
        if qid not in golds:
            raise DatasetError(f"question {qid!r} has no gold in {OUTPUTS_FILE}")
        known = {e.id for e in history[uid]}
        if not golds[qid] & known:
            raise DatasetError(f"question {qid!r}: none of its gold items is in the history")
        by_user.setdefault(uid, []).append(RecallQuestion(qid, str(q.get("input", "")), golds[qid]))
    return [
        RecallCase(uid, history[uid], tuple(qs))
        for uid, qs in by_user.items()
        if split == "all" or split_of(uid) == split
    ]


def sample(cases: Sequence[RecallCase], users: int | None, seed: int) -> list[RecallCase]:
    """A deterministic sample of people (all when None)."""
    import hashlib

    if users is None:
        return list(cases)
    if users < 0 or users > len(cases):
        raise DatasetError(f"asked for {users} people; this run has {len(cases)}")
    key = lambda c: hashlib.sha256(f"{seed}\x00{c.user_id}".encode()).hexdigest()  # noqa: E731
    return sorted(cases, key=key)[:users]
