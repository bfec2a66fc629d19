"""What every request shares: the lazily created app and per-user locks.

The app is built on the first tool call, not at start-up, so the MCP handshake and
``tools/list`` never wait for the database or the embedding model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mcp.server.mcpserver.exceptions import ToolError

from mindprint.errors import MindprintError
from mindprint.server.auth import effective_user

if TYPE_CHECKING:
    from mindprint.app import Mindprint

log = logging.getLogger("mindprint.server")

AppFactory = Callable[[], "Mindprint"]


class ServerState:
    """The lifespan object: one per server process (one per in-memory test client)."""

    def __init__(self, factory: AppFactory) -> None:
        self._factory = factory
        self._app: Mindprint | None = None
        self._lock = threading.Lock()
        self._user_locks: dict[str, threading.RLock] = {}

    def app(self) -> Mindprint:
        # Tool calls run on worker threads: two first calls must not build two apps.
        app = self._app
        if app is not None:
            return app
        with self._lock:
            if self._app is None:
                log.info("Opening the mindprint app (first use).")
                self._app = self._factory()
            return self._app

    @property
    def started(self) -> bool:
        return self._app is not None

    @contextmanager
    def user_lock(self, user_id: str) -> Iterator[None]:
        """Serialise calls on one user.

        The app keeps a per-user cache (vectors, corpus statistics) that
        ``record_feedback`` updates in place while ``retrieve`` reads it; the Store's
        lock guards only the database. Calls for different users still run in
        parallel, and embedding is serialised by the embedder anyway, so this costs
        little.
        """
        with self._lock:
            lock = self._user_locks.setdefault(user_id, threading.RLock())
        with lock:
            yield

    @contextmanager
    def call(self, user_id: str | None) -> Iterator[tuple[Mindprint, str]]:
        """The frame of every tool: identity check, validation, lock, clean errors.

        Yields the app and the validated user id. Any MindprintError inside becomes a
        ToolError carrying its message, so the model sees what to fix and no traceback.
        """
        try:
            requested = effective_user(user_id)
            app = self.app()
            uid = app.user(requested)
            with self.user_lock(uid):
                yield app, uid
        except MindprintError as e:
            raise ToolError(str(e)) from e

    def close(self) -> None:
        with self._lock:
            app, self._app = self._app, None
        if app is not None:
            app.close()
