"""Whole numbers an assistant sends as text (cursors, numeric arguments) are read by one
rule: ASCII digits in SQLite's range, or a tool error that says so (issue 27, finding 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from mindprint.server.state import ServerState
from tests.server.support import call_err, call_ok, snapshot

pytestmark = pytest.mark.anyio
WHOLE = "must be a whole number between"


@pytest.mark.parametrize("after", ["99999999999999999999", "9223372036854775808", "²", "١٢", "-3", ""])
async def test_an_export_cursor_out_of_range_says_why(
    server: MCPServer[ServerState], db_path: Path, after: str
) -> None:
    before = snapshot(db_path)
    async with Client(server) as c:
        message = await call_err(c, "export_user", {"cursor": f"items:{after}"})
        assert f"the cursor's position (after the colon) {WHOLE} 0 and 9,223,372,036,854,775,807" in message
        page = await call_ok(c, "export_user", {"cursor": f"items:{2**63 - 1}"})
        assert "items" not in page or page["items"] == []
    assert snapshot(db_path) == before


@pytest.mark.parametrize("sent", ["٣", "²", "３", "99999999999999999999", "3.0", "1_0"])
async def test_numbers_sent_as_text_are_ascii_whole_numbers(server: MCPServer[ServerState], sent: str) -> None:
    async with Client(server) as c:
        message = await call_err(c, "retrieve_reasoning_paths", {"query": "a headlamp", "k": sent})
        assert WHOLE in message and "k" in message
        ok = await call_ok(c, "retrieve_reasoning_paths", {"query": "a headlamp", "k": " 2 "})
        assert len(ok["items"]) == 2
