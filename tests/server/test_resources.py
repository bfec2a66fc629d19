"""The profile resource and its Markdown rendering."""

from __future__ import annotations

import pytest
from mcp import Client, MCPError
from mcp.server.mcpserver import MCPServer

from mindprint.server.profile import render_profile
from mindprint.server.state import ServerState
from mindprint.views import UserFactorsView
from tests.server.support import MODES, USER

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", MODES)
async def test_profile_resource_is_readable_markdown(server: MCPServer[ServerState], mode: str) -> None:
    async with Client(server, mode=mode) as c:
        templates = (await c.list_resource_templates()).resource_templates
        assert [(t.uri_template, t.mime_type) for t in templates] == [
            ("mindprint://users/{user_id}/profile", "text/markdown")
        ]
        res = await c.read_resource(f"mindprint://users/{USER}/profile")
        factors = await c.call_tool("get_user_factors", {})
    content = res.contents[0]
    assert content.mime_type == "text/markdown"
    md = getattr(content, "text", "")
    assert md.startswith(f"# Reasoning profile of {USER}")
    assert "Learned from 48 history items" in md and "## Factors that drive their answers" in md
    assert factors.structured_content is not None
    assert factors.structured_content["factors"][0]["name"] in md


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_user_profile_is_not_found(server: MCPServer[ServerState], mode: str) -> None:
    async with Client(server, mode=mode) as c:
        with pytest.raises(MCPError) as exc:
            await c.read_resource("mindprint://users/nobody/profile")
        assert exc.value.error.code == -32602 and "Unknown user 'nobody'" in exc.value.error.message
        # still serving
        assert (await c.read_resource(f"mindprint://users/{USER}/profile")).contents


def test_render_profile_of_an_unbuilt_user() -> None:
    md = render_profile(UserFactorsView(user_id="new", history_size=2, built=False, factors=[]))
    assert "not built yet" in md and "## Factors" not in md
