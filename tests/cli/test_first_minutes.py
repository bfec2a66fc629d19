"""The first minutes at the command line, through the real `mindprint` program: where
the files are, the HTTP set-up in one flow, help without value placeholders on flags,
the demo's hints, `mindprint eval` without its extra, and what a command imports."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

REPO = Path(__file__).resolve().parents[2]
MINDPRINT = str(Path(sys.executable).parent / "mindprint")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh home, the installed model, and a PATH without this venv (as after
    `make demo`, where mindprint is not on PATH)."""
    bin_dir = str(Path(MINDPRINT).parent)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != bin_dir)
    return {"PATH": path, "HOME": str(tmp_path), "MINDPRINT_HOME": str(tmp_path / "home"),
            "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"], "HF_HUB_OFFLINE": "1",
            "MINDPRINT_AUTO_INSTALL_MODEL": "0", "COLUMNS": "40"}  # narrow: nothing may wrap


def mindprint(env: dict[str, str], *args: str, cwd: Path | None = None,
              ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([MINDPRINT, *args], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=600, check=False)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def where(env: dict[str, str]) -> dict[str, dict[str, object]]:
    return {row["name"]: row for row in json.loads(mindprint(env, "where", "--json").stdout)}


def test_where_names_every_file_and_whether_it_is_usable(env: dict[str, str]) -> None:
    home = Path(env["MINDPRINT_HOME"])
    first = where(env)
    assert first["database"]["path"] == str(home / "mindprint.db") and first["database"]["usable"]
    assert "not created yet" in str(first["database"]["status"]) and not (home / "mindprint.db").exists()
    assert first["model"]["usable"] and first["model"]["chosen_by"] == "MINDPRINT_MODEL_DIR"
    assert not first["tokens"]["usable"] and "token new" in str(first["tokens"]["status"])
    mindprint(env, "token", "new", "--user", "alice")
    mindprint(env, "import", str(REPO / "examples" / "demo_history.jsonl"), "--user", "rui", "--no-build")
    after = where(env)
    assert after["tokens"]["status"] == "1 token for 1 user" and after["tokens"]["usable"]
    assert after["database"]["status"] == "1 user"
    (home / "mindprint.db").write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        (home / f"mindprint.db{suffix}").unlink(missing_ok=True)
    broken = where(env)["database"]
    assert not broken["usable"] and str(home / "mindprint.db") in str(broken["status"])
    text = mindprint(env, "where").stdout
    assert "database" in text and "not usable" in text
    # What a client's config needs to reach the same files as this shell.
    assert _client_env(text) == {"MINDPRINT_HOME": str(home),
                                 "MINDPRINT_MODEL_DIR": env["MINDPRINT_MODEL_DIR"]}
    other = _client_env(mindprint(env, "--db", str(home / "elsewhere.db"), "where").stdout)
    assert other["MINDPRINT_DB"] == str(home / "elsewhere.db")


def _client_env(text: str) -> dict[str, str]:
    line = next(line for line in text.splitlines() if '"env": ' in line)
    found: dict[str, str] = json.JSONDecoder().raw_decode(line[line.index('"env": ') + 7:])[0]
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _list_tools(url: str, token: str) -> set[str]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http), mode="legacy") as c:
        return {t.name for t in (await c.list_tools()).tools}


def test_http_set_up_in_one_flow(env: dict[str, str]) -> None:
    refused = mindprint(env, "serve", "--transport", "http", ok=False)
    assert refused.returncode == 1
    assert "\n  mindprint token new --user <you>\n" in refused.stderr  # on a line of its own
    made = mindprint(env, "token", "new", "--user", "alice")
    token = made.stdout.strip()
    serve_line = next(line for line in made.stderr.splitlines() if " serve --transport http" in line)
    argv = shlex.split(serve_line)  # pasteable: one unwrapped line, even at 40 columns
    assert argv[1:] == ["serve", "--transport", "http"]  # the default tokens file: no option
    assert Path(argv[0]).resolve() == Path(MINDPRINT).resolve()
    port = _free_port()
    proc = subprocess.Popen([*argv, "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        deadline = time.monotonic() + 60
        while True:
            try:
                tools = anyio.run(_list_tools, url, token)
                break
            except Exception:  # noqa: BLE001 - not listening yet
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert "get_user_factors" in tools
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"tokens from {Path(env['MINDPRINT_HOME']) / 'tokens.json'}" in err


def test_boolean_flags_show_no_value_placeholder(env: dict[str, str]) -> None:
    wide = env | {"COLUMNS": "160"}
    for command in (["--help"], ["factors", "--help"], ["serve", "--help"], ["token", "new", "--help"],
                    ["import", "--help"], ["eval", "--help"]):
        shown = mindprint(wide, *command).stdout
        assert "<bool>" not in shown, command
        assert "--help" in shown
    assert "<int>" in mindprint(wide, "factors", "--help").stdout  # options with values keep theirs


def test_eval_without_its_extra_says_how_to_add_it(env: dict[str, str], tmp_path: Path) -> None:
    # What `pip install mindprint` (no extra) leaves out, made unimportable.
    shadow = tmp_path / "shadow" / "rouge_score"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not installed')\n")
    r = mindprint(env | {"PYTHONPATH": str(shadow.parent)}, "eval", "--task", "rating",
                  "--out", str(tmp_path / "out"), ok=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "pip install 'mindprint[eval]'" in r.stderr and "rouge_score missing" in r.stderr
    assert not (tmp_path / "out").exists()


HEAVY = ("numpy", "onnxruntime", "fastembed", "sqlite_utils", "matplotlib", "rouge_score",
         "rank_bm25", "anthropic", "openai", "mindprint.importers", "mindprint.eval",
         "mindprint.app", "mindprint.store", "mindprint.services", "mindprint.engine.pipeline")


def test_serving_imports_nothing_its_start_does_not_use() -> None:
    """What `mindprint serve` loads before it answers tools/list: the CLI, the server,
    its tools and views; the app, the model and the importers come after."""
    code = (
        "import json, sys\n"
        "import mindprint.cli.main, mindprint.server.run, mindprint.server.stdio\n"
        "from mindprint.server.server import build_server\n"
        "build_server(warm_up=True)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       text=True, check=True, timeout=120).stdout)
    assert "mindprint.server.tools" in loaded  # it did build the server
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert heavy == []


@pytest.mark.slow
@pytest.mark.usefixtures("real_embedder")
def test_the_demo_prints_hints_that_run_from_where_it_ran(env: dict[str, str]) -> None:
    shown = mindprint(env, "demo", cwd=REPO).stdout
    assert shown.count("See your model") == 1
    last = shown.strip().splitlines()[-1]
    assert last.startswith("See your model in the browser: ")
    expected = os.path.relpath(MINDPRINT, REPO) if Path(MINDPRINT).is_relative_to(REPO) else MINDPRINT
    assert f"{expected} ui --user demo-rui" in last
    hint = shown[shown.index("Try `") + 5:]
    hint = hint[: hint.index("`")]
    assert hint == f"{expected} factors --user demo-rui"
    again = subprocess.run(shlex.split(hint), env=env | {"COLUMNS": "200"}, cwd=REPO, capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 0 and "factors of demo-rui" in again.stdout
    assert shutil.which("mindprint", path=env["PATH"]) is None or "mindprint ui" in last


def test_import_without_the_model_writes_nothing_and_says_how(env: dict[str, str]) -> None:
    """Importing builds, and a build needs the model: without it the import stops before
    writing, so running it again later imports everything (not "0 added")."""
    missing = dict(env, MINDPRINT_MODEL_DIR=str(Path(env["MINDPRINT_HOME"]) / "no-model"))
    history = str(REPO / "examples" / "demo_history.jsonl")
    r = mindprint(missing, "import", history, "--user", "ana", ok=False)
    assert r.returncode != 0
    assert "Nothing was imported" in r.stderr and "--no-build" in r.stderr
    assert "ana" not in mindprint(env, "users").stdout
    stored = mindprint(missing, "import", history, "--user", "ana", "--no-build", "--json")
    assert json.loads(stored.stdout)["added"] == 48
    built = json.loads(mindprint(env, "import", history, "--user", "ana", "--json").stdout)
    assert built["added"] == 0 and built["build"]["items"] == 48
