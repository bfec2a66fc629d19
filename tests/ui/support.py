"""Helpers of the dashboard tests: start `mindprint ui`, plant hostile texts, find
Chromium, and where screenshots go."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mindprint.engine.protocols import Embedder
from tests.server.support import MINDPRINT_BIN, REPO

# Screenshots of every page at 1280x800: part of the test output (CI keeps it).
SHOTS = Path(os.environ.get("MINDPRINT_TEST_OUTPUT", REPO / "test-output")) / "ui"
SCRIPT = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
HOSTILE_INPUT = f"Review request: {SCRIPT} the Hostile Gaiter, 90 g, $30."
HOSTILE_COMMENT = f"too long {SCRIPT}"


@dataclass(frozen=True, slots=True)
class Dashboard:
    url: str  # the printed link, token included
    db: Path
    env: dict[str, str]

    @property
    def origin(self) -> str:
        p = urlsplit(self.url)
        return f"{p.scheme}://{p.netloc}"

    @property
    def token(self) -> str:
        return urlsplit(self.url).query.removeprefix("token=")

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)


def chromium_path() -> str | None:
    return os.environ.get("MINDPRINT_CHROMIUM") or shutil.which("chromium")


def start_ui(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    """A `mindprint ui --no-open` process and the link it printed."""
    proc = subprocess.Popen(
        [MINDPRINT_BIN, "ui", "--no-open", *args], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("mindprint dashboard: "):
        proc.kill()
        raise AssertionError(f"mindprint ui printed {line!r}; stderr: {proc.communicate()[1]}")
    return proc, line.split(": ", 1)[1].strip()


def stop(proc: subprocess.Popen[str]) -> str:
    """End the process and close its pipes; its stderr."""
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def hostile_history(db: Path, embedder: Embedder) -> None:
    """An item and a feedback comment holding markup that must never run."""
    from mindprint.app import Mindprint
    from mindprint.store import NewItem, Store

    m = Mindprint(Store.open(db), embedder, default_user="rui")
    try:
        m.add_items("rui", [NewItem(HOSTILE_INPUT, f"fine {SCRIPT} 3/5", score=3.0)])
        m.record_feedback("rui", "Shorter please", "A long answer.", rating=2,
                          comment=HOSTILE_COMMENT)
        m.wait_idle()
    finally:
        m.close()
