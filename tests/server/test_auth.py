"""HTTP bearer auth and per-user isolation (issue 8), in-process over streamable HTTP.

Nothing here binds a socket: the ASGI app is driven through httpx2's ASGITransport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette

from mindprint.app import Mindprint
from mindprint.errors import ConfigError
from mindprint.server.auth import (
    TOKEN_INVALID,
    TOKEN_MISSING,
    StaticTokens,
    check_http_security,
    is_loopback,
    load_tokens,
    require_bearer,
)
from mindprint.server.server import build_server
from tests.server.support import MODES, USER, call_err, call_ok, snapshot

pytestmark = pytest.mark.anyio

ALICE = "tok-alice-0123456789abcdef"
BOB = "tok-bob-0123456789abcdef00"
RUI = "tok-rui-0123456789abcdef00"
TOKENS = {ALICE: "alice", BOB: "bob", RUI: USER}
BASE = "http://127.0.0.1:8765"  # the Host header only; nothing listens there


@asynccontextmanager
async def http_app(app_factory: Callable[[], Mindprint]) -> AsyncIterator[Starlette]:
    verifier = StaticTokens(TOKENS)
    mcp = build_server(app_factory=app_factory, token_verifier=verifier)
    app = require_bearer(mcp.streamable_http_app(host="127.0.0.1"), verifier)  # as run.py does
    async with mcp.session_manager.run():  # ASGITransport does not run the lifespan
        yield app


@asynccontextmanager
async def client_for(app: Starlette, token: str | None, mode: str) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers) as http,
        Client(streamable_http_client(f"{BASE}/mcp", http_client=http), mode=mode) as c,
    ):
        yield c


@pytest.mark.parametrize("mode", MODES)
async def test_a_token_reads_and_writes_only_its_own_user(
    app_factory: Callable[[], Mindprint], db_path: Path, mode: str
) -> None:
    query = "Review request: Halo trail headlamp — 400 lumens, 80 g, $59."
    async with http_app(app_factory) as app:
        async with client_for(app, ALICE, mode) as alice:
            receipt = await call_ok(
                alice, "record_feedback",
                {"query": query, "response": "alice: bright enough, 4/5", "rating": 4},
            )
            assert receipt["history_size"] == 1
            mine = await call_ok(alice, "get_user_factors", {"user_id": "alice"})
            assert mine["user_id"] == "alice"
            assert (await call_ok(alice, "export_user", {}))["user_id"] == "alice"

        before = snapshot(db_path)
        async with client_for(app, BOB, mode) as bob:
            denied: list[tuple[str, dict[str, Any]]] = [
                ("get_user_factors", {"user_id": "alice"}),
                ("retrieve_reasoning_paths", {"query": query, "user_id": "alice"}),
                ("rewrite_for_user", {"draft": "A draft.", "user_id": USER}),
                ("export_user", {"user_id": USER}),
                ("record_feedback", {"query": query, "response": "bob writes", "user_id": "alice"}),
                ("forget_user", {"user_id": "alice", "confirm": True}),
            ]
            for name, args in denied:
                message = await call_err(bob, name, args)
                assert "belongs to user 'bob'" in message, (name, message)
            # Bob's own (empty) user: welcomed, with no fallback to anyone else's data.
            empty = await call_ok(bob, "retrieve_reasoning_paths", {"query": query})
            assert empty["user_id"] == "bob" and empty["items"] == [] and "'bob'" in empty["welcome"]
            with pytest.raises(MCPError) as exc:
                await bob.read_resource("mindprint://users/alice/profile")
            assert "cannot read or write user 'alice'" in exc.value.error.message
            with pytest.raises(MCPError):
                await bob.get_prompt("personalize", {"user_id": "alice"})
        assert snapshot(db_path) == before  # no cross-user write happened

        async with client_for(app, RUI, mode) as rui:
            found = await call_ok(rui, "retrieve_reasoning_paths", {"query": query})
            assert found["user_id"] == USER
            assert all("alice" not in h["response"] for h in found["items"])
            md = await rui.read_resource(f"mindprint://users/{USER}/profile")
            assert md.contents


@pytest.mark.parametrize("token", [None, "not-a-valid-token-at-all", ALICE + "x"])
async def test_missing_or_wrong_token_is_refused_with_401(
    app_factory: Callable[[], Mindprint], token: str | None
) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "0"}}}
    async with (
        http_app(app_factory) as app,
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=BASE) as http,
    ):
        resp = await http.post("/mcp", json=body, headers=headers)
        assert resp.status_code == 401
        # RFC 6750, and no OAuth invitation: no resource_metadata, no metadata documents.
        expected = TOKEN_MISSING if token is None else TOKEN_INVALID
        challenge = resp.headers["www-authenticate"]
        assert challenge == f'Bearer error="invalid_token", error_description="{expected}"'
        assert "resource_metadata" not in challenge
        assert resp.json()["error_description"] == expected
        for well_known in ("oauth-protected-resource", "oauth-protected-resource/mcp",
                           "oauth-authorization-server", "openid-configuration"):
            assert (await http.get(f"/.well-known/{well_known}")).status_code == 404
        ok = await http.post("/mcp", json=body, headers={**headers, "Authorization": f"Bearer {ALICE}"})
        assert ok.status_code == 200


def test_refusals_say_missing_or_invalid_and_offer_no_oauth() -> None:
    assert "No bearer token" in TOKEN_MISSING and "Invalid bearer token" in TOKEN_INVALID
    for text in (TOKEN_MISSING, TOKEN_INVALID):
        assert "no OAuth" in text and '"' not in text  # a quoted-string cannot hold a quote


async def test_static_tokens_map_to_users() -> None:
    v = StaticTokens(TOKENS)
    tok = await v.verify_token(BOB)
    assert tok is not None and tok.subject == "bob"
    assert await v.verify_token(BOB[:-1]) is None
    assert await v.verify_token("") is None


def test_load_tokens(tmp_path: Path) -> None:
    good = tmp_path / "tokens.json"
    good.write_text(json.dumps({ALICE: "alice", BOB: " bob "}))
    good.chmod(0o600)
    assert load_tokens(good) == {ALICE: "alice", BOB: "bob"}
    bad_cases = {
        "missing.json": None,
        "broken.json": "{not json",
        "list.json": json.dumps([ALICE]),
        "empty.json": "{}",
        "short.json": json.dumps({"abc": "alice"}),
        "nouser.json": json.dumps({ALICE: ""}),
        "number.json": json.dumps({ALICE: 7}),
    }
    for name, content in bad_cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content)
            path.chmod(0o600)  # refused for its content, not its mode
        with pytest.raises(ConfigError):
            load_tokens(path)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("192.0.2.10", False), ("::", False), ("example.com", False)],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_http_security_rules() -> None:
    check_http_security("127.0.0.1", no_auth=True, has_tokens=False)
    check_http_security("127.0.0.1", no_auth=False, has_tokens=True)
    check_http_security("0.0.0.0", no_auth=False, has_tokens=True)  # tokens protect it
    with pytest.raises(ConfigError, match="only on a loopback"):
        check_http_security("0.0.0.0", no_auth=True, has_tokens=False)
    with pytest.raises(ConfigError, match="needs bearer tokens"):
        check_http_security("127.0.0.1", no_auth=False, has_tokens=False)
    with pytest.raises(ConfigError, match="needs bearer tokens"):
        check_http_security("192.0.2.10", no_auth=False, has_tokens=False)
