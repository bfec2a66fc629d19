"""Deployment mode, the lift against the strongest baselines, the two-way bootstrap and an
online protocol that fits nothing on what it predicts (issue 25). FakeEmbedder: fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mindprint.embed import FakeEmbedder
from mindprint.engine.predict.deployment import WHO
from mindprint.eval.bootstrap import Resampler, mean_metric
from mindprint.eval.cases import load_cases, sample_users
from mindprint.eval.context import half_up
from mindprint.eval.examples import UserCase
from mindprint.eval.online import _fold, cross_fitted, write_online
from mindprint.eval.online_alone import run_online_alone
from mindprint.eval.population import PopulationPool
from mindprint.eval.report import baselines, build_results, resampler_of
from mindprint.eval.retrievers import recency_order
from mindprint.eval.runner import run_eval
from mindprint.eval.runs import EvalConfig

from . import synthetic
from .peftu_synthetic import write_set


def test_deployment_mode_runs_each_person_as_their_server_does(tmp_path: Path) -> None:
    data = synthetic.rating_folder(tmp_path / "data")
    config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out", population="shipped")
    run = run_eval(config, FakeEmbedder(), command=["test"])
    assert {"population_shipped", "population_shipped_offset", "user_prior", "mindprint"} <= set(run.methods)
    assert not {m for m in run.methods if m.startswith(("population_text", "population_prior"))}
    assert run.meta["population"] == "shipped" and run.meta["kernel"] is None  # no pool at all
    assert all(p for p in run.predictions["population_shipped"])
    res = build_results(run)
    roles = {role: v["mae"]["vs"] for role, v in res["lift"].items()}
    assert roles["population"] == "population_shipped"
    assert roles["population_user_offset"] == "population_shipped_offset"
    assert roles["user_prior"] == "user_prior" and "strongest" in roles


def test_the_lift_is_against_the_strongest_of_each_role() -> None:
    methods = {"population_text": {"mae": 0.47}, "population_prior": {"mae": 0.48},
               "population_text_offset": {"mae": 0.464}, "population_prior_offset": {"mae": 0.456},
               "user_prior": {"mae": 0.68}}
    got = baselines("rating", methods)
    assert got == {"population": "population_text", "population_user_offset": "population_prior_offset",
                   "user_prior": "user_prior", "strongest": "population_prior_offset"}


def test_per_annotator_intervals_resample_people_and_texts() -> None:
    rows = [{"id": f"{u}{t}", "user_id": u, "text_key": t} for u in "abcdefgh" for t in "wxyz"]
    two, how = resampler_of(rows, 0)
    assert how.startswith("people and texts")
    one, how_one = resampler_of([{"id": str(i), "user_id": str(i), "text_key": str(i)} for i in range(8)], 0)
    assert how_one == "people" and one.weights.shape == (1000, 8)
    # A question's weight is its person's draws times its text's draws.
    w = two.weights
    assert w.shape == (1000, 32) and set(np.unique(w)) <= {float(a * b) for a in range(9) for b in range(5)}
    # Text-level noise widens the interval beyond resampling people alone.
    text_effect = {"w": 0.0, "x": 1.0, "y": 0.0, "z": 1.0}
    values = [text_effect[r["text_key"]] for r in rows]
    by_user = Resampler.by_user([r["user_id"] for r in rows], 0)
    lo2, hi2 = two.interval(mean_metric(values))
    lo1, hi1 = by_user.interval(mean_metric(values))
    assert hi1 - lo1 == pytest.approx(0.0) and hi2 - lo2 > 0.3


def test_the_online_protocol_fits_each_half_on_the_other(tmp_path: Path) -> None:
    likes = {**{f"a{i}": "cat" for i in range(6)}, **{f"b{i}": "dog" for i in range(6)}}
    data = write_set(tmp_path / "set", likes)
    cases, info = load_cases("classification", data)
    pool = PopulationPool(cases, info, FakeEmbedder())
    per_user, by_fold = cross_fitted(pool, cases)
    assert set(by_fold) == {0, 1}
    halves = {f: {c.user_id for c in cases if _fold(c.user_id) == f} for f in (0, 1)}
    assert all(halves.values())
    for c in cases:
        # The kernel a user reads was fitted without every user of their half.
        assert per_user[c.user_id] is by_fold[_fold(c.user_id)]
    assert by_fold[0] == pool.fitted(frozenset(halves[0]))


def test_team_mode_runs_everyone_as_one_team_server(tmp_path: Path) -> None:
    """Every user is built before anyone is asked, and a person whose history the others
    read best gets the model of the others."""
    likes = {f"u{i}": "cat" for i in range(5)}
    data = write_set(tmp_path / "set", likes)
    config = EvalConfig(task="classification", data_dir=data, out_dir=tmp_path / "out", population="team")
    run = run_eval(config, FakeEmbedder(), command=["test"])
    assert run.meta["population"] == "team" and run.meta["kernel"] is None
    assert "population_shipped" in run.methods and "population_text" not in run.methods
    read = build_results(run)["population_read"]
    assert sum(read.values()) == len(likes)
    assert read.get(WHO) == len(likes)  # the others labelled these very texts alike


def test_the_online_protocol_in_deployment_mode_reads_no_one_else(tmp_path: Path) -> None:
    data = synthetic.rating_folder(tmp_path / "data")
    config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out", population="shipped")
    run = run_online_alone(config, FakeEmbedder(), command=["test"])
    cases, _ = load_cases("rating", data)
    assert run.population == "shipped" and run.kernel is None  # no pool, nothing cross-fitted
    assert run.methods == ("mindprint", "population_shipped", "population_shipped_offset", "user_prior")
    assert len(run.rows) == sum(len(c.profile) - 1 for c in cases)
    # The person's own mean so far, rounded half up: what each user_prior row's error is of.
    for case in cases:
        golds = [float(case.profile[i].score or 0) for i in reversed(recency_order(case.profile))]
        rows = [r for r in run.rows if r["user_id"] == case.user_id]
        assert [r["user_prior"] for r in rows] == [
            abs(half_up(float(np.mean(golds[:t]))) - golds[t]) for t in range(1, len(golds))]
    # A lone server reads no other profile: one person's rows are the same run alone.
    first = cases[0].user_id
    alone = run_online_alone(EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "o1", population="shipped",
                                  users=1, seed=_seed_picking(cases, first)), FakeEmbedder())
    assert {r["user_id"] for r in alone.rows} == {first}
    assert alone.rows == [r for r in run.rows if r["user_id"] == first]
    results = run.results()
    assert results["population"] == "shipped"
    assert set(results["lift_from_seen"]) >= {"from_seen", "n"}
    assert all(set(v) == set(run.methods) | {"n", "users"} for v in results["curve"].values())
    assert all(p.is_file() for p in write_online(run, tmp_path / "out"))


def _seed_picking(cases: list[UserCase], user_id: str) -> int:
    """A sampling seed whose one-user sample is ``user_id``."""
    return next(s for s in range(1000) if [c.user_id for c in sample_users(cases, 1, s)] == [user_id])
