"""Domain types shared by every stage of the engine (pure data, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# content: a topic phrase (or a reason the host model stated); tone: the sentiment of the
# whole text; aspect: an attribute judged (with polarity); quantity: a number with a unit;
# style: a writing habit of the response; reason: reserved for stated reasons.
# preference: something the user said about themselves in a conversation (a stance they
# hold, a choice they made, a correction), quoted in ``context``; see engine/features/.
FeatureKind = Literal["content", "tone", "aspect", "quantity", "style", "reason", "preference"]
REASON_KINDS: frozenset[str] = frozenset({"aspect", "quantity", "reason"})
# Who wrote a feature: the offline extractor, the configured LLM, the offline extractor
# standing in for an LLM whose answer for that item was unusable ("fallback"), or the MCP
# client's own model (the reasons it passes to record_feedback). Host features are kept
# across re-extraction and shown with their origin.
FeatureOrigin = Literal["offline", "llm", "fallback", "host"]


# How an item's texts are laid out, i.e. who wrote which (engine/features/turns.py):
# ``answered``: input shown to the user, response theirs (reviews, ratings, labels);
# ``turn``: input the user's message, response the assistant's answer (record_feedback);
# ``exchange``: input the user's prompt then the assistant's answer, response the user's
# reaction (chat exports); ``writing``: response the user's own text, no input.
ItemKind = Literal["answered", "turn", "exchange", "writing"]


@dataclass(frozen=True, slots=True)
class Item:
    """One history item: what the user was shown (``input``) and what they answered.

    ``kind`` says who wrote which text; ``prompt_chars``: for an ``exchange``, how much of
    ``input`` is the user's prompt; ``note``: the user's comment on a ``turn``'s answer;
    ``prompt_edited_from`` / ``edited_from``: for a chat export, how the user first wrote
    the prompt / the response (of an ``exchange`` or a ``writing``) before editing it."""

    id: int
    input: str
    response: str
    label: str | None = None
    score: float | None = None
    source: str = "import"
    created_at: str | None = None
    kind: ItemKind = "answered"
    prompt_chars: int = 0
    note: str | None = None
    prompt_edited_from: str | None = None
    edited_from: str | None = None

    @property
    def text(self) -> str:
        """The text features are read from: the input, or the response when there is none;
        for a chat export's exchange, the user's own words (prompt and reaction), never the
        assistant's answer between them."""
        if self.kind == "exchange":
            prompt = self.input[: max(0, self.prompt_chars)].strip()
            return f"{prompt}\n{self.response}" if prompt else self.response
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
    # Named attributes of a preference (stance, firmness, domain, ...), as sorted pairs so
    # the feature stays hashable.
    detail: tuple[tuple[str, str], ...] = ()

    def attr(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.detail if k == key), default)


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
