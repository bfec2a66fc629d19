"""A team server over HTTP (``MINDPRINT_TEAM``): each token's person is read by a model of
the others, says so, and sees none of their items. The real MCP client, in-process over
streamable HTTP (httpx2's ASGITransport, no socket), the real model and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.predict.deployment import WHO
from mindprint.server.auth import StaticTokens, require_bearer
from mindprint.server.server import build_server
from mindprint.settings import LimitSettings
from mindprint.store import NewItem, Store
from tests.server.support import MODES, call_ok
from tests.server.test_auth import client_for
from tests.services.test_team import POLITICS, SPORT

pytestmark = pytest.mark.anyio

PEOPLE = {f"tok-{u}-0123456789abcdef": u for u in ("ana", "bo", "cy", "dee")}
QUERY = "the winger scored a hat-trick in the derby"


def _history(person: str) -> list[NewItem]:
    return [NewItem(input=f"{person} filed: {t}", response=label, label=label)
            for texts, label in ((SPORT[:6], "SPORTS"), (POLITICS[:6], "POLITICS")) for t in texts]


@pytest.mark.parametrize("mode", MODES)
async def test_each_person_is_read_by_the_others(
    tmp_path: Path, real_embedder: FastEmbedEmbedder, mode: str
) -> None:
    db = tmp_path / "team.db"
    setup = Mindprint(Store.open(db), real_embedder)
    for person in PEOPLE.values():
        setup.add_items(person, _history(person))
        setup.build(person)
    setup.close()
    verifier = StaticTokens(PEOPLE)
    mcp = build_server(app_factory=lambda: Mindprint(Store.open(db), real_embedder, limits=LimitSettings(),
                                                     team=True), token_verifier=verifier)
    app = require_bearer(mcp.streamable_http_app(host="127.0.0.1"), verifier)
    async with mcp.session_manager.run():
        for token, person in PEOPLE.items():
            async with client_for(app, token, mode) as c:
                got = await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY})
            assert got["user_id"] == person
            assert got["items"] and all(h["input"].startswith(f"{person} filed:") for h in got["items"])
            likely = got["likely_preference"]
            assert likely["label"] == "SPORTS" and f"{WHO} reads this as" in likely["explanation"]
