"""export-training pairs the right texts and writes parseable JSONL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mindprint.app import Mindprint
from mindprint.cli.main import app as cli
from mindprint.embed import FakeEmbedder
from mindprint.services.training import export_training
from mindprint.store import NewItem, Store


def test_sft_and_preference_pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "t.db"
    monkeypatch.setenv("MINDPRINT_DB", str(db))
    m = Mindprint(Store.open(db), FakeEmbedder())
    m.add_items("u", [NewItem(input=f"q{i}", response=f"honestly it's fine {i} tbh") for i in range(6)])
    m.build("u")
    drafts = [
        "It is a good product. I am satisfied with it.",   # rated 5 -> sft + pair (rewrite > draft)
        "I am not sure it is worth the price.",            # edited -> pair (edit > rewrite)
        "It is too heavy for running.",                    # rated 1 -> nothing
        "I do not like the colour.",                       # no feedback -> nothing
    ]
    outs = [m.rewrite("u", d) for d in drafts]
    assert outs[0].changed
    m.record_feedback("u", "review it", outs[0].text, rating=5, rewrite_id=outs[0].rewrite_id)
    m.record_feedback("u", "worth it?", outs[1].text, edited_response="meh. not worth it tbh",
                      rewrite_id=outs[1].rewrite_id)
    m.record_feedback("u", "for running?", outs[2].text, rating=1, rewrite_id=outs[2].rewrite_id)

    sft = list(export_training(m.store, "sft"))
    assert len(sft) == 1
    msgs = sft[0]["messages"]
    assert [x["role"] for x in msgs] == ["system", "user", "assistant"]
    assert drafts[0] in msgs[1]["content"]
    assert json.loads(msgs[2]["content"])["rewrite"] == outs[0].text

    prefs = list(export_training(m.store, "preferences"))
    pairs = {(p["chosen"][0]["content"], p["rejected"][0]["content"]) for p in prefs}
    assert pairs == {(outs[0].text, drafts[0]), ("meh. not worth it tbh", outs[1].text)}
    m.close()

    r = CliRunner().invoke(cli, ["export-training", "--format", "preferences", "-o", str(tmp_path / "p.jsonl")])
    assert r.exit_code == 0, r.output
    lines = (tmp_path / "p.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(set(json.loads(x)) == {"prompt", "chosen", "rejected"} for x in lines)
