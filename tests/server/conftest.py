"""Fixtures for the MCP server tests: one user built once per session with the real
model, copied into every test's own database, and servers wired to that database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from mcp.server.mcpserver import MCPServer

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.importers import read_file
from mindprint.server.server import build_server
from mindprint.server.state import ServerState
from mindprint.settings import LimitSettings, StoreSettings
from mindprint.store import Store
from tests.chats import CHAT_USER
from tests.server.support import REPO, USER


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def built_template(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: FastEmbedEmbedder
) -> Path:
    """A database holding USER's 48 demo items, fully built and its backtest measured,
    as `mindprint import` leaves it (about 10 s, once)."""
    path = tmp_path_factory.mktemp("template") / "mindprint.db"
    app = Mindprint(Store.open(path), real_embedder, default_user=USER)
    items, _ = read_file(REPO / "examples" / "demo_history.jsonl")
    app.add_items(USER, items)
    app.build(USER)
    app.backtest.run(USER)
    app.close()  # the last connection checkpoints the WAL into the main file
    return path


@pytest.fixture
def db_path(tmp_path: Path, built_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the built database, configured as MINDPRINT_DB."""
    path = tmp_path / "mindprint.db"
    shutil.copyfile(built_template, path)
    monkeypatch.setenv("MINDPRINT_DB", str(path))
    monkeypatch.setenv("MINDPRINT_USER", USER)
    return path


@pytest.fixture
def app_factory(db_path: Path, real_embedder: FastEmbedEmbedder) -> Callable[[], Mindprint]:
    """Apps on this test's database sharing the session's loaded model."""

    def make() -> Mindprint:
        ss = StoreSettings()
        return Mindprint(Store.open(ss.db_path), real_embedder, limits=LimitSettings(), default_user=ss.user)

    return make


@pytest.fixture
def server(app_factory: Callable[[], Mindprint]) -> MCPServer[ServerState]:
    return build_server(app_factory=app_factory)


@pytest.fixture
def chat_server(tmp_path: Path, chat_template: Path, real_embedder: FastEmbedEmbedder) -> MCPServer[ServerState]:
    """A server over a copy of ana's conversations (tests.chats)."""
    db = tmp_path / "chats.db"
    shutil.copyfile(chat_template, db)
    return build_server(app_factory=lambda: Mindprint(
        Store.open(db), real_embedder, limits=LimitSettings(), default_user=CHAT_USER))


@pytest.fixture
def child_env(db_path: Path) -> dict[str, str]:
    """Everything a spawned `mindprint serve` needs: the MCP client passes only a few
    variables of ours to the child, so the settings go explicitly."""
    return {
        "MINDPRINT_HOME": str(db_path.parent / "home"),
        "MINDPRINT_DB": str(db_path),
        "MINDPRINT_USER": USER,
        "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"],
        "HF_HUB_OFFLINE": "1",
        "MINDPRINT_LOG_LEVEL": "INFO",
        # Tests never download: a missing model must stay missing.
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
    }
