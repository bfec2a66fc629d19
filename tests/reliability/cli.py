"""Running the real `mindprint` command line in a child process, for the attack tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from tests.server.support import MINDPRINT_BIN


def run_cli(
    env: dict[str, str], *args: str, preexec: Callable[[], None] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`mindprint ARGS` with only ``env`` (plus PATH); never raises on a non-zero exit."""
    return subprocess.run(
        [MINDPRINT_BIN, *args], env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True, text=True, timeout=timeout, check=False, preexec_fn=preexec,
    )


def assert_clean_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """A failed command that explained itself on stderr, without a traceback."""
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr[-4000:])
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr, proc.stderr[-4000:]
    text = " ".join(proc.stderr.split())
    for needle in needles:
        assert needle in text, text
    return text
