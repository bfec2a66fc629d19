"""Tiny LaMP-format folders, written by hand so every expected number is known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mindprint.eval.datasets import GENERATION_PREFIX, RATING_PREFIX, REWRITE_PREFIX

REVIEWS = {
    5: [
        "Great strings, bright tone and they stay in tune for weeks.",
        "Excellent tuner, accurate and easy to read on stage.",
        "Love this cable, quiet and solid connectors.",
        "Perfect capo, holds firmly and never buzzes.",
    ],
    4: [
        "Good pedal, a little noisy but the drive sounds warm.",
        "Nice stand, sturdy enough though the clamp is stiff.",
    ],
    2: [
        "Poor picks, they crack after a few songs.",
        "Cheap strap, the stitching came loose quickly.",
    ],
    1: ["Terrible adapter, it broke the first day and hums loudly."],
}


def _write(folder: Path, questions: list[dict[str, Any]], golds: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    out = {"task": "synthetic", "golds": [{"id": k, "output": v} for k, v in golds.items()]}
    (folder / "dev_outputs.json").write_text(json.dumps(out), encoding="utf-8")
    return folder


# Per user: profile scores (oldest first) and the gold of the question.
RATING_USERS: dict[str, tuple[list[int], str]] = {
    "r1": ([5, 5, 4, 5], "5"),
    "r2": ([2, 1, 2, 4], "1"),
    "r3": ([4, 4, 5, 2, 4], "4"),
    "r4": ([5, 4, 5, 5, 5], "2"),
    "r5": ([1, 2, 2, 1], "2"),
}


def rating_folder(root: Path) -> Path:
    questions: list[dict[str, Any]] = []
    golds: dict[str, str] = {}
    for qid, (scores, gold) in RATING_USERS.items():
        profile = []
        for i, s in enumerate(scores):
            pool = REVIEWS[s] if s in REVIEWS else REVIEWS[4]
            text = f"{pool[i % len(pool)]} Bought it in month {i + 1} for {qid}."
            profile.append({"id": f"{qid}_p{i}", "text": text, "score": str(s), "date": 1000 + i})
        query_pool = REVIEWS[int(gold)] if int(gold) in REVIEWS else REVIEWS[4]
        query = f"{query_pool[-1]} Reviewed again by {qid}."
        questions.append(
            {"id": qid, "input": RATING_PREFIX + query, "profile": profile, "user_id": f"U-{qid}"}
        )
        golds[qid] = gold
    return _write(root / "rating", questions, golds)


TWEETS = [
    "omg the bus is late again lol",
    "cant wait for the weekend!! beach time",
    "so tired of mondays ugh",
    "coffee first then the world",
    "just finished my exam, feeling great",
    "watching the game tonight with friends",
]


def rewrite_folder(root: Path) -> Path:
    questions: list[dict[str, Any]] = []
    golds: dict[str, str] = {}
    for u in range(4):
        qid = f"{700 + u}"
        profile = [
            {"id": f"{qid}_p{i}", "text": f"{TWEETS[(u + i) % len(TWEETS)]} #{u}"} for i in range(5)
        ]
        draft = "I am very tired and I am waiting for the weekend to arrive."
        questions.append({"id": qid, "input": REWRITE_PREFIX + draft, "profile": profile})
        golds[qid] = f"so tired, waiting for the weekend lol {u}"
    return _write(root / "rewrite", questions, golds)


ARTICLES = {
    "POLITICS": [
        (
            "Senate passes the budget bill after a long night",
            "Lawmakers voted on the spending plan.",
        ),
        ("Governor signs voting law", "The new law changes how ballots are counted."),
        ("Election officials prepare for the count", "Counties hire extra staff for the election."),
    ],
    "SPORTS": [
        ("Home team wins the final in overtime", "A late goal decided the championship game."),
        ("Star striker signs a new contract", "The club keeps its top scorer for three years."),
    ],
    "FOOD": [
        ("Five soups for a cold winter night", "Easy recipes with beans, squash and spice."),
    ],
}


def newscat_folder(root: Path) -> Path:
    """Both the generation and the category task read this folder (raw JSONL included)."""
    folder = root / "newscat"
    folder.mkdir(parents=True, exist_ok=True)
    questions: list[dict[str, Any]] = []
    golds: dict[str, str] = {}
    raw: list[dict[str, str]] = []
    plans = {
        "Ann Writer": ["POLITICS", "POLITICS", "SPORTS", "POLITICS", "POLITICS"],
        "Bo Sporty": ["SPORTS", "SPORTS", "FOOD", "SPORTS"],
        "Cy Cook": ["FOOD", "POLITICS", "FOOD", "FOOD"],
    }
    for n, (author, cats) in enumerate(plans.items(), start=1):
        qid = f"nc{n:03d}"
        profile = []
        for i, cat in enumerate(cats[:-1]):
            title, text = ARTICLES[cat][i % len(ARTICLES[cat])]
            title = f"{title} ({author.split()[0]} {i})"
            date = f"2022-01-{i + 1:02d}"
            profile.append(
                {"id": f"{qid}_p{i}", "text": text, "title": title, "date": date, "category": cat}
            )
            raw.append(
                {
                    "authors": author,
                    "headline": title,
                    "short_description": text,
                    "category": cat,
                    "date": date,
                }
            )
        cat = cats[-1]
        title, text = ARTICLES[cat][-1]
        title, text = f"{title}: latest", f"{text} More to come, says {author}."
        raw.append(
            {
                "authors": author,
                "headline": title,
                "short_description": text,
                "category": cat,
                "date": "2022-02-01",
            }
        )
        questions.append(
            {"id": qid, "input": GENERATION_PREFIX + text, "profile": profile, "author": author}
        )
        golds[qid] = title
    (folder / "News_Category_Dataset_v3_first9999.jsonl").write_text(
        "\n".join(json.dumps(r) for r in raw) + "\n", encoding="utf-8"
    )
    return _write(folder, questions, golds)


def classification_folder(root: Path) -> Path:
    prefix = "Which category does this article relate to among [a, b]? article: "
    questions: list[dict[str, Any]] = []
    golds: dict[str, str] = {}
    for u, (labels, gold) in enumerate(
        [
            (["tech", "tech", "art"], "tech"),
            (["art", "art", "tech", "art"], "art"),
            (["art", "tech"], "tech"),
        ]
    ):
        qid = f"c{u}"
        profile = [
            {"id": f"{qid}_p{i}", "text": f"A story about {lab} number {i}", "category": lab}
            for i, lab in enumerate(labels)
        ]
        questions.append(
            {"id": qid, "input": prefix + f"A new story about {gold}", "profile": profile}
        )
        golds[qid] = gold
    return _write(root / "lamp2", questions, golds)
