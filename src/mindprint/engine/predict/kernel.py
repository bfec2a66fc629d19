"""The prior of the departure model: a kernel of named parts that add up. Pure.

A person's departure from the population (see :mod:`mindprint.engine.predict.departure`)
is a Gaussian process over their history items. Its prior covariance is a sum of parts,
each a small object that names its hyperparameters (prior variances relative to the noise
of one answer, and for some a length scale), the values the fit tries for them, and the
covariance it gives two sets of items. The regressor sums whatever parts the kernel has
and never asks which (the shape of scikit-learn's ``gaussian_process.kernels``):

- **offset**: one departure shared by all items (the user's usual leniency; for labels,
  the labels they use more or less than everyone);
- **calibration**: a departure proportional to what the population says, centred on the
  middle of the scale (a user who uses the scale's ends more, or less, than everyone; for
  labels, who follows the population's leaning more or less);
- **similar**: departures shared by items whose texts are alike (how this person answered
  *items like this one*), decaying with the cosine distance;
- **factors**: departures carried by the user's factors (judging weight badly, a stated
  reason), so a factor the query mentions moves the answer by what it did before;
- **recency**: departures shared by items close together in the person's own history
  (what a reporter files under which label drifts), decaying over ``span`` items; a query
  comes after the latest item, and the latest items always reach a prediction.

How much people depart, and in which ways, is a property of a domain and of how well the
population model reads it, so the kernel is fitted on the histories of many users where
there are many (``departure.fit_kernel``), and :data:`DEFAULT_KERNEL`, chosen on product
reviews (the domain the shipped rating prior was trained on), serves a single user.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from mindprint.engine.model_settings import MODEL

Arr = npt.NDArray[np.float64]

@dataclass(frozen=True, slots=True)
class Rows:
    """What the kernel reads of some items: a history's rows, or a query."""

    outputs: Arr  # (n, outputs) the population's outputs, centred and scaled
    vectors: Arr  # (n, dim) unit text embeddings
    factors: Arr  # (n, factor ids) factor values
    positions: Arr  # (n,) places in the person's history, 0 = the oldest item


@dataclass(frozen=True, slots=True)
class Between:
    """The products of two sets of rows that every part reads. Computed once per pair, so
    a fit that tries some fifty kernels on the same rows pays for them once."""

    cos: Arr
    outputs: Arr
    factors: Arr
    apart: Arr  # |difference of positions|

    @classmethod
    def of(cls, a: Rows, b: Rows) -> Between:
        return cls(a.vectors @ b.vectors.T, a.outputs @ b.outputs.T, a.factors @ b.factors.T,
                   np.abs(a.positions[:, None] - b.positions[None, :]))


class PartKind(enum.Enum):
    OFFSET = "offset"
    CALIBRATION = "calibration"
    SIMILAR = "similar"
    FACTORS = "factors"
    RECENCY = "recency"


class SplitBy(enum.Enum):
    """What a part's move on a query splits into: one share per history item, or one per
    factor the query carries."""

    ITEM = "item"
    FACTOR = "factor"


class Part(Protocol):
    """One part of the kernel. Its hyperparameters are its dataclass fields; ``SEARCH``
    holds the values the fit tries for each (none: the fit leaves it)."""

    kind: ClassVar[PartKind]
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]]
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def cov(self, x: Between) -> Arr:
        """The prior covariance of the departures of two sets of items (without noise)."""
        ...

    def latest(self) -> int:
        """How many of the latest items this part needs to see besides the retrieved ones."""
        ...

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        """The part's posterior mean at the query ``q``, split into shares that sum to it:
        (ITEM, one row per history row) or (FACTOR, one row per factor column)."""
        ...


def _by_item(part: Part, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
    shares: Arr = part.cov(Between.of(q, rows))[0][:, None] * alpha
    return SplitBy.ITEM, shares


@dataclass(frozen=True, slots=True)
class Offset:
    kind: ClassVar[PartKind] = PartKind.OFFSET
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]] = {"offset": (0.01, 0.03, 0.1, 0.3, 1.0)}
    offset: float = 0.3

    def cov(self, x: Between) -> Arr:
        return np.full(x.cos.shape, self.offset)

    def latest(self) -> int:
        return 0

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        return _by_item(self, q, rows, alpha)


@dataclass(frozen=True, slots=True)
class Calibration:
    kind: ClassVar[PartKind] = PartKind.CALIBRATION
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]] = {"calibration": (0.0, 0.1, 0.4, 1.2, 4.0)}
    calibration: float = 0.0  # on the population output scaled to [-1, 1] over the scale

    def cov(self, x: Between) -> Arr:
        out: Arr = self.calibration * x.outputs
        return out

    def latest(self) -> int:
        return 0

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        return _by_item(self, q, rows, alpha)


@dataclass(frozen=True, slots=True)
class Similar:
    kind: ClassVar[PartKind] = PartKind.SIMILAR
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "similar": (0.0, 0.1, 0.3, 1.0, 3.0),
        "length": (0.3, 0.5, 1.0),
    }
    similar: float = 0.1
    length: float = 0.5  # cosine distance over which item similarity decays (e-fold)

    def cov(self, x: Between) -> Arr:
        out: Arr = self.similar * np.exp((x.cos - 1.0) / self.length)
        return out

    def latest(self) -> int:
        return 0

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        return _by_item(self, q, rows, alpha)


@dataclass(frozen=True, slots=True)
class Factors:
    kind: ClassVar[PartKind] = PartKind.FACTORS
    # Fitted on a person's own history (their items carry factor values); a pool read
    # from texts alone has none, and its fit turns the part off (departure.fit_kernel).
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]] = {"factors": (0.0, 0.03, 0.1, 0.3, 1.0)}
    factors: float = 0.1

    def cov(self, x: Between) -> Arr:
        out: Arr = self.factors * x.factors
        return out

    def latest(self) -> int:
        return 0

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        shares: Arr = self.factors * q.factors[0][:, None] * (rows.factors.T @ alpha)
        return SplitBy.FACTOR, shares


@dataclass(frozen=True, slots=True)
class Recency:
    kind: ClassVar[PartKind] = PartKind.RECENCY
    SEARCH: ClassVar[Mapping[str, tuple[float, ...]]] = {
        "recent": (0.0, 0.1, 0.3, 1.0),
        "span": (3.0, 10.0, 30.0),
    }
    recent: float = 0.0
    span: float = 10.0  # items (in the person's own order) over which it decays (e-fold)

    def cov(self, x: Between) -> Arr:
        out: Arr = self.recent * np.exp(-x.apart / self.span)
        return out

    def latest(self) -> int:
        return MODEL.recent_k if self.recent > 0 else 0

    def split(self, q: Rows, rows: Rows, alpha: Arr) -> tuple[SplitBy, Arr]:
        return _by_item(self, q, rows, alpha)


@dataclass(frozen=True, slots=True)
class Kernel:
    """The parts of the prior, in the order they add up, and the noise of one answer."""

    parts: tuple[Part, ...] = (Offset(), Calibration(), Similar(), Factors(), Recency())
    noise: float = 1.0

    def cov(self, x: Between) -> Arr:
        out: Arr = sum((p.cov(x) for p in self.parts), start=np.zeros(x.cos.shape))
        return out

    def latest(self) -> int:
        return max((p.latest() for p in self.parts), default=0)

    def params(self) -> dict[str, float]:
        """Every hyperparameter by name (what a run reports as its fitted kernel)."""
        out = {f.name: float(getattr(p, f.name)) for p in self.parts for f in fields(p)}
        return {**out, "noise": self.noise}

    def search(self) -> dict[str, tuple[float, ...]]:
        """The values the fit tries, part by part in the kernel's order."""
        return {name: values for p in self.parts for name, values in p.SEARCH.items()}

    def with_(self, **changes: float) -> Kernel:
        """The kernel with some hyperparameters changed, each in the part that names it."""
        noise = changes.pop("noise", self.noise)
        parts = []
        for p in self.parts:
            mine = {k: v for k, v in changes.items() if k in {f.name for f in fields(p)}}
            parts.append(replace(p, **mine) if mine else p)
            for k in mine:
                del changes[k]
        if changes:
            raise ValueError(f"no part of the kernel has {sorted(changes)}")
        return Kernel(tuple(parts), noise)


# Chosen on the dev split of the Amazon musical-instrument reviews (benchmarks/README.md
# has the search and the other domains' fits); recency is 0 until a fit turns it on.
DEFAULT_KERNEL = Kernel()
