"""The harness measures personalization: population baselines that read the query, lift
with a paired bootstrap grouped by user, per-annotator sets, splits, the online protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mindprint.embed import FakeEmbedder
from mindprint.eval.bootstrap import Resampler, lift, mean_metric, point
from mindprint.eval.cases import group_by_user, in_split, load_cases, split_of
from mindprint.eval.examples import DatasetError
from mindprint.eval.online import OnlineRun, run_online, seen_bin, write_online
from mindprint.eval.peftu import load_peftu
from mindprint.eval.report import build_results
from mindprint.eval.runner import run_eval
from mindprint.eval.runs import EvalConfig

from . import synthetic
from .peftu_synthetic import PREFIX, write_set

METHODS = ("population_text", "population_text_offset", "mindprint", "user_prior")


def _results(data: Path, tmp_path: Path, **kw: Any) -> dict[str, Any]:
    config = EvalConfig(task="classification", data_dir=data, out_dir=tmp_path / "out",
                        methods=METHODS, **kw)
    return build_results(run_eval(config, FakeEmbedder(), command=["test"]))


def _user_accuracy(res: dict[str, Any], method: str, users: set[str]) -> float:
    rows = [r for r in res["rows"] if r["user_id"] in users]
    return float(np.mean([r["scores"][method]["correct"] for r in rows]))


def test_users_who_differ_by_construction_show_lift(tmp_path: Path) -> None:
    # Six people answer "yes" to cats, four to dogs, on the very same texts.
    likes = {**{f"a{i}": "cat" for i in range(6)}, **{f"b{i}": "dog" for i in range(4)}}
    res = _results(write_set(tmp_path / "differ", likes), tmp_path)
    assert res["n_users"] == 10 and res["n_questions"] == 80
    minority = {f"b{i}" for i in range(4)}
    # A model of everyone else is wrong for the minority, whatever it reads.
    assert _user_accuracy(res, "population_text", minority) <= 0.5
    # ... while a model of the person is right for them.
    assert _user_accuracy(res, "mindprint", minority) >= 0.8
    lo, _hi = res["lift"]["population"]["accuracy"]["ci95"]
    assert res["lift"]["population"]["accuracy"]["vs"] == "population_text"
    assert res["lift"]["population"]["accuracy"]["delta"] > 0 and lo > 0


def test_users_who_agree_show_no_lift(tmp_path: Path) -> None:
    likes = {f"a{i}": "cat" for i in range(6)}
    res = _results(write_set(tmp_path / "agree", likes), tmp_path)
    lo, hi = res["lift"]["population"]["accuracy"]["ci95"]
    assert lo <= 0 <= hi
    assert res["methods"]["population_text"]["accuracy"] >= 0.9


def test_the_grouped_bootstrap_draws_users_not_questions() -> None:
    # One user with 99 perfect answers and 9 users with one wrong answer each: drawn by
    # question the mean would sit near 0.92 every time; drawn by user it swings widely.
    users = ["big"] * 99 + [f"u{i}" for i in range(9)]
    values = [1.0] * 99 + [0.0] * 9
    lo, hi = Resampler.by_user(users, seed=1).interval(mean_metric(values))
    assert hi - lo > 0.5
    lo_q, hi_q = Resampler.by_user([str(i) for i in range(len(users))], seed=1).interval(mean_metric(values))
    assert hi_q - lo_q < 0.15


def test_lift_is_positive_when_ours_is_better_for_both_directions() -> None:
    users = [f"u{i}" for i in range(50)]
    rs = Resampler.by_user(users, seed=0)
    ours, theirs = mean_metric([0.2] * 50), mean_metric([0.5] * 50)
    assert lift("mae", ours, theirs, rs, 50)["delta"] == pytest.approx(0.3)
    assert lift("accuracy", ours, theirs, rs, 50)["delta"] == pytest.approx(-0.3)
    assert point(ours, 50) == pytest.approx(0.2)


def test_split_is_stable_and_by_text_for_per_annotator_sets(tmp_path: Path) -> None:
    data = write_set(tmp_path / "s", {"a": "cat", "b": "dog", "c": "cat"})
    examples = load_peftu("classification", data)
    dev, test = in_split(examples, "dev"), in_split(examples, "test")
    assert len(dev) + len(test) == len(examples) and dev and test
    # The same text is on one side for every annotator.
    for ex in examples:
        assert split_of(ex.query) == ("dev" if ex in dev else "test")
    assert [split_of("x") for _ in range(3)] == [split_of("x")] * 3
    cases, info = load_cases("classification", data, split="dev")
    assert {c.user_id for c in cases} == {"a", "b", "c"} and info.labels == ("no", "yes")
    assert all(len(c.examples) == len({ex.query for ex in dev}) for c in cases)


def test_a_per_annotator_set_with_a_changed_prefix_is_refused(tmp_path: Path) -> None:
    data = write_set(tmp_path / "p", {"a": "cat"})
    qs = (data / "dev_questions.json").read_text(encoding="utf-8")
    (data / "dev_questions.json").write_text(qs.replace(PREFIX, "Other prefix: ", 1), encoding="utf-8")
    with pytest.raises(DatasetError, match="expected instruction"):
        load_peftu("classification", data)
    with pytest.raises(DatasetError, match="run it with --task classification"):
        load_peftu("rating", write_set(tmp_path / "q", {"a": "cat"}))


def test_each_user_is_built_once_for_all_questions(tmp_path: Path) -> None:
    res = _results(write_set(tmp_path / "once", {"a": "cat", "b": "dog"}), tmp_path)
    built = [r for r in res["rows"] if r["profile_items"]]
    assert len(built) == 2 and len(res["rows"]) == 16
    assert group_by_user([])  == []


def test_rating_runs_report_both_population_candidates_and_the_lift(tmp_path: Path) -> None:
    data = synthetic.rating_folder(tmp_path / "data")
    config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out")
    res = build_results(run_eval(config, FakeEmbedder(), command=["test"]))
    for m in ("population_text", "population_prior", "population_text_offset", "population_prior_offset"):
        assert set(res["methods"][m]) == {"mae", "rmse", "accuracy"}
    pop = res["lift"]["population"]["mae"]["vs"]
    assert pop in ("population_text", "population_prior")
    expected = min(("population_text", "population_prior"), key=lambda m: res["methods"][m]["mae"])
    assert pop == expected
    assert res["lift"]["population_user_offset"]["mae"]["vs"] == pop + "_offset"
    assert "mindprint_features" not in res["methods"]
    assert set(res["kernel"]) >= {"offset", "calibration", "similar", "length", "factors", "noise"}


def test_online_protocol_predicts_before_recording(tmp_path: Path) -> None:
    data = synthetic.rating_folder(tmp_path / "data")
    config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out")
    run = run_online(config, FakeEmbedder(), command=["test"])
    cases, _ = load_cases("rating", data)
    # Every item but each user's first is predicted before it is recorded.
    assert len(run.rows) == sum(len(c.profile) - 1 for c in cases)
    assert len(run.record_seconds) == sum(len(c.profile) for c in cases)
    assert {r["bin"] for r in run.rows} <= {1, 2, 4}
    assert [seen_bin(n) for n in (1, 2, 3, 4, 7, 8, 31, 32)] == [1, 2, 2, 4, 4, 8, 16, 32]
    paths = write_online(run, tmp_path / "out")
    assert all(p.is_file() and p.stat().st_size for p in paths)
    assert set(run.results()["curve"]["1"]) >= {"mindprint", "population", "population_user_offset"}
    # One kernel per half of the run, each fitted on the other half (nothing on what it predicts).
    kernels = run.results()["kernel"]
    assert set(kernels) <= {"fold 0", "fold 1"}
    assert all(set(k) >= {"offset", "calibration", "similar", "length", "factors", "noise"} for k in kernels.values())


def test_online_protocol_skips_items_without_text(tmp_path: Path) -> None:
    data = synthetic.rating_folder(tmp_path / "data")
    questions = data / "dev_questions.json"
    rows = json.loads(questions.read_text())
    rows[0]["profile"][1]["text"] = "  "  # a review with a score and no words
    questions.write_text(json.dumps(rows))
    run = run_online(EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out"), FakeEmbedder())
    cases, _ = load_cases("rating", data)
    assert len(run.record_seconds) == sum(len(c.profile) for c in cases) - 1


def test_online_lift_pools_predictions_from_enough_items_seen() -> None:
    run = OnlineRun("rating", "mae", "test")
    # Two users; mindprint misses by 0 where the offset model misses by 1, from 2 items on.
    for user in ("a", "b"):
        for seen in range(1, 5):
            late = seen >= 2
            run.rows.append({"user_id": user, "text_key": f"{user}{seen}", "seen": seen, "bin": seen_bin(seen),
                             "mindprint": 0.0 if late else 4.0,
                             "population": 2.0, "population_user_offset": 1.0 if late else 0.0})
    lifts = run.lifts(from_seen=2)
    assert (lifts["n"], lifts["users"], lifts["resampled"]) == (6, 2, "people")
    assert lifts["mae"]["mindprint"] == 0.0
    assert lifts["mae"]["lift_vs_population_user_offset"]["delta"] == 1.0
    assert lifts["mae"]["lift_vs_population"]["ci95"] == [2.0, 2.0]
    assert lifts["rmse"]["lift_vs_population"]["delta"] == 2.0
    # Counting the early predictions too, mindprint loses to the offset model.
    assert run.lifts(from_seen=1)["mae"]["lift_vs_population_user_offset"]["delta"] < 0
    assert "From 2 items seen on" not in run.markdown_table()  # the table uses FROM_SEEN


def test_online_intervals_resample_texts_too_where_people_share_them() -> None:
    run = OnlineRun("classification", "accuracy", "test")
    # Four annotators label the same four texts; one text is hard for mindprint alone.
    for user in "abcd":
        for seen, text in enumerate("wxyz", start=1):
            run.rows.append({"user_id": user, "text_key": text, "seen": seen + 7, "bin": 8,
                             "mindprint": 0.0 if text == "z" else 1.0, "population": 1.0,
                             "population_user_offset": 1.0})
    lifts = run.lifts()
    assert lifts["resampled"] == "people and texts (two-way)"
    lo, hi = lifts["accuracy"]["lift_vs_population"]["ci95"]
    assert lo < -0.25 < hi  # resampling people alone would give [-0.25, -0.25]
