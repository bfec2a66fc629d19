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

from mindprint.engine.population import Answers, Arr

OFFSET_PSEUDO = 3.0
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
    history: Sequence[Evidence],
    neighbours: Sequence[tuple[int, float]],
    query_factors: Sequence[str],
    outputs: int,
) -> Departure:
    """The shrunk personal terms for one query.

    ``neighbours`` are (item id, similarity) of the retrieved items; ``query_factors``
    the ids of the user's factors the query mentions.
    """
    zero = np.zeros(outputs)
    if not history:
        return Departure(zero, zero, zero, (), {})
    res = np.stack([e.residual for e in history])
    offset: Arr = res.sum(axis=0) / (len(history) + OFFSET_PSEUDO)
    by_id = {e.item_id: e for e in history}
    near = [(i, s) for i, s in neighbours if i in by_id]
    local = zero
    if near:
        sims = np.asarray([s for _, s in near])
        w = np.exp((sims - sims.max()) / NEIGHBOUR_TEMPERATURE)
        dev = np.stack([by_id[i].residual - offset for i, _ in near])
        local = (w[:, None] * dev).sum(axis=0) / (w.sum() + NEIGHBOUR_PSEUDO)
    moves: dict[str, Arr] = {}
    for fid in query_factors:
        members = [e.residual - offset for e in history if fid in e.factors]
        if members:
            moves[fid] = np.sum(members, axis=0) / (len(members) + FACTOR_PSEUDO)
    factor_term = np.mean(list(moves.values()), axis=0) if moves else zero
    return Departure(offset, local, factor_term, tuple(i for i, _ in near), moves)


def personal_answer(answers: Answers, population: npt.ArrayLike, dep: Departure) -> str:
    out = np.asarray(population, dtype=np.float64) + dep.total
    return answers.answer(out)
