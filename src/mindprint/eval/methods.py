"""The methods the harness compares (the retrievers they share live in ``retrievers``).

A method sees a :class:`~mindprint.eval.examples.Question` (an ``Example`` without
its gold: the type itself keeps the answer out of reach) and a
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

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mindprint.engine.pipeline import EMBED_CHARS
from mindprint.errors import InvalidAnswer
from mindprint.eval.context import (
    ALL_TASKS,
    LABEL_TASKS,
    LABELLED_TASKS,
    SCORE_TASKS,
    EvalError,
    UserContext,
    answer_from,
    first_clause,
    half_up,
    typical_answer,
)
from mindprint.eval.retrievers import retrieve

if TYPE_CHECKING:
    from mindprint.engine.predict.retrieval import Mode

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
    if task in SCORE_TASKS | LABEL_TASKS:
        return typical_answer(task, [p.score for p in profile if p.score is not None],
                              [p.label for p in profile if p.label is not None])
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
        "the shipped rating prior alone (its pooled head: dev histories of the review sets): median stars of the text",
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

DEPLOYMENT_METHODS: tuple[Method, ...] = (
    Method(
        "population_shipped",
        "deployment mode: the population this person's own server reads (the shipped model "
        "of review text -> rating, or their own history read leave-one-out, as the deployment "
        "policy chose by leave-one-out on their history), alone",
        LABELLED_TASKS,
        lambda ctx: ctx.shipped()[0],
    ),
    Method(
        "population_shipped_offset",
        "population_shipped plus this person's shrunk mean residual (labels: per label): what "
        "a lone server could do without mindprint's departure model",
        LABELLED_TASKS,
        lambda ctx: ctx.shipped()[1],
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
    *DEPLOYMENT_METHODS,
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
    from mindprint.engine.llm.stages import answer

    task, q = ctx.run.task, ctx.question
    llm = ctx.app.llm
    if llm is None:
        raise EvalError("the mindprint LLM method needs an app built with a provider")
    if task == "rewrite":
        return ctx.app.rewrite(ctx.uid, q.query).text
    res = ctx.app_retrieve(None, ctx.run.k)
    hits = [(h.item, list(h.features), h.path) for h in res.hits]
    try:
        out, _why = answer(llm, q.prompt, ctx.app.models.factors(ctx.uid, ctx.app.limits.max_page)[1],
                           hits, query_features=res.query_features, user_id=ctx.uid)
    except InvalidAnswer:
        # A model that cannot answer in the task's format degrades to the offline answer
        # of the same user model: never below offline quality, never a failed run.
        return _mindprint(ctx)
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
    from mindprint.engine.rewrite.offline import REWRITE_RULES, rewrite_offline

    def run(ctx: UserContext) -> str:
        meta = ctx.app.models.model_meta(ctx.uid)
        style = meta.summary.style if meta else {}
        return rewrite_offline(ctx.question.query, style, rules=[r for r in REWRITE_RULES if r != rule]).text

    return run


def _ablations() -> tuple[Method, ...]:
    from mindprint.engine.rewrite.offline import REWRITE_RULES

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


def select_methods(task: str, provider: str, names: Sequence[str] | None,
                   population: str = "pool") -> list[Method]:
    """The methods to run: all that apply to ``task`` by default, else ``names`` in order.
    The pool's population baselines run in pool mode only, the deployment ones in
    deployment mode (``population="shipped"`` or ``"team"``) only."""
    other = DEPLOYMENT_METHODS if population == "pool" else POPULATION_METHODS
    pool = tuple(m for m in available_methods(provider) if m not in other)
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
