"""A person's answer as the population's answer plus *their* departures from it. Pure.

The population model reads the query the way it reads anyone's (what the text alone
predicts). On every history item the residual ``answer - population(text)`` says how
much kinder, harsher or otherwise different this person was than their words suggest.
The departures are modelled as a Gaussian process over the history items the
retrieval brings (the most similar ones, up to ``PREDICT_K``), with four parts whose
prior variances are in :class:`Kernel`:

- **offset**: one departure shared by all items (the user's usual leniency);
- **calibration**: a departure proportional to what the population says, centred on
  the middle of the scale (a user who uses the scale's ends more, or less, than
  everyone; for labels, who follows the population's leaning more or less);
- **similar**: departures shared by items whose texts are alike (how this person
  answered *items like this one*), decaying with the cosine distance;
- **factors**: departures carried by the user's factors (judging weight badly, a
  stated reason), so a factor the query mentions moves the answer by what it did before.

The posterior mean is the personal term; it splits exactly into the four parts, and
the similar part into one share per retrieved item, which is what the explanation
cites. Few items give a small, uncertain departure (the noise variance dominates);
many consistent ones dominate the population's answer. Labels have one output per
label (one-vs-rest residuals) sharing the kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mindprint.engine.predict.descent import descend
from mindprint.engine.predict.kernel import (
    DEFAULT_KERNEL,
    SEARCH,
    Kernel,
    gram,
    gram_of,
    similarity,
)
from mindprint.engine.predict.population import Answers, Arr

# How many retrieved items reach a prediction: with fewer items than this, all of them
# do; beyond, retrieval decides which (see benchmarks/README.md for the ablation).
PREDICT_K = 32
# Items per user the kernel fit reads (the most recent): enough to see how they depart.
FIT_ITEMS = 64


@dataclass(frozen=True, slots=True)
class Evidence:
    """One history item as the departure model reads it."""

    item_id: int
    residual: Arr  # (outputs,) answer - population(text)
    output: Arr  # (outputs,) population(text)
    vector: Arr  # the text's unit embedding
    factors: Mapping[str, float] = field(default_factory=dict)  # factor id -> value


@dataclass(frozen=True, slots=True)
class Query:
    """The query as the departure model reads it."""

    output: Arr
    vector: Arr
    factors: Mapping[str, float]


def _centre(answers: Answers, outputs: int) -> tuple[float, float]:
    """(centre, half-width) that put population outputs on a unit scale around 0."""
    if answers.scale is not None:
        lo, hi = answers.scale
        return (lo + hi) / 2.0, max((hi - lo) / 2.0, 1e-9)
    return 1.0 / max(outputs, 1), 1.0


@dataclass(frozen=True, slots=True)
class History:
    """A user's evidence as arrays, built once per model revision and population (every
    query of that user reads the same residuals)."""

    residuals: Arr  # (items, outputs)
    outputs: Arr  # (items, outputs), centred and scaled (see _centre)
    vectors: Arr  # (items, dim)
    factors: Arr  # (items, factor ids), the factor values
    factor_ids: tuple[str, ...]
    rows: Mapping[int, int]  # item id -> row
    centre: tuple[float, float]

    @classmethod
    def of(cls, evidence: Sequence[Evidence], answers: Answers, outputs: int) -> History:
        centre = _centre(answers, outputs)
        fids = tuple(sorted({f for e in evidence for f in e.factors}))
        col = {f: n for n, f in enumerate(fids)}
        fac = np.zeros((len(evidence), len(fids)))
        for r, e in enumerate(evidence):
            for f, v in e.factors.items():
                fac[r, col[f]] = v
        dim = len(evidence[0].vector) if evidence else 0

        def stack(rows: list[Arr], width: int) -> Arr:
            return np.asarray(np.stack(rows) if rows else np.zeros((0, width)), dtype=np.float64)

        return cls(
            stack([e.residual for e in evidence], outputs),
            (stack([e.output for e in evidence], outputs) - centre[0]) / centre[1],
            stack([e.vector for e in evidence], dim),
            fac,
            fids,
            {e.item_id: n for n, e in enumerate(evidence)},
            centre,
        )

    def __len__(self) -> int:
        return len(self.rows)

    def query_factors(self, values: Mapping[str, float]) -> Arr:
        return np.asarray([values.get(f, 0.0) for f in self.factor_ids], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Departure:
    """The personal terms added to the population's outputs, and what moved them."""

    offset: Arr
    calibration: Arr
    neighbours: Arr
    factors: Arr
    neighbour_ids: tuple[int, ...]  # the items that reached the prediction, most moving first
    item_moves: Mapping[int, Arr]  # item id -> its share of the similar part
    factor_moves: Mapping[str, Arr]  # factor id -> its share of the factors part

    @property
    def total(self) -> Arr:
        out: Arr = self.offset + self.calibration + self.neighbours + self.factors
        return out


def departure(
    history: History,
    neighbours: Sequence[int],
    query: Query,
    kernel: Kernel = DEFAULT_KERNEL,
) -> Departure:
    """The posterior mean of the query's departure, given the retrieved history items.

    ``neighbours`` are the ids of the retrieved items (those not in the history are
    ignored): only they reach the prediction, so retrieval decides what counts.
    """
    width = history.residuals.shape[1]
    zero = np.zeros(width)
    ids = [i for i in dict.fromkeys(neighbours) if i in history.rows]
    rows = [history.rows[i] for i in ids]
    if not rows:
        return Departure(zero, zero, zero, zero, (), {}, {})
    res, out = history.residuals[rows], history.outputs[rows]
    vec, fac = history.vectors[rows], history.factors[rows]
    cov = gram(kernel, out, vec, fac) + kernel.noise * np.eye(len(rows))
    alpha = np.linalg.solve(cov, res)  # (rows, outputs)
    q_out = (np.asarray(query.output, dtype=np.float64) - history.centre[0]) / history.centre[1]
    q_sim = similarity(np.asarray(query.vector, dtype=np.float64)[None, :], vec, kernel.length)[0]
    q_fac = history.query_factors(query.factors)
    shares = kernel.similar * q_sim[:, None] * alpha  # (rows, outputs)
    per_factor = kernel.factors * q_fac[:, None] * (fac.T @ alpha)  # (factors, outputs)
    factor_moves = {history.factor_ids[j]: per_factor[j] for j in np.flatnonzero(q_fac)}
    order = np.argsort(-np.abs(shares).max(axis=1), kind="stable")
    return Departure(
        offset=kernel.offset * alpha.sum(axis=0),
        calibration=kernel.calibration * (q_out @ out.T) @ alpha,
        neighbours=shares.sum(axis=0),
        factors=per_factor.sum(axis=0) if len(q_fac) else zero,
        neighbour_ids=tuple(ids[r] for r in order),
        item_moves={ids[r]: shares[r] for r in range(len(ids))},
        factor_moves=factor_moves,
    )


def personal_answer(answers: Answers, population: npt.ArrayLike, dep: Departure) -> str:
    out = np.asarray(population, dtype=np.float64) + dep.total
    return answers.answer(out)


@dataclass(frozen=True, slots=True)
class _Parts:
    """One user's inputs to the kernel fit, computed once per fit."""

    res: Arr
    population: Arr  # the population's outputs (on the answers' own scale)
    cos: Arr
    outer_out: Arr
    outer_fac: Arr

    @classmethod
    def of(cls, h: History) -> _Parts:
        rows = slice(max(0, len(h) - FIT_ITEMS), len(h))
        out, vec, fac = h.outputs[rows], h.vectors[rows], h.factors[rows]
        pop = out * h.centre[1] + h.centre[0]
        return cls(h.residuals[rows], pop, vec @ vec.T, out @ out.T, fac @ fac.T)


def _levels(answers: Answers, values: Arr) -> Arr:
    """The answer levels of many continuous predictions (see ``Answers.answer``)."""
    assert answers.scale is not None
    lo, hi = answers.scale
    if answers.cuts is not None:
        out: Arr = lo + (values[:, None] >= np.asarray(answers.cuts)[None, :]).sum(axis=1)
        return out
    return np.asarray(np.clip(np.floor(values + 0.5), lo, hi), dtype=np.float64)


def _loo_errors(kernel: Kernel, parts: Sequence[_Parts], answers: Answers) -> Arr:
    """Each history item predicted from the user's other items (closed form): its
    absolute error (labels: 0 or 1), plus a thousandth of the squared residual error so
    that ties are broken."""
    out: list[Arr] = []
    for p in parts:
        cov = gram_of(kernel, p.cos, p.outer_out, p.outer_fac) + kernel.noise * np.eye(len(p.res))
        inv = np.linalg.inv(cov)
        loo = p.res - (inv @ p.res) / np.diag(inv)[:, None]  # predicted residuals
        pred, truth = p.population + loo, p.population + p.res
        if answers.is_scale:
            err = np.abs(_levels(answers, pred[:, 0]) - truth[:, 0])
        else:
            err = (pred.argmax(axis=1) != truth.argmax(axis=1)).astype(np.float64)
        out.append(err + 1e-3 * ((loo - p.res) ** 2).sum(axis=1))
    return np.concatenate(out) if out else np.zeros(0)


def fit_kernel(
    histories: Sequence[History], answers: Answers, start: Kernel = DEFAULT_KERNEL, sweeps: int = 2
) -> Kernel:
    """The kernel under which the users' history items are best predicted from their
    other items (coordinate descent over :data:`SEARCH` on the leave-one-out error, the
    metric the answers are judged by). A step away from the current kernel is taken only
    when it is better by more than one standard error of the paired difference, so a
    small or noisy pool keeps ``start`` rather than chasing noise."""
    parts = [_Parts.of(h) for h in histories if len(h) >= 2]
    if sum(len(p.res) for p in parts) < 20:
        return start
    return descend(start, SEARCH, lambda k: _loo_errors(k, parts, answers), sweeps)
