"""What one run evaluates: the examples of a data set, its dev/test split, and the users.

``--split`` divides a data set by a stable hash, so every run, machine and file order
agrees on it: LaMP-format sets split over users, the per-annotator sets over texts (a
text and every annotator's label of it fall on the same side, so a text is never tuned
on and then reported). Engine choices are made on ``dev``; reported numbers are
``test``. The data's owners hold back a further third of every set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from mindprint.eval.datasets import load_examples
from mindprint.eval.examples import DatasetError, Example, TaskInfo, UserCase
from mindprint.eval.peftu import is_peftu, load_peftu, task_info

SPLITS = ("all", "dev", "test")


def split_of(key: str) -> str:
    """``dev`` or ``test`` for a split key (a user id, or a text)."""
    digest = hashlib.sha256(f"mindprint-split\x00{key}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def in_split(examples: Sequence[Example], split: str) -> list[Example]:
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    if split == "all":
        return list(examples)
    return [ex for ex in examples if split_of(ex.split_by) == split]


def group_by_user(examples: Sequence[Example]) -> list[UserCase]:
    """One case per user, in first-seen order; a user's questions must share one profile."""
    cases: dict[str, list[Example]] = {}
    for ex in examples:
        cases.setdefault(ex.user_id, []).append(ex)
    out: list[UserCase] = []
    for uid, exs in cases.items():
        profile = exs[0].profile
        if any(ex.profile != profile for ex in exs[1:]):
            raise DatasetError(f"user {uid!r} has questions with different profiles")
        out.append(UserCase(uid, profile, tuple(exs)))
    return out


def _user_key(seed: int, user_id: str) -> str:
    return hashlib.sha256(f"{seed}\x00{user_id}".encode()).hexdigest()


def sample_users(cases: Sequence[UserCase], users: int | None, seed: int = 0) -> list[UserCase]:
    """A deterministic sample of ``users`` users (all, in input order, when None); a
    smaller sample is a prefix of a larger one with the same seed."""
    if users is None:
        return list(cases)
    if users < 0 or users > len(cases):
        raise DatasetError(f"asked for {users} users; this run has {len(cases)}")
    return sorted(cases, key=lambda c: (_user_key(seed, c.user_id), c.user_id))[:users]


def task_answers(task: str, data_dir: Path, examples: Sequence[Example]) -> TaskInfo:
    """The scale or label set of a run (``task.json`` when the set has one)."""
    if is_peftu(data_dir):
        return task_info(data_dir)[1]
    if task == "rating":
        return TaskInfo(scale=(1.0, 5.0))
    labels = {p.label for ex in examples for p in ex.profile if p.label is not None}
    return TaskInfo(labels=tuple(sorted(labels)))


def load_cases(
    task: str, data_dir: Path, *, split: str = "all", users: int | None = None, seed: int = 0
) -> tuple[list[UserCase], TaskInfo]:
    """The users of a run, each with every question of theirs in the split."""
    examples = load_peftu(task, data_dir) if is_peftu(data_dir) else load_examples(task, data_dir)
    chosen = in_split(examples, split)
    if not chosen:
        raise DatasetError(f"no {task} questions in split {split!r} of {data_dir}")
    cases = sample_users(group_by_user(chosen), users, seed)
    return cases, task_answers(task, data_dir, examples)
