"""The eval harness end to end on tiny synthetic LaMP folders (FakeEmbedder: fast)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mindprint.cli.main import app as cli_app
from mindprint.embed import FakeEmbedder
from mindprint.eval.cases import load_cases
from mindprint.eval.context import EvalError
from mindprint.eval.datasets import load_examples
from mindprint.eval.examples import Example, Question, profile_item_from_lamp
from mindprint.eval.methods import select_methods
from mindprint.eval.plots import write_plots
from mindprint.eval.provenance import git_commit
from mindprint.eval.report import build_results, write_results
from mindprint.eval.runner import DB_NAME, run_eval
from mindprint.eval.runs import EvalConfig
from mindprint.store import Store

from . import synthetic

BASELINES = ("none", "user_prior", "recency", "random", "bm25", "dense", "mindprint")
METRICS = {
    "rating": ["mae", "rmse", "accuracy"],
    "category": ["accuracy", "macro_f1"],
    "classification": ["accuracy", "macro_f1"],
    "generation": ["rouge1", "rougeL"],
    "rewrite": ["rouge1", "rougeL"],
}
FOLDERS = {
    "rating": synthetic.rating_folder,
    "rewrite": synthetic.rewrite_folder,
    "generation": synthetic.newscat_folder,
    "category": synthetic.newscat_folder,
    "classification": synthetic.classification_folder,
}


def _run(task: str, tmp_path: Path, **kw: Any) -> tuple[dict[str, Any], Path]:
    data = FOLDERS[task](tmp_path / "data")
    out = tmp_path / "out"
    config = EvalConfig(task=task, data_dir=data, out_dir=out, keep_db=True, **kw)
    run = run_eval(config, FakeEmbedder(), command=["mindprint", "eval", "--task", task])
    results = build_results(run)
    write_results(results, out)
    write_plots(results, out)
    return json.loads((out / "results.json").read_text(encoding="utf-8")), out


@pytest.mark.parametrize("task", sorted(FOLDERS))
def test_every_task_writes_the_full_report(task: str, tmp_path: Path) -> None:
    res, out = _run(task, tmp_path)
    n = len(load_examples(task, FOLDERS[task](tmp_path / "again")))
    assert res["task"] == task and res["n_users"] == n
    assert res["metrics"] == METRICS[task]
    for name in BASELINES:
        assert set(res["methods"][name]) == set(METRICS[task]), name
        for metric, value in res["methods"][name].items():
            lo, hi = res["ci95"][name][metric]
            assert math.isfinite(value) and lo <= hi
    for name in ("bm25", "dense", "mindprint", "mindprint_features", "mindprint_raw"):
        assert set(res["retrieval"][name]) == set(res["retrieval_metrics"])
    assert len(res["rows"]) == n
    row = res["rows"][0]
    assert set(row["predictions"]) == set(res["methods"])
    assert set(row["scores"]) == set(res["methods"])
    assert res["timing"]["wall_seconds"] > 0 and res["command"].startswith("mindprint eval")
    assert res["config"]["provider"] == "offline"
    assert (out / "results.md").read_text(encoding="utf-8").count("| `mindprint` |") == 2
    assert (out / "methods.png").stat().st_size > 0 and (out / "retrieval.png").exists()
    assert (out / "confusion_mindprint.png").exists() == (task == "rating")


def test_rating_none_is_the_global_profile_majority(tmp_path: Path) -> None:
    res, _ = _run("rating", tmp_path)
    # Profile scores over all users: 5 x8, 4 x6, 2 x5, 1 x3 -> majority 5.
    assert res["none_majority_label"] == "5"
    golds = [g for _, g in synthetic.RATING_USERS.values()]  # 5, 1, 4, 2, 2
    errors = [abs(5 - int(g)) for g in golds]
    assert res["methods"]["none"]["mae"] == pytest.approx(sum(errors) / 5)  # 2.2
    assert res["methods"]["none"]["rmse"] == pytest.approx(math.sqrt(7), abs=1e-4)
    assert res["methods"]["none"]["accuracy"] == pytest.approx(0.2)
    # User means 4.75, 2.25, 3.8, 4.8, 1.5 round half up to 5, 2, 4, 5, 2.
    assert [r["predictions"]["user_prior"] for r in res["rows"]] == ["5", "2", "4", "5", "2"]
    assert res["methods"]["user_prior"]["mae"] == pytest.approx(0.8)


def test_rewrite_none_is_the_draft(tmp_path: Path) -> None:
    res, _ = _run("rewrite", tmp_path)
    exs = load_examples("rewrite", tmp_path / "data" / "rewrite")
    assert [r["predictions"]["none"] for r in res["rows"]] == [ex.query for ex in exs]


def test_the_gold_never_reaches_the_stored_history(tmp_path: Path) -> None:
    res, out = _run("generation", tmp_path)
    exs = {ex.id: ex for ex in load_examples("generation", tmp_path / "data" / "newscat")}
    store = Store.open(out / DB_NAME)
    try:
        for row in res["rows"]:
            ex = exs[row["id"]]
            stored = [it for page in store.iter_items(f"eval-{ex.user_id}") for it in page]
            assert len(stored) == len(ex.profile) == row["imported"]
            assert all(it.response != ex.gold for it in stored)
    finally:
        store.close()
    assert not hasattr(Question.of(next(iter(exs.values()))), "gold")


def test_a_leaking_profile_stops_the_run(tmp_path: Path) -> None:
    ex = load_examples("rating", synthetic.rating_folder(tmp_path / "data"))[0]
    leak = profile_item_from_lamp({"id": "leak", "text": ex.query, "score": ex.gold})
    bad = replace(ex, profile=(*ex.profile, leak))
    config = EvalConfig(task="rating", data_dir=tmp_path, out_dir=tmp_path / "out")
    with pytest.raises(EvalError, match="gold would be visible"):
        run_eval(config, FakeEmbedder(), examples=[bad])


def test_a_scored_item_without_text_is_skipped_as_the_importer_does(tmp_path: Path) -> None:
    ex = load_examples("rating", synthetic.rating_folder(tmp_path / "data"))[0]
    empty = profile_item_from_lamp({"id": "empty", "text": "", "score": "3"})
    config = EvalConfig(task="rating", data_dir=tmp_path, out_dir=tmp_path / "out")
    run = run_eval(config, FakeEmbedder(), examples=[replace(ex, profile=(*ex.profile, empty))])
    assert run.rows[0]["skipped"] == 1 and run.rows[0]["imported"] == len(ex.profile)


def test_method_selection_and_providers(tmp_path: Path) -> None:
    res, _ = _run("rating", tmp_path, methods=("none", "mindprint"), users=3)
    assert list(res["methods"]) == ["none", "mindprint"] and res["n_users"] == 3
    llm = [m.name for m in select_methods("rating", "anthropic", None)]
    assert "mindprint" in llm and "bm25" in llm and "mindprint_features" not in llm
    with pytest.raises(EvalError, match="unknown provider"):
        select_methods("rating", "nope", None)
    with pytest.raises(EvalError, match="unknown method"):
        select_methods("rating", "offline", ["oracle"])
    with pytest.raises(EvalError, match="does not apply"):
        select_methods("rewrite", "offline", ["user_prior_median"])


def test_the_sample_is_the_datasets_sample(tmp_path: Path) -> None:
    res, _ = _run("rating", tmp_path, users=2, seed=7)
    data = tmp_path / "data" / "rating"
    cases, _ = load_cases("rating", data, users=2, seed=7)
    assert [r["id"] for r in res["rows"]] == [e.id for c in cases for e in c.examples]
    smaller, _ = load_cases("rating", data, users=1, seed=7)
    assert smaller[0].user_id == cases[0].user_id  # a smaller sample is a prefix


def test_cli_eval(tmp_path: Path) -> None:
    data = synthetic.classification_folder(tmp_path / "data")
    out = tmp_path / "cli-out"
    result = CliRunner().invoke(
        cli_app,
        [
            "eval",
            "--task",
            "classification",
            "--data",
            str(data),
            "--out",
            str(out),
            "--embedder",
            "fake",
            "--method",
            "none",
            "--method",
            "mindprint",
            "--k",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert list(res["methods"]) == ["none", "mindprint"] and res["config"]["k"] == 2
    assert "--embedder fake" in res["command"]
    bad = CliRunner().invoke(
        cli_app,
        [
            "eval",
            "--task",
            "rating",
            "--data",
            str(data),
            "--out",
            str(out),
            "--provider",
            "nope",
        ],
    )
    assert bad.exit_code != 0 and isinstance(bad.exception, EvalError)


def test_git_commit_reads_loose_and_packed_refs(tmp_path: Path) -> None:
    git = tmp_path / "repo" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    assert git_commit(tmp_path / "repo" / "src") is None  # no commit yet
    (git / "packed-refs").write_text("# pack-refs\n" + "a" * 40 + " refs/heads/main\n")
    assert git_commit(tmp_path / "repo" / "src") == "a" * 40
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")
    assert git_commit(tmp_path / "repo" / "src") == "b" * 40


def test_examples_are_not_mutated(tmp_path: Path) -> None:
    exs = load_examples("rating", synthetic.rating_folder(tmp_path / "data"))
    before: list[Example] = list(exs)
    config = EvalConfig(task="rating", data_dir=tmp_path, out_dir=tmp_path / "out")
    run_eval(config, FakeEmbedder(), examples=exs)
    assert exs == before


def test_rewrite_reports_one_ablation_per_rule(tmp_path: Path) -> None:
    from mindprint.engine.rewrite.offline import REWRITE_RULES

    res, _ = _run("rewrite", tmp_path)
    for rule in REWRITE_RULES:
        assert math.isfinite(res["methods"][f"mindprint_no_{rule}"]["rouge1"]), rule
    assert "mindprint_no_lowercase" not in [m.name for m in select_methods("rating", "offline", None)]
