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

**The forward gate.** That choice is optimistic on a few dozen items (the winner is scored
on the items it was chosen on), so on a scale it is kept only if it holds up forward. Each
of the person's latest ``MODEL.forward_points`` answered items is predicted from the items
before it only, by what the policy fits on those items (population, kernel, residuals; fitted
again once the answered history has grown by ``MODEL.refit_growth``), as a query of its text
would be: its stored vectors and tone, and the factor values read from its text, never from
the person's reaction to it (a request rarely names the aspect the reaction judged). The same
record is kept for the baseline: the person's usual offset and no other departure, from the
shipped head that reads them best (an offset-only kernel: with ``MODEL.pseudo_items`` of
shrinkage its posterior mean is the shrunk mean residual of the items that reach it). The
person keeps the fitted choice when its forward mean error is at most the baseline's less
``MODEL.forward_margin`` (0: a tie keeps it); otherwise they get the baseline, served by the
same predictor. Labels are not gated: nothing of labels ships, so there is no baseline that
was not fitted on the person (gated against their own history plus offset, TweetEval lost on
dev). The harness's deployment mode runs this class, so it measures what a lone server serves.

In pool mode the evaluation harness passes its own source instead (``eval.population.PoolSource``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Protocol

import numpy as np

from mindprint.engine.features.extract import is_free_text
from mindprint.engine.features.turns import CHAT_KINDS
from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import Query, departure, fit_rows, loo_errors
from mindprint.engine.predict.index import (
    Residuals,
    UserIndex,
    answer_text,
    answers_of,
    chronological,
    population_inputs,
    sub_index,
)
from mindprint.engine.predict.kernel import Kernel, Offset
from mindprint.engine.predict.population import (
    Answers,
    Arr,
    OwnPopulation,
    Population,
    PriorPopulation,
)
from mindprint.engine.predict.rating import load_prior
from mindprint.engine.predict.retrieval import among, top_k
from mindprint.engine.types import Item


class PopulationSource(Protocol):
    """Where the app gets the population model of a user's task (None: there is none)."""

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None: ...

    def ungated(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        """The population the policy chooses before any gate on its forward record (what a
        lone server's baselines read; a source without a gate: ``for_user``)."""
        ...

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


# What a policy gives the items before a point: the population it departs from (None: none).
Policy = Callable[[UserIndex, Answers], Population | None]

# The baseline's kernel: the person's usual offset only, shrunk as ``user_offset`` is.
OFFSET_ONLY = Kernel((Offset(1.0 / MODEL.pseudo_items),), 1.0)


def plain(pop: Population) -> Population:
    """``pop`` served with the person's usual offset and no other departure."""
    return replace(pop, kernel=OFFSET_ONLY, personal=False)  # type: ignore[type-var]


def query_factors(it: Item, values: Mapping[str, float]) -> Mapping[str, float]:
    """The factor values a query of the item's text would carry: its stored ones, unless
    part of them was read from the person's reaction to it (none then)."""
    reacted = it.kind not in CHAT_KINDS and bool(it.input.strip()) and is_free_text(it.response)
    return {} if reacted else values


def predicted(sub: UserIndex, pop: Population, c: UserIndex, iid: int) -> str:
    """Item ``iid`` of ``c`` predicted on ``sub`` (the items before it) under ``pop``, as a
    query of its text is: retrieval among the answered items, then the departure."""
    row = c.ids.index(iid)
    assert c.signals is not None
    raw = np.asarray(c.vectors["raw"][row], dtype=np.float64)
    q_vecs = {"features": c.vectors["features"][row], "raw": c.vectors["raw"][row]}
    tone = (float(c.tone[row]), sub.tone) if c.tone is not None and sub.tone is not None else None
    answered = [i for i in sub.ids if answer_text(sub.items[i], pop.answers) is not None]
    ids, vecs, sub_tone = among(answered, sub.ids, sub.vectors, tone)
    weight = MODEL.tone_weight if sub.tone_from_prior else MODEL.tone_weight_lexicon
    near = [h.item_id for h in top_k(q_vecs, ids, vecs, MODEL.predict_k, tone=sub_tone,
                                     tone_weight=weight)]
    hist, kernel = sub.residuals.under(pop, sub)
    out = pop.outputs(raw, c.signals[row])[0]  # its text, as a query's (not the answer rated)
    factors = query_factors(c.items[iid], c.factor_values.get(iid, {}))
    dep = departure(hist, near, Query(out, raw, factors), kernel)
    return pop.answers.answer(out + dep.total)


def record(c: UserIndex, answers: Answers, policy: Policy, key: str,
           points: int = MODEL.forward_points) -> Arr:
    """The error of each of the person's latest ``points`` answered items (after the
    first) predicted forward under ``policy`` (NaN: nothing to predict from yet)."""
    order = chronological(c)
    answered = [i for i in order if answer_text(c.items[i], answers) is not None]
    rank = {i: n for n, i in enumerate(order)}
    out: list[float] = []
    fit: tuple[int, Residuals] | None = None  # (answered items it saw, its residuals)
    for t in range(max(1, len(answered) - points), len(answered)):
        iid = answered[t]
        sub = sub_index(c, order[: rank[iid]])
        reuse = fit is not None and t < MODEL.refit_growth * fit[0]
        if fit is not None and reuse:
            sub.residuals = fit[1].fitted()
        a = answers_of(sub)
        pop = None if a is None else sub.residuals.chosen((key, a), partial(policy, sub, a))
        gold = answer_text(c.items[iid], answers)
        assert gold is not None
        out.append(np.nan if pop is None else answers.error(predicted(sub, pop, c, iid), gold))
        if not reuse and pop is not None:
            fit = (t, sub.residuals)
    return np.asarray(out, dtype=np.float64)


def earns(model: Arr, baseline: Arr, margin: float = MODEL.forward_margin) -> bool:
    """Whether the model's forward errors are, on average over the items both predicted,
    at most the baseline's less ``margin`` (a tie keeps the model; nothing predicted: it
    does not)."""
    both = ~(np.isnan(model) | np.isnan(baseline))
    if not both.any():
        return False
    return bool(float(np.mean(baseline[both] - model[both])) >= margin)


def gate(c: UserIndex, answers: Answers, model: Policy, baseline: Policy) -> Population | None:
    """The person's population: the model policy's choice on their whole history if its
    forward record earns it, else the baseline's."""
    if earns(record(c, answers, model, "model"), record(c, answers, baseline, "baseline")):
        return model(c, answers)
    return baseline(c, answers)


class ShippedPopulation:
    """The deployed app's population source: the policy above, chosen once per index."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        if not answers.is_scale:  # no baseline ships for labels (benchmarks/README.md)
            return self.fit(c, answers)
        return c.residuals.chosen(("gated", answers), lambda: gate(c, answers, self.fit, self.baseline))

    def ungated(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        return self.fit(c, answers)

    def fit(self, c: UserIndex, answers: Answers) -> Population | None:
        """The policy's choice among the candidates, with its kernel fitted (ungated)."""
        return c.residuals.chosen(("fit", answers), lambda: choose(candidates(self.model_id, answers, c), c))

    def baseline(self, c: UserIndex, answers: Answers) -> Population | None:
        """The person's usual offset and no other departure, from the shipped head that
        reads them best by leave-one-out (a scale's: labels have none)."""
        return choose([plain(p) for p in shipped(self.model_id, answers)], c) if answers.is_scale else None

    def everyone(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        return PriorPopulation(self.model_id, shipped_answers(answers)) if answers.is_scale else None
