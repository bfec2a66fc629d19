"""Reasons stated by the host model (origin "host") in the engine: merged into an item's
features before vectors, and evidence for factors even when stated once."""

from __future__ import annotations

import numpy as np

from mindprint.embed import FakeEmbedder
from mindprint.engine.factors.grouping import STATED_ID, EmbeddingFactorBuilder
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.pipeline import Pipeline
from mindprint.engine.types import Feature, Item


def _host(name: str) -> Feature:
    return Feature(name, name, origin="host")


def test_a_reason_stated_once_is_grouped_not_dropped(fake_embedder: FakeEmbedder) -> None:
    feats = [
        [Feature("battery", "c")], [Feature("battery", "c")], [Feature("strap", "c")],
        [_host("battery dies early"), _host("answer too long")],
    ]
    once = [*feats[:3], [Feature("answer too long", "c")]]
    plain = EmbeddingFactorBuilder(fake_embedder).build(once)
    assert plain.assignment["answer too long"] is None  # an extracted phrase seen once: no factor

    g = EmbeddingFactorBuilder(fake_embedder).build(feats)
    assert g.assignment["battery dies early"] == g.assignment["battery"] is not None
    fid = g.assignment["answer too long"]
    assert fid is not None
    factor = next(f for f in g.factors if f.id == fid)
    assert "answer too long" in factor.members
    if fid == STATED_ID:
        assert factor.name == "stated reasons"


def test_given_features_join_the_item_and_its_vector(fake_embedder: FakeEmbedder) -> None:
    p = Pipeline(fake_embedder)
    item = Item(id=7, input="A headlamp with 400 lumens and a rear battery pack.", response="too long")
    corpus = CorpusStats.from_texts([item.text])
    [plain] = p.process_items([item], corpus)
    [given] = p.process_items([item], corpus, given={7: [_host("answer too long")]})
    assert [f for f in given.features if f.origin == "host"] == [_host("answer too long")]
    assert [f for f in given.features if f.origin != "host"] == plain.features
    assert not np.allclose(given.vectors["features"], plain.vectors["features"])
    assert np.allclose(given.vectors["raw"], plain.vectors["raw"])
