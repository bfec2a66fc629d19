"""The demo user's factors are his reasons, with the right direction (real model)."""

from __future__ import annotations

from pathlib import Path

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.importers import read_file
from mindprint.store import Store
from mindprint.views import factors_view, retrieval_view

from .conftest import REPO


def test_ruis_top_factors_are_his_reasons(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> None:
    m = Mindprint(Store.open(tmp_path / "demo.db"), real_embedder)
    try:
        items, _ = read_file(REPO / "examples" / "demo_history.jsonl")
        m.add_items("rui", items)
        m.build("rui")
        view = factors_view(m, "rui")
        top = {f.name: f for f in view.factors[:10]}
        assert {"weight", "battery life", "durability", "price/value"} <= set(top), list(top)
        # Things that break cost him most; heavier gear, and being judged badly, cost too.
        assert top["durability"].effect is not None and top["durability"].effect > 0
        assert top["durability"].effect_ci95 is not None and top["durability"].effect_ci95[0] > 0
        for name in ("weight",):
            assert "per doubling of g: -" in (top[name].evidence or "")
        assert (top["battery life"].effect or 0) > 0 and "per doubling of h: +" in (top["battery life"].evidence or "")
        assert (top["price/value"].effect or 0) > 0
        # Topics (what he bought) rank below the reasons with a measured effect.
        assert view.factors[0].name == "durability"
        # The prediction names what moved it.
        res = retrieval_view(m, "rui", "Review request: Feather Lite pack - 180 g, $120.", 3)
        assert res.likely_preference is not None
        assert "model of everyone" in res.likely_preference.explanation
    finally:
        m.close()
