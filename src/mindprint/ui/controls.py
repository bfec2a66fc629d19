"""The Controls page and its writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

if TYPE_CHECKING:
    from mindprint.ui.web import Dashboard


def routes(board: Dashboard) -> list[Route]:
    return []
