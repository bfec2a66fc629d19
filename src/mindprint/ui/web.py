"""The dashboard as a Starlette app: routes, error pages, the guard around them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from mindprint.errors import MindprintError, UnknownUserError
from mindprint.integers import whole_number
from mindprint.ui import assets, controls, pages
from mindprint.ui.guard import Guard, Refused, refusal
from mindprint.ui.html import Html, h, layout

if TYPE_CHECKING:
    from mindprint.app import Mindprint

Body = Callable[[], Html]


class Dashboard:
    """One user's dashboard over one app (one database)."""

    def __init__(self, app: Mindprint, user: str, guard: Guard) -> None:
        self.m, self.uid, self.guard = app, user, guard
        # Messages shown once after a change (by id, so no text travels in the URL).
        self._notices: dict[str, str] = {}

    # -- rendering ---------------------------------------------------------------------

    async def render(self, request: Request, title: str, path: str, body: Body) -> Response:
        notice = self._notices.pop(request.query_params.get("n", ""), None)
        try:
            content = await run_in_threadpool(body)
            status = 200
        except UnknownUserError:
            known = await run_in_threadpool(self.m.admin.users)
            content = h("p", f"Nothing is stored for user {self.uid!r} yet. ",
                        "Known users: ", ", ".join(u["user_id"] for u in known) or "none",
                        ". Start the dashboard with ", h("code", "mindprint ui --user NAME"), ".",
                        id="unknown-user")
            status = 404
        except MindprintError as e:
            content, status = h("p", str(e), class_="notice error"), 400
        return HTMLResponse(layout(title, path, self.uid, content, notice=notice), status_code=status)

    def redirect(self, path: str, notice: str) -> Response:
        key = secrets.token_hex(8)
        self._notices[key] = notice
        sep = "&" if "?" in path else "?"
        return RedirectResponse(f"{path}{sep}n={key}", status_code=303)

    # -- read pages ------------------------------------------------------------------------

    async def you(self, request: Request) -> Response:
        return await self.render(request, "You", "/", lambda: pages.you(self.m, self.uid))

    async def knows(self, request: Request) -> Response:
        return await self.render(request, "How well mindprint knows you", "/knows",
                                 lambda: pages.knows(self.m, self.uid))

    async def history(self, request: Request) -> Response:
        q = request.query_params

        def body() -> Html:
            offset = whole_number(q.get("offset") or "0", "offset")
            item = whole_number(q["item"], "item") if q.get("item") else None
            return pages.history(self.m, self.uid, q.get("q", ""), q.get("factor", ""), offset,
                                 item, self.guard.csrf)

        return await self.render(request, "History", "/history", body)

    async def feedback(self, request: Request) -> Response:
        return await self.render(request, "Feedback", "/feedback",
                                 lambda: pages.feedback(self.m, self.uid))

    async def export(self, request: Request) -> Response:
        try:
            data = await run_in_threadpool(self.m.admin.export, self.uid)
        except MindprintError as e:
            # Nothing stored (forgotten): the same error page as every other page.
            err = e
            return await self.render(request, "Export", "/controls", lambda: _raise(err))
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return Response(
            json.dumps(data, ensure_ascii=False, indent=1, default=str),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="mindprint-export-{stamp}.json"'},
        )

    @staticmethod
    async def css(request: Request) -> Response:
        return Response(assets.CSS, media_type="text/css")

    @staticmethod
    async def js(request: Request) -> Response:
        return Response(assets.JS, media_type="text/javascript")

    # -- writes ----------------------------------------------------------------------------

    async def form(self, request: Request) -> dict[str, str]:
        """The posted form, after the CSRF check; text fields only."""
        form = await request.form()
        self.guard.check_csrf(request, form)
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def routes(self) -> list[Route]:
        return [
            Route("/", self.you),
            Route("/knows", self.knows),
            Route("/history", self.history),
            Route("/feedback", self.feedback),
            Route("/export.json", self.export),
            Route("/assets/app.css", self.css),
            Route("/assets/app.js", self.js),
            Route("/favicon.ico", lambda _: Response(status_code=204)),
        ]


def create_app(m: Mindprint, user: str, guard: Guard) -> Starlette:
    board = Dashboard(m, user, guard)
    routes = board.routes() + controls.routes(board)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return refusal(exc)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
        exception_handlers={Refused: refused},
    )
    app.state.dashboard = board
    return app



def _raise(e: Exception) -> Html:
    raise e
