"""How well mindprint knows a user is measured once per change of their data and kept in
the store: another process serves it without measuring, a tool call never waits for a
new measurement, and a backtest of another basis is measured again. A real SQLite file
and the real embedding model."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.predict import index
from mindprint.engine.predict.departure import History
from mindprint.engine.predict.deployment import ShippedPopulation, own, shipped_answers
from mindprint.engine.predict.index import UserIndex
from mindprint.engine.predict.kernel import Kernel
from mindprint.engine.predict.population import Answers, Population, PriorPopulation
from mindprint.services.backtest import MEASURING, Backtest, to_json
from mindprint.store import NewItem, Store
from tests.server.conftest import built_template  # noqa: F401 (fixture)

pytestmark = pytest.mark.model


@pytest.fixture
def db(tmp_path: Path, built_template: Path) -> Path:  # noqa: F811
    path = tmp_path / "m.db"
    shutil.copyfile(built_template, path)
    return path


@pytest.fixture
def app(db: Path, real_embedder: FastEmbedEmbedder) -> Iterator[Mindprint]:
    m = Mindprint(Store.open(db), real_embedder)
    yield m
    m.close()


def _refuse(*_: object) -> Backtest:
    raise AssertionError("measured again")


def test_a_backtest_measured_in_one_process_is_served_by_another(
    app: Mindprint, db: Path, real_embedder: FastEmbedEmbedder, monkeypatch: pytest.MonkeyPatch,
) -> None:
    measured = app.backtest.run("rui")
    assert measured.kind == "scale" and len(measured.points) > 30
    other = Mindprint(Store.open(db), real_embedder)  # its own connection, as a process has
    monkeypatch.setattr(other.backtest, "_compute", _refuse)
    assert other.backtest.run("rui") == measured
    assert other.backtest.latest("rui") == measured
    other.close()


def test_a_tool_call_serves_the_last_backtest_while_the_new_one_is_measured(app: Mindprint) -> None:
    before = app.backtest.run("rui")
    added = app.add_items("rui", [NewItem(input="Review the Trail Lite 2 shoe",
                                          response="Light, grippy, fell apart in a month.",
                                          score=2.0)])
    new_id = added.added[0]
    app.build("rui")
    assert app.backtest.latest("rui") == before  # at once: the last one measured
    app.wait_idle()
    after = app.backtest.latest("rui")
    assert new_id in {p.item_id for p in after.points}
    assert new_id not in {p.item_id for p in before.points}
    assert app.backtest.run("rui") == after  # kept: not measured a third time


def _measured_by_another_release(app: Mindprint) -> Backtest:
    old = Backtest("rui", "scale", [], [], "measured by an older release")
    assert app.store.save_backtest("rui", app.store.revision("rui"), "0.0.1|old", to_json(old))
    return old


def test_a_backtest_of_another_basis_or_a_forgotten_user_is_not_served(app: Mindprint) -> None:
    old = _measured_by_another_release(app)
    assert app.backtest.run("rui").sentence != old.sentence
    app.store.forget_user("rui")
    assert app.store.get_backtest("rui") is None


def test_a_tool_call_never_waits_for_the_first_measurement(
    app: Mindprint, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _measured_by_another_release(app)
    release = threading.Event()
    real = app.backtest._compute

    def slow(uid: str) -> Backtest:
        assert release.wait(60)
        return real(uid)

    monkeypatch.setattr(app.backtest, "_compute", slow)
    waiting = app.backtest.latest("rui")  # returns while the measurement is blocked
    assert waiting.kind is None and waiting.sentence == MEASURING
    release.set()
    app.wait_idle()
    done = app.backtest.latest("rui")
    assert done.kind == "scale" and done.sentence.startswith("On your last 30 ratings")


def test_an_older_measurement_never_replaces_a_newer_one(db: Path) -> None:
    store = Store.open(db)
    rev = store.revision("rui")
    one = to_json(Backtest("rui", None, [], [], "newer"))
    assert store.save_backtest("rui", rev, "b", one)
    assert not store.save_backtest("rui", rev - 1, "b", to_json(Backtest("rui", None, [], [], "older")))
    assert store.get_backtest("rui") == (rev, "b", one)
    assert store.revision("rui") == rev  # keeping a backtest is not a change of the data
    assert not store.save_backtest("nobody", 1, "b", one)
    store.close()


def test_the_backtest_refits_as_the_history_grows_on_items_before_the_predicted_one(
    app: Mindprint, monkeypatch: pytest.MonkeyPatch,
) -> None:
    fitted_on: list[int] = []
    real = index.personal_kernel

    def counting(pop: Population, hist: History) -> Kernel:
        fitted_on.append(len(hist))
        return real(pop, hist)

    monkeypatch.setattr(index, "personal_kernel", counting)
    _measured_by_another_release(app)
    b = app.backtest.run("rui")
    assert len(b.points) > 30
    # Each fit reads exactly the answered items before one predicted item (its "seen"),
    # and fits happen as the history grows by a quarter, not at every point.
    assert fitted_on and set(fitted_on) <= {p.seen for p in b.points}
    assert len(set(fitted_on)) < len(b.points) / 2


class OwnHistoryFirst(ShippedPopulation):
    """The deployment policy choosing the person's own history whenever it can."""

    def for_user(self, user_id: str, answers: Answers, c: UserIndex) -> Population | None:
        return own(answers, c) or super().for_user(user_id, answers, c)


def test_the_model_of_everyone_is_the_shipped_model_whatever_population_mindprint_chose(
    db: Path, real_embedder: FastEmbedEmbedder,
) -> None:
    """The sentence's "a model of everyone" never saw the person's answers: the shipped
    pooled model reading each predicted item's text, not the population chosen for the
    person (here their own history)."""
    m = Mindprint(Store.open(db), real_embedder, population=OwnHistoryFirst(real_embedder.model_id))
    _measured_by_another_release(m)
    b = m.backtest.run("rui")
    c = m.backtest.index.get("rui")
    every = PriorPopulation(real_embedder.model_id, shipped_answers(Answers(scale=(1.0, 5.0))))
    where = {i: n for n, i in enumerate(c.ids)}
    assert c.signals is not None and len(b.points) > 30
    for p in b.points:
        row = where[p.item_id]
        direct = every.answers.answer(every.outputs(c.vectors["raw"][row][None, :],
                                                    c.signals[row][None, :])[0])
        assert p.population == direct
        assert p.population_error == abs(float(direct) - float(p.gold))
    m.close()
