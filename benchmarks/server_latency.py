"""Latency of the mindprint MCP server, measured through a real stdio process.

    .venv/bin/python benchmarks/server_latency.py --items 100 1000

(The cold start, against the SDK's floor, is benchmarks/startup.py's.)
For each history size N: build a user of N real Amazon reviews (LaMP-3 style: the
   review is the input, the star rating the response; pooled from the shared
   musical-instruments split, as one heavy reviewer) with the real embedding model,
   outside the timing. Then start the server, make one warm-up call (it loads the
   model; reported separately) and time --calls calls of every tool, client-side
   (JSON-RPC over the pipes included). Prints a table and writes JSON to --out.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.ingest import lamp_item
from mindprint.settings import EmbeddingSettings
from mindprint.store import NewItem, Store

REPO = Path(__file__).resolve().parents[1]
DATA = Path(
    os.environ.get("MINDPRINT_SHARED_DATA", REPO.parent / "shared" / "data")
) / "amazon_rating" / "musical_instruments" / "dev_questions.json"
MINDPRINT_BIN = str(Path(sys.executable).parent / "mindprint")
USER = "bench"
DRAFT = (
    "Thank you for asking! Overall, this is a very good product. The sound quality is "
    "excellent and the build feels solid. However, the price is somewhat high compared to "
    "similar products. In conclusion, I would recommend it to most musicians who need a "
    "reliable option, although beginners may prefer something cheaper."
)


# -- data ----------------------------------------------------------------------------


def load_reviews() -> tuple[list[NewItem], list[tuple[str, str]]]:
    """History items (every profile review, in file order) and held-out queries
    (each user's last review with its gold rating)."""
    questions = json.loads(DATA.read_text(encoding="utf-8"))
    golds_path = DATA.with_name("dev_outputs.json")
    golds = {g["id"]: g["output"] for g in json.loads(golds_path.read_text())["golds"]}
    items = [lamp_item(p) for q in questions for p in q["profile"] if str(p.get("text", "")).strip()]
    queries = [(q["input"].split("review: ", 1)[-1], golds.get(q["id"], "5")) for q in questions]
    return items, [(text, score) for text, score in queries if text.strip()]


def build_user(db: Path, items: list[NewItem], embedder: FastEmbedEmbedder) -> float:
    app = Mindprint(Store.open(db), embedder, default_user=USER)
    t0 = time.perf_counter()
    app.add_items(USER, items)
    app.build(USER)
    seconds = time.perf_counter() - t0
    app.close()
    return seconds


def child_env(home: Path, db: Path, model_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "MINDPRINT_HOME": str(home),
        "MINDPRINT_DB": str(db),
        "MINDPRINT_USER": USER,
        "MINDPRINT_MODEL_DIR": str(model_dir),
        "HF_HUB_OFFLINE": "1",
    }


# -- tool latency ----------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    return statistics.quantiles(s, n=100, method="inclusive")[int(q) - 1]


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    result = await fn()
    elapsed = time.perf_counter() - t0
    if getattr(result, "is_error", False):
        raise RuntimeError(f"tool call failed: {result.content}")
    return elapsed


async def tool_latencies(
    env: dict[str, str], queries: list[tuple[str, str]], calls: int
) -> tuple[float, dict[str, list[float]]]:
    params = StdioServerParameters(command=MINDPRINT_BIN, args=["serve"], env=env)
    out: dict[str, list[float]] = {}
    qs = [q for q, _ in queries[: calls * 2]]
    async with Client(params, mode="legacy") as c:
        first = await timed(lambda: c.call_tool("retrieve_reasoning_paths", {"query": qs[-1]}))

        async def run(name: str, make: Callable[[int], Awaitable[Any]]) -> None:
            out[name] = []
            for i in range(calls):
                out[name].append(await timed(functools.partial(make, i)))

        await run("get_user_factors", lambda i: c.call_tool("get_user_factors", {}))
        await run("retrieve_reasoning_paths",
                  lambda i: c.call_tool("retrieve_reasoning_paths", {"query": qs[i], "k": 3}))
        await run("rewrite_for_user",
                  lambda i: c.call_tool("rewrite_for_user", {"draft": DRAFT, "query": qs[i]}))
        await run("export_user", lambda i: c.call_tool("export_user", {}))
        await run("profile resource",
                  lambda i: c.read_resource(f"mindprint://users/{USER}/profile"))
        # Writes last: enough new items start a background factor refresh, which the
        # later calls then share the CPU with (as they would in real use).
        await run("record_feedback", lambda i: c.call_tool("record_feedback", {
            "query": qs[calls + i], "response": queries[calls + i][1],
            "rating": int(queries[calls + i][1])}))
        out["forget_user (1 call)"] = [await timed(
            lambda: c.call_tool("forget_user", {"user_id": USER, "confirm": True}))]
    return first, out


# -- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, nargs="+", default=[100, 1000], help="history sizes")
    ap.add_argument("--calls", type=int, default=20, help="timed calls per tool")
    ap.add_argument("--out", type=Path, default=Path("bench-out/server_latency.json"))
    args = ap.parse_args(argv)

    model_dir = EmbeddingSettings().resolved_model_dir  # before any MINDPRINT_HOME override
    items, queries = load_reviews()
    if max(args.items) > len(items):
        ap.error(f"at most {len(items)} items are available")
    embedder = FastEmbedEmbedder(model_dir)
    report: dict[str, Any] = {
        "python": platform.python_version(), "machine": platform.machine(),
        "cpus": os.cpu_count(), "calls_per_tool": args.calls, "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="mindprint-bench-") as tmp:
        root = Path(tmp)
        for n in args.items:
            db = root / f"u{n}" / "mindprint.db"
            print(f"building a {n}-item user ...", flush=True)
            build_s = build_user(db, items[:n], embedder)
            first, lat = anyio.run(tool_latencies, child_env(root / f"home{n}", db, model_dir),
                                   queries, args.calls)
            report["sizes"][str(n)] = {
                "build_s": round(build_s, 2),
                "first_call_s": round(first, 3),
                "tools": {
                    name: {"n": len(v), "p50_ms": round(1000 * pct(v, 50), 1),
                           "p95_ms": round(1000 * pct(v, 95), 1)}
                    for name, v in lat.items()
                },
            }
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.out}")


def print_table(report: dict[str, Any]) -> None:
    sizes = list(report["sizes"])
    names = list(next(iter(report["sizes"].values()))["tools"]) if sizes else []
    head = f"{'tool':<26}" + "".join(f"{f'{s} items p50/p95 ms':>26}" for s in sizes)
    print("\n" + head + "\n" + "-" * len(head))
    for name in names:
        cells = []
        for s in sizes:
            t = report["sizes"][s]["tools"][name]
            cells.append(f"{t['p50_ms']:>12.1f} /{t['p95_ms']:>9.1f}   ")
        print(f"{name:<26}" + "".join(f"{c:>26}" for c in cells))
    for key, label in (("first_call_s", "first call (loads model) s"), ("build_s", "build (not timed above) s")):
        print(f"{label:<26}" + "".join(f"{report['sizes'][s][key]:>26}" for s in sizes))


if __name__ == "__main__":
    main()
