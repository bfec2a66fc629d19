"""What `uvx`, `uv run` and the bundle install: one Python floor, a current lock, and
no dev tools at run time (issue 15). The pack-unpack-launch run is
scripts/bundle_check.py (make test)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DEV_TOOLS = {"pytest", "pytest-timeout", "hypothesis", "mypy", "ruff", "uv"}
# Used by `mindprint eval` alone: the eval extra, never the serving set.
EVAL_ONLY = {"rouge-score", "rank-bm25", "matplotlib"}


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def test_one_python_floor_everywhere(pyproject: dict[str, Any]) -> None:
    # platformdirs>=4.14 and pydantic-settings>=2.16 need 3.11: a lower floor does not resolve.
    assert pyproject["project"]["requires-python"] == ">=3.11"
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    assert lock["requires-python"] == ">=3.11"
    manifest = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["compatibility"]["runtimes"]["python"] == ">=3.11"
    assert pyproject["tool"]["ruff"]["target-version"] == "py311"
    assert pyproject["tool"]["mypy"]["python_version"] == "3.11"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "Python ≥ 3.11" in readme and "Python ≥ 3.10" not in readme


def test_runtime_dependencies_hold_no_dev_tools(pyproject: dict[str, Any]) -> None:
    runtime = {_name(r) for r in pyproject["project"]["dependencies"]}
    assert not runtime & DEV_TOOLS
    assert not runtime & EVAL_ONLY, "evaluation-only packages belong in the eval extra"
    extras = pyproject["project"]["optional-dependencies"]
    assert set(extras) == {"eval"}, "dev tools belong in the dev group"
    assert {_name(r) for r in extras["eval"]} == EVAL_ONLY
    dev = {_name(r) for r in pyproject["dependency-groups"]["dev"]}
    assert {"pytest", "mypy", "ruff"} <= dev
    # `uv run` (the bundle's command, and any host's) installs the dev group unless told not to.
    assert pyproject["tool"]["uv"]["default-groups"] == []
    assert pyproject["project"]["scripts"]["mindprint"] == "mindprint.cli.main:main"


def _spec(requirement: str) -> tuple[str, str]:
    name = _name(requirement)
    rest = requirement[len(name):].replace(" ", "")
    return name, ",".join(sorted(p for p in rest.split(",") if p))


def _locked(entries: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(e["name"], ",".join(sorted(e.get("specifier", "").split(",")))) for e in entries}


def test_the_lock_is_committed_and_current(pyproject: dict[str, Any]) -> None:
    """uv.lock records the requirements it was resolved for: they must be today's.
    After changing dependencies, run `.venv/bin/uv lock` and commit uv.lock."""
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    (root,) = [p for p in lock["package"] if p["name"] == pyproject["project"]["name"]]
    wanted = {_spec(r) for r in pyproject["project"]["dependencies"]}
    wanted |= {_spec(r) for r in pyproject["project"]["optional-dependencies"]["eval"]}
    assert _locked(root["metadata"]["requires-dist"]) == wanted, "uv.lock is stale: run uv lock"
    extra = {e["name"] for e in root["metadata"]["requires-dist"] if e.get("marker")}
    assert extra == EVAL_ONLY and root["metadata"]["provides-extras"] == ["eval"]
    dev = {_spec(r) for r in pyproject["dependency-groups"]["dev"]}
    assert _locked(root["metadata"]["requires-dev"]["dev"]) == dev, "uv.lock is stale: run uv lock"
    packages = {p["name"] for p in lock["package"]}
    assert {"mcp", "fastembed", "sqlite-utils"} <= packages


def test_the_bundle_ships_the_lock() -> None:
    ignored = (REPO / ".mcpbignore").read_text(encoding="utf-8").split()
    assert not any(p in ("uv.lock", "*.lock") for p in ignored)
