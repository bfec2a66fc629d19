"""The offline reasoning paths: short, citing the factor statistics."""

from __future__ import annotations

from mindprint.engine.factors.paths import TemplatePathWriter
from mindprint.engine.factors.stats import factor_stats
from mindprint.engine.types import Factor, Feature
from tests.engine.factors.test_stats import battery_history


def test_paths_are_short_and_cite_the_evidence() -> None:
    items, feats = battery_history()
    factors = factor_stats(
        [Factor("f_b", "battery", "", ("battery",)), Factor("f_s", "sound", "", ("sound",))],
        items, feats, {"battery": "f_b", "sound": "f_s"},
    )
    tagged = [[Feature(f.name, f.context, polarity=f.polarity, factor_id={"battery": "f_b", "sound": "f_s"}.get(f.name)) for f in fs] for fs in feats]
    path = TemplatePathWriter().write_one(items[0], tagged[0], factors)
    assert "'battery'" in path and "2.0" in path and "Answered '2'" in path
    assert len(path) < 300
