"""Resources: the user's profile as Markdown, addressable by URI."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError

from mindprint.errors import UnknownUserError
from mindprint.server.auth import ForbiddenUserError
from mindprint.server.profile import render_profile
from mindprint.server.state import ServerState
from mindprint.views import factors_view

PROFILE_URI = "mindprint://users/{user_id}/profile"


def register_resources(mcp: MCPServer[ServerState]) -> None:
    @mcp.resource(PROFILE_URI, title="User reasoning profile", mime_type="text/markdown")
    def profile(user_id: str, ctx: Context[ServerState]) -> str:
        """The user's reasoning profile as readable Markdown: the factors that drive their
        answers with their statistics, and their writing style."""
        state = ctx.request_context.lifespan_context
        try:
            with state.call(user_id) as (app, uid):
                return render_profile(factors_view(app, uid, lexicon=True, wait=False))
        except ToolError as e:
            # Resources report failures as protocol errors, not tool results.
            cause = e.__cause__
            if isinstance(cause, UnknownUserError | ForbiddenUserError):
                raise ResourceNotFoundError(str(cause)) from cause
            raise ResourceError(str(e)) from e
