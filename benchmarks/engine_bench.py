"""Engine benchmarks: build throughput, retrieval latency, peak RSS, database size.

Prints a table and writes JSON (default ``bench-out/engine_bench.json``) so runs can
be compared. Not a test: numbers depend on the machine and on what else runs on it
(the load average at the start is recorded).

    .venv/bin/python benchmarks/engine_bench.py                 # everything
    .venv/bin/python benchmarks/engine_bench.py --only build    # one section
    .venv/bin/python benchmarks/engine_bench.py --sizes 100,1000 --queries 30

Sections:
- ``build``: import + ``Mindprint.build`` of one fresh user with the real model,
  for short items (LaMP-7 tweets), long items (Amazon reviews) and chat exchanges
  (PrefEval's, as conversation turns: what people say about themselves among ordinary
  chats); items/s, peak RSS, and the database size per 1,000 items.
- ``retrieval``: ``Mindprint.retrieve`` (k=3, the app's default mode, with its
  prediction) for users with 100, 1,000 and 10,000 items; p50/p95 over distinct
  held-out queries, query embedding included; the first (cold) call, which loads
  the user's vectors, is reported apart. The users are built with stand-in item
  vectors under the real model's identity (building 10,000 items for real takes
  many minutes and vector values do not change the cost of scoring them); the
  queries are embedded by the real model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindprint.app import Mindprint
from mindprint.embed import FakeEmbedder, FastEmbedEmbedder
from mindprint.engine.protocols import Embedder, Vector
from mindprint.eval.cache import Wrapper
from mindprint.eval.datasets import default_data_root, load_examples
from mindprint.eval.prefeval import as_new_item, load_recall
from mindprint.settings import EmbeddingSettings
from mindprint.store import NewItem, Store

TARGETS = {
    "build_short_items_per_s": 100.0,
    "build_long_items_per_s": 20.0,
    "build_chat_items_per_s": 100.0,
    "retrieval_p50_ms_at_1000": 15.0,
}
MIN_QUERIES = 5
DEFAULT_DATA = default_data_root()


# ---------------------------------------------------------------- memory


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark so each section reports its own peak (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float | None:
    kb = _status_kb("VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


# ---------------------------------------------------------------- corpora


@dataclass(frozen=True)
class Corpus:
    name: str
    items: list[NewItem]  # history items, unique
    queries: list[str]  # held-out texts of the same kind


def _unique(items: Sequence[NewItem], n: int) -> list[NewItem]:
    """``n`` distinct items, repeating the pool with a marker when it is too small.

    The store de-duplicates by content, so a repeated text would not count.
    """
    seen: set[tuple[str, str]] = set()
    pool: list[NewItem] = []
    for it in items:
        if (it.input, it.response) not in seen:
            seen.add((it.input, it.response))
            pool.append(it)
    out: list[NewItem] = []
    for i in range(n):
        base = pool[i % len(pool)]
        if i < len(pool):
            out.append(base)
            continue
        mark = f" (copy {i // len(pool)})"
        if base.input:
            out.append(NewItem(base.input + mark, base.response, base.label, base.score, "bench",
                               meta=base.meta))
        else:
            out.append(NewItem("", base.response + mark, base.label, base.score, "bench"))
    return out


def load_corpora(data: Path) -> dict[str, Corpus]:
    reviews = load_examples("rating", data)
    tweets = load_examples("rewrite", data)
    long_items = [
        NewItem(p.input, p.response, p.label, p.score, "bench")
        for ex in reviews
        for p in ex.profile
        if p.input.strip()
    ]
    short_items = [NewItem("", p.response, source="bench") for ex in tweets for p in ex.profile]
    chats = [c for v in ("implicit_persona", "explicit") for c in load_recall(data / "prefeval" / v)]
    return {
        "short": Corpus("short (LaMP-7 tweets)", short_items, [ex.query for ex in tweets]),
        "long": Corpus("long (Amazon reviews)", long_items, [ex.query for ex in reviews]),
        "chat": Corpus(
            "chat (PrefEval exchanges)",
            [as_new_item(e) for c in chats for e in c.history],
            [q.text for c in chats for q in c.questions],
        ),
    }


# ---------------------------------------------------------------- embedders


class StandInEmbedder(Wrapper):
    """The real model's identity; stand-in vectors until ``use_real`` is switched on."""

    def __init__(self, real: Embedder) -> None:
        super().__init__(real)
        self.fake = FakeEmbedder(real.dim)
        self.use_real = False

    def embed(self, texts: Sequence[str]) -> Vector:
        return (self.inner if self.use_real else self.fake).embed(texts)


def real_embedder(kind: str) -> Embedder:
    if kind == "fake":
        return FakeEmbedder()
    es = EmbeddingSettings()
    emb = FastEmbedEmbedder(
        es.resolved_model_dir, batch_size=es.embed_batch_size, threads=es.embed_threads,
        spin=es.embed_spin,
    )
    emb.load()
    return emb


def _db_bytes(store: Store, path: Path) -> int:
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


# ---------------------------------------------------------------- sections


def bench_build(
    corpora: dict[str, Corpus], sizes: dict[str, int], emb: Embedder
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind, corpus in corpora.items():
        n = sizes[kind]
        items = _unique(corpus.items, n)
        with tempfile.TemporaryDirectory(prefix="mindprint-bench-") as tmp:
            path = Path(tmp) / "bench.sqlite"
            store = Store.open(path)
            empty = _db_bytes(store, path)
            app = Mindprint(store, emb)
            reset_peak_rss()
            t0 = time.perf_counter()
            app.add_items("bench", items)
            t1 = time.perf_counter()
            report = app.build("bench")
            t2 = time.perf_counter()
            size = _db_bytes(store, path) - empty
            app.close()
        rows.append(
            {
                "section": "build",
                "kind": kind,
                "corpus": corpus.name,
                "items": n,
                "import_seconds": round(t1 - t0, 3),
                "build_seconds": round(t2 - t1, 3),
                "items_per_s": round(n / (t2 - t1), 1),
                "factors": report.factors,
                "db_bytes_per_1000_items": round(size * 1000 / n),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    return rows


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_retrieval(
    corpora: dict[str, Corpus],
    sizes: Sequence[int],
    n_queries: int,
    emb: Embedder,
    budget_s: float = 60.0,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind, corpus in corpora.items():
        queries = corpus.queries[: n_queries + 1]
        for n in sizes:
            stand_in = StandInEmbedder(emb)
            with tempfile.TemporaryDirectory(prefix="mindprint-bench-") as tmp:
                store = Store.open(Path(tmp) / "bench.sqlite")
                app = Mindprint(store, stand_in)
                app.add_items("bench", _unique(corpus.items, n))
                t = time.perf_counter()
                app.build("bench")
                build_s = time.perf_counter() - t
                stand_in.use_real = True
                reset_peak_rss()
                t = time.perf_counter()
                app.retrieve("bench", queries[0], 3)
                cold_ms = (time.perf_counter() - t) * 1000
                lat: list[float] = []
                embed_ms: list[float] = []
                deadline = time.perf_counter() + budget_s
                for q in queries[1:]:
                    # Large users can be slow per query: stop at the time budget,
                    # but never with fewer than MIN_QUERIES timings.
                    if len(lat) >= MIN_QUERIES and time.perf_counter() > deadline:
                        break
                    t = time.perf_counter()
                    app.retrieve("bench", q, 3)
                    lat.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    emb.embed([q + " "])  # a fresh text: the raw query embedding alone
                    embed_ms.append((time.perf_counter() - t) * 1000)
                app.close()
            rows.append(
                {
                    "section": "retrieval",
                    "kind": kind,
                    "corpus": corpus.name,
                    "items": n,
                    "queries": len(lat),
                    "cold_ms": round(cold_ms, 1),
                    "p50_ms": round(statistics.median(lat), 1),
                    "p95_ms": round(_pct(lat, 0.95), 1),
                    "query_embed_p50_ms": round(statistics.median(embed_ms), 1),
                    "stand_in_build_seconds": round(build_s, 1),
                    "peak_rss_mb": peak_rss_mb(),
                }
            )
    return rows


# ---------------------------------------------------------------- output


def _table(rows: Sequence[dict[str, Any]], cols: Sequence[str]) -> str:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += [
        "  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(cols, widths, strict=True))
        for r in rows
    ]
    return "\n".join(out)


def verdicts(
    build: Sequence[dict[str, Any]], retrieval: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    def pick(rows: Sequence[dict[str, Any]], kind: str, n: int | None) -> dict[str, Any] | None:
        return next((r for r in rows if r["kind"] == kind and n in (None, r["items"])), None)

    checks: list[dict[str, Any]] = []
    for kind, target in (("short", "build_short_items_per_s"), ("long", "build_long_items_per_s"),
                         ("chat", "build_chat_items_per_s")):
        row = pick(build, kind, None)
        if row:
            checks.append(
                {
                    "target": target,
                    "want": f">= {TARGETS[target]}",
                    "got": row["items_per_s"],
                    "met": row["items_per_s"] >= TARGETS[target],
                }
            )
    for kind in ("short", "long", "chat"):
        row = pick(retrieval, kind, 1000)
        if row:
            t = TARGETS["retrieval_p50_ms_at_1000"]
            checks.append(
                {
                    "target": f"retrieval_p50_ms_at_1000 ({kind} queries)",
                    "want": f"<= {t}",
                    "got": row["p50_ms"],
                    "met": row["p50_ms"] <= t,
                }
            )
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--only", choices=("build", "retrieval"), help="Run one section.")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="Shared data root.")
    ap.add_argument("--short-items", type=int, default=1000, help="Tweets built (build section).")
    ap.add_argument("--long-items", type=int, default=300, help="Reviews built (build section).")
    ap.add_argument("--chat-items", type=int, default=1000, help="Chat exchanges built.")
    ap.add_argument("--kinds", default="short,long,chat", help="Corpora to run.")
    ap.add_argument("--sizes", default="100,1000,10000", help="History sizes (retrieval).")
    ap.add_argument("--queries", type=int, default=50, help="Timed queries per size.")
    ap.add_argument(
        "--budget-s", type=float, default=60.0, help="Stop timing a size after this long."
    )
    ap.add_argument(
        "--embedder",
        choices=("model", "fake"),
        default="model",
        help="fake: smoke-test the script without the model.",
    )
    ap.add_argument("--out", type=Path, default=Path("bench-out/engine_bench.json"))
    args = ap.parse_args(argv)

    started = time.time()
    load = os.getloadavg()
    kinds = {k.strip() for k in args.kinds.split(",")}
    corpora = {k: c for k, c in load_corpora(args.data).items() if k in kinds}
    emb = real_embedder(args.embedder)
    build: list[dict[str, Any]] = []
    retrieval: list[dict[str, Any]] = []
    if args.only in (None, "build"):
        build = bench_build(
            corpora, {"short": args.short_items, "long": args.long_items, "chat": args.chat_items}, emb
        )
        print(
            _table(
                build,
                [
                    "kind",
                    "items",
                    "build_seconds",
                    "items_per_s",
                    "factors",
                    "db_bytes_per_1000_items",
                    "peak_rss_mb",
                ],
            ),
            end="\n\n",
        )
    if args.only in (None, "retrieval"):
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        retrieval = bench_retrieval(corpora, sizes, args.queries, emb, args.budget_s)
        print(
            _table(
                retrieval,
                [
                    "kind",
                    "items",
                    "queries",
                    "cold_ms",
                    "p50_ms",
                    "p95_ms",
                    "query_embed_p50_ms",
                    "peak_rss_mb",
                ],
            ),
            end="\n\n",
        )
    checks = verdicts(build, retrieval)
    if checks:
        print(_table(checks, ["target", "want", "got", "met"]))
    result = {
        "benchmark": "engine_bench",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "wall_seconds": round(time.time() - started, 1),
        "embedder": emb.model_id,
        "loadavg_at_start": [round(x, 2) for x in load],
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "argv": sys.argv,
        "build": build,
        "retrieval": retrieval,
        "targets": checks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
