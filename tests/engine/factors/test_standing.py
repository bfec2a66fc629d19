"""Standing preferences: repeated statements join, later ones supersede, firmest first.

Vectors are the real model's: whether two statements say the same thing is the point."""

from __future__ import annotations

import pytest

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.factors.standing import Evidence, ranked, standing
from mindprint.engine.features.preferences import extract
from mindprint.engine.features.reader import as_feature
from mindprint.engine.features.turns import Turn

pytestmark = pytest.mark.model


def evidence(emb: FastEmbedEmbedder, said: list[tuple[int, str, str]]) -> list[Evidence]:
    out = []
    for item_id, at, text in said:
        [s] = extract([Turn(item_id, text, "", "message")])
        f = as_feature(s)
        out.append(Evidence(item_id, f, emb.embed([f.context])[0], at))
    return out


def test_the_same_preference_said_twice_is_one_standing_preference(real_embedder: FastEmbedEmbedder) -> None:
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I avoid spicy food."),
        (2, "2026-01-02", "I strongly prefer trains to flying."),
        (3, "2026-02-01", "I avoid spicy foods."),
    ])
    factors, assignment = standing(ev)
    assert len(factors) == 2
    spicy = next(f for f in factors if "spicy" in f.stats["quote"])
    assert spicy.stats["items"] == [1, 3]
    assert spicy.stats["first_seen"] == "2026-01-01" and spicy.stats["last_seen"] == "2026-02-01"
    assert spicy.stats["quote"] == "I avoid spicy foods."  # the latest wording
    assert assignment[ev[0].feature.name] == assignment[ev[2].feature.name] == spicy.id


def test_a_later_change_supersedes_and_the_old_one_stays_as_history(
    real_embedder: FastEmbedEmbedder,
) -> None:
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I don't eat fish."),
        (2, "2026-03-01", "These days I eat fish again, I love salmon."),
    ])
    old, new = sorted(standing(ev)[0], key=lambda f: f.stats["first_seen"])
    assert old.stats["superseded_by"] == new.id
    assert new.stats["superseded_by"] is None
    assert ranked([old, new])[0].id == new.id  # the current one first


def test_a_choice_for_right_now_does_not_supersede_another(real_embedder: FastEmbedEmbedder) -> None:
    """"Right now" qualifies one choice; it does not say an earlier choice changed."""
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I'm not too keen on historical museums or monuments."),
        (2, "2026-03-01", "I'm not too keen on the museum tours, they don't appeal to me right now."),
    ])
    assert all(f.stats["superseded_by"] is None for f in standing(ev)[0])


def test_saying_a_preference_more_firmly_does_not_supersede_it(real_embedder: FastEmbedEmbedder) -> None:
    """A need after a like of the same thing says it again; only an opposite stance, or a
    word saying it changed, replaces it."""
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I exclusively read self-published books from independent authors."),
        (2, "2026-03-01", "I prefer independently published books by non-mainstream authors."),
    ])
    assert [f.stats["stance"] for f in sorted(standing(ev)[0], key=lambda f: f.stats["first_seen"])] == [
        "needs", "likes"]
    assert all(f.stats["superseded_by"] is None for f in standing(ev)[0])


def test_unrelated_statements_never_supersede(real_embedder: FastEmbedEmbedder) -> None:
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I don't like jazz."),
        (2, "2026-03-01", "I love hiking in the mountains."),
    ])
    assert all(f.stats["superseded_by"] is None for f in standing(ev)[0])


def test_ids_are_stable_when_more_is_said(real_embedder: FastEmbedEmbedder) -> None:
    first = evidence(real_embedder, [(1, "2026-01-01", "I can't stand lavender.")])
    more = first + evidence(real_embedder, [(5, "2026-05-01", "I prefer window seats.")])
    assert standing(first)[0][0].id in {f.id for f in standing(more)[0]}


def test_firmest_then_latest_first(real_embedder: FastEmbedEmbedder) -> None:
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I prefer short answers."),
        (2, "2026-01-02", "I have a severe peanut allergy."),
        (3, "2026-01-03", "I really dislike horror films."),
        (4, "2026-01-04", "I prefer aisle seats."),
    ])
    order = [f.stats["quote"] for f in standing(ev)[0]]
    assert order == [
        "I have a severe peanut allergy.",
        "I really dislike horror films.",
        "I prefer aisle seats.",
        "I prefer short answers.",
    ]


def test_within_a_firmness_the_most_strongly_said_first(real_embedder: FastEmbedEmbedder) -> None:
    # Three preferences as firm as each other: the one said with "prefer" before the later
    # ones said with "love" and "usually", though recency alone would put it last.
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I prefer window seats on long flights."),
        (2, "2026-01-02", "I love old jazz records."),
        (3, "2026-01-03", "I usually take the stairs at work."),
    ])
    facs = standing(ev)[0]
    assert [f.stats["firmness"] for f in facs] == ["prefer"] * 3
    assert [f.stats["quote"] for f in facs] == [
        "I prefer window seats on long flights.",
        "I love old jazz records.",
        "I usually take the stairs at work.",
    ]
    assert [f.stats["strength"] for f in facs] == sorted((f.stats["strength"] for f in facs), reverse=True)


def test_a_preference_is_as_strong_as_its_strongest_statement(real_embedder: FastEmbedEmbedder) -> None:
    ev = evidence(real_embedder, [
        (1, "2026-01-01", "I usually drink green tea."),
        (2, "2026-02-01", "I prefer green tea."),
    ])
    (fac,) = standing(ev)[0]
    assert fac.stats["n"] == 2
    assert fac.stats["strength"] == max(e.feature.weight for e in ev)
