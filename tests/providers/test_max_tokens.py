"""Every LLM call sends its stage's ``max_tokens`` (set in ProviderSettings), and an
answer cut there is a malformed answer: retried once, then the stage's fallback. Real SDK
clients against a local HTTP server that cuts answers at the requested cap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.factors.paths import OFFLINE_PATHS
from mindprint.engine.llm.interface import InvalidAnswer, TokenCaps
from mindprint.engine.llm.rewrite import rewrite_with_llm
from mindprint.engine.llm.stages import answer, llm_pipeline
from mindprint.engine.types import Factor
from mindprint.providers import CallRecord, create_provider
from mindprint.providers.base import ProviderBase
from mindprint.providers.registry import token_caps
from mindprint.settings import ProviderSettings
from mindprint.store import Store
from mindprint.testing.fake_llm import FakeLLM, Scripted, fake_llm
from tests.providers.test_llm_preferences import HISTORY
from tests.providers.test_providers import ITEMS

# A distinct cap per stage, so a request carrying another stage's cap is caught.
CAPS = {"features": 901, "query_features": 302, "factors": 1203, "paths": 904, "preferences": 1305,
        "answer": 505, "rewrite": 2006, "repair": 2107}


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def _settings(kind: str, url: str, **caps: int) -> ProviderSettings:
    key = {"anthropic": {"anthropic_api_key": "k", "anthropic_base_url": url},
           "openai": {"openai_api_key": "k", "openai_base_url": url + "/v1"}}[kind]
    fields = {f"max_tokens_{k}": v for k, v in {**CAPS, **caps}.items()}
    return ProviderSettings(provider=kind, llm_max_retries=0, **key, **fields)  # type: ignore[arg-type]


def _provider(s: ProviderSettings, records: list[CallRecord]) -> ProviderBase:
    llm = create_provider(s, sink=records.append)
    assert isinstance(llm, ProviderBase)
    return llm


def _app(tmp_path: Path, llm: ProviderBase) -> Mindprint:
    emb = FakeEmbedder()
    return Mindprint(Store.open(tmp_path / "db.sqlite"), emb, pipeline=llm_pipeline(emb, llm), llm=llm)


def _cap(purpose: str) -> int:
    stage = purpose.removesuffix(":retry")
    return CAPS["repair" if stage == "rewrite:repair" else stage.replace("-", "_")]


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_every_stage_sends_its_own_cap(tmp_path: Path, fake: FakeLLM, kind: str) -> None:
    records: list[CallRecord] = []
    llm = _provider(_settings(kind, fake.url), records)
    app = _app(tmp_path, llm)
    app.add_items("u", [*ITEMS, *HISTORY[:2]])
    app.build("u")
    res = app.retrieve("u", "Review request: Nova headlamp — 4 h battery, 95 g.", k=3)
    factors = app.factors("u")[1]
    answer(llm, "Rate: Nova headlamp", factors, [(h.item, list(h.features), h.path) for h in res.hits])
    draft = "The Ember lasts 5 hours and weighs 210 g."
    rewrite_with_llm(llm, draft, {}, factors, [])
    # A rewrite that drops a number gets the repair round, with the repair's cap.
    lossy = '{"profile_analysis": [], "gap_analysis": {}, "edit_plan": [], "rewrite": "it lasts."}'
    fake.script = [Scripted(text=lossy)]
    rewrite_with_llm(llm, draft, {}, factors, [])
    purposes = [r.purpose for r in records]
    assert {p.removesuffix(":retry") for p in purposes} == {
        "features", "factors", "paths", "preferences", "query-features", "answer", "rewrite",
        "rewrite:repair"}
    assert len(fake.requests) == len(records)
    for purpose, (_path, body) in zip(purposes, fake.requests, strict=True):
        assert body["max_tokens"] == _cap(purpose), purpose
    app.close()


def test_the_settings_defaults_are_the_engines() -> None:
    assert token_caps(ProviderSettings()) == TokenCaps()


def test_the_caps_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake: FakeLLM) -> None:
    monkeypatch.setenv("MINDPRINT_MAX_TOKENS_PATHS", "333")
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
    monkeypatch.setenv("MINDPRINT_PROVIDER", "openai")
    s = ProviderSettings()
    assert s.max_tokens_paths == 333 and s.max_tokens_features == TokenCaps().features
    llm = create_provider(s)
    assert llm is not None
    llm.complete("sys", "hi", purpose="paths:retry")
    llm.complete("sys", "hi", purpose="features")
    assert [b["max_tokens"] for _, b in fake.requests] == [333, TokenCaps().features]
    monkeypatch.setenv("MINDPRINT_MAX_TOKENS_PATHS", "0")
    with pytest.raises(ValueError, match="max_tokens_paths"):
        ProviderSettings()


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_answers_cut_at_the_cap_fall_back_instead_of_failing(
    tmp_path: Path, fake: FakeLLM, kind: str
) -> None:
    """Caps too small for the answers: the server stops each at the cap (stop reason
    max_tokens / length). Every stage treats that as malformed, retries once, and falls
    back with the reason; the build, the answer and the rewrite complete or raise the
    error their callers handle."""
    records: list[CallRecord] = []
    llm = _provider(_settings(kind, fake.url, features=64, factors=64, paths=64, answer=64,
                              rewrite=64, repair=64), records)
    app = _app(tmp_path, llm)
    app.add_items("u", ITEMS)
    assert app.build("u").items == 10
    feats = app.store.get_features("u")
    assert {f.origin for fs in feats.values() for f in fs if f.kind != "tone"} <= {"fallback", "offline"}
    assert any(f.origin == "fallback" for fs in feats.values() for f in fs)
    # The first batch's 8 paths do not fit in 64 tokens (the last 2 may).
    paths = sorted(app.export("u")["paths"], key=lambda p: p["item_id"])[:8]
    assert all(p["generator"] == OFFLINE_PATHS for p in paths)
    assert all("cut at max_tokens=64" in p["fallback"]["reason"] for p in paths)
    retry = [b for _, b in fake.requests if "was cut at max_tokens=64" in str(b["messages"][-1]["content"])]
    assert retry, "the retry prompt names the cut"
    # A rambling answer (valid JSON had it been let finish), cut twice: InvalidAnswer,
    # which the answer's callers turn into the offline answer.
    rambling = json.dumps({"reasoning": "Because " * 100, "answer": "4"})
    fake.script = [Scripted(text=rambling), Scripted(text=rambling)]
    factors = [Factor("f_1", "battery life", "runtime", ("battery",), {"n_items": 3})]
    with pytest.raises(InvalidAnswer, match="cut at max_tokens=64"):
        answer(llm, "Rate: Nova headlamp", factors, [])
    out = app.rewrite("u", "The Ember lasts 5 hours and weighs 210 g. " * 10)
    assert out.fallback is not None and "cut at max_tokens=64" in out.fallback["reason"]
    app.close()


def test_a_sampled_rewrite_cut_at_max_tokens_falls_back(tmp_path: Path) -> None:
    app = Mindprint(Store.open(tmp_path / "db.sqlite"), FakeEmbedder())
    app.add_items("u", ITEMS)
    app.build("u")
    whole = ('{"profile_analysis": [], "gap_analysis": {}, "edit_plan": [], '
             '"rewrite": "the ember lasts 5 hours."}')
    cut = app.rewriting.from_answer("u", "The Ember lasts 5 hours.", None, whole, "m", truncated=True)
    assert cut.fallback == {"from": "sampling:m", "reason": "the client's model was cut at max_tokens"}
    assert app.rewriting.from_answer("u", "The Ember lasts 5 hours.", None, whole, "m").fallback is None
    app.close()
