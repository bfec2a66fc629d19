"""How well mindprint knows a user: a per-user backtest in time order.

The online protocol of the evaluation (``eval/online.py``) on one stored user, without
replaying feedback: each answered item is predicted from the items stored before it
(mindprint's prediction on an index of those items only), and by a model of everyone
alone: the population source's ``everyone`` (the shipped model, which never saw the
person's answers; for labels, the model of the others on a team server, else none), never
the population chosen for the person, which
may be their own history. The factor grouping is the current one, learned from
the whole history; the residuals, similar items and factor effects a prediction reads come
only from earlier items.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from mindprint import __version__
from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.deployment import PopulationSource, ShippedPopulation
from mindprint.engine.predict.index import (
    Residuals,
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
from mindprint.services.core import Core

# Positions predicted: the most recent ones (the sentence) plus a log-spaced sample of
# earlier ones (the learning curve). Each costs one index of the items before it.
RECENT = 30
MAX_POINTS = 60
# The population is chosen and the kernel fitted again once the answered history has grown
# by this factor since the last fit (always on the items before the predicted one): a fit
# per point made a fresh server's first measurement of 48 reviews take 8-10 s.
REFIT_GROWTH = 1.25
# What a kept backtest measures: raised when that changes, so one measured before is
# measured again (2: "a model of everyone" is the shipped model, not the chosen population).
MEASURE = 2
EVERYONE = "a model of everyone"
MEASURING = ("How well mindprint knows you is being measured on your history; it shows here "
             "in a few seconds.")


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
    who: str = EVERYONE  # the model the points were also predicted by, as explanations name it

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


def sentence(kind: str | None, recent: Sequence[BacktestPoint], unit: str = "",
             who: str = EVERYONE) -> str:
    """E.g. "On your last 30 ratings mindprint was off by 0.41 stars; a model of everyone, 0.72."
    (``who``: the model the points were also predicted by, as the explanations name it)."""
    if kind is None or not recent:
        return ("Nothing to predict yet: mindprint needs at least two rated or labelled items "
                "to test itself on your history.")
    n = len(recent)
    m = float(np.mean([p.error for p in recent]))
    pe = [p.population_error for p in recent if p.population_error is not None]
    if kind == "scale":
        head = f"On your last {n} ratings mindprint was off by {m:.2f}{unit} on average"
        tail = (f"; {who}, {float(np.mean(pe)):.2f}." if len(pe) == n
                else "; there is no model of everyone for this rating scale.")
        return head + tail
    right = round(n * (1 - m))
    head = f"On your last {n} labels mindprint guessed {right} right"
    if len(pe) == n:
        return head + f"; {who}, {round(n * (1 - float(np.mean(pe))))}."
    return head + "; there is no model of everyone for these labels."


def team_mark(population: PopulationSource) -> str:
    """What sets a team server's backtests apart (a model of the others among the choices):
    a database whose server turns ``MINDPRINT_TEAM`` on or off measures again."""
    return "+team" if isinstance(population, ShippedPopulation) and population.team is not None else ""


def to_json(b: Backtest) -> str:
    return json.dumps(asdict(b))


def from_json(body: str) -> Backtest:
    d = json.loads(body)
    return Backtest(d["user_id"], d["kind"], [BacktestPoint(**p) for p in d["points"]],
                    [CurveBin(**c) for c in d["curve"]], d["sentence"], d.get("who", EVERYONE))


class BacktestService:
    """Measured once per change of a user's data, and kept in the store, so every
    process (the CLI that imported, each client's server) serves the same one."""

    def __init__(self, core: Core) -> None:
        self.store, self.index, self.inputs = core.store, core.index, core.inputs
        self.population, self.pipeline = core.population, core.pipeline
        self.background = core.background
        # What a kept backtest was measured with: another extractor, embedding model,
        # population source or release measures something else.
        self.basis = (f"{__version__}|{self.pipeline.id}|{self.index.model_id}|"
                      f"{type(self.population).__name__}{team_mark(self.population)}|{MEASURE}")
        self._cache: dict[str, tuple[int, Backtest]] = {}
        self._lock = threading.Lock()

    def run(self, user_id: str | None) -> Backtest:
        """The backtest of the user's current data, measured now if nobody has yet."""
        uid, rev, kept = self._lookup(user_id)
        if kept is not None and kept[0] == rev:
            return kept[1]
        return self._measure(uid, rev)

    def latest(self, user_id: str | None) -> Backtest:
        """For a tool call, which never waits for a measurement: the backtest of the
        current data if known, else the last one measured (its sentence counts what it
        was measured on), else a note that it is being measured; the current one is then
        measured in the background."""
        uid, rev, kept = self._lookup(user_id)
        if kept is not None and kept[0] == rev:
            return kept[1]
        self.background.once("backtest", uid, lambda: self.run(uid))
        return kept[1] if kept is not None else Backtest(uid, None, [], [], MEASURING)

    def _lookup(self, user_id: str | None) -> tuple[str, int, tuple[int, Backtest] | None]:
        """The validated user id, their data's revision, and the backtest kept for them."""
        uid = self.inputs.user(user_id)
        self.store.require_user(uid)
        return uid, self.store.revision(uid), self._kept(uid)

    def _kept(self, uid: str) -> tuple[int, Backtest] | None:
        """The backtest the store keeps for the user (whichever process measured it),
        if measured on this basis. The store, not this process's memory, says what
        exists: a forgotten user's backtest is gone for every process."""
        row = self.store.get_backtest(uid)
        if row is None or row[1] != self.basis:
            return None
        with self._lock:
            hit = self._cache.get(uid)
        if hit is not None and hit[0] == row[0]:
            return hit
        kept = (row[0], from_json(row[2]))
        with self._lock:
            self._cache[uid] = kept
        return kept

    def _measure(self, uid: str, rev: int) -> Backtest:
        try:
            result = self._compute(uid)
        except ModelNotInstalledError as err:
            # The backtest reads each item's text afresh, which needs the embedding model;
            # without it the profile is still served, and says why this part is missing.
            return Backtest(uid, None, [], [], f"How well mindprint knows you is measured once "
                            f"the embedding model is installed: {err}")
        self.store.save_backtest(uid, rev, self.basis, to_json(result))
        return result

    def _compute(self, uid: str) -> Backtest:
        c = self.index.get(uid)
        answers = answers_of(c)
        if answers is None or c.signals is None:
            return Backtest(uid, None, [], [], sentence(None, []))
        order = chronological(c)
        answered = [i for i in order if _gold(c, i, answers) is not None]
        rank = {i: n for n, i in enumerate(order)}
        points: list[BacktestPoint] = []
        fit: tuple[int, Residuals] | None = None  # (answered items it saw, its residuals)
        for t in positions(len(answered)):
            sub = sub_index(c, order[: rank[answered[t]]])
            reuse = fit is not None and t < REFIT_GROWTH * fit[0]
            if fit is not None and reuse:
                sub.residuals = fit[1].fitted()
            points.append(self._point(uid, sub, answers, c, answered[t], t))
            if not reuse:
                fit = (t, sub.residuals)
        kind = "scale" if answers.is_scale else "label"
        unit = " stars" if answers.scale == (1.0, 5.0) else ""
        every = self.population.everyone(uid, answers, c)  # on a team server, the others
        who = every.who if every is not None else EVERYONE
        return Backtest(uid, kind, points, _bins(points), sentence(kind, points[-RECENT:], unit, who), who)

    def _point(
        self, uid: str, sub: UserIndex, answers: Answers, c: UserIndex, iid: int, seen: int,
    ) -> BacktestPoint:
        """One item predicted as a query would be: its text read afresh (never the features
        read from the user's own response to it), on ``sub``, the index of the items stored
        before it, whose population and kernel were chosen and fitted on items before it."""
        pq = self.pipeline.prepare_query(c.items[iid].text, sub.corpus, sub.factors, plain=False)
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
        # "A model of everyone" never saw this person's answers (see the module docstring).
        every = self.population.everyone(uid, sub_answers, sub) if sub_answers is not None else None
        base = None
        if every is not None:
            raw = np.asarray(q_vecs["raw"], dtype=np.float64)[None, :]
            base = every.answers.answer(every.outputs(raw, np.asarray(q_vecs["signals"])[None, :])[0])
        return BacktestPoint(iid, seen, gold, mine, base, answers.error(mine, gold),
                             None if base is None else answers.error(base, gold))


def _gold(c: UserIndex, iid: int, answers: Answers) -> str | None:
    it = c.items[iid]
    if answers.is_scale:
        return None if it.score is None else f"{float(it.score):g}"
    return it.label
