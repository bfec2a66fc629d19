"""The HTTP server's guards against other web pages and other tenants (issue 19,
findings 3 and 6), against the real `mindprint serve --transport http` process.

3. DNS rebinding: a page on evil.example that rebinds its name to a loopback alias
   must not reach the tools of a `--no-auth` server.
6. One token holder must not be able to take every session of the server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from tests.server.support import MINDPRINT_BIN

ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "attacker", "version": "1"}},
}


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def http_server(env: dict[str, str], host: str, *args: str) -> Iterator[str]:
    """A real `mindprint serve --transport http` on ``host``; yields its base URL."""
    port = _free_port("127.0.0.1" if host.lower() == "localhost" else host)
    proc = subprocess.Popen(
        [MINDPRINT_BIN, "serve", "--transport", "http", "--host", host, "--port", str(port), *args],
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://{'127.0.0.1' if host.lower() == 'localhost' else host}:{port}"
    try:
        for _ in range(400):
            try:
                httpx2.get(base + "/", timeout=1)
                break
            except httpx2.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.parametrize("host", ["127.0.0.2", "LOCALHOST"])
def test_a_rebinding_page_cannot_reach_a_no_auth_server_on_a_loopback_alias(
    child_env: dict[str, str], host: str
) -> None:
    with http_server(child_env, host, "--no-auth") as base:
        port = base.rsplit(":", 1)[1]
        hostile = httpx2.post(
            base + "/mcp", json=INIT,
            headers={**ACCEPT, "Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},
        )
        assert hostile.status_code in (403, 421), hostile.text
        assert "mcp-session-id" not in hostile.headers
        # A page served from elsewhere, sending the right Host, is refused by its Origin.
        cross = httpx2.post(base + "/mcp", json=INIT, headers={**ACCEPT, "Origin": "http://evil.example"})
        assert cross.status_code == 403, cross.text
        # The local client itself still gets in.
        own = httpx2.post(base + "/mcp", json=INIT, headers=ACCEPT)
        assert own.status_code == 200 and own.headers.get("mcp-session-id"), own.text


def test_one_token_cannot_hold_every_session(child_env: dict[str, str], tmp_path: Path) -> None:
    greedy, other = "tok-greedy-0123456789abcdef", "tok-other-0123456789abcdef"
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({greedy: "mallory", other: "alice"}))
    tokens.chmod(0o600)
    env = {**child_env, "MINDPRINT_SESSIONS_PER_TOKEN": "3"}
    with http_server(env, "127.0.0.1", "--tokens-file", str(tokens)) as base:
        def open_session(token: str, scheme: str = "Bearer") -> httpx2.Response:
            return httpx2.post(base + "/mcp", json=INIT,
                               headers={**ACCEPT, "Authorization": f"{scheme} {token}"})

        held = [open_session(greedy) for _ in range(3)]
        assert all(r.status_code == 200 for r in held), [r.text for r in held]
        refused = open_session(greedy)
        assert refused.status_code == 429
        assert open_session(greedy, "bearer").status_code == 429  # the same token, respelled
        assert "MINDPRINT_SESSIONS_PER_TOKEN" in refused.json()["error"]["message"]
        assert open_session(other).status_code == 200  # other tenants are not affected
        # Closing a session frees its place.
        closed = httpx2.delete(base + "/mcp", headers={
            **ACCEPT, "Authorization": f"Bearer {greedy}",
            "mcp-session-id": held[0].headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25",
        })
        assert closed.status_code == 200, closed.text
        assert open_session(greedy).status_code == 200
