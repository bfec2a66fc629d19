"""The user index keeps the residuals under one population model as an explicit value:
computed once, replaced under another model, and never shared with a cut index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.predict.index import UserIndex, chronological, history, sub_index
from mindprint.engine.predict.kernel import DEFAULT_KERNEL, Kernel
from mindprint.engine.predict.population import Answers, Arr
from mindprint.engine.types import Item

STARS = Answers(scale=(1.0, 5.0))


@dataclass(frozen=True)
class Constant:
    """A population model that reads every text as the same number of stars."""

    stars: float
    answers: Answers = STARS
    kernel: Kernel = DEFAULT_KERNEL
    personal: bool = False
    who: str = "a model of everyone"

    def outputs(self, raw: npt.ArrayLike, signals: npt.ArrayLike) -> Arr:
        return np.full((np.atleast_2d(np.asarray(raw)).shape[0], 1), self.stars)


def _index() -> UserIndex:
    rng = np.random.default_rng(0)
    ids = [3, 1, 2]
    dates = {1: "2024-03-01", 2: "2024-01-01", 3: "2024-02-01"}
    items = {i: Item(i, f"text {i}", str(i + 1), score=float(i + 1), created_at=dates[i]) for i in ids}
    raw = rng.normal(size=(3, 4)).astype(np.float32)
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    return UserIndex(revision=1, ids=sorted(ids), vectors={"raw": raw, "features": raw}, items=items,
                     polarity={}, corpus=CorpusStats.from_texts(["x"]), scored=list(items.values()),
                     star_scale=True, signals=np.zeros((3, 8)))


def test_the_index_keeps_the_residuals_under_one_model() -> None:
    c = _index()
    three, four = Constant(3.0), Constant(4.0)
    first, _ = c.residuals.under(three, c)
    assert c.residuals.under(three, c)[0] is first  # computed once
    assert first.residuals[:, 0].tolist() == [-1.0, 0.0, 1.0]  # items 1, 2, 3 answered 2, 3, 4
    other, _ = c.residuals.under(four, c)
    assert other is not first and other.residuals[:, 0].tolist() == [-2.0, -1.0, 0.0]
    assert c.residuals.under(three, c)[0] is not first  # one entry: the other model replaced it
    # Positions follow the dates, not the ids: item 2 is the oldest, item 1 the latest.
    assert chronological(c) == [2, 3, 1]
    assert first.positions.tolist() == [2.0, 0.0, 1.0]
    np.testing.assert_array_equal(history(three, c).residuals, first.residuals)


def test_a_cut_index_reads_its_own_residuals() -> None:
    c = _index()
    pop = Constant(3.0)
    full, _ = c.residuals.under(pop, c)
    cut = sub_index(c, [2, 3])
    part, _ = cut.residuals.under(pop, cut)
    assert len(full) == 3 and len(part) == 2 and set(part.rows) == {2, 3}
    assert c.residuals.under(pop, c)[0] is full
