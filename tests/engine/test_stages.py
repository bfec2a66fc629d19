"""Each engine stage on small histories whose right answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.factors import (
    TONE_ID,
    EmbeddingFactorBuilder,
    Grouping,
    average_linkage,
    stabilize_ids,
)
from mindprint.engine.features import CorpusStats, OfflineFeatureExtractor, serialize, text_signals
from mindprint.engine.paths import TemplatePathWriter
from mindprint.engine.pipeline import Pipeline, embed_mean, sentence_pieces
from mindprint.engine.predict import ScoredItem, predict_label, predict_rating
from mindprint.engine.rating import (
    fit_effects,
    load_prior,
    median_label,
    ordinal_probs,
)
from mindprint.engine.retrieval import top_k
from mindprint.engine.stats import factor_stats
from mindprint.engine.types import Factor, Feature, Item
from mindprint.store import NewItem, Store

# --------------------------------------------------------------------- features


def _items(texts: list[str], scores: list[float] | None = None) -> list[Item]:
    return [
        Item(id=i + 1, input=t, response=str(int(s)) if scores else "ok", score=s if scores else None)
        for i, (t, s) in enumerate(zip(texts, scores or [0.0] * len(texts), strict=True))
    ]


def test_template_words_in_most_items_are_not_features() -> None:
    texts = [
        "Review request: Ember headlamp, 350 lumens, heavy battery.",
        "Review request: Trail shoe with deep lugs and a rock plate.",
        "Review request: Carbon poles, folding, very light.",
        "Review request: Rain jacket, taped seams, hood.",
        "Review request: GPS watch with long battery life.",
    ]
    corpus = CorpusStats.from_texts(texts)
    feats = OfflineFeatureExtractor().extract(_items(texts), corpus)
    names = {f.name for fs in feats for f in fs}
    assert not any("review" in n or "request" in n for n in names)
    assert any("headlamp" in n for n in feats[0] for n in [n.name for n in feats[0]])


def test_tone_feature_follows_the_sentiment() -> None:
    corpus = CorpusStats.from_texts(["x"])
    ex = OfflineFeatureExtractor()
    good = ex.extract_query("I love this amp, the sound is wonderful.", corpus, [])
    bad = ex.extract_query("Terrible amp. It broke after a day and sounds awful.", corpus, [])
    tone = {f.name: f.polarity for f in good if f.name.endswith(" tone")}
    assert next(iter(tone.values())) > 0.5
    assert next(f.polarity for f in bad if f.name.endswith(" tone")) < -0.5
    assert "tone" in serialize(good)


def test_text_signals_see_a_single_complaint() -> None:
    happy = text_signals("Great strap. Looks good. Works well.")
    mixed = text_signals("Great strap. Looks good. But it broke and I returned it, terrible.")
    assert len(happy) == len(mixed) == 8
    assert mixed[3] < happy[3]  # most negative sentence
    assert mixed[7] > happy[7]  # return words


def test_sentence_mean_vectors_are_unit_and_one_per_text(fake_embedder: FakeEmbedder) -> None:
    texts = ["One sentence only", "First part. Second part! Third part?", ""]
    assert sentence_pieces(texts[1]) == ["First part.", "Second part!", "Third part?"]
    v = embed_mean(fake_embedder, texts, extra=["key; phrases"])
    assert v.shape == (4, fake_embedder.dim)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], fake_embedder.embed(["One sentence only"])[0], atol=1e-5)


# ----------------------------------------------------------------------- factors


def test_average_linkage_stops_at_the_threshold() -> None:
    sim = np.array([[1, 0.9, 0.1], [0.9, 1, 0.1], [0.1, 0.1, 1]], dtype=np.float32)
    groups = sorted(sorted(g) for g in average_linkage(sim, 0.5))
    assert groups == [[0, 1], [2]]


def test_synonyms_end_up_in_one_factor(real_embedder: object) -> None:
    names = [
        ["battery life", "strap"], ["batteries", "guitar strap"], ["battery", "price"],
        ["battery drain", "cheap price"], ["leather strap", "battery life"], ["price", "batteries"],
    ]
    feats = [[Feature(n, "ctx") for n in ns] for ns in names]
    g = EmbeddingFactorBuilder(real_embedder).build(feats)  # type: ignore[arg-type]
    a = g.assignment
    assert a["battery life"] == a["batteries"] == a["battery"]
    assert a["strap"] == a["guitar strap"]
    assert a["battery"] != a["strap"]
    battery = next(f for f in g.factors if f.id == a["battery"])
    assert "batter" in battery.name


def test_one_off_phrases_join_the_factor_of_a_shared_word(fake_embedder: FakeEmbedder) -> None:
    feats = [[Feature("battery", "c")], [Feature("battery", "c")], [Feature("rear battery pack", "c")]]
    g = EmbeddingFactorBuilder(fake_embedder).build(feats)
    assert g.assignment["rear battery pack"] == g.assignment["battery"] is not None


def test_factor_ids_are_stable_when_the_grouping_barely_changes() -> None:
    old = [Factor("f_old", "battery", "", ("battery", "batteries", "battery life"))]
    new = Grouping(
        factors=[
            Factor("f_new", "battery", "", ("battery", "batteries", "battery life", "charge")),
            Factor("f_other", "strap", "", ("strap",)),
        ],
        assignment={"battery": "f_new", "charge": "f_new", "strap": "f_other"},
    )
    out = stabilize_ids(new, old)
    assert [f.id for f in out.factors] == ["f_old", "f_other"]
    assert out.assignment["charge"] == "f_old"
    # A different grouping does not inherit the id.
    moved = Grouping([Factor("f_x", "price", "", ("price", "cost"))], {"price": "f_x"})
    assert stabilize_ids(moved, old).factors[0].id == "f_x"


# ------------------------------------------------------------------- statistics


def _battery_history() -> tuple[list[Item], list[list[Feature]]]:
    items, feats = [], []
    for i in range(12):
        battery = i % 2 == 0
        score = 2.0 if battery else 5.0
        items.append(Item(i + 1, f"item {i}", str(int(score)), label=str(int(score)), score=score))
        fs = [Feature("battery" if battery else "sound", "ctx"), Feature("neutral tone", "", polarity=0.0)]
        feats.append(fs)
    return items, feats


def test_a_factor_that_always_comes_with_low_scores_has_negative_lift() -> None:
    items, feats = _battery_history()
    factors = [Factor("f_b", "battery", "", ("battery",)), Factor("f_s", "sound", "", ("sound",))]
    out = {f.name: f.stats for f in factor_stats(factors, items, feats, {"battery": "f_b", "sound": "f_s"})}
    assert out["battery"]["lift"] < -0.8 < 0.8 < out["sound"]["lift"]
    assert out["battery"]["n_items"] == 6 and out["battery"]["uncertain"] is False


def test_paths_are_short_and_cite_the_evidence() -> None:
    items, feats = _battery_history()
    factors = factor_stats(
        [Factor("f_b", "battery", "", ("battery",)), Factor("f_s", "sound", "", ("sound",))],
        items, feats, {"battery": "f_b", "sound": "f_s"},
    )
    tagged = [[Feature(f.name, f.context, polarity=f.polarity, factor_id={"battery": "f_b", "sound": "f_s"}.get(f.name)) for f in fs] for fs in feats]
    path = TemplatePathWriter().write_one(items[0], tagged[0], factors)
    assert "'battery'" in path and "2.0" in path and "Answered '2'" in path
    assert len(path) < 300


# -------------------------------------------------------------------- prediction


def test_ordinal_model_shrinks_small_histories() -> None:
    cut = np.array([-2.0, -1.0, 0.0, 1.0])
    few = fit_effects(np.zeros(2), [1, 1], np.ones((2, 1)), cut, np.array([0.5]))[0]
    many = fit_effects(np.zeros(30), [1] * 30, np.ones((30, 1)), cut, np.array([0.5]))[0]
    assert many < few < 0
    p = ordinal_probs(np.array([5.0]), cut)[0]
    assert abs(p.sum() - 1) < 1e-9 and median_label(p) == 5
    assert median_label(np.array([0.3, 0.1, 0.05, 0.05, 0.5])) == 4


def test_the_predictor_follows_a_factor_with_low_ratings() -> None:
    prior = load_prior()
    assert prior is not None
    head = prior.lexical
    battery = Factor("f_b", "battery", "", ("battery",))
    z = float(head.cutpoints[3])  # a text that reads as a 4-to-5-star review
    hist = [
        ScoredItem(2.0 if i % 2 == 0 else 5.0, z, frozenset({"f_b"}) if i % 2 == 0 else frozenset())
        for i in range(16)
    ]
    with_b = predict_rating(z, [battery], hist, head)
    without = predict_rating(z, [], hist, head)
    assert int(with_b.label) <= 3 < int(without.label)
    assert "'battery'" in with_b.explanation
    assert abs(sum(with_b.distribution.values()) - 1) < 1e-3


def test_the_shipped_prior_reads_stars_from_text(real_embedder: object) -> None:
    prior = load_prior()
    assert prior is not None and prior.model_id == real_embedder.model_id  # type: ignore[attr-defined]
    texts = [
        "Absolutely love this tuner. Accurate, bright display, works perfectly. Five stars.",
        "Cheap junk. It broke in a week and the seller would not refund me. Avoid.",
    ]
    emb = embed_mean(real_embedder, texts)  # type: ignore[arg-type]
    lat = prior.latent(prior.model_id, emb, np.array([text_signals(t) for t in texts]))
    stars = ordinal_probs(lat, prior.full.cutpoints) @ np.arange(1, 6)
    assert stars[0] > 4.5 and stars[1] < 3.0


def test_label_kernel_prefers_a_close_neighbour_over_the_base_rate() -> None:
    labels = ["POLITICS"] * 8 + ["SPORTS"]
    close = np.array([0.2] * 8 + [0.8])
    far = np.array([0.3] * 8 + [0.31])
    assert predict_label(labels, close).label == "SPORTS"
    assert predict_label(labels, far).label == "POLITICS"
    assert predict_label([], np.array([])).label == ""


def test_tone_distance_reorders_retrieval() -> None:
    vecs = {"features": np.eye(3, dtype=np.float32)[[0, 0, 0]], "raw": np.eye(3, dtype=np.float32)[[0, 0, 0]]}
    q = {"features": np.eye(3, dtype=np.float32)[0], "raw": np.eye(3, dtype=np.float32)[0]}
    tones = np.array([0.9, -0.8, 0.1], dtype=np.float32)
    hits = top_k(q, [1, 2, 3], vecs, 3, mode="features", tone=(-0.9, tones))
    assert [h.item_id for h in hits] == [2, 3, 1]


# ---------------------------------------------------------------------- the app


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
