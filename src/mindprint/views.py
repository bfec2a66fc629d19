"""What the outside world sees: pydantic models built from the app's results.

The MCP tools return these (so clients get an ``outputSchema``) and the CLI prints
them; one definition keeps the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from mindprint.engine.factors.departure_stats import EffectKind, FactorDeparture
from mindprint.engine.features.text import trim
from mindprint.engine.types import Factor, Feature

if TYPE_CHECKING:
    # Type-only: the server imports these models at start-up to publish schemas, and
    # must not pay for the app (numpy, SQLite, the embedder) before its first call.
    from mindprint.app import Mindprint
    from mindprint.services.feedback import FeedbackReceipt
    from mindprint.services.rewrite import RewriteOutcome

INPUT_CHARS = 400
RESPONSE_CHARS = 600


def lean(prop: dict[str, Any]) -> None:
    """Shorten one property's JSON schema: the assistant's model reads every schema in
    tools/list, so it says only what the names do not. No generated title, and an
    optional value is just absent (results leave out None values) instead of
    ``anyOf [T, null]`` with a null default."""
    prop.pop("title", None)
    if prop.get("additionalProperties") is True:
        prop.pop("additionalProperties")  # JSON Schema's default
    arms = prop.get("anyOf")
    if isinstance(arms, list) and len(arms) == 2 and {"type": "null"} in arms:
        prop.pop("anyOf")
        prop.update(next(a for a in arms if a != {"type": "null"}))
        if prop.get("default", 0) is None:
            prop.pop("default")


def _lean_schema(schema: dict[str, Any], cls: type) -> None:
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        lean(prop)


class View(BaseModel):
    """Base of every output model: a lean JSON schema (see :func:`lean`)."""

    model_config = ConfigDict(json_schema_extra=_lean_schema)


class FeatureView(View):
    name: str = Field(description="A key phrase or a writing habit.")
    context: str | None = Field(
        default=None, description="Where it appears; absent if the whole text."
    )
    kind: str = Field(description="content or style.")
    polarity: float = Field(description="Sentiment of its context, -1..1.")
    factor: str | None = Field(default=None, description="The user factor it belongs to.")
    origin: str | None = Field(
        default=None,
        description="host: your record_feedback reason; llm: the LLM; fallback: offline as "
        "the LLM failed; absent: offline.",
    )


class FactorView(View):
    id: str
    name: str
    description: str
    members: list[str] = Field(description="Member features, most frequent first.")
    n_items: int = Field(description="Items with it.")
    coverage: float = Field(description="Share of items with it.")
    polarity: dict[str, float] | None = Field(default=None, description="Shares of pos/neu/neg contexts.")
    mean_score: float | None = Field(default=None, description="Mean score when present.")
    base_mean_score: float | None = Field(default=None, description="Mean score overall.")
    lift: float | None = Field(
        default=None,
        description="Score difference or label-share ratio vs the base rate.",
    )
    top_label: str | None = None
    label_distribution: dict[str, int] | None = None
    influence: float | None = Field(
        default=None, description="Share of responses reusing its words."
    )
    uncertain: bool = Field(description="Measured on fewer than 5 items.")
    host_reasons: list[str] | None = Field(
        default=None,
        description="Members you passed as record_feedback reasons.",
    )
    effect: float | None = Field(default=None, description="Departure from a model of everyone.")
    effect_ci95: list[float] | None = None
    evidence: str | None = None
    examples: list[int] | None = None


class UserFactorsView(View):
    user_id: str
    history_size: int
    built: bool = Field(description="False until the first `mindprint build`.")
    built_at: str | None = None
    extractor: str | None = Field(default=None, description="offline or which LLM built it.")
    model_version: int | None = None
    items_since_build: int = 0
    label_counts: dict[str, int] = Field(default_factory=dict)
    mean_score: float | None = None
    style: dict[str, Any] = Field(default_factory=dict, description="Measured writing habits.")
    # How well it predicted the user's past answers, in a sentence (the MCP App card shows
    # it). Left out of the schema: its name and its text say what it is, and tools/list
    # has a size budget.
    backtest: SkipJsonSchema[str | None] = None
    factors: list[FactorView]


class RetrievedView(View):
    item_id: int
    score: float = Field(description="Similarity to the query.")
    input: str = Field(description="What the user was responding to (trimmed).")
    response: str = Field(description="What the user answered (trimmed).")
    label: str | None = None
    features: list[FeatureView]
    # A default: compact tool results omit None, and a required field would then fail
    # the tool's own output schema (items recorded before any build have no path).
    reasoning_path: str | None = Field(
        default=None, description="Why the user answered that way; absent if unwritten."
    )
    shared_factors: list[str] = Field(description="Factors shared with the query.")


class PredictionView(View):
    label: str
    value: float | None = None
    distribution: dict[str, float] = Field(default_factory=dict)
    explanation: str


class RetrievalView(View):
    user_id: str
    query_features: list[FeatureView]
    items: list[RetrievedView]
    likely_preference: PredictionView | None = Field(
        default=None, description="Their likely rating or label."
    )


class FeedbackReceiptView(View):
    feedback_id: int
    item_id: int
    new_item: bool = Field(description="False if already stored.")
    history_size: int
    refresh_scheduled: bool = Field(description="Factors are being rebuilt.")


class EditView(View):
    change: str
    reason: str = Field(description="Evidence from their history.")
    applied: bool | None = Field(default=None, description="False: apply it yourself; absent: unknown.")
    factor: str = Field(description="Its factor.")


class RewriteView(View):
    rewrite_id: int
    user_id: str
    rewritten: str
    changed: bool
    generator: str = Field(description="What wrote `rewritten`.")
    fallback: dict[str, str] | None = Field(default=None, description="Refused: from, reason.")
    profile_analysis: list[str] = Field(description="Their relevant habits and factors.")
    gaps: list[str] = Field(description="Where the draft departs.")
    preserve: list[str] = Field(description="Spans kept verbatim.")
    edit_plan: list[EditView]


def feature_view(f: Feature, names: dict[str, str], whole: tuple[str, ...] = ()) -> FeatureView:
    """``whole``: the texts the feature comes from; a context equal to one of them is
    dropped (it would repeat the query or the item once per feature)."""
    context = f.context.strip()
    return FeatureView(
        name=f.name,
        context=None if context in {w.strip() for w in whole} else f.context,
        kind=f.kind,
        polarity=round(f.polarity, 3),
        factor=names.get(f.factor_id or ""),
        origin=None if f.origin == "offline" else f.origin,
    )


def factor_view(f: Factor, stated: set[str] | frozenset[str] = frozenset()) -> FactorView:
    """``stated``: names of the host model's reasons, shown apart with their origin."""
    st = f.stats
    return FactorView(
        id=f.id,
        name=f.name,
        description=f.description,
        members=list(f.members[:12]),
        n_items=int(st.get("n_items", 0)),
        coverage=float(st.get("coverage", 0.0)),
        polarity=st.get("polarity"),
        mean_score=st.get("mean_score"),
        base_mean_score=st.get("base_mean_score"),
        lift=st.get("lift"),
        top_label=st.get("top_label"),
        label_distribution=st.get("label_distribution"),
        influence=st.get("influence"),
        uncertain=bool(st.get("uncertain", True)),
        host_reasons=[m for m in f.members if m in stated] or None,
        **_departure_fields(f),
    )


def _departure_fields(f: Factor) -> dict[str, Any]:
    dep = FactorDeparture.of(f.stats)
    if dep is None:
        return {}
    return {
        "effect": dep.effect.value,
        "effect_ci95": list(dep.effect.ci95),
        "evidence": evidence_sentence(f.name, dep),
        "examples": list(dep.examples),
    }


def evidence_sentence(name: str, dep: FactorDeparture) -> str:
    """E.g. "judged well vs badly: +1.7 beyond what the text suggests (95% CI 0.8 to 2.7,
    21 items); per doubling of g: -0.35"."""
    lo, hi = dep.effect.ci95
    if dep.effect.kind is EffectKind.JUDGED:
        head = f"when {name} is judged well rather than badly: {dep.effect.value:+.2f}"
    else:
        head = f"when {name} is present: {dep.effect.value:+.2f}"
    text = f"{head} beyond what the text suggests (95% CI {lo:+.2f} to {hi:+.2f}, {dep.present.n} items)"
    q = dep.quantity
    if q is not None:
        qlo, qhi = q.ci95
        text += f"; per doubling of {q.unit}: {q.per_doubling:+.2f} ({qlo:+.2f} to {qhi:+.2f})"
    return text


def factors_view(
    m: Mindprint, user_id: str, limit: int | None = None, *, lexicon: bool = False
) -> UserFactorsView:
    """``lexicon``: keep the word-count lexicon in ``style`` (the rewriter's raw counts:
    the profile resource shows them, the tool result leaves them out)."""
    meta, facs, n = m.models.factors(user_id, limit)
    style = dict(meta.summary.style) if meta else {}
    if not lexicon:
        style.pop("lexicon", None)
    stated = m.models.host_reasons(user_id) if meta else set()
    return UserFactorsView(
        user_id=user_id,
        history_size=n,
        built=meta is not None,
        built_at=meta.built_at if meta else None,
        extractor=meta.extractor if meta else None,
        model_version=meta.version if meta else None,
        items_since_build=max(0, n - meta.item_count) if meta else n,
        label_counts=meta.summary.label_counts if meta else {},
        mean_score=meta.summary.mean_score if meta else None,
        style=style,
        backtest=m.backtest.run(user_id).sentence if meta else None,
        factors=[factor_view(f, stated) for f in facs],
    )


def retrieval_view(m: Mindprint, user_id: str, query: str, k: int = 3) -> RetrievalView:
    res = m.retrieval.retrieve(user_id, query, k)
    names = res.factor_names
    pred = res.prediction
    return RetrievalView(
        user_id=res.user_id,
        query_features=[feature_view(f, names, (query,)) for f in res.query_features],
        items=[
            RetrievedView(
                item_id=h.item.id,
                score=h.score,
                input=trim(h.item.input, INPUT_CHARS),
                response=trim(h.item.response, RESPONSE_CHARS),
                label=h.item.label,
                features=[feature_view(f, names, (h.item.input, h.item.response)) for f in h.features],
                reasoning_path=h.path,
                shared_factors=list(h.shared_factors),
            )
            for h in res.hits
        ],
        likely_preference=(
            PredictionView(
                label=pred.label, value=pred.value, distribution=pred.distribution,
                explanation=pred.explanation.text,
            )
            if pred is not None and pred.label
            else None
        ),
    )


def receipt_view(r: FeedbackReceipt) -> FeedbackReceiptView:
    return FeedbackReceiptView(
        feedback_id=r.feedback_id,
        item_id=r.item_id,
        new_item=r.new_item,
        history_size=r.history_size,
        refresh_scheduled=r.refresh_scheduled,
    )


def rewrite_view(r: RewriteOutcome) -> RewriteView:
    t = r.trajectory
    return RewriteView(
        rewrite_id=r.rewrite_id,
        user_id=r.user_id,
        rewritten=r.text,
        changed=r.changed,
        generator=r.generator,
        fallback=r.fallback,
        profile_analysis=list(t.get("profile_analysis", [])),
        gaps=list(t.get("gap_analysis", {}).get("gaps", [])),
        preserve=list(t.get("gap_analysis", {}).get("preserve", [])),
        edit_plan=[EditView(**e) for e in t.get("edit_plan", [])],
    )
