"""Baseline building blocks and the embedding cache, on values known by construction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from mindprint.embed import FakeEmbedder
from mindprint.engine.protocols import Vector
from mindprint.eval.cache import CachingEmbedder
from mindprint.eval.context import Memory, answer_from, first_clause, half_up, tokens
from mindprint.eval.examples import ProfileItem, profile_item_from_lamp
from mindprint.eval.retrievers import recency_order
from mindprint.eval.runner import to_new_items
from mindprint.eval.scoring import per_question, retrieval_scores


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> Vector:
        self.calls.append(list(texts))
        return super().embed(texts)


def test_cache_returns_the_inner_vectors_and_embeds_each_text_once() -> None:
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner)
    first = cache.embed(["a b", "c d", "a b"])
    assert inner.calls == [["a b", "c d"]]  # misses batched, duplicate embedded once
    np.testing.assert_array_equal(first, FakeEmbedder().embed(["a b", "c d", "a b"]))
    again = cache.embed(["c d", "e f"])
    assert inner.calls[-1] == ["e f"]
    np.testing.assert_array_equal(again[0], first[1])
    assert cache.stats.hits == 1 and cache.stats.misses == 4
    assert cache.model_id == inner.model_id and cache.dim == inner.dim
    with pytest.raises(TypeError):
        cache.embed("a str")


def test_cache_evicts_least_recently_used() -> None:
    inner = CountingEmbedder()
    cache = CachingEmbedder(inner, max_entries=2)
    cache.embed(["x"])
    cache.embed(["y"])
    cache.embed(["x"])  # x is now the most recent
    cache.embed(["z"])  # evicts y
    assert len(cache) == 2
    cache.embed(["x", "y"])
    assert inner.calls[-1] == ["y"]


def test_half_up_and_tokens() -> None:
    assert [half_up(x) for x in (1.5, 2.5, 4.49, 4.5)] == [2, 3, 4, 5]
    assert tokens("Don't STOP-me now!") == ["don", "t", "stop", "me", "now"]


def test_first_clause() -> None:
    assert first_clause("Short and sweet. Second sentence.") == "Short and sweet"
    long = (
        "The city council approved a plan on Tuesday, after months of debate over "
        "housing costs and traffic in the old town."
    )
    assert first_clause(long) == "The city council approved a plan on Tuesday"
    words = " ".join(f"w{i}" for i in range(30))
    assert first_clause(words) == " ".join(f"w{i}" for i in range(12))


def test_recency_order_uses_dates_then_position() -> None:
    profile = [
        ProfileItem("a", "x", "1", date="300"),
        ProfileItem("b", "x", "1", date="100"),
        ProfileItem("c", "x", "1", date="300"),
        ProfileItem("d", "x", "1"),
    ]
    assert recency_order(profile) == [2, 0, 1, 3]
    iso = [
        ProfileItem("a", "x", "1", date="2022-01-02"),
        ProfileItem("b", "x", "1", date="2022-03-01"),
    ]
    assert recency_order(iso) == [1, 0]


def test_answer_from_retrieved_items() -> None:
    mems = [Memory("5", "5", 5.0), Memory("4", "4", 4.0), Memory("2", "2", 2.0)]
    assert answer_from("rating", mems) == "4"  # mean 3.67
    assert answer_from("rating", mems[:2]) == "5"  # 4.5 rounds half up
    labels = [Memory("t", "b", None), Memory("t", "a", None), Memory("t", "a", None)]
    assert answer_from("category", labels) == "a"
    assert answer_from("category", labels[:2]) == "b"  # tie: the higher-ranked
    assert (
        answer_from("rewrite", [Memory("first", None, None), Memory("second", None, None)])
        == "first"
    )
    assert answer_from("rating", []) == ""


def test_an_empty_answer_scores_as_the_worst_rating() -> None:
    rows = per_question("rating", ["", "5"], ["2", "5"])
    assert rows == [{"abs_error": 3.0, "correct": 0.0}, {"abs_error": 0.0, "correct": 1.0}]


def test_retrieval_scores() -> None:
    mems = {"a": [Memory("5", "5", 5.0), Memory("3", "3", 3.0)], "b": []}
    assert retrieval_scores("rating", "4", mems) == {
        "a": {"abs_error": 0.0},
        "b": {"abs_error": 3.0},  # nothing retrieved: the worst rating for gold 4
    }
    labs = {"a": [Memory("x", "x", None), Memory("y", "y", None), Memory("y", "y", None)]}
    assert retrieval_scores("category", "x", labs) == {"a": {"correct": 0.0, "hit": 1.0}}
    texts = {"a": [Memory("hello there", None, None), Memory("good morning world", None, None)]}
    best = retrieval_scores("rewrite", "good morning", texts)["a"]
    assert best["best_rouge1"] == pytest.approx(0.8)  # P 2/3, R 1


def test_to_new_items_mirrors_the_importer() -> None:
    profile = [
        profile_item_from_lamp(r) for r in (
            {"id": "1", "text": "review text", "score": "5", "date": 1400000000},
            {"id": "2", "text": "", "score": "3"},  # a rating without text: rejected
            {"id": "3", "text": "a tweet"},  # a tweet: no input needed
            {"id": "4", "text": "x" * 30, "title": "title", "category": "POLITICS", "date": "2022-01-01"},
        )
    ]
    items, skipped = to_new_items(profile, max_chars=20)
    assert skipped == 2  # #2 has no text, #4 is over the size limit
    assert [it.response for it in items] == ["5", "a tweet"]
    assert items[0].created_at == "2014-05-13T16:53:20+00:00" and items[0].score == 5.0
