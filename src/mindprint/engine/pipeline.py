"""The RPM pipeline: item stage, user stage, query stage. Pure: the caller persists.

- ``process_items``: features, the two vectors and (given factors) the reasoning
  path of each item. Independent per item, so it runs in resumable batches and
  handles one new item at once when feedback arrives.
- ``build_user``: factors, their statistics, the style profile, and the paths of
  every item rewritten against the new factor table.
- ``prepare_query``: the query's features tagged with the user's factors, and its
  vectors for retrieval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from mindprint.engine.factors import EmbeddingFactorBuilder
from mindprint.engine.features import (
    CorpusStats,
    FeatureExtractor,
    OfflineFeatureExtractor,
    serialize,
)
from mindprint.engine.paths import PathWriter, TemplatePathWriter
from mindprint.engine.protocols import Embedder, Vector
from mindprint.engine.stats import factor_stats, summarize
from mindprint.engine.style import style_profile
from mindprint.engine.types import Factor, Feature, Item, UserSummary

# Long texts are cut before embedding: the model reads 256 tokens at most anyway.
EMBED_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_id: int
    features: list[Feature]
    vectors: dict[str, Vector]
    path: str | None


@dataclass(frozen=True, slots=True)
class UserModel:
    factors: list[Factor]
    assignment: dict[str, str | None]
    summary: UserSummary
    paths: dict[int, str]


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    features: list[Feature]
    vectors: dict[str, Vector]


def tag(features: Sequence[Feature], assignment: Mapping[str, str | None]) -> list[Feature]:
    return [replace(f, factor_id=assignment.get(f.name)) for f in features]


class Pipeline:
    def __init__(
        self,
        embedder: Embedder,
        extractor: FeatureExtractor | None = None,
        factor_builder: EmbeddingFactorBuilder | None = None,
        path_writer: PathWriter | None = None,
    ) -> None:
        self.embedder = embedder
        self.extractor: FeatureExtractor = extractor or OfflineFeatureExtractor()
        self.factor_builder = factor_builder or EmbeddingFactorBuilder(embedder)
        self.path_writer: PathWriter = path_writer or TemplatePathWriter()

    @property
    def id(self) -> str:
        """Identity of the item-level artefacts: a change here means items are rebuilt."""
        return f"{self.extractor.id}+{self.embedder.model_id}"

    def process_items(
        self,
        items: Sequence[Item],
        corpus: CorpusStats,
        factors: Sequence[Factor] = (),
    ) -> list[ItemResult]:
        if not items:
            return []
        feats = self.extractor.extract(items, corpus)
        if factors:
            assignment = {m: f.id for f in factors for m in f.members}
            feats = [tag(fs, assignment) for fs in feats]
        fvecs = self.embedder.embed([serialize(fs) or it.text[:EMBED_CHARS] for it, fs in zip(items, feats, strict=True)])
        rvecs = self.embedder.embed([it.text[:EMBED_CHARS] for it in items])
        paths = self.path_writer.write(items, feats, factors) if factors else [None] * len(items)
        return [
            ItemResult(
                item_id=it.id,
                features=list(fs),
                vectors={"features": fvecs[i], "raw": rvecs[i]},
                path=paths[i],
            )
            for i, (it, fs) in enumerate(zip(items, feats, strict=True))
        ]

    def build_user(self, items: Sequence[Item], features: Sequence[Sequence[Feature]]) -> UserModel:
        grouping = self.factor_builder.build(features)
        factors = factor_stats(grouping.factors, items, features, grouping.assignment)
        tagged = [tag(fs, grouping.assignment) for fs in features]
        texts = self.path_writer.write(items, tagged, factors)
        return UserModel(
            factors=factors,
            assignment=grouping.assignment,
            summary=summarize(items, style_profile(items)),
            paths={it.id: t for it, t in zip(items, texts, strict=True)},
        )

    def prepare_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor]
    ) -> PreparedQuery:
        feats = self.extractor.extract_query(query, corpus, factors)
        feats = self.factor_builder.assign_query(feats, factors)
        fv, rv = self.embedder.embed([serialize(feats) or query[:EMBED_CHARS], query[:EMBED_CHARS]])
        return PreparedQuery(features=feats, vectors={"features": fv, "raw": rv})
