"""Output models of the tools that :mod:`mindprint.views` does not cover (forget, export),
and the form the user fills in to confirm a deletion.

They live at module level because the SDK resolves tool annotations against module
globals; a model defined inside a function cannot be used as a return type.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mindprint.views import View


class ForgetConfirmation(BaseModel):
    """The elicitation form: one flat boolean, which every form-capable client can render."""

    confirm: bool = Field(
        description="Yes: permanently delete everything mindprint stores about this user."
    )


# What forget_user did. (No docstrings on output models: they would travel in the schema.)
class ForgetView(View):
    user_id: str
    deleted: bool = Field(description="True if data was deleted.")
    rows_deleted: dict[str, int] = Field(default_factory=dict, description="Rows removed per table.")
    total_rows: int = 0
    known_users: list[str] | None = Field(
        default=None, description="If the user is unknown: users this connection can reach."
    )
    message: str = Field(description="One sentence to relay to the user.")


# One page of everything mindprint stores about one user (embedding vectors excepted:
# they are derived from the items).
class UserExportView(View):
    user_id: str
    exported_at: str
    counts: dict[str, int] = Field(description="Rows per section, all pages.")
    user_model: dict[str, Any] | None = Field(default=None, description="On the first page.")
    rows: dict[str, list[dict[str, Any]]] = Field(description="This page's rows per section.")
    next_cursor: str | None = Field(default=None, description="Pass it as cursor; absent on the last page.")
