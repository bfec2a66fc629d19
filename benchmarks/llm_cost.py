"""LLM cost of building one user: calls and tokens per history item.

Runs the LLM pipeline on a 200-item user from the shared Amazon data, plus ``--chats``
conversation turns from the shared PrefEval data (read by the preference stage too). With
MINDPRINT_PROVIDER / ANTHROPIC_API_KEY / OPENAI_API_KEY set it uses that provider;
otherwise the real SDK clients talk to the local fake endpoint of the test suite
(token counts are then the fake's estimate: len(text) / 4).

    .venv/bin/python benchmarks/llm_cost.py [--items 200] [--chats 64] [--batch 8] [--out bench-out/llm_cost.json]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder
from mindprint.engine.llm.stages import llm_pipeline
from mindprint.providers import CallRecord, create_provider
from mindprint.providers.openai_provider import OpenAIProvider
from mindprint.settings import ProviderSettings
from mindprint.store import NewItem, Store
from mindprint.testing.fake_llm import fake_llm

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MINDPRINT_SHARED_DATA") or REPO.parent / "shared" / "data")
DATA = SHARED / "amazon_rating" / "musical_instruments" / "dev_questions.json"
CHATS = SHARED / "prefeval" / "implicit_choice" / "profiles.json"


def items(n: int) -> list[NewItem]:
    out: list[NewItem] = []
    for q in json.loads(DATA.read_text()):
        for p in q["profile"]:
            if p["text"].strip():
                out.append(NewItem(input=p["text"], response=p["score"], score=float(p["score"]), label=p["score"]))
            if len(out) == n:
                return out
    return out


def chats(n: int) -> list[NewItem]:
    """``n`` conversation turns (the user's message in, the assistant's answer out), whole
    people's chats in order, as ``record_feedback`` stores them."""
    out: list[NewItem] = []
    for turns in json.loads(CHATS.read_text())["users"].values():
        for t in sorted(turns, key=lambda t: t["date"]):
            if len(out) == n:
                return out
            out.append(NewItem(input=t["input"], response=t["response"], source="feedback",
                               meta={"kind": "turn"}))
    return out


def run(n: int, batch: int, out: Path, n_chats: int = 0) -> dict[str, object]:
    records: list[CallRecord] = []
    settings = ProviderSettings()
    with fake_llm() as fake:
        llm = create_provider(settings, records.append)
        source = llm.name if llm is not None else "fake endpoint (openai wire format)"
        if llm is None:
            llm = OpenAIProvider("bench", "fake-model", base_url=fake.url + "/v1", sink=records.append)
        emb = FakeEmbedder()
        pipe = llm_pipeline(emb, llm, batch_size=batch)
        with tempfile.TemporaryDirectory() as tmp:
            app = Mindprint(Store.open(Path(tmp) / "db.sqlite"), emb, pipeline=pipe)
            app.add_items("bench", items(n) + chats(n_chats))
            t0 = time.perf_counter()
            app.build("bench")
            seconds = time.perf_counter() - t0
            app.close()
    by: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "input_tokens": 0, "output_tokens": 0})
    for r in records:
        b = by[r.purpose]
        b["calls"] += 1
        b["input_tokens"] += r.input_tokens or 0
        b["output_tokens"] += r.output_tokens or 0
    calls = sum(b["calls"] for b in by.values())
    n += n_chats
    tin = sum(b["input_tokens"] for b in by.values())
    tout = sum(b["output_tokens"] for b in by.values())
    result = {
        "provider": source, "items": n, "chats": n_chats, "batch_size": batch, "seconds": round(seconds, 2),
        "calls": calls, "calls_per_item": round(calls / n, 3),
        "input_tokens_per_item": round(tin / n, 1), "output_tokens_per_item": round(tout / n, 1),
        "by_stage": dict(by), "paper_calls_per_item": "2-3 (build), 2 per query",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"provider: {source}; {n} items ({n_chats} chat turns), batch {batch}, {seconds:.1f} s")
    print(f"{'stage':<16}{'calls':>8}{'in tok':>10}{'out tok':>10}")
    for stage, b in sorted(by.items()):
        print(f"{stage:<16}{b['calls']:>8.0f}{b['input_tokens']:>10.0f}{b['output_tokens']:>10.0f}")
    print(f"calls/item {result['calls_per_item']} (target <= 0.5); "
          f"tokens/item in {result['input_tokens_per_item']} out {result['output_tokens_per_item']}")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--chats", type=int, default=64, help="conversation turns added (PrefEval)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--out", type=Path, default=REPO / "bench-out" / "llm_cost.json")
    a = ap.parse_args()
    run(a.items, a.batch, a.out, a.chats)
