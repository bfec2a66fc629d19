"""Hand-made per-annotator sets (the ``shared/data/peftu`` format) whose users differ, or
not, by construction."""

from __future__ import annotations

import json
from pathlib import Path

PREFIX = "Is this about the topic you like? Answer yes or no. text: "
CATS = ["cats purr softly", "a kitten chased yarn", "the cat naps in sun", "feline whiskers twitch",
        "my cat meows loudly", "kittens play with string", "the tabby cat stretches", "cat litter and fur"]
DOGS = ["dogs bark at night", "a puppy fetched the ball", "the dog wags its tail", "canine paws muddy",
        "my dog howls loudly", "puppies chew on shoes", "the terrier dog digs", "dog leash and collar"]


def _texts(n: int, offset: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        pool = CATS if i % 2 == 0 else DOGS
        topic = "cat" if i % 2 == 0 else "dog"
        out.append((f"{pool[(i // 2 + offset) % len(pool)]} number {i + offset}", topic))
    return out


def write_set(root: Path, likes: dict[str, str], profile_n: int = 16, question_n: int = 8) -> Path:
    """``likes`` maps each user to the topic they answer "yes" to."""
    root.mkdir(parents=True, exist_ok=True)
    task = {"task": "classification", "labels": ["no", "yes"], "prompt_prefix": PREFIX}
    (root / "task.json").write_text(json.dumps(task), encoding="utf-8")
    profile_texts = _texts(profile_n, 0)
    question_texts = _texts(question_n, 100)
    users = {
        u: [{"id": f"{u}:p{i}", "text": t, "label": "yes" if topic == like else "no"}
            for i, (t, topic) in enumerate(profile_texts)]
        for u, like in likes.items()
    }
    (root / "profiles.json").write_text(json.dumps({"users": users}), encoding="utf-8")
    questions, golds = [], []
    for u, like in likes.items():
        for i, (t, topic) in enumerate(question_texts):
            qid = f"{u}-q{i}"
            questions.append({"id": qid, "user_id": u, "input": PREFIX + t})
            golds.append({"id": qid, "output": "yes" if topic == like else "no"})
    (root / "dev_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    (root / "dev_outputs.json").write_text(json.dumps({"task": "t", "golds": golds}), encoding="utf-8")
    return root
