"""The command line end to end: import, build (offline and through an OpenAI-compatible
server), factors, retrieve, usage, export, forget."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mindprint.app import Mindprint
from mindprint.cli.main import app, main
from mindprint.errors import ConfigError, UnknownUserError
from mindprint.settings import ProviderSettings, StoreSettings
from mindprint.testing.fake_llm import FakeLLM, fake_llm
from tests.chats import BRANDS, CHAT_USER, SHORT, SPICY_THEN, TRAINS

REPO = Path(__file__).resolve().parents[2]
DEMO = str(REPO / "examples" / "demo_history.jsonl")
runner = CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "MINDPRINT_PROVIDER"):
        monkeypatch.delenv(var, raising=False)
    with fake_llm() as f:
        monkeypatch.setenv("OPENAI_BASE_URL", f.url + "/v1")
        yield f


def _json(args: list[str]) -> object:
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.usefixtures("real_embedder")
def test_offline_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    imp = _json(["import", DEMO, "--user", "rui", "--no-build", "--json"])
    assert isinstance(imp, dict) and imp["added"] == 48 and imp["rejected"] == []
    again = _json(["import", DEMO, "--user", "rui", "--no-build", "--json"])
    assert isinstance(again, dict) and again["added"] == 0 and again["duplicates"] == 48
    built = _json(["build", "--user", "rui", "--provider", "offline", "--json"])
    assert isinstance(built, dict) and built["processed"] == 48 and built["extractor"].startswith("offline")
    facs = _json(["factors", "--user", "rui", "--json"])
    assert isinstance(facs, dict) and facs["built"] and facs["factors"]
    tone = next(f for f in facs["factors"] if f["name"] == "tone")  # read on every review
    assert tone["n_items"] == 48 and tone["effect"] is None
    table = runner.invoke(app, ["factors", "--user", "rui"], env={"COLUMNS": "200"}).stdout
    assert "on every item: nothing to compare it with" in table and "when tone is present" not in table
    ret = _json(["retrieve", "Review request: a 600 g headlamp with a 3 h battery", "--user", "rui", "--json"])
    assert isinstance(ret, dict) and len(ret["items"]) == 3 and ret["likely_preference"]["label"] in "12345"
    assert _json(["usage", "--json"]) == []
    exported = _json(["export", "--user", "rui"])
    assert isinstance(exported, dict) and len(exported["items"]) == 48
    r = runner.invoke(app, ["forget", "--user", "rui", "--yes"])
    assert r.exit_code == 0
    # A user with nothing stored is welcomed with the import command for this database.
    r = runner.invoke(app, ["factors", "--user", "rui"])
    assert r.exit_code == 0 and "Nothing is stored for user 'rui'" in r.stdout
    assert "import path/to/export.zip --user rui" in r.stdout
    # CliRunner calls the Typer app; `main()` turns these errors into "error: ..." lines.
    r = runner.invoke(app, ["history", "--user", "rui"])
    assert isinstance(r.exception, UnknownUserError) and "mindprint import" in str(r.exception)


@pytest.mark.usefixtures("real_embedder")
def test_build_with_an_openai_compatible_server(fake: FakeLLM) -> None:
    _json(["import", DEMO, "--user", "rui", "--json"])
    built = _json(["build", "--user", "rui", "--provider", "openai", "--json"])
    assert isinstance(built, dict) and built["extractor"].startswith("llm:openai:")
    assert all(path.endswith("/chat/completions") for path, _ in fake.requests)
    usage = _json(["usage", "--user", "rui", "--json"])
    assert isinstance(usage, list)
    by_stage = {row["purpose"]: row for row in usage}
    assert {"features", "factors", "paths"} <= set(by_stage)
    calls = sum(row["calls"] for row in usage)
    assert calls / 48 <= 0.5 and all(row["input_tokens"] > 0 for row in usage)

    # The rewrite goes through the same server, with the fidelity guard.
    m = Mindprint.from_settings(provider_settings=ProviderSettings(provider="openai"))
    out = m.rewrite("rui", "The Ember weighs 210 g and lasts 5 h. I Would Rate It 3/5.")
    assert out.generator.startswith("llm:openai:") and out.text == out.text.lower()
    assert out.trajectory["fidelity"]["accepted"] is True
    m.close()


def test_unknown_provider_is_a_clear_error() -> None:
    r = runner.invoke(app, ["build", "--user", "x", "--provider", "gpt5"])
    assert isinstance(r.exception, ConfigError) and "Unknown provider" in str(r.exception)


def test_main_prints_errors_without_a_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["mindprint", "history", "--user", "nobody"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Unknown user 'nobody'" in err and "Traceback" not in err
    # Store errors name the database file, on one line however narrow the terminal.
    db = str(StoreSettings().db_path)
    assert f"in the database {db}." in err.replace("\n", " ")


@pytest.mark.usefixtures("real_embedder")
def test_a_separate_rewrite_model(fake: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline everywhere, except the reflection step: a (fine-tuned) model at its own URL."""
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.setenv("MINDPRINT_PROVIDER", "offline")
    monkeypatch.setenv("MINDPRINT_REWRITE_BASE_URL", fake.url + "/v1")
    monkeypatch.setenv("MINDPRINT_REWRITE_MODEL", "rpo-reflector-1b")
    _json(["import", DEMO, "--user", "rui", "--json"])
    built = _json(["build", "--user", "rui", "--json"])
    assert isinstance(built, dict) and built["extractor"].startswith("offline")
    assert fake.requests == []  # the build stayed local
    m = Mindprint.from_settings()
    out = m.rewrite("rui", "The Ember Weighs 210 g.")
    m.close()
    assert out.generator.startswith("llm:openai:rpo-reflector-1b:rewrite-")
    assert [body["model"] for _, body in fake.requests] == ["rpo-reflector-1b"]


def test_factors_and_retrieve_show_what_the_person_said(
    tmp_path: Path, chat_template: Path,
) -> None:
    """The real command, as a person runs it in a terminal."""
    db = tmp_path / "chats.db"
    shutil.copyfile(chat_template, db)
    env = {**os.environ, "MINDPRINT_DB": str(db), "MINDPRINT_USER": CHAT_USER, "COLUMNS": "200"}
    exe = str(Path(sys.executable).parent / "mindprint")

    def run(*args: str) -> str:
        r = subprocess.run([exe, *args], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    listed = run("factors")
    assert f"what {CHAT_USER} said about themselves — 5 standing preferences" in listed
    assert f"“{BRANDS}”" in listed and "chose: steady-state cycling" in listed
    assert SPICY_THEN not in listed  # replaced by a later statement
    first = next(line for line in listed.splitlines() if "“" in line)
    assert "needs · strict" in first and "shopping" in first  # firmest first
    found = run("retrieve", "How should I get from Paris to Berlin next month?", "-k", "1")
    assert "applies: likes · firm · items #3" in found and f"“{TRAINS}”" in found
    # No phrase of the question ("paris", "berlin next month") is about trains: it says so.
    assert "why: travel; near the question as a whole" in found
    assert f"for every answer: “{SHORT}”" in found
    assert found.index("applies:") < found.index("item ")  # before the similar exchanges


@pytest.mark.parametrize(("args", "why"), [
    (["--task", "rating", "--protocol", "online", "--population", "team"], "use --population shipped or pool"),
    (["--task", "recall", "--population", "shipped"], "drop --population"),
])
def test_a_population_mode_where_none_applies_is_refused(tmp_path: Path, args: list[str], why: str) -> None:
    r = runner.invoke(app, ["eval", *args, "--data", str(tmp_path), "--out", str(tmp_path / "out")])
    said = " ".join(r.output.replace("│", " ").split())  # however the error box wraps it
    assert r.exit_code == 2 and why in said
    assert not (tmp_path / "out").exists()  # nothing ran
