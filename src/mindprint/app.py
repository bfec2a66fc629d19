"""The composition root: settings in, a ready :class:`Mindprint` out.

This is the only place that reads settings and picks implementations (store,
embedder, pipeline). Everything the CLI and the MCP server do goes through the use
cases of :class:`Mindprint`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.factors import STYLE_ID, TONE_ID
from mindprint.engine.features import CorpusStats, text_signals
from mindprint.engine.llm import LLM, InvalidAnswer, current_user, load_prompt
from mindprint.engine.llm_rewrite import build_prompt, guard, parse_trajectory, rewrite_with_llm
from mindprint.engine.llm_stages import llm_pipeline
from mindprint.engine.pipeline import Pipeline, PreparedQuery
from mindprint.engine.predict import (
    Prediction,
    ScoredItem,
    is_star_scale,
    predict_label,
    predict_rating,
    predict_score_generic,
    query_polarity,
)
from mindprint.engine.protocols import Embedder, Vector
from mindprint.engine.rating import load_prior, ordinal_probs
from mindprint.engine.retrieval import TONE_WEIGHT, TONE_WEIGHT_LEXICON, Mode, top_k
from mindprint.engine.rewrite import OFFLINE_REWRITER, rewrite_offline
from mindprint.engine.types import Factor, Feature, Item, Retrieved
from mindprint.errors import InvalidInputError, ProviderError
from mindprint.settings import EmbeddingSettings, LimitSettings, ProviderSettings, StoreSettings
from mindprint.store import AddResult, NewItem, Store
from mindprint.store.repository import ItemArtifacts, UserModelMeta

log = logging.getLogger("mindprint")

Progress = Callable[[int, int], None]

# Rebuild the factor table in the background once this share of the history is new.
REFRESH_SHARE = 0.1
REFRESH_MIN_ITEMS = 3


@dataclass(frozen=True, slots=True)
class BuildReport:
    user_id: str
    items: int
    processed: int
    factors: int
    seconds: float
    extractor: str


@dataclass(frozen=True, slots=True)
class RetrievalResult:
    user_id: str
    query_features: list[Feature]
    hits: list[Retrieved]
    prediction: Prediction | None
    model: UserModelMeta | None


@dataclass(frozen=True, slots=True)
class FeedbackReceipt:
    feedback_id: int
    item_id: int
    new_item: bool
    history_size: int
    refresh_scheduled: bool


@dataclass(frozen=True, slots=True)
class RewriteOutcome:
    rewrite_id: int
    user_id: str
    text: str
    changed: bool
    generator: str
    trajectory: dict[str, Any]


@dataclass(slots=True)
class _UserCache:
    revision: int
    ids: list[int]
    vectors: dict[str, Vector]
    items: dict[int, Item]
    polarity: dict[int, float]
    corpus: CorpusStats
    factors: list[Factor] = field(default_factory=list)
    # Content factor ids present in each item (for factor effects in predictions).
    item_factors: dict[int, frozenset[str]] = field(default_factory=dict)
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


def _require_utf8(value: str, name: str) -> None:
    """Lone surrogates (possible in JSON strings) cannot be stored or embedded."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInputError(
            f"{name} contains an invalid character at position {e.start} (a lone UTF-16 "
            "surrogate): send valid Unicode text."
        ) from None


class Mindprint:
    """The application: use cases over the store, the embedder and the pipeline."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        limits: LimitSettings | None = None,
        default_user: str = "default",
        pipeline: Pipeline | None = None,
        llm: LLM | None = None,
        rewrite_llm: LLM | None = None,
    ) -> None:
        self.store = store
        self.llm = llm
        # The reflection step may have its own model (e.g. one fine-tuned on
        # `mindprint export-training` data, served by vLLM or Ollama).
        self.rewrite_llm = rewrite_llm or llm
        self.embedder = embedder
        self.limits = limits or LimitSettings()
        self.default_user = default_user
        self.pipeline = pipeline or Pipeline(embedder)
        self._cache: dict[str, _UserCache] = {}
        self._cache_lock = threading.Lock()
        self._build_locks: dict[str, threading.Lock] = {}
        self._refreshing: set[str] = set()
        self._bg: list[threading.Thread] = []

    @classmethod
    def from_settings(
        cls,
        store_settings: StoreSettings | None = None,
        embedding_settings: EmbeddingSettings | None = None,
        limits: LimitSettings | None = None,
        provider_settings: ProviderSettings | None = None,
    ) -> Mindprint:
        """Offline unless a provider is configured (MINDPRINT_PROVIDER or an API key);
        then every RPM stage and the rewrite are written by that LLM, and each call is
        logged in ``llm_calls``."""
        from mindprint.providers import create_provider, create_rewrite_provider

        ss = store_settings or StoreSettings()
        es = embedding_settings or EmbeddingSettings()
        lim = limits or LimitSettings()
        store = Store.open(ss.db_path, busy_timeout_ms=ss.busy_timeout_ms, max_page=lim.max_page)
        embedder = FastEmbedEmbedder(
            es.resolved_model_dir, batch_size=es.embed_batch_size, threads=es.embed_threads
        )
        ps = provider_settings or ProviderSettings()
        sink = lambda r: store.log_llm_call(r.as_row())  # noqa: E731
        llm = create_provider(ps, sink=sink)
        pipeline = llm_pipeline(embedder, llm) if llm is not None else None
        return cls(store, embedder, limits=lim, default_user=ss.user, pipeline=pipeline, llm=llm,
                   rewrite_llm=create_rewrite_provider(ps, sink=sink))

    def close(self) -> None:
        self.wait_idle()
        self.store.close()

    # -- validation -------------------------------------------------------------------

    def user(self, user_id: str | None) -> str:
        uid = (user_id or self.default_user).strip()
        if not uid:
            raise InvalidInputError("user_id is empty: pass a user id or set MINDPRINT_USER.")
        if len(uid) > self.limits.max_user_id_chars:
            raise InvalidInputError(
                f"user_id is {len(uid)} characters; the limit is {self.limits.max_user_id_chars}."
            )
        if any(ord(c) < 32 for c in uid):
            raise InvalidInputError("user_id contains control characters.")
        _require_utf8(uid, "user_id")
        return uid

    def text(self, value: str | None, name: str, *, required: bool = True) -> str:
        if value is None or not value.strip():
            if required:
                raise InvalidInputError(f"{name} is empty: pass the text to use.")
            return ""
        if len(value) > self.limits.max_text_chars:
            raise InvalidInputError(
                f"{name} is {len(value):,} characters; the limit is "
                f"{self.limits.max_text_chars:,} (MINDPRINT_MAX_TEXT_CHARS). Shorten it or "
                "pass the relevant part."
            )
        _require_utf8(value, name)
        return value

    def k(self, k: int) -> int:
        if k < 1 or k > self.limits.max_k:
            raise InvalidInputError(f"k must be between 1 and {self.limits.max_k}; got {k}.")
        return k

    # -- import and build ---------------------------------------------------------------

    def add_items(self, user_id: str, items: Sequence[NewItem]) -> AddResult:
        for i, it in enumerate(items):
            if len(it.input) > self.limits.max_text_chars or len(it.response) > self.limits.max_text_chars:
                raise InvalidInputError(
                    f"item {i + 1} is longer than {self.limits.max_text_chars:,} characters "
                    "(MINDPRINT_MAX_TEXT_CHARS)."
                )
        return self.store.add_items(self.user(user_id), items)

    def _lock_for(self, user_id: str) -> threading.Lock:
        with self._cache_lock:
            return self._build_locks.setdefault(user_id, threading.Lock())

    def build(
        self, user_id: str, *, progress: Progress | None = None, batch: int = 64
    ) -> BuildReport:
        """Build (or finish building) the user model. Resumable: done items are skipped."""
        uid = self.user(user_id)
        self.store.require_user(uid)
        current_user.set(uid)
        t0 = time.perf_counter()
        with self._lock_for(uid):
            total = self.store.count_items(uid)
            all_items = [it for page in self.store.iter_items(uid) for it in page]
            corpus = CorpusStats.from_texts(it.text for it in all_items)
            processed = 0
            done = total - len(self.store.items_without_features(uid, self.pipeline.id, total + 1))
            if progress:
                progress(done, total)
            while True:
                todo = self.store.items_without_features(uid, self.pipeline.id, batch)
                if not todo:
                    break
                results = self.pipeline.process_items(todo, corpus)
                self.store.save_artifacts(
                    uid,
                    self.pipeline.id,
                    self.embedder.model_id,
                    [ItemArtifacts(r.item_id, r.features, r.vectors, r.path, None) for r in results],
                )
                processed += len(todo)
                done += len(todo)
                if progress:
                    progress(done, total)
            n_factors = self._build_user_stage(uid, all_items, corpus)
        self._invalidate(uid)
        return BuildReport(
            user_id=uid,
            items=total,
            processed=processed,
            factors=n_factors,
            seconds=round(time.perf_counter() - t0, 3),
            extractor=self.pipeline.id,
        )

    def _build_user_stage(self, uid: str, items: list[Item], corpus: CorpusStats) -> int:
        feats_by_item = self.store.get_features(uid)
        items = [it for it in items if it.id in feats_by_item]
        feats = [feats_by_item[it.id] for it in items]
        previous = self.store.get_factors(uid, limit=10_000)
        model = self.pipeline.build_user(items, feats, previous)
        self.store.save_user_model(
            uid, model.factors, model.summary, self.pipeline.id, corpus=corpus.to_json()
        )
        self.store.set_feature_factors(uid, model.assignment)
        self.store.update_paths(uid, model.paths, self.pipeline.path_writer.id)
        return len(model.factors)

    # -- reading the model ----------------------------------------------------------------

    def factors(self, user_id: str | None, limit: int | None = None) -> tuple[UserModelMeta | None, list[Factor], int]:
        uid = self.user(user_id)
        self.store.require_user(uid)
        return self.store.get_user_model(uid), self.store.get_factors(uid, limit), self.store.count_items(uid)

    def _user_cache(self, uid: str) -> _UserCache:
        rev = self.store.revision(uid)
        with self._cache_lock:
            c = self._cache.get(uid)
            if c is not None and c.revision == rev:
                return c
        kinds = ("features", "raw", "signals")
        loaded = {k: self.store.get_vectors(uid, k, self.embedder.model_id) for k in kinds}
        common = sorted(set(loaded["features"][0]) & set(loaded["raw"][0]))
        mats: dict[str, Vector] = {}
        for k in ("features", "raw"):
            ids_k, mat_k = loaded[k]
            if ids_k != common:
                pos = {i: n for n, i in enumerate(ids_k)}
                mat_k = mat_k[[pos[i] for i in common]] if common else mat_k[:0]
            mats[k] = mat_k
        items = {it.id: it for page in self.store.iter_items(uid) for it in page}
        feats = self.store.get_features(uid)
        polarity = {
            iid: next((f.polarity for f in fs if f.name.endswith(" tone")), 0.0)
            for iid, fs in feats.items()
        }
        item_factors = {
            iid: frozenset(
                f.factor_id for f in fs
                if f.factor_id and f.kind == "content" and f.factor_id not in (TONE_ID, STYLE_ID)
            )
            for iid, fs in feats.items()
        }
        corpus = self._corpus(uid, (it.text for it in items.values()))
        latent = self._latents(items, common, mats["raw"], loaded["signals"])
        from_prior = bool(latent) and len(latent) >= max(1, len(common) // 2)
        if from_prior:
            tones = [self._tone_of_latent(latent[i]) if i in latent else 0.0 for i in common]
        else:
            tones = [polarity.get(i, 0.0) for i in common]
        scored = [it for it in items.values() if it.score is not None]
        c = _UserCache(
            revision=rev,
            ids=common,
            vectors=mats,
            items=items,
            polarity=polarity,
            corpus=corpus,
            factors=self.store.get_factors(uid, limit=10_000),
            item_factors=item_factors,
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
        )
        with self._cache_lock:
            self._cache[uid] = c
        return c

    def _corpus(self, uid: str, texts: Iterable[str]) -> CorpusStats:
        """Word statistics saved by the last build; before any build, from ``texts``
        (a generator, consumed only then)."""
        saved = self.store.get_corpus(uid)
        return CorpusStats.from_json(saved) if saved else CorpusStats.from_texts(texts)

    def _invalidate(self, uid: str) -> None:
        with self._cache_lock:
            self._cache.pop(uid, None)

    def prepare(self, uid: str, query: str) -> tuple[_UserCache, PreparedQuery]:
        c = self._user_cache(uid)
        return c, self.pipeline.prepare_query(query, c.corpus, c.factors)

    def retrieve(
        self,
        user_id: str | None,
        query: str,
        k: int = 3,
        *,
        mode: Mode = "hybrid",
        predict: bool = True,
    ) -> RetrievalResult:
        uid = self.user(user_id)
        query = self.text(query, "query")
        k = self.k(k)
        self.store.require_user(uid)
        current_user.set(uid)
        c, pq = self.prepare(uid, query)
        tone = (self._query_tone(c, pq), c.tone) if c.tone is not None and len(c.tone) else None
        weight = TONE_WEIGHT if c.tone_from_prior else TONE_WEIGHT_LEXICON
        hits = (
            top_k(pq.vectors, c.ids, c.vectors, k, mode=mode, tone=tone, tone_weight=weight)
            if c.ids
            else []
        )
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
            fs = feats.get(h.item_id, [])
            shared = sorted({names[f.factor_id] for f in fs if f.factor_id in q_factors and f.factor_id in names})
            out.append(Retrieved(it, h.score, tuple(fs), paths.get(h.item_id) or None, tuple(shared)))
        prediction = self._predict(c, pq, out) if predict else None
        return RetrievalResult(uid, pq.features, out, prediction, self.store.get_user_model(uid))

    def _latents(
        self,
        items: dict[int, Item],
        ids: list[int],
        raw: Vector,
        signals: tuple[list[int], Vector],
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
        z = prior.latent(self.embedder.model_id, emb, sig)
        return {i: float(v) for i, v in zip(rated, z, strict=True)}

    def _tone_of_latent(self, latent: float) -> float:
        """A rated text's tone: its expected stars under the prior, mapped to [-1, 1]."""
        prior = load_prior()
        if prior is None:
            return 0.0
        head = prior.head_for(self.embedder.model_id)
        stars = float(ordinal_probs(np.array([latent]), head.cutpoints)[0] @ np.arange(1, 6))
        return (stars - 3.0) / 2.0

    def _query_tone(self, c: _UserCache, pq: PreparedQuery) -> float:
        prior = load_prior()
        if c.tone_from_prior and prior is not None:
            lat = prior.latent(self.embedder.model_id, pq.vectors["raw"], pq.vectors["signals"])
            return self._tone_of_latent(float(lat[0]))
        return query_polarity(pq.features)

    def _predict(self, c: _UserCache, pq: PreparedQuery, hits: list[Retrieved]) -> Prediction | None:
        """The user's likely answer: a rating when the history is rated, else a label."""
        scored, labelled = c.scored, c.labelled
        if scored and len(scored) >= max(1, len(c.items) // 2):
            prior = load_prior()
            if prior is not None and c.star_scale:
                head = prior.head_for(self.embedder.model_id)
                q_lat = float(
                    prior.latent(self.embedder.model_id, pq.vectors["raw"], pq.vectors["signals"])[0]
                )
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

    # -- feedback -----------------------------------------------------------------------

    def record_feedback(
        self,
        user_id: str | None,
        query: str,
        response: str,
        *,
        rating: int | None = None,
        edited_response: str | None = None,
        comment: str | None = None,
        rewrite_id: int | None = None,
    ) -> FeedbackReceipt:
        uid = self.user(user_id)
        query = self.text(query, "query")
        response = self.text(response, "response")
        edited = self.text(edited_response, "edited_response", required=False) or None
        comment_t = self.text(comment, "comment", required=False) or None
        if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
            raise InvalidInputError(f"rating must be an integer from 1 to 5; got {rating!r}.")
        # An edited response is what the user wanted: it becomes the history item.
        item = NewItem(
            input=query,
            response=edited or response,
            score=float(rating) if rating is not None else None,
            label=str(rating) if rating is not None else None,
            source="feedback-edit" if edited else "feedback",
            meta={"original_response": response} if edited else None,
        )
        # Embed before writing, then write item, feedback and artefacts in one
        # transaction: a failure (model missing, bad text) leaves nothing behind, and
        # the new item is retrievable the moment the call returns.
        art = self._artifacts_for(uid, item)
        fid, item_id, new = self.store.add_feedback(
            uid, item, query=query, response=response, edited_response=edited, rating=rating,
            comment=comment_t, rewrite_id=rewrite_id, artifacts=art,
            extractor=self.pipeline.id, model_id=self.embedder.model_id,
        )
        self._invalidate(uid)
        scheduled = self._maybe_refresh(uid)
        return FeedbackReceipt(fid, item_id, new, self.store.count_items(uid), scheduled)

    def _artifacts_for(self, uid: str, item: NewItem) -> ItemArtifacts:
        """Features, vectors and path of a not-yet-stored item, against the current model."""
        if self.store.user_exists(uid):
            # Two small reads rather than the retrieval cache: the previous feedback has
            # just invalidated it, and rebuilding it loads every vector of the user.
            corpus = self._corpus(uid, (it.text for page in self.store.iter_items(uid) for it in page))
            factors = self.store.get_factors(uid, limit=10_000)
        else:
            corpus, factors = CorpusStats(), []
        provisional = Item(id=-1, input=item.input, response=item.response, label=item.label,
                           score=item.score, source=item.source)
        corpus.add(provisional.text)
        [r] = self.pipeline.process_items([provisional], corpus, factors)
        return ItemArtifacts(-1, r.features, r.vectors, r.path, None)

    def _refresh_due(self, uid: str) -> bool:
        meta = self.store.get_user_model(uid)
        n = self.store.count_items(uid)
        built = meta.item_count if meta else 0
        return n - built >= max(REFRESH_MIN_ITEMS, int(REFRESH_SHARE * built))

    def _maybe_refresh(self, uid: str) -> bool:
        if not self._refresh_due(uid):
            return False
        with self._cache_lock:
            if uid in self._refreshing:
                return True
            self._refreshing.add(uid)

        def run() -> None:
            try:
                # Another process sharing the database may have rebuilt meanwhile.
                if self._refresh_due(uid):
                    self.build(uid)
            finally:
                with self._cache_lock:
                    self._refreshing.discard(uid)

        t = threading.Thread(target=run, name=f"mindprint-refresh-{uid}", daemon=True)
        self._bg.append(t)
        t.start()
        return True

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait for background refreshes (tests and shutdown)."""
        for t in list(self._bg):
            t.join(timeout)
        self._bg = [t for t in self._bg if t.is_alive()]

    # -- rewrite ------------------------------------------------------------------------

    def _rewrite_inputs(
        self, user_id: str | None, draft: str, query: str | None
    ) -> tuple[str, str, str | None]:
        """Validated (user id, draft, optional query) of a rewrite."""
        return (
            self.user(user_id),
            self.text(draft, "draft"),
            self.text(query, "query", required=False) or None,
        )

    def rewrite(
        self, user_id: str | None, draft: str, query: str | None = None, *, llm_error: str | None = None
    ) -> RewriteOutcome:
        """Reflective rewrite of a generic draft: with an LLM, RPO's reflection trajectory
        guarded for fidelity; offline (or if the LLM fails), the style rewriter."""
        uid, draft, q = self._rewrite_inputs(user_id, draft, query)
        self.store.require_user(uid)
        meta = self.store.get_user_model(uid)
        style = meta.summary.style if meta else {}
        current_user.set(uid)
        if self.rewrite_llm is not None and llm_error is None:
            try:
                return self._rewrite_llm(uid, draft, q)
            except (ProviderError, InvalidAnswer) as e:
                llm_error = str(e)
        res = rewrite_offline(draft, style)
        trajectory = {
            "profile_analysis": res.profile,
            "gap_analysis": {"gaps": res.gaps, "preserve": res.preserved},
            "edit_plan": [
                {"change": e.change, "reason": e.reason, "applied": e.applied, "factor": e.factor}
                for e in res.edits
            ],
        }
        if llm_error:
            trajectory["llm_error"] = f"{llm_error} (the offline rewriter answered instead)"
        rid = self.store.add_rewrite(
            uid, query=q, draft=draft, rewritten=res.text, trajectory=trajectory,
            generator=OFFLINE_REWRITER,
        )
        return RewriteOutcome(rid, uid, res.text, res.text != draft, OFFLINE_REWRITER, trajectory)

    def _rewrite_context(
        self, uid: str, draft: str, query: str | None
    ) -> tuple[dict[str, Any], list[Factor], list[str]]:
        """Style profile, factors and the most similar past responses for a rewrite."""
        meta = self.store.get_user_model(uid)
        examples: list[str] = []
        if self.store.count_items(uid):
            res = self.retrieve(uid, query or draft, k=3, predict=False)
            examples = [h.item.response for h in res.hits]
        return (meta.summary.style if meta else {}), self.store.get_factors(uid), examples

    def rewrite_prompt(self, user_id: str | None, draft: str, query: str | None = None) -> tuple[str, str]:
        """(system, user) messages of the reflection step, for the MCP client's own model."""
        uid, draft, q = self._rewrite_inputs(user_id, draft, query)
        self.store.require_user(uid)
        style, factors, examples = self._rewrite_context(uid, draft, q)
        return build_prompt(draft, style, factors, examples, q)

    def rewrite_from_answer(
        self, user_id: str | None, draft: str, query: str | None, answer: str, model: str
    ) -> RewriteOutcome:
        """Finish a rewrite whose trajectory another model (MCP sampling) wrote: validate,
        guard fidelity, store; an unusable answer falls back to the offline rewriter."""
        uid, draft, q = self._rewrite_inputs(user_id, draft, query)
        try:
            traj = parse_trajectory(answer)
        except ValidationError as e:
            return self.rewrite(uid, draft, q, llm_error=f"the client's model answered invalid JSON ({e.error_count()} errors)")
        out = guard(draft, traj, f"sampling:{model}:rewrite-{load_prompt('rewrite').hash}")
        rid = self.store.add_rewrite(
            uid, query=q, draft=draft, rewritten=out.text, trajectory=out.trajectory,
            generator=out.generator,
        )
        return RewriteOutcome(rid, uid, out.text, out.text != draft, out.generator, out.trajectory)

    def _rewrite_llm(self, uid: str, draft: str, query: str | None) -> RewriteOutcome:
        assert self.rewrite_llm is not None
        style, factors, examples = self._rewrite_context(uid, draft, query)
        out = rewrite_with_llm(self.rewrite_llm, draft, style, factors, examples, query, user_id=uid)
        rid = self.store.add_rewrite(
            uid, query=query, draft=draft, rewritten=out.text, trajectory=out.trajectory,
            generator=out.generator,
        )
        return RewriteOutcome(rid, uid, out.text, out.text != draft, out.generator, out.trajectory)

    # -- export and forget ----------------------------------------------------------------

    def export(self, user_id: str | None) -> dict[str, Any]:
        return self.store.export_user(self.user(user_id))

    def forget(self, user_id: str) -> dict[str, int]:
        uid = self.user(user_id)
        with self._lock_for(uid):
            counts = self.store.forget_user(uid)
        self._invalidate(uid)
        return counts
