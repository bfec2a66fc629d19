"""Loaders on the real shared data (read-only, never copied) and on tiny synthetic folders."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mindprint.eval.datasets import (
    GENERATION_PREFIX,
    RATING_PREFIX,
    REWRITE_PREFIX,
    load_examples,
    resolve_task_dir,
    sample_examples,
)
from mindprint.eval.examples import DatasetError, Example, ProfileItem, profile_item_from_lamp
from mindprint.eval.metrics import accuracy, mae, rating_accuracy, rmse, rouge
from tests.conftest import need_shared_data

SHARED_TASKS = ("rating", "rewrite", "generation", "category")


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return need_shared_data()


@pytest.fixture(scope="module")
def loaded(data_dir: Path) -> dict[str, list[Example]]:
    return {task: load_examples(task, data_dir) for task in SHARED_TASKS}


def _raw(data_dir: Path, task: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    folder = resolve_task_dir(task, data_dir)
    questions = json.loads((folder / "dev_questions.json").read_text(encoding="utf-8"))
    outputs = json.loads((folder / "dev_outputs.json").read_text(encoding="utf-8"))
    return questions, {g["id"]: g["output"] for g in outputs["golds"]}


def _by_id(examples: list[Example]) -> dict[str, Example]:
    return {ex.id: ex for ex in examples}


# ----------------------------------------------------------------- shared data


def test_counts(loaded: dict[str, list[Example]]) -> None:
    assert {task: len(exs) for task, exs in loaded.items()} == {
        "rating": 952,
        "rewrite": 1000,
        "generation": 92,
        "category": 92,
    }
    for task, exs in loaded.items():
        assert all(ex.task == task for ex in exs)
        assert len({ex.id for ex in exs}) == len(exs)


def test_rating_spot_check_mi0000(loaded: dict[str, list[Example]], data_dir: Path) -> None:
    questions, golds = _raw(data_dir, "rating")
    raw = next(q for q in questions if q["id"] == "mi0000")
    assert golds["mi0000"] == "5"
    ex = _by_id(loaded["rating"])["mi0000"]
    assert ex.gold == "5"
    assert ex.user_id == raw["user_id"]
    assert ex.prompt == raw["input"]
    assert ex.query.startswith("Work perfectly with my guitar")
    assert len(ex.profile) == len(raw["profile"])
    first = raw["profile"][0]
    assert ex.profile[0] == ProfileItem(
        id=first["id"],
        input=first["text"],
        response=first["score"],
        label=first["score"],
        score=float(first["score"]),
        date=str(first["date"]),
    )


def test_rating_golds_match_the_readme_distribution(loaded: dict[str, list[Example]]) -> None:
    counts = Counter(ex.gold for ex in loaded["rating"])
    assert counts == {"1": 31, "2": 28, "3": 81, "4": 213, "5": 599}


def test_rewrite_spot_check(loaded: dict[str, list[Example]], data_dir: Path) -> None:
    questions, golds = _raw(data_dir, "rewrite")
    raw = questions[0]
    ex = _by_id(loaded["rewrite"])[raw["id"]]
    assert ex.id == "610"
    assert ex.query == "Although I have a lot to do today, I am currently feeling unoccupied."
    assert ex.gold == golds["610"]
    assert ex.user_id == "610"  # LaMP-7: every question is its own user
    assert ex.profile[0] == ProfileItem(id="610_p0", input="", response=raw["profile"][0]["text"])


def test_generation_and_category_spot_check(
    loaded: dict[str, list[Example]], data_dir: Path
) -> None:
    questions, golds = _raw(data_dir, "generation")
    raw = next(q for q in questions if q["id"] == "nc001")
    gen = _by_id(loaded["generation"])["nc001"]
    cat = _by_id(loaded["category"])["nc001"]
    assert gen.user_id == cat.user_id == raw["author"]
    assert gen.gold == golds["nc001"]
    assert gen.query == raw["input"][len(GENERATION_PREFIX) :]
    assert cat.query == gen.query
    assert cat.profile == gen.profile
    p0 = raw["profile"][0]
    assert gen.profile[0] == ProfileItem(
        id=p0["id"],
        input=p0["text"],
        response=p0["title"],
        label=p0["category"],
        score=None,
        date=p0["date"],
    )


def test_prefix_stripping(loaded: dict[str, list[Example]]) -> None:
    for task, prefix in (
        ("rating", RATING_PREFIX),
        ("rewrite", REWRITE_PREFIX),
        ("generation", GENERATION_PREFIX),
    ):
        for ex in loaded[task]:
            assert ex.prompt == prefix + ex.query
            assert ex.query and ex.query == ex.query.strip()
            assert not ex.query.startswith(prefix[:20])
    for ex in loaded["category"]:
        assert ex.prompt.startswith("Which category does this article relate to")
        assert ex.prompt.endswith(" article: " + ex.query)


def test_category_recovers_all_92_from_the_raw_jsonl(
    loaded: dict[str, list[Example]], data_dir: Path
) -> None:
    folder = resolve_task_dir("category", data_dir)
    (jsonl,) = folder.glob("*.jsonl")
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines() if line]
    generation = _by_id(loaded["generation"])
    labels = {r["category"] for r in rows}
    assert len(loaded["category"]) == 92
    for ex in loaded["category"]:
        article = generation[ex.id]
        matches = [
            r
            for r in rows
            if (r["authors"], r["headline"], r["short_description"])
            == (ex.user_id, article.gold, ex.query)
        ]
        assert [r["category"] for r in matches] == [ex.gold]
        assert ex.gold in labels
        assert f"[{', '.join(sorted(labels))}]" in ex.prompt


def test_no_question_item_in_its_own_profile(loaded: dict[str, list[Example]]) -> None:
    for ex in loaded["rating"]:
        assert ex.query not in {p.input for p in ex.profile}
    for task in ("rewrite", "generation"):
        for ex in loaded[task]:
            assert (ex.query, ex.gold) not in {(p.input, p.response) for p in ex.profile}


def test_lamp7_upstream_duplicate_tweets_are_kept(loaded: dict[str, list[Example]]) -> None:
    # Eight LaMP-7 users posted their gold tweet more than once, so it is also in
    # their history. That is in the upstream data; we keep it for comparability
    # and pin the number so any change to it is noticed.
    leaked = [ex.id for ex in loaded["rewrite"] if ex.gold in {p.response for p in ex.profile}]
    assert len(leaked) == 8


# ----------------------------------------------------------- baselines (sanity)


def test_always_5_rating_baseline(loaded: dict[str, list[Example]]) -> None:
    golds = [ex.gold for ex in loaded["rating"]]
    preds = ["5"] * len(golds)
    assert mae(preds, golds) == pytest.approx(0.6124, abs=5e-5)
    assert rmse(preds, golds) == pytest.approx(1.1618, abs=5e-5)
    assert rating_accuracy(preds, golds) == pytest.approx(599 / 952)


def test_draft_unchanged_rewrite_baseline(loaded: dict[str, list[Example]]) -> None:
    exs = loaded["rewrite"]
    scores = rouge([ex.query for ex in exs], [ex.gold for ex in exs])
    assert scores.rouge1 == pytest.approx(0.4621, abs=5e-4)
    assert scores.rougeL == pytest.approx(0.4066, abs=5e-4)
    assert len(scores.rouge1_per_example) == len(exs)


def test_author_majority_category_baseline(loaded: dict[str, list[Example]]) -> None:
    exs = loaded["category"]
    # Counter.most_common keeps first-seen order on ties (2 authors tie).
    preds = [Counter(p.label for p in ex.profile).most_common(1)[0][0] or "" for ex in exs]
    assert accuracy(preds, [ex.gold for ex in exs]) == pytest.approx(59 / 92)  # 0.641


# ------------------------------------------------------------------- sampling


def test_sampling_is_deterministic_and_order_independent(
    loaded: dict[str, list[Example]], data_dir: Path
) -> None:
    exs = loaded["rewrite"]
    first = [ex.id for ex in load_examples("rewrite", data_dir, users=50, seed=0)]
    again = [ex.id for ex in load_examples("rewrite", data_dir, users=50, seed=0)]
    assert first == again and len(set(first)) == 50
    assert [ex.id for ex in sample_examples(exs[::-1], 50, seed=0)] == first
    assert [ex.id for ex in sample_examples(exs, 20, seed=0)] == first[:20]
    assert set(ex.id for ex in sample_examples(exs, 50, seed=1)) != set(first)


def test_generation_and_category_sample_the_same_users(loaded: dict[str, list[Example]]) -> None:
    gen = [ex.id for ex in sample_examples(loaded["generation"], 10, seed=3)]
    cat = [ex.id for ex in sample_examples(loaded["category"], 10, seed=3)]
    assert gen == cat


def test_sampling_bounds(loaded: dict[str, list[Example]]) -> None:
    exs = loaded["generation"]
    assert sample_examples(exs, None) == exs
    assert sample_examples(exs, 0) == []
    assert len(sample_examples(exs, 92)) == 92
    with pytest.raises(ValueError, match="only 92"):
        sample_examples(exs, 93)
    with pytest.raises(ValueError):
        sample_examples(exs, -1)


def test_data_dir_may_be_the_task_folder(data_dir: Path) -> None:
    folder = data_dir / "lamp" / "newscat_lamp4_style"
    assert [ex.id for ex in load_examples("generation", folder, users=3)] == [
        ex.id for ex in load_examples("generation", data_dir, users=3)
    ]


# ------------------------------------------------------------ profile mapping


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (  # LaMP-3 / amazon
            {"id": "r1", "text": "great", "score": "4", "date": 1353024000},
            ProfileItem("r1", "great", "4", "4", 4.0, "1353024000"),
        ),
        (  # numeric score
            {"id": 7, "text": "ok", "score": 3},
            ProfileItem("7", "ok", "3", "3", 3.0, None),
        ),
        (  # LaMP-7
            {"id": "t1", "text": "my tweet"},
            ProfileItem("t1", "", "my tweet"),
        ),
        (  # LaMP-4 / newscat / LaMP-2 news
            {"id": "n1", "text": "desc", "title": "Head", "category": "POLITICS", "date": "2022"},
            ProfileItem("n1", "desc", "Head", "POLITICS", None, "2022"),
        ),
        (  # LaMP-2 movies
            {"id": "m1", "description": "a princess tours Rome", "tag": "romance"},
            ProfileItem("m1", "a princess tours Rome", "romance", "romance"),
        ),
        (  # LaMP-1 / LaMP-5
            {"id": "p1", "title": "A Paper", "abstract": "We propose X."},
            ProfileItem("p1", "We propose X.", "A Paper"),
        ),
    ],
)
def test_profile_item_from_lamp(raw: dict[str, Any], expected: ProfileItem) -> None:
    assert profile_item_from_lamp(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"text": "no id"},
        {"id": "x", "unknown": "y"},
        {"id": "x", "text": 5},
        {"id": "x", "text": "t", "score": "five"},
        {"id": "x", "text": "t", "score": True},
    ],
)
def test_profile_item_from_lamp_rejects_malformed(raw: dict[str, Any]) -> None:
    with pytest.raises(DatasetError):
        profile_item_from_lamp(raw)


# ----------------------------------------------------- synthetic folders / errors


def _write_split(folder: Path, questions: list[dict[str, Any]], golds: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dev_questions.json").write_text(json.dumps(questions), encoding="utf-8")
    outputs = {"task": "test", "golds": [{"id": k, "output": v} for k, v in golds.items()]}
    (folder / "dev_outputs.json").write_text(json.dumps(outputs), encoding="utf-8")
    return folder


def test_classification_loader_on_lamp2_styles(tmp_path: Path) -> None:
    movie_prompt = (
        "Which tag does this movie relate to among the following tags? Just answer with the "
        "tag name without further explanation. tags: [sci-fi, comedy] description: A robot "
        "learns to love. Its article: none."
    )
    news_prompt = (
        "Which category does this article relate to among the following categories? Just "
        "answer with the category name without further explanation. categories: [women, "
        "sports] article: The final went to penalties."
    )
    questions = [
        {
            "id": "1",
            "input": movie_prompt,
            "profile": [{"id": "1_0", "description": "Space war.", "tag": "sci-fi"}],
        },
        {
            "id": "2",
            "input": news_prompt,
            "profile": [{"id": "2_0", "text": "Votes.", "title": "Vote", "category": "women"}],
        },
    ]
    folder = _write_split(tmp_path / "lamp2", questions, {"1": "sci-fi", "2": "sports"})
    exs = _by_id(load_examples("classification", folder))
    assert exs["1"].query == "A robot learns to love. Its article: none."
    assert exs["1"].profile[0] == ProfileItem("1_0", "Space war.", "sci-fi", "sci-fi")
    assert exs["2"].query == "The final went to penalties."
    assert exs["2"].gold == "sports"
    assert exs["2"].profile[0].label == "women"


def test_classification_leak_raises(tmp_path: Path) -> None:
    prompt = "Which tag ... tags: [a, b] description: Same movie."
    questions = [
        {
            "id": "1",
            "input": prompt,
            "profile": [{"id": "p", "description": "Same movie.", "tag": "a"}],
        }
    ]
    folder = _write_split(tmp_path / "leak", questions, {"1": "a"})
    with pytest.raises(DatasetError, match="leaks"):
        load_examples("classification", folder)
    # the same movie with a different tag is history, not the answer
    _write_split(folder, questions, {"1": "b"})
    assert len(load_examples("classification", folder)) == 1


def test_rating_leak_raises(tmp_path: Path) -> None:
    questions = [
        {
            "id": "q",
            "input": RATING_PREFIX + "Loved it.",
            "profile": [{"id": "q_p0", "text": "Loved it.", "score": "5"}],
        }
    ]
    folder = _write_split(tmp_path / "rating", questions, {"q": "5"})
    with pytest.raises(DatasetError, match="q_p0"):
        load_examples("rating", folder)


def test_generation_leak_raises(tmp_path: Path) -> None:
    questions = [
        {
            "id": "g",
            "input": GENERATION_PREFIX + "desc",
            "profile": [{"id": "g_p0", "text": "desc", "title": "Head"}],
        }
    ]
    folder = _write_split(tmp_path / "gen", questions, {"g": "Head"})
    with pytest.raises(DatasetError, match="leaks"):
        load_examples("generation", folder)


def test_wrong_prefix_raises(tmp_path: Path) -> None:
    questions = [{"id": "q", "input": "Rate this: fine", "profile": []}]
    folder = _write_split(tmp_path / "prefix", questions, {"q": "3"})
    with pytest.raises(DatasetError, match="expected instruction"):
        load_examples("rating", folder)


def test_mismatched_gold_ids_raise(tmp_path: Path) -> None:
    questions = [{"id": "q", "input": RATING_PREFIX + "fine", "profile": []}]
    folder = _write_split(tmp_path / "ids", questions, {"other": "3"})
    with pytest.raises(DatasetError, match="differ"):
        load_examples("rating", folder)


def test_category_unmatched_article_raises(tmp_path: Path) -> None:
    questions = [
        {"id": "nc1", "author": "A", "input": GENERATION_PREFIX + "desc", "profile": []},
    ]
    folder = _write_split(tmp_path / "cat", questions, {"nc1": "Head"})
    row = {"authors": "B", "headline": "Head", "short_description": "desc", "category": "X"}
    (folder / "raw.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="could not recover"):
        load_examples("category", folder)
    row["authors"] = "A"
    (folder / "raw.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    (ex,) = load_examples("category", folder)
    assert ex.gold == "X"


def test_unknown_task_and_missing_data(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown task"):
        load_examples("summarize", tmp_path)
    with pytest.raises(DatasetError, match="MINDPRINT_SHARED_DATA"):
        load_examples("rating", tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="no default folder"):
        load_examples("classification", tmp_path)
