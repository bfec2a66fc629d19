"""HTTP guards around the SDK's streamable-HTTP app: the DNS-rebinding settings and a
cap on the sessions one bearer token may hold open.

Without the cap, one token holder can open sessions up to the SDK's global limit
(10,000, each idle for 30 minutes) and every other tenant gets ``503`` meanwhile.
"""

from __future__ import annotations

import json
import logging
from collections import Counter

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mindprint.server.auth import is_loopback

log = logging.getLogger("mindprint.server")

# The names a browser on this machine uses for loopback, besides the bound spelling.
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def transport_security(host: str) -> TransportSecuritySettings:
    """Host/Origin checks for a server bound to ``host``, always passed explicitly.

    The SDK turns them on by itself only for exactly ``127.0.0.1``, ``localhost`` and
    ``::1``; any other loopback spelling (``127.0.0.2``, ``LOCALHOST``, ``0:0::1``)
    would let a web page rebind its own domain to the server. Off a loopback address
    the bearer token protects: a rebinding page cannot attach it.
    """
    if not is_loopback(host):
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    bound = host.strip().strip("[]")
    spelled = f"[{bound}]" if ":" in bound else bound
    names = sorted({*_LOOPBACK_NAMES, spelled, spelled.lower()})
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{n}:*" for n in names] + names,
        allowed_origins=[f"http://{n}:*" for n in names] + [f"http://{n}" for n in names],
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _token_key(authorization: str | None) -> str:
    """The bearer token itself: the scheme's spelling ("Bearer", "bearer", "BEARER") is
    not a way to get more sessions."""
    if authorization is None:
        return ""
    if authorization[:7].lower() == "bearer ":
        return authorization[7:]
    return authorization


class SessionCap:
    """ASGI wrapper refusing a token's new session while it holds ``per_token`` open ones.

    Sessions are counted from the SDK's own table of open sessions, so a session that
    idles out, crashes or is closed with DELETE frees its place at once.
    """

    def __init__(self, app: ASGIApp, manager: StreamableHTTPSessionManager, per_token: int) -> None:
        self.app = app
        self.manager = manager
        self.per_token = per_token
        self._owned: dict[str, set[str]] = {}
        # Opening requests still in flight (not yet answered with a session id).
        self._opening: Counter[str] = Counter()

    def _open(self, key: str) -> int:
        # Read-only use of the manager's session table: the SDK has no public view of it.
        live = self._owned.get(key, set()) & set(self.manager._server_instances)
        self._owned[key] = live
        return len(live) + self._opening[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        opening = (
            scope["type"] == "http" and scope.get("method") == "POST"
            and _header(scope, b"mcp-session-id") is None
        )
        if not opening:
            await self.app(scope, receive, send)
            return
        key = _token_key(_header(scope, b"authorization"))
        # No await between the count and the increment: concurrent openings of one
        # token cannot all pass the check.
        if self._open(key) >= self.per_token:
            await self._refuse(send)
            return
        self._opening[key] += 1
        created: list[str] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                sid = dict(message.get("headers", [])).get(b"mcp-session-id")
                if sid:
                    created.append(bytes(sid).decode("latin-1"))
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self._opening[key] -= 1
            if created:
                self._owned.setdefault(key, set()).update(created)

    async def _refuse(self, send: Send) -> None:
        log.warning("Refusing a new session: the token already holds %d open sessions.", self.per_token)
        body = json.dumps({
            "jsonrpc": "2.0", "id": None,
            "error": {"code": -32600, "message": (
                f"This token already has {self.per_token} open MCP sessions, the limit "
                "(MINDPRINT_SESSIONS_PER_TOKEN). Close one (HTTP DELETE with its "
                "mcp-session-id) or reuse it; idle sessions close after 30 minutes."
            )},
        }).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"60"),
        ]})
        await send({"type": "http.response.body", "body": body})
