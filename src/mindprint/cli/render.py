"""Rich rendering of the CLI's results (the JSON forms come from the same views)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mindprint.engine.text import trim

if TYPE_CHECKING:
    from mindprint.views import RetrievalView, UserFactorsView

T = TypeVar("T")


def with_progress(
    console: Console, label: str, total: int, work: Callable[[Callable[..., None]], T]
) -> T:
    """Run ``work(step)`` under a progress bar; ``step(n)`` advances, ``absolute=True`` sets."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=max(total, 1))

        def step(n: int, absolute: bool = False) -> None:
            if absolute:
                progress.update(task, completed=n)
            else:
                progress.advance(task, n)

        return work(step)


def table(console: Console, title: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        console.print(f"(no {title})")
        return
    t = Table(title=title)
    for key in rows[0]:
        t.add_column(str(key))
    for r in rows:
        t.add_row(*("" if v is None else trim(str(v), 80) for v in r.values()))
    console.print(t)


def history(console: Console, uid: str, rows: Sequence[dict[str, Any]], total: int) -> None:
    t = Table(title=f"history of {uid} ({total} items)")
    for col in ("id", "input", "response", "label", "created_at"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["id"]), trim(r["input"], 60), trim(r["response"], 60), r["label"] or "",
                  (r["created_at"] or "")[:19])
    console.print(t)


def factors(console: Console, v: UserFactorsView) -> None:
    if not v.built:
        console.print(f"{v.user_id} has {v.history_size} items but no model yet: run `mindprint build`.")
        return
    t = Table(title=f"factors of {v.user_id} — {v.history_size} items, built {v.built_at} ({v.extractor})")
    for col in ("factor", "members", "present", "statistics"):
        t.add_column(col)
    for f in v.factors:
        stats = []
        if f.mean_score is not None:
            stats.append(f"mean {f.mean_score} vs {f.base_mean_score} (lift {f.lift:+})")
        if f.top_label is not None:
            stats.append(f"mostly {f.top_label} (lift x{f.lift})")
        if f.polarity:
            stats.append("pos/neu/neg " + "/".join(f"{round(100 * x)}" for x in f.polarity.values()) + "%")
        if f.influence is not None:
            stats.append(f"influence {round(100 * f.influence)}%")
        if f.uncertain:
            stats.append("[dim](few items)[/]")
        t.add_row(f"[bold]{f.name}[/]", trim(", ".join(f.members), 50),
                  f"{f.n_items} ({round(100 * f.coverage)}%)", "; ".join(stats))
    console.print(t)


def retrieval(console: Console, v: RetrievalView) -> None:
    feats = ", ".join(f"{f.name}" + (f" [{f.factor}]" if f.factor else "") for f in v.query_features)
    console.print(f"[bold]query features:[/] {feats}")
    for h in v.items:
        body = (
            f"[dim]input:[/] {trim(h.input, 200)}\n[dim]response:[/] {trim(h.response, 200)}\n"
            f"[dim]path:[/] {h.reasoning_path or ''}"
        )
        title = f"item {h.item_id} · score {h.score}" + (
            f" · shares {', '.join(h.shared_factors)}" if h.shared_factors else ""
        )
        console.print(Panel(body, title=title, title_align="left"))
    if v.likely_preference:
        p = v.likely_preference
        console.print(f"[bold]likely preference:[/] {p.label}  ({p.explanation})")
