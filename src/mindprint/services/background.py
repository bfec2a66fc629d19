"""Work done after a call has returned: a model refresh, a backtest. One runner per app,
so closing the app (or a test) waits for all of it, and a job already running for a user
is not started twice."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mindprint.errors import UnknownUserError, UserChangedError

log = logging.getLogger("mindprint")


class Background:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str], threading.Thread] = {}

    def once(self, job: str, user_id: str, fn: Callable[[], object]) -> None:
        """Run ``fn`` in a thread unless ``job`` is already running for ``user_id``."""
        key = (job, user_id)
        with self._lock:
            if key in self._running:
                return
            t = threading.Thread(target=self._run, args=(key, fn), daemon=True,
                                 name=f"mindprint-{job}-{user_id}")
            self._running[key] = t
        t.start()

    def _run(self, key: tuple[str, str], fn: Callable[[], object]) -> None:
        try:
            fn()
        except (UnknownUserError, UserChangedError) as e:
            # Forgotten by another call or process meanwhile: nothing left to do.
            log.info("Background %s of %r stopped: %s", key[0], key[1], e)
        finally:
            with self._lock:
                self._running.pop(key, None)

    def wait_idle(self, timeout: float = 120.0) -> None:
        """Wait until no job runs (a job may start another: a refresh, then a backtest)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                threads = list(self._running.values())
            if not threads:
                return
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
