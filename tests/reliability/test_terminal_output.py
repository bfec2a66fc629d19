"""Stored text printed by the CLI (issue 19, finding 10): terminal escapes in history
(OSC 52 clipboard writes, OSC 8 links, screen clears, C1 CSI) are shown escaped, never
sent to the terminal, and ``[...]`` in the text is shown, never read as Rich markup."""

from __future__ import annotations

import json
from pathlib import Path

from tests.reliability.cli import run_cli

HOSTILE = [
    ("clip", "copy this \x1b]52;c;cm0gLXJmIH4=\x07 please"),
    ("link", "see \x1b]8;;http://evil.example\x1b\\here\x1b]8;;\x1b\\ now"),
    ("clear", "\x1b[2J\x1b[Hscreen gone"),
    ("csi", "one-byte \x9b31m csi"),
    ("markup", "[bold red]shout[/] [link=http://x.example]go[/link]"),
]
ESCAPES = ("\x1b", "\x07", "\x9b")


def _check(stdout: str) -> None:
    for ch in ESCAPES:
        assert ch not in stdout, f"raw {ch!r} reached the terminal: {stdout!r}"


def test_history_and_retrieve_show_stored_text_inert(child_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps({"input": f"about {k}", "output": v, "label": k}) + "\n"
                            for k, v in HOSTILE), encoding="utf-8")
    env = {**child_env, "COLUMNS": "400"}  # one table row per line, nothing wrapped
    imported = run_cli(env, "import", str(path), "--user", "[blink]eve[/blink]", "--build")
    assert imported.returncode == 0, imported.stderr[-3000:]
    _check(imported.stdout)
    assert "[blink]eve[/blink]" in imported.stdout

    shown = run_cli(env, "history", "--user", "[blink]eve[/blink]")
    assert shown.returncode == 0, shown.stderr[-3000:]
    _check(shown.stdout)
    assert "[bold red]shout[/]" in shown.stdout and "[link=http://x.example]go[/link]" in shown.stdout
    assert "\\x1b]52;c;cm0gLXJmIH4=\\x07" in shown.stdout  # visible, as an escape
    assert "\\x9b31m" in shown.stdout

    found = run_cli(env, "retrieve", "screen gone, copy this", "--user", "[blink]eve[/blink]", "-k", "5")
    assert found.returncode == 0, found.stderr[-3000:]
    _check(found.stdout)
    assert "[bold red]shout[/]" in found.stdout

    missing = run_cli(env, "history", "--user", "[red]nobody[/red]")
    assert missing.returncode == 1 and "[red]nobody[/red]" in missing.stderr
