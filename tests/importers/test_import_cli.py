"""`mindprint import` through the real CLI and a real SQLite file: counts, re-import,
--dry-run, --strict, refusals that write nothing, the build that follows."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mindprint.cli.main import app
from mindprint.errors import ImportFormatError
from mindprint.settings import StoreSettings
from mindprint.testing.synth import write_export

FIX = Path(__file__).parent / "fixtures"
runner = CliRunner()


def imp(*args: str) -> dict[str, Any]:
    r = runner.invoke(app, ["import", *args, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert isinstance(out, dict)
    return out


def rows(user: str) -> int:
    db = StoreSettings().db_path
    if not db.exists():
        return 0
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM items WHERE user_id = ?", [user]).fetchone()[0])


@pytest.mark.parametrize(
    ("name", "fmt", "items"),
    [
        ("chatgpt_conversations.json", "chatgpt", 4),
        ("claude_conversations.json", "claude", 2),
        ("goodreads_library_export.csv", "goodreads", 4),
        ("letterboxd_ratings.csv", "letterboxd", 4),
        ("letterboxd_reviews.csv", "letterboxd", 3),
    ],
)
def test_each_format_imports_once(name: str, fmt: str, items: int) -> None:
    first = imp(str(FIX / name), "--user", "u", "--no-build")
    assert (first["format"], first["items"], first["added"], first["duplicates"]) == (fmt, items, items, 0)
    assert rows("u") == items
    again = imp(str(FIX / name), "--user", "u", "--no-build")
    assert (again["added"], again["duplicates"]) == (0, items) and rows("u") == items


def test_a_generated_export_imports_exactly_and_re_imports_nothing(tmp_path: Path) -> None:
    export = tmp_path / "conversations.json"
    expected = write_export(export, 1_500)
    first = imp(str(export), "--user", "big", "--no-build")
    assert first["read"] == 1_500 and first["added"] == expected.items == rows("big")
    assert first["skipped"]["message on an edited-away branch"] == 1_500
    again = imp(str(export), "--user", "big", "--no-build")
    assert again["added"] == 0 and again["duplicates"] == expected.items


def test_dry_run_previews_and_writes_nothing() -> None:
    out = imp(str(FIX / "chatgpt_conversations.json"), "--user", "dry", "--dry-run")
    assert out["dry_run"] and out["items"] == 4 and "added" not in out
    assert out["preview"][0]["output"] == "Too long. Just tell me which one drains fastest and its price."
    assert len(out["preview"]) == 4 and rows("dry") == 0
    r = runner.invoke(app, ["import", str(FIX / "goodreads_library_export.csv"), "--user", "dry", "--dry-run"])
    assert r.exit_code == 0 and "Would import" in r.stdout and "Nothing was written" in r.stdout
    assert "rating 7 is outside 1-5" in r.stdout


def test_since_limit_and_map_options(tmp_path: Path) -> None:
    out = imp(str(FIX / "chatgpt_conversations.json"), "--user", "s", "--since", "2024-05-02", "--no-build")
    assert out["added"] == 2 and out["skipped"]["before --since"] == 2
    out = imp(str(FIX / "claude_conversations.json"), "--user", "l", "--limit", "1", "--no-build")
    assert out["added"] == 1 and out["limit_reached"]
    f = tmp_path / "answers.tsv"
    f.write_text("question\tmy answer\tstars\nWhich tent?\tThe light one\t4\n", encoding="utf-8")
    out = imp(str(f), "--user", "m", "--map", "input=question,output=my answer,score=stars", "--no-build")
    assert out["format"] == "tsv" and out["added"] == 1


@pytest.mark.parametrize(
    ("content", "args", "match"),
    [
        # cut short mid-array: the first conversation is fine, the file is not
        ((FIX / "chatgpt_conversations.json").read_bytes()[:-200], [], "not valid JSON"),
        (b"Date,Name\n2024-01-01,x\n", [], "columns Date, Name"),
        ((FIX / "claude_conversations.json").read_bytes(), ["--format", "chatgpt"], "no usable history items"),
        ((FIX / "goodreads_library_export.csv").read_bytes(), ["--strict"], "1 record.s. rejected.*--strict"),
        ((FIX / "chatgpt_conversations.json").read_bytes(), ["--since", "yesterday"], "--since"),
    ],
)
def test_refusals_write_nothing(tmp_path: Path, content: bytes, args: list[str], match: str) -> None:
    f = tmp_path / "export.bin"
    f.write_bytes(content)
    r = runner.invoke(app, ["import", str(f), "--user", "bad", "--no-build", *args])
    assert isinstance(r.exception, ImportFormatError), r.output
    assert re.search(match, str(r.exception)), r.exception
    assert rows("bad") == 0


@pytest.mark.usefixtures("real_embedder")
def test_import_builds_and_says_what_next() -> None:
    r = runner.invoke(app, ["import", str(FIX / "chatgpt_conversations.json"), "--user", "me"])
    assert r.exit_code == 0, r.output
    assert "4 added" in r.stdout and "Built" in r.stdout and "Claude Desktop" in r.stdout
    out = imp(str(FIX / "claude_conversations.json"), "--user", "me")
    assert out["build"]["items"] == 6 and out["top_factors"]
    assert all(f["name"] and f["items"] >= 1 for f in out["top_factors"])
