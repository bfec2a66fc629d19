"""The dashboard as a person uses it: headless Chromium (Debian's package, driven by
Playwright) opens the printed link and every page. One browser per module."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Request

from tests.ui.support import Dashboard, shot, visit


def test_you_shows_the_factors_with_evidence_and_the_effect_plot(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/")
    names = page.locator("article.factor h3").all_inner_texts()
    assert len(names) >= 5 and any("durability" in n for n in names)
    durability = page.locator("article.factor[data-factor='durability']")
    assert "beyond what the text suggests" in durability.locator(".evidence").inner_text()
    assert re.search(r"effect\s*\+\d\.\d\d \[", durability.inner_text())
    assert durability.locator("ul.examples li").count() >= 1
    assert "found offline" in durability.inner_text()
    assert page.locator("svg[aria-label='Factor effects with 95% intervals'] circle").count() >= 5
    shot(page, "you")


def test_knows_shows_the_backtest_sentence_and_learning_curve(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/knows")
    sentence = page.locator("#sentence").inner_text()
    m = re.fullmatch(r"On your last 30 ratings mindprint was off by (\d\.\d\d) stars on average; "
                     r"a model of everyone, (\d\.\d\d)\.", sentence)
    assert m, sentence
    assert page.locator("#predictions tbody tr").count() == 30
    curve = page.locator("svg[aria-label='Error by how much history mindprint had seen']")
    assert curve.locator("polyline").count() == 2
    shot(page, "knows")


def test_history_search_filter_and_a_reasoning_path(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/history")
    assert page.locator("#count").inner_text().startswith("51 items")
    page.fill("input[name=q]", "Vortex")
    page.click("form.search button")
    page.wait_for_url(re.compile(r"q=Vortex"))
    assert page.locator("#count").inner_text().startswith("1 items")
    item = page.locator("article.item").first
    assert "Vortex Trail jacket" in item.inner_text()
    assert "reasoning path:" in item.inner_text()
    item.locator("summary").click()
    assert item.locator("details li").count() >= 3
    page.select_option("select[name=factor]", label="durability")
    page.fill("input[name=q]", "")
    page.click("form.search button")
    page.wait_for_url(re.compile(r"factor="))
    n = int(page.locator("#count").inner_text().split()[0])
    assert 3 <= n < 51
    visit(page, dashboard, "/history")
    shot(page, "history")


def test_feedback_lists_feedback_and_each_rewrite_as_a_diff(page: Page, dashboard: Dashboard) -> None:
    visit(page, dashboard, "/feedback")
    rows = page.locator("#feedback tbody tr")
    assert rows.count() == 1 and "Shorter please" in rows.first.inner_text()
    rewrite = page.locator("article.rewrite").first
    assert rewrite.locator(".diff del").count() >= 1 and rewrite.locator(".diff ins").count() >= 1
    causes = rewrite.locator("table.edits tbody tr td:nth-child(2)").all_inner_texts()
    assert causes and all(c.strip() for c in causes)  # each edit names its factor or habit
    shot(page, "feedback")


def test_stored_script_never_runs(page: Page, dashboard: Dashboard) -> None:
    for path in ("/history?q=Hostile", "/feedback"):
        visit(page, dashboard, path)
        assert "<script>window.__pwned = 1</script>" in page.locator("main").inner_text()
        assert page.evaluate("window.__pwned") is None


def test_pages_request_nothing_beyond_the_dashboard(page: Page, dashboard: Dashboard) -> None:
    requests: list[Request] = page.requests  # type: ignore[attr-defined]
    assert requests
    assert all(r.url.startswith(dashboard.origin + "/") for r in requests), [r.url for r in requests]
