"""Forgetting across processes (issue 19, findings 1 and 2).

1. Two real `mindprint serve` processes on one database: B forgets the user and records
   two new exchanges; A, which had the user cached, must not answer with forgotten text.
2. A build whose user stage is overtaken by a forget and a re-import (real CLI
   processes) must not write the forgotten history's factors into the new user.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from mindprint.app import Mindprint
from mindprint.errors import UserChangedError
from tests.reliability.cli import run_cli
from tests.server.support import MINDPRINT_BIN, REPO, USER, call_ok

QUERY = "Review request: Ridgeback Flow 5 trail shoe — 250 g, 6 mm drop, $150."
NEW = [
    ("Review request: Kestrel Tempo stove — 90 g, 2.4 kW, $60.", "boils fast, rattles in the pot. 3/5", 3),
    ("Review request: Fjord Apex tent — 1.1 kg, one pole, $390.", "pitches in two minutes. 5/5", 5),
]


def _old_responses() -> set[str]:
    lines = (REPO / "examples" / "demo_history.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["output"] for line in lines if line.strip()}


@pytest.mark.anyio
async def test_forget_in_one_process_is_seen_by_another_processs_cache(
    child_env: dict[str, str], anyio_backend: str
) -> None:
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=child_env)
    old = _old_responses()
    async with Client(params, mode="legacy") as a, Client(params, mode="legacy") as b:
        first = await call_ok(a, "retrieve_reasoning_paths", {"query": QUERY, "k": 5})
        assert {h["response"] for h in first["items"]} <= old and first["items"]
        gone = await call_ok(b, "forget_user", {"user_id": USER, "confirm": True})
        assert gone["deleted"]
        for query, response, rating in NEW:
            await call_ok(b, "record_feedback", {"query": query, "response": response, "rating": rating})
        again = await call_ok(a, "retrieve_reasoning_paths", {"query": QUERY, "k": 5})
        seen = {h["response"] for h in again["items"]}
        assert seen == {r for _q, r, _s in NEW}, f"forgotten text returned: {seen & old}"
        exported = await call_ok(a, "export_user", {})
        assert exported["counts"]["items"] == len(NEW)


def test_forget_and_reimport_during_a_build_keeps_nothing_of_the_old_model(
    app_factory: Callable[[], Mindprint], child_env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = tmp_path / "fresh.jsonl"
    fresh.write_text(
        "".join(json.dumps({"input": q, "output": r, "score": s}) + "\n" for q, r, s in NEW),
        encoding="utf-8",
    )
    app = app_factory()
    real_build_user = app.pipeline.build_user
    overtaken: list[subprocess.CompletedProcess[str]] = []

    def build_user_then_yield(*args: Any, **kwargs: Any) -> Any:
        # The real factor construction, then the other processes' turn: what a forget
        # landing during the ~1 s user stage of a big history looks like.
        model = real_build_user(*args, **kwargs)
        overtaken.append(run_cli(child_env, "forget", "--user", USER, "--yes"))
        overtaken.append(run_cli(child_env, "import", str(fresh), "--user", USER, "--no-build"))
        return model

    monkeypatch.setattr(app.pipeline, "build_user", build_user_then_yield)
    try:
        with pytest.raises(UserChangedError, match="forgotten while its model was being built"):
            app.build(USER)
        assert [p.returncode for p in overtaken] == [0, 0], [p.stderr for p in overtaken]
        assert app.store.get_factors(USER) == []
        assert app.store.get_user_model(USER) is None
        export = app.export(USER)
        assert {it["response"] for it in export["items"]} == {r for _q, r, _s in NEW}
        assert export["features"] == [] and export["paths"] == []
    finally:
        app.close()
