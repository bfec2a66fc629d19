"""rewrite_for_user through the real MCP client: a draft that breaks what the person asked
for says so in the result, naming their words, their item and the evidence."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from mindprint.server.state import ServerState
from tests.chats import SHORT
from tests.server.support import MODES, call_ok

pytestmark = [pytest.mark.anyio, pytest.mark.model]


@pytest.mark.parametrize("mode", MODES)
async def test_a_draft_against_an_answer_instruction_is_flagged(chat_server: MCPServer[ServerState], mode: str) -> None:
    async with Client(chat_server, mode=mode) as c:
        flagged = await call_ok(c, "rewrite_for_user", {"draft": "Pack these:\n\n- dried fruit\n- cheese"})
        plain = await call_ok(c, "rewrite_for_user", {"draft": "Pack dried fruit and cheese."})
    [gap] = [g for g in flagged["gaps"] if g.startswith("Goes against what they said")]
    assert f"“{SHORT}”" in gap and gap.endswith("the draft uses a bulleted or numbered list")
    assert "(item #" in gap
    assert not [g for g in plain["gaps"] if g.startswith("Goes against what they said")]
