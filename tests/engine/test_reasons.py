"""Reasons as features (aspects judged, quantities stated), factor statistics measured as
departures from the population, and predictions that depart from it — on histories whose
right answer is known by construction."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from mindprint.engine.aspects import aspects, quantities, quantity_value
from mindprint.engine.departure import (
    Evidence,
    History,
    Query,
    departure,
    fit_kernel,
    personal_answer,
)
from mindprint.engine.departure_stats import departure_stats, strength
from mindprint.engine.features import CorpusStats, OfflineFeatureExtractor, sentiment
from mindprint.engine.kernel import Kernel
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


def _ev(i: int, residual: float, vector: np.ndarray, factors: dict[str, float] | None = None,
        output: float = 3.0) -> Evidence:
    return Evidence(i, np.array([residual]), np.array([output]), vector, factors or {})


def _unit(rng: np.random.Generator, d: int = 16) -> np.ndarray:
    v = rng.normal(size=d)
    return v / np.linalg.norm(v)


STARS = Answers(scale=(1.0, 5.0))
# The kernel fitted on RateBeer's dev users: strong departures, all parts on.
BEER = Kernel(offset=0.3, calibration=1.2, similar=3.0, length=0.3, factors=0.03)


def test_departure_shrinks_with_little_evidence() -> None:
    rng = np.random.default_rng(0)
    ones = [_ev(i, 1.0, _unit(rng)) for i in range(10)]
    q = Query(np.array([3.0]), _unit(rng), {})
    few = departure(History.of(ones[:1], STARS, 1), [0], q, BEER)
    many = departure(History.of(ones, STARS, 1), list(range(10)), q, BEER)
    assert 0 < few.total[0] < many.total[0] < 1  # more evidence, less shrinkage
    nothing = departure(History.of(ones, STARS, 1), [], q)
    assert nothing.total[0] == 0.0 and not nothing.neighbour_ids  # only retrieved items count


def test_departure_follows_the_items_like_the_query() -> None:
    # Two kinds of items (two directions in embedding space): the user scores kind A
    # two stars above what the text says and kind B at the text's value.
    rng = np.random.default_rng(1)
    a, b = _unit(rng), _unit(rng)
    def near(v: np.ndarray) -> np.ndarray:
        w = v + 0.1 * _unit(rng)
        return w / np.linalg.norm(w)
    ev = [_ev(i, 2.0, near(a)) for i in range(6)] + [_ev(i, 0.0, near(b)) for i in range(6, 12)]
    hist = History.of(ev, STARS, 1)
    to_a = departure(hist, list(range(12)), Query(np.array([3.0]), near(a), {}), BEER)
    to_b = departure(hist, list(range(12)), Query(np.array([3.0]), near(b), {}), BEER)
    assert to_a.total[0] > 1.0 > 0.5 > to_b.total[0]
    assert set(to_a.neighbour_ids[:3]) <= set(range(6))  # the A items moved it most
    assert personal_answer(STARS, [3.2], to_a) > personal_answer(STARS, [3.2], to_b)


def test_departure_reads_the_factors_the_query_mentions() -> None:
    # Texts are unrelated; what predicts the departure is judging weight badly.
    rng = np.random.default_rng(2)
    ev = [_ev(i, -1.5 if i % 2 else 0.0, _unit(rng), {"f_w": -1.0} if i % 2 else {})
          for i in range(30)]
    hist = History.of(ev, STARS, 1)
    k = Kernel(factors=1.0)
    heavy = departure(hist, list(range(30)), Query(np.array([3.0]), _unit(rng), {"f_w": -1.0}), k)
    plain = departure(hist, list(range(30)), Query(np.array([3.0]), _unit(rng), {}), k)
    assert heavy.factor_moves["f_w"][0] < -0.3 and "f_w" not in plain.factor_moves
    assert heavy.total[0] < plain.total[0] - 0.3


def test_departure_learns_a_user_who_uses_the_scale_ends() -> None:
    # Population outputs hug the middle; this user answers further out on both sides.
    rng = np.random.default_rng(3)
    ev = []
    for i in range(30):
        p = 3.0 + rng.uniform(-1, 1)
        ev.append(_ev(i, 1.5 * (p - 3.0), _unit(rng), output=p))
    hist = History.of(ev, STARS, 1)
    hi = departure(hist, list(range(30)), Query(np.array([3.8]), _unit(rng), {}), BEER)
    lo = departure(hist, list(range(30)), Query(np.array([2.2]), _unit(rng), {}), BEER)
    assert hi.calibration[0] > 0.4 and lo.calibration[0] < -0.4


def _users(rng: np.random.Generator, kind: str, n_users: int = 40, n: int = 20) -> list[History]:
    """Synthetic users whose departures are, by construction, one kind of thing."""
    a, b = _unit(rng), _unit(rng)
    out = []
    for _ in range(n_users):
        lean = rng.normal(0, 0.8)
        ev = []
        for i in range(n):
            side = rng.random() < 0.5
            v = (a if side else b) + 0.15 * _unit(rng)
            v /= np.linalg.norm(v)
            dep = lean if kind == "offset" else (1.2 if side else -1.2) * np.sign(lean)
            ev.append(_ev(i, dep + rng.normal(0, 0.5), v))
        out.append(History.of(ev, STARS, 1))
    return out


def test_the_kernel_fit_finds_how_users_depart() -> None:
    rng = np.random.default_rng(4)
    by_offset = fit_kernel(_users(rng, "offset"), STARS)
    by_text = fit_kernel(_users(rng, "text"), STARS)
    # Users who each lean one way: the offset carries it, similarity adds little.
    assert by_offset.offset >= 1.0 and by_offset.similar <= 0.3
    # Users who depart by kind of item: similarity carries it.
    assert by_text.similar >= 1.0 and by_text.similar > by_offset.similar
    assert fit_kernel(_users(rng, "offset", n_users=1, n=5), STARS) == Kernel()  # too little data


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


def test_item_tones_read_at_once_equal_one_by_one() -> None:
    from mindprint.engine.personal import tone_of_latent, tones_of_latents

    model = "sentence-transformers/all-MiniLM-L6-v2"
    latents = [8.0, None, 10.2, 6.1, 12.5]
    at_once = tones_of_latents(model, latents)
    one_by_one = [0.0 if v is None else tone_of_latent(model, v) for v in latents]
    assert at_once == pytest.approx(one_by_one, abs=1e-12)
    assert at_once[1] == 0.0 and at_once[0] < at_once[2] < at_once[4]
