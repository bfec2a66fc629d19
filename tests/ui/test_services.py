"""The controls as the services apply them: pure overlay rules, then a veto reaching the
rewrite prompt and a deleted item coming back, on the real store and model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from mindprint.app import Mindprint
from mindprint.cli.demo import DEMO_DRAFT, DEMO_QUERY
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.pipeline import PreparedQuery
from mindprint.engine.predict.index import answers_of, build_index, sub_index
from mindprint.engine.predict.predictor import predict
from mindprint.engine.types import Factor
from mindprint.errors import InvalidInputError
from mindprint.services.backtest import positions
from mindprint.services.overlay import overlay
from mindprint.store import Store
from mindprint.store.controls import FactorControl
from tests.server.conftest import built_template  # noqa: F401 (fixture)


def test_overlay_drops_vetoed_renames_and_puts_pinned_first() -> None:
    fs = [Factor(str(i), f"f{i}", "", (f"m{i}",)) for i in range(4)]
    got = overlay(fs, {"1": FactorControl(vetoed=True), "3": FactorControl(pinned=True),
                       "2": FactorControl(name="mine", description="my words")})
    assert [(f.id, f.name, f.description) for f in got] == [
        ("3", "f3", ""), ("0", "f0", ""), ("2", "mine", "my words")]
    assert overlay(fs, {}) == fs


def test_backtest_positions_are_the_recent_ones_and_a_log_spaced_sample() -> None:
    assert positions(1) == [] and positions(5) == [1, 2, 3, 4]
    got = positions(1000)
    assert got[-30:] == list(range(970, 1000)) and got[:6] == [1, 2, 3, 4, 6, 8]
    assert len(got) <= 60 and got == sorted(set(got))


@pytest.fixture
def app(tmp_path: Path, built_template: Path, real_embedder: FastEmbedEmbedder) -> Mindprint:  # noqa: F811
    db = tmp_path / "m.db"
    shutil.copyfile(built_template, db)
    return Mindprint(Store.open(db), real_embedder, default_user="rui")


def test_a_vetoed_factor_leaves_the_rewrite_prompt(app: Mindprint) -> None:
    ids = {s.factor.name: s.factor.id for s in app.controls.factors("rui")}
    assert "durability" in "".join(app.rewriting.prompt("rui", DEMO_DRAFT, DEMO_QUERY))
    log_id = app.controls.set("rui", ids["durability"], "veto")
    assert "durability" not in "".join(app.rewriting.prompt("rui", DEMO_DRAFT, DEMO_QUERY))
    app.controls.undo("rui", log_id)
    assert "durability" in "".join(app.rewriting.prompt("rui", DEMO_DRAFT, DEMO_QUERY))
    with pytest.raises(InvalidInputError, match="already undone"):
        app.controls.undo("rui", log_id)
    app.close()


def test_bad_controls_are_refused_and_change_nothing(app: Mindprint) -> None:
    fid = app.controls.factors("rui")[0].factor.id
    for call in (lambda: app.controls.set("rui", fid, "explode"),
                 lambda: app.controls.set("rui", "no-such-factor", "veto"),
                 lambda: app.controls.edit("rui", fid, "x" * 81, ""),
                 lambda: app.controls.delete_item("rui", 10**9),
                 lambda: app.controls.undo("rui", 10**9)):
        with pytest.raises(InvalidInputError):
            call()
    assert app.controls.log("rui") == []
    app.close()


def test_a_cut_index_predicts_what_a_rebuilt_one_would(app: Mindprint) -> None:
    """The backtest cuts each earlier history out of the full index instead of building
    it again: both must give the same predictions, or the backtest measures something
    else than mindprint."""
    c = app.backtest.index.get("rui")
    feats = app.admin.details("rui", list(c.ids))[0]
    answers = answers_of(c)
    assert answers is not None
    pop = app.backtest.population.for_user("rui", answers, c)
    order = sorted(c.ids, key=lambda i: (c.items[i].created_at or "", i))
    for t in (1, 2, 7, 20, len(order) - 1):
        before, target = order[:t], order[t]
        loaded = {k: (before, (c.signals if k == "signals" else c.vectors[k])[
            [c.ids.index(i) for i in before]].astype(np.float32)) for k in ("features", "raw", "signals")}
        rebuilt = build_index(
            revision=c.revision, model_id=app.backtest.index.model_id,
            items={i: c.items[i] for i in before}, features={i: feats.get(i, []) for i in before},
            loaded=loaded, corpus=c.corpus, factors=c.factors)
        cut = sub_index(c, before)
        assert cut.ids == rebuilt.ids and cut.star_scale == rebuilt.star_scale
        assert cut.tone_from_prior == rebuilt.tone_from_prior
        np.testing.assert_allclose(cut.tone, rebuilt.tone, atol=1e-6)  # type: ignore[arg-type]
        n = c.ids.index(target)
        assert c.signals is not None
        pq = PreparedQuery(list(feats.get(target, [])), {
            "features": c.vectors["features"][n], "raw": c.vectors["raw"][n], "signals": c.signals[n]})
        near = before[-3:]
        a = predict(cut, pq, pop, near)
        b = predict(rebuilt, pq, pop, near)
        assert a is not None and b is not None
        assert (a.label, a.value, a.explanation) == (b.label, b.value, b.explanation), t
    app.close()
