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
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mindprint import __version__
from mindprint.eval.bootstrap import (
    LOWER_IS_BETTER,
    N_RESAMPLES,
    Metric,
    Resampler,
    intervals,
    lift,
    metrics_of,
    point,
)
from mindprint.eval.context import RETRIEVAL_K
from mindprint.eval.provenance import git_commit
from mindprint.eval.runs import EvalRun
from mindprint.eval.scoring import kind_of, per_question, retrieval_metrics

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



# The baselines mindprint's lift is reported against, by role; each role's strongest
# present candidate on the task's first metric is the one compared (pool mode has two
# populations and two offset models; deployment mode one of each).
BASELINE_ROLES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "population": {
        "score": ("population_text", "population_prior", "population_shipped"),
        "label": ("population_text", "population_shipped"),
        "text": ("none",),
    },
    "population_user_offset": {
        "score": ("population_text_offset", "population_prior_offset", "population_shipped_offset"),
        "label": ("population_text_offset", "population_shipped_offset"),
        "text": (),
    },
    "user_prior": {"score": ("user_prior",), "label": ("user_prior",), "text": ()},
}


def strongest(task: str, methods: Mapping[str, Mapping[str, float]],
              names: Sequence[str]) -> str | None:
    """The best of ``names`` present in the run, on the task's first metric."""
    metric = TASK_METRICS[task][0]
    present = [m for m in names if m in methods]
    if not present:
        return None
    pick = min if metric in LOWER_IS_BETTER else max
    return pick(present, key=lambda m: methods[m][metric])


def baselines(task: str, methods: Mapping[str, Mapping[str, float]]) -> dict[str, str]:
    """Role -> the baseline compared: the strongest of each role, and the strongest of
    them all ("strongest")."""
    kind = kind_of(task)
    out = {role: best for role, names in BASELINE_ROLES.items()
           if (best := strongest(task, methods, names[kind])) is not None}
    if len(set(out.values())) > 1:
        out["strongest"] = str(strongest(task, methods, list(out.values())))
    return out


def lifts(
    task: str,
    table: Mapping[str, Mapping[str, Metric]],
    methods: Mapping[str, Mapping[str, float]],
    resampler: Resampler,
    n: int,
    ours: str = "mindprint",
) -> dict[str, dict[str, dict[str, Any]]]:
    """``ours`` against each role's strongest baseline (positive = better)."""
    if ours not in table:
        return {}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for role, baseline in baselines(task, methods).items():
        if baseline == ours:
            continue
        out[role] = {
            metric: {"vs": baseline, **lift(metric, f, table[baseline][metric], resampler, n)}
            for metric, f in table[ours].items()
        }
    return out


# ---------------------------------------------------------------- results


def resampler_of(rows: Sequence[Mapping[str, Any]], seed: int) -> tuple[Resampler, str]:
    """Users, or users and texts at once where texts are shared between users (the
    per-annotator sets), and which it is."""
    users = [str(r["user_id"]) for r in rows]
    texts = [str(r["text_key"] if "text_key" in r else r["id"]) for r in rows]
    shared = len(set(zip(users, texts, strict=True))) > len(set(texts))
    if shared:
        return Resampler.two_way(users, texts, seed), "people and texts (two-way)"
    return Resampler.by_user(users, seed), "people"


def _r(x: float) -> float:
    return round(x, 4)


def build_results(run: EvalRun) -> dict[str, Any]:
    """The ``results.json`` document of a run."""
    cfg = run.config
    task, seed, n = cfg.task, cfg.seed, len(run.golds)
    rows = [dict(r) for r in run.rows]
    resampler, resampled = resampler_of(rows, seed)
    table = {m: metrics_of(kind_of(task), run.predictions[m], run.golds) for m in run.methods}
    methods = {m: {k: _r(point(f, n)) for k, f in fs.items()} for m, fs in table.items()}
    cis = _rounded_intervals(table, resampler)
    for row in rows:
        row["scores"] = {}
    for name in run.methods:
        for row, values in zip(rows, per_question(task, run.predictions[name], run.golds), strict=True):
            row["scores"][name] = {k: _r(v) for k, v in values.items()}
    rtable = {name: retrieval_metrics(task, rows, name) for name in cfg.retrievers}
    retrieval = {m: {k: _r(point(f, n)) for k, f in fs.items()} for m, fs in rtable.items()}
    retrieval_ci = _rounded_intervals(rtable, resampler)
    for row in rows:
        row["retrieval"] = {
            r: {k: _r(v) for k, v in vals.items()} for r, vals in row["retrieval"].items()
        }
    lift_table = {
        role: {m: {**v, "delta": _r(v["delta"]), "ci95": [_r(x) for x in v["ci95"]]} for m, v in by_metric.items()}
        for role, by_metric in lifts(task, table, methods, resampler, n).items()
    }
    return {
        "task": task,
        "n_users": len({r["user_id"] for r in rows}),
        "lift": lift_table,
        "resampled": resampled,
        # Deployment mode: how many people's servers read which population.
        "population_read": dict(Counter(
            str(r["population_read"]) for r in {r["user_id"]: r for r in rows}.values() if "population_read" in r)),
        "metrics": list(TASK_METRICS[task]),
        "methods": methods,
        "ci95": cis,
        "retrieval_k": RETRIEVAL_K,
        "retrieval_metrics": list(RETRIEVAL_METRICS[task]),
        "retrieval": retrieval,
        "retrieval_ci95": retrieval_ci,
        "descriptions": run.descriptions,
        "none_majority_label": run.majority,
        "config": _config(run),
        "timing": _timing(run),
        **run.meta,
        "git_commit": run.meta.get("git_commit") or git_commit(),
        "mindprint_version": __version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": rows,
    }


def _rounded_intervals(
    table: Mapping[str, Mapping[str, Metric]], resampler: Resampler
) -> dict[str, dict[str, list[float]]]:
    return {
        m: {k: [_r(lo), _r(hi)] for k, (lo, hi) in ci.items()}
        for m, ci in intervals(table, resampler).items()
    }


def _config(run: EvalRun) -> dict[str, Any]:
    cfg = run.config
    return {
        "data_dir": str(cfg.data_dir),
        "users": cfg.users,
        "methods": run.methods,
        "provider": cfg.provider,
        "k": cfg.k,
        "seed": cfg.seed,
        "bootstrap_resamples": N_RESAMPLES,
    }


def _timing(run: EvalRun) -> dict[str, Any]:
    wall, n = run.wall_seconds, len(run.golds)
    return {
        "wall_seconds": round(wall, 2),
        "users_per_second": round(n / wall, 3) if wall > 0 else None,
        "build_seconds": round(run.build_seconds, 2),
        "method_seconds": {k: round(v, 3) for k, v in run.method_seconds.items()},
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
        "## Lift of `mindprint` over each role's strongest baseline (positive = mindprint "
        "better; paired bootstrap)",
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
        f"Population: `{results.get('population', 'pool')}`"
        + ("; the people's servers read " + ", ".join(
            f"{who} ({n})" for who, n in results["population_read"].items()) if results.get("population_read") else "")
        + ".",
        "",
        "Best value per column in bold; brackets: 95% bootstrap interval over "
        f"{results.get('resampled', 'people')} (a person's questions are drawn together).",
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
