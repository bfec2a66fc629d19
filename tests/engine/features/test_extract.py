"""Offline feature extraction on small histories whose right answer is known by construction."""

from __future__ import annotations

from mindprint.engine.features.extract import (
    CorpusStats,
    OfflineFeatureExtractor,
    serialize,
    text_signals,
)
from mindprint.engine.types import Item


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
