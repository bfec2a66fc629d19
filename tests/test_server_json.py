"""server.json (the MCP Registry entry) against the registry schema's required fields
and constraints (static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json),
and against the package it describes."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json"

_INPUT = {"type": "object", "properties": {"isSecret": {"type": "boolean"}, "format": {
    "enum": ["string", "number", "boolean", "filepath"]}}}  # fmt: skip
_ARGUMENT = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": ["positional", "named"]}},
    "if": {"properties": {"type": {"const": "positional"}}},
    "then": {"anyOf": [{"required": ["valueHint"]}, {"required": ["value"]}]},
    "else": {"required": ["name"]},
}
# The registry schema's required fields, patterns and limits, transcribed.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "description", "version"],
    "properties": {
        "$schema": {"const": SCHEMA_URL},
        "name": {"type": "string", "pattern": r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$",
                 "minLength": 3, "maxLength": 200},
        "description": {"type": "string", "minLength": 1, "maxLength": 100},
        "version": {"type": "string", "maxLength": 255, "not": {"pattern": r"^[\^~<>=]|[*x]$"}},
        "packages": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["registryType", "identifier", "version", "transport"],
            "properties": {
                "registryType": {"type": "string"},
                "registryBaseUrl": {"type": "string"},
                "identifier": {"type": "string"},
                "version": {"type": "string", "minLength": 1, "not": {"const": "latest"}},
                "fileSha256": {"type": "string", "pattern": "^[a-f0-9]{64}$"},
                "runtimeHint": {"type": "string"},
                "transport": {"type": "object", "required": ["type"], "properties": {
                    "type": {"enum": ["stdio", "streamable-http", "sse"]}}},
                "runtimeArguments": {"type": "array", "items": _ARGUMENT},
                "packageArguments": {"type": "array", "items": _ARGUMENT},
                "environmentVariables": {"type": "array", "items": {
                    "allOf": [_INPUT, {"required": ["name"]}]}},
            },
        }},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def server_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO / "server.json").read_text(encoding="utf-8"))
    return data


def test_server_json_meets_the_registry_schema(server_json: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(server_json)


def test_the_schema_transcription_can_fail(server_json: dict[str, Any]) -> None:
    broken = [
        {k: v for k, v in server_json.items() if k != "version"},
        {**server_json, "name": "mindprint"},
        {**server_json, "description": "x" * 101},
        {**server_json, "packages": [{**server_json["packages"][0], "version": "latest"}]},
        {**server_json, "packages": [{k: v for k, v in server_json["packages"][0].items() if k != "transport"}]},
    ]
    for doc in broken:
        assert not jsonschema.Draft7Validator(SCHEMA).is_valid(doc)


def test_server_json_describes_this_package(server_json: dict[str, Any]) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert server_json["version"] == project["version"]
    (package,) = server_json["packages"]
    assert package["registryType"] == "pypi" and package["identifier"] == project["name"]
    assert package["version"] == project["version"] and package["runtimeHint"] == "uvx"
    assert [a["value"] for a in package["packageArguments"]] == ["serve"]
    # PyPI ownership check: the README (the package's long description) names the server.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"mcp-name: {re.escape(server_json['name'])}\b", readme)
    # The same variables the bundle passes, and secrets marked secret.
    manifest = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    names = {v["name"] for v in package["environmentVariables"]}
    assert names == set(manifest["server"]["mcp_config"]["env"])
    assert all(v.get("isSecret") for v in package["environmentVariables"] if v["name"].endswith("_KEY"))
