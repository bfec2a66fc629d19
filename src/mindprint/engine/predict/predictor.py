"""The user's likely answer to a query: the population's answer moved by their departures. Pure.

The population model is the deployment policy's choice for a deployed person
(:mod:`mindprint.engine.predict.deployment`: the shipped model, or their own history)
or the harness's leave-user-out model; the answer is its output plus the posterior mean
of the user's departure (:mod:`mindprint.engine.predict.departure`) over the retrieved
items, under the kernel fitted for them: the similar items *do* move the answer, through
the kernel's similar part. Ratings on any scale and labels go through the same code;
only the answer rule differs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mindprint.engine.pipeline import PreparedQuery
from mindprint.engine.predict.departure import Query, departure
from mindprint.engine.predict.explain import Explanation, explain
from mindprint.engine.predict.index import UserIndex, factor_values
from mindprint.engine.predict.population import Answers, Arr, Population


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    value: float | None
    distribution: dict[str, float] = field(default_factory=dict)
    explanation: Explanation = field(default_factory=lambda: Explanation((), ""))


def predict(
    c: UserIndex,
    pq: PreparedQuery,
    population: Population | None = None,
    similar: Sequence[int] = (),
) -> Prediction | None:
    """The user's likely answer: the population's answer plus this user's departures
    (None when the history answers nothing, so there is no population to depart from)."""
    if population is None:
        return None
    return predict_personal(population, c, pq, similar)


def predict_personal(
    pop: Population, c: UserIndex, pq: PreparedQuery, similar: Sequence[int]
) -> Prediction:
    """The population's answer moved by this user's departures."""
    answers = pop.answers
    hist, kernel = c.residuals.under(pop, c)
    raw = np.asarray(pq.vectors["raw"], dtype=np.float64).reshape(-1)
    q_out = pop.outputs(raw, pq.vectors["signals"])[0]
    dep = departure(hist, similar, Query(q_out, raw, factor_values(pq.features)), kernel)
    out = q_out + dep.total
    read = set(dep.retrieved) | set(dep.latest)
    labels = [str(c.items[i].label) for i in read] if not answers.is_scale else []
    why = explain(answers, q_out, dep, Counter(labels), {f.id: f.name for f in c.factors}, pop.who)
    if answers.is_scale:
        return Prediction(answers.answer(out), round(float(out[0]), 3), explanation=why)
    return Prediction(answers.answer(out), None, _label_scores(answers, out), why)


def _label_scores(answers: Answers, out: Arr) -> dict[str, float]:
    return {lab: round(float(v), 4) for lab, v in zip(answers.labels, out, strict=True)}
