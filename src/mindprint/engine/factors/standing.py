"""Standing preferences: the user's stated preferences as factors, one per preference.

Each preference feature of an item (a sentence the user wrote, a choice they made) is
evidence. Evidence that says the same thing again (same stance, embeddings at
``MODEL.pref_same`` or closer) joins one standing preference, which keeps the latest wording as its
quote and the first and last time it was seen. A later statement *supersedes* an earlier
one when it speaks of the same thing with the opposite stance ("I love spicy food" after
"I avoid spicy food"), or says it changed ("I eat fish again these days") about something
close enough (``MODEL.pref_related``): the latest wins, the old one stays, marked
``superseded_by``, as history.

The factor's statistics are what the person said, not measured effects: quote, stance,
firmness, how strongly it was said (the extraction's strength, the strongest of its
statements), domain, kind, the items that said it, first and last seen.

They are listed firmest first, then the most strongly said, then the latest: in a long chat
history a person says "I prefer ..." of what they hold and much else in passing, so how
strongly something was said tells what they hold from a passing remark better than when.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.protocols import Vector
from mindprint.engine.types import Factor, Feature, Item

SAME = MODEL.pref_same
RELATED = MODEL.pref_related
PREF_PREFIX = "p_"
FIRMNESS_ORDER = {"strict": 0, "firm": 1, "prefer": 2}
# "Now" says it changed ("I eat fish now"), but not in "right now" / "for now" / "just
# now": those qualify one choice ("the others don't appeal to me right now").
_CHANGED = re.compile(
    r"\b(any ?more|no longer|these days|nowadays|(?<!right )(?<!for )(?<!just )now|lately|"
    r"recently|started|stopped|changed my mind|used to|switched|not .* again|again)\b",
    re.I,
)
# Stances that contradict each other: avoiding something against liking or needing it. A
# fact about oneself ("is") contradicts neither.
_POLARITY = {"avoids": -1, "likes": 1, "needs": 1}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One preference feature of one item, with its embedding and the item's time."""

    item_id: int
    feature: Feature
    vector: Vector
    at: str | None


@dataclass(slots=True)
class _Group:
    first: Evidence
    members: list[Evidence] = field(default_factory=list)
    superseded_by: int | None = None

    @property
    def latest(self) -> Evidence:
        return self.members[-1]

    @property
    def stance(self) -> str:
        return self.latest.feature.attr("stance")


def evidence(
    items: Sequence[Item], features: Sequence[Sequence[Feature]], vectors: Mapping[int, Vector]
) -> list[Evidence]:
    """The preference features of ``items`` that have a vector (``vectors``: each item's
    rows, indexed by the feature's ``row``)."""
    out: list[Evidence] = []
    for it, fs in zip(items, features, strict=True):
        rows = vectors.get(it.id)
        for f in fs:
            row = f.attr("row")
            if f.kind == "preference" and rows is not None and row.isdigit() and int(row) < len(rows):
                out.append(Evidence(it.id, f, rows[int(row)], it.created_at))
    return out


def preference_id(ev: Evidence) -> str:
    """Stable across rebuilds: named by the first statement of the preference."""
    h = hashlib.sha1(f"{ev.item_id}\x1f{ev.feature.context}".encode()).hexdigest()[:12]
    return PREF_PREFIX + h


def standing(evidence: Sequence[Evidence]) -> tuple[list[Factor], dict[str, str]]:
    """The standing preferences (factors, in :func:`ranked` order) and the factor each
    preference feature name belongs to."""
    ordered = sorted(evidence, key=lambda e: (e.at or "", e.item_id))
    groups: list[_Group] = []
    for ev in ordered:
        # One similarity pass serves both questions: nothing changes between them but
        # the new group, which cannot be the one replaced.
        near = _similar(groups, ev)
        target = _same(near, ev)
        if target is not None:
            target.members.append(ev)
            continue
        groups.append(_Group(first=ev, members=[ev]))
        old = _replaced(near, ev)
        if old is not None:
            old.superseded_by = len(groups) - 1
    ids = [preference_id(g.first) for g in groups]
    factors = [_factor(g, ids[i], ids) for i, g in enumerate(groups)]
    assignment = {ev.feature.name: ids[i] for i, g in enumerate(groups) for ev in g.members}
    return ranked(factors), assignment


def _similar(groups: Sequence[_Group], ev: Evidence) -> list[tuple[float, _Group]]:
    if not groups:
        return []
    reps = np.stack([g.latest.vector for g in groups])
    sims = reps @ ev.vector
    # Closest first; ties in the groups' order (a stable sort, as sorted() was).
    order = np.argsort(-sims, kind="stable")
    return [(float(sims[i]), groups[i]) for i in order.tolist()]


def _same(near: Sequence[tuple[float, _Group]], ev: Evidence) -> _Group | None:
    stance = ev.feature.attr("stance")
    for sim, g in near:
        if sim < SAME:
            return None
        if g.superseded_by is None and g.stance == stance:
            return g
    return None


def _replaced(near: Sequence[tuple[float, _Group]], ev: Evidence) -> _Group | None:
    """The earlier preference this statement changes, if any (``near``: the earlier ones,
    closest first)."""
    stance = ev.feature.attr("stance")
    changed = bool(_CHANGED.search(ev.feature.context))
    for sim, g in near:
        if sim < RELATED:
            return None
        if g.superseded_by is not None:
            continue
        if changed or (_opposed(g.stance, stance) and sim >= SAME - 0.1):
            return g
    return None


def _opposed(a: str, b: str) -> bool:
    """Whether one stance contradicts the other ("I avoid X" against "I love X"): "I need
    X" after "I like X" says it again more firmly, it does not change it."""
    return _POLARITY.get(a, 0) * _POLARITY.get(b, 0) < 0


def _factor(g: _Group, fid: str, ids: Sequence[str]) -> Factor:
    f = g.latest.feature
    items = sorted({e.item_id for e in g.members} | {
        int(x) for e in g.members for x in [e.feature.attr("asked_item")] if x.isdigit()
    })
    stats: dict[str, Any] = {
        "kind": "preference",
        "quote": f.context,
        "stance": f.attr("stance"),
        "firmness": f.attr("firmness", "prefer"),
        "strength": round(max(e.feature.weight for e in g.members), 3),
        "domain": f.attr("domain"),
        "said_as": f.attr("said_as", "stated"),
        "items": items,
        "n": len(g.members),
        "first_seen": g.first.at,
        "last_seen": g.latest.at,
        "superseded_by": ids[g.superseded_by] if g.superseded_by is not None else None,
    }
    if f.attr("chosen"):
        stats["chosen"] = f.attr("chosen")
    names = tuple(dict.fromkeys(e.feature.name for e in g.members))
    return Factor(id=fid, name=g.latest.feature.name, description=g.latest.feature.context,
                  members=names, stats=stats)


def ranked(factors: Sequence[Factor]) -> list[Factor]:
    """Current before superseded, firmest first, then the most strongly said, then the
    most recently said (a factor built before strengths were kept counts as 0)."""
    latest = sorted(factors, key=lambda f: str(f.stats.get("last_seen") or ""), reverse=True)
    return sorted(latest, key=lambda f: (
        1 if f.stats.get("superseded_by") else 0,
        FIRMNESS_ORDER.get(str(f.stats.get("firmness")), 3),
        -float(f.stats.get("strength") or 0.0),
    ))
