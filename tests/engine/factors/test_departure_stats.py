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


# -- honest statistics (issue 25) ---------------------------------------------------------


def test_a_shrunk_mean_sits_inside_its_own_t_interval() -> None:
    """Two equal departures: the reported (shrunk) estimate is the interval's centre, the
    interval is a t interval, and two items flag nothing clear."""
    from mindprint.engine.factors.departure_stats import _summary
    from mindprint.engine.factors.inference import t_quantile
    from mindprint.engine.model_settings import MODEL

    s = _summary([0.6, 0.6], spread=0.5)
    k, prior = 2, MODEL.pseudo_items
    assert s.shrunk == pytest.approx(1.2 / (k + prior), abs=1e-3)
    assert s.ci95[0] < s.shrunk < s.ci95[1]
    assert (s.ci95[0] + s.ci95[1]) / 2 == pytest.approx(s.shrunk, abs=1e-3)
    # Direct: spread shrunk towards 0.5 as if by `prior` more items, df = k - 1 + prior.
    se = math.sqrt((0 + prior * 0.5) / (k - 1 + prior) / (k + prior))
    half = t_quantile(0.975, k - 1 + prior) * se
    assert s.ci95[1] - s.ci95[0] == pytest.approx(2 * half, abs=2e-3)


def test_the_regression_equals_a_direct_solve() -> None:
    """judged_effects against the ridge normal equations written out by hand."""
    from mindprint.engine.factors.departure_stats import judged_effects
    from mindprint.engine.factors.inference import t_quantile
    from mindprint.engine.model_settings import MODEL

    rng = random.Random(7)
    rows = []
    for _ in range(30):
        x = {"a": rng.choice([-1.0, 1.0])}
        if rng.random() < 0.6:
            x["b"] = rng.choice([-0.5, 1.0])
        rows.append((0.8 * x["a"] + rng.gauss(0, 0.5), x))
    got = judged_effects(rows)
    import numpy as np

    design = np.array([[1.0, x["a"], x.get("b", 0.0)] for _, x in rows])
    y = np.array([d for d, _ in rows])
    lam = np.diag([0.0, MODEL.judged_ridge, MODEL.judged_ridge])
    h = np.linalg.inv(design.T @ design + lam)
    beta = h @ design.T @ y
    used = np.trace(design @ h @ design.T)
    df = len(y) - used + MODEL.pseudo_items
    sigma2 = (((y - design @ beta) ** 2).sum() + MODEL.pseudo_items * y.var(ddof=1)) / df
    assert got["a"].value == pytest.approx(beta[1]) and got["b"].value == pytest.approx(beta[2])
    assert got["a"].se == pytest.approx(math.sqrt(sigma2 * h[1, 1]))
    lo, hi = got["a"].ci95
    assert (lo + hi) / 2 == pytest.approx(beta[1], abs=2e-3)
    assert hi - lo == pytest.approx(2 * t_quantile(0.975, df) * got["a"].se, abs=2e-3)


def _person(n: int, seed: int, *, one_sided: bool) -> tuple[list[Item], list[list[Feature]], dict[int, float]]:
    """A person whose departures are pure noise: nothing they judge moves them. With
    ``one_sided`` every judgement of comfort is "well" (never "badly")."""
    rng = random.Random(seed)
    items, feats, residuals = [], [], {}
    for i in range(n):
        fs = [Feature("weight", f"{rng.choice([150, 300, 600])} g", "quantity"),
              Feature("price/value", f"${rng.choice([40, 80, 160])}", "quantity")]
        if rng.random() < 0.4:
            fs.append(Feature("comfort", "", "aspect", polarity=1.0 if one_sided else rng.choice([-1.0, 1.0])))
        if rng.random() < 0.5:
            fs.append(Feature("durability", "", "aspect", polarity=rng.choice([-1.0, 1.0])))
        if rng.random() < 0.3:
            fs.append(Feature("trail shoe", "", "content"))
        items.append(Item(i, "x", "y", score=3.0))
        feats.append(fs)
        residuals[i] = rng.gauss(0.3, 0.9)
    return items, feats, residuals


ASSIGN = {"weight": "f_w", "price/value": "f_p", "comfort": "f_c", "durability": "f_d", "trail shoe": "f_t"}


@pytest.mark.parametrize("seed", range(8))
def test_a_null_person_and_a_one_sided_person_get_nothing_clear(seed: int) -> None:
    for one_sided in (False, True):
        items, feats, residuals = _person(40, seed, one_sided=one_sided)
        stats = departure_stats(items, feats, ASSIGN, residuals, "stars")
        assert stats and not [fid for fid, d in stats.items() if d.effect.clear]
        assert all(d.tested == len(stats) for d in stats.values())
        comfort = stats["f_c"].effect
        if one_sided:
            # Never judged badly: the contrast is with not mentioning it, and says so.
            assert comfort.kind is EffectKind.JUDGED_WELL and stats["f_c"].judged_badly is None
        else:
            assert comfort.kind is EffectKind.JUDGED


def test_a_one_sided_judgement_is_worded_as_what_it_compares() -> None:
    from mindprint.engine.factors.wording import evidence

    items, feats, residuals = _person(40, 0, one_sided=True)
    stats = departure_stats(items, feats, ASSIGN, residuals, "stars")
    text = evidence("comfort", stats["f_c"])
    assert text.startswith("when comfort is judged well rather than not mentioned: ")
    assert "rather than badly" not in text and "not clear" in text


def test_the_quantity_that_carries_the_effect_is_the_headline() -> None:
    """Heavier gear scores lower, and the person calls light gear "light" (judged well):
    the grams carry the effect, and the judgement is said at the same grams."""
    from mindprint.engine.factors.wording import evidence

    rng = random.Random(5)
    items, feats, residuals = [], [], {}
    for i in range(46):
        grams = rng.choice([60, 100, 200, 300, 450, 900])
        fs = [Feature("weight", f"{grams} g", "quantity")]
        if grams <= 100 or rng.random() < 0.15:
            fs.append(Feature("weight", "light", "aspect", polarity=1.0))
        elif grams >= 450 and rng.random() < 0.5:
            fs.append(Feature("weight", "heavy", "aspect", polarity=-1.0))
        items.append(Item(i, "x", "y", score=3.0))
        feats.append(fs)
        residuals[i] = -0.4 * math.log2(grams / 200) + rng.gauss(0, 0.4)
    dep = departure_stats(items, feats, {"weight": "f_w"}, residuals, "stars")["f_w"]
    assert dep.effect.kind is EffectKind.QUANTITY and dep.effect.unit == "g"
    assert dep.effect.value < 0 and dep.effect.ci95[1] < 0 and dep.effect.clear
    assert dep.other is not None and dep.other.kind is EffectKind.JUDGED
    text = evidence("weight", dep)
    assert text.startswith("for weight, each doubling of g (lighter is better): -")
    assert "stars beyond what the text suggests" in text and "at the same g" in text
    # The examples are the items the grams explain, not merely the largest departures.
    assert all(any(f.kind == "quantity" for f in feats[i]) for i in dep.examples)


def test_a_factor_on_every_item_has_no_effect_and_is_not_tested() -> None:
    """Tone and writing style are read on every item: with no item without them there is
    nothing to compare, so no "when tone is present" effect (it would be the person's own
    offset, ~0 by construction) and no place among the factors tested."""
    items, feats, residuals = _hates_weight()
    feats = [[*fs, Feature("neutral tone", "", "tone")] for fs in feats]
    feats[0].append(Feature("lumens", "", "topic"))
    assignment = {"weight": "f_w", "price/value": "f_p", "neutral tone": "f_tone", "lumens": "f_l"}
    stats = departure_stats(items, feats, assignment, residuals)
    assert "f_tone" not in stats
    assert stats["f_l"].effect.kind is EffectKind.PRESENT  # on some items only: still one
    assert {s.tested for s in stats.values()} == {3}
