"""Reasons as features (aspects judged, quantities stated), factor statistics measured as
departures from the population, and predictions that depart from it — on histories whose
right answer is known by construction."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from mindprint.engine.aspects import aspects, quantities, quantity_value
from mindprint.engine.departure import Evidence, History, departure, personal_answer
from mindprint.engine.departure_stats import departure_stats, strength
from mindprint.engine.features import CorpusStats, OfflineFeatureExtractor, sentiment
from mindprint.engine.population import Answers
from mindprint.engine.types import Feature, Item


def _pol(text: str) -> dict[str, float]:
    return {f.name: f.polarity for f in aspects(text, sentiment)}


def test_aspects_are_judged_by_their_own_cues() -> None:
    assert _pol("the zip snapped on the third run") == {"durability": -1.0}
    got = _pol("cheap and light, but the seam ripped")
    assert got["weight"] == 1.0 and got["price/value"] == 1.0 and got["durability"] == -1.0
    assert _pol("it is not light at all")["weight"] == -1.0
    assert _pol("pricey, but worth every cent")["price/value"] == 1.0  # after "but" counts
    # A content phrase ending in "tone" is sound, not the text's tone feature.
    assert "sound" in _pol("a clean tone and no hum")


def test_quantities_map_units_to_attributes() -> None:
    got = {(f.name, f.context) for f in quantities("265 g, 1.9 kg, $140, 20 h GPS, 6 mm drop")}
    assert got == {("weight", "265 g"), ("weight", "1900 g"), ("price/value", "$140"),
                   ("battery life", "20 h"), ("size and fit", "6 mm")}
    assert quantity_value("1900 g") == 1900.0 and quantity_value("$140") == 140.0


def test_tone_is_a_kind_not_a_name_suffix() -> None:
    feats = OfflineFeatureExtractor().extract(
        [Item(1, "great clean tone from this pedal", "5", score=5.0)], CorpusStats()
    )[0]
    tones = [f for f in feats if f.kind == "tone"]
    assert len(tones) == 1 and tones[0].name.endswith("tone")
    assert all(f.kind != "tone" for f in feats if f.name == "clean tone")


def _hates_weight(n: int = 40, seed: int = 3) -> tuple[list[Item], list[list[Feature]], dict[int, float]]:
    """A user who hates weight (heavier: lower than the text suggests) and ignores price."""
    rng = random.Random(seed)
    items, feats, residuals = [], [], {}
    for i in range(n):
        grams = rng.choice([150, 200, 300, 450, 600, 900])
        price = rng.choice([40, 80, 160, 320])
        items.append(Item(i, f"{grams} g, ${price}", "review", score=3.0))
        feats.append([Feature("weight", f"{grams} g", "quantity"), Feature("price/value", f"${price}", "quantity")])
        residuals[i] = -0.8 * math.log2(grams / 300) + rng.gauss(0, 0.3)
    return items, feats, residuals


def test_a_user_who_hates_weight_gets_a_negative_weight_effect_and_no_price_effect() -> None:
    items, feats, residuals = _hates_weight()
    assignment = {"weight": "f_reason_weight", "price/value": "f_reason_price_value"}
    stats = departure_stats(items, feats, assignment, residuals)
    w = stats["f_reason_weight"]["quantity_effect"]
    p = stats["f_reason_price_value"]["quantity_effect"]
    assert w["per_doubling"] == pytest.approx(-0.8, abs=0.25)
    assert w["ci95"][1] < 0  # clearly negative
    assert p["ci95"][0] < 0 < p["ci95"][1]  # no measurable price effect
    assert strength({"departure": stats["f_reason_weight"]}) > 1 > strength(
        {"departure": stats["f_reason_price_value"]}
    )


def test_judged_effects_blame_the_reason_that_moved_the_answer() -> None:
    # Items that are cheap but break score low; the joint regression must blame
    # durability, not price.
    rng = random.Random(1)
    items, feats, residuals = [], [], {}
    for i in range(40):
        broke = rng.random() < 0.5
        cheap = broke if rng.random() < 0.7 else not broke  # confounded on purpose
        items.append(Item(i, "x", "y", score=3.0))
        feats.append([Feature("durability", "", "aspect", polarity=-1.0 if broke else 1.0),
                      Feature("price/value", "", "aspect", polarity=1.0 if cheap else -1.0)])
        residuals[i] = (-1.5 if broke else 0.5) + rng.gauss(0, 0.2)
    assignment = {"durability": "f_d", "price/value": "f_p"}
    stats = departure_stats(items, feats, assignment, residuals)
    assert stats["f_d"]["effect"] == pytest.approx(2.0, abs=0.4) and stats["f_d"]["clear"]
    assert abs(stats["f_p"]["effect"]) < 0.4


def test_departure_shrinks_and_reads_neighbours_and_factors() -> None:
    ones = [Evidence(i, np.array([1.0]), frozenset({"f_w"} if i < 5 else ())) for i in range(10)]
    few = departure(History.of(ones[:1], 1), [], [])
    many = departure(History.of(ones, 1), [], [])
    assert 0 < few.offset[0] < many.offset[0] < 1  # more evidence, less shrinkage
    # Neighbours that depart more than the user's average move the answer further.
    mixed = [Evidence(i, np.array([2.0 if i < 3 else 0.0]), frozenset()) for i in range(10)]
    near = departure(History.of(mixed, 1), [(0, 0.9), (1, 0.8), (2, 0.85)], [])
    far = departure(History.of(mixed, 1), [(7, 0.9), (8, 0.8), (9, 0.85)], [])
    assert near.neighbours[0] > 0 > far.neighbours[0]
    stars = Answers(scale=(1.0, 5.0))
    assert personal_answer(stars, [3.2], near) > personal_answer(stars, [3.2], far)
    with_factor = departure(History.of(mixed, 1), [], ["f_w"])
    assert with_factor.factors[0] == 0.0  # no item carries f_w here


def test_fitted_cuts_beat_rounding_the_mean_on_a_skewed_scale() -> None:
    from mindprint.engine.population import fit_cuts

    rng = np.random.default_rng(0)
    y = rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.05, 0.1, 0.3, 0.5], size=2000)
    v = y * 0.5 + 2 + rng.normal(0, 0.4, 2000)  # a shrunk, shifted reading of the truth
    cuts = fit_cuts(v, y, 1, 5)
    assert list(cuts) == sorted(cuts) and len(cuts) == 4
    with_cuts = Answers(scale=(1.0, 5.0), cuts=cuts)
    pred_cuts = np.array([float(with_cuts.answer(np.array([x]))) for x in v])
    pred_round = np.clip(np.floor(v + 0.5), 1, 5)
    assert np.abs(pred_cuts - y).mean() < np.abs(pred_round - y).mean() - 0.1
