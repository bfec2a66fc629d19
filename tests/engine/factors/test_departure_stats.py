"""Factor statistics measured as departures from the population, on histories whose right
answer is known by construction."""

from __future__ import annotations

import math
import random

import pytest

from mindprint.engine.factors.departure_stats import EffectKind, FactorDeparture, departure_stats
from mindprint.engine.types import Feature, Item


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
    w = stats["f_reason_weight"].quantity
    p = stats["f_reason_price_value"].quantity
    assert w is not None and p is not None and w.unit == "g"
    assert w.per_doubling == pytest.approx(-0.8, abs=0.25)
    assert w.ci95[1] < 0  # clearly negative
    assert p.ci95[0] < 0 < p.ci95[1]  # no measurable price effect
    assert stats["f_reason_weight"].strength() > 1 > stats["f_reason_price_value"].strength()


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
    d = stats["f_d"].effect
    assert d.kind is EffectKind.JUDGED and d.value == pytest.approx(2.0, abs=0.4) and d.clear
    assert abs(stats["f_p"].effect.value) < 0.4


def test_the_stored_form_reads_back_as_the_same_statistics() -> None:
    items, feats, residuals = _hates_weight()
    stats = departure_stats(items, feats, {"weight": "f_w", "price/value": "f_p"}, residuals)
    for dep in stats.values():
        stored = dep.to_json()
        assert stored["effect_kind"] in {k.value for k in EffectKind}
        assert FactorDeparture.of({"departure": stored}) == dep
    assert FactorDeparture.of({"n_items": 3}) is None
