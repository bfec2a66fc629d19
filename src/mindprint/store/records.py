"""The values the store takes and hands back (besides the engine's own types)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from mindprint.engine.protocols import Vector
from mindprint.engine.types import Feature, UserSummary, WrittenPath
from mindprint.store.validate import check_date, check_meta, finite, require_utf8


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def content_hash(input_text: str, response: str) -> str:
    """Identity of an item for de-duplication: same input and response means same item."""
    h = hashlib.sha256()
    h.update(input_text.strip().encode("utf-8"))
    h.update(b"\x1f")
    h.update(response.strip().encode("utf-8"))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item to add. Texts are validated by the caller (importer or tool); values
    that would break later reads (non-finite score, unusable date, unbounded meta)
    raise InvalidInputError here."""

    input: str
    response: str
    label: str | None = None
    score: float | None = None
    source: str = "import"
    created_at: str | None = None
    meta: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        # Every writer goes through here: nothing that breaks later reads is stored.
        for name in ("input", "response", "label", "source"):
            require_utf8(getattr(self, name), name)
        object.__setattr__(self, "score", finite(self.score, "score"))
        check_date(self.created_at)
        check_meta(self.meta)


@dataclass(frozen=True, slots=True)
class FeedbackIdentity:
    """What makes two feedback calls one event: the same ``key`` (an idempotency key,
    at any distance in time), or, without one, the same ``fingerprint`` (the call's
    content) recorded at or after ``since`` (an ISO time)."""

    fingerprint: str
    since: str
    key: str | None = None


@dataclass(slots=True)
class AddResult:
    added: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ItemArtifacts:
    """What the pipeline derives from one item, written together."""

    item_id: int
    features: Sequence[Feature]
    vectors: dict[str, Vector]
    path: WrittenPath | None  # None before the user has factors (written by the user stage)


@dataclass(frozen=True, slots=True)
class UserModelMeta:
    version: int
    built_at: str
    extractor: str
    item_count: int
    summary: UserSummary
