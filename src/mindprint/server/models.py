"""Output models of the tools that :mod:`mindprint.views` does not cover (forget, export),
and the form the user fills in to confirm a deletion.

They live at module level because the SDK resolves tool annotations against module
globals; a model defined inside a function cannot be used as a return type.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ForgetConfirmation(BaseModel):
    """The elicitation form: one flat boolean, which every form-capable client can render."""

    confirm: bool = Field(
        description="Yes: permanently delete everything mindprint stores about this user."
    )


class ForgetView(BaseModel):
    """What forget_user did."""

    user_id: str
    deleted: bool = Field(
        description="True when the user's data was deleted (or there was none to delete)."
    )
    rows_deleted: dict[str, int] = Field(
        default_factory=dict, description="Rows removed per table; empty when nothing was deleted."
    )
    total_rows: int = Field(default=0, description="Sum of rows_deleted.")
    message: str = Field(description="One sentence to relay to the user.")


class UserExportView(BaseModel):
    """Everything mindprint stores about one user (embedding vectors excepted: they are
    derived from the items and rebuilt on demand)."""

    user_id: str
    exported_at: str = Field(description="UTC time of the export, ISO 8601.")
    counts: dict[str, int] = Field(description="Number of rows per section.")
    items: list[dict[str, Any]] = Field(description="Every history item, feedback included.")
    features: list[dict[str, Any]]
    paths: list[dict[str, Any]] = Field(description="The reasoning path of each item.")
    factors: list[dict[str, Any]]
    feedback: list[dict[str, Any]]
    rewrites: list[dict[str, Any]]
    llm_calls: list[dict[str, Any]] = Field(description="LLM calls made for this user (no text).")
    user_model: dict[str, Any] | None = Field(description="Build metadata and summary, if built.")
