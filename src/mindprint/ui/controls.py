"""The Controls page and every write of the dashboard.

Each write is a POST carrying the run's CSRF token (checked by ``Board.form``),
goes through the control service (recorded with its time, undoable, in force at once
for every process on the database) and redirects back with a one-time notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mindprint.engine.features.text import trim
from mindprint.errors import InvalidInputError, MindprintError
from mindprint.integers import whole_number
from mindprint.ui import prefs, steer
from mindprint.ui.html import Html, form, h, join, num, table
from mindprint.views import is_preference

if TYPE_CHECKING:
    from mindprint.app import Mindprint
    from mindprint.services.controls import SteeredFactor
    from mindprint.ui.board import Board

Endpoint = Callable[[Request], Awaitable[Response]]
ACTIONS = {"pin": "Pinned", "unpin": "Unpinned", "veto": "Vetoed", "unveto": "Un-vetoed",
           "edit": "Edited", "delete_item": "Deleted item"}


def _factor_row(s: SteeredFactor, csrf: str) -> list[Any]:
    f, c = s.factor, s.control
    tags = [h("span", "pinned", class_="tag pinned") if c.pinned else "",
            h("span", "vetoed", class_="tag") if c.vetoed else ""]
    dep = f.stats.get("departure") or {}
    return [join([h("b", s.name), *tags]), int(f.stats.get("n_items", 0)),
            num(dep.get("effect"), sign=True) if isinstance(dep, dict) else "–",
            h("div", *steer.buttons(s, csrf), steer.edit(s, csrf), class_="controls")]


def _log_row(e: dict[str, Any], csrf: str) -> list[Any]:
    deleted = e["action"] == "delete_item"
    undo: Html | str = form(
        "/controls/undo", csrf, h("input", type="hidden", name="log_id", value=e["id"]),
        h("button", "Undo", type="submit"))
    if e["undone_at"]:
        undo = "undone " + e["undone_at"][:19]
    elif deleted and e["before"] is None:
        undo = "text scrubbed; cannot be undone"
    what = e["label"]
    if deleted and e["before"]:
        item = e["before"].get("item", e["before"])
        what = f"{what} {trim(item.get('response', ''), 60)}"
    return [e["created_at"][:19].replace("T", " "), ACTIONS.get(e["action"], e["action"]), what, undo]


def page(m: Mindprint, uid: str, csrf: str) -> Html:
    everything = m.controls.factors(uid)
    steered = [s for s in everything if not is_preference(s.factor)]
    log = m.controls.log(uid)
    return join([
        h("p", "Changes here take effect at once, also for your assistant's mindprint server "
               "on this database. Each is recorded below and can be undone.", class_="lead"),
        h("section", h("h2", "Factors"),
          h("p", "Pin: always shown first. Veto: never shown and never used in predictions, "
                 "retrieval or rewrites, until you un-veto it."),
          table(["factor", "items", "effect", ""], [_factor_row(s, csrf) for s in steered],
                id="factor-controls")),
        prefs.controls_section(everything, csrf),
        h("section", h("h2", "Changes"),
          table(["when (UTC)", "change", "what", ""], [_log_row(e, csrf) for e in log], id="log")
          if log else h("p", "No change yet.", id="log")),
        h("section", h("h2", "Export"),
          h("p", h("a", "Download everything stored about you (JSON)", href="/export.json",
                   id="export", download=True))),
        h("section", h("h2", "Forget everything"),
          h("p", f"Deletes every item, feedback, factor and change of {uid!r} and purges them "
                 "from the database file. This cannot be undone. Type the user id to confirm."),
          form("/forget", csrf, h("input", name="confirm", aria_label="type the user id",
                                  placeholder=uid, autocomplete="off"), " ",
               h("button", "Forget everything", type="submit", class_="danger"),
               id="forget")),
    ])


def delete_button(item_id: int, csrf: str, undo_hours: float) -> Html:
    return form("/items/delete", csrf, h("input", type="hidden", name="item_id", value=item_id),
                h("button", "Delete this item", type="submit", class_="danger"), " ",
                h("span", deletion_rule(undo_hours), class_="hint"),
                confirm=f"Delete item #{item_id}? You can undo it on the Controls page for "
                        f"{undo_hours:g} hours.",
                class_="delete")


def deletion_rule(undo_hours: float) -> str:
    return (f"Deletes its text, features and the feedback that recorded it. Undo is possible "
            f"for {undo_hours:g} hours; then the text is scrubbed from the database file. "
            "Exports never include it.")


def routes(board: Board) -> list[Route]:
    m, uid = board.m, board.uid

    def write(back: str, act: Callable[[dict[str, str]], str]) -> Endpoint:
        """The POST endpoint doing ``act`` with the checked form, then back to ``back``."""

        async def endpoint(request: Request) -> Response:
            fields = await board.form(request)
            try:
                notice = await run_in_threadpool(act, fields)
            except MindprintError as e:
                return board.redirect("/controls", f"Nothing changed: {e}")
            asked = fields.get("back", "")
            return board.redirect(asked if asked in steer.BACK else back, notice)

        return endpoint

    def set_factor(f: dict[str, str]) -> str:
        action = f.get("action", "")
        m.controls.set(uid, f.get("factor_id", ""), action)
        return f"{ACTIONS.get(action, action)}: done. Undo it on the Controls page if that was a mistake."

    def edit(f: dict[str, str]) -> str:
        m.controls.edit(uid, f.get("factor_id", ""), f.get("name", ""), f.get("description", ""))
        return "Saved the factor's name and description."

    def undo(f: dict[str, str]) -> str:
        e = m.controls.undo(uid, whole_number(f.get("log_id", ""), "log_id"))
        return f"Undid: {ACTIONS.get(e['action'], e['action']).lower()} {e['label']}."

    def delete(f: dict[str, str]) -> str:
        item = whole_number(f.get("item_id", ""), "item_id")
        m.controls.delete_item(uid, item)
        return (f"Deleted item #{item}; undo it below within {m.controls.undo_hours:g} hours. "
                "Factors are being refreshed.")

    def forget(f: dict[str, str]) -> str:
        if f.get("confirm", "").strip() != uid:
            raise InvalidInputError(f"type {uid!r} exactly to confirm; nothing was deleted.")
        total = sum(m.admin.forget(uid).values())
        return f"Forgot {uid!r}: {total} rows deleted and purged from the database file."

    async def controls_page(request: Request) -> Response:
        return await board.render(request, "Controls", "/controls",
                                  lambda: page(m, uid, board.guard.csrf))

    return [
        Route("/controls", controls_page),
        Route("/controls/factor", write("/controls", set_factor), methods=["POST"]),
        Route("/controls/edit", write("/controls", edit), methods=["POST"]),
        Route("/controls/undo", write("/controls", undo), methods=["POST"]),
        Route("/items/delete", write("/controls", delete), methods=["POST"]),
        Route("/forget", write("/", forget), methods=["POST"]),
    ]
