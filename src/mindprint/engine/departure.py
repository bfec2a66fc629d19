"""A person's answer as the population's answer plus *their* departures from it. Pure.

The population model reads the query the way it reads anyone's (what the text alone
predicts). This person's history says how they depart from it: on every history item
the residual ``answer - population(text)`` is how much kinder, harsher, or otherwise
different they were than their words suggest. The prediction adds three shrunk terms:

- the user's **offset**: their mean residual over the whole history;
- the **neighbours**: the residuals (beyond the offset) of the retrieved history items
  most similar to the query, weighted by similarity: how this person answered *items
  like this one* relative to what the text said;
- the **factors**: for each of the user's factors the query mentions, the mean residual
  (beyond the offset) of the history items where that factor is present.

Each term is a sum over evidence divided by (evidence + a pseudo-count), so a user with
three items barely moves the population's answer and one with thirty can dominate it.
Ratings have one output (the score); labels one per label (one-vs-rest), where the
residuals are label-frequency shifts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mindprint.engine.population import Answers, Arr, user_offset

NEIGHBOUR_PSEUDO = 3.0
# Neighbour weights: exp((sim - best) / T), so the closest items dominate.
NEIGHBOUR_TEMPERATURE = 0.1
FACTOR_PSEUDO = 10.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """One history item as the departure model reads it."""

    item_id: int
    residual: Arr  # (outputs,) answer - population(text)
    factors: frozenset[str]


@dataclass(frozen=True, slots=True)
class History:
    """A user's evidence as arrays, built once per model revision and population (every
    query of that user reads the same residuals)."""

    residuals: Arr  # (items, outputs)
    rows: Mapping[int, int]  # item id -> row
    by_factor: Mapping[str, npt.NDArray[np.int64]]  # factor id -> rows where it is present

    @classmethod
    def of(cls, evidence: Sequence[Evidence], outputs: int) -> History:
        res = np.stack([e.residual for e in evidence]) if evidence else np.zeros((0, outputs))
        factors: dict[str, list[int]] = {}
        for n, e in enumerate(evidence):
            for fid in e.factors:
                factors.setdefault(fid, []).append(n)
        return cls(
            np.asarray(res, dtype=np.float64),
            {e.item_id: n for n, e in enumerate(evidence)},
            {fid: np.asarray(rows, dtype=np.int64) for fid, rows in factors.items()},
        )

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class Departure:
    """The personal terms added to the population's outputs, and what moved them."""

    offset: Arr
    neighbours: Arr
    factors: Arr
    neighbour_ids: tuple[int, ...]
    factor_moves: Mapping[str, Arr]

    @property
    def total(self) -> Arr:
        out: Arr = self.offset + self.neighbours + self.factors
        return out


def departure(
    history: History,
    neighbours: Sequence[tuple[int, float]],
    query_factors: Sequence[str],
) -> Departure:
    """The shrunk personal terms for one query.

    ``neighbours`` are (item id, similarity) of the retrieved items; ``query_factors``
    the ids of the user's factors the query mentions.
    """
    res = history.residuals
    zero = np.zeros(res.shape[1])
    if not len(history):
        return Departure(zero, zero, zero, (), {})
    offset = user_offset(res)
    near = [(i, s) for i, s in neighbours if i in history.rows]
    local = zero
    if near:
        sims = np.asarray([s for _, s in near])
        w = np.exp((sims - sims.max()) / NEIGHBOUR_TEMPERATURE)
        dev = res[[history.rows[i] for i, _ in near]] - offset
        local = (w[:, None] * dev).sum(axis=0) / (w.sum() + NEIGHBOUR_PSEUDO)
    moves: dict[str, Arr] = {}
    for fid in query_factors:
        rows = history.by_factor.get(fid)
        if rows is not None and len(rows):
            moves[fid] = (res[rows] - offset).sum(axis=0) / (len(rows) + FACTOR_PSEUDO)
    factor_term = np.mean(list(moves.values()), axis=0) if moves else zero
    return Departure(offset, local, factor_term, tuple(i for i, _ in near), moves)


def personal_answer(answers: Answers, population: npt.ArrayLike, dep: Departure) -> str:
    out = np.asarray(population, dtype=np.float64) + dep.total
    return answers.answer(out)
