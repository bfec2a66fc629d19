"""The stdio transport, with an answer for every request the SDK cannot decode.

The SDK's stdio reader hands a line it cannot parse (a lone UTF-16 surrogate escape,
nesting past its recursion limit, broken JSON) to the server as an exception, which
is logged and dropped: the client that sent it waits for a reply forever. Here such a
line gets a JSON-RPC error with the request's id, recovered as far as possible.
"""

from __future__ import annotations

import json
import logging
import re
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError
from pydantic import ValidationError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from mcp.shared._stream_protocols import ReadStream, WriteStream

log = logging.getLogger("mindprint.server")

# The id of a request whose body cannot be parsed: a top-level "id" usually comes
# before "params", so the first one in the line is taken.
_ID = re.compile(r'"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,200}")')


def _request_id(raw: Any) -> tuple[str | int | None, bool]:
    """(id, is a notification) of the raw line or value the SDK could not validate."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)  # accepts lone surrogates, unlike the SDK's parser
        except (ValueError, RecursionError):
            match = _ID.search(raw[:65_536])
            if match is None:
                return None, False
            try:
                value = json.loads(match.group(1))
            except ValueError:
                return None, False
            return (value if isinstance(value, (str, int)) else None), False
    if not isinstance(raw, dict):
        return None, False
    rid = raw.get("id")
    if "id" not in raw and "method" in raw:
        return None, True  # a notification: JSON-RPC sends no reply
    return (rid if isinstance(rid, (str, int)) and not isinstance(rid, bool) else None), False


def error_reply(exc: Exception) -> SessionMessage | None:
    """The JSON-RPC error for an undecodable line, or None (not a decoding failure, or
    a notification, which gets no reply)."""
    if not isinstance(exc, ValidationError) or not exc.errors():
        return None
    first = exc.errors()[0]
    rid, notification = _request_id(first.get("input"))
    if notification:
        return None
    parse = first.get("type") == "json_invalid"
    reason = str(first.get("msg", "invalid message"))
    message = (
        f"The request could not be decoded ({reason}). Send one JSON-RPC object per line, "
        "in UTF-8 without lone surrogate escapes, nested fewer than 200 levels deep."
        if parse else f"The message is not a valid JSON-RPC request ({reason})."
    )
    code = PARSE_ERROR if parse else INVALID_REQUEST
    return SessionMessage(JSONRPCError(jsonrpc="2.0", id=rid, error=ErrorData(code=code, message=message)))


class AnsweringReader:
    """The SDK's read stream, answering undecodable lines instead of passing them on."""

    def __init__(
        self, inner: ReadStream[SessionMessage | Exception], write: WriteStream[SessionMessage]
    ) -> None:
        self._inner = inner
        self._write = write

    @property
    def last_context(self) -> Any:
        # The SDK restores the sender's context from here (see mcp.shared._context_streams).
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> SessionMessage | Exception:
        while True:
            item = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            reply = error_reply(item)
            if reply is None:
                return item
            log.warning("Answered an undecodable request with an error: %s", reply.message)
            await self._write.send(reply)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> AnsweringReader:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> AnsweringReader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        await self.aclose()
        return None


async def run_stdio(mcp: MCPServer[Any]) -> None:
    """What ``MCPServer.run_stdio_async`` does, with the answering reader in between."""
    # The SDK has no public handle on the low-level server that run_stdio_async uses.
    low = mcp._lowlevel_server
    async with stdio_server() as (read, write):
        await low.run(AnsweringReader(read, write), write, low.create_initialization_options())
