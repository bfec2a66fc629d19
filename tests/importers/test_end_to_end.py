"""Issue 14's done-when, end to end with real parts: a ChatGPT-format export imported and
built by the real CLI into a real SQLite file with the real embedding model, then the
real `mindprint serve` process over stdio, driven by the MCP SDK's client."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from mindprint.testing.synth import write_export
from tests.server.support import MINDPRINT_BIN, call_ok

USER = "runner"
REASONS = ["answer too long", "did not mention the price"]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "MINDPRINT_HOME": str(tmp_path / "home"),
        "MINDPRINT_USER": USER,
        "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"],
        "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
        "PATH": os.environ.get("PATH", ""),
    }


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([MINDPRINT_BIN, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _factor_with(factors: list[dict[str, Any]], words: set[str]) -> dict[str, Any] | None:
    return next((f for f in factors if words & set(" ".join(f["members"]).split())), None)


@pytest.mark.anyio
@pytest.mark.usefixtures("real_embedder")
async def test_chatgpt_export_to_personalized_answers(tmp_path: Path, anyio_backend: str) -> None:
    env = _env(tmp_path)
    export = tmp_path / "conversations.json"
    expected = write_export(export, 24)
    out = _cli(env, "import", str(export), "--user", USER)
    assert f"{expected.items} added" in out and "Built" in out

    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env)
    async with Client(params, mode="legacy") as c:
        found = await call_ok(c, "retrieve_reasoning_paths", {
            "query": "Which headlamp would you take for a 60 km night trail race?", "k": 3,
        })
        top = found["items"][0]
        assert "headlamp" in top["input"] and top["reasoning_path"]

        factors = (await call_ok(c, "get_user_factors", {"limit": 200}))["factors"]
        # The user's reactions ("too long", "what does it cost") recur in the exchanges:
        # a factor is built from them, with statistics measured on those items.
        reaction = _factor_with(factors, {"long", "price", "costs", "cost"})
        assert reaction is not None, [f["members"] for f in factors]
        assert reaction["n_items"] >= 3

        receipt = await call_ok(c, "record_feedback", {
            "query": "Which headlamp for a 30 km night race in the Alps?",
            "response": "There are many headlamps to consider. " * 20,
            "rating": 2,
            "reasons": REASONS,
        })
        assert receipt["new_item"]
        _cli(env, "build", "--user", USER)  # the refresh (the server also schedules one)

        factors = (await call_ok(c, "get_user_factors", {"limit": 200}))["factors"]
        by_reason = {r: f for f in factors for r in f.get("host_reasons", [])}
        assert set(REASONS) <= set(by_reason), [(f["name"], f.get("host_reasons")) for f in factors]
        assert all(r in by_reason[r]["members"] or len(by_reason[r]["members"]) >= 12 for r in REASONS)

        again = await call_ok(c, "retrieve_reasoning_paths", {
            "query": "Which headlamp for a 35 km night race in the Alps?", "k": 3,
        })
        mine = next(h for h in again["items"] if h["item_id"] == receipt["item_id"])
        origins = {f["name"]: f.get("origin", "offline") for f in mine["features"]}
        assert {origins.get(r) for r in REASONS} == {"host"}
        assert "offline" in origins.values()
        assert all(r in mine["reasoning_path"] for r in REASONS)
