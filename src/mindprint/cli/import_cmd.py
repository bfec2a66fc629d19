"""``mindprint import``: a real export (or any table with a column map) into a user's history.

The file is read twice, streaming both times: first to check it and count what it
holds (a file that is not what it says is refused before anything is written), then
to write it in batches. Memory stays that of one conversation or row plus one batch,
whatever the file's size. Items already stored are skipped (content hash), so an
import interrupted midway is finished by running it again.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mindprint.cli.common import build_with_progress, err, open_app, out
from mindprint.errors import ImportFormatError, ModelError
from mindprint.locations import executable, program, quote

if TYPE_CHECKING:
    from mindprint.app import Mindprint
    from mindprint.importers import ImportSummary, NewItem, Plan

BATCH = 500
TOP_FACTORS = 5
# importers.FORMATS, written out so that loading the CLI does not load the importers
# (a test keeps the two equal).
FORMAT_NAMES = ("chatgpt", "claude", "goodreads", "letterboxd", "csv", "tsv", "json", "jsonl", "lamp")


def _since(value: str | None) -> datetime | None:
    from mindprint.importers.fields import parse_when

    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as e:
        raise ImportFormatError(f"--since: {e}.") from None


def _read_pass(plan: Plan, items: Callable[[Callable[[int], None]], Iterator[NewItem]],
               label: str, sink: Callable[[NewItem], None]) -> None:
    """Run ``items`` to the end under a byte progress bar on stderr."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
        console=err(), transient=True, disable=not err().is_terminal,
    ) as bar:
        task = bar.add_task(label, total=max(plan.total_bytes, 1))
        for it in items(lambda n: bar.advance(task, n)):
            sink(it)


def import_command(
    file: Annotated[Path, typer.Argument(help="An export (zip, conversations.json, CSV) or a history file.")],
    user: Annotated[str | None, typer.Option("--user", "-u", help="User id (default: MINDPRINT_USER or 'default').")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=f"Force the format: {', '.join(FORMAT_NAMES)} (default: by content).")] = None,
    map_spec: Annotated[str | None, typer.Option("--map", help="Columns of a CSV/TSV/JSON file: input=COL,output=COL,score=COL,label=COL,created_at=COL.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only items dated on or after this day (YYYY-MM-DD).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Import at most N items (the first in the file).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and summarize, show the first items; write nothing.")] = False,
    lamp_id: Annotated[str | None, typer.Option("--lamp-id", help="Which LaMP question (id, user_id or author).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any record is rejected.")] = False,
    build: Annotated[bool, typer.Option("--build/--no-build", help="Build the user model afterwards (default: yes).")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for scripting.")] = False,
) -> None:
    """Import a ChatGPT, Claude, Goodreads or Letterboxd export, or a CSV/TSV/JSON (--map).

    Detected by content; items already stored are skipped; then builds."""
    from mindprint.importers import make_plan, parse_map, scan

    m = open_app()
    uid = m.user(user)
    max_chars = m.limits.max_text_chars
    plan = make_plan(file, fmt=fmt, mapping=parse_map(map_spec), lamp_id=lamp_id, max_chars=max_chars)
    cutoff = _since(since)

    def items(summary: ImportSummary) -> Callable[[Callable[[int], None]], Iterator[NewItem]]:
        return lambda on_bytes: scan(plan, summary, since=cutoff, limit=limit, max_chars=max_chars,
                                     on_bytes=on_bytes)

    checked = plan.summary()
    _read_pass(plan, items(checked), f"Reading {file.name}", lambda _it: None)
    _refuse_unusable(checked, strict)
    if dry_run:
        _report(checked.as_dict() | {"user_id": uid, "dry_run": True}, json_out)
        return
    if build:
        _require_model()
    final = plan.summary()
    batch: list[NewItem] = []
    added = dups = 0

    def flush() -> None:
        nonlocal added, dups
        if batch:
            res = m.add_items(uid, batch)
            added, dups = added + len(res.added), dups + len(res.duplicates)
            batch.clear()

    def sink(it: NewItem) -> None:
        batch.append(it)
        if len(batch) >= BATCH:
            flush()

    _read_pass(plan, items(final), f"Importing into {uid}", sink)
    flush()
    final.added, final.duplicates = added, dups
    result = final.as_dict() | {"user_id": uid, "database": m.admin.database()}
    if build and (added or m.factors(uid, 0)[0] is None):
        result["build"] = dataclasses.asdict(build_with_progress(m, uid))
        result["top_factors"] = _top_factors(m, uid)
    _report(result, json_out)


def _require_model() -> None:
    """A build needs the embedding model: without it, stop before writing anything, so the
    error does not leave the items stored and unbuilt behind a message saying it failed."""
    from mindprint.embed import check_model
    from mindprint.settings import EmbeddingSettings

    try:
        check_model(EmbeddingSettings().resolved_model_dir)
    except ModelError as e:
        raise type(e)(
            f"{e} Nothing was imported. (To store the items now and build them later, "
            "add --no-build.)"
        ) from e


def _refuse_unusable(s: ImportSummary, strict: bool) -> None:
    """Nothing usable, or --strict with any rejection: refuse before writing anything."""
    first = s.rejected[0] if s.rejected else None
    if strict and first is not None:
        raise ImportFormatError(
            f"{s.rejected_total} record(s) rejected (first: {first.where}: {first.reason}); "
            "nothing was imported because of --strict."
        )
    if s.items == 0 and not s.limit_reached:
        why = f" First problem: {first.where}: {first.reason}." if first else ""
        skipped = "; ".join(f"{n} {r}" for r, n in s.skipped.most_common(3))
        raise ImportFormatError(
            f"{s.file} holds no usable history items (read as {s.format}: {s.read} {s.units}"
            + (f"; skipped {skipped}" if skipped else "") + f").{why} Nothing was imported; "
            "if the format is wrong, pass --format."
        )


def _top_factors(m: Mindprint, uid: str) -> list[dict[str, Any]]:
    from mindprint.views import factors_view

    view = factors_view(m, uid, TOP_FACTORS)
    return [
        {"name": f.name, "items": f.n_items, "members": f.members[:5], "description": f.description}
        for f in view.factors
    ]


def _report(s: dict[str, Any], json_out: bool) -> None:
    from mindprint.cli import render

    if json_out:
        sys.stdout.write(json.dumps(s, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    con = out()
    verb = "Would import" if s.get("dry_run") else "Imported"
    # File names, user ids, reasons and previews quote the user's data: printed inert
    # (render.plain), never as Rich markup or raw terminal escapes.
    head = f" {s['file']} ({s['format']}) for {s['user_id']}: {s['items']} items from {s['read']} {s['units']}"
    if "added" in s:
        head += f" — {s['added']} added, {s['duplicates']} already stored"
    con.print(render.styled((verb, "green"), render.plain(head + ".")))
    if s["dates"]:
        con.print(render.plain(f"  dated {s['dates'][0][:10]} to {s['dates'][1][:10]}"))
    for reason, n in s["skipped"].items():
        con.print(render.plain(f"  skipped {n}: {reason}"))
    for r in s["rejected"][:20]:
        con.print(render.styled("  ", ("rejected", "yellow"), render.plain(f" {r['where']}: {r['reason']}")))
    if s["rejected_total"] > 20:
        con.print(f"  … and {s['rejected_total'] - 20} more rejected (use --json).")
    if s["truncated"]:
        con.print(f"  {s['truncated']} long texts were cut to the size limit (MINDPRINT_MAX_TEXT_CHARS).")
    if s["limit_reached"]:
        con.print("  stopped at --limit.")
    if s.get("dry_run"):
        for p in s["preview"]:
            con.print(render.styled(
                "  ", ("input:", "dim"), " ", render.plain(p["input"] or "—"), "\n  ",
                ("response:", "dim"), " ", render.plain(p["output"]),
                (f"  score {p['score']:g}", "dim") if p["score"] is not None else "",
            ))
        con.print("Nothing was written (--dry-run).")
        return
    _next_steps(s)


def _next_steps(s: dict[str, Any]) -> None:
    from mindprint.cli import render

    con = out()
    if "build" in s:
        b = s["build"]
        con.print(render.styled(("Built", "green"), f": {b['items']} items, {b['factors']} factors in {b['seconds']:.1f} s."))
        for f in s["top_factors"]:
            con.print(render.styled("  ", (render.plain(f["name"]).plain, "bold"),
                                    render.plain(f" ({f['items']} items): {', '.join(f['members'])}")))
    elif s.get("added"):
        build_cmd = f"{program()} build --user {quote(s['user_id'])}"
        con.print(render.styled("Next: ", (render.plain(build_cmd).plain, "bold"), "."))
    entry = {"command": str(executable() or "mindprint"), "args": ["serve"],
             "env": {"MINDPRINT_USER": s["user_id"], "MINDPRINT_DB": s["database"]}}
    # One line, never wrapped: the entry is meant to be copied into a client's config.
    con.print(render.plain(
        "Next: add mindprint to your assistant — Claude Desktop: Settings → Developer → Edit "
        f"Config, an entry {json.dumps(entry, ensure_ascii=False)} (see README, "
        '"Use it from your assistant").'
    ), soft_wrap=True)
