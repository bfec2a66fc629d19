"""The LLM version of every RPM stage, behind the same interfaces as the offline one.

Cost: the paper spends 2-3 calls per history item. Here items are batched (one call for
the features of ``batch_size`` items, one for their paths, and for conversation items one
for their preferences, :mod:`preferences`) and the factor table is one call per user:
about ``2 / batch_size + 1 / n`` calls per item (0.25 at batch 8), ``3 / batch_size``
for a conversation item.

A batch whose answer stays invalid or whose call fails (a timeout, a refused prompt),
and an item the model skipped, get the offline stage's output (``failures``; features
get origin ``fallback``): one bad answer never fails a build. A provider that can serve
no call (rejected key, unreachable server) stops it (:class:`ProviderUnavailable`).
Features are read from the input side for history items and queries alike (RPM); the
user's reaction goes into the reasoning path, which sees the response.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from pydantic import BaseModel, Field

from mindprint.engine.factors.grouping import (
    STYLE_FACTOR,
    TONE_FACTOR,
    EmbeddingFactorBuilder,
    Grouping,
    average_linkage,
    factor_id,
    stated_factor,
)
from mindprint.engine.features.extract import (
    CorpusStats,
    OfflineFeatureExtractor,
    is_free_text,
    sentiment,
    style_features,
)
from mindprint.engine.features.text import trim
from mindprint.engine.llm.blocks import ITEM_CHARS, batches, item_block, recoverable
from mindprint.engine.llm.blocks import factor_table as factor_table  # re-exported
from mindprint.engine.llm.interface import LLM, ask_json, fence, load_prompt
from mindprint.engine.llm.preferences import LLMPreferenceReader, PreferenceAnswer
from mindprint.engine.llm.writers import Answer, LLMPathWriter, PathAnswer
from mindprint.engine.llm.writers import answer as answer  # re-exported
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.protocols import Embedder, Vector
from mindprint.engine.types import Factor, Feature, Item
from mindprint.errors import ProviderError


class _Feat(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    context: str = Field(default="", max_length=400)


class _ItemFeats(BaseModel):
    item: int
    features: list[_Feat] = Field(max_length=8)


class _FeatureAnswer(BaseModel):
    items: list[_ItemFeats]


class _QueryFeat(_Feat):
    factor: str | None = None


class _QueryAnswer(BaseModel):
    features: list[_QueryFeat] = Field(max_length=8)


class _FactorOut(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(max_length=400)
    members: list[str]


class _FactorAnswer(BaseModel):
    factors: list[_FactorOut] = Field(max_length=10)


# The answer each stage's call must validate against, by the call's purpose.
ANSWERS: dict[str, type[BaseModel]] = {
    "features": _FeatureAnswer, "query-features": _QueryAnswer, "factors": _FactorAnswer,
    "paths": PathAnswer, "answer": Answer, "preferences": PreferenceAnswer,
}


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def _as_fallback(feats: Sequence[Feature]) -> list[Feature]:
    return [replace(f, origin="fallback") if f.origin == "offline" else f for f in feats]


class LLMFeatureExtractor:
    """Features named by the LLM; tone and writing-style features stay deterministic."""

    def __init__(self, llm: LLM, *, batch_size: int = 8, user_id: str | None = None) -> None:
        self.llm = llm
        self.batch_size = batch_size
        self.user_id = user_id
        self.prompt = load_prompt("features")
        self.query_prompt = load_prompt("query")
        self.offline = OfflineFeatureExtractor()
        self.failures: list[str] = []

    @property
    def id(self) -> str:
        return f"llm:{self.llm.name}:features-{self.prompt.hash}"

    def extract(self, items: Sequence[Item], corpus: CorpusStats) -> list[list[Feature]]:
        out: list[list[Feature]] = []
        for rng in batches(len(items), self.batch_size):
            batch = [items[i] for i in rng]
            try:
                ans = ask_json(
                    self.llm, self.prompt.text,
                    "\n\n".join(item_block(n, it, response=False) for n, it in enumerate(batch, start=1)),
                    _FeatureAnswer, purpose="features", user_id=self.user_id, items=len(batch),
                )
            except ProviderError as e:
                self.failures.append(recoverable(e))
                out.extend(_as_fallback(fs) for fs in self.offline.extract(batch, corpus))
                continue
            by_item = {e.item: e.features for e in ans.items if e.features}
            for n, it in enumerate(batch, start=1):
                if n not in by_item:  # a weak model skips items: those alone fall back
                    self.failures.append(f"features: the answer had no features for item {n}")
                    out.append(_as_fallback(self.offline.extract([it], corpus)[0]))
                    continue
                feats = [
                    Feature(name=_norm(f.name), context=f.context, kind="content",
                            polarity=round(sentiment(f.context), 4) if f.context else 0.0,
                            origin="llm")
                    for f in by_item[n]
                ]
                out.append(feats + self._deterministic(it))
        return out

    def _deterministic(self, it: Item) -> list[Feature]:
        pol = sentiment(it.text)
        feats = [f for f in self.offline.extract([it], CorpusStats())[0] if f.kind == "tone"]
        if not feats:
            feats = [Feature("neutral tone", trim(it.text, 160), polarity=pol)]
        if is_free_text(it.response):
            feats.extend(style_features(it.response))
        return feats

    def extract_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor]
    ) -> list[Feature]:
        """Factor-aware: the LLM tags each query feature with one of the user's factors."""
        table = "\n".join(f"- {f.name}: {f.description}" for f in factors) or "(none yet)"
        try:
            ans = ask_json(
                self.llm, self.query_prompt.text,
                f"The person's factors:\n{table}\n\nThe new input:\n{fence(trim(query, ITEM_CHARS), 'input')}",
                _QueryAnswer, purpose="query-features", user_id=self.user_id, items=1,
            )
        except ProviderError as e:
            self.failures.append(recoverable(e))
            return _as_fallback(self.offline.extract_query(query, corpus, factors))
        by_name = {_norm(f.name): f.id for f in factors}
        feats = [
            Feature(name=_norm(f.name), context=f.context, kind="content",
                    polarity=round(sentiment(f.context), 4) if f.context else 0.0,
                    factor_id=by_name.get(_norm(f.factor or "")), origin="llm")
            for f in ans.features
        ]
        tone = [f for f in self.offline.extract_query(query, corpus, factors) if f.kind == "tone"]
        return feats + tone


class LLMFactorBuilder:
    """The LLM groups features into named factors; embeddings keep the prompt bounded.

    Pools larger than ``max_prompt_features`` are first pre-grouped by embedding
    (average linkage at a high similarity, so only near-synonyms merge) and the LLM
    sees one line per group: the prompt stays bounded whatever the history size.
    """

    def __init__(
        self, llm: LLM, embedder: Embedder, *, max_prompt_features: int = 150,
        user_id: str | None = None,
    ) -> None:
        self.llm = llm
        self.embedder = embedder
        self.max_prompt_features = max_prompt_features
        self.user_id = user_id
        self.prompt = load_prompt("factors")
        self.fallback = EmbeddingFactorBuilder(embedder)
        self.failures: list[str] = []

    def build(self, features: Sequence[Sequence[Feature]], contexts: Vector | None = None) -> Grouping:
        content = Counter[str]()
        for feats in features:
            content.update({f.name for f in feats if f.kind == "content"})
        if not content:
            return self.fallback.build(features, contexts)
        groups = self._pregroup(content)
        lines = [
            f"- {' | '.join(g)} ({sum(content[m] for m in g)} items)" for g in groups
        ]
        try:
            ans = ask_json(
                self.llm, self.prompt.text, "The features:\n" + fence("\n".join(lines), "features"),
                _FactorAnswer, purpose="factors", user_id=self.user_id,
            )
        except ProviderError as e:
            self.failures.append(recoverable(e))
            return self.fallback.build(features, contexts)
        # Expand a named representative back to its whole pre-group.
        group_of = {_norm(m): g for g in groups for m in g}
        factors: list[Factor] = []
        assignment: dict[str, str | None] = dict.fromkeys(content)
        for fo in ans.factors:
            members: list[str] = []
            for m in fo.members:
                for real in group_of.get(_norm(m), []):
                    if assignment.get(real) is None and real not in members:
                        members.append(real)
            if not members:
                continue
            members.sort(key=lambda m: (-content[m], m))
            fid = factor_id(members)
            factors.append(Factor(fid, _norm(fo.name), fo.description, tuple(members)))
            for m in members:
                assignment[m] = fid
        leftover = stated_factor(features, assignment)
        if leftover is not None:
            factors.append(leftover)
        tone_style = self.fallback.build(
            [[f for f in fs if f.kind in ("style", "tone")] for fs in features]
        )
        factors.extend(f for f in tone_style.factors if f.name in (TONE_FACTOR, STYLE_FACTOR))
        assignment.update({k: v for k, v in tone_style.assignment.items() if v is not None})
        return Grouping(factors=factors, assignment=assignment)

    def _pregroup(self, content: Counter[str]) -> list[list[str]]:
        names = [m for m, _ in content.most_common(self.max_prompt_features * 4)]
        if len(names) <= self.max_prompt_features:
            return [[n] for n in names]
        vecs = self.embedder.embed(names)
        clusters = average_linkage(vecs @ vecs.T, 0.75)
        groups = [sorted((names[i] for i in c), key=lambda m: -content[m]) for c in clusters]
        groups.sort(key=lambda g: -sum(content[m] for m in g))
        return groups[: self.max_prompt_features]

    def assign_query(self, features: Sequence[Feature], factors: Sequence[Factor]) -> list[Feature]:
        # The LLM already tagged query features; fill gaps the offline way.
        untagged = [f for f in features if f.factor_id is None]
        tagged = self.fallback.assign_query(untagged, factors) if untagged else []
        it = iter(tagged)
        return [f if f.factor_id is not None else next(it) for f in features]


def llm_pipeline(embedder: Embedder, llm: LLM, *, batch_size: int = 8) -> Pipeline:
    """The RPM pipeline with every stage written by ``llm`` (vectors stay local)."""
    return Pipeline(
        embedder,
        LLMFeatureExtractor(llm, batch_size=batch_size),
        LLMFactorBuilder(llm, embedder),
        LLMPathWriter(llm, batch_size=batch_size),
        LLMPreferenceReader(llm, batch_size=batch_size),
    )
