"""rewrite_for_user through the MCP client's own model (sampling), in both protocol eras."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client
from mcp.client import ClientRequestContext
from mcp.server.mcpserver import MCPServer
from mcp_types import CreateMessageRequestParams, CreateMessageResult, TextContent

from mindprint.server.state import ServerState
from tests.server.support import MODES, call_ok

pytestmark = pytest.mark.anyio

DRAFT = "The Ember Headlamp Weighs 210 g And Lasts 5 Hours. I Would Rate It 3/5."
seen: list[CreateMessageRequestParams] = []


async def client_model(ctx: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
    seen.append(params)
    assert isinstance(params.messages[0].content, TextContent)
    prompt = params.messages[0].content.text
    draft = re.search(r'<untrusted_data kind="draft">\n(.*?)\n</untrusted_data>', prompt, re.S)
    assert draft is not None
    answer = {
        "profile_analysis": ["writes in lowercase (item 1)"],
        "gap_analysis": {"gaps": ["capitalised"], "preserve": ["210 g", "5", "3/5"]},
        "edit_plan": [{"change": "lowercase", "reason": "item 1", "factor": "writing style",
                       "before": "The Ember Headlamp", "after": "the ember headlamp"},
                      {"change": "keep it casual", "reason": "item 2", "factor": "writing style"}],
        "rewrite": draft.group(1).lower(),
    }
    return CreateMessageResult(role="assistant", content=TextContent(type="text", text=json.dumps(answer)),
                               model="client-llm")


@pytest.mark.parametrize("mode", MODES)
async def test_the_clients_model_writes_the_rewrite(
    server: MCPServer[ServerState], mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINDPRINT_PROVIDER", "sampling")
    seen.clear()
    async with Client(server, mode=mode, sampling_callback=client_model) as c:
        out = await call_ok(c, "rewrite_for_user", {"draft": DRAFT, "query": "review the Ember"})
    assert seen and "reflection step" in (seen[0].system_prompt or "")
    assert out["generator"].startswith("sampling:client-llm:rewrite-")
    assert out["rewritten"] == DRAFT.lower() and out["edit_plan"][0]["applied"] is True
    # An edit quoting no words cannot be verified against the output: said so, not claimed.
    assert "applied" not in out["edit_plan"][1]
    assert out.get("fallback") is None
    assert seen[0].temperature == 0.3  # the rewrite's temperature setting reaches the client


async def test_a_sampled_rewrite_that_drops_a_number_returns_the_draft_with_the_reason(
    server: MCPServer[ServerState], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINDPRINT_PROVIDER", "sampling")

    async def lossy(ctx: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
        answer = {"profile_analysis": [], "gap_analysis": {"gaps": [], "preserve": ["210 g"]},
                  "edit_plan": [{"change": "shorten", "before": "Lasts 5 Hours", "after": ""}],
                  "rewrite": "the ember headlamp weighs little. i would rate it 3/5."}
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text=json.dumps(answer)),
                                   model="client-llm")

    async with Client(server, mode="2026-07-28", sampling_callback=lossy) as c:
        out = await call_ok(c, "rewrite_for_user", {"draft": DRAFT})
    assert out["rewritten"] == DRAFT and out["generator"] == "draft"
    assert out["fallback"]["from"].startswith("sampling:client-llm:rewrite-")
    for problem in ("dropped number: 210", "dropped number: 5", "'210 g'"):
        assert problem in out["fallback"]["reason"]
    assert out["edit_plan"][0]["applied"] is False  # the draft came back: the cut is not in it


async def test_without_sampling_the_offline_rewriter_answers(
    server: MCPServer[ServerState], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINDPRINT_PROVIDER", "sampling")
    async with Client(server, mode="legacy") as c:  # declares no sampling
        out = await call_ok(c, "rewrite_for_user", {"draft": DRAFT})
    assert out["generator"].startswith("offline-style")


async def test_an_unusable_client_answer_falls_back(
    server: MCPServer[ServerState], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINDPRINT_PROVIDER", "sampling")

    async def chatty(ctx: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
        return CreateMessageResult(role="assistant", content=TextContent(type="text", text="Sure! Here you go."),
                                   model="client-llm")

    async with Client(server, mode="2026-07-28", sampling_callback=chatty) as c:
        out = await call_ok(c, "rewrite_for_user", {"draft": DRAFT})
    assert out["generator"].startswith("offline-style")
    assert out["fallback"]["from"] == "sampling:client-llm"
    assert "did not answer the trajectory as JSON" in out["fallback"]["reason"]
