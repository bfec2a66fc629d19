"""A remark near every question does not outrank the preference a question needs: the
share of a statement's similarity that is near requests in general is taken off its rank
(engine/predict/retrieval.py, ``applying``; the requests: features/reader.py). The ranking
tests use the real model."""

from __future__ import annotations

import numpy as np
import pytest

from mindprint.embed import FastEmbedEmbedder
from mindprint.embed.fake import FakeEmbedder
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.features.reader import REQUESTS
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.predict.retrieval import PrefIndex, applying
from tests.engine.predict.test_preferences_apply import index_of

HALAL = "I follow a strict halal diet, so I bring my own food to work."
IDEAS = "I'm always looking for fresh ideas to try."
CRUELTY = "I usually prefer cruelty-free products."
ROAMING = "I usually prefer recommendations that are a bit off the beaten path."


def test_the_generic_direction_is_the_unit_mean_of_the_requests() -> None:
    emb = FakeEmbedder()
    got = Pipeline(emb).generic_vector()
    mean = np.asarray(emb.embed(list(REQUESTS))).mean(axis=0)
    assert np.allclose(got, mean / np.linalg.norm(mean), atol=1e-6)
    assert np.isclose(np.linalg.norm(got), 1.0)


def quotes(pipe: Pipeline, idx: PrefIndex, query: str, generic: bool) -> list[str]:
    pq = pipe.prepare_query(query, CorpusStats(), [])
    found = applying(idx, pq.vectors["plain"], pq.phrases, 3,
                     generic=pipe.generic_vector() if generic else None)
    return [str(a.factor.stats["quote"]) for a in found]


@pytest.mark.model
@pytest.mark.parametrize(("said", "query"), [
    ([HALAL, IDEAS], "What are some must-try dishes in Beijing?"),
    ([HALAL, IDEAS], "What local Spanish tapas would you recommend I try in Barcelona?"),
    ([CRUELTY, ROAMING], "What high-end makeup brands would you recommend for a special event?"),
])
def test_a_remark_near_every_question_no_longer_outranks_the_preference(
    real_embedder: FastEmbedEmbedder, said: list[str], query: str,
) -> None:
    pipe, idx = index_of(real_embedder, said)
    assert quotes(pipe, idx, query, generic=False)[0] == said[1]  # similarity alone
    assert quotes(pipe, idx, query, generic=True)[0] == said[0]


@pytest.mark.model
def test_whether_a_preference_applies_is_still_its_similarity_to_the_question(
    real_embedder: FastEmbedEmbedder,
) -> None:
    # The discount orders what applies; it does not drop a diet whose own similarity to a
    # question about tapas clears the floor.
    pipe, idx = index_of(real_embedder, [HALAL, IDEAS])
    query = "What local Spanish tapas would you recommend I try in Barcelona?"
    assert set(quotes(pipe, idx, query, generic=True)) == set(quotes(pipe, idx, query, generic=False)) == {HALAL, IDEAS}
