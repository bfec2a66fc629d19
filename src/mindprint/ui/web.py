"""The dashboard as a Starlette app: the read pages, the routes, the guard around them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mindprint.errors import MindprintError
from mindprint.integers import whole_number
from mindprint.ui import assets, controls, pages
from mindprint.ui.board import Board
from mindprint.ui.guard import Guard, Refused, refusal
from mindprint.ui.html import Html

if TYPE_CHECKING:
    from mindprint.app import Mindprint


class Dashboard(Board):
    """The read pages of one user's dashboard."""

    # -- read pages ------------------------------------------------------------------------

    async def you(self, request: Request) -> Response:
        return await self.render(request, "You", "/", lambda: pages.you(self.m, self.uid, self.guard.csrf))

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
