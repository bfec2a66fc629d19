"""Reasons as features: aspects judged by their own cues, quantities stated, tone as a kind."""

from __future__ import annotations

from mindprint.engine.features.aspects import aspects, quantities, quantity_value
from mindprint.engine.features.extract import CorpusStats, OfflineFeatureExtractor, sentiment
from mindprint.engine.types import Item


def _pol(text: str) -> dict[str, float]:
    return {f.name: f.polarity for f in aspects(text, sentiment)}


def test_aspects_are_judged_by_their_own_cues() -> None:
    assert _pol("the zip snapped on the third run") == {"durability": -1.0}
    got = _pol("cheap and light, but the seam ripped")
    assert got["weight"] == 1.0 and got["price/value"] == 1.0 and got["durability"] == -1.0
    assert _pol("it is not light at all")["weight"] == -1.0
    assert _pol("pricey, but worth every cent")["price/value"] == 1.0  # after "but" counts
    # A content phrase ending in "tone" is sound, not the text's tone feature.
    assert "sound" in _pol("a clean tone and no hum")


def test_quantities_map_units_to_attributes() -> None:
    got = {(f.name, f.context) for f in quantities("265 g, 1.9 kg, $140, 20 h GPS, 6 mm drop")}
    assert got == {("weight", "265 g"), ("weight", "1900 g"), ("price/value", "$140"),
                   ("battery life", "20 h"), ("size and fit", "6 mm")}
    assert quantity_value("1900 g") == 1900.0 and quantity_value("$140") == 140.0


def test_tone_is_a_kind_not_a_name_suffix() -> None:
    feats = OfflineFeatureExtractor().extract(
        [Item(1, "great clean tone from this pedal", "5", score=5.0)], CorpusStats()
    )[0]
    tones = [f for f in feats if f.kind == "tone"]
    assert len(tones) == 1 and tones[0].name.endswith("tone")
    assert all(f.kind != "tone" for f in feats if f.name == "clean tone")
