"""`record_feedback` with `reasons`: the assistant's own account of why the user reacted,
stored as features of origin "host", grouped into factors at the next build, shown with
their origin; bad reasons are refused and change nothing. Real client, real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import TextContent

from mindprint.app import Mindprint
from mindprint.server.state import ServerState
from tests.server.support import USER, call_err, call_ok, snapshot

pytestmark = pytest.mark.anyio

EXCHANGE = {
    "query": "Review request: a 95 g headlamp with a 2 h battery, $79.",
    "response": "A thorough overview of every headlamp on the market. " * 10,
    "rating": 2,
}


async def test_reasons_become_host_features_and_a_factor(
    server: MCPServer[ServerState], app_factory: Callable[[], Mindprint]
) -> None:
    async with Client(server, mode="legacy") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert "reasons" in tools["record_feedback"].input_schema["properties"]
        assert "reasons" in (tools["record_feedback"].description or "")
        r = await call_ok(c, "record_feedback", EXCHANGE | {
            "reasons": ["Answer  too long.", "ignored the battery life", "answer too long"],
        })
        # Repeating the exchange with one more reason adds it to the same item.
        again = await call_ok(c, "record_feedback", EXCHANGE | {"reasons": ["no price comparison"]})
        assert again["item_id"] == r["item_id"] and not again["new_item"]
    app = app_factory()
    try:
        mine = {f.name: f for f in app.store.get_features(USER, [r["item_id"]])[r["item_id"]]}
        host = {n for n, f in mine.items() if f.origin == "host"}
        assert host == {"answer too long", "ignored the battery life", "no price comparison"}
        assert mine["answer too long"].context == "Answer too long"
        assert mine["answer too long"].polarity == -0.5  # leans the way the rating 2 does
        assert any(f.origin == "offline" for f in mine.values())
        app.build(USER)
    finally:
        app.close()
    async with Client(server, mode="legacy") as c:
        factors = (await call_ok(c, "get_user_factors", {"limit": 200}))["factors"]
        stated = {r for f in factors for r in f.get("host_reasons", [])}
        assert stated == host
        assert all("host_reasons" not in f or f["host_reasons"] for f in factors)
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": EXCHANGE["query"], "k": 3})
        [hit] = [h for h in found["items"] if h["item_id"] == r["item_id"]]
        assert {f["name"] for f in hit["features"] if f.get("origin") == "host"} == host
        assert "The assistant noted:" in hit["reasoning_path"] and "answer too long" in hit["reasoning_path"]


async def test_bad_reasons_are_refused_and_change_nothing(
    server: MCPServer[ServerState], db_path: Path
) -> None:
    before = snapshot(db_path)
    async with Client(server, mode="legacy") as c:
        for reasons, expected in (
            ([f"reason {n}" for n in range(9)], "reasons"),
            (["x" * 121], "reasons"),
            ([""], "reasons"),
            (["  .  "], "reason is empty"),
            ("too long", "reasons"),
        ):
            message = await call_err(c, "record_feedback", EXCHANGE | {"reasons": reasons})
            assert expected in message and "Traceback" not in message, message
    assert snapshot(db_path) == before


async def test_personalize_asks_for_reasons(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        got = await c.get_prompt("personalize", {})
    first = got.messages[0].content
    assert isinstance(first, TextContent) and "reasons" in first.text
