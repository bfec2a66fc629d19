"""The six tools through the real MCP client, in-memory, in both protocol eras."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client import ClientRequestContext
from mcp.server.mcpserver import MCPServer
from mcp_types import ElicitRequestParams, ElicitResult

from mindprint.app import Mindprint
from mindprint.server.server import build_server
from mindprint.server.state import ServerState
from tests.chats import CHOICE, SHORT, TRAINS
from tests.server.support import MODES, TOOLS, USER, call_err, call_ok, export_all, snapshot

pytestmark = pytest.mark.anyio

TEMPO_QUERY = "Review request: Tempo Run 3 GPS watch — 25 h GPS, 40 g, $229."
NOWHERE = "travel; near the question as a whole, no phrase of it names this"


@pytest.mark.parametrize("mode", MODES)
async def test_lists_the_tools_with_titles_schemas_and_annotations(
    server: MCPServer[ServerState], mode: str
) -> None:
    async with Client(server, mode=mode) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.title and t.description and "Call" in t.description
        assert t.output_schema is not None and t.output_schema["type"] == "object"
        props = t.input_schema["properties"]
        assert "ctx" not in props and "confirmation" not in props
        assert all(p.get("description") for p in props.values()), t.name
        assert t.annotations is not None
    ann = {n: t.annotations for n, t in tools.items()}
    for name in ("get_user_factors", "retrieve_reasoning_paths", "export_user"):
        a = ann[name]
        assert a is not None and a.read_only_hint is True
    assert ann["forget_user"] is not None and ann["forget_user"].destructive_hint is True
    assert ann["record_feedback"] is not None and ann["record_feedback"].destructive_hint is False
    retrieve = tools["retrieve_reasoning_paths"].input_schema["properties"]["k"]
    assert (retrieve["minimum"], retrieve["maximum"], retrieve["default"]) == (1, 20, 3)


async def test_legacy_handshake_carries_the_intended_flow(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        assert c.protocol_version == "2025-11-25"
        instructions = c.instructions or ""
    for step in ("get_user_factors", "retrieve_reasoning_paths", "rewrite_for_user", "record_feedback"):
        assert step in instructions


@pytest.mark.parametrize(
    ("env", "open_world"),
    [({}, False), ({"ANTHROPIC_API_KEY": "sk-test"}, True), ({"MINDPRINT_PROVIDER": "offline", "OPENAI_API_KEY": "x"}, False)],
)
async def test_rewrite_is_open_world_only_with_an_llm(
    monkeypatch: pytest.MonkeyPatch,
    app_factory: Callable[[], Mindprint],
    env: dict[str, str],
    open_world: bool,
) -> None:
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "MINDPRINT_PROVIDER"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    async with Client(build_server(app_factory=app_factory), mode="2026-07-28") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    ann = tools["rewrite_for_user"].annotations
    assert ann is not None and ann.open_world_hint is open_world


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_returns_content_valid_for_its_output_schema(
    server: MCPServer[ServerState], mode: str
) -> None:
    async with Client(server, mode=mode) as c:
        factors = await call_ok(c, "get_user_factors", {})
        assert factors["user_id"] == USER and factors["history_size"] == 48 and factors["built"]
        assert factors["factors"]
        assert len((await call_ok(c, "get_user_factors", {"limit": 2}))["factors"]) == 2

        found = await call_ok(c, "retrieve_reasoning_paths", {"query": TEMPO_QUERY, "k": 4})
        assert len(found["items"]) == 4 and found["query_features"]
        assert all(h["reasoning_path"] for h in found["items"])
        assert found["likely_preference"] is not None  # the demo history is scored 1-5

        draft = (
            "Thank you for your question! The Tempo Run 3 is an excellent watch. In conclusion, "
            "it offers 25 hours of GPS, weighs 40 g and costs $229, which is a great value."
        )
        rw = await call_ok(c, "rewrite_for_user", {"draft": draft, "query": TEMPO_QUERY})
        assert rw["rewrite_id"] >= 1 and rw["edit_plan"]

        receipt = await call_ok(
            c,
            "record_feedback",
            {"query": TEMPO_QUERY, "response": rw["rewritten"], "rating": 4,
             "comment": "shorter please", "rewrite_id": rw["rewrite_id"]},
        )
        assert receipt["new_item"] and receipt["history_size"] == 49

        export = await export_all(c)
        assert export["counts"]["items"] == 49 and export["counts"]["feedback"] == 1
        assert export["feedback"][0]["rewrite_id"] == rw["rewrite_id"]
        assert {r["user_id"] for r in export["items"]} == {USER}

        gone = await call_ok(c, "forget_user", {"user_id": USER, "confirm": True})
        assert gone["deleted"] and gone["total_rows"] > 49


@pytest.mark.parametrize("mode", MODES)
async def test_recorded_feedback_is_retrieved_by_the_next_call(
    server: MCPServer[ServerState], mode: str
) -> None:
    query = "Review request: Kettle Pro espresso grinder — 54 mm burrs, 1.2 kg, $349."
    async with Client(server, mode=mode) as c:
        receipt = await call_ok(
            c,
            "record_feedback",
            {"query": query, "response": "burrs fine, but 1.2 kg on a kitchen shelf? meh. 3/5",
             "edited_response": "54 mm burrs grind fine. $349 for a shelf brick. 3/5", "rating": 3},
        )
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": query, "k": 3})
    top = found["items"][0]
    assert top["item_id"] == receipt["item_id"]
    # The edited response is what the user wanted: it is the stored answer.
    assert top["response"].startswith("54 mm burrs")


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("rewrite_for_user", {"draft": "Some draft.", "user_id": "nobody"}, "Unknown user"),
    ("export_user", {"user_id": "nobody"}, "Unknown user"),
    # A person with no history is welcomed (test_welcome.py), but bad input is still refused.
    ("retrieve_reasoning_paths", {"query": "  ", "user_id": "nobody"}, "query is empty"),
    ("retrieve_reasoning_paths", {"query": TEMPO_QUERY, "user_id": "nobody", "k": 99}, "k"),
    ("retrieve_reasoning_paths", {"query": "   "}, "query is empty"),
    ("retrieve_reasoning_paths", {"query": "x" * 20_001}, "the limit is 20,000"),
    ("retrieve_reasoning_paths", {"query": TEMPO_QUERY, "k": 0}, "k"),
    ("retrieve_reasoning_paths", {"query": TEMPO_QUERY, "k": 21}, "k"),
    ("retrieve_reasoning_paths", {"query": TEMPO_QUERY, "k": "many"}, "k"),
    ("retrieve_reasoning_paths", {"k": 3}, "query"),
    ("rewrite_for_user", {"draft": ""}, "draft is empty"),
    ("rewrite_for_user", {"draft": "y" * 20_001}, "the limit is 20,000"),
    ("record_feedback", {"query": "q?", "response": "a.", "rating": 0}, "rating"),
    ("record_feedback", {"query": "q?", "response": "a.", "rating": 6}, "rating"),
    ("record_feedback", {"query": "q?", "response": "a.", "rating": 3.5}, "rating"),
    ("record_feedback", {"query": "q?", "response": "a.", "rating": "five"}, "rating"),
    ("record_feedback", {"query": "q?", "response": "a.", "rating": True}, "rating"),
    ("record_feedback", {"query": "q?", "response": ""}, "response is empty"),
    ("record_feedback", {"query": "q?", "response": "z" * 20_001}, "the limit is 20,000"),
    ("record_feedback", {"query": "q?", "response": "a.", "edited_response": "e" * 20_001}, "edited_response"),
    ("record_feedback", {"query": "q?", "response": "a.", "rewrite_id": 999}, "rewrite_id 999"),
    ("record_feedback", {"query": "q?", "response": "a.", "user_id": "u" * 129}, "user_id is 129"),
    ("record_feedback", {"query": "q?", "response": "a.", "user_id": "bad\nid"}, "control characters"),
    ("get_user_factors", {"limit": 0}, "limit"),
    ("forget_user", {"user_id": USER, "confirm": "yes"}, "confirm"),
    ("no_such_tool", {}, "Unknown tool"),
]


@pytest.mark.parametrize("mode", MODES)
async def test_bad_inputs_are_tool_errors_and_change_nothing(
    server: MCPServer[ServerState], db_path: Path, mode: str
) -> None:
    before = snapshot(db_path)
    async with Client(server, mode=mode) as c:
        for name, args, expected in BAD_CALLS:
            message = await call_err(c, name, args)
            assert expected in message, (name, args, message)
            assert "Traceback" not in message
        assert snapshot(db_path) == before
        # The server kept serving.
        assert (await call_ok(c, "get_user_factors", {}))["user_id"] == USER


def _elicitation(action: str, seen: list[str]) -> Any:
    async def callback(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        seen.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action="decline")

    return callback


@pytest.mark.parametrize("mode", MODES)
async def test_forget_asks_for_confirmation_through_elicitation(
    server: MCPServer[ServerState], db_path: Path, mode: str
) -> None:
    asked: list[str] = []
    async with Client(server, mode=mode, elicitation_callback=_elicitation("decline", asked)) as c:
        kept = await call_ok(c, "forget_user", {"user_id": USER})
        assert not kept["deleted"] and "declined" in kept["message"]
        assert (await call_ok(c, "get_user_factors", {}))["history_size"] == 48
    assert len(asked) == 1 and "48 history items" in asked[0] and "cannot be undone" in asked[0]

    async with Client(server, mode=mode, elicitation_callback=_elicitation("accept", asked)) as c:
        gone = await call_ok(c, "forget_user", {"user_id": USER})
        assert gone["deleted"] and gone["rows_deleted"]["items"] == 48
        welcome = await call_ok(c, "get_user_factors", {})
        assert welcome["history_size"] == 0 and "Nothing is stored" in welcome["welcome"]
        # Forgetting again deletes nothing, asks nothing, and says so.
        again = await call_ok(c, "forget_user", {"user_id": USER})
        assert not again["deleted"] and again.get("total_rows", 0) == 0 and USER not in again["known_users"]
    assert len(asked) == 2
    assert not any(USER in line for line in snapshot(db_path) if "INSERT" in line)


@pytest.mark.parametrize("mode", MODES)
async def test_forget_without_elicitation_requires_confirm_true(
    server: MCPServer[ServerState], db_path: Path, mode: str
) -> None:
    before = snapshot(db_path)
    async with Client(server, mode=mode) as c:  # no callback: no elicitation capability
        message = await call_err(c, "forget_user", {"user_id": USER})
        assert "confirm=true" in message
        assert snapshot(db_path) == before
        gone = await call_ok(c, "forget_user", {"user_id": USER, "confirm": True})
        assert gone["deleted"] and gone["rows_deleted"]["items"] == 48


async def test_the_app_is_created_lazily_and_once(app_factory: Callable[[], Mindprint]) -> None:
    made: list[Mindprint] = []

    def counting() -> Mindprint:
        made.append(app_factory())
        return made[-1]

    async with Client(build_server(app_factory=counting), mode="legacy") as c:
        await c.list_tools()
        await c.list_prompts()
        await c.list_resource_templates()
        assert made == []  # the handshake and listings never open the app or the model
        queries = [f"Review request: trail shoe number {i}, 280 g, $1{i}9." for i in range(4)]
        calls = [
            call_ok(c, "record_feedback", {"query": q, "response": f"fine. {i}/5", "rating": i + 1})
            for i, q in enumerate(queries)
        ] + [call_ok(c, "retrieve_reasoning_paths", {"query": q}) for q in queries]
        results = await asyncio.gather(*calls)
    assert len(made) == 1
    receipts = results[:4]
    assert sorted(r["history_size"] for r in receipts) == [49, 50, 51, 52]
    assert len({r["item_id"] for r in receipts}) == 4


async def test_retrieval_brings_their_answer_instructions_and_says_truly_why(
    chat_server: MCPServer[ServerState],
) -> None:
    """What a client model reads for ana: her instruction about answers with every
    question, apart from the one topical preference k=1 leaves room for; and a reason that
    names the phrase linking the question to the preference, or says that none does."""
    async with Client(chat_server, mode="legacy") as c:
        trip = await call_ok(c, "retrieve_reasoning_paths",
                             {"query": "How do I get from Paris to Berlin?", "k": 1})
        gym = await call_ok(c, "retrieve_reasoning_paths",
                            {"query": "Can you suggest a workout for tomorrow?", "k": 1})
        said = (await c.call_tool("retrieve_reasoning_paths", {"query": "What is 7 times 8?"})).content
    assert trip["every_answer"] == gym["every_answer"] == [SHORT]
    assert [(p["quote"], p["because"]) for p in trip["preferences"]] == [(TRAINS, NOWHERE)]
    assert [(p["quote"], p["because"]) for p in gym["preferences"]] == [
        (CHOICE, "activities; the question asks about “workout”")]
    assert "last_seen" not in gym["preferences"][0]  # get_user_factors says when
    assert SHORT in getattr(said[0], "text", "")  # a client reading only text gets it too
