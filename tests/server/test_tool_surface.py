"""The tool surface is tuned for the model reading it (issue 15, item 4): clean short
descriptions, compact results, paged export, truthful hints, lax integers. Each test
here failed before the change it covers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from mindprint.app import Mindprint
from mindprint.server.server import build_server
from mindprint.server.state import ServerState
from mindprint.server.tools import MAX_SAFE_INT
from mindprint.store import NewItem
from tests.server.support import USER, call_ok, export_all, text
from tests.server.test_auth import ALICE, client_for, http_app

pytestmark = pytest.mark.anyio

QUERY = "Review request: Tempo Run 3 GPS watch — 25 h GPS, 40 g, $229."


def rows(xs: list[dict[str, Any]]) -> list[str]:
    """Rows in a canonical order (an export promises no order)."""
    return sorted(json.dumps(x, sort_keys=True) for x in xs)


async def tools_of(c: Client) -> dict[str, Any]:
    return {t.name: t for t in (await c.list_tools()).tools}


async def test_descriptions_are_one_clean_paragraph_without_field_lists(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        tools = await tools_of(c)
    for name, t in tools.items():
        d = t.description or ""
        assert "\n" not in d and "  " not in d, (name, d)  # no source indentation
        assert d.startswith("Call ") and len(d) < 420, (name, len(d))
        # The outputSchema carries the fields: the description names few of them.
        fields = set((t.output_schema or {}).get("properties", {}))
        named = {f for f in fields if f in d.replace("`", " ").replace(",", " ").split()}
        assert len(named) <= 2, (name, named)
    user_id = tools["get_user_factors"].input_schema["properties"]["user_id"]["description"]
    assert user_id.startswith("Omit unless the user names another profile")


async def test_tools_list_stays_under_3k_tokens(server: MCPServer[ServerState]) -> None:
    """The issue's budget, approximated as characters / 4 (benchmarks/tool_surface.py
    prints the per-tool results): a new parameter or description has to fit."""
    async with Client(server, mode="legacy") as c:
        listed = await c.list_tools()
    assert len(listed.model_dump_json(by_alias=True, exclude_none=True)) < 12_000


async def test_results_are_compact_json_equal_to_the_structured_content(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        for name, args in [("get_user_factors", {}), ("retrieve_reasoning_paths", {"query": QUERY}),
                           ("export_user", {})]:
            r = await c.call_tool(name, args)
            body = text(r)
            assert "\n" not in body, name  # compact: JSON escapes newlines inside strings
            assert json.loads(body) == r.structured_content


async def test_the_lexicon_is_in_the_profile_resource_not_in_get_user_factors(
    server: MCPServer[ServerState],
) -> None:
    async with Client(server, mode="legacy") as c:
        factors = await call_ok(c, "get_user_factors", {})
        profile = await c.read_resource(f"mindprint://users/{USER}/profile")
    assert factors["style"] and "lexicon" not in factors["style"]
    [content] = profile.contents
    md = getattr(content, "text", "")
    assert "## Word habits" in md and "Word forms used" in md


async def test_features_do_not_repeat_the_query_or_the_item(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY})
    assert found["query_features"]
    assert all(f.get("context") != QUERY for f in found["query_features"])
    for hit in found["items"]:
        whole = {hit["input"].strip(), hit["response"].strip()}
        assert all(f.get("context", "").strip() not in whole for f in hit["features"])


async def test_export_pages_stay_small_and_add_up_to_the_complete_export(
    app_factory: Callable[[], Mindprint],
) -> None:
    app = app_factory()
    long = "The strap chafes after an hour and the buckle digs in. " * 60  # ~3,300 chars
    app.add_items(USER, [NewItem(input=f"{i}: {long}", response=f"{long} {i}/5") for i in range(60)])
    app.add_items(USER, [NewItem(input="i" * 20_000, response="r" * 20_000)])  # the largest row
    full = app.admin.export(USER)
    app.close()
    sizes: list[int] = []

    async def page(c: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
        got = await call_ok(c, name, args)
        sizes.append(len(json.dumps(got, ensure_ascii=False, separators=(",", ":"))))
        return got

    async with Client(build_server(app_factory=app_factory), mode="legacy") as c:
        merged = await export_all(c, {}, page)
    assert merged["pages"] > 10
    # Under 20k tokens (chars / 4) per call even for the largest possible row.
    assert max(sizes) < 80_000, max(sizes)
    assert sorted(sizes)[len(sizes) // 2] < 16_000  # a typical page: a few thousand tokens
    for section in ("items", "features", "paths", "factors", "feedback", "rewrites", "llm_calls"):
        assert rows(merged.get(section, [])) == rows(full[section]), section
        assert merged["counts"][section] == len(full[section])
    assert merged["user_model"] == full["user_model"]


async def test_forget_defaults_to_the_configured_user_and_names_the_known_ones(
    server: MCPServer[ServerState],
) -> None:
    async with Client(server, mode="legacy") as c:
        wrong = await call_ok(c, "forget_user", {"user_id": "me", "confirm": True})
        assert wrong["deleted"] is False and wrong["known_users"] == [USER]
        assert (await call_ok(c, "get_user_factors", {}))["history_size"] == 48  # untouched
        gone = await call_ok(c, "forget_user", {"confirm": True})
        assert gone["user_id"] == USER and gone["deleted"] and gone["rows_deleted"]["items"] == 48


async def test_over_http_forget_names_no_other_user(app_factory: Callable[[], Mindprint]) -> None:
    async with http_app(app_factory) as app, client_for(app, ALICE, "legacy") as alice:
        out = await call_ok(alice, "forget_user", {"confirm": True})
    assert out["user_id"] == "alice" and out["deleted"] is False and out["known_users"] == []


async def test_record_feedback_records_a_repeat_once_and_says_so(
    server: MCPServer[ServerState], db_path: Path
) -> None:
    args = {"query": QUERY, "response": "40 g is nice. 4/5", "rating": 4}
    async with Client(server, mode="legacy") as c:
        hint = (await tools_of(c))["record_feedback"].annotations
        first = await call_ok(c, "record_feedback", args)
        second = await call_ok(c, "record_feedback", args)
        third = await call_ok(c, "record_feedback", {**args, "comment": "and it packs small"})
        export = await export_all(c)
    # Only a repeat within the window (or with the same key) is one event: not idempotent
    # in MCP's sense, so the hint stays false.
    assert hint is not None and hint.idempotent_hint is False
    assert second["duplicate"] is True and second["feedback_id"] == first["feedback_id"]
    # Another event on the same exchange: a new feedback row, the item stored once.
    assert third["item_id"] == first["item_id"] and not third["new_item"]
    assert third["feedback_id"] != first["feedback_id"] and "duplicate" not in third
    assert export["counts"]["feedback"] == 2 and export["counts"]["items"] == 49


async def test_integers_accept_numeric_strings_within_javascript_range(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        tools = await tools_of(c)
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY, "k": "2"})
        assert len(found["items"]) == 2
        assert len((await call_ok(c, "get_user_factors", {"limit": " 1 "}))["factors"]) == 1
        rw = await call_ok(c, "rewrite_for_user", {"draft": "It is a good watch. I like it a lot."})
        receipt = await call_ok(c, "record_feedback", {
            "query": QUERY, "response": rw["rewritten"], "rating": "5", "rewrite_id": str(rw["rewrite_id"]),
        })
        assert receipt["new_item"]
    for t in tools.values():
        for name, prop in t.input_schema["properties"].items():
            if prop.get("type") == "integer":
                assert prop.get("maximum", 0) <= MAX_SAFE_INT, (t.name, name)



async def test_get_user_factors_shows_the_strongest_ten_unless_asked_for_more(
    server: MCPServer[ServerState],
) -> None:
    from mindprint.server.tools import DEFAULT_FACTORS

    async with Client(server, mode="legacy") as c:
        default = await call_ok(c, "get_user_factors", {})
        every = await call_ok(c, "get_user_factors", {"limit": 200})
    assert len(every["factors"]) > DEFAULT_FACTORS  # the fixture user has more than ten
    assert default["factors"] == every["factors"][:DEFAULT_FACTORS]
    assert len(json.dumps(default)) < len(json.dumps(every))
