"""The deployment policy: which population model a deployed person's predictions depart
from, chosen by measurement on their own history. Pure.

A deployed person's population is one of:

- **shipped**: the shipped general model of review text -> rating (``data/``, trained on
  reviews of several domains), on any numeric scale (1-5 stars as is; 0.5-5 or 1-10 the
  same reading stretched linearly, the person's departure learning where they sit); on
  1-5 stars also each head shipped beside it that was fitted on one domain's reviews
  alone (instruments, beer: a pooled model of mostly beer reads instruments worse);
- **own**: the person's own history, ridge on their items read leave-one-out, once they
  have ``own_min_items`` answered items on a scale, and always for labels (nothing of
  labels ships: what someone files under which label is theirs);
- **team**: on a team server (several people in one database, ``MINDPRINT_TEAM``), a
  model of the others' answered histories (:class:`TeamPool`), as the harness's pool mode
  reads a run's other users. Members are pooled when their histories are on the same
  numeric scale and step, or both labelled (the team's labels are every member's). The
  signals' scaling is fitted on every member's items, which no answer reaches; a person's
  model is the team's ridge statistics minus their own, so it has read none of their
  answers, and on a whole-number scale its thresholds are fitted on the others' outputs;

and the kernel of their departure is refitted on their own history by the same
leave-one-out criterion as a pool's (``index.personal_kernel``). Between candidates the
one whose leave-one-out error on the person's history (population plus departure, as
answers are judged) is lowest is chosen; the first listed wins ties (shipped, team, own).

The evaluation harness passes its own source instead (``eval.population.PoolSource``).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import fit_rows, loo_errors
from mindprint.engine.predict.index import UserIndex, answer_text, population_inputs
from mindprint.engine.predict.population import (
    Answers,
    Arr,
    Design,
    OwnPopulation,
    Population,
    PopulationModel,
    PriorPopulation,
    Stats,
    fit_cuts,
)
from mindprint.engine.predict.rating import load_prior

WHO = "a model of the others on this server"


@dataclass(frozen=True, slots=True)
class Member:
    """One profile's answered history, as a population model reads it."""

    user_id: str
    answers: Answers  # what the history answers (``index.answers_of``)
    raw: Arr  # (n, dim) sentence-mean embeddings
    signals: Arr  # (n, signals)
    given: tuple[str, ...]  # the n answers


def alike(a: Answers, b: Answers) -> bool:
    """Whether two histories answer alike enough to be read by one model."""
    if a.is_scale or b.is_scale:
        return a.scale == b.scale and a.step == b.step
    return True


class TeamPool:
    """The answered histories of a team's members who answer alike, as ridge statistics;
    each person's model of the others on demand."""

    def __init__(self, answers: Answers, members: Sequence[Member], model_id: str,
                 key: Hashable = None) -> None:
        self.key = key
        self.answers = answers
        stars = answers.scale == (1.0, 5.0) and answers.step == 1.0
        self.design = Design.fit(np.vstack([m.signals for m in members]), model_id if stars else None)
        rows = [self.design.rows(m.raw, m.signals) for m in members]
        self._stats = {m.user_id: Stats.of(x, answers.targets(m.given)) for m, x in zip(members, rows, strict=True)}
        self._total = functools.reduce(operator.add, self._stats.values())
        # On a whole-number scale, every member's rows stacked once, and whose each is: a
        # person's thresholds read the others' outputs, one product over them all.
        self._cut = answers.scale is not None and answers.step == 1.0
        self._x = np.vstack(rows) if self._cut else np.zeros((0, 0))
        self._owner = np.repeat([m.user_id for m in members], [len(x) for x in rows])
        self._given = [a for m in members for a in m.given]
        self._models: dict[str, PopulationModel | None] = {}

    @classmethod
    def of(cls, mine: Answers, members: Sequence[Member], model_id: str,
           key: Hashable = None) -> TeamPool | None:
        """The pool of the members who answer like ``mine``; None when it has no member."""
        kept = [m for m in members if len(m.given) and alike(mine, m.answers)]
        if not kept:
            return None
        answers = mine
        if not mine.is_scale:
            answers = Answers(labels=tuple(sorted({a for m in kept for a in m.given})))
        return cls(answers, kept, model_id, key)

    def model_for(self, user_id: str) -> PopulationModel | None:
        """The model of every member but ``user_id`` (None: fewer than
        ``MODEL.team_min_people`` others, or fewer than ``MODEL.own_min_items`` answered
        items of theirs, too few to read anyone by)."""
        if user_id not in self._models:
            self._models[user_id] = self._fit(user_id)
        return self._models[user_id]

    def _fit(self, user_id: str) -> PopulationModel | None:
        own = self._stats.get(user_id)
        stats = self._total - own if own is not None else self._total
        if len(self._stats) - (own is not None) < MODEL.team_min_people or stats.n < MODEL.own_min_items:
            return None
        model = PopulationModel.fit(self.answers, self.design, stats)
        answers = self.answers
        if self._cut and answers.scale is not None:
            answers = replace(answers, cuts=self._cuts(model, user_id, answers.scale))
        return replace(model, answers=answers, personal=True, who=WHO)

    def _cuts(self, model: PopulationModel, user_id: str, scale: tuple[float, float]) -> tuple[float, ...]:
        """The scale's thresholds, fitted on the others' in-sample outputs."""
        others = self._owner != user_id
        levels = [float(a) for a, keep in zip(self._given, others, strict=True) if keep]
        return fit_cuts((self._x @ model.weights)[others, 0], levels, *scale)


class Team(Protocol):
    """Where a deployed app finds the other profiles of its database (a team server)."""

    def pool(self, user_id: str, answers: Answers) -> TeamPool | None:
        """The team's pool for a person who answers like ``answers`` (None: no team)."""
        ...


class PopulationSource(Protocol):
    """Where the app gets the population model of a user's task (None: there is none)."""

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None: ...

    def everyone(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        """The model of everyone a person's factor statistics are measured against (their
        effects are "beyond what a model of everyone reads in the text"); None: none."""
        ...


def stars(answers: Answers) -> bool:
    """Whether the answers are 1-5 whole stars (the scale the shipped heads were fitted on)."""
    return answers.scale == (1.0, 5.0) and answers.step == 1.0


def shipped_answers(answers: Answers, domain: str | None = None) -> Answers:
    """The answers as the shipped model (or its ``domain`` head) gives them: on 1-5 stars,
    past the thresholds it ships with (fitted out of fold on its training reviews)."""
    prior = load_prior()
    cuts = None if prior is None else prior.cuts if domain is None else prior.domains[domain].cuts
    if stars(answers) and cuts:
        return replace(answers, cuts=cuts)
    return answers


def shipped(model_id: str, answers: Answers) -> list[Population]:
    """The shipped populations of a scale: the pooled head, and on 1-5 stars read by the
    embedder the heads were fitted for, each domain's head."""
    out: list[Population] = [PriorPopulation(model_id, shipped_answers(answers))]
    prior = load_prior()
    if prior is None or not stars(answers) or prior.model_id != model_id:
        return out
    return out + [PriorPopulation(model_id, shipped_answers(answers, name),
                                  who=f"a model of everyone's {d.label}", domain=name)
                  for name, d in prior.domains.items()]


def answered_inputs(c: UserIndex, answers: Answers) -> tuple[Arr, Arr, list[str]] | None:
    """What population models read of the user's answered items, and their answers
    (None: none is answered)."""
    inputs = population_inputs(c)
    if inputs is None:
        return None
    rows = [(n, a) for n, i in enumerate(c.ids) if (a := answer_text(c.items[i], answers)) is not None]
    if not rows:
        return None
    idx = [n for n, _ in rows]
    raw = np.asarray(inputs[0][idx], dtype=np.float64)
    return raw, np.asarray(inputs[1][idx], dtype=np.float64), [a for _, a in rows]


def own(answers: Answers, c: UserIndex) -> OwnPopulation | None:
    """The person's own answered history as a population (None without any)."""
    got = answered_inputs(c, answers)
    return OwnPopulation.fit(answers, *got) if got is not None else None


def candidates(model_id: str, answers: Answers, c: UserIndex,
               team: Population | None = None) -> list[Population]:
    """The populations a deployed person may get, the shipped pooled one first, then the
    model of their team's others (``team``) if there is one."""
    out: list[Population] = []
    if answers.is_scale:
        out += shipped(model_id, answers)
    if team is not None:
        out.append(team)
    if answers.is_scale and len(c.scored) < MODEL.own_min_items:
        return out
    mine = own(answers, c)
    return out + ([mine] if mine is not None else [])


def loo_error(pop: Population, c: UserIndex) -> float:
    """The person's mean leave-one-out error under ``pop`` and their fitted kernel."""
    hist, kernel = c.residuals.under(pop, c)
    if len(hist) < 2:
        return float("inf")
    return float(np.mean(loo_errors(kernel, [fit_rows(hist)], pop.answers)))


def choose(found: list[Population], c: UserIndex) -> Population | None:
    """The candidate with the least leave-one-out error (the first of a tie)."""
    if len(found) <= 1:
        return found[0] if found else None
    errors = [loo_error(p, c) for p in found]
    best = found[int(np.argmin(errors))]
    c.residuals.under(best, c)  # keep the chosen one's residuals for the queries to come
    return best


class ShippedPopulation:
    """The deployed app's population source: the policy above, chosen once per index and
    team (``team``: the other profiles of the database, on a team server)."""

    def __init__(self, model_id: str, team: Team | None = None) -> None:
        self.model_id = model_id
        self.team = team

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        pool = self.team.pool(user_id, answers) if self.team is not None else None
        theirs = pool.model_for(user_id) if pool is not None else None
        return c.residuals.chosen(
            ("shipped", answers, pool.key if pool is not None else None),
            lambda: choose(candidates(self.model_id, answers, c, theirs), c),
        )

    def everyone(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        """The shipped model on a scale; for labels, the model of the team's others."""
        if answers.is_scale:
            return PriorPopulation(self.model_id, shipped_answers(answers))
        pool = self.team.pool(user_id, answers) if self.team is not None else None
        return pool.model_for(user_id) if pool is not None else None
