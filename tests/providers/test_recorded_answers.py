"""The prompt regression set: answers a real weak model gave to mindprint's prompts.

Recorded by ``benchmarks/llm_real.py --items 3 --max-tokens 400 --no-held-out --record``
(SmolLM2-135M-Instruct on llama-cpp-python's OpenAI-compatible server, 2026-11-28): one
first answer and one retry per stage. This model gave no valid answer, so all are malformed
(prose, the schema echoed back, the fenced data copied, JSON cut at ``max_tokens``). Each fixture
says what the stage's parser must make of it (``expect``), so a prompt or parser change
that reads real output differently fails here; the replay tests send recorded answers
through the real OpenAI SDK client and check what the pipeline does with them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from mindprint.engine.llm.interface import parse_answer
from mindprint.engine.llm.rewrite import _Trajectory
from mindprint.engine.llm.stages import ANSWERS
from mindprint.providers.openai_provider import OpenAIProvider
from mindprint.testing.fake_llm import FakeLLM, Scripted, fake_llm
from tests.providers.test_providers import ITEMS, _app_and_extractor

FIXTURES = Path(__file__).parent / "fixtures" / "smollm2"
STAGES = {"features", "factors", "paths", "query-features", "answer", "rewrite"}


def _load() -> list[tuple[str, dict[str, Any]]]:
    return [(p.stem, json.loads(p.read_text("utf-8"))) for p in sorted(FIXTURES.glob("*.json"))]


RECORDED = _load()


def _model(purpose: str) -> type[BaseModel]:
    stage = purpose.split(":")[0]
    return _Trajectory if stage == "rewrite" else ANSWERS[stage]


def _fixture(name: str) -> dict[str, Any]:
    return next(fx for stem, fx in RECORDED if stem == name)


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def test_the_set_covers_every_stage_with_malformed_answers_among_them() -> None:
    assert {fx["purpose"].split(":")[0] for _, fx in RECORDED} == STAGES
    assert all(fx["model"].startswith("SmolLM2-135M-Instruct") for _, fx in RECORDED)
    malformed = [n for n, fx in RECORDED if not fx["expect"]["valid"]]
    assert len(malformed) >= len(RECORDED) // 3, malformed


@pytest.mark.parametrize(("name", "fx"), RECORDED, ids=[n for n, _ in RECORDED])
def test_the_parser_reads_each_recorded_answer_as_expected(name: str, fx: dict[str, Any]) -> None:
    expect = fx["expect"]
    model = _model(fx["purpose"])
    if not expect["valid"]:
        with pytest.raises(ValidationError) as err:
            parse_answer(fx["text"], model)
        assert expect["error"] in str(err.value), (name, str(err.value)[:300])
        return
    parsed = parse_answer(fx["text"], model).model_dump()
    entries = parsed.get("items", parsed.get("features", parsed.get("factors")))
    if "entries" in expect:
        assert entries is not None and len(entries) == expect["entries"]


def _recorded(stage: str) -> list[str]:
    """The recorded answers of one stage, first attempts before retries."""
    return [fx["text"] for _, fx in RECORDED if fx["purpose"].split(":")[0] == stage]


def test_a_build_fed_the_recorded_answers_completes_and_states_each_items_origin(
    tmp_path: Path, fake: FakeLLM
) -> None:
    """The first batch of 8 gets the weak model's features answer and its retry, both
    malformed: those items fall back to offline features (origin "fallback"), the next
    batch is answered well (origin "llm"), and the factors and paths stages, fed their
    recorded (malformed) answers too, fall back without failing the build."""
    feats, factors, paths = _recorded("features"), _recorded("factors"), _recorded("paths")
    llm = OpenAIProvider("k", "smollm2", base_url=fake.url + "/v1")
    fake.script = [Scripted(text=t) for t in feats[:2]]
    app, extractor = _app_and_extractor(tmp_path, llm)
    app.add_items("u", ITEMS)
    fake.script += [Scripted()]  # the second batch: a well-formed answer
    fake.script += [Scripted(text=t) for t in factors[:2]] + [Scripted(text=t) for t in paths[:2]]
    report = app.build("u")
    assert report.items == 10
    stored = app.store.get_features("u")
    origins = [{f.origin for f in stored[i] if f.kind != "tone"} for i in sorted(stored)]
    assert all(o and o <= {"fallback"} for o in origins[:8]), origins
    assert all("llm" in o for o in origins[8:]), origins
    assert len(extractor.failures) == 1 and "invalid twice" in extractor.failures[0]
    assert len(app.store.get_paths("u", list(stored))) == 10
    app.close()


def test_a_recorded_rewrite_from_the_clients_model_falls_back_and_says_why(tmp_path: Path) -> None:
    """Client sampling that answers like the weak model: the offline rewriter answers,
    and the result names the client's model and the parse error."""
    from mindprint.app import Mindprint
    from mindprint.embed import FakeEmbedder
    from mindprint.store import Store

    app = Mindprint(Store.open(tmp_path / "db.sqlite"), FakeEmbedder())
    app.add_items("u", ITEMS)
    app.build("u")
    draft = "The Westvleteren 12 pours dark brown with a 2 cm tan head. I would rate it 5/5."
    for text in _recorded("rewrite"):
        out = app.rewriting.from_answer("u", draft, None, text, "smollm2")
        assert out.generator.startswith("offline-style")
        assert out.fallback is not None and out.fallback["from"] == "sampling:smollm2"
        assert "did not answer the trajectory as JSON" in out.fallback["reason"]
    app.close()
