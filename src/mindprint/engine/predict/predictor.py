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
from mindprint.engine.predict.explain import Explanation, Reason, ReasonKind, explain
from mindprint.engine.predict.index import UserIndex, answers_of, factor_values
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
    """The user's likely answer: the population's answer plus this user's departures.
    Without a population, labels given before their texts are read (the first items, before
    the first build) are answered by how often each was given; None when the history
    answers nothing."""
    if population is None:
        return most_given(c)
    return predict_personal(population, c, pq, similar)


def most_given(c: UserIndex) -> Prediction | None:
    """The label this user has given most (the latest of a tie), with each label's share:
    what a history of labels says before any of its texts is read."""
    answers = answers_of(c)
    if answers is None or answers.is_scale:
        return None  # not a history of labels (ratings always have the shipped population)
    given = [str(it.label) for it in sorted(c.labelled, key=lambda it: (it.created_at or "", it.id))]
    counts = Counter(given)
    top = max(counts.values())
    label = next(lab for lab in reversed(given) if counts[lab] == top)
    why = Explanation((Reason(ReasonKind.NOTE, f"the label this user gave most so far ({top} of "
                                              f"{len(given)}); no text of theirs is read yet"),), label)
    return Prediction(label, None, {lab: round(n / len(given), 4) for lab, n in sorted(counts.items())}, why)


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
