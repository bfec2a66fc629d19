"""Scoring a run and writing it out: ``results.json`` and ``results.md``.

Totals use :mod:`mindprint.eval.metrics` (LaMP conventions); every total gets a
95% percentile-bootstrap interval over users, resampled from the per-user values
(RMSE: the square root of the interval of the mean squared error; macro-F1: the
statistic recomputed on each resample, since it is not a mean).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mindprint import __version__
from mindprint.eval.methods import (
    LABEL_TASKS,
    RETRIEVAL_K,
    SCORE_TASKS,
    Memory,
    majority_label,
)
from mindprint.eval.metrics import (
    absolute_errors,
    bootstrap_ci,
    correct,
    macro_f1,
    rouge,
    squared_errors,
    worst_rating,
)

if TYPE_CHECKING:
    from mindprint.eval.runner import EvalRun

TASK_METRICS: Mapping[str, tuple[str, ...]] = {
    "rating": ("mae", "rmse", "accuracy"),
    "category": ("accuracy", "macro_f1"),
    "classification": ("accuracy", "macro_f1"),
    "generation": ("rouge1", "rougeL"),
    "rewrite": ("rouge1", "rougeL"),
}
RETRIEVAL_METRICS: Mapping[str, tuple[str, ...]] = {
    "rating": ("mae@3", "rmse@3"),
    "category": ("accuracy@3", "hit@3"),
    "classification": ("accuracy@3", "hit@3"),
    "generation": ("best_rouge1@3", "best_rougeL@3"),
    "rewrite": ("best_rouge1@3", "best_rougeL@3"),
}
LOWER_IS_BETTER = frozenset({"mae", "rmse", "mae@3", "rmse@3"})
N_RESAMPLES = 1000

CI = tuple[float, float]


# ---------------------------------------------------------------- per example


def retrieval_scores(
    task: str, gold: str, retrieved: Mapping[str, Sequence[Memory]]
) -> dict[str, dict[str, float]]:
    """Per-user value of each retriever's top-3, named like its per-example metric.

    Ratings: the absolute error of the mean retrieved score (nothing retrieved =
    the worst rating, as for an unparseable answer). Labels: whether the top-3
    majority label is the gold, and whether the gold is among the top-3 labels.
    Texts: the best ROUGE-1/ROUGE-L of a retrieved response against the gold.
    """
    out: dict[str, dict[str, float]] = {}
    for name, memories in retrieved.items():
        if task in SCORE_TASKS:
            g = float(gold)
            scores = [m.score for m in memories if m.score is not None]
            guess = statistics.fmean(scores) if scores else worst_rating(g)
            out[name] = {"abs_error": abs(guess - g)}
        elif task in LABEL_TASKS:
            labels = [m.label for m in memories if m.label is not None]
            out[name] = {
                "correct": float(majority_label(labels) == gold.strip()),
                "hit": float(gold.strip() in labels),
            }
        else:
            texts = [m.response for m in memories] or [""]
            r = rouge(texts, [gold] * len(texts))
            out[name] = {
                "best_rouge1": max(r.rouge1_per_example),
                "best_rougeL": max(r.rougeL_per_example),
            }
    return out


def _aggregate_retrieval(
    task: str, rows: Sequence[Mapping[str, Any]], name: str, seed: int
) -> tuple[dict[str, float], dict[str, CI]]:
    def col(key: str) -> list[float]:
        return [float(r["retrieval"][name][key]) for r in rows]

    totals: dict[str, float] = {}
    cis: dict[str, CI] = {}
    if task in SCORE_TASKS:
        errs = col("abs_error")
        sq = [e * e for e in errs]
        totals["mae@3"] = statistics.fmean(errs)
        totals["rmse@3"] = math.sqrt(statistics.fmean(sq))
        cis["mae@3"] = bootstrap_ci(errs, N_RESAMPLES, seed=seed)
        lo, hi = bootstrap_ci(sq, N_RESAMPLES, seed=seed)
        cis["rmse@3"] = (math.sqrt(lo), math.sqrt(hi))
    else:
        keys = (
            {"accuracy@3": "correct", "hit@3": "hit"}
            if task in LABEL_TASKS
            else {"best_rouge1@3": "best_rouge1", "best_rougeL@3": "best_rougeL"}
        )
        for metric, key in keys.items():
            values = col(key)
            totals[metric] = statistics.fmean(values)
            cis[metric] = bootstrap_ci(values, N_RESAMPLES, seed=seed)
    return totals, cis


def _bootstrap_stat(
    stat: Callable[[list[str], list[str]], float],
    preds: Sequence[str],
    golds: Sequence[str],
    seed: int,
) -> CI:
    rng = np.random.default_rng(seed)
    n = len(golds)
    values = []
    for _ in range(N_RESAMPLES):
        idx = rng.integers(0, n, size=n)
        values.append(stat([preds[i] for i in idx], [golds[i] for i in idx]))
    lo, hi = np.quantile(values, [0.025, 0.975])
    return float(lo), float(hi)


def score_method(
    task: str, preds: Sequence[str], golds: Sequence[str], seed: int = 0
) -> tuple[dict[str, float], dict[str, CI], list[dict[str, float]]]:
    """Totals, 95% CIs and per-user values of one method's answers."""
    totals: dict[str, float] = {}
    cis: dict[str, CI] = {}
    per: dict[str, list[float]] = {}
    if task in SCORE_TASKS:
        errs = absolute_errors(preds, golds)
        sq = squared_errors(preds, golds)
        # Exact accuracy on the parsed value, as metrics.rating_accuracy.
        hits = [float(e == 0.0) for e in errs]
        totals = {
            "mae": statistics.fmean(errs),
            "rmse": math.sqrt(statistics.fmean(sq)),
            "accuracy": statistics.fmean(hits),
        }
        lo, hi = bootstrap_ci(sq, N_RESAMPLES, seed=seed)
        cis = {
            "mae": bootstrap_ci(errs, N_RESAMPLES, seed=seed),
            "rmse": (math.sqrt(lo), math.sqrt(hi)),
            "accuracy": bootstrap_ci(hits, N_RESAMPLES, seed=seed),
        }
        per = {"abs_error": errs, "correct": hits}
    elif task in LABEL_TASKS:
        hits = correct(preds, golds)
        totals = {"accuracy": statistics.fmean(hits), "macro_f1": macro_f1(preds, golds)}
        cis = {
            "accuracy": bootstrap_ci(hits, N_RESAMPLES, seed=seed),
            "macro_f1": _bootstrap_stat(macro_f1, preds, golds, seed),
        }
        per = {"correct": hits}
    else:
        r = rouge(preds, golds)
        totals = {"rouge1": r.rouge1, "rougeL": r.rougeL}
        cis = {
            "rouge1": bootstrap_ci(r.rouge1_per_example, N_RESAMPLES, seed=seed),
            "rougeL": bootstrap_ci(r.rougeL_per_example, N_RESAMPLES, seed=seed),
        }
        per = {"rouge1": list(r.rouge1_per_example), "rougeL": list(r.rougeL_per_example)}
    rows = [{k: v[i] for k, v in per.items()} for i in range(len(golds))]
    return totals, cis, rows


# ---------------------------------------------------------------- provenance


def git_commit(start: Path | None = None) -> str | None:
    """The checked-out commit of the repository holding mindprint, read from ``.git``.

    Read from the files (HEAD, loose and packed refs) rather than by running git,
    which may be absent where the harness runs.
    """
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        dot_git = folder / ".git"
        if dot_git.is_file():  # a worktree: "gitdir: <path>"
            text = dot_git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            dot_git = (folder / text.split(":", 1)[1].strip()).resolve()
        if dot_git.is_dir():
            return _resolve_head(dot_git)
    return None


def _resolve_head(git_dir: Path) -> str | None:
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.split(":", 1)[1].strip()
    common = git_dir
    if (git_dir / "commondir").is_file():
        common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None  # a branch without commits yet


# ---------------------------------------------------------------- results


def _r(x: float) -> float:
    return round(x, 4)


def build_results(run: EvalRun) -> dict[str, Any]:
    """The ``results.json`` document of a run."""
    cfg = run.config
    task, seed, n = cfg.task, cfg.seed, len(run.golds)
    methods: dict[str, dict[str, float]] = {}
    cis: dict[str, dict[str, list[float]]] = {}
    rows = [dict(r) for r in run.rows]
    for row in rows:
        row["scores"] = {}
    for name in run.methods:
        totals, ci, per = score_method(task, run.predictions[name], run.golds, seed)
        methods[name] = {k: _r(v) for k, v in totals.items()}
        cis[name] = {k: [_r(lo), _r(hi)] for k, (lo, hi) in ci.items()}
        for row, values in zip(rows, per, strict=True):
            row["scores"][name] = {k: _r(v) for k, v in values.items()}
    retrieval: dict[str, dict[str, float]] = {}
    retrieval_ci: dict[str, dict[str, list[float]]] = {}
    for name in cfg.retrievers:
        totals, ci = _aggregate_retrieval(task, rows, name, seed)
        retrieval[name] = {k: _r(v) for k, v in totals.items()}
        retrieval_ci[name] = {k: [_r(lo), _r(hi)] for k, (lo, hi) in ci.items()}
    for row in rows:
        row["retrieval"] = {
            r: {k: _r(v) for k, v in vals.items()} for r, vals in row["retrieval"].items()
        }
    wall = run.wall_seconds
    return {
        "task": task,
        "n_users": n,
        "metrics": list(TASK_METRICS[task]),
        "methods": methods,
        "ci95": cis,
        "retrieval_k": RETRIEVAL_K,
        "retrieval_metrics": list(RETRIEVAL_METRICS[task]),
        "retrieval": retrieval,
        "retrieval_ci95": retrieval_ci,
        "descriptions": run.descriptions,
        "none_majority_label": run.majority,
        "config": {
            "data_dir": str(cfg.data_dir),
            "users": cfg.users,
            "methods": run.methods,
            "provider": cfg.provider,
            "k": cfg.k,
            "seed": seed,
            "bootstrap_resamples": N_RESAMPLES,
        },
        "timing": {
            "wall_seconds": round(wall, 2),
            "users_per_second": round(n / wall, 3) if wall > 0 else None,
            "build_seconds": round(run.build_seconds, 2),
            "method_seconds": {k: round(v, 3) for k, v in run.method_seconds.items()},
        },
        **run.meta,
        "git_commit": git_commit(),
        "mindprint_version": __version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": rows,
    }


def _best(table: Mapping[str, Mapping[str, float]], metric: str) -> float | None:
    values = [v[metric] for v in table.values() if metric in v]
    if not values:
        return None
    return min(values) if metric in LOWER_IS_BETTER else max(values)


def _md_table(
    table: Mapping[str, Mapping[str, float]],
    cis: Mapping[str, Mapping[str, Sequence[float]]],
    metrics: Sequence[str],
    first: str,
) -> list[str]:
    lines = [
        f"| {first} | " + " | ".join(metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    best = {m: _best(table, m) for m in metrics}
    for name, values in table.items():
        cells = []
        for m in metrics:
            v = values[m]
            lo, hi = cis[name][m]
            cell = f"{v:.4f} [{lo:.3f}, {hi:.3f}]"
            cells.append(f"**{cell}**" if v == best[m] else cell)
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return lines


def markdown(results: Mapping[str, Any]) -> str:
    """``results.md``: the tables people read, with the command that reproduces them."""
    t = results["timing"]
    lines = [
        f"# mindprint eval: {results['task']}",
        "",
        f"{results['n_users']} users, provider `{results['config']['provider']}`, "
        f"k = {results['config']['k']}, seed {results['config']['seed']}; wall time "
        f"{t['wall_seconds']:.0f} s ({t['users_per_second']} users/s; process CPU "
        f"{results.get('cpu_seconds', 0):.0f} s), of which building user models "
        f"{t['build_seconds']:.0f} s. Commit `{results.get('git_commit') or 'unknown'}`.",
        "",
        "```",
        str(results.get("command", "")),
        "```",
        "",
        "Best value per column in bold; brackets: 95% bootstrap interval over users.",
        "",
        *_md_table(results["methods"], results["ci95"], results["metrics"], "method"),
        "",
        f"## Retrieval usefulness (top-{results['retrieval_k']} of each retriever)",
        "",
        *_md_table(
            results["retrieval"],
            results["retrieval_ci95"],
            results["retrieval_metrics"],
            "retriever",
        ),
        "",
        "## Methods",
        "",
        *(f"- `{k}`: {v}" for k, v in results["descriptions"].items()),
        "",
    ]
    return "\n".join(lines)


def write_results(results: Mapping[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "results.json"
    md_path = out_dir / "results.md"
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path
