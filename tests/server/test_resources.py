"""The profile resource and its Markdown rendering."""

from __future__ import annotations

import pytest
from mcp import Client, MCPError
from mcp.server.mcpserver import MCPServer

from mindprint.server.profile import render_profile
from mindprint.server.state import ServerState
from mindprint.views import PreferenceView, UserFactorsView
from tests.chats import CHAT_USER, SPICY_NOW, SPICY_THEN
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


async def test_profile_lists_what_the_person_said_in_their_words(chat_server: MCPServer[ServerState]) -> None:
    async with Client(chat_server, mode="legacy") as c:
        md = getattr((await c.read_resource(f"mindprint://users/{CHAT_USER}/profile")).contents[0], "text", "")
        prefs = (await c.call_tool("get_user_factors", {})).structured_content["preferences"]
    section = md.split("## What they have said about themselves", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert [line.split("“", 1)[1].split("”", 1)[0] for line in lines] == [p["quote"] for p in prefs]
    assert lines[0].startswith("- needs (strict; shopping):")
    assert any("chose steady-state cycling" in line for line in lines)
    assert SPICY_THEN not in md and f"“{SPICY_NOW}”" in md


def test_render_profile_says_how_many_preferences_it_left_out() -> None:
    said = PreferenceView(quote="I cannot eat nuts.", stance="avoids", firmness="strict", domain="food",
                          items=[3, 9], last_seen="2026-03-01")
    md = render_profile(UserFactorsView(user_id="new", history_size=2, built=False, factors=[],
                                        preferences=[said], preferences_total=4))
    assert "- avoids (strict; food): “I cannot eat nuts.” — said 2026-03-01, items 3, 9" in md
    assert "- … and 3 more" in md
