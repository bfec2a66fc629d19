"""``mindprint ui``: bind, print the link, open the browser, serve until Ctrl-C."""

from __future__ import annotations

import logging
import socket
import sys
import threading
import webbrowser

from mindprint.errors import ConfigError
from mindprint.server.auth import is_loopback
from mindprint.ui.guard import Guard

log = logging.getLogger("mindprint")


def check_host(host: str, *, allow_remote: bool) -> None:
    """Refuse an address other machines can reach unless the user said so, before
    anything binds."""
    if not is_loopback(host) and not allow_remote:
        raise ConfigError(
            f"Refusing to serve the dashboard on {host!r}: other machines could reach it. "
            "It binds to 127.0.0.1 by default; pass --allow-remote as well to serve "
            f"{host!r} (anyone with the printed link can then see and change your model)."
        )


def address(host: str) -> str:
    """The address ``--host`` names (``localhost`` is 127.0.0.1; ``[::1]`` is ::1)."""
    return "127.0.0.1" if host.strip().lower() == "localhost" else host.strip().strip("[]")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port)."""
    addr = address(host)
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((addr, port))
    except OSError as e:
        sock.close()
        raise ConfigError(f"Cannot listen on {host}:{port}: {e}. Pick another --port "
                          "(or leave it out for a free one).") from e
    sock.listen(64)
    return sock


def serve_ui(user: str | None, host: str, port: int, *, open_browser: bool,
             allow_remote: bool) -> None:
    check_host(host, allow_remote=allow_remote)
    import uvicorn

    from mindprint.app import Mindprint
    from mindprint.ui.web import create_app

    m = Mindprint.from_settings()
    sock = bind(host, port)
    guard = Guard(port=int(sock.getsockname()[1]), allow_remote=allow_remote, address=address(host))
    url = guard.url()
    try:
        app = create_app(m, m.user(user), guard)
        # The one line a script (or a test) reads: the link with this run's token.
        sys.stdout.write(f"mindprint dashboard: {url}\n")
        sys.stdout.flush()
        sys.stderr.write("Press Ctrl-C to stop. The link works for this run only.\n")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, [url]).start()
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                               log_level="warning"))
        server.run(sockets=[sock])
    finally:
        sock.close()
        m.close()
