"""Shared fixtures. Every test gets its own MINDPRINT_HOME (so its own database), while
the real embedding model is read from where `mindprint model install` put it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.embed import FakeEmbedder, FastEmbedEmbedder, check_model
from mindprint.errors import ModelError
from mindprint.settings import EmbeddingSettings
from tests.chats import chat_template  # noqa: F401 (fixture)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MINDPRINT_SHARED_DATA", REPO.parent / "shared" / "data"))

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


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"The shared data folder {SHARED_DATA} is missing (set MINDPRINT_SHARED_DATA).")
    return SHARED_DATA
