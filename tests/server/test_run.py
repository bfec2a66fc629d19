"""`mindprint serve`: the real process over stdio (legacy handshake, as Claude Desktop
connects) and over HTTP on 127.0.0.1, plus the refusals that happen before binding."""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitRequestParams, ElicitResult

from mindprint.errors import ConfigError
from mindprint.locations import quote
from mindprint.server import run
from tests.server.support import MINDPRINT_BIN, TOOLS, USER, call_ok

# -- refusals (nothing binds: uvicorn.run is replaced) --------------------------------


@pytest.fixture
def no_bind(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # serve() configures the root logger for the process; give it back to pytest.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_no_auth_on_a_non_loopback_host_is_refused(host: str, no_bind: list[dict[str, Any]]) -> None:
    with pytest.raises(ConfigError, match="only on a loopback"):
        run.serve("http", host, 8765, None, no_auth=True)
    assert no_bind == []


def test_http_without_tokens_is_refused(no_bind: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINDPRINT_TOKENS_FILE", raising=False)
    with pytest.raises(ConfigError, match="needs bearer tokens"):
        run.serve("http", "127.0.0.1", 8765, None, no_auth=False)
    with pytest.raises(ConfigError, match="Unknown transport"):
        run.serve("carrier-pigeon", "127.0.0.1", 8765, None, no_auth=False)
    assert no_bind == []


def test_a_refused_http_setup_starts_nothing(
    no_bind: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """Refused before the model install starts: a wrong command downloads nothing."""
    from mindprint.server import provision

    started: list[Path] = []
    monkeypatch.setattr(provision, "start", started.append)
    monkeypatch.setenv("MINDPRINT_AUTO_INSTALL_MODEL", "1")
    missing = tmp_path / "team tokens.json"
    with pytest.raises(ConfigError, match="no tokens file") as refused:
        run.serve("http", "127.0.0.1", 8765, missing, no_auth=False)
    assert f"mindprint token new --user <you> --tokens-file {quote(str(missing))}\n" in str(refused.value)
    with pytest.raises(ConfigError, match="only on a loopback"):
        run.serve("http", "0.0.0.0", 8765, None, no_auth=True)
    assert started == [] and no_bind == []


def test_tokens_file_from_settings_and_loopback_no_auth_are_served(
    tmp_path: Path, no_bind: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tok-alice-0123456789abcdef": "alice"}))
    tokens.chmod(0o600)
    monkeypatch.setenv("MINDPRINT_TOKENS_FILE", str(tokens))
    run.serve("http", "127.0.0.1", 18765, None, no_auth=False)
    run.serve("http", "127.0.0.1", 18766, None, no_auth=True)
    assert [(c["host"], c["port"]) for c in no_bind] == [("127.0.0.1", 18765), ("127.0.0.1", 18766)]


# -- the real process over stdio ------------------------------------------------------


class RawStdio:
    """A JSON-RPC session over a spawned server's pipes, keeping every stdout line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [MINDPRINT_BIN, "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", ""), **env},
            text=True,
        )
        self.lines: list[str] = []
        self._q: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, daemon=True),
            threading.Thread(target=self._drain, daemon=True),
        ]
        for t in self._threads:
            t.start()
        self._id = 0

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            self._q.put(line)

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)

    def send(self, method: str, params: dict[str, Any] | None = None, *, notify: bool = False) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        if not notify:
            self._id += 1
            msg["id"] = self._id
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> dict[str, Any]:
        self.send(method, params)
        deadline = time.monotonic() + timeout
        while True:
            line = self._q.get(timeout=max(0.01, deadline - time.monotonic()))
            msg = json.loads(line)
            if msg.get("id") == self._id:
                return dict(msg)

    def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.request("tools/call", {"name": name, "arguments": args})["result"]
        return result

    def initialize(self) -> dict[str, Any]:
        result = self.request(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {},
             "clientInfo": {"name": "claude-ai", "version": "0.1.0"}},
        )["result"]
        self.send("notifications/initialized", notify=True)
        return dict(result)

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # EOF: the server shuts down by itself
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        finally:
            for t in self._threads:
                t.join(timeout=10)  # both pipes reach EOF once the process is gone
            for pipe in (self.proc.stdout, self.proc.stderr):
                if pipe is not None:
                    pipe.close()


def assert_only_jsonrpc(lines: list[str]) -> None:
    assert lines
    for line in lines:
        msg = json.loads(line)  # raises on anything that is not JSON
        assert msg.get("jsonrpc") == "2.0" and ("id" in msg or "method" in msg), line


def test_stdio_legacy_session_speaks_only_protocol_on_stdout(child_env: dict[str, str]) -> None:
    # How fast the cold start is, is measured by benchmarks/startup.py (a
    # timed assertion here failed under load); this checks that it answers at all.
    s = RawStdio(child_env)
    try:
        init = s.initialize()
        tools = s.request("tools/list")["result"]["tools"]
        assert init["protocolVersion"] == "2025-11-25" and "get_user_factors" in init["instructions"]
        assert {t["name"] for t in tools} == TOOLS

        query = "Review request: Orbit Sport 2 GPS watch — 30 h GPS, 48 g, $249."
        assert s.call("get_user_factors", {})["structuredContent"]["user_id"] == USER
        fb = s.call("record_feedback", {"query": query, "response": "30 h gps at 48 g. fine. 4/5", "rating": 4})
        assert not fb["isError"]
        found = s.call("retrieve_reasoning_paths", {"query": query})["structuredContent"]
        assert found["items"][0]["item_id"] == fb["structuredContent"]["item_id"]
        assert not s.call("rewrite_for_user", {"draft": "The watch is Good. It lasts 30 hours."})["isError"]
        assert s.call("export_user", {})["structuredContent"]["counts"]["items"] == 49
        bad = s.call("record_feedback", {"query": query, "response": "x", "rating": 9})
        assert bad["isError"]
        assert "Traceback" not in json.dumps(bad)
        profile = s.request("resources/read", {"uri": f"mindprint://users/{USER}/profile"})["result"]
        assert profile["contents"][0]["mimeType"] == "text/markdown"
        prompt = s.request("prompts/get", {"name": "personalize", "arguments": {}})["result"]
        assert len(prompt["messages"]) == 2
        assert s.request("ping")["result"] == {}  # still serving
    finally:
        code = s.close()
    assert code == 0, "".join(s.stderr)
    assert_only_jsonrpc(s.lines)


def test_stdio_handshake_never_waits_for_the_model(child_env: dict[str, str], tmp_path: Path) -> None:
    env = {**child_env, "MINDPRINT_MODEL_DIR": str(tmp_path / "no-model-here")}
    s = RawStdio(env)
    try:
        s.initialize()
        assert len(s.request("tools/list")["result"]["tools"]) == len(TOOLS)
        # The store works without the model; embedding fails cleanly and the server stays up.
        first = s.call("get_user_factors", {})
        assert not first["isError"], first
        failed = s.call("retrieve_reasoning_paths", {"query": "anything at all?"})
        assert failed["isError"] and "mindprint model install" in failed["content"][0]["text"]
        assert not s.call("get_user_factors", {"limit": 1})["isError"]
    finally:
        assert s.close() == 0
    assert_only_jsonrpc(s.lines)


async def _accept(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
    assert "Permanently delete" in params.message
    return ElicitResult(action="accept", content={"confirm": True})


@pytest.mark.anyio
async def test_stdio_with_the_sdk_client_in_legacy_mode(child_env: dict[str, str], anyio_backend: str) -> None:
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=child_env)
    async with Client(params, mode="legacy", elicitation_callback=_accept) as c:
        assert c.protocol_version == "2025-11-25"
        assert {t.name for t in (await c.list_tools()).tools} == TOOLS
        factors = await call_ok(c, "get_user_factors", {"limit": 3})
        assert len(factors["factors"]) == 3
        await call_ok(c, "retrieve_reasoning_paths", {"query": "Review request: a 250 g trail shoe, $140."})
        gone = await call_ok(c, "forget_user", {"user_id": USER})  # confirmed through elicitation
        assert gone["deleted"] and gone["rows_deleted"]["items"] == 48


# -- the real process over HTTP on 127.0.0.1 ------------------------------------------


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.anyio
async def test_http_process_requires_a_token(child_env: dict[str, str], tmp_path: Path, anyio_backend: str) -> None:
    token = "tok-http-0123456789abcdef"
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({token: USER}))
    tokens.chmod(0o600)
    port = _free_loopback_port()
    proc = subprocess.Popen(
        [MINDPRINT_BIN, "serve", "--transport", "http", "--host", "127.0.0.1",
         "--port", str(port), "--tokens-file", str(tokens)],
        env={"PATH": os.environ.get("PATH", ""), **child_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        async with httpx2.AsyncClient() as http:
            for _ in range(200):
                try:
                    resp = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                           headers={"Accept": "application/json, text/event-stream"})
                    break
                except httpx2.TransportError:
                    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                    time.sleep(0.05)
            assert resp.status_code == 401
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as authed,
            Client(streamable_http_client(url, http_client=authed), mode="legacy") as c,
        ):
            assert {t.name for t in (await c.list_tools()).tools} == TOOLS
            assert (await call_ok(c, "get_user_factors", {}))["user_id"] == USER
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()


def test_empty_or_unsubstituted_settings_are_dropped() -> None:
    env = {
        "MINDPRINT_DB": "",
        "MINDPRINT_USER": "${user_config.user}",
        "ANTHROPIC_API_KEY": "  ",
        "OPENAI_API_KEY": "sk-real",
        "MINDPRINT_HOME": "/data/mp",
        "UNRELATED": "",
    }
    assert sorted(run.drop_empty_settings(env)) == ["ANTHROPIC_API_KEY", "MINDPRINT_DB", "MINDPRINT_USER"]
    assert env == {"OPENAI_API_KEY": "sk-real", "MINDPRINT_HOME": "/data/mp", "UNRELATED": ""}
