"""The user's retrieval index and the prediction of their likely answer. Pure.

The service layer loads the stored items, features and vectors of a user; this module
turns them into a :class:`UserIndex` (vectors aligned by item id, each item's tone, the
rating prior's reading of each text) and, per query, reads the query's tone and
predicts the user's rating or label from that index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mindprint.engine.factors.departure_stats import JUDGED
from mindprint.engine.factors.grouping import STYLE_ID, TONE_ID
from mindprint.engine.features.extract import CorpusStats, text_signals
from mindprint.engine.pipeline import PreparedQuery
from mindprint.engine.predict.departure import Departure, Evidence, History, Query, departure
from mindprint.engine.predict.fallback import (
    Prediction,
    ScoredItem,
    is_star_scale,
    predict_label,
    predict_rating,
    predict_score_generic,
    query_polarity,
)
from mindprint.engine.predict.labels import (
    LabelHistory,
    LabelKernel,
    explain_label,
    label_departure,
)
from mindprint.engine.predict.population import Answers, Arr, Population
from mindprint.engine.predict.rating import load_prior, ordinal_probs
from mindprint.engine.protocols import Vector
from mindprint.engine.types import Factor, Feature, Item

# (item ids, matrix) as the store returns the vectors of one kind.
Loaded = tuple[list[int], Vector]


@dataclass(slots=True)
class UserIndex:
    """Everything retrieval and prediction read for one user, valid for one revision."""

    revision: int
    ids: list[int]
    vectors: dict[str, Vector]
    items: dict[int, Item]
    polarity: dict[int, float]
    corpus: CorpusStats
    factors: list[Factor] = field(default_factory=list)
    # Content factor ids present in each item (for factor effects in predictions).
    item_factors: dict[int, frozenset[str]] = field(default_factory=dict)
    # Per item, the value of each factor for the departure model (see factor_values).
    factor_values: dict[int, dict[str, float]] = field(default_factory=dict)
    # The rating prior's reading of each item's text (rated histories only).
    latent: dict[int, float] = field(default_factory=dict)
    # Each item's tone in [-1, 1], aligned with ``ids`` (see retrieval.top_k).
    tone: Vector | None = None
    tone_from_prior: bool = False
    # The rated and the labelled items, and the rated ones as the rating model reads
    # them: per user, not per query (a 1,000-item history took ~2 ms to re-derive).
    scored: list[Item] = field(default_factory=list)
    labelled: list[Item] = field(default_factory=list)
    rating_history: list[ScoredItem] = field(default_factory=list)
    star_scale: bool = False
    # The lexicon signals of each item, aligned with ``ids`` (what population models read).
    signals: Arr | None = None
    # Residuals under each population model queried so far (id -> (model, history)).
    histories: dict[int, tuple[Population, History]] = field(default_factory=dict)


def _aligned(loaded: Mapping[str, Loaded]) -> tuple[list[int], dict[str, Vector]]:
    """The ids that have both a feature and a raw vector, and both matrices in that order."""
    common = sorted(set(loaded["features"][0]) & set(loaded["raw"][0]))
    mats: dict[str, Vector] = {}
    for k in ("features", "raw"):
        ids_k, mat_k = loaded[k]
        if ids_k != common:
            pos = {i: n for n, i in enumerate(ids_k)}
            mat_k = mat_k[[pos[i] for i in common]] if common else mat_k[:0]
        mats[k] = mat_k
    return common, mats


def _signals(items: dict[int, Item], ids: list[int], stored: Loaded) -> Arr | None:
    """The lexicon signals of each item in ``ids`` (stored, or read from the text)."""
    if not ids:
        return None
    pos = {i: n for n, i in enumerate(stored[0])}
    rows = [stored[1][pos[i]] if i in pos else text_signals(items[i].text) for i in ids]
    return np.asarray(rows, dtype=np.float64).reshape(len(ids), -1)


def _content_factors(features: Sequence[Feature]) -> frozenset[str]:
    return frozenset(
        f.factor_id for f in features
        if f.factor_id and f.kind in ("content", "aspect", "quantity", "reason")
        and f.factor_id not in (TONE_ID, STYLE_ID)
    )


def build_index(
    *,
    revision: int,
    model_id: str,
    items: dict[int, Item],
    features: Mapping[int, list[Feature]],
    loaded: Mapping[str, Loaded],
    corpus: CorpusStats,
    factors: list[Factor],
) -> UserIndex:
    """The index of a user from what the store holds (``loaded``: features, raw, signals)."""
    common, mats = _aligned(loaded)
    signals = _signals(items, common, loaded["signals"])
    polarity = {
        iid: next((f.polarity for f in fs if f.kind == "tone"), 0.0)
        for iid, fs in features.items()
    }
    item_factors = {iid: _content_factors(fs) for iid, fs in features.items()}
    values = {iid: factor_values(fs) for iid, fs in features.items()}
    latent = latents(model_id, items, common, mats["raw"], loaded["signals"])
    from_prior = bool(latent) and len(latent) >= max(1, len(common) // 2)
    if from_prior:
        tones = tones_of_latents(model_id, [latent.get(i) for i in common])
    else:
        tones = [polarity.get(i, 0.0) for i in common]
    scored = [it for it in items.values() if it.score is not None]
    return UserIndex(
        revision=revision,
        ids=common,
        vectors=mats,
        items=items,
        polarity=polarity,
        corpus=corpus,
        factors=factors,
        item_factors=item_factors,
        factor_values=values,
        latent=latent,
        tone=np.asarray(tones, dtype=np.float32),
        tone_from_prior=from_prior,
        scored=scored,
        labelled=[it for it in items.values() if it.label is not None],
        rating_history=[
            ScoredItem(float(it.score), latent[it.id], item_factors.get(it.id, frozenset()))
            for it in scored
            if it.score is not None and it.id in latent
        ],
        star_scale=is_star_scale([float(it.score) for it in scored if it.score is not None]),
        signals=signals,
    )


def factor_values(features: Sequence[Feature]) -> dict[str, float]:
    """What each factor of an item (or a query) says to the departure model: the
    polarity of each aspect or reason judged one way (topics reach the prediction
    through text similarity instead)."""
    out: dict[str, float] = {}
    for f in features:
        fid = f.factor_id
        if not fid or fid in (TONE_ID, STYLE_ID) or f.kind not in ("aspect", "reason"):
            continue
        if abs(f.polarity) >= JUDGED and abs(f.polarity) >= abs(out.get(fid, 0.0)):
            out[fid] = float(f.polarity)
    return out


def latents(
    model_id: str,
    items: dict[int, Item],
    ids: list[int],
    raw: Vector,
    signals: Loaded,
) -> dict[int, float]:
    """The rating prior's reading of every item's text (empty without a prior or
    without rated history). Unrated items, such as feedback without a rating, are
    read too: their tone must be comparable with the query's, which is read the
    same way."""
    prior = load_prior()
    if prior is None or not any(it.score is not None for it in items.values()):
        return {}
    rated = [i for i in ids if i in items]
    pos = {i: n for n, i in enumerate(ids)}
    sig_pos = {i: n for n, i in enumerate(signals[0])}
    sig = np.asarray(
        [
            signals[1][sig_pos[i]] if i in sig_pos and signals[1].shape[1] == len(prior.sig_mean)
            else text_signals(items[i].text)
            for i in rated
        ]
    )
    emb = raw[[pos[i] for i in rated]]
    z = prior.latent(model_id, emb, sig)
    return {i: float(v) for i, v in zip(rated, z, strict=True)}


def tones_of_latents(model_id: str, latent: Sequence[float | None]) -> list[float]:
    """Each rated text's tone: its expected stars under the prior, mapped to [-1, 1]
    (0 where there is no reading or no prior)."""
    prior = load_prior()
    known = [n for n, v in enumerate(latent) if v is not None]
    out = [0.0] * len(latent)
    if prior is None or not known:
        return out
    head = prior.head_for(model_id)
    lat = np.asarray([latent[n] for n in known], dtype=np.float64)
    stars = ordinal_probs(lat, head.cutpoints) @ np.arange(1, 6)
    for n, v in zip(known, stars, strict=True):
        out[n] = (float(v) - 3.0) / 2.0
    return out


def tone_of_latent(model_id: str, latent: float) -> float:
    """A rated text's tone: its expected stars under the prior, mapped to [-1, 1]."""
    return tones_of_latents(model_id, [latent])[0]


def query_tone(model_id: str, c: UserIndex, pq: PreparedQuery) -> float:
    """The query's tone, read the same way as the items' tones in ``c``."""
    prior = load_prior()
    if c.tone_from_prior and prior is not None:
        lat = prior.latent(model_id, pq.vectors["raw"], pq.vectors["signals"])
        return tone_of_latent(model_id, float(lat[0]))
    return query_polarity(pq.features)


def answers_of(c: UserIndex) -> Answers | None:
    """What the user's history answers: 1-5 stars, another numeric scale, or labels."""
    if c.scored and len(c.scored) >= max(1, len(c.items) // 2):
        if c.star_scale:
            return Answers(scale=(1.0, 5.0))
        scores = [float(it.score) for it in c.scored if it.score is not None]
        return Answers(scale=(min(scores), max(scores)))
    if c.labelled and len(c.labelled) >= max(1, len(c.items) // 2):
        return Answers(labels=tuple(sorted({str(it.label) for it in c.labelled})))
    return None


def _answer_text(it: Item, answers: Answers) -> str | None:
    if answers.is_scale:
        return None if it.score is None else str(it.score)
    return it.label


def evidence(pop: Population, c: UserIndex) -> list[Evidence]:
    """Each answered history item's residual against the population model."""
    if c.signals is None:
        return []
    pos = {i: n for n, i in enumerate(c.ids)}
    kept = [(i, a) for i in c.ids if (a := _answer_text(c.items[i], pop.answers)) is not None]
    if not kept:
        return []
    rows = [pos[i] for i, _ in kept]
    raw = np.asarray(c.vectors["raw"][rows], dtype=np.float64)
    outs = pop.outputs(raw, c.signals[rows])
    res = pop.answers.targets([a for _, a in kept]) - outs
    return [
        Evidence(i, res[n], outs[n], raw[n], c.factor_values.get(i, {}))
        for n, (i, _) in enumerate(kept)
    ]


def history(pop: Population, c: UserIndex) -> History:
    """The user's residuals under ``pop``, computed once per index and population."""
    hit = c.histories.get(id(pop))
    if hit is not None and hit[0] is pop:
        return hit[1]
    width = 1 if pop.answers.is_scale else len(pop.answers.labels)
    hist = History.of(evidence(pop, c), pop.answers, width)
    c.histories[id(pop)] = (pop, hist)
    return hist


def predict_personal(
    pop: Population, c: UserIndex, pq: PreparedQuery, neighbours: Sequence[int]
) -> Prediction:
    """The population's answer moved by this user's departures (see :mod:`departure`)."""
    answers = pop.answers
    hist = history(pop, c)
    raw = np.asarray(pq.vectors["raw"], dtype=np.float64).reshape(-1)
    q_out = pop.outputs(raw, pq.vectors["signals"])[0]
    query = Query(q_out, raw, factor_values(pq.features))
    if not answers.is_scale:  # labels: their own model, with recency (engine/predict/labels.py)
        return _predict_label(pop, c, hist, query, neighbours)
    dep = departure(hist, neighbours, query, pop.kernel)
    names = {f.id: f.name for f in c.factors}
    return Prediction(
        label=answers.answer(q_out + dep.total),
        value=round(float((q_out + dep.total)[0]), 3),
        explanation=explain(answers, q_out, dep, len(hist), names),
    )


def chronological(c: UserIndex) -> list[int]:
    """The user's item ids, oldest first (by date, then by id: items without a date first)."""
    return sorted(c.ids, key=lambda i: (c.items[i].created_at or "", i))


def _predict_label(
    pop: Population, c: UserIndex, hist: History, query: Query, neighbours: Sequence[int]
) -> Prediction:
    """A label: the population's scores moved by the departure of :mod:`labels`."""
    answers = pop.answers
    dep = label_departure(LabelHistory.of(hist, chronological(c)), neighbours, query,
                          LabelKernel.of(pop.kernel))
    out = query.output + dep.total
    counts = Counter(str(c.items[i].label) for i in hist.rows)
    return Prediction(
        label=answers.answer(out),
        value=None,
        distribution=_label_scores(answers, out),
        explanation=explain_label(answers, query.output, dep, counts,
                                  {f.id: f.name for f in c.factors}),
    )


def _label_scores(answers: Answers, out: Arr) -> dict[str, float]:
    return {lab: round(float(v), 4) for lab, v in zip(answers.labels, out, strict=True)}


def _fmt(answers: Answers, v: Arr) -> str:
    if answers.is_scale:
        return f"{float(v[0]):+.2f}"
    top = int(np.argmax(np.abs(v)))
    return f"{answers.labels[top]} {float(v[top]):+.2f}"


def explain(answers: Answers, q_out: Arr, dep: Departure, n: int, names: Mapping[str, str]) -> str:
    """One line an assistant can quote: what everyone would say, and what moved it."""
    base = answers.answer(q_out)
    parts = [f"a model of everyone reads this as {base}"]
    if n:
        parts.append(f"this user's usual departure {_fmt(answers, dep.offset)} ({n} answered items)")
    if n and float(np.abs(dep.calibration).max()) >= 0.05:
        what = "their use of the scale" if answers.is_scale else "how far they follow everyone's leaning"
        parts.append(f"{what} {_fmt(answers, dep.calibration)}")
    if dep.neighbour_ids:
        ids = ", ".join(f"#{i}" for i in dep.neighbour_ids[:3])
        parts.append(f"similar past items ({ids}) {_fmt(answers, dep.neighbours)}")
    for fid, move in sorted(dep.factor_moves.items(), key=lambda kv: -float(np.abs(kv[1]).max())):
        if float(np.abs(move).max()) >= 0.05 and fid in names:
            parts.append(f"{names[fid]!r} {_fmt(answers, move)}")
    return "; ".join(parts) + f" -> {answers.answer(q_out + dep.total)}"


def predict(
    model_id: str,
    c: UserIndex,
    pq: PreparedQuery,
    population: Population | None = None,
    neighbours: Sequence[int] = (),
) -> Prediction | None:
    """The user's likely answer: with a population model, its answer plus this user's
    departures; without one, a rating when the history is rated, else a label."""
    if population is not None and c.ids:
        return predict_personal(population, c, pq, neighbours)
    scored, labelled = c.scored, c.labelled
    if scored and len(scored) >= max(1, len(c.items) // 2):
        prior = load_prior()
        if prior is not None and c.star_scale:
            head = prior.head_for(model_id)
            q_lat = float(prior.latent(model_id, pq.vectors["raw"], pq.vectors["signals"])[0])
            history = c.rating_history
            q_ids = {f.factor_id for f in pq.features if f.factor_id}
            q_factors = [f for f in c.factors if f.id in q_ids and f.id not in (TONE_ID, STYLE_ID)]
            return predict_rating(q_lat, q_factors, history, head)
        pairs = [(float(it.score), c.polarity.get(it.id, 0.0)) for it in scored if it.score is not None]
        scores = [s for s, _ in pairs]
        return predict_score_generic(query_polarity(pq.features), pairs, (min(scores), max(scores)))
    if labelled and len(labelled) >= max(1, len(c.items) // 2) and c.ids:
        pos = {i: n for n, i in enumerate(c.ids)}
        keep = [it for it in labelled if it.id in pos]
        if not keep:
            return None
        sims = c.vectors["raw"][[pos[it.id] for it in keep]] @ pq.vectors["raw"]
        return predict_label([str(it.label) for it in keep], sims)
    return None
