"""Retrieval and prediction: the user's past exchanges most like a query, with their
features and reasoning paths, and the user's likely rating or label."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from mindprint.engine.factors.paths import without
from mindprint.engine.llm.interface import acting_for
from mindprint.engine.model_settings import MODEL
from mindprint.engine.pipeline import PreparedQuery, Remembering
from mindprint.engine.predict import predictor
from mindprint.engine.predict.index import answer_text, answers_of, query_tone
from mindprint.engine.predict.population import user_offset
from mindprint.engine.predict.predictor import Prediction
from mindprint.engine.predict.retrieval import (
    Applying,
    Mode,
    PrefIndex,
    among,
    applying,
    cited,
    instructions,
    top_k,
)
from mindprint.engine.types import Factor, Feature, Retrieved
from mindprint.services.core import Core
from mindprint.store.repository import UserModelMeta

MOST_GIVEN = "the label this user gave most"

# The strongest query phrases "why" looks among, and how many phrase vectors are kept.
WHY_PHRASES = 3
PHRASES_KEPT = 2048


@dataclass(frozen=True, slots=True)
class RetrievalResult:
    user_id: str
    query_features: list[Feature]
    hits: list[Retrieved]
    prediction: Prediction | None
    model: UserModelMeta | None
    # Factor id -> name, for showing which factor each feature belongs to.
    factor_names: dict[str, str]
    # The standing preferences that apply to the query, before the similar exchanges.
    preferences: list[Applying] = field(default_factory=list)
    # Their current instructions about answers: they apply to every query.
    instructions: list[Factor] = field(default_factory=list)


def shown(features: list[Feature], vetoed: frozenset[str]) -> list[Feature]:
    """The features not named as a vetoed factor or one of its members."""
    return [f for f in features if f.name.lower() not in vetoed] if vetoed else features


class RetrievalService:
    def __init__(self, core: Core) -> None:
        self.store, self.pipeline, self.model_id = core.store, core.pipeline, core.model_id
        self.index, self.inputs = core.index, core.inputs
        self.population = core.population
        # The query phrases "why" compares with a preference: a person's questions repeat
        # their topics, and a phrase embedded once is not embedded again.
        self.phrases = Remembering(core.pipeline.embedder, limit=PHRASES_KEPT)

    def retrieve(
        self,
        user_id: str | None,
        query: str,
        k: int = 3,
        *,
        mode: Mode = "hybrid",
        predict: bool = True,
    ) -> RetrievalResult:
        uid = self.inputs.user(user_id)
        query = self.inputs.text(query, "query")
        k = self.inputs.k(k)
        self.store.require_user(uid)
        with acting_for(uid):
            c, standing = self.index.both(uid)
            prefs = len(standing.vectors) > 0
            pq = self.pipeline.prepare_query(query, c.corpus, c.factors, plain=prefs)
            pq = replace(pq, features=shown(pq.features, c.vetoed))
            tone = (
                (query_tone(self.model_id, c, pq), c.tone)
                if c.tone is not None and len(c.tone) else None
            )
        weight = MODEL.tone_weight if c.tone_from_prior else MODEL.tone_weight_lexicon
        wide = (
            top_k(pq.vectors, c.ids, c.vectors, max(k, MODEL.predict_k), mode=mode, tone=tone,
                  tone_weight=weight)
            if c.ids
            else []
        )
        applies, rules = self._standing(standing, pq, k) if prefs else ([], [])
        # An exchange a preference already cites is not shown twice.
        said = cited(applies)
        hits = [h for h in wide if h.item_id not in said][:k]
        ids = [h.item_id for h in hits]
        feats = self.store.get_features(uid, ids)
        paths = self.store.get_paths(uid, ids)
        q_factors = {f.factor_id for f in pq.features if f.factor_id}
        names = {f.id: f.name for f in c.factors}
        out: list[Retrieved] = []
        for h in hits:
            it = c.items.get(h.item_id)
            if it is None:
                continue
            fs = shown(feats.get(h.item_id, []), c.vetoed)
            shared = sorted({names[f.factor_id] for f in fs if f.factor_id in q_factors and f.factor_id in names})
            path = without(paths.get(h.item_id) or "", c.vetoed) or None
            out.append(Retrieved(it, h.score, tuple(fs), path, tuple(shared)))
        prediction = None
        if predict:
            answers = answers_of(c)
            pop = self.population.for_user(uid, answers, c) if answers is not None else None
            near = [h.item_id for h in wide]
            answered = [i for i in c.ids if answers is not None and answer_text(c.items[i], answers) is not None]
            if len(answered) < len(c.ids):
                ids, vecs, sub_tone = among(answered, c.ids, c.vectors, tone)
                near = [h.item_id for h in top_k(pq.vectors, ids, vecs, max(k, MODEL.predict_k),
                                                 mode=mode, tone=sub_tone, tone_weight=weight)]
            prediction = predictor.predict(c, pq, pop, near)
        return RetrievalResult(uid, pq.features, out, prediction, self.store.get_user_model(uid),
                               names, applies, rules)

    def _standing(self, idx: PrefIndex, pq: PreparedQuery, k: int) -> tuple[list[Applying], list[Factor]]:
        """The topical preferences that apply to the query, and the instructions about
        answers, which apply to every query."""
        found = applying(idx, pq.vectors["plain"], pq.phrases[:WHY_PHRASES], k,
                         embed=self.phrases.embed, domains=self.pipeline.domain_vectors(),
                         generic=self.pipeline.generic_vector())
        return found, instructions(list(idx.factors.values()))

    def warm(self) -> None:
        """Embed what a retrieval with preferences reads besides the query (the domain
        descriptions, the everyday requests), so the first one does not wait for them."""
        self.pipeline.domain_vectors()
        self.pipeline.generic_vector()

    def population_answers(self, user_id: str | None, query: str) -> tuple[str, str, str] | None:
        """What the user's population alone answers for ``query`` (the model their server
        reads, as the deployment policy chose it), with their shrunk mean residual added
        (what a lone server could do without mindprint's departure model), and who that
        population is. A history of labels with no population yet (before its first build)
        has the label given most for both, as its prediction does. None when the history
        answers nothing."""
        uid = self.inputs.user(user_id)
        query = self.inputs.text(query, "query")
        self.store.require_user(uid)
        c = self.index.get(uid)
        answers = answers_of(c)
        pop = self.population.for_user(uid, answers, c) if answers is not None else None
        if pop is None:
            fallback = predictor.most_given(c)
            return None if fallback is None else (fallback.label, fallback.label, MOST_GIVEN)
        hist, _ = c.residuals.under(pop, c)
        pq = self.pipeline.prepare_query(query, c.corpus, c.factors, plain=False)
        raw = np.asarray(pq.vectors["raw"], dtype=np.float64)
        out = pop.outputs(raw, pq.vectors["signals"])[0]
        return (pop.answers.answer(out), pop.answers.answer(out + user_offset(hist.residuals)), pop.who)

    def similar_responses(self, user_id: str, text: str, k: int = 3) -> list[str]:
        """The user's responses to the ``k`` past inputs most like ``text`` (none for an
        empty history): the examples a rewrite imitates."""
        if not self.store.count_items(user_id):
            return []
        return [h.item.response for h in self.retrieve(user_id, text, k, predict=False).hits]
