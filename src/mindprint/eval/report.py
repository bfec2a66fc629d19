"""Scoring a run and writing it out: ``results.json`` and ``results.md``.

Totals use :mod:`mindprint.eval.metrics` (LaMP conventions); every total gets a
95% percentile-bootstrap interval over users, resampled from the per-user values
(RMSE: the square root of the interval of the mean squared error; macro-F1: the
statistic recomputed on each resample, since it is not a mean).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mindprint import __version__
from mindprint.eval.bootstrap import (
    LOWER_IS_BETTER,
    N_RESAMPLES,
    Metric,
    Resampler,
    intervals,
    lift,
    mean_metric,
    metrics_of,
    point,
    root_mean_metric,
)
from mindprint.eval.methods import (
    LABEL_TASKS,
    RETRIEVAL_K,
    SCORE_TASKS,
    Memory,
    majority_label,
)
from mindprint.eval.metrics import absolute_errors, correct, rouge, worst_rating

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


def _kind(task: str) -> str:
    return "score" if task in SCORE_TASKS else "label" if task in LABEL_TASKS else "text"


def _retrieval_metrics(task: str, rows: Sequence[Mapping[str, Any]], name: str) -> dict[str, Metric]:
    def col(key: str) -> list[float]:
        return [float(r["retrieval"][name][key]) for r in rows]

    if task in SCORE_TASKS:
        errs = col("abs_error")
        return {"mae@3": mean_metric(errs), "rmse@3": root_mean_metric([e * e for e in errs])}
    keys = (
        {"accuracy@3": "correct", "hit@3": "hit"}
        if task in LABEL_TASKS
        else {"best_rouge1@3": "best_rouge1", "best_rougeL@3": "best_rougeL"}
    )
    return {metric: mean_metric(col(key)) for metric, key in keys.items()}


def score_method(
    task: str, preds: Sequence[str], golds: Sequence[str], seed: int = 0
) -> tuple[dict[str, float], dict[str, CI], list[dict[str, float]]]:
    """Totals, 95% CIs (each question its own draw) and per-question values of one method."""
    table = metrics_of(_kind(task), preds, golds)
    resampler = Resampler.by_user([str(i) for i in range(len(golds))], seed)
    totals = {k: point(f, len(golds)) for k, f in table.items()}
    cis = {k: resampler.interval(f) for k, f in table.items()}
    return totals, cis, per_question(task, preds, golds)


def per_question(task: str, preds: Sequence[str], golds: Sequence[str]) -> list[dict[str, float]]:
    """Each question's own values (absolute error, correctness, ROUGE)."""
    if task in SCORE_TASKS:
        errs = absolute_errors(preds, golds)
        return [{"abs_error": e, "correct": float(e == 0.0)} for e in errs]
    if task in LABEL_TASKS:
        return [{"correct": c} for c in correct(preds, golds)]
    r = rouge(preds, golds)
    return [
        {"rouge1": a, "rougeL": b}
        for a, b in zip(r.rouge1_per_example, r.rougeL_per_example, strict=True)
    ]


# The population candidates of each task kind, and the offset variant of each.
POPULATION_CANDIDATES: Mapping[str, tuple[str, ...]] = {
    "score": ("population_text", "population_prior"),
    "label": ("population_text",),
    "text": ("none",),
}
OFFSET_OF: Mapping[str, str] = {
    "population_text": "population_text_offset",
    "population_prior": "population_prior_offset",
}


def choose_population(task: str, methods: Mapping[str, Mapping[str, float]]) -> tuple[str | None, str | None]:
    """The better population candidate on the task's first metric, and its offset variant."""
    metric = TASK_METRICS[task][0]
    present = [m for m in POPULATION_CANDIDATES[_kind(task)] if m in methods]
    if not present:
        return None, None
    pick = min if metric in LOWER_IS_BETTER else max
    best = pick(present, key=lambda m: methods[m][metric])
    offset = OFFSET_OF.get(best)
    return best, offset if offset in methods else None


def lifts(
    task: str,
    table: Mapping[str, Mapping[str, Metric]],
    methods: Mapping[str, Mapping[str, float]],
    resampler: Resampler,
    n: int,
    ours: str = "mindprint",
) -> dict[str, dict[str, dict[str, Any]]]:
    """``ours`` against ``population`` and ``population_user_offset`` (positive = better)."""
    if ours not in table:
        return {}
    population, offset = choose_population(task, methods)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for role, baseline in (("population", population), ("population_user_offset", offset)):
        if baseline is None or baseline == ours:
            continue
        out[role] = {
            metric: {"vs": baseline, **lift(metric, f, table[baseline][metric], resampler, n)}
            for metric, f in table[ours].items()
        }
    return out


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
    rows = [dict(r) for r in run.rows]
    resampler = Resampler.by_user([str(r["user_id"]) for r in rows], seed)
    table = {m: metrics_of(_kind(task), run.predictions[m], run.golds) for m in run.methods}
    methods = {m: {k: _r(point(f, n)) for k, f in fs.items()} for m, fs in table.items()}
    cis = {
        m: {k: [_r(lo), _r(hi)] for k, (lo, hi) in ci.items()}
        for m, ci in intervals(table, resampler).items()
    }
    for row in rows:
        row["scores"] = {}
    for name in run.methods:
        for row, values in zip(rows, per_question(task, run.predictions[name], run.golds), strict=True):
            row["scores"][name] = {k: _r(v) for k, v in values.items()}
    rtable = {name: _retrieval_metrics(task, rows, name) for name in cfg.retrievers}
    retrieval = {m: {k: _r(point(f, n)) for k, f in fs.items()} for m, fs in rtable.items()}
    retrieval_ci = {
        m: {k: [_r(lo), _r(hi)] for k, (lo, hi) in ci.items()}
        for m, ci in intervals(rtable, resampler).items()
    }
    for row in rows:
        row["retrieval"] = {
            r: {k: _r(v) for k, v in vals.items()} for r, vals in row["retrieval"].items()
        }
    lift_table = {
        role: {m: {**v, "delta": _r(v["delta"]), "ci95": [_r(x) for x in v["ci95"]]} for m, v in by_metric.items()}
        for role, by_metric in lifts(task, table, methods, resampler, n).items()
    }
    wall = run.wall_seconds
    return {
        "task": task,
        "n_users": len({r["user_id"] for r in rows}),
        "lift": lift_table,
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
        "git_commit": run.meta.get("git_commit") or git_commit(),
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


def lift_lines(lift_table: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[str]:
    """The lift of mindprint over the population baselines, as a markdown table."""
    if not lift_table:
        return []
    metrics = list(next(iter(lift_table.values())))
    lines = [
        "## Lift of `mindprint` (positive = mindprint better; paired bootstrap over users)",
        "",
        "| against | " + " | ".join(metrics) + " |",
        "|---|" + "---:|" * len(metrics),
    ]
    for role, by_metric in lift_table.items():
        vs = next(iter(by_metric.values()))["vs"]
        cells = [
            f"{v['delta']:+.4f} [{v['ci95'][0]:+.3f}, {v['ci95'][1]:+.3f}]"
            for v in by_metric.values()
        ]
        lines.append(f"| {role} (`{vs}`) | " + " | ".join(cells) + " |")
    return [*lines, ""]


def markdown(results: Mapping[str, Any]) -> str:
    """``results.md``: the tables people read, with the command that reproduces them."""
    t = results["timing"]
    lines = [
        f"# mindprint eval: {results['task']}",
        "",
        f"{results['n_users']} users, {results.get('n_questions', results['n_users'])} "
        f"questions, split `{results.get('split', 'all')}`, provider `{results['config']['provider']}`, "
        f"k = {results['config']['k']}, seed {results['config']['seed']}; wall time "
        f"{t['wall_seconds']:.0f} s ({t['users_per_second']} users/s; process CPU "
        f"{results.get('cpu_seconds', 0):.0f} s), of which building user models "
        f"{t['build_seconds']:.0f} s. Commit `{results.get('git_commit') or 'unknown'}`.",
        "",
        "```",
        str(results.get("command", "")),
        "```",
        "",
        "Best value per column in bold; brackets: 95% bootstrap interval over users "
        "(a user's questions are drawn together).",
        "",
        *_md_table(results["methods"], results["ci95"], results["metrics"], "method"),
        "",
        *lift_lines(results.get("lift", {})),
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
