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

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from mindprint.engine.factors.grouping import EmbeddingFactorBuilder, FactorBuilder, stabilize_ids
from mindprint.engine.factors.paths import PathWriter, TemplatePathWriter
from mindprint.engine.factors.standing import PREF_PREFIX, evidence, standing
from mindprint.engine.factors.stats import factor_stats, summarize
from mindprint.engine.features.extract import (
    CorpusStats,
    FeatureExtractor,
    OfflineFeatureExtractor,
    serialize,
    text_signals,
)
from mindprint.engine.features.reader import (
    DOMAINS,
    REQUESTS,
    OfflinePreferenceReader,
    PreferenceReader,
    domains_of,
    embed_texts,
    with_place,
)
from mindprint.engine.features.style import English, style_profile
from mindprint.engine.features.text import sentences
from mindprint.engine.features.turns import Before
from mindprint.engine.protocols import Embedder, Vector, Vocabulary, Wrapper
from mindprint.engine.types import Factor, Feature, Item, UserSummary, WrittenPath

# Long texts are cut before embedding: the model reads 256 tokens at most anyway.
EMBED_CHARS = 2000
# A text's "raw" vector is the mean of its sentences' vectors (each cut at this length).
SENTENCE_CHARS = 500
MAX_SENTENCES = 40
# Bumped when the item vectors change meaning (v2: sentence-mean raw + signals).
VECTORS_VERSION = "vec2"
# The vector kind holding an item's preference vectors (one row per preference feature).
PREFS = "prefs"
# Items that are a conversation's exchanges rather than answers to something shown.
CHAT_KINDS = ("turn", "exchange")


def sentence_pieces(text: str) -> list[str]:
    """The pieces a text is embedded in: its sentences (a bounded number of them)."""
    parts = [s[:SENTENCE_CHARS] for s in sentences(text)][:MAX_SENTENCES]
    return parts or [text[:SENTENCE_CHARS] or " "]


def embed_mean(
    embedder: Embedder, texts: Sequence[str], extra: Sequence[str] = ()
) -> Vector:
    """One unit vector per text: the normalised mean of its sentence embeddings.

    Each sentence is read whole (no 256-token truncation of long texts) and a single
    sentence is not drowned in a long text's average; a one-sentence text gets its
    plain embedding. All sentences go to the embedder in one call (batched); texts in
    ``extra`` ride along in the same call and their plain vectors are appended as rows.
    """
    pieces = [sentence_pieces(t) for t in texts] + [[t or " "] for t in extra]
    flat = [p for ps in pieces for p in ps]
    if not flat:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    # One call for the distinct pieces (a quoted preference is one of its text's
    # sentences): the embedder batches by token length, so short and long pieces are
    # not padded to each other.
    distinct = list(dict.fromkeys(flat))
    at = {p: n for n, p in enumerate(distinct)}
    vecs = np.asarray(embedder.embed(distinct))[[at[p] for p in flat]]
    bounds = np.cumsum([0, *(len(ps) for ps in pieces)])
    sums = np.add.reduceat(vecs, bounds[:-1], axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    out: Vector = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


class Remembering(Wrapper):
    """An embedder that embeds each distinct text once, for the first ``limit`` texts it
    sees: one build's exchanges repeat sentences ("Thanks!", a pasted paragraph, a
    preference quoted from its message) across its batches. The model's vector of a text
    does not depend on the texts batched with it (a test checks), so this changes no vector."""

    def __init__(self, inner: Embedder, limit: int = 16_384) -> None:
        super().__init__(inner)
        self.limit = limit
        self._seen: dict[str, Vector] = {}

    def embed(self, texts: Sequence[str]) -> Vector:
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single str")
        got = {t: v for t in texts if (v := self._seen.get(t)) is not None}
        missing = [t for t in dict.fromkeys(texts) if t not in got]
        if missing:
            fresh = np.asarray(self.inner.embed(missing), dtype=np.float32)
            for t, v in zip(missing, fresh, strict=True):
                got[t] = v
                if len(self._seen) < self.limit:
                    self._seen[t] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([got[t] for t in texts])


@dataclass(frozen=True, slots=True)
class ItemResult:
    item_id: int
    features: list[Feature]
    vectors: dict[str, Vector]
    path: WrittenPath | None


@dataclass(frozen=True, slots=True)
class UserModel:
    factors: list[Factor]
    assignment: dict[str, str | None]
    summary: UserSummary
    paths: dict[int, WrittenPath]


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """``vectors``: the item kinds plus ``plain`` (the whole query in one embedding, what
    preferences are matched against); ``phrases``: its topic phrases, strongest first."""

    features: list[Feature]
    vectors: dict[str, Vector]
    phrases: tuple[str, ...] = ()


def tag(features: Sequence[Feature], assignment: Mapping[str, str | None]) -> list[Feature]:
    return [replace(f, factor_id=assignment.get(f.name)) for f in features]


class Pipeline:
    """The three stages. Item vectors, by kind:

    - ``features``: the serialised feature set, embedded (RPM's feature-level key);
    - ``raw``: the text itself, as the mean of its sentence embeddings;
    - ``signals``: eight lexicon numbers (VADER) that the rating prior reads.
    """

    def __init__(
        self,
        embedder: Embedder,
        extractor: FeatureExtractor | None = None,
        factor_builder: FactorBuilder | None = None,
        path_writer: PathWriter | None = None,
        preferences: PreferenceReader | None = None,
    ) -> None:
        self.embedder = embedder
        self.extractor: FeatureExtractor = extractor or OfflineFeatureExtractor()
        self.factor_builder: FactorBuilder = factor_builder or EmbeddingFactorBuilder(embedder)
        self.path_writer: PathWriter = path_writer or TemplatePathWriter()
        self.preferences: PreferenceReader = preferences or OfflinePreferenceReader()
        self._domains: Vector | None = None
        self._generic: Vector | None = None
        self._english: English | None = None

    def remembering(self) -> Pipeline:
        """This pipeline embedding each distinct text once (for one build: see
        :class:`Remembering`); the other stages are shared."""
        twin = copy.copy(self)
        twin.embedder = Remembering(self.embedder)
        return twin

    @property
    def id(self) -> str:
        """Identity of the item-level artefacts: a change here means items are rebuilt."""
        return (f"{self.extractor.id}+{self.preferences.id}+{VECTORS_VERSION}"
                f"+{self.embedder.model_id}")

    def english(self) -> English | None:
        """General English as the embedding model knows it (its vocabulary's order), which
        the style profile's frequent words are read against; None when the model does not
        tell."""
        if self._english is None and isinstance(self.embedder, Vocabulary):
            words = self.embedder.common_words()
            self._english = English.of(words) if words else None
        return self._english

    def domain_vectors(self) -> Vector:
        """The embeddings of the domain descriptions (computed once)."""
        if self._domains is None:
            self._domains = np.asarray(self.embedder.embed(list(DOMAINS.values())), dtype=np.float32)
        return self._domains

    def generic_vector(self) -> Vector:
        """The direction of requests in general: the unit mean of the ``REQUESTS``
        embeddings (computed once)."""
        if self._generic is None:
            mean = np.asarray(self.embedder.embed(list(REQUESTS)), dtype=np.float32).mean(axis=0)
            self._generic = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return self._generic

    def _vectors(
        self,
        texts: Sequence[str],
        feats: Sequence[Sequence[Feature]],
        extra: Sequence[str] = (),
        keyless: Sequence[bool] = (),
    ) -> tuple[dict[str, Vector], Vector]:
        """The vectors of each text, and the plain embedding of each ``extra`` text (one
        embedding call for all). A ``keyless`` text's features vector is its raw one."""
        keyed = [i for i in range(len(texts)) if not (keyless and keyless[i])]
        keys = [serialize(feats[i]) or texts[i][:EMBED_CHARS] for i in keyed]
        mat = embed_mean(self.embedder, texts, extra=[*keys, *(e[:EMBED_CHARS] for e in extra)])
        n = len(texts)
        key_vecs = mat[:n].copy()
        key_vecs[keyed] = mat[n : n + len(keyed)]
        sig = np.asarray([text_signals(t) for t in texts], dtype=np.float32).reshape(n, -1)
        return {"raw": mat[:n], "features": key_vecs, "signals": sig}, mat[n + len(keyed) :]

    def _place_preferences(
        self, feats: list[list[Feature]], pref_vecs: Vector
    ) -> tuple[list[list[Feature]], list[Vector]]:
        """Each item's preference features with their rows and domain, and each item's
        preference vectors (in the order of ``embed_texts`` of its preference features)."""
        domains = domains_of(pref_vecs, self.domain_vectors())
        out: list[list[Feature]] = []
        per_item: list[Vector] = []
        at = 0
        for fs in feats:
            row = 0
            placed = []
            for f in fs:
                if f.kind == "preference":
                    n = len(embed_texts(f))
                    f = with_place(f, row, domains[at + row])
                    row += n
                placed.append(f)
            out.append(placed)
            per_item.append(pref_vecs[at : at + row])
            at += row
        return out, per_item

    def process_items(
        self,
        items: Sequence[Item],
        corpus: CorpusStats,
        factors: Sequence[Factor] = (),
        given: Mapping[int, Sequence[Feature]] | None = None,
        before: Mapping[int, Before] | None = None,
    ) -> list[ItemResult]:
        """``given``: features written elsewhere (the host model's reasons), by item id;
        they join the extracted ones, so vectors and paths read them too. ``before``:
        for a conversation turn, the previous item and its answer (the options a reply
        may choose from)."""
        if not items:
            return []
        prefs = self.preferences.read(items, before or {})
        feats = [
            [*fs, *ps, *(given or {}).get(it.id, ())]
            for it, fs, ps in zip(items, self.extractor.extract(items, corpus), prefs, strict=True)
        ]
        if factors:
            assignment = {m: f.id for f in factors for m in f.members}
            feats = [tag(fs, assignment) for fs in feats]
        pref_texts = [t for fs in feats for f in fs if f.kind == "preference" for t in embed_texts(f)]
        # A conversation's unanswered exchange is found by what the person said (its raw
        # vector); the feature key, a quarter of a chat build's embedding, serves answers.
        keyless = [it.kind in CHAT_KINDS and it.score is None and it.label is None for it in items]
        vecs, pref_vecs = self._vectors([it.text for it in items], feats, pref_texts, keyless)
        feats, per_item = self._place_preferences(feats, pref_vecs)
        rated = self._rated(items)
        paths: Sequence[WrittenPath | None] = (
            self.path_writer.write(items, feats, factors) if factors else [None] * len(items)
        )
        return [
            ItemResult(
                item_id=it.id,
                features=list(fs),
                vectors={kind: m[i] for kind, m in vecs.items()}
                | ({PREFS: per_item[i]} if len(per_item[i]) else {}) | rated.get(it.id, {}),
                path=paths[i],
            )
            for i, (it, fs) in enumerate(zip(items, feats, strict=True))
        ]

    def _rated(self, items: Sequence[Item]) -> dict[int, dict[str, Vector]]:
        """For a ``record_feedback`` turn, what the user rated is the assistant's answer:
        its sentence-mean embedding and signals (``rated``, ``rated_signals``), which the
        population reads instead of the user's message."""
        turns = [it for it in items if it.kind == "turn" and (it.score is not None or it.label is not None)]
        if not turns:
            return {}
        mat = embed_mean(self.embedder, [it.response for it in turns])
        return {
            it.id: {"rated": mat[n], "rated_signals": np.asarray(text_signals(it.response), dtype=np.float32)}
            for n, it in enumerate(turns)
        }

    def build_user(
        self,
        items: Sequence[Item],
        features: Sequence[Sequence[Feature]],
        previous: Sequence[Factor] = (),
        residuals: Mapping[int, float] | None = None,
        pref_vectors: Mapping[int, Vector] | None = None,
        unit: str = "",
        contexts: Vector | None = None,
    ) -> UserModel:
        """``residuals``: each answered item's ``answer - population(text)``, from which
        factor statistics are measured as the person's departures. ``pref_vectors``: each
        item's preference vectors, from which the standing preferences are grouped.
        ``unit``: the answers' unit the effects are said in ("stars" for 1-5 ratings).
        ``contexts``: each item's text embedding, aligned with ``items`` (see grouping)."""
        measured = [[f for f in fs if f.kind != "preference"] for fs in features]
        grouping = stabilize_ids(
            self.factor_builder.build(measured, contexts),
            [f for f in previous if not f.id.startswith(PREF_PREFIX)],
        )
        factors = factor_stats(grouping.factors, items, measured, grouping.assignment, residuals,
                               unit)
        said, said_to = standing(evidence(items, features, pref_vectors or {}))
        assignment = {**grouping.assignment, **said_to}
        tagged = [tag(fs, assignment) for fs in features]
        written = self.path_writer.write(items, tagged, [*factors, *said])
        return UserModel(
            factors=[*said, *factors],
            assignment=assignment,
            summary=summarize(items, style_profile(items, self.english())),
            paths={it.id: p for it, p in zip(items, written, strict=True)},
        )

    def prepare_query(
        self, query: str, corpus: CorpusStats, factors: Sequence[Factor], *, plain: bool = True,
    ) -> PreparedQuery:
        """``plain``: also the whole query's own embedding (``vectors["plain"]``), which
        only standing preferences are matched against: a user without any need not pay
        for it (a several-sentence query's is its longest text embedded)."""
        feats = self.extractor.extract_query(query, corpus, factors)
        measured = [f for f in factors if not f.id.startswith(PREF_PREFIX)]
        feats = self.factor_builder.assign_query(feats, measured)
        phrases = tuple(dict.fromkeys(f.name for f in feats if f.kind == "content"))
        # A query of one sentence is its own plain embedding: no second one to pay for.
        whole = [query] if plain and len(sentence_pieces(query)) > 1 else []
        vecs, extra = self._vectors([query], [feats], whole)
        out = {k: v[0] for k, v in vecs.items()}
        if plain:
            out["plain"] = extra[0] if whole else out["raw"]
        return PreparedQuery(features=feats, vectors=out, phrases=phrases)
