"""Who may use the dashboard: the per-run token, its cookie, the CSRF check on writes.

``mindprint ui`` prints a URL holding a random token. Opening it sets a cookie (HttpOnly,
SameSite=Strict, named after the port: cookies are shared between the ports of a host)
and redirects to the same page without the token. Every other request needs that
cookie. Every write (POST) also needs the run's CSRF token from the page's form, and a
request another site's page sends (``Origin`` of another site, ``Sec-Fetch-Site:
cross-site``) is refused even with it. The ``Host`` header must name the loopback
address the dashboard listens on, as ``mindprint ui --host`` gave it (a DNS-rebinding
page names its own host).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mindprint.ui.html import h, layout

# Where the browser is sent after signing in: a path of this site (not "//host/", which
# a browser reads as another site, nor "/\\host/", which some read the same way).
_OWN_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\]*")

HEADERS = {
    # Same-origin stylesheet and script only, no inline script, no framing, no network
    # beyond this origin; forms post only here.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on
    # the page's own form posts, which the CSRF check must refuse.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class Refused(Exception):
    """A request the guard turns away; ``status`` and a message that says what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class Guard:
    port: int
    allow_remote: bool = False
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    address: str = "127.0.0.1"  # what the dashboard listens on (an IP address)

    @property
    def netloc(self) -> str:
        shown = f"[{self.address}]" if ":" in self.address else self.address
        return f"{shown}:{self.port}"

    @property
    def hosts(self) -> set[str]:
        """The Host headers a request to this dashboard carries: its address, and
        ``localhost`` when that is the address (localhost names 127.0.0.1 or ::1)."""
        own = {self.netloc}
        if self.address in ("127.0.0.1", "::1"):
            own.add(f"localhost:{self.port}")
        return own

    @property
    def cookie(self) -> str:
        return f"mindprint_ui_{self.port}"

    @property
    def csrf(self) -> str:
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def url(self) -> str:
        return f"http://{self.netloc}/?{urlencode({'token': self.token})}"

    def check_host(self, request: Request) -> None:
        if self.allow_remote:
            return
        host = request.headers.get("host", "")
        if host.lower() not in self.hosts:
            raise Refused(403, f"This dashboard answers only at {self.netloc} "
                               f"(the request named {host[:80]!r}).")

    def signed_in(self, request: Request) -> bool:
        got = request.cookies.get(self.cookie, "")
        return bool(got) and hmac.compare_digest(got, self.token)

    def check_csrf(self, request: Request, form: FormData) -> None:
        """A write must come from this dashboard's own page."""
        site = request.headers.get("sec-fetch-site")
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if site == "cross-site" or (origin is not None and origin != own):
            raise Refused(403, "Refused: this change was sent by another site's page.")
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, self.csrf):
            raise Refused(403, "Refused: the form's security token is missing or wrong. "
                               "Reload the page and try again.")

    async def __call__(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        try:
            self.check_host(request)
            sent = request.query_params.get("token")
            if sent is not None:
                return self._sign_in(request, sent)
            if not self.signed_in(request):
                raise Refused(401, "This dashboard needs the link `mindprint ui` printed "
                                   "(it holds a token valid for this run only).")
            response = await call_next(request)
        except Refused as e:
            response = refusal(e)
        response.headers.update(HEADERS)
        return response

    def _sign_in(self, request: Request, sent: str) -> Response:
        if not hmac.compare_digest(sent, self.token):
            raise Refused(401, "The token in this link is not this run's. Use the link "
                               "`mindprint ui` printed last.")
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        path = str(request.scope.get("path", "/"))  # percent-decoded
        target = (quote(path) if _OWN_PATH.fullmatch(path) else "/") + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
        return response


def refusal(e: Refused) -> Response:
    body = layout("Not allowed", "", "–", h("p", str(e), id="refused"))
    return Response(body, status_code=e.status, media_type="text/html; charset=utf-8")
