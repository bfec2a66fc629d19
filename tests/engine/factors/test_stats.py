"""Factor statistics from the user's own history."""

from __future__ import annotations

from mindprint.engine.factors.stats import factor_stats
from mindprint.engine.types import Factor, Feature, Item


def battery_history() -> tuple[list[Item], list[list[Feature]]]:
    """Twelve items: "battery" ones answered 2, "sound" ones 5 (also read by test_paths)."""
    items, feats = [], []
    for i in range(12):
        battery = i % 2 == 0
        score = 2.0 if battery else 5.0
        items.append(Item(i + 1, f"item {i}", str(int(score)), label=str(int(score)), score=score))
        fs = [Feature("battery" if battery else "sound", "ctx"), Feature("neutral tone", "", polarity=0.0)]
        feats.append(fs)
    return items, feats


def test_a_factor_that_always_comes_with_low_scores_has_negative_lift() -> None:
    items, feats = battery_history()
    factors = [Factor("f_b", "battery", "", ("battery",)), Factor("f_s", "sound", "", ("sound",))]
    out = {f.name: f.stats for f in factor_stats(factors, items, feats, {"battery": "f_b", "sound": "f_s"})}
    assert out["battery"]["lift"] < -0.8 < 0.8 < out["sound"]["lift"]
    assert out["battery"]["n_items"] == 6 and out["battery"]["uncertain"] is False
