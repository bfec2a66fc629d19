"""Helpers of the dashboard tests: start `mindprint ui`, plant hostile texts, find
Chromium, and where screenshots go."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from playwright.sync_api import Locator, Page

from mindprint.engine.protocols import Embedder
from tests.server.support import MINDPRINT_BIN, REPO, call_err, call_ok

# Screenshots of every page at 1280x800: part of the test output (CI keeps it).
SHOTS = Path(os.environ.get("MINDPRINT_TEST_OUTPUT", REPO / "test-output")) / "ui"
SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
VIEWPORT = {"width": 1280, "height": 800}
HOSTILE_INPUT = f"Review request: {SCRIPT} the Hostile Gaiter, 90 g, $30."
HOSTILE_COMMENT = f"too long {SCRIPT}"
# Right-to-left override, isolate, zero-width space and byte-order mark: a text that
# reads otherwise than it is; and an emoji whose zero-width joiner must stay.
BIDI_INPUT = "Review request: the \u202eTrail 9\u202c shoe, \u2066240 g\u2069, $99\u200b\ufeff."
BIDI_RESPONSE = "fits well 👩\u200d🚀 4/5"
DRAFT = ("The Nordkam Ember is a well-designed headlamp. It is bright at 350 lumens and it is "
         "reasonably light at 210 g. Overall, I would rate it 3/5.")


@dataclass(frozen=True, slots=True)
class Dashboard:
    url: str  # the printed link, token included
    db: Path
    env: dict[str, str]

    @property
    def origin(self) -> str:
        p = urlsplit(self.url)
        return f"{p.scheme}://{p.netloc}"

    @property
    def token(self) -> str:
        return urlsplit(self.url).query.removeprefix("token=")

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)


def start_ui(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    """A `mindprint ui --no-open` process and the link it printed."""
    proc = subprocess.Popen(
        [MINDPRINT_BIN, "ui", "--no-open", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("mindprint dashboard: "):
        proc.kill()
        raise AssertionError(f"mindprint ui printed {line!r}; stderr: {proc.communicate()[1]}")
    return proc, line.split(": ", 1)[1].strip()


def stop(proc: subprocess.Popen[str]) -> str:
    """End the process and close its pipes; its stderr."""
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def hostile_history(db: Path, embedder: Embedder) -> None:
    """An item and a feedback comment holding markup that must never run."""
    from mindprint.app import Mindprint
    from mindprint.store import NewItem, Store

    m = Mindprint(Store.open(db), embedder, default_user="rui")
    try:
        m.add_items("rui", [NewItem(HOSTILE_INPUT, f"fine {SCRIPT} 3/5", score=3.0),
                            NewItem(BIDI_INPUT, BIDI_RESPONSE, score=4.0)])
        m.record_feedback("rui", "Shorter please", "A long answer.", rating=2,
                          comment=HOSTILE_COMMENT)
        m.rewrite("rui", DRAFT, "Review request: a headlamp, 350 lumens, 5 h, 210 g.")
        m.wait_idle()
    finally:
        m.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_mcp_http(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """A real `mindprint serve` over HTTP on the same database: another process whose
    caches must see the dashboard's changes."""
    port = free_port()
    proc = subprocess.Popen(
        [MINDPRINT_BIN, "serve", "--transport", "http", "--host", "127.0.0.1", "--port",
         str(port), "--no-auth"], env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, timeout=5,
                       headers={"Accept": "application/json, text/event-stream"})
            return proc, url
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"mindprint serve did not start: {stop(proc)}") from None
            time.sleep(0.1)


def mcp_call(url: str, name: str, args: dict[str, Any], *, error: bool = False) -> dict[str, Any]:
    """One tool call through the real MCP client (its own event loop, off the thread
    Playwright's sync API runs on). ``error``: the call must fail; {"error": its text}."""

    async def go() -> dict[str, Any]:
        async with Client(streamable_http_client(url), mode="legacy") as c:
            if error:
                return {"error": await call_err(c, name, args)}
            return await call_ok(c, name, args)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, go).result(timeout=180)


def mcp_read(url: str, uri: str) -> str:
    """One resource's text through the real MCP client (as :func:`mcp_call`)."""

    async def go() -> str:
        async with Client(streamable_http_client(url), mode="legacy") as c:
            return str(getattr((await c.read_resource(uri)).contents[0], "text", ""))

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, go).result(timeout=180)


def click_and_wait(page: Page, target: Locator) -> str:
    """Submit a form by its button; the notice shown after the redirect."""
    with page.expect_navigation():
        target.click()
    return page.locator(".notice").inner_text()


def shot(page: Page, name: str) -> None:
    """The page as a person sees it, 1280x800, into the test output."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def visit(page: Page, d: Dashboard, path: str) -> None:
    r = page.goto(d.origin + path)
    assert r is not None and r.status == 200, path
