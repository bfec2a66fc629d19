"""Validation of what callers pass in: user ids, texts, k and imported items.

Every service checks its own inputs with one :class:`Inputs`, so the CLI, the MCP
tools and the evaluation refuse the same things with the same messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mindprint.errors import InvalidInputError
from mindprint.settings import LimitSettings
from mindprint.store import NewItem
from mindprint.store.validate import require_utf8

MAX_REASONS = 8
MAX_REASON_CHARS = 120
MAX_KEY_CHARS = 200


class Inputs:
    """The limits of one app, and the user an omitted ``user_id`` means."""

    def __init__(self, limits: LimitSettings, default_user: str) -> None:
        self.limits = limits
        self.default_user = default_user

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
        require_utf8(uid, "user_id")
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
        require_utf8(value, name)
        return value

    def key(self, value: str | None) -> str | None:
        """An optional idempotency key: any short text, or None."""
        key = self.text(value, "idempotency_key", required=False) or None
        if key is not None and len(key) > MAX_KEY_CHARS:
            raise InvalidInputError(f"idempotency_key is {len(key)} characters; the limit is {MAX_KEY_CHARS}.")
        return key

    def k(self, k: int) -> int:
        if k < 1 or k > self.limits.max_k:
            raise InvalidInputError(f"k must be between 1 and {self.limits.max_k}; got {k}.")
        return k

    def items(self, items: Sequence[NewItem]) -> None:
        for i, it in enumerate(items):
            if len(it.input) > self.limits.max_text_chars or len(it.response) > self.limits.max_text_chars:
                raise InvalidInputError(
                    f"item {i + 1} is longer than {self.limits.max_text_chars:,} characters "
                    "(MINDPRINT_MAX_TEXT_CHARS)."
                )

    def reasons(self, reasons: Any) -> list[str]:
        """Reasons for a reaction, as the host model states them: a short list of short
        phrases, cleaned (whitespace, case-insensitive duplicates)."""
        if reasons is None:
            return []
        if not isinstance(reasons, (list, tuple)) or not all(isinstance(r, str) for r in reasons):
            raise InvalidInputError('reasons must be a list of short phrases, e.g. ["answer too long"].')
        if len(reasons) > MAX_REASONS:
            raise InvalidInputError(f"reasons holds {len(reasons)} phrases; pass at most {MAX_REASONS}.")
        out: list[str] = []
        for r in reasons:
            text = " ".join(r.split()).strip(" .;,")
            if not text:
                raise InvalidInputError("a reason is empty: pass short phrases like \"too long\".")
            if len(text) > MAX_REASON_CHARS:
                raise InvalidInputError(
                    f"a reason is {len(text)} characters (limit {MAX_REASON_CHARS}): state it as a "
                    "short phrase; put longer remarks in comment."
                )
            require_utf8(text, "reasons")
            if text.lower() not in {o.lower() for o in out}:
                out.append(text)
        return out
