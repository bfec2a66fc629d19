"""Stage 6: the offline answer helper for labelled tasks.

It combines three signals, each shrunk towards a safer one when the history is small:
the query's general signal (sentiment, for ratings), the user's own history (base
rate, calibrated sentiment-to-score mapping, factor propensities) and the labels of
the retrieved items.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from mindprint.engine.types import Factor, Feature, Item

# Population priors for a 1-5 review scale: most reviews are 5 stars and sentiment
# moves the score by about a star per unit of VADER compound. Pseudo-counts say how
# many of the user's own items it takes to outweigh the prior.
PRIOR_MEAN = 4.3
PRIOR_MEAN_WEIGHT = 3.0
PRIOR_SLOPE = 1.2
PRIOR_SLOPE_WEIGHT = 8.0


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    value: float | None
    distribution: dict[str, float] = field(default_factory=dict)
    explanation: str = ""


def predict_score(
    query_features: Sequence[Feature],
    history: Sequence[tuple[Item, float]],
    retrieved: Sequence[tuple[Item, float]],
    factors: Sequence[Factor],
    scale: tuple[int, int] = (1, 5),
) -> Prediction:
    """Predict a numeric score. ``history`` pairs each scored item with its polarity."""
    lo, hi = scale
    q_pol = next((f.polarity for f in query_features if f.name.endswith(" tone")), 0.0)
    scores = [it.score for it, _ in history if it.score is not None]
    pols = [p for it, p in history if it.score is not None]
    n = len(scores)
    mean_u = (sum(scores) + PRIOR_MEAN * PRIOR_MEAN_WEIGHT) / (n + PRIOR_MEAN_WEIGHT)

    # Per-user slope of score on polarity, shrunk to the population slope.
    slope = PRIOR_SLOPE
    mean_pol = sum(pols) / n if n else 0.0
    if n >= 2:
        sxx = sum((p - mean_pol) ** 2 for p in pols)
        sxy = sum((p - mean_pol) * (s - sum(scores) / n) for p, s in zip(pols, scores, strict=True))
        if sxx > 0:
            slope = (sxy + PRIOR_SLOPE * PRIOR_SLOPE_WEIGHT * 0.1) / (sxx + PRIOR_SLOPE_WEIGHT * 0.1)
    est = mean_u + slope * (q_pol - mean_pol)

    # Retrieved neighbours: their deviation from the user's mean, weighted by similarity.
    rs = [(it.score, max(sim, 0.0)) for it, sim in retrieved if it.score is not None]
    if rs:
        w = sum(s for _, s in rs)
        if w > 0:
            knn = sum(sc * s for sc, s in rs) / w
            est += 0.25 * (knn - mean_u)

    # Factor propensities of the query's factors (already shrunk in their stats).
    lifts = []
    ids = {f.factor_id for f in query_features if f.factor_id}
    for fac in factors:
        if fac.id in ids and "lift" in fac.stats and "mean_score_shrunk" in fac.stats:
            lifts.append(float(fac.stats["lift"]))
    if lifts:
        est += 0.5 * sum(lifts) / len(lifts)

    est = min(max(est, lo), hi)
    label = str(round(est))
    return Prediction(
        label=label,
        value=round(est, 3),
        explanation=(
            f"user mean {mean_u:.2f} (n={n}), query polarity {q_pol:+.2f} x slope {slope:.2f}"
            + (f", {len(rs)} retrieved" if rs else "")
            + (f", {len(lifts)} factor lifts" if lifts else "")
        ),
    )


def predict_label(
    query_features: Sequence[Feature],
    history: Sequence[Item],
    retrieved: Sequence[tuple[Item, float]],
    factors: Sequence[Factor],
    prior_weight: float = 1.0,
    knn_weight: float = 2.0,
    factor_weight: float = 1.0,
) -> Prediction:
    """Predict a categorical label from the user's base rates, neighbours and factors."""
    counts = Counter(it.label for it in history if it.label is not None)
    total = sum(counts.values())
    if not total:
        return Prediction(label="", value=None, explanation="no labelled history")
    votes: dict[str, float] = {lab: prior_weight * c / total for lab, c in counts.items()}
    for it, sim in retrieved:
        if it.label is not None:
            votes[it.label] = votes.get(it.label, 0.0) + knn_weight * max(sim, 0.0) ** 2
    ids = {f.factor_id for f in query_features if f.factor_id}
    for fac in factors:
        dist = fac.stats.get("label_distribution")
        if fac.id in ids and isinstance(dist, dict):
            n = sum(dist.values())
            for lab, c in dist.items():
                votes[lab] = votes.get(lab, 0.0) + factor_weight * c / (n + 3.0)
    z = sum(votes.values()) or 1.0
    dist_out = {k: round(v / z, 4) for k, v in sorted(votes.items(), key=lambda kv: -kv[1])}
    best = next(iter(dist_out))
    return Prediction(
        label=best,
        value=None,
        distribution=dist_out,
        explanation=f"{total} labelled items, {len(retrieved)} retrieved",
    )
