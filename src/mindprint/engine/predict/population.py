"""The population model: how *everyone's* texts map to answers, with no data of this user.

Personalization is measured and built as a departure from it: mindprint's value is what
a person's own history adds on top of a model of everyone that reads the same input.

The model is ridge regression on each item's vectors (the sentence-mean embedding and
the standardised lexicon signals, the same representation the rest of the engine
reads), one output per answer: a score on a numeric scale, or one-vs-rest indicators
for labels. It is kept as sufficient statistics (``X'X``, ``X'Y``), so the model of
"everyone but this user" is the pooled statistics minus the user's own, solved once:
a leave-user-out fit for every user costs one small linear solve each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict import labels as label_rule
from mindprint.engine.predict.kernel import DEFAULT_KERNEL, Kernel

Arr = npt.NDArray[np.float64]

# Ridge penalty on unit-norm embeddings and z-scored signals (the intercept is free).
# Pseudo-count of the shrunk per-user offset: with n items the offset keeps n/(n+k)
# of the user's mean residual.


@dataclass(frozen=True, slots=True)
class Answers:
    """What a model predicts: a numeric scale, or a label set."""

    labels: tuple[str, ...] = ()
    scale: tuple[float, float] | None = None
    # Thresholds between consecutive levels of an integer scale (see fit_cuts): the level
    # with the least absolute error for a skewed scale, where rounding the mean is not.
    cuts: tuple[float, ...] | None = None
    # The distance between two levels of the scale (0.5 for half stars), from the data.
    step: float = 1.0

    @property
    def is_scale(self) -> bool:
        return self.scale is not None

    def targets(self, answers: Sequence[str]) -> Arr:
        """(n, outputs): the score, or one-hot label indicators."""
        if self.scale is not None:
            return np.asarray([[float(a)] for a in answers], dtype=np.float64).reshape(-1, 1)
        return label_rule.targets(self.labels, answers)

    def answer(self, outputs: Arr) -> str:
        """The answer for one row of outputs: the level (see :meth:`levels`), or the label
        with the highest output."""
        if self.scale is None:
            return label_rule.answer(self.labels, outputs)
        value = float(self.levels(np.asarray(outputs[:1], dtype=np.float64))[0])
        return str(int(value)) if value.is_integer() else str(value)

    def levels(self, values: Arr) -> Arr:
        """The scale's level of each continuous prediction: past the fitted thresholds
        (``cuts``), else rounded half up into the scale."""
        assert self.scale is not None
        lo, hi = self.scale
        if self.cuts is not None:
            out: Arr = lo + (values[:, None] >= np.asarray(self.cuts)[None, :]).sum(axis=1)
            return out
        steps = np.floor((values - lo) / self.step + 0.5)
        return np.asarray(np.clip(lo + steps * self.step, lo, hi), dtype=np.float64)

    def error(self, answer: str, gold: str) -> float:
        """How wrong one given answer is, as answers are judged: the absolute error on a
        scale (an answer that is no number: the widest miss, the scale's width), or 1 for
        a wrong label."""
        if self.scale is None:
            return float(answer.strip() != gold.strip())
        try:
            return abs(float(answer) - float(gold))
        except ValueError:
            lo, hi = self.scale
            return hi - lo

    def errors(self, predicted: Arr, truth: Arr) -> Arr:
        """Per row of outputs, how wrong the answer of ``predicted`` is against ``truth``,
        as answers are judged: the absolute error of the level, or 1 for a wrong label."""
        if self.scale is None:
            return label_rule.errors(predicted, truth)
        out: Arr = np.abs(self.levels(predicted[:, 0]) - truth[:, 0])
        return out


class Population(Protocol):
    """Anything that reads texts the way it reads anyone's: outputs per row of vectors."""

    @property
    def answers(self) -> Answers: ...

    @property
    def kernel(self) -> Kernel:
        """How people depart from this model (the departure model's prior)."""
        ...

    @property
    def personal(self) -> bool:
        """Whether a person's own history refits the kernel (a deployed user: the kernel is
        a start), or the kernel was fitted on a pool of people already (the harness)."""
        ...

    @property
    def who(self) -> str:
        """Who reads the text, as an explanation says it ("a model of everyone")."""
        ...

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr: ...


def fit_cuts(values: npt.ArrayLike, levels: npt.ArrayLike, lo: float, hi: float) -> tuple[float, ...]:
    """Thresholds on a continuous prediction that minimise the absolute error on an
    integer scale. For integer levels |pred - y| counts the level boundaries between them,
    so each boundary's threshold is fitted alone: the cut that best separates "above
    this level" from "at or below it"."""
    v = np.asarray(values, dtype=np.float64)
    y = np.asarray(levels, dtype=np.float64)
    order = np.argsort(v)
    vs, ys = v[order], y[order]
    cuts: list[float] = []
    for k in np.arange(lo, hi):
        above = (ys > k).astype(np.int64)
        # Errors with the cut before position i: above-level items left of it + the rest right.
        left_above = np.concatenate([[0], np.cumsum(above)])
        right_below = np.concatenate([np.cumsum((1 - above)[::-1])[::-1], [0]])
        i = int(np.argmin(left_above + right_below))
        cut = vs[i] - 1e-9 if i < len(vs) else vs[-1] + 1e-9
        cuts.append(float(cut) if i == 0 or i == len(vs) else float((vs[i - 1] + vs[i]) / 2))
    return tuple(np.maximum.accumulate(np.asarray(cuts)).tolist())


@dataclass(frozen=True, slots=True)
class Design:
    """Turns item vectors into the regression's rows (signals standardised, intercept).

    With ``prior_model`` set (1-5 star tasks), the shipped rating prior's expected stars
    is one more input: the ridge then learns how much to trust it in this domain."""

    sig_mean: Arr
    sig_std: Arr
    prior_model: str | None = None

    @classmethod
    def fit(cls, signals: npt.ArrayLike, prior_model: str | None = None) -> Design:
        s = np.atleast_2d(np.asarray(signals, dtype=np.float64))
        std = s.std(axis=0) if len(s) > 1 else np.ones(s.shape[1])
        return cls(s.mean(axis=0), np.where(std > 1e-9, std, 1.0), prior_model)

    def rows(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        r = np.atleast_2d(np.asarray(raw, dtype=np.float64))
        sig = np.atleast_2d(np.asarray(signals, dtype=np.float64))
        s = (sig - self.sig_mean) / self.sig_std
        parts = [r, s]
        if self.prior_model is not None:
            parts.append(PriorPopulation(self.prior_model).outputs(r, sig) - 3.0)
        return np.hstack([*parts, np.ones((len(r), 1))])


@dataclass(frozen=True, slots=True)
class Stats:
    """Sufficient statistics of a ridge fit; they add and subtract."""

    xtx: Arr
    xty: Arr
    n: int

    @classmethod
    def of(cls, x: Arr, y: Arr) -> Stats:
        return cls(x.T @ x, x.T @ y, len(x))

    def __add__(self, other: Stats) -> Stats:
        return Stats(self.xtx + other.xtx, self.xty + other.xty, self.n + other.n)

    def __sub__(self, other: Stats) -> Stats:
        return Stats(self.xtx - other.xtx, self.xty - other.xty, self.n - other.n)


@dataclass(frozen=True, slots=True)
class PopulationModel:
    """A fitted model of everyone: outputs for rows of the design."""

    answers: Answers
    design: Design
    weights: Arr  # (dim + 1, outputs)
    n_items: int
    kernel: Kernel = DEFAULT_KERNEL
    personal: bool = False
    who: str = "a model of everyone"

    @classmethod
    def fit(cls, answers: Answers, design: Design, stats: Stats, lam: float = MODEL.ridge_lambda) -> PopulationModel:
        d = stats.xtx.shape[0]
        penalty = np.full(d, lam)
        penalty[-1] = 1e-6  # the intercept is not shrunk
        w = np.linalg.solve(stats.xtx + np.diag(penalty), stats.xty)
        return cls(answers, design, np.asarray(w, dtype=np.float64), stats.n)

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        out: Arr = self.design.rows(raw, signals) @ self.weights
        return out

    def answer(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> str:
        return self.answers.answer(self.outputs(raw, signals)[0])


def user_offset(residuals: Arr, pseudo: float = MODEL.pseudo_items) -> Arr:
    """The shrunk mean residual of a user's history against the population model."""
    r = np.atleast_2d(residuals)
    if r.size == 0:
        return np.zeros(r.shape[1] if r.ndim == 2 else 1)
    out: Arr = r.sum(axis=0) / (len(r) + pseudo)
    return out


def pool_stats(
    answers: Answers,
    design: Design,
    users: Mapping[str, tuple[Arr, Arr, Sequence[str]]],
) -> dict[str, Stats]:
    """Per-user statistics from each user's (raw, signals, answers) history."""
    out: dict[str, Stats] = {}
    for uid, (raw, sig, ans) in users.items():
        if len(ans):
            out[uid] = Stats.of(design.rows(raw, sig), answers.targets(ans))
    return out


@dataclass(frozen=True, slots=True)
class PriorPopulation:
    """The shipped rating prior as a population model: the expected stars of a text (1-5),
    put on the answers' own scale (0.5-5, 1-10: the same reading, stretched linearly; the
    person's departure model learns where they sit on it). ``domain``: read by that
    domain's head instead of the pooled one."""

    model_id: str
    answers: Answers = Answers(scale=(1.0, 5.0))
    kernel: Kernel = DEFAULT_KERNEL
    personal: bool = True
    who: str = "a model of everyone"
    domain: str | None = None

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        from mindprint.engine.predict.rating import load_prior, ordinal_probs

        lo, hi = self.answers.scale or (1.0, 5.0)
        prior = load_prior()
        if prior is None:
            return np.full((np.atleast_2d(np.asarray(signals)).shape[0], 1), (lo + hi) / 2)
        lat = prior.latent(self.model_id, raw, signals, self.domain)
        probs = ordinal_probs(lat, prior.head_for(self.model_id, self.domain).cutpoints)
        stars = probs @ np.arange(1.0, 6.0)
        out: Arr = (lo + (stars - 1.0) / 4.0 * (hi - lo)).reshape(-1, 1)
        return out


def _loo_fits(answers: Answers, design: Design, x: Arr, y: Arr,
              lams: Sequence[float]) -> list[tuple[PopulationModel, Arr]]:
    """For each penalty, a ridge fit on every row (free intercept) and each row's output
    when left out (closed form: the fitted value corrected by its leverage). One
    eigendecomposition of the centred rows' Gram matrix (items x items, or features x
    features when there are more items) serves every penalty."""
    n = len(x)
    mx, my = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - mx, y - my
    dual = n <= x.shape[1]
    e, vecs = np.linalg.eigh(xc @ xc.T if dual else xc.T @ xc)
    e = np.clip(e, 0.0, None)
    proj = vecs if dual else xc @ vecs  # items x components
    py = proj.T @ yc
    out = []
    for lam in lams:
        inv = 1.0 / (e + lam)
        if dual:
            w = xc.T @ (vecs @ (inv[:, None] * py))
            lev = (proj * proj) @ (e * inv)
        else:
            w = vecs @ (inv[:, None] * py)
            lev = (proj * proj) @ inv
        lev = np.clip(lev + 1.0 / n, 0.0, 1.0 - 1e-9)
        fitted = my + xc @ w
        weights = np.vstack([w, (my - mx @ w)[None, :]])
        loo: Arr = (fitted - lev[:, None] * y) / (1.0 - lev[:, None])
        out.append((PopulationModel(answers, design, np.asarray(weights, dtype=np.float64), n), loo))
    return out


@dataclass(frozen=True, slots=True)
class OwnPopulation:
    """A person's own history as their population: ridge on their items' vectors, for
    labels, or for a scale no shipped model reads well. A text it was fitted on is read
    leave-one-out (as if it had not been), so the residuals the departure model learns
    from are honest; any other text is read by the fit on every item."""

    answers: Answers
    model: PopulationModel
    seen: Mapping[bytes, Arr]  # the raw vector of each fitted text -> its leave-one-out output
    kernel: Kernel = DEFAULT_KERNEL
    personal: bool = True
    who: str = "a model of this user's own history"

    @classmethod
    def fit(cls, answers: Answers, raw: Arr, signals: Arr, given: Sequence[str],
            lam: float | None = None) -> OwnPopulation:
        """``lam``: the ridge penalty; None: the one of ``MODEL.own_ridge`` with the least
        leave-one-out error on these items, as answers are judged."""
        design = Design.fit(signals)
        x = design.rows(raw, signals)[:, :-1]  # the intercept is fitted by centring
        y = answers.targets(given)
        fits = _loo_fits(answers, design, x, y, (lam,) if lam is not None else MODEL.own_ridge)
        model, loo = min(fits, key=lambda f: float(answers.errors(f[1], y).mean()))
        raw2 = np.atleast_2d(np.asarray(raw, dtype=np.float64))
        return cls(answers, model, {raw2[n].tobytes(): loo[n] for n in range(len(loo))})

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        r = np.atleast_2d(np.asarray(raw, dtype=np.float64))
        out = self.model.outputs(r, signals)
        for n in range(len(r)):
            hit = self.seen.get(r[n].tobytes())
            if hit is not None:
                out[n] = hit
        return out
