"""``mindprint token new --user U``: make a bearer token for ``serve --transport http``.

The token is added to the tokens file (created with mode 0600, rewritten atomically,
kept at 0600) and printed once on stdout, so ``TOKEN=$(mindprint token new ...)`` works.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from mindprint.cli.flags import Command, new_app
from mindprint.errors import ConfigError, InvalidInputError
from mindprint.locations import program, quote

token_app = new_app("Bearer tokens for the HTTP server.")


def default_tokens_file() -> Path:
    from mindprint.settings import ServerSettings

    return ServerSettings().default_tokens_file


def add_token(path: Path, user: str) -> str:
    """Add a fresh token for ``user`` to ``path`` and return it.

    An existing file is validated first (a broken one is refused, not overwritten),
    and the new file replaces the old one by rename, so a crash leaves either.
    """
    from mindprint.server.auth import load_tokens

    uid = user.strip()
    if not uid or any(ord(c) < 32 for c in uid):
        raise InvalidInputError("--user must be a non-empty user id without control characters.")
    path = path.expanduser()
    tokens = load_tokens(path) if path.exists() else {}
    token = secrets.token_urlsafe(32)  # 43 characters, ~256 bits
    tokens[token] = uid
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(tokens, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ConfigError(f"Cannot write the tokens file {path}: {e.strerror or e}.") from e
    return token


@token_app.command("new", cls=Command)
def token_new(
    user: Annotated[str, typer.Option("--user", "-u", help="The user this token reads and writes.")],
    tokens_file: Annotated[
        Path | None,
        typer.Option(help="Tokens file (default: MINDPRINT_TOKENS_FILE or MINDPRINT_HOME/tokens.json)."),
    ] = None,
) -> None:
    """Make a bearer token for USER, add it to the tokens file and print it."""
    default = default_tokens_file()
    path = tokens_file or default
    token = add_token(path, user)
    typer.echo(token)
    # Plain lines, never wrapped: the command is meant to be pasted as it is.
    serve = f"{program()} serve --transport http"
    if path.expanduser().resolve() != default.expanduser().resolve():
        serve += f" --tokens-file {quote(str(path))}"
    sys.stderr.write(
        f"Added a token for user {user.strip()!r} to {path} (mode 600). Serve with:\n"
        f"  {serve}\n"
        "and have the client send the header  Authorization: Bearer <the token above>\n"
    )
