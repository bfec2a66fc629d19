"""How well mindprint knows a user: a per-user backtest in time order.

The online protocol of the evaluation (``eval/online.py``) on one stored user, without
replaying feedback: each answered item is predicted from the items stored before it
(mindprint's prediction on an index of those items only), and from the population
model alone (a model of everyone). The factor grouping is the current one, learned from
the whole history; the residuals, similar items and factor effects a prediction reads come
only from earlier items.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.deployment import PopulationSource
from mindprint.engine.predict.index import (
    UserIndex,
    answers_of,
    chronological,
    query_tone,
    sub_index,
)
from mindprint.engine.predict.population import Answers
from mindprint.engine.predict.predictor import predict
from mindprint.engine.predict.retrieval import top_k
from mindprint.errors import ModelNotInstalledError
from mindprint.services.index import IndexCache
from mindprint.services.inputs import Inputs
from mindprint.store import Store

# Positions predicted: the most recent ones (the sentence) plus a log-spaced sample of
# earlier ones (the learning curve). Each costs one index of the items before it.
RECENT = 30
MAX_POINTS = 60


@dataclass(frozen=True, slots=True)
class BacktestPoint:
    item_id: int
    seen: int  # answered items stored before this one
    gold: str
    mindprint: str
    population: str | None
    error: float  # absolute error (scale) or 1 - correct (labels)
    population_error: float | None


@dataclass(frozen=True, slots=True)
class CurveBin:
    lo: int
    hi: int
    n: int
    error: float
    population_error: float | None


@dataclass(frozen=True, slots=True)
class Backtest:
    user_id: str
    kind: str | None  # "scale", "label", or None: nothing answered to predict
    points: list[BacktestPoint]
    curve: list[CurveBin]
    sentence: str

    @property
    def recent(self) -> list[BacktestPoint]:
        return self.points[-RECENT:]


def positions(n: int) -> list[int]:
    """Which answered items (by time rank, from 1) to predict: the last RECENT ones and
    1, 2, 3, 4, 6, 8, 12, 16, ... before them, at most MAX_POINTS in all."""
    chosen = set(range(max(1, n - RECENT), n))
    step = 1
    while step < n and len(chosen) < MAX_POINTS:
        chosen.update(p for p in (step, step + step // 2) if p < n)
        step *= 2
    return sorted(chosen)


def _bins(points: Sequence[BacktestPoint]) -> list[CurveBin]:
    out: list[CurveBin] = []
    lo = 1
    while points and lo <= max(p.seen for p in points):
        hi = 2 * lo - 1
        got = [p for p in points if lo <= p.seen <= hi]
        if got:
            pe = [p.population_error for p in got if p.population_error is not None]
            out.append(CurveBin(lo, hi, len(got), float(np.mean([p.error for p in got])),
                                float(np.mean(pe)) if len(pe) == len(got) else None))
        lo *= 2
    return out


def sentence(kind: str | None, recent: Sequence[BacktestPoint], unit: str = "") -> str:
    """E.g. "On your last 30 ratings mindprint was off by 0.41 stars; a model of everyone, 0.72."."""
    if kind is None or not recent:
        return ("Nothing to predict yet: mindprint needs at least two rated or labelled items "
                "to test itself on your history.")
    n = len(recent)
    m = float(np.mean([p.error for p in recent]))
    pe = [p.population_error for p in recent if p.population_error is not None]
    if kind == "scale":
        head = f"On your last {n} ratings mindprint was off by {m:.2f}{unit} on average"
        tail = (f"; a model of everyone, {float(np.mean(pe)):.2f}." if len(pe) == n
                else "; there is no model of everyone for this rating scale.")
        return head + tail
    right = round(n * (1 - m))
    head = f"On your last {n} labels mindprint guessed {right} right"
    if len(pe) == n:
        return head + f"; a model of everyone, {round(n * (1 - float(np.mean(pe))))}."
    return head + "; there is no model of everyone for these labels."


class BacktestService:
    def __init__(self, store: Store, index: IndexCache, inputs: Inputs,
                 population: PopulationSource, pipeline: Pipeline) -> None:
        self.store, self.index, self.inputs, self.population = store, index, inputs, population
        self.pipeline = pipeline
        self._cache: dict[str, tuple[int, Backtest]] = {}
        self._lock = threading.Lock()

    def run(self, user_id: str | None) -> Backtest:
        """The user's backtest, recomputed only when their data changed."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        rev = self.store.revision(uid)
        with self._lock:
            hit = self._cache.get(uid)
        if hit is not None and hit[0] == rev:
            return hit[1]
        try:
            result = self._compute(uid)
        except ModelNotInstalledError as err:
            # The backtest reads each item's text afresh, which needs the embedding model;
            # without it the profile is still served, and says why this part is missing.
            return Backtest(uid, None, [], [], f"How well mindprint knows you is measured once "
                            f"the embedding model is installed: {err}")
        with self._lock:
            self._cache[uid] = (rev, result)
        return result

    def _compute(self, uid: str) -> Backtest:
        c = self.index.get(uid)
        answers = answers_of(c)
        if answers is None or c.signals is None:
            return Backtest(uid, None, [], [], sentence(None, []))
        order = chronological(c)
        answered = [i for i in order if _gold(c, i, answers) is not None]
        rank = {i: n for n, i in enumerate(order)}
        points = [
            self._point(uid, c, answers, order[: rank[answered[t]]], answered[t], t)
            for t in positions(len(answered))
        ]
        kind = "scale" if answers.is_scale else "label"
        unit = " stars" if answers.scale == (1.0, 5.0) else ""
        return Backtest(uid, kind, points, _bins(points), sentence(kind, points[-RECENT:], unit))

    def _point(
        self, uid: str, c: UserIndex, answers: Answers, before: list[int], iid: int, seen: int,
    ) -> BacktestPoint:
        """One item predicted as a query would be: its text read afresh (never the features
        read from the user's own response to it), the population chosen and the kernel
        fitted on the items stored before it only."""
        sub = sub_index(c, before)
        pq = self.pipeline.prepare_query(c.items[iid].text, sub.corpus, sub.factors)
        q_vecs = pq.vectors
        tone = None
        if sub.tone is not None and len(sub.tone):
            tone = (query_tone(self.index.model_id, sub, pq), sub.tone)
        weight = MODEL.tone_weight if sub.tone_from_prior else MODEL.tone_weight_lexicon
        near = [h.item_id for h in top_k(q_vecs, sub.ids, sub.vectors, MODEL.predict_k,
                                         tone=tone, tone_weight=weight)] if sub.ids else []
        sub_answers = answers_of(sub) if sub.ids else None
        pop = self.population.for_user(uid, sub_answers, sub) if sub_answers is not None else None
        pred = predict(sub, pq, pop, near)
        gold = str(_gold(c, iid, answers))
        mine = pred.label if pred is not None else ""
        base = None
        if pop is not None:
            raw = np.asarray(q_vecs["raw"], dtype=np.float64)[None, :]
            base = pop.answers.answer(pop.outputs(raw, np.asarray(q_vecs["signals"])[None, :])[0])
        return BacktestPoint(iid, seen, gold, mine, base, answers.error(mine, gold),
                             None if base is None else answers.error(base, gold))


def _gold(c: UserIndex, iid: int, answers: Answers) -> str | None:
    it = c.items[iid]
    if answers.is_scale:
        return None if it.score is None else f"{float(it.score):g}"
    return it.label
