"""The preferences a person stated, in the dashboard, as they use it in headless Chromium:
shown with their words, stance, firmness, domain, how and when they were said, the items
that said them and the statements they replaced; each control's effect checked through
the real MCP client against a `mindprint serve` process on the same database."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page

from tests.chats import BRANDS, CHAT_USER, CHOICE, SHORT, SPICY_NOW, SPICY_THEN, TRAINS
from tests.ui import support as ui
from tests.ui.support import Dashboard, click_and_wait, mcp_call, shot, visit

TRAIN_QUESTION = "How should I get from Paris to Berlin next month?"
BULLETS = "Here are my tips:\n\n- take the plane to Berlin\n- pack light"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, chat_template: Path) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("ui-prefs")
    db = folder / "mindprint.db"
    shutil.copyfile(chat_template, db)
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": str(folder), "MINDPRINT_HOME": str(folder / "home"),
        "MINDPRINT_DB": str(db), "MINDPRINT_USER": CHAT_USER,
        "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"], "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
    }


@pytest.fixture(scope="module")
def board(env: dict[str, str]) -> Iterator[Dashboard]:
    proc, url = ui.start_ui(env)
    try:
        yield Dashboard(url, Path(env["MINDPRINT_DB"]), env)
    finally:
        ui.stop(proc)


@pytest.fixture(scope="module")
def mcp(env: dict[str, str]) -> Iterator[str]:
    proc, url = ui.start_mcp_http(env)
    try:
        yield url
    finally:
        ui.stop(proc)


@pytest.fixture(scope="module")
def page(browser: Browser, board: Dashboard) -> Iterator[Page]:
    ctx = browser.new_context(viewport=ui.VIEWPORT)  # type: ignore[arg-type]
    p = ctx.new_page()
    p.on("dialog", lambda d: d.accept())
    p.goto(board.url)
    yield p
    ctx.close()


def quotes(url: str) -> list[str]:
    """What get_user_factors quotes, in its order."""
    return [p["quote"] for p in mcp_call(url, "get_user_factors", {})["preferences"]]


def applying(url: str, query: str) -> list[str]:
    return [p["quote"] for p in mcp_call(url, "retrieve_reasoning_paths", {"query": query, "k": 3})["preferences"]]


def flagged(url: str, draft: str) -> list[str]:
    gaps = mcp_call(url, "rewrite_for_user", {"draft": draft})["gaps"]
    return [g for g in gaps if g.startswith("Goes against what they said")]


def card(page: Page, quote: str) -> Locator:
    return page.locator("article.preference").filter(
        has=page.locator("h3 q.quote", has_text=re.compile(f"^{re.escape(quote)}$")))


def eventually(check: Callable[[], Any], seconds: float = 90) -> Any:
    """``check()`` once it is truthy: the dashboard's process rebuilds in the background."""
    deadline = time.monotonic() + seconds
    while not (got := check()):
        assert time.monotonic() < deadline, "no change within the time allowed"
        time.sleep(0.5)
    return got


def test_you_shows_each_preference_in_the_persons_words(page: Page, board: Dashboard, mcp: str) -> None:
    visit(page, board, "/")
    shown = page.locator("#preferences article.preference h3 q.quote").all_inner_texts()
    assert shown == quotes(mcp)  # the order the assistant gets them
    assert set(shown) == {BRANDS, SHORT, CHOICE, TRAINS, SPICY_NOW}
    brands = card(page, BRANDS)
    assert brands.locator(".stance").first.inner_text() == "needs"
    facts = {dt: dd for dt, dd in zip(brands.locator("dt").all_inner_texts(),
                                      brands.locator("dd").all_inner_texts(), strict=True)}
    assert facts["firmness"] == "strict" and facts["domain"] == "shopping"
    assert facts["how"] == "said outright"
    assert facts["first seen"] == facts["last seen"] == "2026-03-06"
    assert card(page, SHORT).locator("dd.how").inner_text() == "an instruction, given with every answer"
    assert card(page, SHORT).locator("dd.domain").inner_text() == "answers"
    assert "chose “steady-state cycling”" in card(page, CHOICE).locator("dd.how").inner_text()
    # The statement a later one replaced: history beneath it, never served.
    history = card(page, SPICY_NOW).locator(".history .superseded")
    assert history.count() == 1 and SPICY_THEN in history.inner_text()
    assert "avoids" in history.inner_text() and "2026-03-01" in history.inner_text()
    assert SPICY_THEN not in quotes(mcp)
    shot(page, "you-preferences")


def test_a_preference_links_to_the_items_that_said_it(page: Page, board: Dashboard) -> None:
    visit(page, board, "/")
    choice = card(page, CHOICE)
    with page.expect_navigation():
        choice.locator("a.all").click()
    assert page.locator("#count").inner_text().startswith("2 items")
    texts = page.locator("article.item").all_inner_texts()
    assert any(CHOICE in t for t in texts) and any("steady-state cycling" in t for t in texts)
    assert page.locator("select[name=factor] option:checked").inner_text().startswith("“I'll go with")
    # The filter keeps working with a text search, and a single source item opens.
    page.fill("input[name=q]", "HIIT")
    page.click("form.search button")
    page.wait_for_url(re.compile(r"q=HIIT"))
    assert page.locator("#count").inner_text().startswith("1 items")
    visit(page, board, "/")
    with page.expect_navigation():
        card(page, BRANDS).locator("dd.said-in a").first.click()
    assert page.locator("article.item").count() == 1 and BRANDS in page.locator("article.item").inner_text()
    shot(page, "history-preference")


def test_veto_keeps_a_preference_from_the_assistant_until_unvetoed(
    page: Page, board: Dashboard, mcp: str,
) -> None:
    assert SHORT in quotes(mcp) and flagged(mcp, BULLETS)
    visit(page, board, "/")
    notice = click_and_wait(page, card(page, SHORT).get_by_role("button", name="Veto"))
    assert notice.startswith("Vetoed") and page.url.split("?")[0] == board.origin + "/"
    assert card(page, SHORT).count() == 0
    assert SHORT not in quotes(mcp)
    assert not flagged(mcp, BULLETS)  # not used in rewrites
    assert SHORT not in applying(mcp, "Explain how vaccines work.")
    visit(page, board, "/controls")
    row = page.locator("#preference-controls tbody tr").filter(has_text=SHORT)
    assert "vetoed" in row.inner_text()
    shot(page, "controls-preferences")
    notice = click_and_wait(page, row.get_by_role("button", name="Un-veto"))
    assert notice.startswith("Un-vetoed")
    assert SHORT in quotes(mcp) and flagged(mcp, BULLETS)


def test_veto_stops_a_preference_in_retrieval(page: Page, board: Dashboard, mcp: str) -> None:
    assert applying(mcp, TRAIN_QUESTION)[0] == TRAINS
    visit(page, board, "/")
    click_and_wait(page, card(page, TRAINS).get_by_role("button", name="Veto"))
    assert TRAINS not in applying(mcp, TRAIN_QUESTION)
    visit(page, board, "/controls")
    click_and_wait(page, page.locator("#log tbody tr").first.get_by_role("button", name="Undo"))
    assert applying(mcp, TRAIN_QUESTION)[0] == TRAINS


def test_pin_puts_a_preference_first_for_the_assistant(page: Page, board: Dashboard, mcp: str) -> None:
    last = quotes(mcp)[-1]
    visit(page, board, "/")
    click_and_wait(page, card(page, last).get_by_role("button", name="Pin"))
    assert quotes(mcp)[0] == last
    assert page.locator("article.preference q.quote").first.inner_text() == last
    assert "pinned" in card(page, last).locator("h3").inner_text()
    click_and_wait(page, card(page, last).get_by_role("button", name="Unpin"))
    assert quotes(mcp)[-1] == last


def test_edit_restates_a_preference_in_the_persons_words(page: Page, board: Dashboard, mcp: str) -> None:
    words = 'I take the train <img src=x onerror="window.__pwned = 1">, never a plane.'
    visit(page, board, "/")
    c = card(page, TRAINS)
    c.locator("summary", has_text="Edit").click()
    c.locator("input[name=name]").fill("travel by rail")
    c.locator("input[name=description]").fill(words)
    click_and_wait(page, c.get_by_role("button", name="Save"))
    assert words in quotes(mcp) and TRAINS not in quotes(mcp)
    assert words in applying(mcp, TRAIN_QUESTION)
    profile = ui.mcp_read(mcp, f"mindprint://users/{CHAT_USER}/profile")
    assert f"“{words}”" in profile
    edited = card(page, words)
    assert edited.locator(".said q").inner_text() == TRAINS  # what they first said stays
    assert edited.locator(".members b").inner_text() == "travel by rail"
    assert page.evaluate("window.__pwned") is None and edited.locator("img").count() == 0
    visit(page, board, "/controls")
    click_and_wait(page, page.locator("#log tbody tr").first.get_by_role("button", name="Undo"))
    assert TRAINS in quotes(mcp)


def test_deleting_the_item_that_said_it_drops_it_and_undo_brings_it_back(
    page: Page, board: Dashboard, mcp: str,
) -> None:
    visit(page, board, "/")
    with page.expect_navigation():
        card(page, BRANDS).locator("dd.said-in a").first.click()
    notice = click_and_wait(page, page.locator("article.item").get_by_role("button", name="Delete this item"))
    assert notice.startswith("Deleted item")
    assert BRANDS not in quotes(mcp)  # at once, before the rebuild
    assert BRANDS not in applying(mcp, "Which wireless speaker should I get?")
    visit(page, board, "/")
    assert card(page, BRANDS).count() == 0
    visit(page, board, "/controls")
    click_and_wait(page, page.locator("#log tbody tr").first.get_by_role("button", name="Undo"))
    # The restored item is read again by the rebuild the dashboard starts.
    eventually(lambda: BRANDS in quotes(mcp))
    assert applying(mcp, "Which wireless speaker should I get?")[0] == BRANDS


def test_forget_takes_every_preference(page: Page, board: Dashboard, mcp: str) -> None:
    visit(page, board, "/controls")
    page.fill("#forget input[name=confirm]", CHAT_USER)
    notice = click_and_wait(page, page.get_by_role("button", name="Forget everything"))
    assert notice.startswith(f"Forgot '{CHAT_USER}'")
    # Nothing of theirs is left: the server welcomes them as a person with no history.
    after = mcp_call(mcp, "retrieve_reasoning_paths", {"query": TRAIN_QUESTION})
    assert after["preferences"] == [] and after["items"] == []
    assert f"Nothing is stored for user '{CHAT_USER}'" in after["welcome"]
    err = mcp_call(mcp, "export_user", {}, error=True)["error"]
    assert f"Unknown user '{CHAT_USER}'" in err

