"""The controls as the services apply them: pure overlay rules, then a veto reaching the
rewrite prompt and a deleted item coming back, on the real store and model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.cli.demo import DEMO_DRAFT, DEMO_QUERY
from mindprint.embed import FastEmbedEmbedder
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
