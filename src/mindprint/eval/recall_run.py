"""Running the recall task over every person and writing ``results.json`` / ``results.md``.

Intervals are 95% percentile-bootstrap intervals over people (every question of a drawn
person goes with them); mindprint's lift over ``dense`` (the plain MiniLM cosine search)
is paired on the same resamples.
"""

from __future__ import annotations

import json
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mindprint import __version__
from mindprint.app import Mindprint
from mindprint.engine.protocols import Embedder
from mindprint.eval.bootstrap import N_RESAMPLES, Resampler, lift, mean_metric, point
from mindprint.eval.cache import CachingEmbedder
from mindprint.eval.context import EvalError
from mindprint.eval.prefeval import load_recall, sample
from mindprint.eval.provenance import git_commit
from mindprint.eval.recall import METHODS, Progress, RecallRow, eval_person, per_question
from mindprint.eval.runs import EvalConfig
from mindprint.settings import LimitSettings
from mindprint.store import Store

BASELINE = "dense"


def run_recall(
    config: EvalConfig, embedder: Embedder, *, online: bool = False,
    progress: Progress | None = None, command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Every selected person through a fresh database; the results document."""
    methods = list(config.methods) or list(METHODS)
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise EvalError(f"unknown method(s) {unknown} for --task recall; choose from {list(METHODS)}")
    cases = sample(load_recall(config.data_dir, config.split), config.users, config.seed)
    if not cases:
        raise EvalError(f"no people in split {config.split!r} of {config.data_dir}")
    cached = embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
    commit = git_commit()
    timings: dict[str, float] = {}
    rows: list[RecallRow] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mindprint-recall-") as tmp:
        app = Mindprint(Store.open(Path(tmp) / "eval.sqlite"), cached, limits=LimitSettings())
        try:
            for n, case in enumerate(cases, start=1):
                rows += eval_person(app, case, cached, methods, online=online, timings=timings)
                if progress:
                    progress(n, len(cases))
        finally:
            app.close()
    wall = time.perf_counter() - started
    out = results(rows, methods, config.seed)
    out.update({
        "task": "recall",
        "protocol": "online" if online else "offline",
        "command": shlex.join(command) if command is not None else shlex.join(sys.argv),
        "config": {"data_dir": str(config.data_dir), "split": config.split, "users": config.users,
                   "k": 5, "seed": config.seed, "bootstrap_resamples": N_RESAMPLES},
        "timing": {"wall_seconds": round(wall, 2),
                   "method_seconds": {k: round(v, 3) for k, v in timings.items()}},
        "git_commit": commit, "mindprint_version": __version__,
        "python": platform.python_version(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # Questions whose gold item only an instruction about answers brought (rank 1 by
        # being served with every answer, not by its similarity).
        "instruction_hits": sum(1 for r in rows if r.ranks.get("mindprint") == 0 and r.topical != 0),
        "rows": [{"id": r.id, "user_id": r.user_id, "ranks": r.ranks, "factor_hit": r.factor_hit,
                  "topical": r.topical} for r in rows],
    })
    return out


def results(rows: Sequence[RecallRow], methods: Sequence[str], seed: int) -> dict[str, Any]:
    """Metrics, intervals and mindprint's paired lift over ``dense`` (when both ran)."""
    n = len(rows)
    resampler = Resampler.by_user([r.user_id for r in rows], seed)
    table = {m: {k: mean_metric(v) for k, v in per_question(rows, m).items()} for m in methods}
    lift_table: dict[str, Any] = {}
    if "mindprint" in table and BASELINE in table:
        lift_table[BASELINE] = {
            k: _rounded({"vs": BASELINE, **lift(k, f, table[BASELINE][k], resampler, n)})
            for k, f in table["mindprint"].items() if k in table[BASELINE]
        }
    return {
        "n_users": len({r.user_id for r in rows}),
        "n_questions": n,
        "metrics": ["recall@1", "recall@3", "recall@5", "mrr@5"],
        "methods": {m: {k: round(point(f, n), 4) for k, f in fs.items()} for m, fs in table.items()},
        "ci95": {m: {k: [round(x, 4) for x in resampler.interval(f)] for k, f in fs.items()}
                 for m, fs in table.items()},
        "lift": lift_table,
    }


def _rounded(v: dict[str, Any]) -> dict[str, Any]:
    return {**v, "delta": round(v["delta"], 4), "ci95": [round(x, 4) for x in v["ci95"]]}


def write_recall(res: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / "results.json"
    js.write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
    md = out_dir / "results.md"
    md.write_text(markdown(res), encoding="utf-8")
    return js, md


def markdown(res: dict[str, Any]) -> str:
    cols = [*res["metrics"], "factor_recall"]
    lines = [
        f"# recall ({res['protocol']}): {res['n_users']} people, {res['n_questions']} questions",
        "", f"`{res['command']}`", "",
        "| method | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols),
    ]
    for m, vals in res["methods"].items():
        cells = []
        for c in cols:
            if c not in vals:
                cells.append("")
                continue
            lo, hi = res["ci95"][m][c]
            cells.append(f"{vals[c]:.3f} [{lo:.3f}, {hi:.3f}]")
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    for vs, by_metric in res["lift"].items():
        parts = [f"{k} {v['delta']:+.3f} [{v['ci95'][0]:+.3f}, {v['ci95'][1]:+.3f}]"
                 for k, v in by_metric.items()]
        lines += ["", f"Lift over `{vs}`: " + "; ".join(parts)]
    return "\n".join(lines) + "\n"
