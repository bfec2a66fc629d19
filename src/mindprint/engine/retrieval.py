"""Stage 5 of RPM: top-k history items by feature-level similarity.

Items are represented by the embedding of their serialised feature set (as in the
paper). ``hybrid`` adds the similarity of the raw texts, which helps when an item
has few features; the evaluation harness measures each mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mindprint.engine.protocols import Vector

Mode = Literal["features", "raw", "hybrid"]


@dataclass(frozen=True, slots=True)
class Hit:
    item_id: int
    score: float


def top_k(
    query_vecs: dict[str, Vector],
    item_ids: Sequence[int],
    item_vecs: dict[str, Vector],
    k: int,
    mode: Mode = "hybrid",
    alpha: float = 0.5,
) -> list[Hit]:
    """Score every item against the query and return the best ``k``.

    ``query_vecs`` / ``item_vecs`` hold the kinds ``"features"`` (serialised feature
    set) and ``"raw"`` (the text itself); matrices are row-aligned with ``item_ids``.
    """
    if not item_ids or k <= 0:
        return []
    if mode == "features":
        scores = item_vecs["features"] @ query_vecs["features"]
    elif mode == "raw":
        scores = item_vecs["raw"] @ query_vecs["raw"]
    else:
        scores = alpha * (item_vecs["features"] @ query_vecs["features"]) + (1 - alpha) * (
            item_vecs["raw"] @ query_vecs["raw"]
        )
    k = min(k, len(item_ids))
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [Hit(item_id=int(item_ids[i]), score=round(float(scores[i]), 4)) for i in idx]
