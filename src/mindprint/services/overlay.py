"""The user's controls applied to their factors: the one place the overlay is read.

The model, retrieval (through the index), rewrite and feedback services load factors
through :func:`visible`, so a vetoed factor is never shown and never used, a renamed
one carries the user's name, and a pinned one comes first. A standing preference's
description is what the person said: described anew, those words are its quote
wherever it is served (the statements it was learned from stay in History). The build reads the factors
as learned (so a rebuild keeps their ids and the controls keep applying).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mindprint.engine.types import Factor, Feature
from mindprint.store import Store
from mindprint.store import controls as db
from mindprint.store.controls import FactorControl


def overlay(factors: Sequence[Factor], controls: dict[str, FactorControl]) -> list[Factor]:
    """``factors`` as the user steered them: vetoed ones out, renamed ones renamed,
    pinned ones first (each group keeps its order)."""
    out: list[Factor] = []
    for f in factors:
        c = controls.get(f.id)
        if c is None:
            out.append(f)
        elif not c.vetoed:
            out.append(steered(f, c))
    pinned = {fid for fid, c in controls.items() if c.pinned}
    return [f for f in out if f.id in pinned] + [f for f in out if f.id not in pinned]


def steered(f: Factor, c: FactorControl) -> Factor:
    """``f`` under the user's name and description (a preference's description is its quote)."""
    if c.description is None:
        return replace(f, name=c.name or f.name)
    stats = {**f.stats, "quote": c.description} if f.stats.get("kind") == "preference" else f.stats
    return replace(f, name=c.name or f.name, description=c.description, stats=stats)


def visible(store: Store, user_id: str, factors: Sequence[Factor]) -> list[Factor]:
    return overlay(factors, db.factor_controls(store, user_id))


def unvetoed(features: dict[int, list[Feature]], vetoed: set[str]) -> dict[int, list[Feature]]:
    """The features with their link to a vetoed factor cut: no effect of it reaches a
    prediction."""
    if not vetoed:
        return features
    return {i: [replace(f, factor_id=None) if f.factor_id in vetoed else f for f in fs]
            for i, fs in features.items()}


def vetoed(store: Store, user_id: str) -> set[str]:
    return {fid for fid, c in db.factor_controls(store, user_id).items() if c.vetoed}


def pinned(store: Store, user_id: str) -> set[str]:
    return {fid for fid, c in db.factor_controls(store, user_id).items() if c.pinned}
