"""Hostile import files (issue 19, findings 4, 5 and 11), through the real CLI and the
real MCP client: every bad record is rejected with its line and reason, nothing that
would break later reads is stored, and retrieval works on what was imported."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.reliability.cli import assert_clean_error, run_cli
from tests.server.support import MINDPRINT_BIN, REPO, USER, call_ok, snapshot

DEMO = REPO / "examples" / "demo_history.jsonl"


def _import(env: dict[str, str], path: Path, user: str) -> dict[str, Any]:
    proc = run_cli(env, "import", str(path), "--user", user, "--no-build", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    summary: dict[str, Any] = json.loads(proc.stdout)
    return summary


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.anyio
async def test_retrieval_works_on_an_imported_scored_user_before_any_build(
    child_env: dict[str, str], anyio_backend: str
) -> None:
    summary = _import(child_env, DEMO, "fresh")
    assert summary["added"] == 48 and "build" not in summary
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=child_env)
    async with Client(params, mode="legacy") as c:
        found = await call_ok(c, "retrieve_reasoning_paths", {
            "user_id": "fresh", "query": "Review request: Ridgeback Flow 5 trail shoe — 250 g, $150.",
        })
        assert found["user_id"] == "fresh"


def test_non_finite_scores_are_rejected_at_import(child_env: dict[str, str], tmp_path: Path) -> None:
    good = DEMO.read_text(encoding="utf-8").splitlines()[:3]
    bad = [
        '{"input": "q1", "output": "a1", "score": "inf"}',
        '{"input": "q2", "output": "a2", "score": 1e400}',
        '{"input": "q3", "output": "a3", "score": "NaN"}',
        '{"input": "q4", "output": "a4", "score": "-Infinity"}',
    ]
    summary = _import(child_env, _write(tmp_path / "h.jsonl", good + bad), "scores")
    assert summary["added"] == 3
    assert [r["where"] for r in summary["rejected"]] == ["line 4", "line 5", "line 6", "line 7"]
    assert all("finite" in r["reason"] for r in summary["rejected"]), summary["rejected"]


def test_infinite_scores_stored_by_an_older_version_are_cleared(
    child_env: dict[str, str], db_path: Path
) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE items SET score = 9e999 WHERE id = (SELECT MIN(id) FROM items)")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_finite_scores'")
    conn.close()
    proc = run_cli(child_env, "retrieve", "Review request: a 250 g trail shoe, $140.", "--user", USER, "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM items WHERE abs(score) >= 9e999").fetchone()[0] == 0
    conn.close()


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def test_unusable_dates_and_unbounded_meta_are_rejected_and_export_keeps_working(
    child_env: dict[str, str], tmp_path: Path
) -> None:
    lines = [
        '{"input": "q0", "output": "fine", "meta": {"source": "notes", "tags": ["a", "b"]}}',
        '{"input": "q1", "output": "a1", "created_at": 1e20}',
        '{"input": "q2", "output": "a2", "created_at": -1e20}',
        '{"input": "q4", "output": "a4", "meta": ' + _nested(900) + "}",
        json.dumps({"input": "q5", "output": "a5", "meta": {"blob": "x" * 2_000_000}}),
    ]
    summary = _import(child_env, _write(tmp_path / "h.jsonl", lines), "meta")
    assert summary["added"] == 1
    reasons = {int(r["where"].removeprefix("line ")): r["reason"] for r in summary["rejected"]}
    assert sorted(reasons) == [2, 3, 4, 5]
    assert "1970 and 9999" in reasons[2] and "1970 and 9999" in reasons[3]
    assert "nested" in reasons[4]
    assert "limit" in reasons[5]
    exported = run_cli(child_env, "export", "--user", "meta")
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert json.loads(exported.stdout)["items"][0]["meta"] == {"source": "notes", "tags": ["a", "b"]}


def test_a_record_nested_beyond_any_parser_is_refused_cleanly(
    child_env: dict[str, str], db_path: Path, tmp_path: Path
) -> None:
    deep = _write(tmp_path / "deep.jsonl", [
        '{"input": "q0", "output": "fine"}',
        '{"input": "q3", "output": "a3", "meta": ' + _nested(100_000) + "}",
    ])
    before = snapshot(db_path)
    proc = run_cli(child_env, "import", str(deep), "--user", "deep", "--no-build")
    assert_clean_error(proc, "line 2 is nested too deeply", "nothing was imported")
    assert snapshot(db_path) == before
