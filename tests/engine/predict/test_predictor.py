"""The predictions made without a population model."""

from __future__ import annotations

import numpy as np

from mindprint.engine.predict.population import Answers
from mindprint.engine.predict.predictor import predict_label


def test_label_kernel_prefers_a_close_neighbour_over_the_base_rate() -> None:
    labels = ["POLITICS"] * 8 + ["SPORTS"]
    close = np.array([0.2] * 8 + [0.8])
    far = np.array([0.3] * 8 + [0.31])
    assert predict_label(labels, close).label == "SPORTS"
    assert predict_label(labels, far).label == "POLITICS"
    assert predict_label([], np.array([])).label == ""


def test_one_answer_rule_judges_a_given_answer() -> None:
    stars = Answers(scale=(1.0, 5.0))
    assert stars.error("4", "2") == 2.0
    assert stars.error("", "2") == 4.0  # no answer: the widest miss on the scale
    assert Answers(scale=(0.5, 5.0)).error("n/a", "3") == 4.5
    news = Answers(labels=("A", "B"))
    assert news.error("A", " A ") == 0.0 and news.error("B", "A") == 1.0
