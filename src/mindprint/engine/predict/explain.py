"""The explanation of a prediction: what everyone would say, and what moved it. Pure.

Each reason is typed (its :class:`ReasonKind`, its move on the answer, the items or the
factor it cites) and carries the clause shown for it, so an assistant can quote the line
and a program can read the parts. A scale's moves are on the scale; a label's are on the
output of the label answered.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mindprint.engine.predict.departure import Departure
from mindprint.engine.predict.kernel import PartKind
from mindprint.engine.predict.population import Answers, Arr

# Parts that moved the answer less than this (on the answer's output) go unmentioned;
# the latest items are named from a smaller move, as a drift is read from a few items.
SHOWN_MOVE = 0.05
SHOWN_RECENT_MOVE = 0.01
# Items and factors cited per part.
CITED = 3


class ReasonKind(enum.Enum):
    POPULATION = "population"  # what a model of everyone reads the query as
    OFFSET = "offset"  # the user's usual departure
    CALIBRATION = "calibration"  # their use of the scale, or of everyone's leaning
    RECENT = "recent"  # their latest items
    SIMILAR = "similar"  # the retrieved items like the query
    FACTOR = "factor"  # a factor the query carries
    NOTE = "note"  # a model without a population states its own reading


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    text: str  # the clause as shown
    move: float | None = None  # on the answer (labels: on the answered label's output)
    items: tuple[int, ...] = ()  # the items it cites, most moving first
    factor: str | None = None  # the factor id it cites


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[Reason, ...]
    answer: str  # what the reasons lead to ("" when the last reason says it)

    @property
    def text(self) -> str:
        """One line an assistant can quote."""
        line = "; ".join(r.text for r in self.reasons)
        return f"{line} -> {self.answer}" if self.answer else line


def _similar(dep: Departure) -> tuple[tuple[int, ...], Arr]:
    """The retrieved items, most moving first (on any output), and the similar part's move."""
    move = dep.part(PartKind.SIMILAR)
    size = {i: float(np.abs(move.by_item[i]).max()) for i in dep.retrieved if i in move.by_item}
    ids = sorted(size, key=lambda i: -size[i])  # stable: retrieval order breaks ties
    return tuple(ids), move.total


def explain(
    answers: Answers, q_out: Arr, dep: Departure, counts: Mapping[str, int],
    names: Mapping[str, str], who: str = "a model of everyone",
) -> Explanation:
    """``counts``: how many of the items that reached the prediction the user filed under
    each label (labels only); ``names``: factor id -> name. Every count said is of the
    items the departure read (the retrieved ones and the latest), not of the history."""
    first = Reason(ReasonKind.POPULATION, f"{who} reads this as {answers.answer(q_out)}")
    if answers.is_scale:
        return _explain_scale(answers, q_out, dep, names, first)
    return _explain_label(answers, q_out, dep, counts, names, first)


def used(dep: Departure) -> int:
    """How many history items reached the prediction."""
    return len(set(dep.retrieved) | set(dep.latest))


def _cited(ids: tuple[int, ...], total: int) -> str:
    """E.g. "32 read, most moving #30, #36, #34"."""
    shown = ", ".join(f"#{i}" for i in ids[:CITED])
    return f"{total} read, most moving {shown}" if total > len(ids[:CITED]) else shown


def _explain_scale(answers: Answers, q_out: Arr, dep: Departure,
                   names: Mapping[str, str], first: Reason) -> Explanation:
    out = [first]
    offset = float(dep.part(PartKind.OFFSET).total[0])
    n = used(dep)
    if n:
        out.append(Reason(ReasonKind.OFFSET, f"this user's usual departure {offset:+.2f} (from {n} of "
                          "their answered items)", offset))
    cal = float(dep.part(PartKind.CALIBRATION).total[0])
    if n and abs(cal) >= SHOWN_MOVE:
        out.append(Reason(ReasonKind.CALIBRATION, f"their use of the scale {cal:+.2f}", cal))
    ids, similar = _similar(dep)
    if ids:
        out.append(Reason(ReasonKind.SIMILAR, f"similar past items ({_cited(ids, len(ids))}) "
                          f"{float(similar[0]):+.2f}", float(similar[0]), ids[:CITED]))
    moves = dep.part(PartKind.FACTORS).by_factor
    for fid, v in sorted(moves.items(), key=lambda kv: -float(np.abs(kv[1]).max())):
        if float(np.abs(v).max()) >= SHOWN_MOVE and fid in names:
            out.append(Reason(ReasonKind.FACTOR, f"{names[fid]!r} {float(v[0]):+.2f}", float(v[0]), factor=fid))
    return Explanation(tuple(out), answers.answer(q_out + dep.total))


def _explain_label(answers: Answers, q_out: Arr, dep: Departure, counts: Mapping[str, int],
                   names: Mapping[str, str], first: Reason) -> Explanation:
    final = answers.answer(q_out + dep.total)
    j = answers.labels.index(final)
    n = sum(counts.values())
    out = [first]

    def move(v: Arr) -> tuple[str, float]:
        return f"{final} {float(v[j]):+.2f}", float(v[j])

    if n:
        text, m = move(dep.part(PartKind.OFFSET).total)
        out.append(Reason(ReasonKind.OFFSET, f"of the {n} of their items read, this user filed "
                          f"{counts.get(final, 0)} under {final} ({text})", m))
    text, m = move(dep.part(PartKind.CALIBRATION).total)
    if abs(m) >= SHOWN_MOVE:
        out.append(Reason(ReasonKind.CALIBRATION, f"how far they follow everyone's leaning ({text})", m))
    text, m = move(dep.part(PartKind.RECENCY).total)
    if dep.latest and abs(m) >= SHOWN_RECENT_MOVE:
        cited = ", ".join(f"#{i}" for i in dep.latest[:CITED])
        out.append(Reason(ReasonKind.RECENT, f"their latest items ({cited}) {text}", m, dep.latest[:CITED]))
    ids, similar = _similar(dep)
    if ids:
        text, m = move(similar)
        out.append(Reason(ReasonKind.SIMILAR, f"similar past items ({_cited(ids, len(ids))}) {text}", m,
                          ids[:CITED]))
    moves = dep.part(PartKind.FACTORS).by_factor
    for fid, v in sorted(moves.items(), key=lambda kv: -abs(float(kv[1][j]))):
        text, m = move(v)
        if abs(m) >= SHOWN_MOVE and fid in names:
            out.append(Reason(ReasonKind.FACTOR, f"{names[fid]!r} {text}", m, factor=fid))
    return Explanation(tuple(out), final)
