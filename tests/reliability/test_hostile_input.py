"""Hostile and malformed input at every tool, through the real MCP client.

Property-based (hypothesis): random and oversized strings, wrong types, unicode edge
cases, nulls, huge lists and unknown extra arguments. Every call must end in a result
valid for the tool's outputSchema or in a clean tool error (``isError``, an explanation,
no traceback or internal path); the server must keep serving; and a rejected call must
leave the database exactly as it was (the whole database, dumped as SQL).

One server and one client take all the examples of a test: the point is a long-lived
server that is still healthy after every kind of abuse. That is why the
function-scoped fixtures are shared across examples (and the health check about it is
suppressed on purpose): every example takes its own before/after snapshot, and waits
for background refreshes, so examples do not depend on each other.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from mcp import Client, MCPError, StdioServerParameters
from mcp.server.mcpserver import MCPServer
from mcp_types import INVALID_PARAMS, CallToolResult, TextContent

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.protocols import Vector
from mindprint.errors import ModelError
from mindprint.eval.cache import Wrapper
from mindprint.server.server import build_server
from mindprint.server.state import ServerState
from mindprint.settings import LimitSettings, StoreSettings
from mindprint.store import Store
from tests.server.support import (
    MINDPRINT_BIN,
    MODES,
    REPO,
    TOOLS,
    USER,
    call_err,
    call_ok,
    export_all,
    snapshot,
)
from tests.server.test_run import RawStdio, assert_only_jsonrpc

MAX_TEXT = LimitSettings().max_text_chars
MAX_K = LimitSettings().max_k
QUERY = "Review request: Ridgeback Flow 5 trail shoe — 250 g, 6 mm drop, $150."
DRAFT = "Thank you for asking! The Flow 5 is a Good shoe. It weighs 250 g and costs $150."

# Every parameter of every tool (checked against the published schemas below), and a
# valid call of each, which the property tests corrupt one or more arguments of.
PARAMS: dict[str, tuple[str, ...]] = {
    "get_user_factors": ("user_id", "limit"),
    "retrieve_reasoning_paths": ("query", "user_id", "k"),
    "rewrite_for_user": ("draft", "query", "user_id"),
    "record_feedback": (
        "query", "response", "user_id", "rating", "edited_response", "comment", "rewrite_id", "reasons",
        "idempotency_key",
    ),
    "forget_user": ("user_id", "confirm"),
    "export_user": ("user_id", "cursor"),
}
VALID: dict[str, dict[str, Any]] = {
    "get_user_factors": {"limit": 2},
    "retrieve_reasoning_paths": {"query": QUERY, "k": 3},
    "rewrite_for_user": {"draft": DRAFT, "query": QUERY},
    "record_feedback": {"query": QUERY, "response": "250 g and grippy. 4/5", "rating": 4},
    "forget_user": {"user_id": "nobody-stored-here", "confirm": False},
    "export_user": {},
}
# Markers of a leaked traceback or of the server's own files in an error message.
LEAKS = ("Traceback", 'File "', "site-packages", str(REPO), "mindprint/", ".py\", line")

# -- strategies -------------------------------------------------------------------------

EDGE_CHARS = [
    "\x00", "\x01", "\x1b", "\x7f", "\u200b", "\u200e", "\u200f", "\u202e", "\u2066", "\u2028",
    "\ufeff", "\ufffd", "\u0301", "\u0336", "\u3000", "\u00a0", "😀", "👩\u200d👩\u200d👧",
    "𝄞", "\U0010ffff", "\U000e0041", "ﷺ", "İ", "ß", "\r\n", "\t", "\\", '"', "'", "`",
]
EDGE_STRINGS = [
    "", " ", "\n\t ", "\u3000\u00a0\u2028", "null", "None", "[]", "{}", "0", "-1", "NaN",
    "'; DROP TABLE items; --", "<script>alert(1)</script>", "%s%n%x", "{user_id}", "../../etc/passwd",
    "Robert'); DELETE FROM users WHERE ('1'='1", "e\u0301" * 50, "\u202eevil\u202c", "🙂" * 200,
]

edge_text = st.lists(
    st.sampled_from(EDGE_CHARS) | st.text(max_size=3), min_size=1, max_size=12
).map("".join)


def _oversized(unit: str, extra: int) -> str:
    unit = unit or "x"
    return unit * (MAX_TEXT // len(unit) + 1) + "y" * extra


hostile_text = st.one_of(
    st.text(max_size=80),  # any code point hypothesis likes (no lone surrogates: see below)
    edge_text,
    st.sampled_from(EDGE_STRINGS),
    st.builds(_oversized, st.text(min_size=1, max_size=4), st.integers(0, 50)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    # Past int64 SQLite cannot store a number: tested on its own below.
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON can carry
    hostile_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=12,
)
huge_lists = st.integers(1_000, 20_000).map(lambda n: ["x"] * n)
hostile_values = st.one_of(json_values, hostile_text, huge_lists)


@st.composite
def hostile_args(draw: st.DrawFn, tool: str) -> dict[str, Any]:
    """A valid call of ``tool`` with some arguments replaced, dropped or added."""
    args = dict(VALID[tool])
    params = PARAMS[tool]
    for name in draw(st.lists(st.sampled_from(params), min_size=1, max_size=len(params), unique=True)):
        if draw(st.integers(0, 5)) == 0:
            args.pop(name, None)
        else:
            # Text half the time: most parameters are strings, and text reaches deepest.
            args[name] = draw(hostile_text | hostile_values)
    extras = draw(
        st.dictionaries(
            st.text(min_size=1, max_size=12).filter(lambda k: k not in params), hostile_values, max_size=2
        )
    )
    return {**args, **extras}


# -- the live server ----------------------------------------------------------------------


@dataclass
class Live:
    """One in-memory server and client, driven from synchronous hypothesis examples."""

    portal: BlockingPortal
    client: Client
    db: Path
    apps: list[Mindprint]
    schemas: dict[str, dict[str, Any]]

    def call(self, name: str, args: dict[str, Any]) -> CallToolResult:
        result: CallToolResult = self.portal.call(self.client.call_tool, name, args)
        return result

    def settle(self) -> None:
        # A successful record_feedback may start a background factor refresh: wait for
        # it, or its writes would look like a change made by the next (rejected) call.
        for app in self.apps:
            app.wait_idle()


@pytest.fixture
def recording_factory(db_path: Path, real_embedder: FastEmbedEmbedder) -> tuple[Callable[[], Mindprint], list[Mindprint]]:
    apps: list[Mindprint] = []

    def make() -> Mindprint:
        ss = StoreSettings()
        app = Mindprint(Store.open(ss.db_path), real_embedder, limits=LimitSettings(), default_user=ss.user)
        apps.append(app)
        return app

    return make, apps


@pytest.fixture
def live(db_path: Path, recording_factory: tuple[Callable[[], Mindprint], list[Mindprint]]) -> Iterator[Live]:
    make, apps = recording_factory
    server = build_server(app_factory=make)
    with start_blocking_portal("asyncio") as portal, portal.wrap_async_context_manager(
        Client(server, mode="2026-07-28")
    ) as client:
        tools = portal.call(client.list_tools).tools
        yield Live(portal, client, db_path, apps, {t.name: t.output_schema or {} for t in tools})


def error_text(r: CallToolResult) -> str:
    assert r.content and isinstance(r.content[0], TextContent), r
    return r.content[0].text


def assert_clean_error(name: str, r: CallToolResult, args: dict[str, Any]) -> str:
    """isError with an explanation, and nothing of the server's insides."""
    assert r.is_error
    msg = error_text(r)
    prefix = f"Error executing tool {name}: "
    assert msg.startswith(prefix) and msg[len(prefix):].strip(), f"no explanation: {msg!r}"
    sent = json.dumps(args, ensure_ascii=False)
    for leak in LEAKS:
        # The validation message may echo the input back; only our own leaks count.
        assert leak not in msg or leak in sent, f"{leak!r} leaked in {msg[:500]!r}"
    return msg


def exercise(live: Live, name: str, args: dict[str, Any]) -> None:
    """One hostile call, then the three promises: clean outcome, nothing changed by a
    rejection, still serving."""
    live.settle()
    before = snapshot(live.db)
    r = live.call(name, args)
    if r.is_error:
        msg = assert_clean_error(name, r, args)
        why = "invalid arguments" if "validation error" in msg else re.split(r"['\"\d]", msg.split(": ", 1)[1])[0]
        event(f"refused: {why}")
        live.settle()
        assert snapshot(live.db) == before, f"rejected {name} changed the database"
    else:
        event("accepted")
        assert r.structured_content is not None
        jsonschema.Draft202012Validator(live.schemas[name]).validate(r.structured_content)
    ok = live.call("get_user_factors", {"limit": 1})
    assert not ok.is_error, error_text(ok)


HYPOTHESIS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # CI runs the same examples every time
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.anyio
async def test_the_parameter_table_matches_the_published_schemas(server: MCPServer[ServerState]) -> None:
    async with Client(server) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
    assert set(tools) == TOOLS == set(PARAMS)
    for name, t in tools.items():
        assert set(t.input_schema["properties"]) == set(PARAMS[name]), name


@pytest.mark.slow
@pytest.mark.parametrize("tool", sorted(PARAMS))
@HYPOTHESIS
@given(data=st.data())
def test_every_tool_survives_hostile_arguments(live: Live, tool: str, data: st.DataObject) -> None:
    args = data.draw(hostile_args(tool), label="args")
    if tool == "forget_user":
        # Forgetting the user every other call relies on is legitimate, not hostile.
        assume(str(args.get("user_id", "")).strip() != USER)
    exercise(live, tool, args)


@pytest.mark.slow
@HYPOTHESIS
@given(name=st.sampled_from(sorted(PARAMS)), args=st.dictionaries(st.text(max_size=20), hostile_values, max_size=6))
def test_arbitrary_argument_objects(live: Live, name: str, args: dict[str, Any]) -> None:
    """Not a corrupted valid call: any JSON object at all as the arguments."""
    assume(not (name == "forget_user" and str(args.get("user_id", "")).strip() == USER))
    exercise(live, name, args)


# -- explicit cases -------------------------------------------------------------------------

BAD: list[tuple[str, dict[str, Any], str]] = [
    # (tool, arguments, a word the error must contain)
    *[("record_feedback", {**VALID["record_feedback"], "rating": v}, "rating")
      for v in (0, 6, -1, 3.5, "5.0", "five", True, False, [4], {"v": 4}, 2**63)],
    *[("retrieve_reasoning_paths", {"query": QUERY, "k": v}, "k")
      for v in (0, MAX_K + 1, -1, 3.0, 2.5, "3.0", "0x3", True, None, 10**30, str(10**30))],
    *[("get_user_factors", {"limit": v}, "limit") for v in (0, -5, 10**6, 1.5, "2.5", "0", True)],
    ("retrieve_reasoning_paths", {"query": QUERY, "user_id": "u" * 10_000}, "128"),
    ("retrieve_reasoning_paths", {"query": QUERY, "user_id": "rui\x00"}, "control"),
    ("retrieve_reasoning_paths", {"query": QUERY, "user_id": "   "}, "empty"),
    ("retrieve_reasoning_paths", {"query": "x" * (MAX_TEXT + 1)}, "MINDPRINT_MAX_TEXT_CHARS"),
    ("retrieve_reasoning_paths", {"query": " \n\t\u3000"}, "empty"),
    ("retrieve_reasoning_paths", {"query": None}, "query"),
    ("retrieve_reasoning_paths", {"query": ["a", "b"]}, "query"),
    ("retrieve_reasoning_paths", {}, "query"),
    ("record_feedback", {"query": QUERY, "response": ""}, "empty"),
    ("record_feedback", {"query": QUERY, "response": "r" * (MAX_TEXT + 1)}, "MINDPRINT_MAX_TEXT_CHARS"),
    ("record_feedback", {"query": QUERY, "response": "ok", "edited_response": "e" * (MAX_TEXT + 1)}, "edited_response"),
    ("record_feedback", {"query": QUERY, "response": "ok", "comment": "c" * (MAX_TEXT + 1)}, "comment"),
    ("record_feedback", {"query": QUERY, "response": "ok", "rewrite_id": 0}, "rewrite_id"),
    ("record_feedback", {"query": QUERY, "response": "ok", "rewrite_id": 987_654}, "rewrite_id"),
    ("record_feedback", {"query": QUERY, "response": "ok", "user_id": "x" * 129}, "128"),
    ("record_feedback", {"query": 42, "response": "ok"}, "query"),
    ("record_feedback", {"query": {"text": QUERY}, "response": "ok"}, "query"),
    ("record_feedback", {"query": QUERY, "response": ["x"] * 50_000}, "response"),
    ("rewrite_for_user", {"draft": "d" * (MAX_TEXT + 1)}, "MINDPRINT_MAX_TEXT_CHARS"),
    ("rewrite_for_user", {"draft": "   "}, "empty"),
    ("rewrite_for_user", {"draft": DRAFT, "user_id": "nobody-stored-here"}, "Unknown user"),
    ("export_user", {"user_id": "nobody-stored-here"}, "Unknown user"),
    ("export_user", {"user_id": 7}, "user_id"),
    ("forget_user", {}, "confirm"),  # defaults to the configured user: asks, deletes nothing
    ("export_user", {"cursor": "items:x"}, "cursor"),
    ("export_user", {"cursor": "vectors:1"}, "cursor"),
    ("forget_user", {"user_id": USER}, "confirm"),  # no elicitation: ask, delete nothing
    ("forget_user", {"user_id": USER, "confirm": "true"}, "confirm"),
    ("forget_user", {"user_id": USER, "confirm": 1}, "confirm"),
    ("get_user_factors", {"user_id": ["rui"]}, "user_id"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_explicit_bad_calls_are_refused_cleanly_and_change_nothing(
    server: MCPServer[ServerState], db_path: Path, mode: str
) -> None:
    async with Client(server, mode=mode) as c:
        await call_ok(c, "get_user_factors", {})  # opens the app before the first snapshot
        for name, args, word in BAD:
            before = snapshot(db_path)
            r = await c.call_tool(name, args)
            msg = assert_clean_error(name, r, args)
            assert word.lower() in msg.lower(), (name, args if len(str(args)) < 300 else "...", msg[:300])
            assert snapshot(db_path) == before, (name, str(args)[:200])
            await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY, "k": 1})


GOOD_ODDITIES: list[tuple[str, dict[str, Any]]] = [
    # Accepted on purpose: text is data, whatever it contains.
    ("record_feedback", {"query": "nul\x00inside and RTL \u202e mark", "response": "e\u0301 😀 𝄞 \U0010ffff ok", "rating": 3}),
    ("record_feedback", {"query": "x" * MAX_TEXT, "response": "exactly at the limit"}),
    ("record_feedback", {"query": QUERY + " extra", "response": "fine 5/5", "rating": 5, "mood": "happy", "k": 99}),
    ("retrieve_reasoning_paths", {"query": "👩\u200d👩\u200d👧 \u200f\u2066 ﷺ", "k": MAX_K}),
    ("retrieve_reasoning_paths", {"query": QUERY, "k": 1, "unknown": [1, 2, 3]}),
    ("rewrite_for_user", {"draft": "'; DROP TABLE items; -- It weighs 250 g."}),
    ("get_user_factors", {"user_id": "", "limit": 1}),  # empty means the configured user
]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_odd_but_valid_input_is_stored_verbatim(
    server: MCPServer[ServerState], db_path: Path, mode: str
) -> None:
    async with Client(server, mode=mode) as c:
        for name, args in GOOD_ODDITIES:
            await call_ok(c, name, args)
        export = await export_all(c)
        inputs = {it["input"] for it in export["items"]}
        assert "nul\x00inside and RTL \u202e mark" in inputs and "x" * MAX_TEXT in inputs
        responses = {it["response"] for it in export["items"]}
        assert "e\u0301 😀 𝄞 \U0010ffff ok" in responses
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": "nul\x00inside and RTL \u202e mark"})
        assert found["items"][0]["input"].startswith("nul\x00inside")
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # The SQL in the draft is stored as text, and every table is still there.
        assert conn.execute("SELECT COUNT(*) FROM rewrites WHERE draft LIKE '%DROP TABLE items%'").fetchone() == (1,)
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 48 + 3
    finally:
        conn.close()


@pytest.mark.anyio
async def test_many_unknown_arguments_and_a_huge_payload(server: MCPServer[ServerState], db_path: Path) -> None:
    async with Client(server, mode="2026-07-28") as c:
        await call_ok(c, "get_user_factors", {})
        before = snapshot(db_path)
        args: dict[str, Any] = {f"extra_{i}": i for i in range(5_000)}
        args |= {"query": "q" * (MAX_TEXT * 5), "response": "ok"}
        assert_clean_error("record_feedback", await c.call_tool("record_feedback", args), {})
        assert snapshot(db_path) == before
        await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY})


HOSTILE_USER_IDS = ["nobody-stored-here", "u" * 10_000, "\x00", "  ", "\u202eevil", "a/b", "../../etc", "😀" * 3]


@pytest.mark.anyio
async def test_the_profile_resource_and_prompt_refuse_hostile_user_ids_cleanly(
    server: MCPServer[ServerState], db_path: Path
) -> None:
    async with Client(server, mode="legacy") as c:
        await call_ok(c, "get_user_factors", {})
        before = snapshot(db_path)
        for uid in HOSTILE_USER_IDS:
            quoted = urllib.parse.quote(uid, safe="")
            with pytest.raises(MCPError) as res_err:
                await c.read_resource(f"mindprint://users/{quoted}/profile")
            prompt_msg = ""
            try:
                got = await c.get_prompt("personalize", {"user_id": uid})
                # An unknown user gets a prompt saying so: nothing to leak, nothing stored.
                first = got.messages[0].content
                assert isinstance(first, TextContent) and "no history for user" in first.text
            except MCPError as e:
                prompt_msg = e.error.message
                assert e.error.code == INVALID_PARAMS and prompt_msg
            for msg in (res_err.value.error.message, prompt_msg):
                assert not any(leak in msg for leak in LEAKS), msg[:300]
        assert snapshot(db_path) == before
        await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY, "k": 1})


# -- limits are settings ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_limits_follow_the_settings(
    monkeypatch: pytest.MonkeyPatch, app_factory: Callable[[], Mindprint], db_path: Path
) -> None:
    monkeypatch.setenv("MINDPRINT_MAX_TEXT_CHARS", "300")
    monkeypatch.setenv("MINDPRINT_MAX_K", "5")
    monkeypatch.setenv("MINDPRINT_MAX_USER_ID_CHARS", "16")
    async with Client(build_server(app_factory=app_factory), mode="legacy") as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        retrieve = tools["retrieve_reasoning_paths"].input_schema["properties"]
        assert "at most 300 characters" in (retrieve["query"].get("description") or "")
        assert retrieve["k"]["maximum"] == 5
        before = snapshot(db_path)
        msg = await call_err(c, "record_feedback", {"query": "q" * 301, "response": "ok"})
        assert "301 characters; the limit is 300 (MINDPRINT_MAX_TEXT_CHARS)" in msg
        assert "6" in await call_err(c, "retrieve_reasoning_paths", {"query": QUERY, "k": 6})
        assert "16" in await call_err(c, "get_user_factors", {"user_id": "u" * 17})
        assert snapshot(db_path) == before
        await call_ok(c, "record_feedback", {"query": "q" * 300, "response": "ok"})
        await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY, "k": 5})


@pytest.mark.anyio
@pytest.mark.slow
async def test_the_served_process_reads_its_limits_from_the_environment(
    child_env: dict[str, str], db_path: Path
) -> None:
    env = {**child_env, "MINDPRINT_MAX_TEXT_CHARS": "250"}
    async with Client(StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env), mode="legacy") as c:
        before = snapshot(db_path)
        msg = await call_err(c, "rewrite_for_user", {"draft": "d" * 251})
        assert "the limit is 250 (MINDPRINT_MAX_TEXT_CHARS)" in msg and "Traceback" not in msg
        assert snapshot(db_path) == before
        await call_ok(c, "rewrite_for_user", {"draft": "Short and Good. " * 10})


# -- known defects ------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_rewrite_id_past_int64_is_refused_with_an_explanation(server: MCPServer[ServerState]) -> None:
    async with Client(server, mode="legacy") as c:
        args = {**VALID["record_feedback"], "rewrite_id": 2**63}
        assert_clean_error("record_feedback", await c.call_tool("record_feedback", args), args)


LONE_SURROGATES: list[tuple[str, dict[str, Any]]] = [
    ("record_feedback", {"query": "a\ud800b", "response": "ok"}),
    ("rewrite_for_user", {"draft": "\udfff draft"}),
    ("retrieve_reasoning_paths", {"query": QUERY, "user_id": "u\ud83d"}),
    ("retrieve_reasoning_paths", {"query": "q\udc00"}),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "args"), LONE_SURROGATES)
async def test_lone_surrogates_change_nothing(
    server: MCPServer[ServerState], db_path: Path, name: str, args: dict[str, Any]
) -> None:
    """Text that is not valid Unicode (a JSON "\\ud800" escape decodes to a lone
    surrogate) is refused and stores nothing; the server keeps serving."""
    async with Client(server, mode="legacy") as c:
        await call_ok(c, "get_user_factors", {})
        before = snapshot(db_path)
        r = await c.call_tool(name, args)
        assert r.is_error and "Traceback" not in error_text(r)
        assert snapshot(db_path) == before
        await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY, "k": 1})


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "args"), LONE_SURROGATES)
async def test_lone_surrogates_are_refused_with_an_explanation(
    server: MCPServer[ServerState], name: str, args: dict[str, Any]
) -> None:
    async with Client(server, mode="legacy") as c:
        msg = assert_clean_error(name, await c.call_tool(name, args), args)
        assert "unicode" in msg.lower() and "model" not in msg.lower(), msg


class FlakyEmbedder(Wrapper):
    """The real model, failing while ``broken`` (a model crash, an out-of-memory)."""

    def __init__(self, inner: FastEmbedEmbedder) -> None:
        super().__init__(inner)
        self.broken = False

    def embed(self, texts: Sequence[str]) -> Vector:
        if self.broken:
            raise ModelError("Embedding failed (simulated).")
        return self.inner.embed(texts)


@pytest.fixture
def flaky(db_path: Path, real_embedder: FastEmbedEmbedder) -> tuple[MCPServer[ServerState], FlakyEmbedder]:
    emb = FlakyEmbedder(real_embedder)
    return build_server(app_factory=lambda: Mindprint(Store.open(db_path), emb, default_user=USER)), emb


FRESH = {"query": "Review request: Orbit 9 GPS watch — 30 h GPS, 44 g, $260.", "response": "30 h is plenty. 4/5"}


@pytest.mark.anyio
async def test_a_feedback_that_fails_to_embed_changes_nothing(
    db_path: Path, flaky: tuple[MCPServer[ServerState], FlakyEmbedder]
) -> None:
    server, emb = flaky
    async with Client(server, mode="legacy") as c:
        await call_ok(c, "get_user_factors", {})
        before = snapshot(db_path)
        emb.broken = True
        assert "simulated" in await call_err(c, "record_feedback", FRESH)
        assert snapshot(db_path) == before, "the failed call left rows behind"


@pytest.mark.anyio
async def test_a_retried_feedback_is_retrievable(flaky: tuple[MCPServer[ServerState], FlakyEmbedder]) -> None:
    server, emb = flaky
    async with Client(server, mode="legacy") as c:
        await call_ok(c, "get_user_factors", {})
        emb.broken = True
        await call_err(c, "record_feedback", FRESH)
        emb.broken = False
        receipt = await call_ok(c, "record_feedback", FRESH)  # the user's client retries
        found = await call_ok(c, "retrieve_reasoning_paths", {"query": FRESH["query"], "k": 3})
        assert receipt["item_id"] in [h["item_id"] for h in found["items"]]


# -- the wire itself ------------------------------------------------------------------------------


@pytest.mark.slow
def test_malformed_json_rpc_over_stdio_changes_nothing(child_env: dict[str, str], db_path: Path) -> None:
    """Lines no JSON parser accepts (a lone-surrogate escape, truncation, garbage, a 2 MB
    line) reach the real process: it answers what it can, stores nothing, keeps serving,
    and writes nothing but JSON-RPC to stdout."""
    s = RawStdio(child_env)
    try:
        s.initialize()
        assert not s.call("get_user_factors", {"limit": 1})["isError"]
        before = snapshot(db_path)
        assert s.proc.stdin is not None
        for line in [
            '{"jsonrpc":"2.0","id":901,"method":"tools/call","params":{"name":"record_feedback",'
            '"arguments":{"query":"a\\ud800b","response":"x"}}}',
            '{"jsonrpc":"2.0","id":902,"method":"tools/call","params":{"name":"record_fe',
            "not json at all \x00 \u202e",
            "[]",
            '{"jsonrpc":"2.0","id":903,"method":"tools/call","params":{"name":"record_feedback",'
            '"arguments":{"query":' + json.dumps("q" * 2_000_000) + ',"response":"x"}}}',
            '{"jsonrpc":"2.0","id":904,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}',
            '{"jsonrpc":"2.0","id":905,"method":"tools/call","params":{"name":"record_feedback","arguments":[1,2]}}',
        ]:
            s.proc.stdin.write(line + "\n")
            s.proc.stdin.flush()
        assert s.request("ping")["result"] == {}  # still serving, in order
        replies = {m["id"]: m for m in map(json.loads, s.lines) if isinstance(m, dict) and "id" in m}
        for rid in (903, 904, 905):
            reply = replies[rid]
            assert "error" in reply or reply["result"]["isError"], reply
            assert "Traceback" not in json.dumps(reply)
        assert snapshot(db_path) == before
        assert not s.call("retrieve_reasoning_paths", {"query": QUERY, "k": 1})["isError"]
    finally:
        code = s.close()
    assert code == 0, "".join(s.stderr)[-3000:]
    assert_only_jsonrpc(s.lines)
