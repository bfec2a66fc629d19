"""Preferences from conversations, through the app: a real SQLite file, the real model.

A person's chat: things they said about themselves among ordinary exchanges, and an
assistant that says "sounds good". The preferences must come back as factors (quoted)
and when a later question needs one without naming it; never from the assistant's words.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.settings import LimitSettings
from mindprint.store import NewItem, Store
from mindprint.views import factors_view, retrieval_view

pytestmark = pytest.mark.model

CHAT = [
    ("I cannot eat spicy food, it makes me ill.", "Got it, I'll keep that in mind."),
    ("What's a good way to learn Git branching?", "Start with `git switch -c` and merge often. Sounds good?"),
    ("I strongly prefer trains to flying whenever I travel.", "Noted, trains it is."),
    ("Explain the difference between a list and a tuple in Python.", "Lists are mutable; tuples are not."),
    ("I only buy from small independent brands.", "Understood."),
    ("How many days are in a leap year?", "366 days. Sounds good!"),
    ("Please keep your answers short, no bullet points.", "Sure."),
]


def turn(n: int, user: str, assistant: str) -> NewItem:
    return NewItem(input=user, response=assistant, source="chat",
                   created_at=f"2026-03-{n + 1:02d}T10:00:00+00:00", meta={"kind": "turn"})


@pytest.fixture
def app(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> Mindprint:
    m = Mindprint(Store.open(tmp_path / "m.db"), real_embedder, limits=LimitSettings())
    m.add_items("ana", [turn(n, u, a) for n, (u, a) in enumerate(CHAT)])
    m.build("ana")
    return m


def test_what_the_user_said_about_themselves_becomes_quoted_factors(app: Mindprint) -> None:
    view = factors_view(app, "ana", 10)
    quotes = {p.quote for p in view.preferences}
    assert "I cannot eat spicy food, it makes me ill." in quotes
    assert "I strongly prefer trains to flying whenever I travel." in quotes
    assert "I only buy from small independent brands." in quotes
    spicy = next(p for p in view.preferences if "spicy" in p.quote)
    assert (spicy.stance, spicy.firmness) == ("avoids", "strict")
    assert view.preferences[0].firmness == "strict"  # firmest first
    domains = {p.quote: p.domain for p in view.preferences}
    assert domains["I only buy from small independent brands."] == "shopping"
    # An instruction about answers is about answers, whatever its words are close to.
    assert domains["Please keep your answers short, no bullet points."] == "answers"
    # Nothing is built from the assistant's words: no "sound" from "sounds good".
    names = " ".join(f.name for f in view.factors)
    assert "sound" not in names and "noted" not in names


def test_a_question_that_needs_a_preference_brings_it_back(app: Mindprint) -> None:
    res = retrieval_view(app, "ana", "What dishes should I try when I visit Bangkok?", 3)
    assert res.preferences, "no preference applies"
    top = res.preferences[0]
    assert "spicy" in top.quote
    assert top.because and top.because.startswith(top.domain)
    cited = set(top.items)
    assert not cited & {h.item_id for h in res.items}  # not shown twice


def test_a_coding_question_brings_back_no_diet(app: Mindprint) -> None:
    res = retrieval_view(app, "ana", "How do I rebase a feature branch onto main in Git?", 3)
    assert all("spicy" not in p.quote for p in res.preferences)


def test_a_vetoed_preference_is_never_served(app: Mindprint) -> None:
    view = factors_view(app, "ana", 10)
    spicy_id = next(
        f.id for f in app.models.factors("ana")[1] if "spicy" in str(f.stats.get("quote", ""))
    )
    app.controls.set("ana", spicy_id, "veto")
    assert all("spicy" not in p.quote for p in factors_view(app, "ana", 10).preferences)
    res = retrieval_view(app, "ana", "What dishes should I try when I visit Bangkok?", 3)
    assert all("spicy" not in p.quote for p in res.preferences)
    assert len(view.preferences) == len(factors_view(app, "ana", 10).preferences) + 1


def test_feedback_is_read_at_once_before_any_rebuild(app: Mindprint) -> None:
    app.feedback.record("ana", "Suggest a weekend trip.", "Fly to Rome on Friday night.",
                        comment="I'm afraid of heights, so no cable cars or towers.")
    res = retrieval_view(app, "ana", "Which viewpoints in Lisbon should I visit?", 5)
    assert any("heights" in p.quote for p in res.preferences)


def test_a_choice_among_offered_options_is_a_preference(app: Mindprint) -> None:
    app.feedback.record("ana", "What workout would you recommend for me?",
                        "Options: 1. HIIT sprints 2. steady-state cycling 3. CrossFit classes")
    app.feedback.record("ana", "I'll go with option 2. The other options are too intense for me.",
                        "Great choice.")
    app.models.wait_idle()
    res = retrieval_view(app, "ana", "Can you plan my cardio sessions for next week?", 5)
    choice = next(p for p in res.preferences if p.chosen)
    assert "steady-state cycling" in choice.chosen


def test_chats_beside_ratings_keep_the_rated_effects(
    tmp_path: Path, real_embedder: FastEmbedEmbedder
) -> None:
    m = Mindprint(Store.open(tmp_path / "mixed.db"), real_embedder, limits=LimitSettings())
    m.add_items("bo", [turn(n, u, a) for n, (u, a) in enumerate(CHAT * 4)])
    rated = [
        NewItem(input=f"A thriller with a twist, book {n}", response="Gripping!" if n % 2 else "Dull.",
                score=5.0 if n % 2 else 2.0)
        for n in range(10)
    ]
    m.add_items("bo", rated)
    m.build("bo")
    view = factors_view(m, "bo", 10)
    assert view.preferences
    assert m.backtest.run("bo").kind == "scale"  # the 10 rated books are predicted
    res = m.retrieval.retrieve("bo", "A thriller with a twist, book 99", 3)
    assert res.prediction is not None and res.prediction.value is not None


def test_a_draft_against_a_stated_preference_is_flagged(app: Mindprint) -> None:
    draft = "For dinner, order the green curry extra spicy.\n\n- jasmine rice\n- iced tea"
    out = app.rewriting.rewrite("ana", draft)
    found = {c["quote"]: c["evidence"] for c in out.trajectory["conflicts"]}
    assert found["I cannot eat spicy food, it makes me ill."].startswith("For dinner")
    assert "list" in found["Please keep your answers short, no bullet points."]
    assert any(g.startswith("Goes against what they said") for g in out.trajectory["gap_analysis"]["gaps"])
    mild = app.rewriting.rewrite("ana", "Order the green curry, and ask for it without anything spicy.")
    assert "conflicts" not in mild.trajectory


class Counting:
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, inner: FastEmbedEmbedder) -> None:
        self.inner, self.texts = inner, []  # type: ignore[var-annotated]
        self.model_id, self.dim = inner.model_id, inner.dim

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.texts += list(texts)
        return self.inner.embed(texts)


def test_a_warmed_server_embeds_only_the_query_and_its_phrases(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> None:
    from mindprint.engine.features.reader import DOMAINS, REQUESTS

    emb = Counting(real_embedder)
    m = Mindprint(Store.open(tmp_path / "w.db"), emb, limits=LimitSettings())  # type: ignore[arg-type]
    m.add_items("ana", [turn(n, u, a) for n, (u, a) in enumerate(CHAT)])
    m.build("ana")
    m.retrieval.warm()
    assert set(REQUESTS) <= set(emb.texts) and set(DOMAINS.values()) <= set(emb.texts)
    emb.texts.clear()
    found = retrieval_view(m, "ana", "What should I eat on a street-food tour of Bangkok?", 3)
    assert found.preferences  # a retrieval that reads preferences
    assert not set(emb.texts) & (set(REQUESTS) | set(DOMAINS.values()))
    m.close()
