"""The MCP App view of get_user_factors (SEP-1865): announced on tools/list and
resources/list, served as text/html;profile=mcp-app, and rendered by headless Chromium
inside a sandboxed iframe of a minimal host that speaks the Apps handshake, with no
network request and no markup from the data ever run."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
from mcp import Client
from mcp.server.mcpserver import MCPServer
from playwright.sync_api import Browser, Request

from mindprint.server.state import ServerState
from tests.server.conftest import app_factory, chat_server, db_path, server  # noqa: F401 (fixtures)
from tests.server.support import call_ok
from tests.ui.support import SHOTS

URI = "ui://mindprint/profile"
MIME = "text/html;profile=mcp-app"
T = TypeVar("T")

# A host in a few lines: an iframe (scripts allowed, nothing else: an opaque origin),
# the answer to ui/initialize, then the tool's result once the view is initialized.
HOST = """<!doctype html><html><body><iframe id="app" sandbox="allow-scripts" width="1240"
height="760"></iframe><script>
window.seen = [];
function start(html, result) {
  var frame = document.getElementById("app");
  window.addEventListener("message", function (ev) {
    if (ev.source !== frame.contentWindow) { return; }
    var m = ev.data; window.seen.push(m.method || "response");
    if (m.method === "ui/initialize") {
      frame.contentWindow.postMessage({jsonrpc: "2.0", id: m.id, result: {
        protocolVersion: "2026-01-26", hostInfo: {name: "test host", version: "1"},
        hostCapabilities: {}, hostContext: {}}}, "*");
    } else if (m.method === "ui/notifications/initialized") {
      frame.contentWindow.postMessage({jsonrpc: "2.0", method: "ui/notifications/tool-result",
                                       params: result}, "*");
    }
  });
  frame.srcdoc = html;
}
</script></body></html>"""


def run(fn: Callable[[], Awaitable[T]]) -> T:
    """An async MCP exchange on its own event loop (Playwright's sync API owns this thread's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, fn).result(timeout=180)


def served(server: MCPServer[ServerState]) -> tuple[Any, Any, str, dict[str, Any], dict[str, Any]]:  # noqa: F811
    async def go() -> tuple[Any, Any, str, dict[str, Any], dict[str, Any]]:
        async with Client(server, mode="legacy") as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            listed = {str(r.uri): r for r in (await c.list_resources()).resources}
            read = await c.read_resource(URI)
            result = await c.call_tool("get_user_factors", {})
            data = await call_ok(c, "get_user_factors", {})
            return tools, listed, read.contents[0], result.model_dump(by_alias=True, mode="json",
                                                                      exclude_none=True), data
    tools, listed, content, result, data = run(go)
    return tools, listed, content, result, data


def test_get_user_factors_links_the_app_resource(server: MCPServer[ServerState]) -> None:  # noqa: F811
    tools, listed, content, result, data = served(server)
    assert tools["get_user_factors"].meta == {"ui": {"resourceUri": URI}}
    assert all(t.meta is None or "ui" not in t.meta for n, t in tools.items() if n != "get_user_factors")
    assert listed[URI].mime_type == MIME
    assert content.mime_type == MIME
    assert "connect-src 'none'" in content.text and "default-src 'none'" in content.text
    # Clients without app support: the same compact text as before, plus the sentence.
    assert json.loads(result["content"][0]["text"]) == data
    assert data["backtest"].startswith("On your last 30 ratings mindprint was off by ")


def render(browser: Browser, html: str, result: dict[str, Any], name: str) -> tuple[Any, list[Request], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    requests: list[Request] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_content(HOST)
    page.evaluate("([html, result]) => start(html, result)", [html, result])
    frame = page.frame_locator("#app")
    frame.locator("#factors li").first.wait_for(timeout=15_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    return page, requests, errors


def test_the_card_renders_the_users_factors_offline(browser: Browser, server: MCPServer[ServerState]) -> None:  # noqa: F811
    _, _, content, result, data = served(server)
    page, requests, errors = render(browser, content.text, result, "mcp-app-card")
    frame = page.frame_locator("#app")
    names = frame.locator("#factors li b.name").all_inner_texts()
    assert names == [f["name"] for f in data["factors"][:8]]
    assert frame.locator("#sentence").inner_text() == data["backtest"]
    assert frame.locator("h1").inner_text() == "How mindprint sees rui"
    assert page.evaluate("window.seen") == ["ui/initialize", "ui/notifications/initialized"]
    assert requests == [] and errors == []  # nothing fetched, nothing blocked
    page.close()


def test_the_card_shows_markup_in_the_data_as_text(browser: Browser, server: MCPServer[ServerState]) -> None:  # noqa: F811
    _, _, content, result, _ = served(server)
    evil = "<img src=x onerror=\"parent.postMessage({jsonrpc:'2.0',method:'pwned'},'*')\">"
    result["structuredContent"]["factors"][0]["name"] = evil
    page, requests, _ = render(browser, content.text, result, "mcp-app-card-hostile")
    frame = page.frame_locator("#app")
    assert frame.locator("#factors li b.name").first.inner_text() == evil
    assert frame.locator("#factors img").count() == 0
    assert "pwned" not in page.evaluate("window.seen") and requests == []
    page.close()


def test_the_card_shows_format_characters_inert(browser: Browser, server: MCPServer[ServerState]) -> None:  # noqa: F811
    """Issue 27, finding 7: a right-to-left override in a factor's name reordered the card."""
    _, _, content, result, _ = served(server)
    factors = result["structuredContent"]["factors"]
    factors[0]["name"] = "weight \u202egnorw\u202c \u2066x\u2069\u200b"
    factors[0]["evidence"] = "ok 👩\u200d🚀 \U000e0041"
    page, requests, _ = render(browser, content.text, result, "mcp-app-card-bidi")
    frame = page.frame_locator("#app")
    first = frame.locator("#factors li").first
    assert first.locator("b.name").inner_text() == "weight \\u202egnorw\\u202c \\u2066x\\u2069\\u200b"
    assert first.locator(".why").inner_text() == "ok 👩\u200d🚀 \\U000e0041"
    assert requests == []
    page.close()


def test_the_card_shows_what_the_person_said(browser: Browser, chat_server: MCPServer[ServerState]) -> None:  # noqa: F811
    _, _, content, result, data = served(chat_server)
    evil = "I avoid <img src=x onerror=\"parent.postMessage({jsonrpc:'2.0',method:'pwned'},'*')\"> nuts"
    prefs = result["structuredContent"]["preferences"]
    assert [p["quote"] for p in prefs] == [p["quote"] for p in data["preferences"]]
    # Two statements other than the choice, whose line is checked below.
    a, b = [n for n, p in enumerate(prefs) if not p.get("chosen")][1:3]
    prefs[a]["quote"] = evil  # stored text may hold anything: it is shown, never run
    prefs[b]["quote"] = "I like \u202esniart\u202c a lot"  # and its format characters inert
    page, requests, errors = render(browser, content.text, result, "mcp-app-card-preferences")
    frame = page.frame_locator("#app")
    items = frame.locator("#preferences li")
    shown = [p["quote"] for p in prefs]
    shown[b] = "I like \\u202esniart\\u202c a lot"
    assert items.locator("q.quote").all_inner_texts() == shown
    assert items.locator("b.stance").all_inner_texts() == [p["stance"] for p in prefs]
    assert items.locator(".firmness").all_inner_texts() == [p["firmness"] for p in prefs]
    assert "chose steady-state cycling" in items.filter(has_text="option 2").inner_text()
    assert frame.locator("#preferences img").count() == 0 and "pwned" not in page.evaluate("window.seen")
    assert requests == [] and errors == []
    page.close()
