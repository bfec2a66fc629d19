"""The Rich side of ``mindprint eval``: its progress bar and its results table (loaded
only when the command runs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.progress import Task

    from mindprint.eval.runs import EvalConfig


class _RateColumn(ProgressColumn):
    """Users per second, from rich's moving estimate of the task speed."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- users/s" if speed is None else f"{speed:.2f} users/s", style="cyan")


@contextmanager
def progress(config: EvalConfig, err: Console) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (a line every 5% when stderr is not a terminal)."""
    with Progress(
        TextColumn(f"[bold]eval {config.task}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as progress:
        bar = progress.add_task("users", total=None)
        started = time.perf_counter()

        def step(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)
            # Redirected stderr (a log file) gets no live bar: leave a line every 5%.
            if not err.is_terminal and done and (done % max(1, total // 20) == 0 or done == total):
                rate = done / (time.perf_counter() - started)
                eta = (total - done) / rate if rate else 0.0
                err.print(f"eval {config.task}: {done}/{total} users, {rate:.2f} users/s, eta {eta:.0f} s")

        yield step



def print_table(console: Console, results: dict[str, Any]) -> None:
    metrics = results["metrics"]
    methods = results["methods"]
    table = Table(title=f"{results['task']} ({results['n_users']} users)")
    table.add_column("method")
    for m in metrics:
        table.add_column(m, justify="right")
    for name, values in methods.items():
        table.add_row(name, *(f"{values[m]:.4f}" for m in metrics))
    console.print(table)
    for role, by_metric in results.get("lift", {}).items():
        cells = ", ".join(
            f"{m} {v['delta']:+.4f} [{v['ci95'][0]:+.3f}, {v['ci95'][1]:+.3f}]"
            for m, v in by_metric.items()
        )
        vs = next(iter(by_metric.values()))["vs"]
        console.print(f"lift vs {role} ({vs}): {cells}")
