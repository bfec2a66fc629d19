"""A new person's first minutes through the real `mindprint serve` process and the real
MCP client: a welcome instead of an error, the import command it prints run as printed,
store errors that name the database, and the model warmed up once the client connected."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.server.support import MINDPRINT_BIN, REPO, call_err, call_ok, output_schema

NEW = "newcomer"
QUERY = "Review request: a 300 g rain jacket for $180, pit zips, 10k waterproofing."


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    """A server on a database that does not exist yet, as at a person's first start."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "MINDPRINT_HOME": str(tmp_path / "home"),
        "MINDPRINT_DB": str(tmp_path / "first start" / "mindprint.db"),  # a space, to quote
        "MINDPRINT_USER": NEW,
        "MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"],
        "HF_HUB_OFFLINE": "1",
        "MINDPRINT_AUTO_INSTALL_MODEL": "0",
        "MINDPRINT_LOG_LEVEL": "INFO",
    }


@asynccontextmanager
async def _client(env: dict[str, str], log: Path) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env)
    with log.open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as c:
            yield c


def _tokens(result: dict[str, Any]) -> float:
    """Approximate tokens of what the client receives: text and structured content."""
    return 2 * len(json.dumps(result, ensure_ascii=False, separators=(",", ":"))) / 4


@pytest.mark.anyio
@pytest.mark.usefixtures("real_embedder")
async def test_a_new_person_is_welcomed_and_the_printed_import_command_works(
    fresh_env: dict[str, str], tmp_path: Path, anyio_backend: str
) -> None:
    db = fresh_env["MINDPRINT_DB"]
    async with _client(fresh_env, tmp_path / "server.log") as c:
        factors = await call_ok(c, "get_user_factors", {})  # success, valid against its schema
        paths = await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY})
        # Bad input is still refused for a new person.
        assert "query is empty" in await call_err(c, "retrieve_reasoning_paths", {"query": " "})
    assert factors["user_id"] == NEW and factors["history_size"] == 0 and factors["factors"] == []
    assert not factors["built"] and paths["items"] == [] and paths["welcome"] == factors["welcome"]
    welcome = factors["welcome"]
    for what in (f"'{NEW}'", db, "record_feedback", "reasons they judge", "import"):
        assert what in welcome, what
    assert _tokens(factors) < 1_000 and _tokens(paths) < 1_000

    # The command on the welcome's last line, run as printed (an export in place of
    # the placeholder), imports into the server's database: the server then knows them.
    command = welcome.splitlines()[-1]
    argv = shlex.split(command.replace("path/to/export.zip", str(REPO / "examples" / "demo_history.jsonl")))
    ran = shutil.which(argv[0], path=fresh_env["PATH"]) or argv[0]
    assert Path(ran).resolve() == Path(MINDPRINT_BIN).resolve() and argv[1:3] == ["--db", db]
    env = {k: v for k, v in fresh_env.items() if k != "MINDPRINT_DB"}  # the command alone says where
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    async with _client(fresh_env, tmp_path / "server.log") as c:
        known = await call_ok(c, "get_user_factors", {})
    assert known["history_size"] == 48 and known["built"] and known["factors"]
    assert "welcome" not in known


@pytest.mark.anyio
async def test_record_feedback_starts_learning_for_a_new_person(
    fresh_env: dict[str, str], tmp_path: Path, anyio_backend: str
) -> None:
    async with _client(fresh_env, tmp_path / "server.log") as c:
        receipt = await call_ok(c, "record_feedback", {
            "query": QUERY, "response": "4/5: light, but the zips leak in a downpour.", "rating": 4})
        assert receipt["new_item"] and receipt["history_size"] == 1
        paths = await call_ok(c, "retrieve_reasoning_paths", {"query": QUERY})
        factors = await call_ok(c, "get_user_factors", {})
    assert [h["item_id"] for h in paths["items"]] == [receipt["item_id"]] and "welcome" not in paths
    assert factors["history_size"] == 1 and "welcome" not in factors


@pytest.mark.anyio
async def test_store_errors_name_the_database_file(
    fresh_env: dict[str, str], tmp_path: Path, anyio_backend: str
) -> None:
    async with _client(fresh_env, tmp_path / "server.log") as c:
        for name, args in (("rewrite_for_user", {"draft": "A generic draft answer."}),
                           ("export_user", {})):
            message = await call_err(c, name, args)
            assert f"Unknown user '{NEW}'" in message and fresh_env["MINDPRINT_DB"] in message
            assert "mindprint where" in message
        schema = await output_schema(c, "get_user_factors")
    # The welcome travels outside the declared fields, which still validate.
    jsonschema.Draft202012Validator(schema).validate(
        {"user_id": NEW, "history_size": 0, "built": False, "factors": [], "welcome": "hi"})


def test_the_model_is_loaded_once_the_client_has_listed_the_tools(
    fresh_env: dict[str, str], tmp_path: Path
) -> None:
    """No tool call at all: the app opens and the model loads in the background after
    tools/list, so a client's first call finds them ready."""
    from tests.server.test_run import RawStdio, assert_only_jsonrpc

    s = RawStdio(fresh_env)
    try:
        s.initialize()
        assert s.request("tools/list")["result"]["tools"]
        deadline = time.monotonic() + 120
        while not any("Warm-up done" in line for line in s.stderr):
            assert time.monotonic() < deadline, "".join(s.stderr)
            time.sleep(0.1)
    finally:
        assert s.close() == 0
    log = "".join(s.stderr)
    assert log.index("Opening the mindprint app") < log.index("Warm-up done")
    assert Path(fresh_env["MINDPRINT_DB"]).is_file()
    assert_only_jsonrpc(s.lines)
