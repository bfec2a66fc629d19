"""Who is calling: bearer tokens for HTTP, and the rule that a token reaches only its user.

Policy (issue 8): on HTTP every token maps to exactly one user id. A call that names a
*different* user is rejected with an error rather than silently redirected, so a
confused or hostile client learns it cannot reach other users instead of believing it
read or wrote the user it named. On stdio and in-memory there is no token: the local
person owns the whole database and may name any user.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import stat
from pathlib import Path

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from mindprint.errors import ConfigError, InvalidInputError
from mindprint.locations import quote

log = logging.getLogger("mindprint.server")

# Short tokens can be guessed over a network; 16 characters of `secrets.token_urlsafe`
# are ~96 bits.
MIN_TOKEN_CHARS = 16


class ForbiddenUserError(InvalidInputError):
    """A bearer token tried to reach a user other than its own."""

    def __init__(self, own: str, requested: str) -> None:
        super().__init__(
            f"This connection's token belongs to user {own!r} and cannot read or write user "
            f"{requested!r}. Omit user_id (it defaults to the token's user)."
        )


class StaticTokens(TokenVerifier):
    """Bearer tokens from a file, each mapped to one user id."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self._tokens = dict(tokens)

    async def verify_token(self, token: str) -> AccessToken | None:
        # Compare against every token in constant time: a dict lookup would leak,
        # through timing, how much of a guessed token is right.
        match: str | None = None
        for known, user in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                match = user
        if match is None:
            return None
        return AccessToken(token=token, client_id=match, subject=match, scopes=[])


def load_tokens(path: Path) -> dict[str, str]:
    """Read ``{"token": "user_id", ...}``; any defect is a ConfigError naming the fix."""
    path = path.expanduser()
    try:
        raw = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError as e:
        raise ConfigError(
            f"There is no tokens file at {path}. Make it (this prints the token for the "
            f"client's Authorization header) with:\n  mindprint token new --user <you> "
            f"--tokens-file {quote(str(path))}\nor pass --tokens-file (MINDPRINT_TOKENS_FILE) "
            "naming an existing one."
        ) from e
    except OSError as e:
        raise ConfigError(
            f"Cannot read the tokens file {path}: {e.strerror or e}. Pass --tokens-file or set "
            "MINDPRINT_TOKENS_FILE to a JSON file like {\"<token>\": \"<user_id>\"}."
        ) from e
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"The tokens file {path} is not UTF-8 text (byte {e.start}): save it as UTF-8 JSON "
            "like {\"<token>\": \"<user_id>\"}."
        ) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        # Anyone who can read the file can act as every user in it. (Windows reports
        # no group/other bits that mean this; its ACLs are not read here.)
        raise ConfigError(
            f"The tokens file {path} is readable by other users (mode {stat.S_IMODE(mode):04o}); "
            f"restrict it to yourself with: chmod 600 {path}"
        )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError(f"The tokens file {path} is not valid JSON: {e}.") from e
    if not isinstance(data, dict) or not data:
        raise ConfigError(
            f"The tokens file {path} must be a non-empty JSON object mapping each bearer "
            "token to a user id, e.g. {\"<token>\": \"alice\"}."
        )
    tokens: dict[str, str] = {}
    for token, user in data.items():
        if not isinstance(user, str) or not user.strip() or any(ord(c) < 32 for c in user):
            raise ConfigError(f"In {path}, every token must map to a non-empty user id string.")
        if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token):
            raise ConfigError(
                f"In {path}, a token is shorter than {MIN_TOKEN_CHARS} characters or contains "
                "spaces. Generate tokens with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        tokens[token] = user.strip()
    return tokens


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a hostname other than localhost may resolve to anything


def check_http_security(host: str, *, no_auth: bool, has_tokens: bool) -> None:
    """Refuse the HTTP configurations that would expose user data.

    Raises ConfigError *before* anything binds a socket.
    """
    if no_auth and not is_loopback(host):
        raise ConfigError(
            f"Refusing to serve {host!r} without authentication: --no-auth is allowed only on "
            "a loopback address (127.0.0.1, ::1, localhost). Drop --no-auth and pass "
            "--tokens-file FILE to serve other machines."
        )
    if not no_auth and not has_tokens:
        raise ConfigError(
            "HTTP serving needs bearer tokens: pass --tokens-file FILE (or set "
            "MINDPRINT_TOKENS_FILE) with a JSON object {\"<token>\": \"<user_id>\"}. For a "
            "local test on 127.0.0.1 only, pass --no-auth."
        )


def token_user() -> str | None:
    """The user of the bearer token of the current request; None without auth."""
    tok = get_access_token()
    if tok is None:
        return None
    return tok.subject or tok.client_id


def effective_user(requested: str | None) -> str | None:
    """The user a call may act on: the token's user when there is a token.

    Returns ``requested`` unchanged (possibly None, meaning the configured default user)
    when the request carries no token.
    """
    own = token_user()
    if own is None:
        return requested
    if requested is not None and requested.strip() and requested.strip() != own:
        raise ForbiddenUserError(own, requested.strip())
    return own


# What a refused request is told. This server offers no OAuth (RFC 9728 metadata is
# not served), so the 401 names the fix instead of inviting an authorization flow:
# OAuth-capable clients then show "bad token" rather than opening a browser.
TOKEN_MISSING = (
    "No bearer token. This server accepts only static bearer tokens (no OAuth): send "
    "Authorization: Bearer <token>, with a token its operator made with mindprint token new."
)
TOKEN_INVALID = (
    "Invalid bearer token: it is not in this server's tokens file. This server offers no "
    "OAuth: ask its operator for a token (mindprint token new --user <you>)."
)


class BearerGate:
    """ASGI middleware in front of the MCP endpoint: refuses a missing or unknown
    bearer token with a plain RFC 6750 401 saying which, before the SDK's generic one.

    A valid token passes through untouched; the SDK verifies it again and binds the user.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, path: str = "/mcp") -> None:
        self.app = app
        self.verifier = verifier
        self.path = path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        header = ""
        for key, value in scope.get("headers", []):
            if key.lower() == b"authorization":
                header = value.decode("latin-1").strip()
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            await _refuse(send, TOKEN_MISSING)
            return
        if await self.verifier.verify_token(header[7:].strip()) is None:
            await _refuse(send, TOKEN_INVALID)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, description: str) -> None:
    body = json.dumps({"error": "invalid_token", "error_description": description}).encode()
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    await send({
        "type": "http.response.start",
        "status": 401,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", challenge.encode()),
        ],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def require_bearer(app: Starlette, verifier: TokenVerifier) -> Starlette:
    """Put BearerGate in front of the MCP endpoint of ``mcp.streamable_http_app()``."""
    app.add_middleware(BearerGate, verifier=verifier)
    return app
