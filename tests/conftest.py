"""Shared fixtures. Every test gets its own MINDPRINT_HOME (so its own database), while
the real embedding model is read from where `mindprint model install` put it.

The tests that read the evaluation data (``../shared/data``, or MINDPRINT_SHARED_DATA:
those using the ``shared_data`` or ``data_dir`` fixture) are left out where it is absent,
as on a clone of the public repository, with one line in the summary saying why. CI
sets MINDPRINT_REQUIRE_SHARED_DATA=1, which makes them run, and fail, instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mindprint.embed import FakeEmbedder, FastEmbedEmbedder, check_model
from mindprint.errors import ModelError
from mindprint.settings import EmbeddingSettings
from tests.chats import chat_template  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MINDPRINT_SHARED_DATA", REPO.parent / "shared" / "data"))
REQUIRE_SHARED_DATA = os.environ.get("MINDPRINT_REQUIRE_SHARED_DATA", "").strip() == "1"

# Resolved once, before any test redirects MINDPRINT_HOME to a temporary folder.
MODEL_DIR = EmbeddingSettings().resolved_model_dir
os.environ["MINDPRINT_MODEL_DIR"] = str(MODEL_DIR)
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MINDPRINT_HOME", str(home))
    monkeypatch.delenv("MINDPRINT_DB", raising=False)
    monkeypatch.delenv("MINDPRINT_USER", raising=False)
    monkeypatch.setenv("MINDPRINT_MODEL_DIR", str(MODEL_DIR))
    return home


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[FastEmbedEmbedder]:
    """The real all-MiniLM-L6-v2. Missing model = failure with the fix, never a skip."""
    try:
        check_model(MODEL_DIR)
    except ModelError as e:
        pytest.fail(f"{e}\nRun `mindprint model install --offline` (or `make model`) first.")
    emb = FastEmbedEmbedder(MODEL_DIR)
    yield emb


NO_DATA = (f"the evaluation data {SHARED_DATA} is absent (set MINDPRINT_SHARED_DATA to its "
           "folder)")
DATA_FIXTURES = {"shared_data", "data_dir"}


def need_shared_data() -> Path:
    """The evaluation data folder; absent, a failure under MINDPRINT_REQUIRE_SHARED_DATA=1,
    else a skip (the tests asking for it are normally left out before they run)."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if REQUIRE_SHARED_DATA:
        pytest.fail(f"{NO_DATA}, and MINDPRINT_REQUIRE_SHARED_DATA=1 requires it.", pytrace=False)
    pytest.skip(NO_DATA)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED_DATA.is_dir() or REQUIRE_SHARED_DATA:
        return
    reading = [it for it in items if DATA_FIXTURES & set(getattr(it, "fixturenames", ()))]
    if reading:
        config.hook.pytest_deselected(items=reading)
        items[:] = [it for it in items if it not in reading]
        config.stash[_LEFT_OUT] = len(reading)


_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    n = config.stash.get(_LEFT_OUT, 0)
    if n:
        terminalreporter.write_line(f"SKIPPED {n} tests that read the evaluation data: {NO_DATA}.")


@pytest.fixture
def shared_data() -> Path:
    return need_shared_data()
