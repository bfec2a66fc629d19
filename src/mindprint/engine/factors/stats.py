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

from mindprint.engine.factors.departure_stats import departure_stats
from mindprint.engine.factors.grouping import REASON_PREFIX
from mindprint.engine.features.extract import is_free_text
from mindprint.engine.features.text import words
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Factor, Feature, Item, UserSummary


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
    unit: str = "",
) -> list[Factor]:
    """Return the factors with their ``stats`` filled in.

    With ``residuals`` (each answered item's ``answer - population(text)``) every factor
    also gets its departure statistics, and the factors that most clearly move the
    person come first; without, the most covering come first."""
    n = len(items)
    if n == 0:
        return list(factors)
    departures = departure_stats(items, features, assignment, residuals or {}, unit)
    base_scores = [s for it in items if (s := it.score) is not None]
    base_mean = sum(base_scores) / len(base_scores) if base_scores else None
    base_labels = Counter(it.label for it in items if it.label is not None)
    present, pols, influenced = _presence(factors, items, features, assignment)
    free_text = any(it.input.strip() and is_free_text(it.response) for it in items)

    out: list[Factor] = []
    for fac in factors:
        idxs = present[fac.id]
        k = len(idxs)
        st: dict[str, Any] = {"n_items": k, "coverage": round(k / n, 4)}
        st.update(_polarity_stats(pols[fac.id]))
        if base_mean is not None:
            st.update(_score_stats(items, idxs, base_mean))
        elif base_labels:
            st.update(_label_stats(items, idxs, base_labels))
        if k and free_text:
            st["influence"] = round(influenced[fac.id] / k, 3)
        st["uncertain"] = k < MODEL.uncertain_items
        if fac.id in departures:
            st["departure"] = departures[fac.id].to_json()
        out.append(replace(fac, stats=st))
    # Clear effects first (controlled over all factors), then reasons before topics, then
    # by how clearly they move.
    strength = {f.id: d.strength() if (d := departures.get(f.id)) else 0.0 for f in out}
    clear = {fid for fid, d in departures.items() if d.effect.clear}
    out.sort(key=lambda f: (
        f.id not in clear,
        not f.id.startswith(REASON_PREFIX),
        -strength[f.id],
        -int(f.stats.get("n_items", 0)),
        f.name,
    ))
    return out


def _presence(
    factors: Sequence[Factor],
    items: Sequence[Item],
    features: Sequence[Sequence[Feature]],
    assignment: dict[str, str | None],
) -> tuple[dict[str, list[int]], dict[str, list[float]], dict[str, int]]:
    """Per factor: the items it is present in, its features' polarities, and how many
    items' free-text responses echo one of its features' words."""
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
    return present, pols, influenced


def _polarity_stats(p: Sequence[float]) -> dict[str, Any]:
    if not p:
        return {}
    j = MODEL.judged
    return {"polarity": {
        "positive": round(sum(x >= j for x in p) / len(p), 3),
        "neutral": round(sum(-j < x < j for x in p) / len(p), 3),
        "negative": round(sum(x <= -j for x in p) / len(p), 3),
    }}


def _score_stats(items: Sequence[Item], idxs: Sequence[int], base_mean: float) -> dict[str, Any]:
    """Mean score where the factor is present, shrunk toward the user's mean."""
    sc = [s for i in idxs if (s := items[i].score) is not None]
    if not sc:
        return {}
    shrunk = (sum(sc) + MODEL.pseudo_items * base_mean) / (len(sc) + MODEL.pseudo_items)
    return {
        "mean_score": round(sum(sc) / len(sc), 3),
        "mean_score_shrunk": round(shrunk, 3),
        "base_mean_score": round(base_mean, 3),
        "lift": round(shrunk - base_mean, 3),
        "score_n": len(sc),
    }


def _label_stats(items: Sequence[Item], idxs: Sequence[int], base_labels: Counter[str]) -> dict[str, Any]:
    """The most common label where the factor is present, against its base rate."""
    lab = Counter(lb for i in idxs if (lb := items[i].label) is not None)
    if not lab:
        return {}
    total = sum(lab.values())
    top, top_n = lab.most_common(1)[0]
    share = top_n / total
    base_share = base_labels[top] / sum(base_labels.values())
    return {
        "label_distribution": dict(lab.most_common(5)),
        "top_label": top,
        "top_label_share": round(share, 3),
        "top_label_base_share": round(base_share, 3),
        "lift": round(share / base_share, 3) if base_share else None,
        "label_n": total,
    }


def confidence_note(n: int) -> str:
    """A short human hedge for a statistic measured on ``n`` items."""
    if n < 5:
        return f"only {n} items: a guess"
    if n < 20:
        return f"{n} items: indicative"
    return f"{n} items"

