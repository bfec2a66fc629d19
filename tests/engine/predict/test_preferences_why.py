"""Why a preference applies, and the instructions about answers served with every query
(engine/predict/retrieval.py), with the real model: the reason names the phrase of the question
that links it to the preference, never one that does not."""

from __future__ import annotations

import pytest

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.retrieval import (
    Applying,
    PrefIndex,
    applying,
    instructions,
    is_instruction,
)
from tests.engine.predict.test_preferences_apply import index_of

pytestmark = pytest.mark.model

PEANUTS = "Just so you know I'm allergic to peanuts, so no peanut butter."
BUDGET = "My budget is around 800 euros."
BERLIN = "I live in Berlin and want a quiet weekend activity."
SHORT = "Please keep answers short, three bullet points at most."
METRIC = "Always give me numbers in metric units please."
SAID = [PEANUTS, BUDGET, BERLIN, SHORT, METRIC]


def ask(pipe: Pipeline, idx: PrefIndex, query: str, k: int = 5) -> dict[str, Applying]:
    pq = pipe.prepare_query(query, CorpusStats(), [])
    found = applying(idx, pq.vectors["plain"], pq.phrases, k, embed=pipe.embedder.embed,
                     domains=pipe.domain_vectors())
    return {str(a.factor.stats["quote"]): a for a in found}


def test_why_names_the_phrase_that_links_the_question(real_embedder: FastEmbedEmbedder) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    found = ask(pipe, idx, "Can you suggest a snack for my bike ride tomorrow?")
    assert found[PEANUTS].because == "food; the question asks about “snack”"
    trip = ask(pipe, idx, "How far is it from Berlin to Prague?")
    assert trip[BERLIN].because.endswith("asks about “berlin”")


def test_why_never_names_a_phrase_unrelated_to_the_preference(real_embedder: FastEmbedEmbedder) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    trip = ask(pipe, idx, "How far is it from Berlin to Prague?")
    assert BUDGET in trip  # close enough to apply, but nothing in the question is about money
    assert trip[BUDGET].because == "money; near the question as a whole, no phrase of it names this"
    assert all("“far”" not in a.because for a in trip.values())
    snack = ask(pipe, idx, "Can you suggest a snack for my bike ride tomorrow?")
    assert all("bike ride" not in a.because and "suggest" not in a.because for a in snack.values())


def test_instructions_about_answers_are_served_apart_and_never_compete(
    real_embedder: FastEmbedEmbedder,
) -> None:
    pipe, idx = index_of(real_embedder, SAID)
    assert {str(f.stats["quote"]) for f in instructions(list(idx.factors.values()))} == {SHORT, METRIC}
    for query in ("How far is it from Berlin to Prague?", "Which mechanical keyboard should I get?"):
        found = ask(pipe, idx, query, k=1)
        assert len(found) == 1 and not any(is_instruction(a.factor) for a in found.values())
    # The metric instruction is close enough to a distance question to apply by similarity
    # (0.26): alone, it is still not a topical preference, and still served.
    _, alone = index_of(real_embedder, [SHORT, METRIC])
    assert ask(pipe, alone, "How far is it from Berlin to Prague?") == {}
    assert len(instructions(list(alone.factors.values()))) == 2
