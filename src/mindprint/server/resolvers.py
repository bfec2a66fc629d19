"""What runs before a tool body: asking the user to confirm a deletion, and asking the
client's own model for a rewrite. Both may run once per input round on the 2026-07-28
protocol, so they only read, and ask for the same thing every time."""

from __future__ import annotations

from typing import Literal

from mcp.server.mcpserver import Context, Elicit, Sample
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import SamplingMessage, TextContent
from mcp_types.version import is_version_at_least
from pydantic import BaseModel

from mindprint.server.models import ForgetConfirmation
from mindprint.server.state import ServerState
from mindprint.settings import ProviderSettings


def state(ctx: Context[ServerState]) -> ServerState:
    return ctx.request_context.lifespan_context


def can_ask_client(ctx: Context[ServerState], what: Literal["sampling", "elicitation"]) -> bool:
    """True when a Sample/Elicit request can reach the client on this request."""
    caps = ctx.client_capabilities
    if caps is None or getattr(caps, what) is None:
        return False
    pv = ctx.protocol_version
    if pv is not None and is_version_at_least(pv, "2026-07-28"):
        return True  # travels inside InputRequiredResult: no back-channel needed
    # Legacy protocol: a server->client request needs a back-channel, which stateless
    # HTTP does not have.
    return bool(ctx.request_context.session.can_send_request)


def confirm_forget(
    user_id: str | None, confirm: bool, ctx: Context[ServerState]
) -> Elicit[ForgetConfirmation] | ForgetConfirmation:
    """Resolver of forget_user: decide whether the deletion is confirmed, or ask."""
    with state(ctx).call(user_id) as (app, uid):
        if confirm or not app.admin.exists(uid):
            # Nothing stored: the tool answers deleted=false without asking anyone.
            return ForgetConfirmation(confirm=True)
        n = app.admin.history_size(uid)
    if not can_ask_client(ctx, "elicitation"):
        raise ToolError(
            f"Deleting user {uid!r} ({n} history items, their factors, feedback and rewrites) "
            "is permanent. Ask the user to confirm explicitly, then call forget_user again "
            "with confirm=true."
        )
    return Elicit(
        f"Permanently delete everything mindprint stores about user {uid!r} "
        f"({n} history items, their factors, feedback and rewrites)? This cannot be undone.",
        ForgetConfirmation,
    )


class NoSample(BaseModel):
    """The resolver's answer when the client's own model is not used for this call."""


def sample_rewrite(
    ctx: Context[ServerState], draft: str, query: str | None = None, user_id: str | None = None
) -> Sample | NoSample:
    """Ask the MCP client's own model for the reflection trajectory (MINDPRINT_PROVIDER=
    sampling, and only where the client declared sampling); otherwise rewrite locally.

    Built from the call's arguments and stored data only: on 2026-07-28 the resolver
    runs again when the client answers, and must ask for the same thing.
    """
    settings = ProviderSettings()
    if settings.provider != "sampling" or not can_ask_client(ctx, "sampling"):
        return NoSample()
    try:
        with state(ctx).call(user_id) as (app, uid):
            system, prompt = app.rewriting.prompt(uid, draft, query)
    except ToolError:
        return NoSample()  # the tool body reports the same problem with its own message
    return Sample(
        [SamplingMessage(role="user", content=TextContent(type="text", text=prompt))],
        system_prompt=system, max_tokens=settings.max_tokens_rewrite,
        temperature=settings.rewrite_temperature,
    )
