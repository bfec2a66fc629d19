"""``mindprint demo``: the whole loop on the embedded default, no key, no network."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from mindprint.app import Mindprint
from mindprint.cli import render
from mindprint.importers import read_file
from mindprint.views import factors_view, retrieval_view, rewrite_view

DEMO_QUERY = (
    "Review request: Nordkam Ember headlamp — 350 lumens, 5 h battery on high, 210 g, "
    "IPX4, comes in three colours."
)
DEMO_DRAFT = (
    "The Nordkam Ember is a well-designed headlamp. It is bright at 350 lumens and it is "
    "reasonably light at 210 g. However, the battery lasts only 5 hours on high, which may not "
    "be enough for a long night run. Overall, I would rate it 3/5."
)


def demo_file() -> Path:
    """The example history: shipped in the package, or in the repo's examples/."""
    packaged = resources.files("mindprint").joinpath("data/demo_history.jsonl")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples" / "demo_history.jsonl"


def run_demo(m: Mindprint, out: Console, err: Console, user: str) -> None:
    t0 = time.perf_counter()
    items, _ = read_file(demo_file(), max_chars=m.limits.max_text_chars)
    res = m.add_items(user, items)
    out.rule("[bold]1. history")
    out.print(render.styled(
        f"Imported {len(res.added)} items for ", (render.plain(user).plain, "bold"),
        f" ({len(res.duplicates)} already there): a fictional trail runner's gear reviews "
        "with star ratings.",
    ))
    out.rule("[bold]2. build the user model (features → factors → statistics → paths)")
    report = render.with_progress(
        err, "Building", len(items),
        lambda step: m.build(user, progress=lambda done, _t: step(done, absolute=True)),
    )
    out.print(f"{report.items} items, {report.factors} factors, {report.seconds:.1f} s.")
    render.factors(out, factors_view(m, user, limit=10))
    out.rule("[bold]3. a new query: the reasoning paths retrieved for it")
    out.print(Panel(DEMO_QUERY, title="query", title_align="left"))
    render.retrieval(out, retrieval_view(m, user, DEMO_QUERY, k=3))
    out.rule("[bold]4. personalize a generic draft (RPO reflection, offline)")
    out.print(Panel(DEMO_DRAFT, title="generic draft", title_align="left"))
    rv = rewrite_view(m.rewrite(user, DEMO_DRAFT, DEMO_QUERY))
    out.print(Panel(render.plain(rv.rewritten), title="rewritten for the user", title_align="left"))
    for line in rv.profile_analysis:
        out.print(render.styled("  ", ("profile:", "dim"), " ", render.plain(line)))
    for e in rv.edit_plan:
        mark = ("applied", "green") if e.applied else ("advice", "yellow")
        out.print(render.styled("  ", mark, " ", render.plain(f"{e.change} — {e.reason}")))
    out.rule()
    out.print(render.plain(
        f"Demo finished in {time.perf_counter() - t0:.1f} s. Try `mindprint factors --user {user}` "
        f"or `mindprint retrieve \"...\" --user {user}`."
    ))
    # The last line: where to see (and steer) the model just built.
    out.print(render.plain(f"See your model in the browser: mindprint ui --user {user}"))
