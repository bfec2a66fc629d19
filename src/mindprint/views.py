"""What the outside world sees: pydantic models built from the app's results.

The MCP tools return these (so clients get an ``outputSchema``) and the CLI prints
them; one definition keeps the two in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from mindprint.engine.features.text import trim
from mindprint.engine.model_settings import MODEL
from mindprint.engine.types import Factor, Feature
from mindprint.locations import welcome

if TYPE_CHECKING:
    # Type-only: the server imports these models at start-up to publish schemas, and
    # must not pay for the app (numpy, SQLite, the embedder) before its first call.
    from mindprint.app import Mindprint
    from mindprint.services.feedback import FeedbackReceipt
    from mindprint.services.rewrite import RewriteOutcome

INPUT_CHARS = 400
RESPONSE_CHARS = 600
QUOTE_CHARS = 240
# Standing preferences get_user_factors lists unless asked otherwise: all of most people's.
DEFAULT_PREFERENCES = 20
# The measured factors a profile shows unless asked for more.
DEFAULT_FACTORS = 10
# How an effect's colour reads, the same in the CLI, the dashboard and the MCP App card.
EFFECT_LEGEND = (
    "Effects are beyond what a model of everyone reads in the text, with 95% intervals. "
    "Green: you answer higher (for a quantity: as it doubles); red: lower; bold: clear "
    "after testing every factor."
)


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
    name: str
    context: str | None = Field(default=None, description="Absent if the whole text.")
    kind: str
    polarity: float = Field(description="-1..1.")
    factor: str | None = None
    origin: str | None = Field(
        default=None, description="host (your reasons), llm, fallback; absent: offline."
    )


class FactorView(View):
    id: str
    name: str
    description: str
    members: list[str]
    n_items: int = Field(description="Items with it.")
    coverage: float
    polarity: dict[str, float] | None = None
    mean_score: float | None = None
    base_mean_score: float | None = None
    lift: float | None = Field(default=None, description="vs the base rate.")
    top_label: str | None = None
    label_distribution: dict[str, int] | None = None
    influence: float | None = None
    uncertain: bool  # fewer than 5 items
    host_reasons: list[str] | None = Field(default=None, description="Your record_feedback reasons.")
    effect: float | None = Field(default=None, description="Beyond a model of everyone.")
    effect_ci95: list[float] | None = None
    clear: bool | None = None
    evidence: str | None = None
    examples: list[int] | None = None


class PreferenceView(View):
    quote: str
    stance: str = Field(description="likes, avoids, needs or is.")
    firmness: str = Field(description="strict, firm or prefer.")
    domain: str
    chosen: str | None = None
    items: list[int]
    last_seen: str | None = None


# What to follow and why (last_seen, ignored, is in get_user_factors); no docstring: tools/list.
class ApplyingView(View):
    quote: str
    stance: str
    firmness: str
    domain: str
    chosen: str | None = None
    items: list[int]
    because: str = Field(description="Why it applies.")


class UserFactorsView(View):
    user_id: str
    history_size: int
    built: bool  # false before the first build
    built_at: str | None = None
    extractor: str | None = None
    model_version: int | None = None
    items_since_build: int = 0
    label_counts: dict[str, int] = Field(default_factory=dict)
    mean_score: float | None = None
    style: dict[str, Any] = Field(default_factory=dict)
    # How well it predicted the user's past answers, in a sentence (the MCP App card shows
    # it). Left out of the schema: its name and its text say what it is, and tools/list
    # has a size budget.
    backtest: SkipJsonSchema[str | None] = None
    preferences: list[PreferenceView] = Field(
        default_factory=list, description="What they said of themselves, firmest and most strongly said first."
    )
    preferences_total: int = 0
    factors: list[FactorView]
    # For a person with no history yet (see WELCOME); left out of the schema likewise.
    welcome: SkipJsonSchema[str | None] = None


class RetrievedView(View):
    item_id: int
    score: float
    input: str = Field(description="What they were shown.")
    response: str = Field(description="What they answered.")
    label: str | None = None
    features: list[FeatureView]
    # A default: compact tool results omit None, and a required field would then fail
    # the tool's own output schema (items recorded before any build have no path).
    reasoning_path: str | None = Field(default=None, description="Why they answered so.")
    shared_factors: list[str]


class PredictionView(View):
    label: str
    value: float | None = None
    distribution: dict[str, float] = Field(default_factory=dict)
    explanation: str


class RetrievalView(View):
    user_id: str
    query_features: list[FeatureView]
    every_answer: list[str] | None = None
    preferences: list[ApplyingView] = Field(default_factory=list)
    items: list[RetrievedView]
    likely_preference: PredictionView | None = Field(
        default=None, description="Their likely rating or label."
    )
    welcome: SkipJsonSchema[str | None] = None  # no history yet: what to do (WELCOME)


class FeedbackReceiptView(View):
    feedback_id: int
    item_id: int
    new_item: bool = Field(description="False if already stored.")
    history_size: int
    refresh_scheduled: bool = Field(description="Factors are being rebuilt.")
    # True when the call repeated an earlier one and recorded nothing; left out of the
    # schema (the tool's description says it), as the result holds it only then.
    duplicate: SkipJsonSchema[bool | None] = None


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
    # Loaded here: the departure statistics need numpy, and the server imports this
    # module at start-up to publish its schemas.
    from mindprint.engine.factors import wording
    from mindprint.engine.factors.departure_stats import FactorDeparture

    dep = FactorDeparture.of(f.stats)
    if dep is None:
        return {}
    return {
        "effect": dep.effect.value,
        "effect_ci95": list(dep.effect.ci95),
        "clear": dep.effect.clear,
        "evidence": wording.evidence(f.name, dep),
        "examples": list(dep.examples),
    }


def preference_fields(f: Factor) -> dict[str, Any]:
    st = f.stats
    seen = st.get("last_seen")
    return {
        "quote": trim(str(st.get("quote") or f.description), QUOTE_CHARS),
        "stance": str(st.get("stance") or ""),
        "firmness": str(st.get("firmness") or "prefer"),
        "domain": str(st.get("domain") or ""),
        "chosen": trim(str(st["chosen"]), QUOTE_CHARS) if st.get("chosen") else None,
        # The latest few: a preference said in many exchanges names only some of them.
        "items": [int(i) for i in st.get("items", [])][-MODEL.pref_cited_items:],
        "last_seen": str(seen)[:10] if seen else None,
    }


def is_preference(f: Factor) -> bool:
    return f.stats.get("kind") == "preference"


def welcome_text(m: Mindprint, user_id: str, program: str) -> str:
    """What a person with no history is told, naming this app's database."""
    return welcome(user_id, m.admin.database(), program)


def factors_view(
    m: Mindprint, user_id: str, limit: int | None = None, *, lexicon: bool = False,
    preferences: int = DEFAULT_PREFERENCES, program: str | None = None, wait: bool = True,
) -> UserFactorsView:
    """``lexicon``: keep the word-count lexicon in ``style`` (the rewriter's raw counts:
    the profile resource shows them, the tool result leaves them out). ``preferences``:
    the most standing preferences listed (their own budget, beside ``limit``).
    ``program`` (how this mindprint runs from a shell, see :func:`welcome_text`): a user
    with no history gets an empty view with the welcome; without it, an unknown user is
    an error. ``wait=False`` (a tool call): the last backtest measured, while one of the
    current history is measured in the background."""
    if program is not None and not m.admin.history_size(user_id):
        return UserFactorsView(user_id=user_id, history_size=0, built=False, factors=[],
                               welcome=welcome_text(m, user_id, program))
    meta, everything, n = m.models.factors(user_id, None)
    # Current preferences only, those recorded since the last build included; one a later
    # statement replaced is history (dashboard, export).
    prefs = m.models.preferences(user_id)
    facs = [f for f in everything if not is_preference(f)][: limit if limit is not None else None]
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
        backtest=(m.backtest.run if wait else m.backtest.latest)(user_id).sentence if meta else None,
        preferences=[PreferenceView(**preference_fields(f)) for f in prefs[:preferences]],
        preferences_total=len(prefs),
        factors=[factor_view(f, stated) for f in facs],
    )


def retrieval_view(
    m: Mindprint, user_id: str, query: str, k: int = 3, *, program: str | None = None
) -> RetrievalView:
    """The past exchanges most like ``query``; with ``program`` (as in :func:`factors_view`),
    for a user with no history none and the welcome (the query and k still checked)."""
    if program is not None and not m.admin.history_size(user_id):
        m.inputs.text(query, "query")
        m.inputs.k(k)
        return RetrievalView(user_id=user_id, query_features=[], items=[],
                             welcome=welcome_text(m, user_id, program))
    res = m.retrieval.retrieve(user_id, query, k)
    names = res.factor_names
    pred = res.prediction
    return RetrievalView(
        user_id=res.user_id,
        query_features=[feature_view(f, names, (query,)) for f in res.query_features],
        every_answer=[preference_fields(f)["quote"] for f in res.instructions] or None,
        preferences=[
            ApplyingView(**preference_fields(a.factor), because=a.because) for a in res.preferences
        ],
        items=[
            RetrievedView(
                item_id=h.item.id,
                score=h.score,
                input=trim(h.item.input, INPUT_CHARS),
                response=trim(h.item.response, RESPONSE_CHARS),
                label=h.item.label,
                features=[feature_view(f, names, (h.item.input, h.item.response))
                          for f in h.features if f.kind != "preference"],  # the path quotes it
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
        duplicate=True if r.duplicate else None,
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
