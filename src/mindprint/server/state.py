"""What every request shares: the lazily created app and per-user locks.

The app is never built at start-up, so the MCP handshake and ``tools/list`` never wait
for the database or the embedding model. Once the client has initialized, a background
thread builds it and loads the model (:meth:`ServerState.warm_up`), so the first tool
call finds them ready instead of paying for the imports and the model load itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver.exceptions import ToolError

from mindprint.errors import MindprintError
from mindprint.server.auth import effective_user

if TYPE_CHECKING:
    from mindprint.app import Mindprint

log = logging.getLogger("mindprint.server")

_IDLE_POLL_S = 0.05

AppFactory = Callable[[], "Mindprint"]


class ServerState:
    """The lifespan object: one per server process (one per in-memory test client)."""

    def __init__(self, factory: AppFactory) -> None:
        self._factory = factory
        self._app: Mindprint | None = None
        self._lock = threading.Lock()
        self._user_locks: dict[str, threading.RLock] = {}
        self._warming: threading.Thread | None = None
        self._calls = 0  # tool calls in flight: the model load waits for none

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

    def warm_up(self) -> None:
        """Build the app and load the embedding model in a background thread, once."""
        with self._lock:
            if self._warming is not None:
                return
            self._warming = threading.Thread(target=self._warm, name="mindprint-warm-up", daemon=True)
            self._warming.start()

    def _warm(self) -> None:
        try:
            app = self.app()
            # The model load takes the CPU for a while: not while a call (which may not
            # need the model) runs. A call that needs it meanwhile loads it itself.
            while self._calls:
                time.sleep(_IDLE_POLL_S)
            # One short text loads the model and its tokenizer. A failure (no model yet,
            # an unusable database) is left for the first call that needs them to report.
            app.embedder.embed(["warm up"])
            app.retrieval.warm()
            log.info("Warm-up done: the app is open and the embedding model loaded.")
        except MindprintError as e:
            log.info("Warm-up stopped: %s", e)

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
        with self._lock:
            self._calls += 1
        try:
            requested = effective_user(user_id)
            app = self.app()
            uid = app.user(requested)
            with self.user_lock(uid):
                yield app, uid
        except MindprintError as e:
            raise ToolError(str(e)) from e
        finally:
            with self._lock:
                self._calls -= 1

    def close(self) -> None:
        if self._warming is not None:
            self._warming.join()  # bounded: the app's creation and one model load
        with self._lock:
            app, self._app = self._app, None
        if app is not None:
            app.close()


class WarmUp(ServerMiddleware[Any]):
    """Starts :meth:`ServerState.warm_up` once the first request after ``initialize`` is
    answered (``tools/list`` as clients connect, or any request of a protocol version
    without a handshake): the imports and the model load then never compete with the
    handshake or the listing. Later messages pass straight through."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        try:
            return await call_next(ctx)
        finally:
            state = ctx.lifespan_context
            if ctx.request_id is not None and ctx.method != "initialize" and isinstance(state, ServerState):
                state.warm_up()
