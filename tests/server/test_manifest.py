"""manifest.json (the Claude Desktop bundle) agrees with the server it launches.
Schema validity is checked by `make lint` (npx @anthropic-ai/mcpb validate)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.server.support import REPO, TOOLS


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_manifest_launches_mindprint_serve_with_uv(manifest: dict[str, Any]) -> None:
    server = manifest["server"]
    assert server["type"] == "uv" and manifest["manifest_version"] == "0.4"
    assert (REPO / server["entry_point"]).is_file()
    cfg = server["mcp_config"]
    assert cfg["command"] == "uv" and cfg["args"][-2:] == ["mindprint", "serve"]
    assert "${__dirname}" in cfg["args"]
    # Every user_config value reaches the server, under the variable settings read.
    env = cfg["env"]
    assert env == {
        "MINDPRINT_DB": "${user_config.database}",
        "MINDPRINT_USER": "${user_config.user}",
        "ANTHROPIC_API_KEY": "${user_config.anthropic_api_key}",
        "OPENAI_API_KEY": "${user_config.openai_api_key}",
    }
    assert set(manifest["user_config"]) == {"database", "user", "anthropic_api_key", "openai_api_key"}


def test_manifest_lists_the_server_tools_and_marks_keys_sensitive(manifest: dict[str, Any]) -> None:
    assert {t["name"] for t in manifest["tools"]} == TOOLS
    assert all(t["description"] for t in manifest["tools"])
    for key in ("anthropic_api_key", "openai_api_key"):
        opt = manifest["user_config"][key]
        assert opt["sensitive"] is True and opt["required"] is False
    assert manifest["privacy_policies"]
