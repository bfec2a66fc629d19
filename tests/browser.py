"""Finding the Chromium (or Chrome) the dashboard's browser tests drive.

    python -m tests.browser            # print the browser found, or what to install
    python -m tests.browser --install  # `make browser`: on Debian-like systems, apt-get it

Standard library only: ``make`` runs it before the tests. ``MINDPRINT_CHROMIUM`` wins;
then the usual names on PATH, then the usual macOS application folders.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MAC_APPS = (
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome.app/Contents/MacOS/Google Chrome",
)


def find_chromium() -> str | None:
    """The browser binary to drive, or None."""
    configured = os.environ.get("MINDPRINT_CHROMIUM", "").strip()
    if configured:
        return configured
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    if platform.system() == "Darwin":
        for folder in (Path("/Applications"), Path.home() / "Applications"):
            for app in MAC_APPS:
                if (folder / app).is_file():
                    return str(folder / app)
    return None


def debian_like(os_release: Path = Path("/etc/os-release")) -> bool:
    """Debian, Ubuntu and their derivatives (ID or ID_LIKE), with apt-get present."""
    if shutil.which("apt-get") is None:
        return False
    try:
        text = os_release.read_text(encoding="utf-8")
    except OSError:
        return Path("/etc/debian_version").is_file()
    ids: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip('"').lower().split())
    return bool(ids & {"debian", "ubuntu"})


def what_to_do() -> str:
    """The exact step for this system, when no browser was found."""
    system = platform.system()
    if system == "Darwin":
        step = ("install Chromium (`brew install --cask chromium`) or Google Chrome "
                "(https://www.google.com/chrome/)")
    elif system == "Linux" and debian_like():
        step = "run `sudo apt-get install -y chromium`"
    elif system == "Linux":
        step = ("install Chromium with your package manager (Fedora: `sudo dnf install "
                "chromium`; Arch: `sudo pacman -S chromium`; openSUSE: `sudo zypper install "
                "chromium`)")
    else:
        step = "install Chromium or Google Chrome"
    return (f"No Chromium or Chrome found for the browser tests: {step}, or set "
            "MINDPRINT_CHROMIUM to the browser's executable.")


def install() -> int:
    """Install Debian's chromium with apt where that is the system's way; else explain."""
    if find_chromium() is not None:
        return 0
    if platform.system() != "Linux" or not debian_like():
        sys.stderr.write(what_to_do() + "\n")
        return 1
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("installing chromium for the browser tests", flush=True)
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run([*sudo, *cmd], check=False).returncode != 0:
            sys.stderr.write(what_to_do() + "\n")
            return 1
    return 0 if find_chromium() is not None else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="apt-get it on Debian-like systems")
    args = parser.parse_args(argv)
    if args.install:
        return install()
    found = find_chromium()
    print(found or what_to_do())
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())
