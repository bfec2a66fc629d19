"""Local-first (issue 19, finding 7): embedding with the real model, through the real
CLI, writes nothing outside MINDPRINT_HOME and the database (onnxruntime's telemetry
used to create a device id and an event queue under ~/.cache/Microsoft)."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.cli import run_cli
from tests.server.support import USER


def test_embedding_writes_nothing_into_the_users_home(child_env: dict[str, str], tmp_path: Path) -> None:
    home = tmp_path / "person"
    home.mkdir()
    env = {**child_env, "HOME": str(home)}
    proc = run_cli(env, "retrieve", "Review request: Vega Sky headlamp, 400 lm, 80 g.", "--user", USER, "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert written == [], f"written outside MINDPRINT_HOME: {written}"
