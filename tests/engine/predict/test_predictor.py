"""The likely answer when there is no population to depart from: a history of labels whose
texts are not read yet (the first items, before the first build)."""

from __future__ import annotations

import numpy as np

from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.pipeline import PreparedQuery
from mindprint.engine.predict.index import UserIndex
from mindprint.engine.predict.predictor import predict
from mindprint.engine.types import Item

QUERY = PreparedQuery(features=[], vectors={"raw": np.zeros(4), "signals": np.zeros(8)})


def _unread(*labelled: tuple[str | None, float | None]) -> UserIndex:
    """Items stored but not yet read (no vectors), oldest first."""
    items = {i: Item(i, f"text {i}", lab or str(score), label=lab, score=score, created_at=f"2026-01-0{i}")
             for i, (lab, score) in enumerate(labelled, start=1)}
    return UserIndex(revision=1, ids=[], vectors={}, items=items, polarity={},
                     corpus=CorpusStats.from_texts(["x"]), scored=[it for it in items.values() if it.score is not None],
                     labelled=[it for it in items.values() if it.label is not None])


def test_labels_given_before_any_text_is_read_answer_by_the_most_given() -> None:
    p = predict(_unread(("Hateful", None), ("Non-hateful", None), ("Hateful", None)), QUERY)
    assert p is not None and p.label == "Hateful"
    assert p.distribution == {"Hateful": 0.6667, "Non-hateful": 0.3333}
    assert "gave most so far (2 of 3)" in p.explanation.text and p.explanation.text.endswith("-> Hateful")


def test_a_tie_goes_to_the_label_given_last() -> None:
    p = predict(_unread(("Hateful", None), ("Non-hateful", None)), QUERY)
    assert p is not None and p.label == "Non-hateful"


def test_no_label_history_no_answer() -> None:
    assert predict(_unread((None, 4.0), (None, 5.0)), QUERY) is None  # ratings: never without a population
    assert predict(_unread(), QUERY) is None
