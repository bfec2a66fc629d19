"""What a team server (``MINDPRINT_TEAM``) pays when a member's history changes: the team's
pool is rebuilt from every member's answered items, then each person's model of the others
is one solve.

    .venv/bin/python benchmarks/team_pool.py
    .venv/bin/python benchmarks/team_pool.py --members 50 --items 1000 --repeat 5

The members' items are random vectors of the real shapes (384-d sentence embeddings, the
lexicon signals), labelled or rated on 1-5 stars (which also reads the shipped prior for
every item). Reading each member's index from the store is not timed here: the index cache
keeps it until that member's revision moves, so a change reloads one member.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mindprint.engine.features.extract import text_signals
from mindprint.engine.predict.deployment import Member, TeamPool
from mindprint.engine.predict.population import Answers
from mindprint.engine.predict.rating import load_prior

DIM = 384
SIGNALS = len(text_signals("a"))


def members(n: int, items: int, answers: Answers, rng: np.random.Generator) -> list[Member]:
    values = answers.labels or tuple(str(s) for s in range(1, 6))
    out = []
    for i in range(n):
        raw = rng.normal(size=(items, DIM))
        raw /= np.linalg.norm(raw, axis=1, keepdims=True)
        out.append(Member(f"u{i}", answers, raw, rng.normal(size=(items, SIGNALS)),
                          tuple(str(v) for v in rng.choice(values, items))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, nargs="*", default=[10, 50, 200])
    ap.add_argument("--items", type=int, nargs="*", default=[200, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    prior = load_prior()
    model_id = prior.model_id if prior is not None else "none"
    rng = np.random.default_rng(0)
    print("answers  members  items/member  pool rebuild (median s)  one person's model (median ms)")
    for name, answers in (("labels", Answers(labels=("a", "b", "c"))), ("stars", Answers(scale=(1.0, 5.0)))):
        for n in args.members:
            for items in args.items:
                if n * items > 200_000:
                    continue  # beyond a team server's size here: memory, not time, bounds it
                team = members(n, items, answers, rng)
                build, solve = [], []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    pool = TeamPool.of(answers, team, model_id)
                    t1 = time.perf_counter()
                    assert pool is not None and pool.model_for("u0") is not None
                    solve.append(time.perf_counter() - t1)
                    build.append(t1 - t0)
                print(f"{name:7}  {n:7}  {items:12}  {statistics.median(build):23.3f}"
                      f"  {1000 * statistics.median(solve):30.1f}")


if __name__ == "__main__":
    main()
