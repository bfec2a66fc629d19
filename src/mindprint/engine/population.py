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

Arr = npt.NDArray[np.float64]

# Ridge penalty on unit-norm embeddings and z-scored signals (the intercept is free).
RIDGE_LAMBDA = 3.0
# Pseudo-count of the shrunk per-user offset: with n items the offset keeps n/(n+k)
# of the user's mean residual.
OFFSET_PSEUDO = 3.0


@dataclass(frozen=True, slots=True)
class Answers:
    """What a model predicts: a numeric scale, or a label set."""

    labels: tuple[str, ...] = ()
    scale: tuple[float, float] | None = None

    @property
    def is_scale(self) -> bool:
        return self.scale is not None

    def targets(self, answers: Sequence[str]) -> Arr:
        """(n, outputs): the score, or one-hot label indicators."""
        if self.scale is not None:
            return np.asarray([[float(a)] for a in answers], dtype=np.float64).reshape(-1, 1)
        index = {lab: i for i, lab in enumerate(self.labels)}
        y = np.zeros((len(answers), len(self.labels)))
        for r, a in enumerate(answers):
            if a in index:
                y[r, index[a]] = 1.0
        return y

    def answer(self, outputs: Arr) -> str:
        """The answer for one row of outputs: the score rounded half up into the scale, or
        the label with the highest output."""
        if self.scale is not None:
            lo, hi = self.scale
            value = float(np.clip(np.floor(float(outputs[0]) + 0.5), lo, hi))
            return str(int(value)) if value.is_integer() else str(value)
        return self.labels[int(np.argmax(outputs))]


class Population(Protocol):
    """Anything that reads texts the way it reads anyone's: outputs per row of vectors."""

    @property
    def answers(self) -> Answers: ...

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr: ...


class PopulationSource(Protocol):
    """Where the app gets the population model of a user's task (None: there is none)."""

    def for_user(self, user_id: str, answers: Answers) -> Population | None: ...


@dataclass(frozen=True, slots=True)
class Design:
    """Turns item vectors into the regression's rows (signals standardised, intercept)."""

    sig_mean: Arr
    sig_std: Arr

    @classmethod
    def fit(cls, signals: npt.ArrayLike) -> Design:
        s = np.atleast_2d(np.asarray(signals, dtype=np.float64))
        std = s.std(axis=0) if len(s) > 1 else np.ones(s.shape[1])
        return cls(s.mean(axis=0), np.where(std > 1e-9, std, 1.0))

    def rows(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        r = np.atleast_2d(np.asarray(raw, dtype=np.float64))
        s = (np.atleast_2d(np.asarray(signals, dtype=np.float64)) - self.sig_mean) / self.sig_std
        return np.hstack([r, s, np.ones((len(r), 1))])


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

    @classmethod
    def fit(cls, answers: Answers, design: Design, stats: Stats, lam: float = RIDGE_LAMBDA) -> PopulationModel:
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


def user_offset(residuals: Arr, pseudo: float = OFFSET_PSEUDO) -> Arr:
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
    """The shipped rating prior as a population model: expected stars of a text (1-5)."""

    model_id: str
    answers: Answers = Answers(scale=(1.0, 5.0))

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        from mindprint.engine.rating import load_prior, ordinal_probs

        prior = load_prior()
        if prior is None:
            return np.full((np.atleast_2d(np.asarray(signals)).shape[0], 1), 3.0)
        lat = prior.latent(self.model_id, raw, signals)
        probs = ordinal_probs(lat, prior.head_for(self.model_id).cutpoints)
        out: Arr = (probs @ np.arange(1.0, 6.0)).reshape(-1, 1)
        return out


class ShippedPopulation:
    """The default source in deployment: the shipped rating prior for 1-5 star histories;
    nothing for other scales or labels (the app then falls back to its own history)."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def for_user(self, user_id: str, answers: Answers) -> Population | None:
        if answers.scale == (1.0, 5.0):
            return PriorPopulation(self.model_id)
        return None
