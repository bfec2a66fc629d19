"""A vetoed factor is never shown and never used: not in the factor list, the query's
features, the retrieved items' features or their reasoning paths (issue 25); undone, it
comes back. The demo user, a real SQLite file, the real model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.factors.paths import without
from mindprint.store import Store
from mindprint.views import factors_view, retrieval_view
from tests.server.conftest import built_template  # noqa: F401 (fixture)

pytestmark = pytest.mark.model

QUERY = "Review request: Glowline Sprint headlamp — 250 lumens, survived a winter, snapped strap, 55 g, $29."


def _mentions(view_text: str) -> bool:
    return re.search(r"\bdurability\b", view_text, re.IGNORECASE) is not None


def test_a_veto_reaches_query_features_and_paths(
    tmp_path: Path, built_template: Path, real_embedder: FastEmbedEmbedder  # noqa: F811
) -> None:
    # The demo user built once per session (tests/server/conftest.py), copied: the veto
    # is what is tested here, not the build.
    shutil.copyfile(built_template, tmp_path / "demo.db")
    m = Mindprint(Store.open(tmp_path / "demo.db"), real_embedder)
    try:
        before = retrieval_view(m, "rui", QUERY, 5)
        assert any(f.name == "durability" for f in before.query_features)
        assert any(_mentions(h.reasoning_path or "") for h in before.items)
        fid = next(f.id for f in factors_view(m, "rui").factors if f.name == "durability")
        m.controls.set("rui", fid, "veto")
        after = retrieval_view(m, "rui", QUERY, 5)
        assert "durability" not in {f.name for f in factors_view(m, "rui").factors}
        assert not any(_mentions(f.name) for f in after.query_features)
        for h in after.items:
            assert not any(_mentions(f.name) for f in h.features)
            assert not _mentions(h.reasoning_path or ""), h.reasoning_path
            assert h.reasoning_path  # the rest of the path is still there
        m.controls.set("rui", fid, "unveto")
        assert any(f.name == "durability" for f in retrieval_view(m, "rui", QUERY, 5).query_features)
    finally:
        m.close()


def test_without_drops_only_the_clauses_that_name_it() -> None:
    path = ("Turns on \"strap\" (neutral tone). Judges durability well; states 250 lumens, 55 g. "
            "When durability is judged well rather than badly: +1.87 stars beyond what the text "
            "suggests (21 items). Scored 4: \"fine\".")
    out = without(path, {"durability"})
    assert out == 'Turns on "strap" (neutral tone). States 250 lumens, 55 g. Scored 4: "fine".'
    assert without(path, set()) == path and without(path, {"weight"}) == path
