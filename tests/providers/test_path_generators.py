"""Each stored reasoning path names the generator that wrote it, and why the template
stood in for the LLM where it did: real SDK clients, a local HTTP server answering as
the recorded weak model (SmolLM2) did."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.factors.paths import OFFLINE_PATHS
from mindprint.providers.anthropic_provider import AnthropicProvider
from mindprint.providers.base import ProviderBase
from mindprint.providers.openai_provider import OpenAIProvider
from mindprint.store import Store
from mindprint.testing.fake_llm import FakeLLM, Scripted, fake_llm
from tests.providers.test_providers import ITEMS, _app
from tests.providers.test_recorded_answers import _recorded


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as f:
        yield f


def _llm(kind: str, fake: FakeLLM, **kw: Any) -> ProviderBase:
    if kind == "anthropic":
        return AnthropicProvider("k", "smollm2", base_url=fake.url, **kw)
    return OpenAIProvider("k", "smollm2", base_url=fake.url + "/v1", **kw)


def _paths(app: Mindprint) -> list[dict[str, Any]]:
    """The stored path rows, in item order, as the export hands them out."""
    return sorted(app.export("u")["paths"], key=lambda r: r["item_id"])


def _writer_id(app: Mindprint) -> str:
    return app.pipeline.path_writer.id


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_paths_the_template_wrote_after_the_weak_models_answers_say_so(
    tmp_path: Path, fake: FakeLLM, kind: str
) -> None:
    """Features (2 calls) and factors (1) are answered well; the first paths batch (items
    1-8) gets the weak model's recorded answer and retry, both malformed, and the second
    batch (items 9-10) a good answer."""
    recorded = _recorded("paths")
    fake.script = [Scripted(), Scripted(), Scripted(), *(Scripted(text=t) for t in recorded[:2])]
    app = _app(tmp_path, _llm(kind, fake))
    app.add_items("u", ITEMS)
    app.build("u")
    rows, llm_writer = _paths(app), _writer_id(app)
    assert len(rows) == 10 and llm_writer.startswith("llm:")
    for row in rows[:8]:
        assert row["generator"] == OFFLINE_PATHS, row
        assert row["fallback"]["from"] == llm_writer
        assert "paths: the model's answer was invalid twice" in row["fallback"]["reason"]
        assert row["reasoning"] and not row["reasoning"].startswith("The user reacted to")
    for row in rows[8:]:
        assert row["generator"] == llm_writer and row["fallback"] is None, row
        assert row["reasoning"].startswith("The user reacted to")
    app.close()


def test_an_item_the_model_skipped_and_a_failed_call_each_name_their_reason(
    tmp_path: Path, fake: FakeLLM
) -> None:
    """A paths answer without item 2 costs item 2 alone; a batch whose call fails (500,
    no retries) costs that batch, and the reason is the provider's error."""
    skipped = json.dumps({"items": [{"item": n, "reasoning": f"LLM path {n}."}
                                    for n in range(1, 9) if n != 2]})
    fake.script = [Scripted(), Scripted(), Scripted(), Scripted(text=skipped), Scripted(status=500)]
    app = _app(tmp_path, _llm("openai", fake, max_retries=0))
    app.add_items("u", ITEMS)
    app.build("u")
    rows, llm_writer = _paths(app), _writer_id(app)
    assert [r["generator"] == llm_writer for r in rows] == [True, False] + [True] * 6 + [False] * 2
    assert rows[1]["fallback"] == {"from": llm_writer, "reason": "the model's answer had no path for this item"}
    assert rows[0]["reasoning"] == "LLM path 1." and rows[1]["generator"] == OFFLINE_PATHS
    assert all("API error" in r["fallback"]["reason"] for r in rows[8:])
    app.close()


def test_a_path_written_at_feedback_time_names_its_generator(tmp_path: Path, fake: FakeLLM) -> None:
    """record_feedback runs the item stage on the new exchange against the current
    factors: its path, written by the template after two malformed answers, says so."""
    app = _app(tmp_path, _llm("openai", fake))
    app.add_items("u", ITEMS)
    app.build("u")
    assert {r["generator"] for r in _paths(app)} == {_writer_id(app)}
    fake.script = [Scripted(), *(Scripted(text=t) for t in _recorded("paths")[:2])]
    receipt = app.record_feedback("u", "Review request: Nova headlamp, 4 h battery", "too short 2/5",
                                  rating=2)
    row = next(r for r in _paths(app) if r["item_id"] == receipt.item_id)
    assert row["generator"] == OFFLINE_PATHS and row["fallback"]["from"] == _writer_id(app)
    app.wait_idle()
    app.close()


def test_offline_paths_name_the_template_without_a_fallback(tmp_path: Path) -> None:
    app = Mindprint(Store.open(tmp_path / "db.sqlite"), FakeEmbedder())
    app.add_items("u", ITEMS)
    app.build("u")
    rows = _paths(app)
    assert len(rows) == 10 and all(r["generator"] == OFFLINE_PATHS and r["fallback"] is None for r in rows)
    app.close()
