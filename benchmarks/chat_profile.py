"""Where a chat build's and a retrieval's time goes, in process time.

    .venv/bin/python benchmarks/chat_profile.py                  # 1,000 chat exchanges
    .venv/bin/python benchmarks/chat_profile.py --kind short --items 1000

Process time, not wall time, decides on a shared machine: the model's threads are made
not to busy-wait (``spin=False``), so the CPU they use is work. Sections:

- ``build``: one fresh user of ``--items`` exchanges built with the real model (as
  ``engine_bench.py`` builds it); the CPU in the embedding model against the rest, the
  texts and tokens embedded (real and as padded in the model's batches), and then the
  **same embedding calls alone**, timed again: that is the bound no change of the code
  around the model can pass (exchanges/s of embedding alone).
- ``retrieval``: a 1,000-item user (stand-in item vectors, as ``engine_bench.py``), the
  texts each query embeds and the CPU per query in the embedding against the rest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import engine_bench as eb

from mindprint.app import Mindprint
from mindprint.embed import FastEmbedEmbedder
from mindprint.engine.protocols import Vector
from mindprint.eval.cache import Wrapper
from mindprint.settings import EmbeddingSettings
from mindprint.store import Store


class Recording(Wrapper):
    """Keeps every call's texts and the process time spent in the model."""

    def __init__(self, inner: FastEmbedEmbedder) -> None:
        super().__init__(inner)
        self.model = inner
        self.calls: list[list[str]] = []
        self.cpu = 0.0
        self.on = True

    def embed(self, texts: Sequence[str]) -> Vector:
        if self.on:
            self.calls.append(list(texts))
        t = time.process_time()
        try:
            return self.inner.embed(texts)
        finally:
            self.cpu += time.process_time() - t


def tokens(emb: FastEmbedEmbedder, calls: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(real, padded) tokens of ``calls`` as the embedder batches them."""
    real = padded = 0
    for texts in calls:
        lengths = emb._token_lengths(emb._ensure_loaded(), list(texts))
        for group in emb._plan_batches(lengths):
            real += sum(lengths[i] for i in group)
            padded += len(group) * max(lengths[i] for i in group)
    return real, padded


def profile_build(corpus: eb.Corpus, n: int, emb: FastEmbedEmbedder) -> dict[str, Any]:
    rec = Recording(emb)
    with tempfile.TemporaryDirectory(prefix="mindprint-prof-") as tmp:
        app = Mindprint(Store.open(Path(tmp) / "p.sqlite"), rec)
        app.add_items("bench", eb._unique(corpus.items, n))
        cpu, wall = time.process_time(), time.perf_counter()
        app.build("bench")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        app.close()
    alone_cpu, alone_wall = time.process_time(), time.perf_counter()
    for texts in rec.calls:
        emb.embed(texts)
    alone_cpu, alone_wall = time.process_time() - alone_cpu, time.perf_counter() - alone_wall
    real, padded = tokens(emb, rec.calls)
    return {
        "items": n, "build_per_s": round(n / wall, 1), "build_cpu_s": round(cpu, 2),
        "embed_cpu_s": round(rec.cpu, 2), "rest_cpu_s": round(cpu - rec.cpu, 2),
        "embed_share": round(rec.cpu / cpu, 3), "calls": len(rec.calls),
        "texts": sum(map(len, rec.calls)), "tokens": real, "padded_tokens": padded,
        "embedding_alone_per_s": round(n / alone_wall, 1),
        "embedding_alone_cpu_s": round(alone_cpu, 2),
    }


def profile_retrieval(corpus: eb.Corpus, emb: FastEmbedEmbedder, n_queries: int) -> dict[str, Any]:
    rec = Recording(emb)
    stand_in = eb.StandInEmbedder(rec)
    queries = corpus.queries[: n_queries + 1]
    total: list[float] = []
    in_model: list[float] = []
    texts: list[int] = []
    with tempfile.TemporaryDirectory(prefix="mindprint-prof-") as tmp:
        app = Mindprint(Store.open(Path(tmp) / "p.sqlite"), stand_in)
        app.add_items("bench", eb._unique(corpus.items, 1000))
        app.build("bench")
        stand_in.use_real = True
        app.retrieve("bench", queries[0], 3)  # loads the index
        for q in queries[1:]:
            rec.calls, rec.cpu = [], 0.0
            t = time.process_time()
            app.retrieve("bench", q, 3)
            total.append((time.process_time() - t) * 1000)
            in_model.append(rec.cpu * 1000)
            texts.append(sum(map(len, rec.calls)))
        app.close()
    return {
        "items": 1000, "queries": len(total),
        "cpu_p50_ms": round(statistics.median(total), 1),
        "embed_cpu_p50_ms": round(statistics.median(in_model), 1),
        "rest_cpu_p50_ms": round(statistics.median(t - m for t, m in zip(total, in_model, strict=True)), 1),
        "texts_per_query": round(statistics.mean(texts), 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", default="chat", choices=("chat", "short", "long"))
    ap.add_argument("--items", type=int, default=1000, help="Exchanges built.")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--data", type=Path, default=eb.DEFAULT_DATA)
    args = ap.parse_args(argv)
    es = EmbeddingSettings()
    emb = FastEmbedEmbedder(es.resolved_model_dir, batch_size=es.embed_batch_size,
                            threads=es.embed_threads, spin=False)
    emb.embed(["warm up"])
    corpus = eb.load_corpora(args.data)[args.kind]
    print(f"{corpus.name}; load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    build = profile_build(corpus, args.items, emb)
    print(eb._table([build], list(build)), end="\n\n")
    retrieval = profile_retrieval(corpus, emb, args.queries)
    print(eb._table([retrieval], list(retrieval)))
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
