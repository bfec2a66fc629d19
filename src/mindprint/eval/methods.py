"""The methods the harness compares, and the retrievers they share.

A method sees a :class:`Question` (an :class:`~mindprint.eval.datasets.Example`
without its gold: the type itself keeps the answer out of reach) and a
:class:`UserContext` (the app with this user's freshly built model, the run's
embedder and settings). It returns the answer string the metrics score; an empty
string is a refusal and is scored as wrong (the worst rating, a missed label), as
LaMP scores an unparseable answer, so abstaining is never cheaper than guessing.

Retrievers rank the user's history for a query. The baselines answer from the
top-k they return; the harness also scores the top-3 of every retriever directly
("retrieval usefulness", issue 5). A method backed by an LLM provider slots in as
one more :class:`Method` registered under that provider (see ``PROVIDERS``).
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
from rank_bm25 import BM25Okapi

from mindprint.engine.pipeline import EMBED_CHARS
from mindprint.engine.protocols import Embedder
from mindprint.errors import MindprintError
from mindprint.eval.examples import Example, ProfileItem

if TYPE_CHECKING:
    from mindprint.app import Mindprint, RetrievalResult
    from mindprint.engine.retrieval import Mode
    from mindprint.eval.population import PopulationPool, Reps, UserPopulation

SCORE_TASKS = frozenset({"rating"})
LABEL_TASKS = frozenset({"category", "classification"})
TEXT_TASKS = frozenset({"rewrite", "generation"})
ALL_TASKS = SCORE_TASKS | LABEL_TASKS | TEXT_TASKS
LABELLED_TASKS = SCORE_TASKS | LABEL_TASKS

# The paper's k, and the k that "retrieval usefulness" is defined with (issue 5).
RETRIEVAL_K = 3

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_RE = re.compile(r"\s*(?:[;:]|,\s|\s[-–—]\s)")
HEADLINE_MAX_WORDS = 12
HEADLINE_MIN_WORDS = 4


class EvalError(MindprintError):
    """The evaluation cannot run as asked (unknown method, provider, or a leaked gold)."""


@dataclass(frozen=True, slots=True)
class Question:
    """What a method may see of an example: everything but the gold."""

    id: str
    user_id: str
    task: str
    query: str
    prompt: str
    profile: tuple[ProfileItem, ...]

    @classmethod
    def of(cls, ex: Example) -> Question:
        return cls(ex.id, ex.user_id, ex.task, ex.query, ex.prompt, ex.profile)


@dataclass(frozen=True, slots=True)
class Memory:
    """One retrieved history item, whichever retriever found it."""

    response: str
    label: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Run-level facts every method may use (none of them derived from a gold)."""

    task: str
    k: int
    seed: int
    majority: str  # the most frequent profile label over every user of the run
    embedder: Embedder


@dataclass(slots=True)
class UserContext:
    """One user's state during evaluation; memoises rankings shared by methods."""

    run: RunInfo
    question: Question
    app: Mindprint
    uid: str
    # Models of everyone but this user (labelled tasks); None for text tasks.
    pool: PopulationPool | None = None
    population: UserPopulation | None = None
    _ranks: dict[str, list[int]] = field(default_factory=dict)
    _app_hits: dict[tuple[str, int], RetrievalResult] = field(default_factory=dict)
    _query_reps: Reps | None = None

    def user_population(self) -> tuple[UserPopulation, Reps]:
        """This user's leave-user-out population model and the query's representation."""
        if self.pool is None or self.population is None:
            raise EvalError(f"task {self.run.task!r} has no population model")
        if self._query_reps is None:
            self._query_reps = self.pool.query(self.question.query)
        return self.population, self._query_reps

    def ranking(self, name: str) -> list[int]:
        """Profile indices ranked by the baseline retriever ``name`` (memoised)."""
        if name not in self._ranks:
            self._ranks[name] = BASELINE_RANKERS[name](self)
        return self._ranks[name]

    def app_retrieve(self, mode: Mode | None, k: int) -> RetrievalResult:
        """``Mindprint.retrieve`` with prediction, in ``mode`` (None: the app's default)."""
        key = (mode or "default", k)
        if key not in self._app_hits:
            q = self.question.query
            if mode is None:
                res = self.app.retrieve(self.uid, q, k, predict=True)
            else:
                res = self.app.retrieve(self.uid, q, k, mode=mode, predict=True)
            self._app_hits[key] = res
        return self._app_hits[key]


# --------------------------------------------------------------------- helpers


def tokens(text: str) -> list[str]:
    """Lowercase alphanumeric runs, as ROUGE's default tokenizer reads text."""
    return _TOKEN_RE.findall(text.lower())


def item_text(p: ProfileItem) -> str:
    """The text an item is retrieved by: the input, or the response when there is none.

    The same rule and cut as the app's ``Item.text`` / ``EMBED_CHARS``. ``dense`` is
    LaMP's plain dense retriever (one embedding of the whole text), so where the app
    embeds texts differently (e.g. as a mean of sentence embeddings) its vectors are
    not shared and ``dense`` pays for its own; short texts still hit the cache.
    """
    return (p.input if p.input.strip() else p.response)[:EMBED_CHARS]


def half_up(x: float) -> int:
    # Python's round() goes to even (4.5 -> 4); ratings conventionally round half up.
    return math.floor(x + 0.5)


def majority_label(labels: Sequence[str]) -> str:
    """Most frequent label; ties go to the one seen first (``Counter`` order)."""
    return Counter(labels).most_common(1)[0][0] if labels else ""


def first_clause(text: str) -> str:
    """A trivial extractive headline: the first sentence, cut at a clause if long."""
    sentence = _SENTENCE_END_RE.split(text.strip(), maxsplit=1)[0].strip()
    words = sentence.split()
    if len(words) <= HEADLINE_MAX_WORDS:
        return sentence.rstrip(".")
    for m in _CLAUSE_RE.finditer(sentence):
        head = sentence[: m.start()].split()
        if HEADLINE_MIN_WORDS <= len(head) <= HEADLINE_MAX_WORDS:
            return " ".join(head)
    return " ".join(words[:HEADLINE_MAX_WORDS])


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


def answer_from(task: str, memories: Sequence[Memory]) -> str:
    """How a retrieval baseline answers from its top-k.

    Ratings: the mean retrieved score rounded half up. Labels: the majority label,
    ties to the higher-ranked. Texts: the top item's response, copied (there is no
    generator offline; this measures how close the user's nearest history is).
    """
    if task in SCORE_TASKS:
        scores = [m.score for m in memories if m.score is not None]
        return str(half_up(statistics.fmean(scores))) if scores else ""
    if task in LABEL_TASKS:
        return majority_label([m.label for m in memories if m.label is not None])
    return memories[0].response if memories else ""


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
    corpus = [tokens(item_text(p)) for p in profile]
    query = tokens(ctx.question.query)
    recency = ctx.ranking("recency")
    if not query or not any(corpus):
        return list(recency)  # BM25 is undefined (avgdl = 0) or all-zero
    scores = BM25Okapi(corpus).get_scores(query)
    return _by_score([float(s) for s in scores], recency)


def _rank_dense(ctx: UserContext) -> list[int]:
    profile = ctx.question.profile
    if not profile:
        return []
    emb = ctx.run.embedder
    vecs = emb.embed([item_text(p) for p in profile])
    qv = emb.embed([ctx.question.query[:EMBED_CHARS]])[0]
    sims = vecs @ qv
    return _by_score([float(s) for s in sims], ctx.ranking("recency"))


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
        return _memories(ctx.question.profile, ctx.ranking(retriever)[:k])
    if retriever in APP_MODES:
        hits = ctx.app_retrieve(APP_MODES[retriever], k).hits
        return [Memory(h.item.response, h.item.label, h.item.score) for h in hits]
    raise EvalError(f"unknown retriever {retriever!r}; choose from {', '.join(RETRIEVERS)}")


# ------------------------------------------------------------------- methods


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    description: str
    tasks: frozenset[str]
    run: Callable[[UserContext], str]
    provider: str = "offline"


def _none(ctx: UserContext) -> str:
    task, q = ctx.run.task, ctx.question
    if task == "rewrite":
        return q.query
    if task == "generation":
        return first_clause(q.query)
    return ctx.run.majority


def _user_prior(ctx: UserContext) -> str:
    task, profile = ctx.run.task, ctx.question.profile
    if task in SCORE_TASKS:
        scores = [p.score for p in profile if p.score is not None]
        return str(half_up(statistics.fmean(scores))) if scores else ""
    if task in LABEL_TASKS:
        return majority_label([p.label for p in profile if p.label is not None])
    return _medoid_response(ctx)


def _user_prior_median(ctx: UserContext) -> str:
    scores = [p.score for p in ctx.question.profile if p.score is not None]
    return str(half_up(statistics.median(scores))) if scores else ""


def _medoid_response(ctx: UserContext) -> str:
    """The user's most typical response: highest mean cosine to their other responses."""
    responses = [p.response for p in ctx.question.profile if p.response.strip()]
    if len(responses) <= 2:
        return responses[0] if responses else ""
    vecs = ctx.run.embedder.embed([r[:EMBED_CHARS] for r in responses])
    centrality = (vecs @ vecs.T).sum(axis=1)
    return responses[int(np.argmax(centrality))]


def _retrieval_method(name: str) -> Callable[[UserContext], str]:
    def run(ctx: UserContext) -> str:
        return answer_from(ctx.run.task, retrieve(ctx, name, ctx.run.k))

    return run


def _mindprint_predict(mode: Mode | None) -> Callable[[UserContext], str]:
    def run(ctx: UserContext) -> str:
        pred = ctx.app_retrieve(mode, ctx.run.k).prediction
        return pred.label if pred is not None else ""

    return run


def _mindprint(ctx: UserContext) -> str:
    task, q = ctx.run.task, ctx.question
    if task == "rewrite":
        return ctx.app.rewrite(ctx.uid, q.query).text
    if task == "generation":
        # No generator offline: the extractive headline of `none`, in the user's style.
        return ctx.app.rewrite(ctx.uid, first_clause(q.query)).text
    return _mindprint_predict(None)(ctx)


def _population(kind: str) -> Callable[[UserContext], str]:
    def run(ctx: UserContext) -> str:
        pop, q = ctx.user_population()
        if kind == "text":
            return pop.text(q)
        if kind == "text_offset":
            return pop.text_offset(q)
        return pop.prior(q, offset=kind == "prior_offset")

    return run


POPULATION_METHODS: tuple[Method, ...] = (

    Method(
        "population_text",
        "a model of everyone reading the query: ridge on the text's embedding and lexicon "
        "signals, fitted on the other users' histories of the run (no data of this user)",
        LABELLED_TASKS,
        _population("text"),
    ),
    Method(
        "population_text_offset",
        "population_text plus this user's shrunk mean residual on their history (labels: "
        "per label, i.e. their label-frequency shift): the simplest personalization",
        LABELLED_TASKS,
        _population("text_offset"),
    ),
    Method(
        "population_prior",
        "the shipped rating prior alone (fitted on Amazon histories): median stars of the text",
        SCORE_TASKS,
        _population("prior"),
    ),
    Method(
        "population_prior_offset",
        "population_prior plus a shrunk per-user intercept fitted on the user's history",
        SCORE_TASKS,
        _population("prior_offset"),
    ),
)

RETRIEVAL_ABLATION = Method(
    "mindprint_random_retrieval",
    "ablation: mindprint with its retrieval replaced by random items of the same user "
    "(what feature-level retrieval adds to the prediction)",
    LABELLED_TASKS,
    _mindprint_predict("random"),
)

OFFLINE_METHODS: tuple[Method, ...] = (
    Method(
        "none",
        "no personalization: global majority label of the run's profiles; the draft "
        "unchanged (rewrite); the description's first clause (generation)",
        ALL_TASKS,
        _none,
    ),
    Method(
        "user_prior",
        "the user's own distribution, query ignored: mean score rounded half up; "
        "majority label; the most central history response (texts)",
        ALL_TASKS,
        _user_prior,
    ),
    Method(
        "user_prior_median",
        "the user's median score, rounded half up",
        SCORE_TASKS,
        _user_prior_median,
    ),
    *(
        Method(
            name,
            f"top-k by {how}; answers from the retrieved items (mean score, majority "
            "label, or the top response copied)",
            ALL_TASKS,
            _retrieval_method(name),
        )
        for name, how in (
            ("recency", "recency"),
            ("random", "a seeded random draw"),
            ("bm25", "BM25 of the raw query over the history inputs"),
            ("dense", "cosine of raw-query and history embeddings"),
        )
    ),
    *POPULATION_METHODS,
    Method(
        "mindprint",
        "the app: feature-level retrieval + factor statistics (retrieve().prediction); "
        "rewrite() for rewrite; for generation the `none` headline through rewrite()",
        ALL_TASKS,
        _mindprint,
    ),
    RETRIEVAL_ABLATION,
)

def _mindprint_llm(ctx: UserContext) -> str:
    """RPM with an LLM: the user was built by the LLM stages; the answer is generated
    conditioned on the factor table and the retrieved reasoning paths (rewrite: the
    reflection step)."""
    from mindprint.engine.llm_stages import answer

    task, q = ctx.run.task, ctx.question
    llm = ctx.app.llm
    if llm is None:
        raise EvalError("the mindprint LLM method needs an app built with a provider")
    if task == "rewrite":
        return ctx.app.rewrite(ctx.uid, q.query).text
    res = ctx.app_retrieve(None, ctx.run.k)
    hits = [(h.item, list(h.features), h.path) for h in res.hits]
    out, _why = answer(llm, q.prompt, ctx.app.models.factors(ctx.uid, ctx.app.limits.max_page)[1], hits, user_id=ctx.uid)
    return out


LLM_METHODS: tuple[Method, ...] = (
    *(m for m in OFFLINE_METHODS if not m.name.startswith("mindprint")),
    Method(
        "mindprint",
        "RPM with the LLM: LLM-built features, factors and paths; feature-level retrieval; "
        "the answer generated from the factor table and the retrieved paths",
        frozenset({"rating", "classification", "category", "generation", "rewrite"}),
        _mindprint_llm,
        provider="llm",
    ),
    Method(
        "mindprint_offline_answer",
        "the LLM-built user model with the offline answer helper",
        LABELLED_TASKS,
        _mindprint_predict(None),
        provider="llm",
    ),
)

def _rewrite_without(rule: str) -> Callable[[UserContext], str]:
    """The offline rewriter with one rule switched off (ablation)."""
    from mindprint.engine.rewrite import REWRITE_RULES, rewrite_offline

    def run(ctx: UserContext) -> str:
        meta = ctx.app.models.model_meta(ctx.uid)
        style = meta.summary.style if meta else {}
        return rewrite_offline(ctx.question.query, style, rules=[r for r in REWRITE_RULES if r != rule]).text

    return run


def _ablations() -> tuple[Method, ...]:
    from mindprint.engine.rewrite import REWRITE_RULES

    return tuple(
        Method(f"mindprint_no_{rule}", f"the offline rewriter without its `{rule}` rule (ablation)",
               frozenset({"rewrite"}), _rewrite_without(rule))
        for rule in REWRITE_RULES
    )


OFFLINE_METHODS = (*OFFLINE_METHODS, *_ablations())

# Provider -> the methods it makes available.
LLM_PROVIDERS = ("anthropic", "openai")
PROVIDERS: Mapping[str, tuple[Method, ...]] = {
    "offline": OFFLINE_METHODS,
    **dict.fromkeys(LLM_PROVIDERS, LLM_METHODS),
}


def available_methods(provider: str) -> tuple[Method, ...]:
    if provider in PROVIDERS:
        return PROVIDERS[provider]
    raise EvalError(f"unknown provider {provider!r}; choose from: {', '.join(PROVIDERS)}")


def select_methods(task: str, provider: str, names: Sequence[str] | None) -> list[Method]:
    """The methods to run: all that apply to ``task`` by default, else ``names`` in order."""
    pool = available_methods(provider)
    if not names:
        return [m for m in pool if task in m.tasks]
    by_name = {m.name: m for m in pool}
    chosen: list[Method] = []
    for name in dict.fromkeys(names):
        if name not in by_name:
            raise EvalError(f"unknown method {name!r}; choose from: {', '.join(by_name)}")
        if task not in by_name[name].tasks:
            raise EvalError(
                f"method {name!r} does not apply to task {task!r} "
                f"(it applies to: {', '.join(sorted(by_name[name].tasks))})"
            )
        chosen.append(by_name[name])
    return chosen
