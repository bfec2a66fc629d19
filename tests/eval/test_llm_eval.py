"""`mindprint eval --provider openai`: the LLM pipeline through the real SDK client and a
local OpenAI-compatible fake endpoint, baselines beside it in the same run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mindprint.embed import FakeEmbedder
from mindprint.eval.context import EvalError
from mindprint.eval.report import build_results
from mindprint.eval.runner import DB_NAME, run_eval
from mindprint.eval.runs import EvalConfig
from mindprint.store import Store
from mindprint.testing.fake_llm import fake_llm

from . import synthetic


@pytest.mark.parametrize("task", ["rating", "rewrite"])
def test_llm_provider_run(task: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = synthetic.rating_folder if task == "rating" else synthetic.rewrite_folder
    data = folder(tmp_path / "data")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with fake_llm() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
        config = EvalConfig(task=task, data_dir=data, out_dir=tmp_path / "out", keep_db=True,
                            provider="openai")
        run = run_eval(config, FakeEmbedder(), command=["mindprint", "eval"])
    res = build_results(run)
    assert {"none", "user_prior", "bm25", "dense", "mindprint"} <= set(res["methods"])
    preds = [r["predictions"]["mindprint"] for r in res["rows"]]
    if task == "rating":
        assert preds == ["5"] * len(preds)  # the fake model's answer, parsed from its JSON
    else:
        assert all(p == p.lower() for p in preds)  # the fake reflection lowercases the draft
    store = Store.open(tmp_path / "out" / DB_NAME)
    purposes = {r["purpose"] for r in store.usage()}
    assert {"features", "factors", "paths"} <= purposes
    assert ("answer" if task == "rating" else "rewrite") in purposes
    json.dumps(res)  # the report stays JSON


def test_unknown_provider(tmp_path: Path) -> None:
    config = EvalConfig(task="rating", data_dir=synthetic.rating_folder(tmp_path / "d"),
                        out_dir=tmp_path / "o", provider="gpt5")
    with pytest.raises(EvalError, match="unknown provider"):
        run_eval(config, FakeEmbedder())


def test_a_model_that_cannot_answer_degrades_to_the_offline_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mindprint.testing.fake_llm import smart_reply

    def rambling(system: str, prompt: str) -> str:
        if "answer a new input" in system:
            return "Well, it depends on many things about beer and people"  # no JSON at all
        return smart_reply(system, prompt)

    data = synthetic.rating_folder(tmp_path / "data")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with fake_llm(rambling) as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
        config = EvalConfig(task="rating", data_dir=data, out_dir=tmp_path / "out",
                            provider="openai")
        run = run_eval(config, FakeEmbedder(), command=["mindprint", "eval"])
    preds = [r["predictions"]["mindprint"] for r in build_results(run)["rows"]]
    # Each question still gets a star rating: the offline answer of the same user model.
    assert preds and all(p in {"1", "2", "3", "4", "5"} for p in preds)
