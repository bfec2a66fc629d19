"""Which stated preferences apply to a query (engine/predict/retrieval.py), with the real
model: applicability is a question of meaning, not of shared words."""

from __future__ import annotations

import pytest

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.features.turns import previous_answers
from mindprint.engine.pipeline import PREFS, Pipeline
from mindprint.engine.predict.retrieval import applying, cited, pref_index
from mindprint.engine.types import Factor, Item

pytestmark = pytest.mark.model

SAID = [
    "I cannot eat spicy food.",
    "I buy only from small independent brands.",
    "I'm scared of heights.",
    "How do I sort a list in Python?",
]


def index_of(emb: FastEmbedEmbedder, texts: list[str], vetoed: set[str] = frozenset(),
             factors: list[Factor] | None = None):  # type: ignore[no-untyped-def]
    pipe = Pipeline(emb)
    items = [Item(n + 1, t, "Noted.", kind="turn", created_at=f"2026-01-0{n + 1}") for n, t in enumerate(texts)]
    results = pipe.process_items(items, CorpusStats.from_texts(texts), before=previous_answers(items))
    feats = {r.item_id: r.features for r in results}
    vecs = {r.item_id: r.vectors[PREFS] for r in results if PREFS in r.vectors}
    return pipe, pref_index({it.id: it for it in items}, feats, vecs, factors or [], set(vetoed))


def ask(pipe: Pipeline, idx, query: str):  # type: ignore[no-untyped-def]
    pq = pipe.prepare_query(query, CorpusStats(), [])
    return applying(idx, pq.vectors["plain"], pq.phrases, 3)


def test_preferences_apply_by_meaning_not_shared_words(real_embedder: FastEmbedEmbedder) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    assert len(idx.factors) == 3  # the Python question says nothing about the person
    found = ask(pipe, idx, "What should I eat on a street-food tour of Bangkok?")
    assert found and "spicy" in found[0].factor.stats["quote"]
    assert found[0].because.startswith("food")
    speaker = ask(pipe, idx, "Which wireless speaker should I get?")
    assert speaker and "independent brands" in speaker[0].factor.stats["quote"]
    assert cited(found[:1]) == {1}


def test_nothing_applies_to_an_unrelated_question(real_embedder: FastEmbedEmbedder) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    found = ask(pipe, idx, "Convert 3 km to miles.")
    assert all(a.score < 0.3 for a in found)


def test_a_vetoed_preference_stays_out_before_and_after_a_build(
    real_embedder: FastEmbedEmbedder,
) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    spicy = next(f for f in idx.factors.values() if "spicy" in f.stats["quote"])
    _, hidden = index_of(real_embedder, SAID, vetoed={spicy.id})
    assert spicy.id not in hidden.factors
    assert all("spicy" not in a.factor.stats["quote"]
               for a in ask(pipe, hidden, "What should I eat in Bangkok?"))


def test_a_choice_is_found_by_the_request_that_offered_it(real_embedder: FastEmbedEmbedder) -> None:
    pipe = Pipeline(real_embedder)
    items = [
        Item(1, "What workout would you recommend for me?",
             "1. HIIT sprints\n2. Steady-state cycling\n3. CrossFit classes", kind="turn",
             created_at="2026-01-01"),
        Item(2, "I'll go with option 2; the others are too intense for me.", "Great.", kind="turn",
             created_at="2026-01-02"),
    ]
    results = pipe.process_items(items, CorpusStats(), before=previous_answers(items))
    [choice] = [f for r in results for f in r.features if f.kind == "preference"]
    assert choice.attr("chosen") == "Steady-state cycling"
    assert choice.attr("offer_row") == "1" and choice.attr("offer") == ""  # embedded, not stored
    idx = pref_index({it.id: it for it in items}, {r.item_id: r.features for r in results},
                     {r.item_id: r.vectors[PREFS] for r in results if PREFS in r.vectors}, [], set())
    assert len(idx.vectors) == 2  # the choice and the exchange that offered it
    [found] = ask(pipe, idx, "Plan my cardio for next week.")
    assert cited([found]) == {1, 2}
