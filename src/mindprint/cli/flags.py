"""Typer's command classes, showing a boolean flag in ``--help`` without a value
placeholder (Typer's Rich help writes ``--json <bool>``, as if it took a value)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


def _without_flag_types(params: Iterable[object]) -> None:
    for p in params:
        # An empty metavar is what the help table shows in the type column.
        if getattr(p, "is_flag", False) and getattr(p, "metavar", "") is None:
            p.metavar = ""  # type: ignore[attr-defined]


class Command(TyperCommand):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _without_flag_types(self.get_params(ctx))
        super().format_help(ctx, formatter)


class Group(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        _without_flag_types(self.get_params(ctx))
        super().format_help(ctx, formatter)


def new_app(help_text: str, **kwargs: object) -> typer.Typer:
    """A Typer app whose commands and groups use these classes (``command`` below)."""
    return typer.Typer(help=help_text, cls=Group, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, **kwargs)  # type: ignore[arg-type]
