"""A person's answer as the population's answer plus *their* departures from it. Pure.

The population model reads the query the way it reads anyone's (what the text alone
predicts). On every history item the residual ``answer - population(text)`` says how
much kinder, harsher or otherwise different this person was than their words suggest.
The departures are modelled as one Gaussian process over the history items that reach
the prediction: the ones retrieval brings (the most similar, up to ``MODEL.predict_k``) and,
when the kernel has a recency part, the latest ones. Its prior is the kernel of named
parts in :mod:`mindprint.engine.predict.kernel`.

The posterior mean is the personal term; it splits exactly into the kernel's parts, and
each part into one share per item (or per factor), which is what the explanation cites.
Few items give a small, uncertain departure (the noise variance dominates); many
consistent ones dominate the population's answer. Ratings have one output; labels have
one per label (one-vs-rest residuals), and go through the same code with the same kernel.

The kernel is fitted on many users' histories by one criterion: each history item
predicted from the user's other items (closed-form leave-one-out), scored as the answers
are judged (absolute error of the level, or a wrong label).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.kernel import DEFAULT_KERNEL, Between, Kernel, PartKind, Rows, SplitBy
from mindprint.engine.predict.population import Answers, Arr


@dataclass(frozen=True, slots=True)
class Evidence:
    """One history item as the departure model reads it."""

    item_id: int
    residual: Arr  # (outputs,) answer - population(text)
    output: Arr  # (outputs,) population(text), on the answers' own scale
    vector: Arr  # the text's unit embedding
    factors: Mapping[str, float] = field(default_factory=dict)  # factor id -> value


@dataclass(frozen=True, slots=True)
class Query:
    """The query as the departure model reads it (``output`` on the answers' own scale)."""

    output: Arr
    vector: Arr
    factors: Mapping[str, float]


def _centre(answers: Answers, outputs: int) -> tuple[float, float]:
    """(centre, half-width) that put population outputs on a unit scale around 0."""
    if answers.scale is not None:
        lo, hi = answers.scale
        return (lo + hi) / 2.0, max((hi - lo) / 2.0, 1e-9)
    return 1.0 / max(outputs, 1), 1.0


def _stack(rows: list[Arr], width: int) -> Arr:
    return np.asarray(np.stack(rows) if rows else np.zeros((0, width)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class History:
    """A user's evidence as arrays, built once per model revision and population (every
    query of that user reads the same residuals)."""

    residuals: Arr  # (items, outputs)
    population: Arr  # (items, outputs) the population's outputs, on the answers' scale
    vectors: Arr  # (items, dim)
    factors: Arr  # (items, factor ids), the factor values
    factor_ids: tuple[str, ...]
    positions: Arr  # (items,) place in the person's history, 0 = the oldest
    rows: Mapping[int, int]  # item id -> row
    centre: tuple[float, float]  # (centre, half-width) of the population's outputs

    @classmethod
    def of(cls, evidence: Sequence[Evidence], answers: Answers, outputs: int,
           order: Sequence[int] | None = None) -> History:
        """``order``: the item ids oldest first (ids not in the evidence are skipped; an
        item missing from it counts as the oldest); None: the evidence's own order."""
        fids = tuple(sorted({f for e in evidence for f in e.factors}))
        col = {f: n for n, f in enumerate(fids)}
        fac = np.zeros((len(evidence), len(fids)))
        for r, e in enumerate(evidence):
            for f, v in e.factors.items():
                fac[r, col[f]] = v
        rows = {e.item_id: n for n, e in enumerate(evidence)}
        if order is None:
            order = [e.item_id for e in evidence]
        rank = {i: n for n, i in enumerate(i for i in order if i in rows)}
        positions = np.zeros(len(evidence))
        for iid, row in rows.items():
            positions[row] = rank.get(iid, 0)
        dim = len(evidence[0].vector) if evidence else 0
        return cls(
            _stack([e.residual for e in evidence], outputs),
            _stack([e.output for e in evidence], outputs),
            _stack([e.vector for e in evidence], dim),
            fac, fids, positions, rows, _centre(answers, outputs),
        )

    def __len__(self) -> int:
        return len(self.rows)

    def centred(self, outputs: npt.ArrayLike) -> Arr:
        """Population outputs on the unit scale around 0 that the calibration part reads."""
        out: Arr = (np.asarray(outputs, dtype=np.float64) - self.centre[0]) / self.centre[1]
        return out

    def select(self, rows: Sequence[int] | npt.NDArray[np.intp]) -> Rows:
        return Rows(self.centred(self.population[rows]), self.vectors[rows], self.factors[rows],
                    self.positions[rows])

    def query(self, q: Query) -> Rows:
        """The query as one row of the kernel's input; it comes after the latest item."""
        fac = np.asarray([q.factors.get(f, 0.0) for f in self.factor_ids], dtype=np.float64)
        return Rows(self.centred(q.output)[None, :], np.asarray(q.vector, dtype=np.float64)[None, :],
                    fac[None, :], np.array([float(len(self))]))

    def latest(self, k: int) -> list[int]:
        """The ids of the ``k`` latest items, latest first."""
        by_row = {r: i for i, r in self.rows.items()}
        return [by_row[int(r)] for r in np.argsort(-self.positions, kind="stable")[:k]]


@dataclass(frozen=True, slots=True)
class Move:
    """One part's share of the departure: its total, split by item or by factor."""

    total: Arr
    by_item: Mapping[int, Arr] = field(default_factory=dict)
    by_factor: Mapping[str, Arr] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Departure:
    """The personal terms added to the population's outputs, part by part."""

    moves: Mapping[PartKind, Move]  # in the kernel's order
    retrieved: tuple[int, ...]  # the retrieved items that reached it, in retrieval order
    latest: tuple[int, ...]  # the latest items read besides them, latest first
    width: int

    @property
    def total(self) -> Arr:
        out: Arr = sum((m.total for m in self.moves.values()), start=np.zeros(self.width))
        return out

    def part(self, kind: PartKind) -> Move:
        """A part's move (zero when the kernel has no such part)."""
        return self.moves.get(kind) or Move(np.zeros(self.width))


def departure(
    history: History, similar: Sequence[int], query: Query, kernel: Kernel = DEFAULT_KERNEL
) -> Departure:
    """The posterior mean of the query's departure, given the retrieved history items (and
    the latest ones when a part reads them). ``similar`` are the ids of the retrieved
    items (those not in the history are ignored): retrieval decides what counts."""
    width = history.residuals.shape[1]
    retrieved = [i for i in dict.fromkeys(similar) if i in history.rows]
    latest = history.latest(kernel.latest())
    ids = list(dict.fromkeys([*retrieved, *latest]))
    if not ids:
        return Departure({}, (), tuple(latest), width)
    idx = [history.rows[i] for i in ids]
    rows = history.select(idx)
    cov = kernel.cov(Between.of(rows, rows)) + kernel.noise * np.eye(len(idx))
    alpha = np.asarray(np.linalg.solve(cov, history.residuals[idx]), dtype=np.float64)
    q = history.query(query)
    moves: dict[PartKind, Move] = {}
    for part in kernel.parts:
        by, shares = part.split(q, rows, alpha)
        if by is SplitBy.ITEM:
            moves[part.kind] = Move(shares.sum(axis=0), by_item=dict(zip(ids, shares, strict=True)))
        else:
            used = np.flatnonzero(q.factors[0])
            moves[part.kind] = Move(shares.sum(axis=0) if len(shares) else np.zeros(width),
                                    by_factor={history.factor_ids[j]: shares[j] for j in used})
    return Departure(moves, tuple(retrieved), tuple(latest), width)


@dataclass(frozen=True, slots=True)
class _FitRows:
    """One user's latest items as the kernel fit reads them, computed once per fit."""

    residuals: Arr
    population: Arr
    between: Between

    @classmethod
    def of(cls, h: History) -> _FitRows:
        rows = np.sort(np.argsort(-h.positions, kind="stable")[:MODEL.fit_items])
        sel = h.select(rows)
        return cls(h.residuals[rows], h.population[rows], Between.of(sel, sel))


def fit_rows(h: History) -> _FitRows:
    """A history's latest items as the kernel fit reads them."""
    return _FitRows.of(h)


def loo(kernel: Kernel, residuals: Arr, between: Between) -> Arr:
    """Each item's residual predicted from the other items' (closed form: the posterior
    mean with that item left out, for every item from one inverse)."""
    inv = np.linalg.inv(kernel.cov(between) + kernel.noise * np.eye(len(residuals)))
    out: Arr = residuals - (inv @ residuals) / np.diag(inv)[:, None]
    return out


def loo_errors(kernel: Kernel, users: Sequence[_FitRows], answers: Answers) -> Arr:
    """Each history item's error when predicted from the user's other items, as answers
    are judged (see ``Answers.errors``), plus a thousandth of the squared residual error
    so that ties are broken."""
    out: list[Arr] = []
    for u in users:
        pred = loo(kernel, u.residuals, u.between)
        err = answers.errors(u.population + pred, u.population + u.residuals)
        out.append(err + 1e-3 * ((pred - u.residuals) ** 2).sum(axis=1))
    return np.concatenate(out) if out else np.zeros(0)


def _clear_gain(gain: Arr, groups: npt.NDArray[np.int64], z: float) -> bool:
    """Whether a mean gain per item is above ``z`` standard errors of itself, the error
    taken over groups (a user's items move together: their sum is one draw; the
    cluster-robust variance of a mean); one group (a single person's fit) falls back to
    items."""
    if len(np.unique(groups)) < 2:
        groups = np.arange(len(gain), dtype=np.int64)
    sums = np.bincount(groups, weights=gain)
    counts = np.bincount(groups).astype(np.float64)
    keep = counts > 0
    sums, counts = sums[keep], counts[keep]
    n, g, mean = len(gain), len(sums), float(gain.mean())
    if g < 2:
        return False
    se = float(np.sqrt(g / (g - 1) * ((sums - counts * mean) ** 2).sum())) / n
    return bool(mean > z * se)


def descend(start: Kernel, errors: Callable[[Kernel], Arr], sweeps: int,
            groups: npt.NDArray[np.int64] | None = None) -> Kernel:
    """The kernel with the least per-item ``errors``, one hyperparameter at a time over the
    values its part lists. A step away from the current kernel is taken only when its
    gain is clear: above the t point of ``MODEL.fit_step_p`` standard errors, the error
    computed over ``groups`` (the user of each item: items of one person are not
    independent, and an error over items let 5 of 20 null pools grow a part), so a pool
    with no personal departure keeps ``start``."""
    from mindprint.engine.factors.inference import t_quantile

    best, best_err = start, errors(start)
    grp = np.zeros(len(best_err), dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    n_groups = len(np.unique(grp))
    df = max((n_groups if n_groups > 1 else len(grp)) - 1, 1)
    z = t_quantile(1.0 - MODEL.fit_step_p, df)
    for _ in range(sweeps):
        moved = False
        for name, values in start.search().items():
            for v in values:
                cand = best.with_(**{name: v})
                err = errors(cand)
                if _clear_gain(best_err - err, grp, z):
                    best, best_err, moved = cand, err, True
        if not moved:
            break
    return best


def fit_kernel(
    histories: Sequence[History], answers: Answers, start: Kernel = DEFAULT_KERNEL,
    sweeps: int = MODEL.fit_sweeps,
) -> Kernel:
    """The kernel under which the users' history items are best predicted from their other
    items (see :func:`descend`); ``start`` when the pool has fewer than ``fit_min_items``.
    One history is a single person's own fit (a deployed user's)."""
    if histories and not any(h.factors.shape[1] for h in histories):
        # No history carries factor values (a pool the harness read from texts alone): the
        # factors part could not be fitted, so it is off rather than left at a guess.
        start = start.with_(factors=0.0)
    users = [_FitRows.of(h) for h in histories if len(h) >= 2]
    if sum(len(u.residuals) for u in users) < MODEL.fit_min_items:
        return start
    groups = np.concatenate([np.full(len(u.residuals), n) for n, u in enumerate(users)])
    return descend(start, lambda k: loo_errors(k, users, answers), sweeps, groups)
