"""The harness's models of everyone: fitted leave-user-out on the other users of the run.

For every user of a run, ``population_text`` is a ridge model of the answers of *all
the other users' histories* reading the same item representation mindprint reads (the
sentence-mean embedding and the lexicon signals), so it knows the domain but nothing of
this person. For 1-5 ratings a second candidate is the shipped rating prior alone. The
``*_offset`` variants add the simplest personalization there is: a shrunk per-user
offset (ratings: the user's mean residual against the model; labels: the user's mean
residual per label, i.e. their label-frequency shift). mindprint's lift is measured
against the better population candidate and against its offset variant.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from mindprint.engine.features.extract import text_signals
from mindprint.engine.pipeline import embed_mean
from mindprint.engine.predict.departure import Evidence, History, fit_kernel
from mindprint.engine.predict.index import UserIndex
from mindprint.engine.predict.kernel import Kernel
from mindprint.engine.predict.population import (
    Answers,
    Arr,
    Design,
    PopulationModel,
    fit_cuts,
    pool_stats,
    user_offset,
)
from mindprint.engine.predict.rating import fit_effects, load_prior, median_label, ordinal_probs
from mindprint.engine.protocols import Embedder
from mindprint.eval.examples import DatasetError, ProfileItem, TaskInfo, UserCase


def answer_of(p: ProfileItem, answers: Answers) -> str | None:
    if answers.is_scale:
        return None if p.score is None else str(p.score)
    return p.label


@dataclass(frozen=True, slots=True)
class Reps:
    """Item representations: sentence-mean embeddings and raw lexicon signals."""

    raw: Arr
    signals: Arr


def represent(embedder: Embedder, texts: Sequence[str]) -> Reps:
    raw = np.asarray(embed_mean(embedder, texts), dtype=np.float64)
    sig = np.asarray([text_signals(t) for t in texts], dtype=np.float64).reshape(len(texts), -1)
    return Reps(raw, sig)


@dataclass(frozen=True, slots=True)
class UserPopulation:
    """The population model of everyone but one user, and that user's history under it."""

    model: PopulationModel
    history: Reps
    history_answers: tuple[str, ...]
    model_id: str

    def residuals(self) -> Arr:
        if not self.history_answers:
            return np.zeros((0, self.model.weights.shape[1]))
        y = self.model.answers.targets(self.history_answers)
        out: Arr = y - self.model.outputs(self.history.raw, self.history.signals)
        return out

    def text(self, q: Reps) -> str:
        return self.model.answer(q.raw, q.signals)

    def text_offset(self, q: Reps) -> str:
        out = self.model.outputs(q.raw, q.signals)[0] + user_offset(self.residuals())
        return self.model.answers.answer(out)

    def prior(self, q: Reps, *, offset: bool) -> str:
        """The shipped rating prior's median (optionally with the user's intercept)."""
        prior = load_prior()
        if prior is None:
            return ""
        head = prior.head_for(self.model_id)
        lat = float(prior.latent(self.model_id, q.raw, q.signals)[0])
        if offset and self.history_answers:
            hist = prior.latent(self.model_id, self.history.raw, self.history.signals)
            y = np.clip(np.rint([float(a) for a in self.history_answers]), 1, 5).astype(np.int64)
            b = fit_effects(hist, y, np.ones((len(y), 1)), head.cutpoints, [head.user_var])
            lat += float(b[0])
        return str(median_label(ordinal_probs(np.array([lat]), head.cutpoints)[0]))


class PopulationPool:
    """Every user's history of a run as ridge statistics; leave-user-out models on demand."""

    def __init__(self, cases: Sequence[UserCase], info: TaskInfo, embedder: Embedder) -> None:
        self.embedder = embedder
        self.answers = Answers(labels=info.labels, scale=info.scale)
        texts: dict[str, int] = {}
        for case in cases:
            for p in case.profile:
                texts.setdefault(p.text, len(texts))
        reps = represent(embedder, list(texts))
        stars = info.scale == (1.0, 5.0)
        self.design = Design.fit(reps.signals, embedder.model_id if stars else None)
        self._history: dict[str, tuple[Reps, tuple[str, ...]]] = {}
        # Each history item's date, to order it as the app does (by date, then as imported).
        self._dates: dict[str, tuple[str, ...]] = {}
        for case in cases:
            kept = [(texts[p.text], a, p.date or "") for p in case.profile
                    if (a := answer_of(p, self.answers)) is not None]
            idx = [i for i, _, _ in kept]
            self._history[case.user_id] = (
                Reps(reps.raw[idx], reps.signals[idx]),
                tuple(a for _, a, _ in kept),
            )
            self._dates[case.user_id] = tuple(d for _, _, d in kept)
        per_user = pool_stats(
            self.answers,
            self.design,
            {u: (r.raw, r.signals, a) for u, (r, a) in self._history.items()},
        )
        if not per_user:
            raise DatasetError(
                "no user of this run has a labelled history: the population model is "
                "fitted on the other users' answers, so it needs some"
            )
        self._stats = per_user
        self._total = functools.reduce(operator.add, per_user.values())
        self._models: dict[str, PopulationModel] = {}
        self.answers, self.kernel = self.fitted(frozenset())

    def fitted(self, exclude: frozenset[str]) -> tuple[Answers, Kernel]:
        """The scale's thresholds and the departure kernel, fitted on the histories of
        every user but ``exclude`` (the online protocol fits them on the other half of
        the users, so nothing is fitted on the items it predicts)."""
        answers = self.answers
        if answers.scale is not None:
            answers = self._calibrated(answers.scale, exclude)
        return answers, self._fitted_kernel(answers, exclude)

    def _fitted_kernel(self, answers: Answers, exclude: frozenset[str]) -> Kernel:
        """How this run's users depart from a model of everyone: the departure model's
        prior, chosen on their histories (never on questions). Each user's residuals are
        under the model of the *other* users, as mindprint sees them: in-sample residuals
        of a ridge on a few thousand items hide most of what is personal."""
        histories = []
        for uid, (reps, given) in self._history.items():
            if len(given) < 2 or uid in exclude:
                continue
            outs = self._model(uid).outputs(reps.raw, reps.signals)
            res = answers.targets(given) - outs
            histories.append(History.of(
                [Evidence(n, res[n], outs[n], reps.raw[n]) for n in range(len(given))],
                answers, outs.shape[1], self.chronological(uid),
            ))
        return fit_kernel(histories, answers)

    def chronological(self, user_id: str) -> list[int]:
        """The rows of a user's history, oldest first (by date, then as imported), as the
        app orders the imported items (``index.chronological``)."""
        dates = self._dates[user_id]
        return sorted(range(len(dates)), key=lambda n: (dates[n], n))

    def _calibrated(self, scale: tuple[float, float], exclude: frozenset[str]) -> Answers:
        """The scale with thresholds fitted on everyone's in-sample predictions (everyone
        but ``exclude``)."""
        stats = functools.reduce(operator.add, [s for u, s in self._stats.items() if u not in exclude])
        model = PopulationModel.fit(self.answers, self.design, stats)
        values: list[float] = []
        levels: list[float] = []
        for uid, (reps, answers) in self._history.items():
            if answers and uid not in exclude:
                values.extend(model.outputs(reps.raw, reps.signals)[:, 0].tolist())
                levels.extend(float(a) for a in answers)
        return Answers(scale=scale, cuts=fit_cuts(values, levels, *scale))

    def _model(self, user_id: str) -> PopulationModel:
        """The model of everyone but ``user_id``, solved once per run (the kernel fit, the
        baselines and mindprint all read it)."""
        model = self._models.get(user_id)
        if model is None:
            own = self._stats.get(user_id)
            stats = self._total - own if own is not None else self._total
            model = self._models[user_id] = PopulationModel.fit(self.answers, self.design, stats)
        return model

    def for_user(self, user_id: str, fitted: tuple[Answers, Kernel] | None = None) -> UserPopulation:
        """``fitted``: the thresholds and kernel to use instead of the run's (the online
        protocol's, fitted without this user's half of the run)."""
        reps, answers = self._history[user_id]
        scale, kernel = fitted or (self.answers, self.kernel)
        model = replace(self._model(user_id), kernel=kernel, answers=scale)
        return UserPopulation(model, reps, answers, self.embedder.model_id)

    def has_user(self, user_id: str) -> bool:
        return user_id in self._history

    def query(self, text: str) -> Reps:
        return represent(self.embedder, [text])

    def query_many(self, texts: Sequence[str]) -> Reps:
        return represent(self.embedder, texts)



class PoolSource:
    """The app's population source in a run: each user's leave-user-out model.

    Users are stored as ``<prefix><user id>``; a model is solved once per user."""

    def __init__(self, pool: PopulationPool, prefix: str,
                 fitted: Mapping[str, tuple[Answers, Kernel]] | None = None) -> None:
        """``fitted``: per user, the thresholds and kernel to read them with (default: the
        run's)."""
        self.pool = pool
        self.prefix = prefix
        self.fitted = fitted or {}
        self._models: dict[str, PopulationModel] = {}

    def for_user(self, user_id: str, answers: Answers, c: UserIndex | None = None) -> PopulationModel | None:
        uid = user_id.removeprefix(self.prefix)
        if uid not in self._models:
            if not self.pool.has_user(uid):
                return None
            self._models = {uid: self.pool.for_user(uid, self.fitted.get(uid)).model}  # one at a time
        return self._models[uid]

    def everyone(self, user_id: str, answers: Answers, c: UserIndex | None = None) -> PopulationModel | None:
        return self.for_user(user_id, answers, c)
