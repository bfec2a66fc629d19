"""The label answer rule: one output per label, the label with the highest output. Pure.

Labels depart from the population through the same model as ratings
(:mod:`mindprint.engine.predict.departure`): the targets are one-vs-rest indicators, so
the residuals ``indicator - population(text)`` have one column per label and share the
kernel. What is particular to labels is only how outputs become an answer, and how an
answer is judged (right or wrong); the scale's rule sits beside this one in ``Answers``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


def targets(labels: Sequence[str], answers: Sequence[str]) -> Arr:
    """(n, labels): one-hot indicators (all 0 for an answer not among ``labels``)."""
    index = {lab: i for i, lab in enumerate(labels)}
    y = np.zeros((len(answers), len(labels)))
    for r, a in enumerate(answers):
        if a in index:
            y[r, index[a]] = 1.0
    return y


def answer(labels: Sequence[str], outputs: Arr) -> str:
    """The label with the highest output (the first of a tie)."""
    return labels[int(np.argmax(outputs))]


def errors(predicted: Arr, truth: Arr) -> Arr:
    """Per row of outputs: 1 where the predicted label is not the true one, else 0."""
    out: Arr = (predicted.argmax(axis=1) != truth.argmax(axis=1)).astype(np.float64)
    return out
