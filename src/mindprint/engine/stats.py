"""Stage 3 of RPM: statistics of each factor from the user's own history.

For labelled history: the label distribution where the factor is present versus the
user's base rate (propensity and lift), always with the count ``n`` so that a lift
measured on three items reads as the guess it is. For open-ended history: polarity
shares and influence (how often the factor's words reappear in the user's response).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mindprint.engine.departure_stats import departure_stats, strength
from mindprint.engine.factors import REASON_PREFIX
from mindprint.engine.features import is_free_text
from mindprint.engine.text import words
from mindprint.engine.types import Factor, Feature, Item, UserSummary

# Pseudo-count pulling small-sample means towards the user's base rate.
SHRINK = 3.0


def summarize(items: Sequence[Item], style: dict[str, Any]) -> UserSummary:
    labels = Counter(it.label for it in items if it.label is not None)
    scores = [it.score for it in items if it.score is not None]
    return UserSummary(
        n_items=len(items),
        label_counts=dict(labels.most_common()),
        mean_score=round(sum(scores) / len(scores), 4) if scores else None,
        style=style,
    )


def factor_stats(
    factors: Sequence[Factor],
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: dict[str, str | None],
    residuals: Mapping[int, float] | None = None,
) -> list[Factor]:
    """Return the factors with their ``stats`` filled in.

    With ``residuals`` (each answered item's ``answer - population(text)``) every factor
    also gets its departure statistics, and the factors that most clearly move the
    person come first; without, the most covering come first."""
    n = len(items)
    if n == 0:
        return list(factors)
    departures = departure_stats(items, features, assignment, residuals or {})
    base_scores = [s for it in items if (s := it.score) is not None]
    base_mean = sum(base_scores) / len(base_scores) if base_scores else None
    base_labels = Counter(it.label for it in items if it.label is not None)
    n_labelled = sum(base_labels.values())

    present: dict[str, list[int]] = {f.id: [] for f in factors}
    pols: dict[str, list[float]] = {f.id: [] for f in factors}
    influenced: dict[str, int] = {f.id: 0 for f in factors}
    for idx, (it, feats) in enumerate(zip(items, features, strict=True)):
        resp_words = set(words(it.response)) if it.input.strip() and is_free_text(it.response) else set()
        seen: set[str] = set()
        echoed: set[str] = set()
        for f in feats:
            fid = assignment.get(f.name)
            if fid is None or fid not in present:
                continue
            pols[fid].append(f.polarity)
            seen.add(fid)
            if resp_words and set(f.name.split()) & resp_words:
                echoed.add(fid)
        for fid in seen:
            present[fid].append(idx)
        for fid in echoed:
            influenced[fid] += 1

    out: list[Factor] = []
    for fac in factors:
        idxs = present[fac.id]
        k = len(idxs)
        st: dict[str, Any] = {"n_items": k, "coverage": round(k / n, 4)}
        p = pols[fac.id]
        if p:
            st["polarity"] = {
                "positive": round(sum(x >= 0.05 for x in p) / len(p), 3),
                "neutral": round(sum(-0.05 < x < 0.05 for x in p) / len(p), 3),
                "negative": round(sum(x <= -0.05 for x in p) / len(p), 3),
            }
        if base_mean is not None:
            sc = [s for i in idxs if (s := items[i].score) is not None]
            if sc:
                raw = sum(sc) / len(sc)
                shrunk = (sum(sc) + SHRINK * base_mean) / (len(sc) + SHRINK)
                st["mean_score"] = round(raw, 3)
                st["mean_score_shrunk"] = round(shrunk, 3)
                st["base_mean_score"] = round(base_mean, 3)
                st["lift"] = round(shrunk - base_mean, 3)
                st["score_n"] = len(sc)
        if n_labelled and base_labels and base_mean is None:
            lab = Counter(lb for i in idxs if (lb := items[i].label) is not None)
            if lab:
                total = sum(lab.values())
                top, top_n = lab.most_common(1)[0]
                share = top_n / total
                base_share = base_labels[top] / n_labelled
                st["label_distribution"] = dict(lab.most_common(5))
                st["top_label"] = top
                st["top_label_share"] = round(share, 3)
                st["top_label_base_share"] = round(base_share, 3)
                st["lift"] = round(share / base_share, 3) if base_share else None
                st["label_n"] = total
        if k and any(it.input.strip() and is_free_text(it.response) for it in items):
            st["influence"] = round(influenced[fac.id] / k, 3)
        st["uncertain"] = k < 5
        if fac.id in departures:
            st["departure"] = departures[fac.id]
        out.append(replace(fac, stats=st))
    # Clear effects first, then reasons before topics, then by how clearly they move.
    out.sort(key=lambda f: (
        strength(f.stats) < 1.0,
        not f.id.startswith(REASON_PREFIX),
        -strength(f.stats),
        -int(f.stats.get("n_items", 0)),
        f.name,
    ))
    return out


def confidence_note(n: int) -> str:
    """A short human hedge for a statistic measured on ``n`` items."""
    if n < 5:
        return f"only {n} items: a guess"
    if n < 20:
        return f"{n} items: indicative"
    return f"{n} items"

