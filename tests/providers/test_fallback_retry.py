"""Items whose LLM features fell back to offline ones (origin ``fallback``) are retried
by the next build with the same LLM, and only they (plus new items): real SDK client,
a local HTTP server answering first as the recorded weak model did, then well."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mindprint.app import Mindprint
from mindprint.engine.types import Feature
from mindprint.errors import ProviderUnavailable
from mindprint.providers.openai_provider import OpenAIProvider
from mindprint.store import NewItem
from mindprint.testing.fake_llm import FakeLLM, Scripted, fake_llm
from tests.providers.test_providers import ITEMS, _app
from tests.providers.test_recorded_answers import _recorded

NEW = [NewItem(input=f"Review request: {n}.", response=r, score=float(s), label=str(s))
       for n, r, s in [("Comet stove, 80 g", "boils fast 5/5", 5), ("Drift mat, 500 g", "cold 2/5", 2)]]


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def _llm(url: str) -> OpenAIProvider:
    # The same model name every time: the pipeline's identity, under which items are done.
    return OpenAIProvider("k", "smollm2", base_url=url, max_retries=0)


def _features(app: Mindprint) -> dict[int, list[Feature]]:
    return app.store.get_features("u")


def _fell_back(feats: dict[int, list[Feature]]) -> set[int]:
    return {i for i, fs in feats.items() if any(f.origin == "fallback" for f in fs)}


def _feature_prompts(fake: FakeLLM, since: int) -> str:
    return "\n".join(str(b["messages"][-1]["content"]) for _, b in fake.requests[since:]
                     if "features of the INPUT" in str(b["messages"][0]["content"]))


def _first_build(tmp_path: Path, fake: FakeLLM) -> tuple[Mindprint, set[int]]:
    """Items 1-8 get the weak model's two malformed answers (recorded), 9-10 a good one."""
    fake.script = [Scripted(text=t) for t in _recorded("features")[:2]]
    app = _app(tmp_path, _llm(fake.url + "/v1"))
    app.add_items("u", ITEMS)
    assert app.build("u").retried == 0
    fell_back = _fell_back(_features(app))
    assert len(fell_back) == 8
    return app, fell_back


def test_a_working_provider_upgrades_exactly_the_fallen_back_items_once(
    tmp_path: Path, fake: FakeLLM
) -> None:
    app, fell_back = _first_build(tmp_path, fake)
    before = _features(app)
    good = set(before) - fell_back
    added = app.add_items("u", NEW).added
    sent = len(fake.requests)
    report = app.build("u")
    assert (report.retried, report.processed) == (8, 2)
    after = _features(app)
    assert _fell_back(after) == set()
    assert all(any(f.origin == "llm" for f in after[i]) for i in fell_back | set(added))
    # The items the LLM had answered were neither sent again nor rewritten.
    prompts = _feature_prompts(fake, sent)
    items = {it.id: it for page in app.store.iter_items("u") for it in page}
    assert all(items[i].input in prompts for i in fell_back | set(added))
    assert not any(items[i].input in prompts for i in good)
    assert all([(f.name, f.origin) for f in after[i]] == [(f.name, f.origin) for f in before[i]]
               for i in good)
    # Idempotent: nothing is left to retry, so the next build sends no feature call.
    sent = len(fake.requests)
    assert app.build("u").retried == 0
    assert _feature_prompts(fake, sent) == ""
    assert _features(app) == after
    app.close()


def test_a_provider_still_failing_leaves_the_items_fallen_back_and_is_asked_once(
    tmp_path: Path, fake: FakeLLM
) -> None:
    app, fell_back = _first_build(tmp_path, fake)
    fake.script = [Scripted(text=t) for t in _recorded("features")[:2]]
    sent = len(fake.requests)
    assert app.build("u").retried == 8
    # One batch of 8, its answer and its retry: no loop over items falling back again.
    assert len([b for _, b in fake.requests[sent:]
                if "features of the INPUT" in str(b["messages"][0]["content"])]) == 2
    assert _fell_back(_features(app)) == fell_back
    app.close()


def test_an_unreachable_provider_stops_the_retry_and_changes_nothing(
    tmp_path: Path, fake: FakeLLM
) -> None:
    """The retry replaces an item's artefacts only once the new ones are computed, in
    one transaction: a build stopped by the provider keeps every stored row."""
    app, fell_back = _first_build(tmp_path, fake)
    before = app.export("u")
    app.close()
    down = _app(tmp_path, _llm("http://127.0.0.1:9/v1"))
    with pytest.raises(ProviderUnavailable, match="Cannot reach"):
        down.build("u")
    after = down.export("u")
    for table in ("features", "paths", "items", "factors"):
        assert after[table] == before[table], table
    assert _fell_back(_features(down)) == fell_back
    down.close()
    # The provider is back: the next build upgrades them.
    up = _app(tmp_path, _llm(fake.url + "/v1"))
    assert up.build("u").retried == 8 and _fell_back(_features(up)) == set()
    up.close()
