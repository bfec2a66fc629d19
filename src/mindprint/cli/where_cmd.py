"""``mindprint where``: the home, database, model and tokens paths, and whether each is
usable. An MCP client uses these only if its config passes the same settings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mindprint.cli.common import print_json


def _tokens_status(path: Path) -> tuple[bool, str]:
    """The server's own verdict on an existing tokens file."""
    from mindprint.errors import ConfigError
    from mindprint.server.auth import load_tokens

    try:
        tokens = load_tokens(path)
    except ConfigError as e:
        return False, str(e)
    users = len(set(tokens.values()))
    return True, f"{len(tokens)} token{'s' * (len(tokens) != 1)} for {users} user{'s' * (users != 1)}"


def where_report() -> list[dict[str, Any]]:
    from mindprint.locations import locations

    rows = []
    for loc in locations():
        usable, status = loc.usable, loc.status
        if loc.name == "tokens" and loc.usable:
            usable, status = _tokens_status(loc.path)
        rows.append({"name": loc.name, "path": str(loc.path), "chosen_by": loc.chosen_by,
                     "usable": usable, "status": status})
    return rows


def client_env(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The settings a client's config needs to reach the same files as this shell."""
    by = {r["name"]: r for r in rows}
    env = {"MINDPRINT_HOME": by["home"]["path"]}
    for name, var in (("database", "MINDPRINT_DB"), ("model", "MINDPRINT_MODEL_DIR")):
        if by[name]["chosen_by"] == var:
            env[var] = by[name]["path"]
    return env


def where_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")] = False,
) -> None:
    """Show the home, database, model and tokens paths, and whether each is usable."""
    rows = where_report()
    if json_out:
        print_json(rows)
        return
    # Plain lines, never wrapped or styled: paths are meant to be copied.
    width = max(len(r["name"]) for r in rows)
    lines = []
    for r in rows:
        by = "default" if r["chosen_by"] == "default" else f"from {r['chosen_by']}"
        lines.append(f"{r['name']:<{width}}  {r['path']}  ({by})")
        lines.append(f"{'':<{width}}  {'ok' if r['usable'] else 'not usable'}: {r['status']}")
    lines.append(
        "MCP clients do not read your shell's environment: to use these files from a client, "
        f'put "env": {json.dumps(client_env(rows))} in its config (README, "Use it from your '
        'assistant").'
    )
    sys.stdout.write("\n".join(lines) + "\n")
