"""Fixtures for the dashboard tests: one built user (the server tests' template), a
real `mindprint ui` process per module on a copy of it, and one headless Chromium
session per module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from mindprint.embed import FastEmbedEmbedder
from tests.browser import find_chromium, what_to_do
from tests.server.conftest import built_template  # noqa: F401 (fixture)
from tests.ui.support import VIEWPORT, Dashboard, hostile_history, start_ui, stop


@pytest.fixture(scope="module")
def ui_env(
    tmp_path_factory: pytest.TempPathFactory, built_template: Path,  # noqa: F811
    real_embedder: FastEmbedEmbedder,
) -> dict[str, str]:
    """A copy of the built database holding hostile texts too, as a child's environment."""
    folder = tmp_path_factory.mktemp("ui")
    db = folder / "mindprint.db"
    shutil.copyfile(built_template, db)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder),
        "MINDPRINT_HOME": str(folder / "home"),
        "MINDPRINT_DB": str(db),
        "MINDPRINT_USER": "rui",
        "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"],
        "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
    }
    hostile_history(db, real_embedder)
    return env


@pytest.fixture(scope="module")
def dashboard(ui_env: dict[str, str]) -> Iterator[Dashboard]:
    proc, url = start_ui(ui_env)
    try:
        yield Dashboard(url, Path(ui_env["MINDPRINT_DB"]), ui_env)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium or Chrome. Missing = failure with the fix, never a skip."""
    path = find_chromium()
    if path is None:
        pytest.fail(what_to_do())
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser: Browser, dashboard: Dashboard) -> Iterator[Page]:
    """Signed in through the printed link; every request the pages make is recorded."""
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)  # type: ignore[arg-type]
    p = ctx.new_page()
    p.requests = []  # type: ignore[attr-defined]
    p.on("request", lambda r: p.requests.append(r))  # type: ignore[attr-defined]
    # Answer the pages' confirm() dialogs as a person who means it would.
    p.on("dialog", lambda d: d.accept())
    p.goto(dashboard.url)
    assert p.url == dashboard.origin + "/"
    yield p
    ctx.close()
