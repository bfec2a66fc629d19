"""Domain types shared by every stage of the engine (pure data, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# content: a topic phrase (or a reason the host model stated); tone: the sentiment of the
# whole text; aspect: an attribute judged (with polarity); quantity: a number with a unit;
# style: a writing habit of the response; reason: reserved for stated reasons.
FeatureKind = Literal["content", "tone", "aspect", "quantity", "style", "reason"]
REASON_KINDS: frozenset[str] = frozenset({"aspect", "quantity", "reason"})
# Who wrote a feature: the offline extractor, the configured LLM, the offline extractor
# standing in for an LLM whose answer for that item was unusable ("fallback"), or the MCP
# client's own model (the reasons it passes to record_feedback). Host features are kept
# across re-extraction and shown with their origin.
FeatureOrigin = Literal["offline", "llm", "fallback", "host"]


@dataclass(frozen=True, slots=True)
class Item:
    """One history item: what the user was shown (``input``) and what they answered."""

    id: int
    input: str
    response: str
    label: str | None = None
    score: float | None = None
    source: str = "import"
    created_at: str | None = None

    @property
    def text(self) -> str:
        """The text features are read from: the input, or the response when there is none."""
        return self.input if self.input.strip() else self.response


@dataclass(frozen=True, slots=True)
class Feature:
    """A response-influential feature of an item: ``(name, context, factor)`` in RPM terms."""

    name: str
    context: str
    kind: FeatureKind = "content"
    weight: float = 1.0
    polarity: float = 0.0
    factor_id: str | None = None
    origin: FeatureOrigin = "offline"


@dataclass(frozen=True, slots=True)
class Factor:
    """A user-level group of features with statistics from the user's own history."""

    id: str
    name: str
    description: str
    members: tuple[str, ...]
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UserSummary:
    """User-level statistics that do not belong to one factor."""

    n_items: int
    label_counts: dict[str, int]
    mean_score: float | None
    style: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Retrieved:
    """One retrieved memory item with its score and the factors it shares with the query."""

    item: Item
    score: float
    features: tuple[Feature, ...]
    path: str | None
    shared_factors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WrittenPath:
    """An item's reasoning path and the generator that actually wrote it.

    ``fallback``: ``{"from": the generator whose answer was not used, "reason": why}``
    when another writer stood in (the template after an unusable LLM answer); None when
    the intended writer wrote it."""

    text: str
    generator: str
    fallback: dict[str, str] | None = None
