"""Loader for the per-annotator sets (``shared/data/peftu/``): many questions per user.

The format: ``task.json`` (the task kind, its scale or labels, and the exact prompt
prefix of every question), ``profiles.json`` (``{"users": {id: [items]}}``, the
labels each person gave to other texts), ``dev_questions.json`` (``{"id",
"user_id", "input"}``) and ``dev_outputs.json`` (the golds). Every question of a
user shares that user's one profile, so the harness builds each person once and
answers all of their questions, as a deployment does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mindprint.eval.datasets import OUTPUTS_FILE, QUESTIONS_FILE, read_json, strip_prefix
from mindprint.eval.examples import (
    DatasetError,
    Example,
    ProfileItem,
    TaskInfo,
    profile_item_from_lamp,
)

TASK_FILE = "task.json"
PROFILES_FILE = "profiles.json"


def is_peftu(folder: Path) -> bool:
    return (folder / TASK_FILE).is_file() and (folder / PROFILES_FILE).is_file()


def task_info(folder: Path) -> tuple[str, TaskInfo, str]:
    """(task kind, answers, prompt prefix) from ``task.json``."""
    raw = read_json(folder / TASK_FILE)
    if not isinstance(raw, dict) or raw.get("task") not in ("rating", "classification"):
        raise DatasetError(
            f"{folder / TASK_FILE}: 'task' must be 'rating' or 'classification'"
        )
    prefix = raw.get("prompt_prefix")
    if not isinstance(prefix, str):
        raise DatasetError(f"{folder / TASK_FILE}: 'prompt_prefix' must be a string")
    if raw["task"] == "rating":
        scale = raw.get("scale")
        if not (isinstance(scale, list) and len(scale) == 2):
            raise DatasetError(f"{folder / TASK_FILE}: a rating task needs 'scale': [lo, hi]")
        return "rating", TaskInfo(scale=(float(scale[0]), float(scale[1]))), prefix
    labels = raw.get("labels")
    if not (isinstance(labels, list) and labels and all(isinstance(x, str) for x in labels)):
        raise DatasetError(f"{folder / TASK_FILE}: a classification task needs 'labels'")
    return "classification", TaskInfo(labels=tuple(labels)), prefix


def _profile_item(raw: Mapping[str, Any], kind: str, where: str) -> ProfileItem:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or "id" not in raw:
        raise DatasetError(f"{where}: a profile item needs 'id' and 'text'")
    item_id = str(raw["id"])
    # As LaMP records, so the one LaMP mapping reads them (and the import takes them).
    if kind == "rating":
        if raw.get("score") is None:
            raise DatasetError(f"{where}: profile item {item_id!r} needs a 'score'")
        return profile_item_from_lamp({"id": item_id, "text": raw["text"], "score": raw["score"]})
    label = raw.get("label")
    if not isinstance(label, str):
        raise DatasetError(f"{where}: profile item {item_id!r} needs a string 'label'")
    return profile_item_from_lamp({"id": item_id, "text": raw["text"], "category": label})


def _profiles(folder: Path, kind: str) -> dict[str, tuple[ProfileItem, ...]]:
    raw = read_json(folder / PROFILES_FILE)
    users = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(users, dict):
        raise DatasetError(f"{folder / PROFILES_FILE} must be {{\"users\": {{id: [items]}}}}")
    where = str(folder / PROFILES_FILE)
    return {
        str(uid): tuple(_profile_item(it, kind, where) for it in items)
        for uid, items in users.items()
    }


def load_peftu(task: str, folder: Path) -> list[Example]:
    """Every question of a per-annotator folder, each with its user's whole profile."""
    kind, _info, prefix = task_info(folder)
    if task != kind:
        raise DatasetError(f"{folder} is a {kind} set; run it with --task {kind}")
    profiles = _profiles(folder, kind)
    questions = read_json(folder / QUESTIONS_FILE)
    outputs = read_json(folder / OUTPUTS_FILE)
    if not isinstance(questions, list) or not isinstance(outputs, dict):
        raise DatasetError(f"{folder}: questions must be a list and outputs an object")
    golds = {str(g["id"]): str(g["output"]) for g in outputs.get("golds", [])}
    examples: list[Example] = []
    for q in questions:
        qid, uid = str(q.get("id")), str(q.get("user_id"))
        if uid not in profiles:
            raise DatasetError(f"question {qid!r}: user {uid!r} has no profile")
        if qid not in golds:
            raise DatasetError(f"question {qid!r} has no gold in {OUTPUTS_FILE}")
        text = strip_prefix(str(q.get("input", "")), prefix, qid)
        for item in profiles[uid]:
            if item.input.strip() == text:
                raise DatasetError(f"question {qid!r}: its text is in the user's own profile")
        examples.append(
            Example(qid, uid, kind, text, str(q["input"]), profiles[uid], golds[qid], split_key=text)
        )
    return examples
