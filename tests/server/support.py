"""Helpers shared by the server tests (fixtures live in conftest.py)."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jsonschema
from mcp import Client
from mcp_types import CallToolResult, TextContent

REPO = Path(__file__).resolve().parents[2]
USER = "rui"  # the demo history: a runner's gear reviews with 1-5 scores
MODES = ["legacy", "2026-07-28"]  # legacy = initialize at 2025-11-25, as Claude Desktop does
MINDPRINT_BIN = str(Path(sys.executable).parent / "mindprint")

TOOLS = {
    "get_user_factors",
    "retrieve_reasoning_paths",
    "rewrite_for_user",
    "record_feedback",
    "forget_user",
    "export_user",
}


def snapshot(path: Path) -> list[str]:
    """The whole database as SQL text, to prove a rejected call changed nothing."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def text(r: CallToolResult) -> str:
    assert r.content and isinstance(r.content[0], TextContent)
    return r.content[0].text


async def call_ok(c: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Call a tool, assert success, and validate its structured content against the
    outputSchema the server declared for it."""
    r = await c.call_tool(name, args)
    assert not r.is_error, text(r)
    assert r.structured_content is not None
    schema = await output_schema(c, name)
    jsonschema.Draft202012Validator(schema).validate(r.structured_content)
    content: dict[str, Any] = r.structured_content
    return content


async def output_schema(c: Client, name: str) -> dict[str, Any]:
    tools = {t.name: t for t in (await c.list_tools()).tools}
    schema = tools[name].output_schema
    assert schema is not None, f"{name} declares no outputSchema"
    return schema


async def call_err(c: Client, name: str, args: dict[str, Any]) -> str:
    r = await c.call_tool(name, args)
    assert r.is_error, f"{name} should have failed: {r.structured_content}"
    return text(r)


Page = Callable[[Client, str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def export_all(c: Client, args: dict[str, Any] | None = None, page: Page | None = None) -> dict[str, Any]:
    """Every page of export_user merged into one object: ``counts``, ``user_model`` and
    each section's rows under its name. ``page`` reads one call (default: call_ok)."""
    read = page or call_ok
    merged: dict[str, Any] = {}
    cursor: str | None = None
    pages = 0
    while True:
        got = await read(c, "export_user", {**(args or {}), **({"cursor": cursor} if cursor else {})})
        pages += 1
        if pages == 1:
            merged = {"counts": got["counts"], "user_model": got.get("user_model"), "pages": 0}
        for section, rows in got["rows"].items():
            merged.setdefault(section, []).extend(rows)
        cursor = got.get("next_cursor")
        if cursor is None:
            merged["pages"] = pages
            return merged
