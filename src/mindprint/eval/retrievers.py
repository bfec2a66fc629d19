"""The retrievers the harness compares: baseline rankings of the user's history
(recency, random, BM25, dense) and mindprint's own retrieval modes, as top-k memories."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rank_bm25 import BM25Okapi

from mindprint.engine.pipeline import EMBED_CHARS, embed_mean
from mindprint.eval.context import EvalError, Memory, UserContext, tokens
from mindprint.eval.examples import ProfileItem

if TYPE_CHECKING:
    from mindprint.engine.predict.retrieval import Mode


def retrieval_text(p: ProfileItem) -> str:
    """The text the lexical and dense baselines retrieve an item by: ``ProfileItem.text`` cut at
    ``EMBED_CHARS``, as the app cuts what it embeds. ``dense`` is
    LaMP's plain dense retriever (one embedding of the whole text), so where the app
    embeds texts differently (e.g. as a mean of sentence embeddings) its vectors are
    not shared and ``dense`` pays for its own; short texts still hit the cache.
    """
    return p.text[:EMBED_CHARS]


def _timestamp(date: str | None) -> float:
    if not date:
        return -math.inf
    try:
        return float(date)  # unix seconds (Amazon)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return -math.inf
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def recency_order(profile: Sequence[ProfileItem]) -> list[int]:
    """Newest first; undated items count as oldest, then later position is newer."""
    return sorted(range(len(profile)), key=lambda i: (_timestamp(profile[i].date), i), reverse=True)


def _by_score(scores: Sequence[float], recency: Sequence[int]) -> list[int]:
    # Ties (e.g. no shared word at all for BM25) go to the more recent item.
    rank = {i: r for r, i in enumerate(recency)}
    return sorted(range(len(scores)), key=lambda i: (-scores[i], rank[i]))


def _memories(profile: Sequence[ProfileItem], idx: Sequence[int]) -> list[Memory]:
    return [Memory(profile[i].response, profile[i].label, profile[i].score) for i in idx]


# ------------------------------------------------------------------- rankers


def _rank_recency(ctx: UserContext) -> list[int]:
    return recency_order(ctx.question.profile)


def _rank_random(ctx: UserContext) -> list[int]:
    # A string seed is hashed deterministically by random (unlike hash()), so each
    # user's draw is the same in every run and independent of which users are sampled.
    order = list(range(len(ctx.question.profile)))
    random.Random(f"{ctx.run.seed}:{ctx.question.id}").shuffle(order)
    return order


def _rank_bm25(ctx: UserContext) -> list[int]:
    profile = ctx.question.profile
    corpus = [tokens(retrieval_text(p)) for p in profile]
    query = tokens(ctx.question.query)
    recency = ranking(ctx, "recency")
    if not query or not any(corpus):
        return list(recency)  # BM25 is undefined (avgdl = 0) or all-zero
    scores = BM25Okapi(corpus).get_scores(query)
    return _by_score([float(s) for s in scores], recency)


def _rank_dense(ctx: UserContext) -> list[int]:
    profile = ctx.question.profile
    if not profile:
        return []
    # The sentence-mean vectors mindprint and the population model read (one embedding
    # pass per run: the run's cache already holds them).
    emb = ctx.run.embedder
    vecs = embed_mean(emb, [retrieval_text(p) for p in profile])
    qv = embed_mean(emb, [ctx.question.query[:EMBED_CHARS]])[0]
    sims = vecs @ qv
    return _by_score([float(s) for s in sims], ranking(ctx, "recency"))


BASELINE_RANKERS: Mapping[str, Callable[[UserContext], list[int]]] = {
    "recency": _rank_recency,
    "random": _rank_random,
    "bm25": _rank_bm25,
    "dense": _rank_dense,
}

# Mindprint's retrieval modes as retrievers: None is whatever the app defaults to.
APP_MODES: Mapping[str, Mode | None] = {
    "mindprint": None,
    "mindprint_features": "features",
    "mindprint_raw": "raw",
    "mindprint_hybrid": "hybrid",
}
RETRIEVERS: tuple[str, ...] = (*BASELINE_RANKERS, *APP_MODES)


def retrieve(ctx: UserContext, retriever: str, k: int) -> list[Memory]:
    """Top-``k`` memories of ``retriever`` (a baseline ranker or a mindprint mode)."""
    if retriever in BASELINE_RANKERS:
        return _memories(ctx.question.profile, ranking(ctx, retriever)[:k])
    if retriever in APP_MODES:
        hits = ctx.app_retrieve(APP_MODES[retriever], k).hits
        return [Memory(h.item.response, h.item.label, h.item.score) for h in hits]
    raise EvalError(f"unknown retriever {retriever!r}; choose from {', '.join(RETRIEVERS)}")


def ranking(ctx: UserContext, name: str) -> list[int]:
    """Profile indices ranked by the baseline retriever ``name`` (memoised in ``ctx``)."""
    if name not in ctx.ranks:
        ctx.ranks[name] = BASELINE_RANKERS[name](ctx)
    return ctx.ranks[name]
