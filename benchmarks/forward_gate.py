"""What the forward gate costs a lone person's server (issue 25), in CPU seconds.

A deployed person's population and departure are chosen once per revision of their data
(``engine/predict/deployment.py``); the gate adds their forward record: each of their
latest ``MODEL.forward_points`` items predicted from the items before it, under the fitted
policy and under the baseline (``engine/predict/deployment.py``). This prints, for one user
of ``--sizes`` Amazon reviews with their stars:

- ``fit_s``: the policy's choice alone (populations, kernel), as before the gate;
- ``gated_s``: the gated choice (the two forward records, then the choice);
- ``backtest_s``: "how well mindprint knows you", which chooses again as the history
  grows (its points read each request afresh with the real model).

The user is built with stand-in item vectors under the real model's identity (as
``engine_bench.py``'s retrieval section: vector values do not change what a fit costs).
Not a test: numbers depend on the machine and its load (printed).

    .venv/bin/python benchmarks/forward_gate.py --sizes 100,1000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.engine_bench import (
    DEFAULT_DATA,
    StandInEmbedder,
    _unique,
    load_corpora,
    real_embedder,
)
from mindprint.app import Mindprint
from mindprint.engine.predict.index import UserIndex, answers_of, sub_index
from mindprint.store import Store


def _cpu(fn: Callable[[], object]) -> float:
    t = time.process_time()
    fn()
    return round(time.process_time() - t, 2)


def measure(n: int, data: Path) -> dict[str, float | int]:
    emb = StandInEmbedder(real_embedder("model"))
    items = _unique(load_corpora(data)["long"].items, n)
    with tempfile.TemporaryDirectory(prefix="mindprint-gate-") as tmp:
        app = Mindprint(Store.open(Path(tmp) / "g.sqlite"), emb)
        app.add_items("bench", items)
        app.build("bench")
        c = app.retrieval.index.get("bench")
        answers = answers_of(c)
        assert answers is not None
        src = app.retrieval.population

        def fresh() -> UserIndex:  # the same index, nothing chosen or fitted yet
            return sub_index(c, c.ids)

        # (a checkout without the gate: its choice is the fit)
        fit = getattr(src, "fit", lambda c, a: src.for_user("bench", a, c))
        fit_s = _cpu(lambda: fit(fresh(), answers))
        one = fresh()
        gated_s = _cpu(lambda: src.for_user("bench", answers, one))
        emb.use_real = True
        backtest_s = _cpu(lambda: app.backtest.run("bench"))
        app.close()
    return {"items": n, "fit_s": fit_s, "gated_s": gated_s, "backtest_s": backtest_s}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000", help="Comma-separated history sizes.")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="The shared data root.")
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("items  fit_s  gated_s  backtest_s   (CPU seconds)")
    for n in (int(s) for s in args.sizes.split(",")):
        r = measure(n, args.data)
        print(f"{r['items']:5d}  {r['fit_s']:5.2f}  {r['gated_s']:7.2f}  {r['backtest_s']:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
