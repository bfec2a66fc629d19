"""Grouping features into factors: the clustering's stopping rule, synonyms, stable ids."""

from __future__ import annotations

import numpy as np

from mindprint.embed import FakeEmbedder
from mindprint.engine.factors.grouping import (
    EmbeddingFactorBuilder,
    Grouping,
    average_linkage,
    stabilize_ids,
)
from mindprint.engine.types import Factor, Feature


def test_average_linkage_stops_at_the_threshold() -> None:
    sim = np.array([[1, 0.9, 0.1], [0.9, 1, 0.1], [0.1, 0.1, 1]], dtype=np.float32)
    groups = sorted(sorted(g) for g in average_linkage(sim, 0.5))
    assert groups == [[0, 1], [2]]


def test_synonyms_end_up_in_one_factor(real_embedder: object) -> None:
    names = [
        ["battery life", "strap"], ["batteries", "guitar strap"], ["battery", "price"],
        ["battery drain", "cheap price"], ["leather strap", "battery life"], ["price", "batteries"],
    ]
    feats = [[Feature(n, "ctx") for n in ns] for ns in names]
    g = EmbeddingFactorBuilder(real_embedder).build(feats)  # type: ignore[arg-type]
    a = g.assignment
    assert a["battery life"] == a["batteries"] == a["battery"]
    assert a["strap"] == a["guitar strap"]
    assert a["battery"] != a["strap"]
    battery = next(f for f in g.factors if f.id == a["battery"])
    assert "batter" in battery.name


def test_one_off_phrases_join_the_factor_of_a_shared_word(fake_embedder: FakeEmbedder) -> None:
    feats = [[Feature("battery", "c")], [Feature("battery", "c")], [Feature("rear battery pack", "c")]]
    g = EmbeddingFactorBuilder(fake_embedder).build(feats)
    assert g.assignment["rear battery pack"] == g.assignment["battery"] is not None


def test_factor_ids_are_stable_when_the_grouping_barely_changes() -> None:
    old = [Factor("f_old", "battery", "", ("battery", "batteries", "battery life"))]
    new = Grouping(
        factors=[
            Factor("f_new", "battery", "", ("battery", "batteries", "battery life", "charge")),
            Factor("f_other", "strap", "", ("strap",)),
        ],
        assignment={"battery": "f_new", "charge": "f_new", "strap": "f_other"},
    )
    out = stabilize_ids(new, old)
    assert [f.id for f in out.factors] == ["f_old", "f_other"]
    assert out.assignment["charge"] == "f_old"
    # A different grouping does not inherit the id.
    moved = Grouping([Factor("f_x", "price", "", ("price", "cost"))], {"price": "f_x"})
    assert stabilize_ids(moved, old).factors[0].id == "f_x"


def test_phrases_of_unalike_items_never_share_a_factor(real_embedder: object) -> None:
    """"lumens" and "lugs" look alike to MiniLM (0.71, word pieces); their items do not
    (headlamps and shoes), so they stay apart; "trail shoe" and "shoe" stay together, and a
    jacket that shares the word "trail" does not join the shoes (issue 25)."""
    from mindprint.engine.pipeline import embed_mean

    texts, feats = [], []
    for i in range(4):
        texts.append(f"Review request: Beam {i} headlamp, {300 + 50 * i} lumens, 8 h battery.")
        feats.append([Feature("lumens", "", "content"), Feature("headlamp", "", "content")])
        texts.append(f"Review request: Crag {i} trail shoe, 5 mm lugs, rock plate, grippy outsole.")
        feats.append([Feature("lugs", "", "content"), Feature("trail shoe" if i % 2 else "shoe", "", "content")])
    texts.append("Review request: Vortex trail jacket, waterproof shell, hood, 210 g.")
    feats.append([Feature("vortex trail jacket", "", "content")])
    contexts = embed_mean(real_embedder, texts)  # type: ignore[arg-type]
    g = EmbeddingFactorBuilder(real_embedder).build(feats, contexts)  # type: ignore[arg-type]
    a = g.assignment
    assert a["lumens"] is not None and a["lugs"] is not None and a["lumens"] != a["lugs"]
    assert a["shoe"] == a["trail shoe"]
    assert a["vortex trail jacket"] != a["shoe"]
    without = EmbeddingFactorBuilder(real_embedder).build(feats).assignment  # type: ignore[arg-type]
    assert without["lumens"] == without["lugs"]  # what the contexts prevent
