"""What the outside world sees: pydantic models built from the app's results.

The MCP tools return these (so clients get an ``outputSchema``) and the CLI prints
them; one definition keeps the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mindprint.engine.text import trim
from mindprint.engine.types import Factor, Feature

if TYPE_CHECKING:
    # Type-only: the server imports these models at start-up to publish schemas, and
    # must not pay for the app (numpy, SQLite, the embedder) before its first call.
    from mindprint.app import Mindprint
    from mindprint.services.feedback import FeedbackReceipt
    from mindprint.services.rewrite import RewriteOutcome

INPUT_CHARS = 400
RESPONSE_CHARS = 600


class FeatureView(BaseModel):
    name: str = Field(description="The feature, e.g. a key phrase or a writing habit.")
    context: str = Field(description="Where it appears or how it shows.")
    kind: str = Field(description="'content' (of the input) or 'style' (of the user's writing).")
    polarity: float = Field(description="Sentiment of its context, -1..1.")
    factor: str | None = Field(default=None, description="The user factor it belongs to.")


class FactorView(BaseModel):
    id: str
    name: str
    description: str
    members: list[str] = Field(description="Member features (most frequent first, capped).")
    n_items: int = Field(description="History items where the factor is present.")
    coverage: float = Field(description="Share of the history where it is present.")
    polarity: dict[str, float] | None = Field(default=None, description="Shares of pos/neu/neg contexts.")
    mean_score: float | None = Field(default=None, description="User's mean score when present.")
    base_mean_score: float | None = Field(default=None, description="User's mean score overall.")
    lift: float | None = Field(
        default=None,
        description="Shrunk score difference (scores) or label-share ratio (labels) vs the base rate.",
    )
    top_label: str | None = None
    label_distribution: dict[str, int] | None = None
    influence: float | None = Field(
        default=None, description="Share of items where its words reappear in the response."
    )
    uncertain: bool = Field(description="True when measured on fewer than 5 items.")


class UserFactorsView(BaseModel):
    user_id: str
    history_size: int
    built: bool = Field(description="False until the first build; call it with `mindprint build`.")
    built_at: str | None = None
    extractor: str | None = Field(default=None, description="offline or which LLM built it.")
    model_version: int | None = None
    items_since_build: int = 0
    label_counts: dict[str, int] = Field(default_factory=dict)
    mean_score: float | None = None
    style: dict[str, Any] = Field(default_factory=dict, description="Measured writing habits.")
    factors: list[FactorView]


class RetrievedView(BaseModel):
    item_id: int
    score: float = Field(description="Feature-level similarity to the query.")
    input: str = Field(description="What the user was responding to (trimmed).")
    response: str = Field(description="What the user answered (trimmed).")
    label: str | None = None
    features: list[FeatureView]
    reasoning_path: str | None = Field(description="Why the user answered that way.")
    shared_factors: list[str] = Field(description="User factors this item shares with the query.")


class PredictionView(BaseModel):
    label: str
    value: float | None = None
    distribution: dict[str, float] = Field(default_factory=dict)
    explanation: str


class RetrievalView(BaseModel):
    user_id: str
    query_features: list[FeatureView]
    items: list[RetrievedView]
    likely_preference: PredictionView | None = Field(
        default=None, description="For labelled histories: the label this user would likely give."
    )


class FeedbackReceiptView(BaseModel):
    feedback_id: int
    item_id: int
    new_item: bool = Field(description="False when the same exchange was already stored.")
    history_size: int
    refresh_scheduled: bool = Field(description="True when factors are being rebuilt in the background.")


class EditView(BaseModel):
    change: str
    reason: str = Field(description="The evidence from the user's history.")
    applied: bool = Field(description="True if already in `rewritten`; False: advice for you to apply.")
    factor: str = Field(description="The user factor that drove the edit.")


class RewriteView(BaseModel):
    rewrite_id: int = Field(description="Pass it to record_feedback to rate this rewrite.")
    user_id: str
    rewritten: str
    changed: bool
    generator: str = Field(description="offline-style-v2, or the LLM that wrote it.")
    profile_analysis: list[str] = Field(description="The user's relevant habits and factors.")
    gaps: list[str] = Field(description="How the draft departs from them.")
    preserve: list[str] = Field(description="Spans kept verbatim: code, URLs, mentions, numbers.")
    edit_plan: list[EditView]


def feature_view(f: Feature, names: dict[str, str]) -> FeatureView:
    return FeatureView(
        name=f.name,
        context=f.context,
        kind=f.kind,
        polarity=round(f.polarity, 3),
        factor=names.get(f.factor_id or ""),
    )


def factor_view(f: Factor) -> FactorView:
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
    )


def factors_view(m: Mindprint, user_id: str, limit: int | None = None) -> UserFactorsView:
    meta, facs, n = m.models.factors(user_id, limit)
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
        style=meta.summary.style if meta else {},
        factors=[factor_view(f) for f in facs],
    )


def retrieval_view(m: Mindprint, user_id: str, query: str, k: int = 3) -> RetrievalView:
    res = m.retrieval.retrieve(user_id, query, k)
    names = res.factor_names
    pred = res.prediction
    return RetrievalView(
        user_id=res.user_id,
        query_features=[feature_view(f, names) for f in res.query_features],
        items=[
            RetrievedView(
                item_id=h.item.id,
                score=h.score,
                input=trim(h.item.input, INPUT_CHARS),
                response=trim(h.item.response, RESPONSE_CHARS),
                label=h.item.label,
                features=[feature_view(f, names) for f in h.features],
                reasoning_path=h.path,
                shared_factors=list(h.shared_factors),
            )
            for h in res.hits
        ],
        likely_preference=(
            PredictionView(
                label=pred.label, value=pred.value, distribution=pred.distribution,
                explanation=pred.explanation,
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
        profile_analysis=list(t.get("profile_analysis", [])),
        gaps=list(t.get("gap_analysis", {}).get("gaps", [])),
        preserve=list(t.get("gap_analysis", {}).get("preserve", [])),
        edit_plan=[EditView(**e) for e in t.get("edit_plan", [])],
    )
