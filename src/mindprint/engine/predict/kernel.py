"""How far people depart from the population: the prior of the departure model. Pure.

A :class:`Kernel` holds the prior variances of the parts of a person's departure (see
:mod:`mindprint.engine.predict.departure`), relative to the noise of one answer. How much people
depart, and in which ways, is a property of a domain and of how well the population
model reads it: beer drinkers use the scale in their own ways and answer alike for
alike beers; instrument buyers mostly say what they mean. So the kernel is fitted on
the histories of many users where there are many (``departure.fit_kernel``: each item
predicted from the user's other items), and a default, chosen on product reviews (the
domain the shipped rating prior was trained on), serves a single user.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Kernel:
    """Prior variances of the departure's parts, relative to one answer's noise."""

    offset: float = 0.3
    # On the population output scaled to [-1, 1] over the scale (labels: as is).
    calibration: float = 0.0
    similar: float = 0.1
    length: float = 0.5  # cosine distance over which item similarity decays (e-fold)
    factors: float = 0.1
    noise: float = 1.0

    def with_(self, **changes: float) -> Kernel:
        return replace(self, **changes)


# Chosen on the dev split of the Amazon musical-instrument reviews (benchmarks/README.md
# has the search and the other domains' fits).
DEFAULT_KERNEL = Kernel()

# The values the fit tries for each part (coordinate descent over these).
SEARCH: dict[str, tuple[float, ...]] = {
    "offset": (0.01, 0.03, 0.1, 0.3, 1.0),
    "calibration": (0.0, 0.1, 0.4, 1.2, 4.0),
    "similar": (0.0, 0.1, 0.3, 1.0, 3.0),
    "length": (0.3, 0.5, 1.0),
    "factors": (0.0, 0.01, 0.03, 0.1, 0.3),
}


def similarity(a: Arr, b: Arr, length: float) -> Arr:
    """exp((cos - 1) / length) between rows of unit vectors."""
    out: Arr = np.exp((a @ b.T - 1.0) / length)
    return out


def gram_of(kernel: Kernel, cos: Arr, outer_out: Arr, outer_fac: Arr) -> Arr:
    """The prior covariance of items' departures (without the noise), from their cosine
    similarities and the outer products of their population outputs and factor values."""
    g: Arr = (kernel.offset + kernel.calibration * outer_out
              + kernel.similar * np.exp((cos - 1.0) / kernel.length)
              + kernel.factors * outer_fac)
    return g


def gram(kernel: Kernel, out: Arr, vec: Arr, fac: Arr) -> Arr:
    """The prior covariance of the departures of items (without the noise)."""
    return gram_of(kernel, vec @ vec.T, out @ out.T, fac @ fac.T)
