"""``mindprint serve``: run the server over stdio (default) or streamable HTTP.

stdout belongs to the protocol on stdio, so logging goes to stderr and is configured
before the MCPServer is built (the SDK installs its own Rich handler otherwise).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path

from mindprint.errors import ConfigError, MindprintError
from mindprint.settings import ServerSettings

log = logging.getLogger("mindprint.server")


def configure_logging(level: str) -> None:
    lvl = logging.getLevelName(level.strip().upper())
    if not isinstance(lvl, int):
        raise ConfigError(
            f"MINDPRINT_LOG_LEVEL={level!r} is not a log level; use DEBUG, INFO, WARNING or ERROR."
        )
    logging.basicConfig(
        level=lvl,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


# Variables a launcher may pass through unset: Claude Desktop bundles fill optional
# user_config fields with "" (or leave the placeholder), which settings would read as
# real values, e.g. MINDPRINT_DB="" as the current directory.
_PASSTHROUGH = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL")
_PLACEHOLDER = re.compile(r"^\$\{[^}]*\}$")
_dropped: set[str] = set()  # for the log line, once logging is configured


def drop_empty_settings(environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Remove empty or unsubstituted settings from the environment; returns their names."""
    names = [
        k for k, v in environ.items()
        if (k.startswith("MINDPRINT_") or k in _PASSTHROUGH)
        and (not v.strip() or _PLACEHOLDER.match(v.strip()))
    ]
    for k in names:
        del environ[k]
    _dropped.update(names)
    return names


def serve(transport: str, host: str, port: int, tokens_file: Path | None, no_auth: bool) -> None:
    """Serve until the client disconnects (stdio) or the process is stopped (HTTP).

    Raises ConfigError, before anything binds, for an unsafe or incomplete HTTP setup.
    """
    drop_empty_settings()
    settings = ServerSettings()
    configure_logging(settings.log_level)
    if _dropped:
        log.info("Ignoring empty settings: %s", ", ".join(sorted(_dropped)))
    kind = transport.strip().lower()
    if kind not in ("stdio", "http"):
        raise ConfigError(f"Unknown transport {transport!r}: use stdio or http.")
    # A refused HTTP setup is refused before anything starts (the model install included).
    tokens_file = (tokens_file or _default_tokens(settings, no_auth)) if kind == "http" else None
    tokens = _http_tokens(host, tokens_file, no_auth=no_auth) if kind == "http" else {}
    if settings.auto_install_model:
        from mindprint.server import provision
        from mindprint.settings import EmbeddingSettings

        provision.start(EmbeddingSettings().resolved_model_dir)
    if kind == "stdio":
        _serve_stdio()
    else:
        _serve_http(host, port, tokens, tokens_file, no_auth=no_auth)


def _default_tokens(settings: ServerSettings, no_auth: bool) -> Path | None:
    """The tokens file `mindprint token new` wrote (MINDPRINT_TOKENS_FILE, else
    HOME/tokens.json); without one, how to make it."""
    path = settings.default_tokens_file.expanduser()
    if no_auth or path.exists():
        return path if path.exists() else None
    raise ConfigError(
        f"HTTP serving needs bearer tokens, and there is no tokens file at {path}. Make one "
        "(it prints the token for the client's Authorization header) with:\n"
        "  mindprint token new --user <you>\n"
        "then run this command again (or pass --tokens-file FILE). For a local test on "
        "127.0.0.1 only, pass --no-auth."
    )


def _serve_stdio() -> None:
    from mindprint.server.server import build_server

    # While the SDK serves stdio, fd 1 points at stderr and the wire is a private
    # duplicate; a print() still in Python's buffer when serving ends would be flushed
    # onto the wire. Line buffering sends any stray line out (to stderr) at once.
    sys.stdout.flush()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    import anyio

    from mindprint.server.stdio import run_stdio

    mcp = build_server(warm_up=True)
    with contextlib.suppress(KeyboardInterrupt):
        anyio.run(run_stdio, mcp)


def _http_tokens(host: str, tokens_file: Path | None, *, no_auth: bool) -> dict[str, str]:
    """The bearer tokens to serve with, once the setup is known to be safe."""
    from mindprint.server.auth import check_http_security, load_tokens

    tokens: dict[str, str] = {}
    if no_auth:
        if tokens_file is not None:
            log.warning("--no-auth: ignoring the tokens file %s.", tokens_file)
    elif tokens_file is not None:
        tokens = load_tokens(tokens_file)
    check_http_security(host, no_auth=no_auth, has_tokens=bool(tokens))
    return tokens


def _serve_http(host: str, port: int, tokens: dict[str, str], tokens_file: Path | None, *,
                no_auth: bool) -> None:
    from mindprint.server.auth import StaticTokens, require_bearer
    from mindprint.server.server import build_server
    from mindprint.server.sessions import SessionCap, transport_security

    verifier = None if no_auth else StaticTokens(tokens)
    mcp = build_server(token_verifier=verifier, warm_up=True)
    # Rebinding settings passed explicitly for every loopback spelling (the SDK's own
    # guard covers only three); elsewhere the bearer token is the protection.
    starlette_app = mcp.streamable_http_app(host=host, transport_security=transport_security(host))
    if verifier is not None:
        require_bearer(starlette_app, verifier)
    app = SessionCap(starlette_app, mcp.session_manager, ServerSettings().sessions_per_token)
    auth = ("no auth (loopback only)" if no_auth
            else f"bearer auth, {len(set(tokens.values()))} users, tokens from {tokens_file}")
    where = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"mindprint MCP server on http://{where}:{port}/mcp ({auth})\n")

    import uvicorn

    # log_config=None: uvicorn logs through our stderr handler instead of its own config.
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def main() -> None:
    """``python -m mindprint.server``: serve as the MINDPRINT_* settings say (the bundle's
    entry point, and a way to run without the CLI)."""
    drop_empty_settings()
    s = ServerSettings()
    try:
        serve(s.transport, s.host, s.port, s.tokens_file, no_auth=False)
    except MindprintError as e:
        sys.stderr.write(f"error: {e}\n")
        raise SystemExit(1) from None
