"""The dashboard's shared machinery: one user's pages over one app, the error page, the
notice shown once after a change, and the checked form of a write.

The read pages (:mod:`mindprint.ui.web`) and the writes (:mod:`mindprint.ui.controls`)
both build on :class:`Board`; neither imports the other's module.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mindprint.errors import MindprintError, UnknownUserError
from mindprint.ui.guard import Guard
from mindprint.ui.html import Html, h, layout

if TYPE_CHECKING:
    from mindprint.app import Mindprint

Body = Callable[[], Html]


class Board:
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

    # -- writes ----------------------------------------------------------------------------

    async def form(self, request: Request) -> dict[str, str]:
        """The posted form, after the CSRF check; text fields only."""
        form = await request.form()
        self.guard.check_csrf(request, form)
        return {k: v for k, v in form.items() if isinstance(v, str)}
