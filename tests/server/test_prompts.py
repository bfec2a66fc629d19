"""The personalize prompt."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import TextContent

from mindprint.server.state import ServerState
from tests.server.support import MODES, USER

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", MODES)
async def test_personalize_primes_the_conversation_with_the_profile(
    server: MCPServer[ServerState], mode: str
) -> None:
    async with Client(server, mode=mode) as c:
        [prompt] = (await c.list_prompts()).prompts
        assert prompt.name == "personalize" and prompt.title
        assert [(a.name, a.required) for a in prompt.arguments or []] == [("user_id", False)]
        got = await c.get_prompt("personalize", {})
        other = await c.get_prompt("personalize", {"user_id": "newcomer"})
    assert [m.role for m in got.messages] == ["user", "assistant"]
    first = got.messages[0].content
    assert isinstance(first, TextContent)
    assert f"# Reasoning profile of {USER}" in first.text
    assert "retrieve_reasoning_paths" in first.text and "record_feedback" in first.text
    fresh = other.messages[0].content
    assert isinstance(fresh, TextContent) and "no history for user 'newcomer'" in fresh.text
