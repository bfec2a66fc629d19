"""The forms that steer one factor (pin, veto, edit), shared by the Controls page and the
preferences on the You page. Each posts to a write of :mod:`mindprint.ui.controls`;
``back`` is the page to return to (one of :data:`BACK`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mindprint.ui.html import Html, form, h

if TYPE_CHECKING:
    from mindprint.services.controls import SteeredFactor

# The pages a write may return to: a form names one; anything else goes to Controls.
BACK = ("/controls", "/")


def _back(back: str) -> Html:
    return h("input", type="hidden", name="back", value=back) if back != BACK[0] else Html("")


def buttons(s: SteeredFactor, csrf: str, back: str = BACK[0]) -> list[Html]:
    """Pin or Unpin, and Veto or Un-veto."""
    c = s.control
    return [
        form("/controls/factor", csrf, h("input", type="hidden", name="factor_id", value=s.factor.id),
             _back(back),
             h("button", label, type="submit", name="action", value=action,
               class_="danger" if action == "veto" else None))
        for action, label in (("unpin", "Unpin") if c.pinned else ("pin", "Pin"),
                              ("unveto", "Un-veto") if c.vetoed else ("veto", "Veto"))
    ]


def edit(s: SteeredFactor, csrf: str, back: str = BACK[0], *, describe: str = "description ") -> Html:
    """The user's own name and description (``describe``: the description's label)."""
    f, c = s.factor, s.control
    return h("details", h("summary", "Edit"), form(
        "/controls/edit", csrf, h("input", type="hidden", name="factor_id", value=f.id), _back(back),
        h("label", "name ", h("input", name="name", value=s.name, maxlength="80")), " ",
        h("label", describe, h("input", name="description",
                               value=c.description or f.description, maxlength="400")),
        " ", h("button", "Save", type="submit"), class_="edit"))
