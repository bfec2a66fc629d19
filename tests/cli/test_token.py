"""`mindprint token new` and the README's token example (issue 15)."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mindprint.cli.main import app
from mindprint.errors import ConfigError
from mindprint.server.auth import MIN_TOKEN_CHARS, load_tokens

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_token_new_writes_a_private_file_the_server_accepts(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tokens.json"
    first = runner.invoke(app, ["token", "new", "--user", "alice", "--tokens-file", str(path)])
    assert first.exit_code == 0, first.output
    token = first.stdout.strip()
    assert len(token) >= MIN_TOKEN_CHARS and "\n" not in token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = runner.invoke(app, ["token", "new", "-u", "bob", "--tokens-file", str(path)])
    assert second.exit_code == 0, second.output
    tokens = load_tokens(path)  # what `serve --transport http` reads
    assert tokens == {token: "alice", second.stdout.strip(): "bob"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_token_new_defaults_to_the_home_tokens_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINDPRINT_TOKENS_FILE", raising=False)
    monkeypatch.setenv("MINDPRINT_HOME", str(tmp_path))
    r = runner.invoke(app, ["token", "new", "--user", "carol"])
    assert r.exit_code == 0, r.output
    assert load_tokens(tmp_path / "tokens.json") == {r.stdout.strip(): "carol"}


def test_a_broken_tokens_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"short": "alice"}')
    path.chmod(0o600)  # refused for its content, not its mode
    r = runner.invoke(app, ["token", "new", "--user", "alice", "--tokens-file", str(path)])
    assert r.exit_code != 0 and isinstance(r.exception, ConfigError)
    assert path.read_text() == '{"short": "alice"}'
    bad_user = runner.invoke(app, ["token", "new", "--user", " ", "--tokens-file", str(tmp_path / "t.json")])
    assert bad_user.exit_code != 0 and not (tmp_path / "t.json").exists()


def test_the_readme_token_example_is_accepted(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r'`(\{"[^`]+"\})`', readme[readme.index("**Over HTTP**"):])
    assert examples, "the README shows a tokens file example"
    for example in examples:
        path = tmp_path / "tokens.json"
        path.write_text(example)
        path.chmod(0o600)  # as `mindprint token new` writes it; a shared file is refused
        assert load_tokens(path) == json.loads(example)
