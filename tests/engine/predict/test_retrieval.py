"""Retrieval of the top-k history items."""

from __future__ import annotations

import numpy as np

from mindprint.engine.predict.retrieval import top_k


def test_tone_distance_reorders_retrieval() -> None:
    vecs = {"features": np.eye(3, dtype=np.float32)[[0, 0, 0]], "raw": np.eye(3, dtype=np.float32)[[0, 0, 0]]}
    q = {"features": np.eye(3, dtype=np.float32)[0], "raw": np.eye(3, dtype=np.float32)[0]}
    tones = np.array([0.9, -0.8, 0.1], dtype=np.float32)
    hits = top_k(q, [1, 2, 3], vecs, 3, mode="features", tone=(-0.9, tones))
    assert [h.item_id for h in hits] == [2, 3, 1]
