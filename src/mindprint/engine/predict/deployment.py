"""The deployment policy: which population model a deployed person's predictions depart
from, chosen by measurement on their own history. Pure.

A single deployed person has no pool of other people (the harness's leave-user-out model
is not there), so their population is one of:

- **shipped**: the shipped general model of review text -> rating (``data/``, trained on
  reviews of several domains), on any numeric scale (1-5 stars as is; 0.5-5 or 1-10 the
  same reading stretched linearly, the person's departure learning where they sit); on
  1-5 stars also each head shipped beside it that was fitted on one domain's reviews
  alone (instruments, beer: a pooled model of mostly beer reads instruments worse);
- **own**: the person's own history, ridge on their items read leave-one-out, once they
  have ``own_min_items`` answered items on a scale, and always for labels (nothing of
  labels ships: what someone files under which label is theirs);

and the kernel of their departure is refitted on their own history by the same
leave-one-out criterion as a pool's (``index.personal_kernel``). Between candidates the
one whose leave-one-out error on the person's history (population plus departure, as
answers are judged) is lowest is chosen; the shipped model wins ties.

The evaluation harness passes its own source instead (``eval.population.PoolSource``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import fit_rows, loo_errors
from mindprint.engine.predict.index import UserIndex, answer_text, population_inputs
from mindprint.engine.predict.population import Answers, OwnPopulation, Population, PriorPopulation
from mindprint.engine.predict.rating import load_prior


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


def own(answers: Answers, c: UserIndex) -> OwnPopulation | None:
    """The person's own answered history as a population (None without any)."""
    inputs = population_inputs(c)
    if inputs is None:
        return None
    rows = [(n, a) for n, i in enumerate(c.ids) if (a := answer_text(c.items[i], answers)) is not None]
    if not rows:
        return None
    idx = [n for n, _ in rows]
    return OwnPopulation.fit(answers, inputs[0][idx], inputs[1][idx], [a for _, a in rows])


def candidates(model_id: str, answers: Answers, c: UserIndex) -> list[Population]:
    """The populations a deployed person may get, the shipped pooled one first."""
    out: list[Population] = []
    if answers.is_scale:
        out += shipped(model_id, answers)
        if len(c.scored) < MODEL.own_min_items:
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
    """The deployed app's population source: the policy above, chosen once per index."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        return c.residuals.chosen(
            ("shipped", answers), lambda: choose(candidates(self.model_id, answers, c), c)
        )

    def everyone(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        return PriorPopulation(self.model_id, shipped_answers(answers)) if answers.is_scale else None
