"""`make test` on any machine: without the evaluation data the tests that read it are left
out with one line saying why (CI makes them fail instead), and the browser tests find
Chromium or Chrome, or say exactly what to install."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from tests import browser

REPO = Path(__file__).resolve().parents[1]


def _pytest(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINDPRINT_")}
    env |= {"MINDPRINT_MODEL_DIR": os.environ["MINDPRINT_MODEL_DIR"], **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_ingest.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_without_the_data_its_tests_are_left_out_with_one_line(tmp_path: Path) -> None:
    r = _pytest({"MINDPRINT_SHARED_DATA": str(tmp_path / "absent")})
    assert r.returncode == 0, r.stdout
    why = [line for line in r.stdout.splitlines() if "evaluation data" in line]
    assert len(why) == 1 and why[0].startswith("SKIPPED 4 tests that read the evaluation data")
    assert str(tmp_path / "absent") in why[0] and "4 deselected" in r.stdout


def test_ci_makes_the_missing_data_a_failure(tmp_path: Path) -> None:
    r = _pytest({"MINDPRINT_SHARED_DATA": str(tmp_path / "absent"), "MINDPRINT_REQUIRE_SHARED_DATA": "1"})
    assert r.returncode != 0 and "MINDPRINT_REQUIRE_SHARED_DATA=1 requires it" in r.stdout
    assert (REPO / ".ci" / "run").read_text().count("export MINDPRINT_REQUIRE_SHARED_DATA=1") == 1


def _executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    return exe


def test_the_browser_is_found_by_setting_then_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("MINDPRINT_CHROMIUM", raising=False)
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    assert browser.find_chromium() is None
    chrome = _executable(tmp_path / "bin", "google-chrome")
    assert browser.find_chromium() == str(chrome)
    chromium = _executable(tmp_path / "bin", "chromium")
    assert browser.find_chromium() == str(chromium)  # chromium first
    monkeypatch.setenv("MINDPRINT_CHROMIUM", "/opt/my/chrome")
    assert browser.find_chromium() == "/opt/my/chrome"


def test_a_mac_application_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("MINDPRINT_CHROMIUM", raising=False)
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    app = _executable(tmp_path / "Applications" / "Google Chrome.app" / "Contents" / "MacOS", "Google Chrome")
    assert browser.find_chromium() == str(app)


@pytest.mark.parametrize(("release", "debian"), [
    ('ID=debian\nVERSION_ID="12"\n', True),
    ('ID=ubuntu\nID_LIKE=debian\n', True),
    ('ID=linuxmint\nID_LIKE="ubuntu debian"\n', True),
    ('ID=fedora\n', False),
    ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', False),
])
def test_apt_only_on_debian_like_systems(
    release: str, debian: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _executable(tmp_path / "bin", "apt-get")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    os_release = tmp_path / "os-release"
    os_release.write_text(release)
    assert browser.debian_like(os_release) is debian
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert browser.debian_like(os_release) is False  # no apt-get, no apt


def test_elsewhere_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("MINDPRINT_CHROMIUM", raising=False)
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    mac = browser.what_to_do()
    assert "brew install --cask chromium" in mac and "MINDPRINT_CHROMIUM" in mac
    assert browser.install() == 1  # nothing installed with apt on a Mac
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    assert "sudo dnf install chromium" in browser.what_to_do()  # no apt-get on PATH
