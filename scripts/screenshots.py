"""Take the README's dashboard screenshots (``docs/screenshots/``) from the demo.

What they show is what `make demo` and `mindprint ui` show anyone: the two fictional
demo people are imported and built into a fresh database in a temporary folder, a
`mindprint ui` process serves each, and headless Chromium (Debian's ``chromium``, or
``MINDPRINT_CHROMIUM``) takes the pictures at 1280 pixels wide:

- ``you.png``: demo-rui's You page (the rated gear reviews), as the page opens;
- ``knows.png``: demo-rui's "How well mindprint knows you";
- ``preferences.png``: what demo-maya told her assistant (the chats), her first cards.

Run from the repository root after changing the dashboard or the demo:

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
BIN = Path(sys.executable).parent / "mindprint"
VIEWPORT = {"width": 1280, "height": 800}
RATED, CHATS = "demo-rui", "demo-maya"
PREFERENCE_CARDS = 5  # the preferences picture stops after this many cards


def dashboard(env: dict[str, str], user: str) -> tuple[subprocess.Popen[str], str]:
    """A `mindprint ui` process for ``user`` and the sign-in link it printed."""
    proc = subprocess.Popen([str(BIN), "ui", "--no-open", "--user", user], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("mindprint dashboard: "):
        proc.kill()
        raise SystemExit(f"mindprint ui printed {line!r}")
    return proc, line.split(": ", 1)[1].strip()


def preferences(page: Page, path: Path) -> None:
    """The You page's preferences section, from its heading to the end of a few cards."""
    section = page.locator("#preferences")
    top = section.bounding_box()
    last = section.locator("article.preference").nth(PREFERENCE_CARDS - 1).bounding_box()
    assert top is not None and last is not None, "no preferences on the page"
    page.screenshot(path=str(path), full_page=True, clip={
        "x": top["x"] - 8, "y": top["y"] - 8, "width": top["width"] + 16,
        "height": last["y"] + last["height"] - top["y"] + 16})


def main() -> None:
    chromium = os.environ.get("MINDPRINT_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not installed: `apt-get install -y chromium` (or set "
                         "MINDPRINT_CHROMIUM to a Chromium binary).")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        env = {**os.environ, "MINDPRINT_DB": str(Path(tmp) / "mindprint.db")}
        subprocess.run([str(BIN), "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        for user in (RATED, CHATS):
            proc, url = dashboard(env, user)
            try:
                page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
                page.goto(url)
                if user == RATED:
                    page.screenshot(path=str(OUT / "you.png"))
                    page.goto(urljoin(url, "/knows"))
                    page.screenshot(path=str(OUT / "knows.png"))
                else:
                    preferences(page, OUT / "preferences.png")
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=15)
        browser.close()
    print(f"wrote you.png, knows.png and preferences.png in {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
