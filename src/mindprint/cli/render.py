"""Rich rendering of the CLI's results (the JSON forms come from the same views)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mindprint.engine.features.text import trim

if TYPE_CHECKING:
    from mindprint.views import (
        ApplyingView,
        FactorView,
        PreferenceView,
        RetrievalView,
        UserFactorsView,
    )

T = TypeVar("T")

# Characters a terminal acts on instead of showing: C0 controls (ESC starts OSC 52
# clipboard writes, OSC 8 links, screen clears), DEL, C1 controls (0x9b is a one-byte
# CSI) and the bidirectional overrides that reorder what is shown.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(ch: re.Match[str]) -> str:
    code = ord(ch.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(value: object, limit: int | None = None) -> Text:
    """Stored or user-supplied text, safe to print: control characters shown as
    ``\\xNN`` escapes, and a Text object, so Rich never reads ``[...]`` in it as markup."""
    s = "" if value is None else str(value)
    if limit is not None:
        s = trim(s, limit)
    return Text(_UNSAFE.sub(_visible, s))


def styled(*parts: str | tuple[str, str] | Text) -> Text:
    """A line of fixed, styled labels and :func:`plain` values (never markup)."""
    return Text.assemble(*parts)


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
        t.add_row(*(plain(v, 80) for v in r.values()))
    console.print(t)


def history(console: Console, uid: str, rows: Sequence[dict[str, Any]], total: int) -> None:
    t = Table(title=plain(f"history of {uid} ({total} items)"))
    for col in ("id", "input", "response", "label", "created_at"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["id"]), plain(r["input"], 60), plain(r["response"], 60), plain(r["label"]),
                  plain((r["created_at"] or "")[:19]))
    console.print(t)


def factors(console: Console, v: UserFactorsView) -> None:
    """The measured factors: each one's effect beyond what a model of everyone reads in
    the text, its 95% interval and the sentence that says what it compares (the same
    numbers and words as the dashboard and the MCP App card)."""
    if v.welcome:
        console.print(plain(v.welcome), soft_wrap=True)
        return
    if not v.built:
        console.print(plain(f"{v.user_id} has {v.history_size} items but no model yet: run `mindprint build`."))
        return
    t = Table(title=plain(f"factors of {v.user_id} — {v.history_size} items, built {v.built_at} ({v.extractor})"))
    for col in ("factor", "effect [95% CI]", "items", "evidence"):
        t.add_column(col)
    for f in v.factors:
        t.add_row(Text(plain(f.name).plain, style="bold"), effect_cell(f), f"{f.n_items}",
                  plain(f.evidence or _raw_statistics(f)))
    console.print(t)
    if any(f.effect is not None for f in v.factors):
        from mindprint.views import EFFECT_LEGEND

        console.print(styled(("legend:", "dim"), " ", EFFECT_LEGEND))
    if v.preferences:
        preferences(console, v)


def effect_cell(f: FactorView) -> Text:
    """The effect and its interval, coloured by sign (bold when clear)."""
    if f.effect is None:
        return Text("–")
    lo, hi = f.effect_ci95 or (f.effect, f.effect)
    style = ("green" if f.effect > 0 else "red") + (" bold" if f.clear else "")
    return Text(f"{f.effect:+.2f} [{lo:+.2f}, {hi:+.2f}]", style=style)


def _raw_statistics(f: FactorView) -> str:
    """Without a departure (labels, or no model of everyone): what the history shows."""
    stats = []
    if f.mean_score is not None and f.mean_score == f.base_mean_score and f.coverage >= 1.0:
        stats.append("on every item: nothing to compare it with")
    elif f.mean_score is not None:
        stats.append(f"mean {f.mean_score} vs {f.base_mean_score} overall")
    if f.top_label is not None:
        stats.append(f"mostly {f.top_label} (x{f.lift} its base rate)")
    if f.uncertain:
        stats.append("few items")
    return "; ".join(stats)


def _said(p: PreferenceView | ApplyingView) -> Text:
    """The person's own words, and for a choice the option they picked."""
    said = styled("“", plain(p.quote), "”")
    return styled(said, "\n", ("chose: ", "dim"), plain(p.chosen, 120)) if p.chosen else said


def preferences(console: Console, v: UserFactorsView) -> None:
    shown = len(v.preferences)
    more = f", the first {shown}" if shown < v.preferences_total else ""
    t = Table(title=plain(f"what {v.user_id} said about themselves — {v.preferences_total} "
                          f"standing preferences{more}, firmest, then most strongly said first"))
    for col in ("stance", "domain", "in their words", "items"):
        t.add_column(col)
    for p in v.preferences:
        t.add_row(Text(f"{p.stance} · {p.firmness}", style="bold"), plain(p.domain), _said(p),
                  ", ".join(f"#{i}" for i in p.items))
    console.print(t)


def retrieval(console: Console, v: RetrievalView) -> None:
    if v.welcome:
        console.print(plain(v.welcome), soft_wrap=True)
        return
    feats = ", ".join(f"{f.name}" + (f" [{f.factor}]" if f.factor else "") for f in v.query_features)
    console.print(styled(("query features:", "bold"), " ", plain(feats)))
    for said in v.every_answer or ():
        console.print(styled(("for every answer:", "bold"), " ", plain(f"“{said}”")))
    for a in v.preferences:
        body = styled(_said(a), "\n", ("why:", "dim"), " ", plain(a.because))
        title = plain(f"applies: {a.stance} · {a.firmness} · items "
                      + ", ".join(f"#{i}" for i in a.items))
        console.print(Panel(body, title=title, title_align="left", border_style="green"))
    for h in v.items:
        body = styled(
            ("input:", "dim"), " ", plain(h.input, 200), "\n", ("response:", "dim"), " ",
            plain(h.response, 200), "\n", ("path:", "dim"), " ", plain(h.reasoning_path),
        )
        title = plain(f"item {h.item_id} · score {h.score}" + (
            f" · shares {', '.join(h.shared_factors)}" if h.shared_factors else ""
        ))
        console.print(Panel(body, title=title, title_align="left"))
    if v.likely_preference:
        p = v.likely_preference
        console.print(styled(("likely preference:", "bold"), " ", plain(f"{p.label}  ({p.explanation})")))
