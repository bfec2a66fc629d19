"""A team server (``MINDPRINT_TEAM``): the other profiles of the database give a person a
model of the others, chosen by the deployment policy when it reads their history best, and
kept fresh as any member changes. A real SQLite file and the real embedding model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.predict.deployment import WHO
from mindprint.engine.predict.index import answers_of
from mindprint.engine.predict.population import OwnPopulation
from mindprint.settings import ProviderSettings, StoreSettings
from mindprint.store import NewItem, Store

pytestmark = pytest.mark.model

SPORT = ["the striker scored twice in the final", "a late goal won the league title",
         "the coach praised the defence after the match", "the sprinter broke the world record",
         "the club signed a new goalkeeper", "fans cheered the cup winners",
         "the tennis champion lost in straight sets", "the marathon runner collapsed at the finish"]
POLITICS = ["parliament passed the budget bill", "the minister resigned over the scandal",
            "voters head to the polls on sunday", "the senate debated the new tax law",
            "the president vetoed the spending bill", "the opposition called for an election",
            "the mayor promised cheaper housing", "the coalition collapsed after the vote"]
TEAM = ("bo", "cy", "dee")


def _labelled(texts: list[str], label: str) -> list[NewItem]:
    return [NewItem(input=t, response=label, label=label) for t in texts]


def _open(path: Path, embedder: FastEmbedEmbedder, team: bool) -> Mindprint:
    return Mindprint(Store.open(path), embedder, team=team)


@pytest.fixture
def db(tmp_path: Path, real_embedder: FastEmbedEmbedder) -> Iterator[Path]:
    """Three people who file news alike, and ana with four items of her own."""
    path = tmp_path / "team.db"
    app = _open(path, real_embedder, team=False)
    for n, uid in enumerate(TEAM):
        app.add_items(uid, _labelled(SPORT[n:n + 6], "SPORTS") + _labelled(POLITICS[n:n + 6], "POLITICS"))
        app.build(uid)
    app.add_items("ana", _labelled(["the goalkeeper saved a penalty", "a record crowd watched the derby"], "SPORTS")
                  + _labelled(["the chancellor raised fuel duty", "a landslide win for the greens"], "POLITICS"))
    app.build("ana")
    app.close()
    yield path


def _chosen(app: Mindprint, uid: str) -> object:
    c = app.retrieval.index.get(uid)
    answers = answers_of(c)
    assert answers is not None
    return app.retrieval.population.for_user(uid, answers, c)


def test_a_team_server_reads_a_person_by_the_others(db: Path, real_embedder: FastEmbedEmbedder) -> None:
    alone = _open(db, real_embedder, team=False)
    try:
        assert isinstance(_chosen(alone, "ana"), OwnPopulation)
        assert "there is no model of everyone for these labels" in alone.backtest.run("ana").sentence
    finally:
        alone.close()
    app = _open(db, real_embedder, team=True)
    try:
        pop = _chosen(app, "ana")
        assert getattr(pop, "who", None) == WHO
        assert getattr(pop, "n_items", None) == 36  # bo's, cy's and dee's items, none of ana's
        res = app.retrieve("ana", "the winger scored a hat-trick in the derby", 3)
        assert res.prediction is not None and res.prediction.label == "SPORTS"
        assert f"{WHO} reads this as" in res.prediction.explanation.text
        # How well mindprint knows her is measured again, beside the model of the others.
        assert f"; {WHO}, " in app.backtest.run("ana").sentence
    finally:
        app.close()


def test_the_team_follows_its_members(db: Path, real_embedder: FastEmbedEmbedder) -> None:
    """A new item or two keeps the pool (choosing everyone's population again costs a fit per
    candidate); a tenth more items, a deletion, or a member forgotten makes a new one."""
    app = _open(db, real_embedder, team=True)
    try:
        team = app.retrieval.population.team  # type: ignore[attr-defined]
        answers = answers_of(app.retrieval.index.get("ana"))
        assert answers is not None
        first = team.pool("ana", answers)
        assert first is team.pool("ana", answers) and first.model_for("ana").n_items == 36
        app.add_items("bo", _labelled(["the cyclist won the mountain stage"], "SPORTS"))
        app.build("bo")
        assert team.pool("ana", answers) is first  # 1 new item to 40
        app.add_items("dee", _labelled(["the keeper was sent off", "a hat-trick in the derby",
                                        "the boxer won on points", "rain stopped the test match"], "SPORTS"))
        app.build("dee")
        grown = team.pool("ana", answers)
        assert grown is not first and grown.model_for("ana").n_items == 41
        dropped = app.controls.delete_item("bo", next(iter(app.admin.all_history("bo"))).id)
        assert dropped and team.pool("ana", answers).model_for("ana").n_items == 40
        app.forget("cy")
        fewer = team.pool("ana", answers)  # two others: they would tell ana what one answered
        assert fewer.model_for("ana") is None
        assert "cy" not in team._members  # nothing of a forgotten member is kept
        assert fewer.model_for("eve") is not None  # a newcomer is read by the three of them
    finally:
        app.close()


@pytest.mark.usefixtures("real_embedder")
def test_the_team_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    offline = ProviderSettings(provider="offline")
    for value, team in (("", False), ("1", True)):
        monkeypatch.setenv("MINDPRINT_TEAM", value)
        app = Mindprint.from_settings(provider_settings=offline)
        try:
            assert (app.retrieval.population.team is not None) is team  # type: ignore[attr-defined]
        finally:
            app.close()
    monkeypatch.setenv("MINDPRINT_TEAM", "perhaps")
    with pytest.raises(ValueError, match="team"):
        StoreSettings()
