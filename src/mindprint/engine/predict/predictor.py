"""The user's likely answer to a query: the population's answer moved by their departures. Pure.

With a population model (the app's shipped prior for 1-5 stars, the harness's
leave-user-out model for any task), the answer is the population's output plus the
posterior mean of the user's departure (:mod:`mindprint.engine.predict.departure`),
over the retrieved items: the similar items *do* move the answer, through the kernel's
similar part. Ratings and labels go through the same code; only the answer rule differs.

Without a population model (labels or other scales in the app) two small models stand in:
for scores, a shrunk mean plus a shrunk slope on the text's sentiment; for labels, a
kernel vote over the labelled history (every past item votes for its label with weight
``exp((sim - best_sim) / T)``) plus the user's base rate, so a close neighbour decides
when there is one and the base rate when there is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mindprint.engine.model_settings import MODEL
from mindprint.engine.pipeline import PreparedQuery
from mindprint.engine.predict.departure import Query, departure
from mindprint.engine.predict.explain import Explanation, Reason, ReasonKind, explain
from mindprint.engine.predict.index import UserIndex, answers_of, factor_values, query_polarity
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
    """The user's likely answer: with a population model, its answer plus this user's
    departures; without one, a small model of the user's own history (None when the
    history answers nothing)."""
    if population is not None:
        return predict_personal(population, c, pq, similar)
    answers = answers_of(c)
    if answers is None:
        return None
    if answers.is_scale:
        pairs = [(float(it.score), c.polarity.get(it.id, 0.0)) for it in c.scored if it.score is not None]
        scores = [s for s, _ in pairs]
        return predict_score_generic(query_polarity(pq.features), pairs, (min(scores), max(scores)))
    pos = {i: n for n, i in enumerate(c.ids)}
    keep = [it for it in c.labelled if it.id in pos]
    if not keep:
        return None
    sims = c.vectors["raw"][[pos[it.id] for it in keep]] @ pq.vectors["raw"]
    return predict_label([str(it.label) for it in keep], sims)


def predict_personal(
    pop: Population, c: UserIndex, pq: PreparedQuery, similar: Sequence[int]
) -> Prediction:
    """The population's answer moved by this user's departures."""
    answers = pop.answers
    hist = c.residuals.under(pop, c)
    raw = np.asarray(pq.vectors["raw"], dtype=np.float64).reshape(-1)
    q_out = pop.outputs(raw, pq.vectors["signals"])[0]
    dep = departure(hist, similar, Query(q_out, raw, factor_values(pq.features)), pop.kernel)
    out = q_out + dep.total
    read = set(dep.retrieved) | set(dep.latest)
    labels = [str(c.items[i].label) for i in read] if not answers.is_scale else []
    why = explain(answers, q_out, dep, Counter(labels), {f.id: f.name for f in c.factors})
    if answers.is_scale:
        return Prediction(answers.answer(out), round(float(out[0]), 3), explanation=why)
    return Prediction(answers.answer(out), None, _label_scores(answers, out), why)


def _label_scores(answers: Answers, out: Arr) -> dict[str, float]:
    return {lab: round(float(v), 4) for lab, v in zip(answers.labels, out, strict=True)}


def predict_score_generic(
    query_polarity: float,
    history: Sequence[tuple[float, float]],
    scale: tuple[float, float],
) -> Prediction:
    """Any numeric scale: shrunk mean plus a shrunk slope on sentiment polarity.

    ``history`` pairs each score with its item's polarity.
    """
    lo, hi = scale
    n = len(history)
    mid = (lo + hi) / 2
    scores = [s for s, _ in history]
    pols = [p for _, p in history]
    mean_s = (sum(scores) + mid * MODEL.pseudo_items) / (n + MODEL.pseudo_items)
    mean_p = sum(pols) / n if n else 0.0
    prior_slope = MODEL.prior_slope * (hi - lo) / 4
    sxx = sum((p - mean_p) ** 2 for p in pols)
    raw_mean = sum(scores) / n if n else mid
    sxy = sum((p - mean_p) * (s - raw_mean) for s, p in history)
    slope = (sxy + prior_slope * MODEL.prior_slope_weight) / (sxx + MODEL.prior_slope_weight)
    est = min(max(mean_s + slope * (query_polarity - mean_p), lo), hi)
    label = str(round(est))
    why = Reason(ReasonKind.NOTE, f"user mean {mean_s:.2f} (n={n}) + polarity "
                 f"{query_polarity:+.2f} x slope {slope:.2f}")
    return Prediction(label, round(est, 3), explanation=Explanation((why,), label))


def predict_label(
    labels: Sequence[str],
    sims: npt.ArrayLike,
    temperature: float = MODEL.label_temperature,
    prior_weight: float = MODEL.label_prior_weight,
) -> Prediction:
    """Kernel vote of the labelled history (``sims``: cosine of each item to the query)."""
    s = np.asarray(sims, dtype=np.float64)
    total = len(labels)
    if not total:
        return Prediction("", None, explanation=Explanation((Reason(ReasonKind.NOTE, "no labelled history"),), ""))
    counts = Counter(labels)
    votes: dict[str, float] = {lab: prior_weight * c / total for lab, c in counts.items()}
    kernel = np.exp((s - s.max()) / temperature)
    for lab, w in zip(labels, kernel, strict=True):
        votes[lab] += float(w)
    z = sum(votes.values()) or 1.0
    dist = {k: round(v / z, 4) for k, v in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))}
    best = next(iter(dist))
    top = int(np.argmax(s))
    why = (
        Reason(ReasonKind.NOTE, f"{total} labelled items (base rate of {best}: {counts.get(best, 0)}/{total})"),
        Reason(ReasonKind.NOTE, f"closest item (cosine {s[top]:.2f}) is {labels[top]}"),
    )
    return Prediction(best, None, dist, Explanation(why, ""))
