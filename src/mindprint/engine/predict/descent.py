"""Coordinate descent of a departure prior on a per-item error. Pure.

Shared by the rating and the label kernel fits (``departure.fit_kernel``,
``labels.fit_label_kernel``): each tries every listed value of one part at a time."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TypeVar

import numpy as np

from mindprint.engine.predict.kernel import Arr, Kernel

K = TypeVar("K", bound=Kernel)


def descend(
    start: K, search: Mapping[str, Sequence[float]], errors: Callable[[K], Arr], sweeps: int
) -> K:
    """The kernel with the least per-item ``errors``, one part at a time. A step away from
    the current kernel is taken only when it is better by more than one standard error of
    the paired difference, so a small or noisy pool keeps ``start`` rather than chasing noise."""
    best, best_err = start, errors(start)
    for _ in range(sweeps):
        moved = False
        for name, values in search.items():
            for v in values:
                cand = replace(best, **{name: v})
                err = errors(cand)
                gain = best_err - err
                if gain.mean() > gain.std(ddof=1) / np.sqrt(len(gain)):
                    best, best_err, moved = cand, err, True
        if not moved:
            break
    return best
