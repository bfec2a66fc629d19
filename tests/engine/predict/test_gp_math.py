"""The departure model's mathematics against direct computation: the posterior mean against
a dense solve written out entry by entry, the closed-form leave-one-out against refits, the
split into parts against the whole, and ratings and labels through the one model against
the two models it replaced."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import (
    Departure,
    Evidence,
    History,
    Query,
    _FitRows,
    departure,
    loo,
    loo_errors,
)
from mindprint.engine.predict.kernel import DEFAULT_KERNEL, Kernel, PartKind
from mindprint.engine.predict.population import Answers

STARS = Answers(scale=(1.0, 5.0))
NEWS = Answers(labels=("POLITICS", "SPORTS", "WORLD NEWS"))
# Every part on, recency included.
FULL = DEFAULT_KERNEL.with_(offset=0.3, calibration=0.8, similar=1.5, length=0.4, factors=0.5,
                            recent=0.6, span=5.0, noise=0.7)


def _unit(rng: np.random.Generator, d: int = 8) -> np.ndarray:
    v = rng.normal(size=d)
    return v / np.linalg.norm(v)


def _history(rng: np.random.Generator, answers: Answers, n: int) -> History:
    """Random items: texts, population outputs, residuals and factor values; shuffled time order."""
    width = 1 if answers.is_scale else len(answers.labels)
    ev = []
    for i in range(n):
        out = rng.uniform(1, 5, size=1) if answers.is_scale else rng.dirichlet(np.ones(width))
        factors = {f: float(rng.choice([-1.0, 1.0])) for f in ("f_a", "f_b") if rng.random() < 0.4}
        ev.append(Evidence(100 + i, rng.normal(0, 0.8, size=width), out, _unit(rng), factors))
    order = [100 + i for i in rng.permutation(n)]
    return History.of(ev, answers, width, order)


def _k(h: History, k: Kernel, i: int, xo: np.ndarray, xv: np.ndarray, xf: np.ndarray, xp: float) -> float:
    """The prior covariance of row ``i``'s departure and a point's, written out."""
    p = k.params()
    o = (h.population[i] - h.centre[0]) / h.centre[1]
    cal = sum(float(a) * float(b) for a, b in zip(o, (xo - h.centre[0]) / h.centre[1], strict=True))
    cos = sum(float(a) * float(b) for a, b in zip(h.vectors[i], xv, strict=True))
    fac = sum(float(a) * float(b) for a, b in zip(h.factors[i], xf, strict=True))
    return (p["offset"] + p["calibration"] * cal + p["similar"] * math.exp((cos - 1) / p["length"])
            + p["factors"] * fac + p["recent"] * math.exp(-abs(h.positions[i] - xp) / p["span"]))


def _dense_mean(h: History, rows: list[int], k: Kernel, q: Query, q_pos: float) -> np.ndarray:
    """k_q' (K + noise I)^-1 r over ``rows``, every covariance computed entry by entry."""
    qf = np.array([q.factors.get(f, 0.0) for f in h.factor_ids])
    big = np.array([[_k(h, k, i, h.population[j], h.vectors[j], h.factors[j], h.positions[j])
                     for j in rows] for i in rows]) + k.noise * np.eye(len(rows))
    kq = np.array([_k(h, k, i, q.output, q.vector, qf, q_pos) for i in rows])
    out: np.ndarray = kq @ np.linalg.inv(big) @ h.residuals[rows]
    return out


@pytest.mark.parametrize("answers", [STARS, NEWS])
def test_the_posterior_mean_is_the_dense_solve(answers: Answers) -> None:
    rng = np.random.default_rng(0)
    h = _history(rng, answers, 24)
    out = h.population[0] + rng.normal(0, 0.2, size=h.population.shape[1])
    q = Query(out, _unit(rng), {"f_a": 1.0, "f_b": -1.0})
    ids = sorted(h.rows)
    dep = departure(h, ids, q, FULL)
    expected = _dense_mean(h, [h.rows[i] for i in ids], FULL, q, float(len(h)))
    np.testing.assert_allclose(dep.total, expected, rtol=1e-9, atol=1e-12)


def test_the_parts_and_their_shares_add_up_to_the_mean() -> None:
    rng = np.random.default_rng(1)
    h = _history(rng, NEWS, 30)
    q = Query(np.array([0.5, 0.3, 0.2]), _unit(rng), {"f_a": 1.0, "f_b": 1.0})
    dep = departure(h, [100, 103, 107, 111], q, FULL)
    assert len(dep.moves) == 5 and any(np.abs(m.total).max() > 1e-3 for m in dep.moves.values())
    np.testing.assert_allclose(sum(m.total for m in dep.moves.values()), dep.total, atol=1e-12)
    for kind, move in dep.moves.items():
        shares = move.by_factor if kind is PartKind.FACTORS else move.by_item
        np.testing.assert_allclose(sum(shares.values()), move.total, atol=1e-12)
    # The items that reach it: the retrieved ones and, recency being on, the latest.
    assert set(dep.part(PartKind.SIMILAR).by_item) == {100, 103, 107, 111} | set(dep.latest)
    assert len(dep.latest) == MODEL.recent_k and dep.retrieved == (100, 103, 107, 111)


@pytest.mark.parametrize("answers", [STARS, NEWS])
def test_leave_one_out_equals_refitting_without_the_item(answers: Answers) -> None:
    rng = np.random.default_rng(2)
    h = _history(rng, answers, 15)
    fit = _FitRows.of(h)
    closed = loo(FULL, fit.residuals, fit.between)
    for i in range(len(h)):
        others = [j for j in range(len(h)) if j != i]
        q = Query(h.population[i], h.vectors[i], dict(zip(h.factor_ids, h.factors[i], strict=True)))
        refit = _dense_mean(h, others, FULL, q, float(h.positions[i]))
        np.testing.assert_allclose(closed[i], refit, rtol=1e-8, atol=1e-10)


def _before_the_merge(h: History, retrieved: list[int], q: Query, k: Kernel) -> np.ndarray:
    """The two models the one departure model replaced, written out: ratings read the
    retrieved items; labels also the latest ``MODEL.recent_k`` when recency is on, the query
    after the latest item."""
    p = k.params()
    latest = h.latest(MODEL.recent_k) if p["recent"] > 0 else []
    ids = list(dict.fromkeys([*retrieved, *latest]))
    return _dense_mean(h, [h.rows[i] for i in ids], k, q, float(len(h)))


@pytest.mark.parametrize(("answers", "recent"), [(STARS, 0.0), (NEWS, 0.0), (NEWS, 0.6)])
def test_ratings_and_labels_answer_as_the_two_models_before_the_merge(answers: Answers, recent: float) -> None:
    rng = np.random.default_rng(3)
    k = FULL.with_(recent=recent)
    for _ in range(20):
        h = _history(rng, answers, 40)
        retrieved = [int(i) for i in rng.choice(sorted(h.rows), size=6, replace=False)]
        out = h.population[int(rng.integers(len(h)))]
        q = Query(out, _unit(rng), {"f_a": -1.0})
        dep: Departure = departure(h, retrieved, q, k)
        before = _before_the_merge(h, retrieved, q, k)
        np.testing.assert_allclose(dep.total, before, rtol=1e-9, atol=1e-12)
        assert answers.answer(out + dep.total) == answers.answer(out + before)


def test_the_label_fit_error_reads_labels_on_any_centring() -> None:
    """Before the merge the label fit compared labels on centred outputs and the rating fit
    on raw ones; one answer rule reads raw outputs, and a label's error cannot depend on it."""
    rng = np.random.default_rng(4)
    users = [_FitRows.of(_history(rng, NEWS, 12)) for _ in range(5)]
    err = loo_errors(FULL, users, NEWS)
    centred = []
    for u in users:
        pred = loo(FULL, u.residuals, u.between)
        shift = u.population - 1.0 / 3
        wrong = (shift + pred).argmax(axis=1) != (shift + u.residuals).argmax(axis=1)
        centred.append(wrong + 1e-3 * ((pred - u.residuals) ** 2).sum(axis=1))
    np.testing.assert_allclose(err, np.concatenate(centred), atol=1e-12)
    assert 0 < (err >= 1).sum() < len(err)  # some labels right, some wrong
