"""How much of the assistant's context the tool surface costs.

Prints the size of ``tools/list`` and of each tool's typical result on the demo user
(the 48-item demo history, built offline with the real embedding model), and of the two
reading tools on the demo's chat person (her ChatGPT export: standing preferences
quoted in her words), through the real MCP client talking to the real server in memory. Sizes are characters of the JSON
the client receives and approximate tokens = characters / 4 (no tokenizer: the ratio
is close for English JSON and the targets have wide margins).

Targets (issue 15): tools/list under 3k tokens, every result under 4k tokens; a new
person's welcome (get_user_factors for a user with no history, issue 26) under 1k.

    .venv/bin/python benchmarks/tool_surface.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from mcp import Client
from mcp_types import CallToolResult

from mindprint.app import Mindprint
from mindprint.cli.demo import CHAT_QUERY, CHATS, DEMO_DRAFT, DEMO_QUERY, demo_file
from mindprint.embed import FastEmbedEmbedder
from mindprint.importers import read_file
from mindprint.server.server import build_server
from mindprint.settings import EmbeddingSettings, LimitSettings
from mindprint.store import Store

USER = "demo-rui"
CHAT_USER = "demo-maya"
NEW_USER = "a-new-person"
TOOLS_BUDGET = 3000
RESULT_BUDGET = 4000
WELCOME_BUDGET = 1000


def tokens(chars: int) -> int:
    return round(chars / 4)


def result_chars(r: CallToolResult) -> int:
    """What the client receives: the content blocks and the structured content."""
    return len(r.model_dump_json(by_alias=True, exclude_none=True))


def calls() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("get_user_factors", {}),
        ("get_user_factors", {"user_id": NEW_USER}),
        ("retrieve_reasoning_paths", {"query": DEMO_QUERY}),
        ("rewrite_for_user", {"draft": DEMO_DRAFT, "query": DEMO_QUERY}),
        ("record_feedback", {"query": DEMO_QUERY, "response": DEMO_DRAFT, "rating": 4}),
        ("export_user", {}),
        ("forget_user", {"user_id": "nobody-here", "confirm": True}),
        # The chat person: her preferences quoted, and the ones a question needs.
        ("get_user_factors", {"user_id": CHAT_USER}),
        ("retrieve_reasoning_paths", {"query": CHAT_QUERY, "user_id": CHAT_USER}),
    ]


def label(name: str, args: dict[str, Any]) -> str:
    who = {CHAT_USER: CHAT_USER, NEW_USER: "new person"}.get(str(args.get("user_id")))
    return f"{name} ({who})" if who else name


async def measure(db: Path) -> dict[str, Any]:
    emb = FastEmbedEmbedder(EmbeddingSettings().resolved_model_dir)
    app = Mindprint(Store.open(db), emb, default_user=USER)
    app.add_items(USER, read_file(demo_file())[0])
    app.build(USER)
    app.add_items(CHAT_USER, read_file(demo_file(CHATS))[0])
    app.build(CHAT_USER)
    app.close()

    def make() -> Mindprint:
        return Mindprint(Store.open(db), emb, limits=LimitSettings(), default_user=USER)

    out: dict[str, Any] = {"results": {}}
    async with Client(build_server(app_factory=make), mode="legacy") as c:
        listed = await c.list_tools()
        chars = len(listed.model_dump_json(by_alias=True, exclude_none=True))
        out["tools_list"] = {"chars": chars, "tokens": tokens(chars)}
        for name, args in calls():
            r = await c.call_tool(name, args)
            if r.is_error:
                raise SystemExit(f"{name} failed: {r.content}")
            n = result_chars(r)
            out["results"][label(name, args)] = {"chars": n, "tokens": tokens(n)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print JSON")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINDPRINT_USER"] = USER
        res = asyncio.run(measure(Path(tmp) / "surface.db"))
    if a.json:
        sys.stdout.write(json.dumps(res, indent=2) + "\n")
        return
    t = res["tools_list"]
    ok = "ok" if t["tokens"] < TOOLS_BUDGET else "OVER"
    print(f"tools/list: {t['chars']:>7,} chars ~{t['tokens']:>6,} tokens  (< {TOOLS_BUDGET:,}: {ok})")
    for name, r in res["results"].items():
        budget = WELCOME_BUDGET if name.endswith("(new person)") else RESULT_BUDGET
        ok = "ok" if r["tokens"] < budget else "OVER"
        print(f"{name:<39} {r['chars']:>7,} chars ~{r['tokens']:>6,} tokens  (< {budget:,}: {ok})")


if __name__ == "__main__":
    main()
