"""A person's label: the population's label scores moved by their departures. Pure.

Labels depart from the population as ratings do (:mod:`mindprint.engine.predict.departure`):
one-vs-rest residuals ``indicator - population(text)`` per label, modelled as a Gaussian
process with an offset (the labels this person uses more or less than everyone), a
calibration (how far they follow the population's leaning) and a similar-items part.
Labels add one part: **recency**. What a person files under which label drifts (a
reporter moves from politics to world news; an annotator's threshold shifts), so items
close together in their own history share a departure, decaying over ``span`` items,
and a query is read as coming after the latest item. Its prior variance is fitted with
the others on the run's histories by leave-one-out, so it is 0 where people do not drift.

Measured on the dev split of newscat (51 authors, 4,030 history items; each item
predicted from the author's other items, and each of the last 20 from the items before
it) against the departure model without it, a Bayesian combination of a calibrated
population posterior with the author's Dirichlet-smoothed label frequencies, and
similarity-weighted neighbour votes; see ``README.md`` (newscat) for the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from mindprint.engine.predict.departure import FIT_ITEMS, History, Query
from mindprint.engine.predict.descent import descend
from mindprint.engine.predict.kernel import SEARCH, Kernel, gram_of, similarity
from mindprint.engine.predict.population import Answers, Arr

# The latest items always reach a label prediction (besides the retrieved ones): the
# recency part reads them.
RECENT_K = 16


@dataclass(frozen=True, slots=True)
class LabelKernel(Kernel):
    """The departure prior of labels: :class:`Kernel`'s parts and a recency part."""

    recent: float = 0.0  # prior variance of a departure shared by items close in time
    span: float = 10.0  # items (in the person's own order) over which it decays (e-fold)

    @classmethod
    def of(cls, kernel: Kernel) -> LabelKernel:
        if isinstance(kernel, LabelKernel):
            return kernel
        return cls(**{f.name: getattr(kernel, f.name) for f in fields(Kernel)})


DEFAULT_LABEL_KERNEL = LabelKernel()

# Coordinate descent tries these (the shared parts as for ratings).
LABEL_SEARCH: dict[str, tuple[float, ...]] = {
    **SEARCH,
    "recent": (0.0, 0.1, 0.3, 1.0),
    "span": (3.0, 10.0, 30.0),
}


def recency(a: Arr, b: Arr, span: float) -> Arr:
    """exp(-|a - b| / span) between positions in a person's history."""
    out: Arr = np.exp(-np.abs(a[:, None] - b[None, :]) / span)
    return out


@dataclass(frozen=True, slots=True)
class LabelHistory:
    """A user's evidence and each row's position in their history (0 = oldest)."""

    history: History
    position: Arr  # (items,) aligned with the history's rows

    @classmethod
    def of(cls, history: History, order: Sequence[int]) -> LabelHistory:
        """``order``: the history's item ids, oldest first (ids not in it are skipped)."""
        rank = {i: n for n, i in enumerate(i for i in order if i in history.rows)}
        pos = np.zeros(len(history))
        for iid, row in history.rows.items():
            pos[row] = rank.get(iid, 0)
        return cls(history, pos)

    def latest(self, k: int) -> list[int]:
        """The ids of the ``k`` latest items."""
        by_row = {r: i for i, r in self.history.rows.items()}
        return [by_row[int(r)] for r in np.argsort(-self.position, kind="stable")[:k]]


@dataclass(frozen=True, slots=True)
class LabelDeparture:
    """The personal terms added to the population's label scores, and what moved them."""

    offset: Arr
    calibration: Arr
    neighbours: Arr
    recent: Arr
    factors: Arr
    neighbour_ids: tuple[int, ...]  # the retrieved items that reached it, most moving first
    recent_ids: tuple[int, ...]  # the latest items, latest first
    item_moves: Mapping[int, Arr]  # item id -> its share of the similar part
    factor_moves: Mapping[str, Arr]

    @property
    def total(self) -> Arr:
        out: Arr = self.offset + self.calibration + self.neighbours + self.recent + self.factors
        return out


def label_departure(
    lh: LabelHistory, neighbours: Sequence[int], query: Query, kernel: LabelKernel
) -> LabelDeparture:
    """The posterior mean of the query's departure from the retrieved items and the
    :data:`RECENT_K` latest ones; the query comes after the latest item."""
    h = lh.history
    width = h.residuals.shape[1]
    zero = np.zeros(width)
    retrieved = [i for i in dict.fromkeys(neighbours) if i in h.rows]
    recent = lh.latest(RECENT_K) if kernel.recent > 0 else []
    ids = list(dict.fromkeys([*retrieved, *recent]))
    if not ids:
        return LabelDeparture(zero, zero, zero, zero, zero, (), (), {}, {})
    rows = [h.rows[i] for i in ids]
    res, out, vec, fac, pos = (h.residuals[rows], h.outputs[rows], h.vectors[rows],
                               h.factors[rows], lh.position[rows])
    cov = (gram_of(kernel, vec @ vec.T, out @ out.T, fac @ fac.T)
           + kernel.recent * recency(pos, pos, kernel.span) + kernel.noise * np.eye(len(rows)))
    alpha = np.linalg.solve(cov, res)
    q_out = (np.asarray(query.output, dtype=np.float64) - h.centre[0]) / h.centre[1]
    q_vec = np.asarray(query.vector, dtype=np.float64)[None, :]
    q_sim = similarity(q_vec, vec, kernel.length)[0]
    q_rec = recency(np.array([float(len(h))]), pos, kernel.span)[0]
    q_fac = h.query_factors(query.factors)
    shares = kernel.similar * q_sim[:, None] * alpha
    per_factor = kernel.factors * q_fac[:, None] * (fac.T @ alpha)
    order = np.argsort(-np.abs(shares).max(axis=1), kind="stable")
    wanted = set(retrieved)
    return LabelDeparture(
        offset=kernel.offset * alpha.sum(axis=0),
        calibration=kernel.calibration * (q_out @ out.T) @ alpha,
        neighbours=shares.sum(axis=0),
        recent=kernel.recent * q_rec @ alpha,
        factors=per_factor.sum(axis=0) if len(q_fac) else zero,
        neighbour_ids=tuple(ids[r] for r in order if ids[r] in wanted),
        recent_ids=tuple(recent),
        item_moves={ids[r]: shares[r] for r in range(len(ids))},
        factor_moves={h.factor_ids[j]: per_factor[j] for j in np.flatnonzero(q_fac)},
    )


@dataclass(frozen=True, slots=True)
class _Parts:
    """One user's latest items as the kernel fit reads them, computed once per fit."""

    res: Arr
    out: Arr
    cos: Arr
    outer_out: Arr
    outer_fac: Arr
    apart: Arr  # |position difference| between items

    @classmethod
    def of(cls, lh: LabelHistory) -> _Parts:
        rows = np.sort(np.argsort(-lh.position, kind="stable")[:FIT_ITEMS])
        h = lh.history
        out, vec, fac, pos = h.outputs[rows], h.vectors[rows], h.factors[rows], lh.position[rows]
        return cls(h.residuals[rows], out, vec @ vec.T, out @ out.T, fac @ fac.T,
                   np.abs(pos[:, None] - pos[None, :]))

    def loo_errors(self, kernel: LabelKernel) -> Arr:
        """Each item's label predicted from the user's other items (closed form): 0 or 1,
        plus a thousandth of the squared residual error so that ties are broken."""
        cov = (gram_of(kernel, self.cos, self.outer_out, self.outer_fac)
               + kernel.recent * np.exp(-self.apart / kernel.span)
               + kernel.noise * np.eye(len(self.res)))
        inv = np.linalg.inv(cov)
        loo = self.res - (inv @ self.res) / np.diag(inv)[:, None]
        wrong = (self.out + loo).argmax(axis=1) != (self.out + self.res).argmax(axis=1)
        out: Arr = wrong + 1e-3 * ((loo - self.res) ** 2).sum(axis=1)
        return out


def fit_label_kernel(
    histories: Sequence[LabelHistory], start: LabelKernel = DEFAULT_LABEL_KERNEL, sweeps: int = 2
) -> LabelKernel:
    """The kernel under which the users' labels are best predicted from their other items
    (coordinate descent over :data:`LABEL_SEARCH` on the leave-one-out error; a step is
    taken only when it is better by more than one standard error of the paired
    difference, so a small or noisy pool keeps ``start``)."""
    parts = [_Parts.of(h) for h in histories if len(h.history) >= 2]
    if sum(len(p.res) for p in parts) < 20:
        return start

    def errors(k: LabelKernel) -> Arr:
        return np.concatenate([p.loo_errors(k) for p in parts])

    return descend(start, LABEL_SEARCH, errors, sweeps)


def explain_label(
    answers: Answers, q_out: Arr, dep: LabelDeparture, counts: Mapping[str, int],
    names: Mapping[str, str],
) -> str:
    """One line an assistant can quote: what everyone would say, and what moved it,
    each part as its move on the label answered."""
    final = answers.answer(q_out + dep.total)
    j = answers.labels.index(final)
    base = answers.answer(q_out)
    n = sum(counts.values())
    parts = [f"a model of everyone reads this as {base}"]

    def move(v: Arr) -> str:
        return f"{final} {float(v[j]):+.2f}"

    if n:
        mine = counts.get(final, 0)
        parts.append(f"this user filed {mine} of their {n} items under {final} ({move(dep.offset)})")
    if abs(float(dep.calibration[j])) >= 0.05:
        parts.append(f"how far they follow everyone's leaning ({move(dep.calibration)})")
    if dep.recent_ids and abs(float(dep.recent[j])) >= 0.01:
        ids = ", ".join(f"#{i}" for i in dep.recent_ids[:3])
        parts.append(f"their latest items ({ids}) {move(dep.recent)}")
    if dep.neighbour_ids:
        ids = ", ".join(f"#{i}" for i in dep.neighbour_ids[:3])
        parts.append(f"similar past items ({ids}) {move(dep.neighbours)}")
    for fid, v in sorted(dep.factor_moves.items(), key=lambda kv: -abs(float(kv[1][j]))):
        if abs(float(v[j])) >= 0.05 and fid in names:
            parts.append(f"{names[fid]!r} {move(v)}")
    return "; ".join(parts) + f" -> {final}"
