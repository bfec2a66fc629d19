"""Steering the model from the dashboard, as a person would, in headless Chromium; the
effect checked through the real MCP client against a `mindprint serve` process on the
same database (another process, running before and after every change)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page

from tests.ui.support import Dashboard, click_and_wait, mcp_call, shot, start_mcp_http, stop, visit

QUERY = "Review request: Ridgeline trail shoe — 280 g, $150. The upper tore after 100 km."
FACTOR = "durability"


@pytest.fixture(scope="module")
def mcp(ui_env: dict[str, str]) -> Iterator[str]:
    proc, url = start_mcp_http(ui_env)
    try:
        yield url
    finally:
        stop(proc)


def factor_names(url: str) -> list[str]:
    return [f["name"] for f in mcp_call(url, "get_user_factors", {})["factors"]]


def retrieval_uses(url: str, name: str) -> bool:
    """Whether a retrieval's query features, shared factors, item features or
    prediction name the factor."""
    r = mcp_call(url, "retrieve_reasoning_paths", {"query": QUERY, "k": 5})
    named: set[str] = {f.get("factor", "") for f in r["query_features"]}
    for it in r["items"]:
        named |= set(it["shared_factors"]) | {f.get("factor", "") for f in it["features"]}
    explanation = (r.get("likely_preference") or {}).get("explanation", "")
    return name in named or f"'{name}'" in explanation


def row(page: Page, name: str) -> Locator:
    return page.locator("#factor-controls tbody tr").filter(
        has=page.locator("b", has_text=re.compile(f"^{re.escape(name)}$")))


def test_veto_stops_the_factor_in_the_other_process_then_unveto_brings_it_back(
    page: Page, dashboard: Dashboard, mcp: str,
) -> None:
    assert FACTOR in factor_names(mcp)
    assert retrieval_uses(mcp, FACTOR)  # before: the query's durability drives the answer

    visit(page, dashboard, "/controls")
    notice = click_and_wait(page, row(page, FACTOR).get_by_role("button", name="Veto"))
    assert notice.startswith("Vetoed")
    assert "vetoed" in row(page, FACTOR).inner_text()
    assert FACTOR not in factor_names(mcp)
    assert not retrieval_uses(mcp, FACTOR)
    visit(page, dashboard, "/")
    assert page.locator(f"article.factor[data-factor='{FACTOR}']").count() == 0

    visit(page, dashboard, "/controls")
    log = page.locator("#log tbody tr").first
    assert "Vetoed" in log.inner_text() and FACTOR in log.inner_text()
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", log.inner_text())
    shot(page, "controls")
    notice = click_and_wait(page, row(page, FACTOR).get_by_role("button", name="Un-veto"))
    assert notice.startswith("Un-vetoed")
    assert FACTOR in factor_names(mcp)
    assert retrieval_uses(mcp, FACTOR)


def test_pin_puts_the_factor_first_and_undo_takes_it_back(page: Page, dashboard: Dashboard, mcp: str) -> None:
    last = factor_names(mcp)[-1]
    visit(page, dashboard, "/controls")
    click_and_wait(page, row(page, last).get_by_role("button", name="Pin"))
    assert factor_names(mcp)[0] == last
    visit(page, dashboard, "/")
    assert page.locator("article.factor h3").first.inner_text().startswith(last)
    visit(page, dashboard, "/controls")
    notice = click_and_wait(page, page.locator("#log tbody tr").first.get_by_role("button", name="Undo"))
    assert notice.startswith("Undid: pinned")
    assert factor_names(mcp)[-1] == last
    assert "undone" in page.locator("#log tbody tr").first.inner_text()


def test_edit_renames_the_factor_for_the_assistant(page: Page, dashboard: Dashboard, mcp: str) -> None:
    visit(page, dashboard, "/controls")
    r = row(page, "weight")
    r.locator("summary").click()
    r.locator("input[name=name]").fill("how heavy it is <b>")
    r.locator("input[name=description]").fill("I count every gram.")
    click_and_wait(page, r.get_by_role("button", name="Save"))
    factors = {f["name"]: f for f in mcp_call(mcp, "get_user_factors", {})["factors"]}
    assert "weight" not in factors
    assert factors["how heavy it is <b>"]["description"] == "I count every gram."
    assert page.locator("b", has_text="how heavy it is <b>").count() == 1  # shown as text


def test_delete_an_item_then_undo_restores_it(page: Page, dashboard: Dashboard, mcp: str) -> None:
    size = mcp_call(mcp, "get_user_factors", {})["history_size"]
    visit(page, dashboard, "/history?q=Vortex")
    item = page.locator("article.item").first
    item_id = int(item.get_attribute("id").removeprefix("item-"))  # type: ignore[union-attr]
    notice = click_and_wait(page, item.get_by_role("button", name="Delete this item"))
    assert notice.startswith(f"Deleted item #{item_id}")
    assert mcp_call(mcp, "get_user_factors", {})["history_size"] == size - 1
    visit(page, dashboard, "/history?q=Vortex")
    assert page.locator("#count").inner_text().startswith("0 items")
    visit(page, dashboard, "/controls")
    click_and_wait(page, page.locator("#log tbody tr").first.get_by_role("button", name="Undo"))
    assert mcp_call(mcp, "get_user_factors", {})["history_size"] == size
    visit(page, dashboard, "/history?q=Vortex")
    assert page.locator("#count").inner_text().startswith("1 items")


def test_export_downloads_everything_as_json(page: Page, dashboard: Dashboard, tmp_path: Path) -> None:
    visit(page, dashboard, "/controls")
    with page.expect_download() as got:
        page.click("#export")
    target = tmp_path / "export.json"
    got.value.save_as(target)
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    assert data["user_id"] == "rui" and len(data["items"]) == 51
    assert {r["action"] for r in data["control_log"]} >= {"veto", "unveto", "pin", "delete_item"}


def test_forget_needs_the_typed_user_id(page: Page, dashboard: Dashboard, mcp: str) -> None:
    visit(page, dashboard, "/controls")
    page.fill("#forget input[name=confirm]", "yes")
    notice = click_and_wait(page, page.get_by_role("button", name="Forget everything"))
    assert notice.startswith("Nothing changed") and "type 'rui' exactly" in notice
    assert mcp_call(mcp, "get_user_factors", {})["history_size"] == 51
    page.fill("#forget input[name=confirm]", "rui")
    notice = click_and_wait(page, page.get_by_role("button", name="Forget everything"))
    assert notice.startswith("Forgot 'rui'")
    assert page.locator("#unknown-user").count() == 1
    r = page.goto(dashboard.origin + "/export.json")
    assert r is not None and r.status == 404 and "Nothing is stored for user 'rui'" in page.content()
    after = mcp_call(mcp, "get_user_factors", {})  # the server welcomes them again
    assert after["history_size"] == 0 and "Nothing is stored for user 'rui'" in after["welcome"]
