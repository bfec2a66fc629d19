"""Stage 5 of RPM: top-k history items by feature-level similarity.

Items are represented by the embedding of their serialised feature set (as in the
paper). ``hybrid`` adds the similarity of the raw texts, which helps when an item
has few features; the evaluation harness measures each mode.

The tone feature is compared as a number, not as words: ``features`` and ``hybrid``
subtract ``tone_weight * |tone(query) - tone(item)|``, where tone is in [-1, 1]
(the rating prior's reading of the text for rated histories, else VADER polarity).
An embedding of "positive tone" says little; the distance between two verdicts
says whether the user probably answered the two items alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.protocols import Vector

# "random" is the ablation: the user's items in a seeded random order, so the harness
# can show what similarity itself adds to a prediction.
Mode = Literal["features", "raw", "hybrid", "random"]


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
    tone: tuple[float, Vector] | None = None,
    tone_weight: float = MODEL.tone_weight,
) -> list[Hit]:
    """Score every item against the query and return the best ``k``.

    ``query_vecs`` / ``item_vecs`` hold the kinds ``"features"`` (serialised feature
    set) and ``"raw"`` (the text itself); matrices are row-aligned with ``item_ids``.
    """
    if not item_ids or k <= 0:
        return []
    if mode == "random":
        seed = int(abs(float(np.asarray(query_vecs["raw"]).sum())) * 1e6) % (2**32)
        order = np.random.default_rng(seed).permutation(len(item_ids))[: min(k, len(item_ids))]
        return [Hit(item_id=int(item_ids[i]), score=1.0) for i in order]
    if mode == "features":
        scores = item_vecs["features"] @ query_vecs["features"]
    elif mode == "raw":
        scores = item_vecs["raw"] @ query_vecs["raw"]
    else:
        # Hybrid: the feature-level and the raw-text similarity, equally weighted.
        scores = 0.5 * (item_vecs["features"] @ query_vecs["features"]) + 0.5 * (
            item_vecs["raw"] @ query_vecs["raw"]
        )
    if tone is not None and mode != "raw" and tone_weight:
        q_tone, item_tone = tone
        scores = scores - tone_weight * np.abs(item_tone - q_tone)
    k = min(k, len(item_ids))
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [Hit(item_id=int(item_ids[i]), score=round(float(scores[i]), 4)) for i in idx]
