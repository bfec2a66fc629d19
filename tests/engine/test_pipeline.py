"""The pipeline's vectors and identity, and the stages run through the app on a history whose
right answer is known by construction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder, FastEmbedEmbedder
from mindprint.engine.factors.grouping import TONE_ID
from mindprint.engine.features.extract import CorpusStats
from mindprint.engine.pipeline import Pipeline, embed_mean, sentence_pieces
from mindprint.engine.protocols import Vector
from mindprint.engine.types import Item
from mindprint.store import NewItem, Store


def test_sentence_mean_vectors_are_unit_and_one_per_text(fake_embedder: FakeEmbedder) -> None:
    texts = ["One sentence only", "First part. Second part! Third part?", ""]
    assert sentence_pieces(texts[1]) == ["First part.", "Second part!", "Third part?"]
    v = embed_mean(fake_embedder, texts, extra=["key; phrases"])
    assert v.shape == (4, fake_embedder.dim)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], fake_embedder.embed(["One sentence only"])[0], atol=1e-5)


@pytest.fixture
def app(fake_embedder: FakeEmbedder, tmp_path: object) -> Mindprint:
    from pathlib import Path

    store = Store.open(Path(str(tmp_path)) / "t.sqlite")
    return Mindprint(store, fake_embedder)


def _battery_user(app: Mindprint, n: int = 16) -> None:
    items = []
    for i in range(n):
        if i % 2 == 0:
            items.append(NewItem(f"Review request: lamp model {i} with a small battery, {i} lumens", "2", "2", 2.0))
        else:
            items.append(NewItem(f"Review request: shoe model {i} with deep lugs, {i} grams", "5", "5", 5.0))
    app.add_items("u", items)


def test_app_prediction_follows_the_battery_factor(app: Mindprint) -> None:
    _battery_user(app)
    app.build("u")
    _, factors, _ = app.factors("u")
    battery = next(f for f in factors if any("battery" in m for m in f.members))
    assert battery.stats["lift"] < -0.5
    assert not any("review" in m for f in factors for m in f.members)
    low = app.retrieve("u", "Review request: lamp model 99 with a small battery, 500 lumens", 3)
    high = app.retrieve("u", "Review request: shoe model 99 with deep lugs, 300 grams", 3)
    assert low.prediction is not None and high.prediction is not None
    assert int(low.prediction.label) < int(high.prediction.label)
    assert all(h.item.score == 2.0 for h in low.hits)


def test_build_is_incremental_and_keeps_factor_ids(app: Mindprint) -> None:
    _battery_user(app)
    first = app.build("u")
    ids = {f.name: f.id for f in app.factors("u")[1]}
    app.add_items("u", [NewItem("Review request: lamp model 77 with a small battery", "2", "2", 2.0)])
    second = app.build("u")
    assert first.processed == 16 and second.processed == 1
    again = {f.name: f.id for f in app.factors("u")[1]}
    assert ids["small battery"] == again["small battery"]
    assert set(ids.values()) == set(again.values())


def test_a_new_item_is_retrievable_at_once_after_feedback(app: Mindprint) -> None:
    _battery_user(app)
    app.build("u")
    app.record_feedback("u", "A titanium spork that weighs nine grams", "Lovely spork", rating=5)
    res = app.retrieve("u", "titanium spork nine grams", 1, mode="raw")
    assert "spork" in res.hits[0].item.input
    app.wait_idle()


def test_pipeline_identity_names_the_vectors(fake_embedder: FakeEmbedder) -> None:
    pipe = Pipeline(fake_embedder)
    assert "vec2" in pipe.id and fake_embedder.model_id in pipe.id
    corpus = CorpusStats.from_texts(["a battery lamp. it is bright."])
    [r] = pipe.process_items([Item(1, "a battery lamp. it is bright.", "5", score=5.0)], corpus)
    assert set(r.vectors) == {"features", "raw", "signals"}
    assert r.vectors["signals"].shape == (8,)
    assert any(f.factor_id is None for f in r.features)
    assert TONE_ID == "f_tone"


class _Recording(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts):  # type: ignore[no-untyped-def]
        self.seen += list(texts)
        return super().embed(texts)


def test_an_unanswered_exchange_is_keyed_by_its_words_and_an_answer_by_its_features() -> None:
    emb = _Recording()
    pipe = Pipeline(emb)
    said = "We hiked the ridge trail at dawn. The battery lamp died halfway."
    rated = "A battery lamp for the ridge trail. It died halfway at dawn."
    corpus = CorpusStats.from_texts([said, rated])
    chat, answer = pipe.process_items(
        [Item(1, said, "", kind="exchange", prompt_chars=len(said)),
         Item(2, rated, "2", score=2.0, kind="turn")], corpus)
    np.testing.assert_array_equal(chat.vectors["features"], chat.vectors["raw"])
    assert not np.allclose(answer.vectors["features"], answer.vectors["raw"])
    # Only the answered turn's serialised features were embedded as a key.
    keys = [t for t in emb.seen if "; " in t]
    assert len(keys) == 1 and all(s not in keys[0] for s in said.split(". "))


@pytest.mark.model
def test_a_build_embeds_a_text_repeated_across_batches_once_and_stores_the_same_vectors(
    tmp_path: object, real_embedder: FastEmbedEmbedder
) -> None:
    from pathlib import Path

    class Counting:
        def __init__(self) -> None:
            self.seen: list[str] = []
            self.model_id, self.dim = real_embedder.model_id, real_embedder.dim

        def embed(self, texts: Sequence[str]) -> Vector:
            self.seen += list(texts)
            return real_embedder.embed(texts)

    said = ["Thanks, that helps a lot.", "I cannot eat spicy food, it makes me ill.", "Which train goes to Lyon?"]
    items = [NewItem(f"{said[i % 3]} Question {i} is about the number {i * 7}.", "Sure.", source="chat",
                     meta={"kind": "turn"}) for i in range(9)]
    stored: dict[int, dict[str, Any]] = {}
    for batch in (2, 64):  # several batches (each repeat in a later one), and one batch
        emb = Counting()
        app = Mindprint(Store.open(Path(str(tmp_path)) / f"b{batch}.sqlite"), emb)
        app.add_items("u", items)
        app.build("u", batch=batch)
        stored[batch] = {k: app.store.get_vectors("u", k, emb.model_id) for k in ("raw", "features")}
        stored[batch]["prefs"] = app.store.get_pref_vectors("u", emb.model_id)
        app.close()
        item_texts = [t for t in emb.seen if t in said or t.startswith("Question")]
        assert len(item_texts) == len(set(item_texts))  # each sentence embedded once in the build
    for k in ("raw", "features"):
        assert stored[2][k][0] == stored[64][k][0]
        np.testing.assert_array_equal(stored[2][k][1], stored[64][k][1])
    assert stored[2]["prefs"].keys() == stored[64]["prefs"].keys() and stored[2]["prefs"]
    for i, v in stored[2]["prefs"].items():
        np.testing.assert_array_equal(v, stored[64]["prefs"][i])
