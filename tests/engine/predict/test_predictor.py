"""The predictions made without a population model."""

from __future__ import annotations

import numpy as np

from mindprint.engine.predict.predictor import predict_label


def test_label_kernel_prefers_a_close_neighbour_over_the_base_rate() -> None:
    labels = ["POLITICS"] * 8 + ["SPORTS"]
    close = np.array([0.2] * 8 + [0.8])
    far = np.array([0.3] * 8 + [0.31])
    assert predict_label(labels, close).label == "SPORTS"
    assert predict_label(labels, far).label == "POLITICS"
    assert predict_label([], np.array([])).label == ""
