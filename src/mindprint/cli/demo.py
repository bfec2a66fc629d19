"""``mindprint demo``: the whole loop on the embedded default, no key, no network.

Two fictional people: a trail runner whose history is rated gear reviews
(``examples/demo_history.jsonl``), and a person whose history is a ChatGPT export of
ordinary chats (``examples/demo_chats.json``), in which she says what matters to her."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from mindprint.app import Mindprint
from mindprint.cli import render
from mindprint.importers import read_file
from mindprint.locations import program, quote
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
# The chat person's question: it needs what she said about food, and does not say so.
CHAT_QUERY = "What should I eat in Bangkok?"
HISTORY, CHATS = "demo_history.jsonl", "demo_chats.json"
EDITED_AWAY = "message on an edited-away branch"


def demo_file(name: str = HISTORY) -> Path:
    """An example history: shipped in the package, or in the repo's examples/."""
    packaged = resources.files("mindprint").joinpath(f"data/{name}")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples" / name


def _build(m: Mindprint, err: Console, user: str, n: int) -> str:
    report = render.with_progress(
        err, "Building", n,
        lambda step: m.build(user, progress=lambda done, _t: step(done, absolute=True)),
    )
    return f"{report.items} items, {report.factors} factors, {report.seconds:.1f} s."


def run_demo(m: Mindprint, out: Console, err: Console, user: str, chat_user: str) -> None:
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
    out.print(_build(m, err, user, len(items)))
    render.factors(out, factors_view(m, user, limit=10))
    _knows(out, m, user)
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
    run_chat_demo(m, out, err, chat_user)
    out.rule()
    # Commands as they run from here (`.venv/bin/mindprint` after `make demo`, unless
    # mindprint is on PATH), never wrapped: they are meant to be pasted.
    cmd, who = program(), quote(user)
    out.print(render.plain(
        f"Demo finished in {time.perf_counter() - t0:.1f} s. Try `{cmd} factors --user {who}` "
        f"(or --user {quote(chat_user)}) or `{cmd} retrieve \"...\" --user {quote(chat_user)}`."
    ), soft_wrap=True)
    # The last line, and the only one about it: where to see (and steer) the model.
    out.print(render.plain(f"See your model in the browser: {cmd} ui --user {who}"), soft_wrap=True)


def _knows(out: Console, m: Mindprint, user: str) -> None:
    """The backtest's sentence, and what it measures: each past rating predicted from its
    review request alone. His clearest departure is read from his reviews, which no
    request says in advance, so it cannot help there (issue 25)."""
    bt = m.backtest.run(user)
    mine = [p.error for p in bt.recent]
    everyone = [p.population_error for p in bt.recent if p.population_error is not None]
    verdict = ""
    if mine and len(everyone) == len(mine) and sum(mine) > sum(everyone):
        verdict = (" Here what mindprint fits to his few dozen ratings (which population to "
                   "depart from, and how far) costs more than it finds.")
    out.print(render.plain(
        f"How well mindprint knows {user}: {bt.sentence} Each past rating is predicted from "
        "its review request alone, as if it were new. What sets him apart above is read "
        "from his reviews (how the gear held up, above all), which no request says in "
        f"advance.{verdict}"
    ))


def run_chat_demo(m: Mindprint, out: Console, err: Console, user: str) -> None:
    """The second person: a ChatGPT export imported as ``mindprint import`` reads it, her
    stated preferences as factors, and one question that needs one of them."""
    items, summary = read_file(demo_file(CHATS), max_chars=m.limits.max_text_chars)
    res = m.add_items(user, items)
    out.rule("[bold]5. a second person, whose history is chats")
    out.print(render.styled(
        f"Imported {len(res.added)} exchanges for ", (render.plain(user).plain, "bold"),
        f" ({len(res.duplicates)} already there) from a ChatGPT export of {summary.read} "
        "ordinary conversations (dinners, trips, running shoes, a spreadsheet) by a fictional "
        f"person; {summary.skipped[EDITED_AWAY]} messages on branches she edited or "
        "regenerated away are left out.",
    ))
    out.print(_build(m, err, user, len(items)) + " What she said about herself is kept "
              "in her own words; nothing is read from the assistant's.")
    render.factors(out, factors_view(m, user, limit=5))
    out.rule("[bold]6. a question that needs a preference without naming it")
    out.print(Panel(CHAT_QUERY, title="query", title_align="left"))
    render.retrieval(out, retrieval_view(m, user, CHAT_QUERY, k=2))
