"""PNG plots of a run: per-method bars with bootstrap intervals, and a rating confusion matrix.

Figures are built with ``matplotlib.figure.Figure`` directly (Agg canvas), never
through ``pyplot``: no global state, no GUI backend, safe in threads and on servers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mindprint.eval.bootstrap import LOWER_IS_BETTER

_MINDPRINT = "#d1495b"
_BASELINE = "#8d99ae"
_RATINGS = ("1", "2", "3", "4", "5")


def _bars(
    title: str,
    table: Mapping[str, Mapping[str, float]],
    cis: Mapping[str, Mapping[str, Sequence[float]]],
    metrics: Sequence[str],
    path: Path,
) -> Path:
    names = list(table)
    fig = Figure(figsize=(4.2 * len(metrics), 0.45 * len(names) + 1.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    y = np.arange(len(names))
    colors = [_MINDPRINT if n.startswith("mindprint") else _BASELINE for n in names]
    for ax, metric in zip(axes, metrics, strict=True):
        values = np.array([table[n][metric] for n in names])
        lo = np.array([cis[n][metric][0] for n in names])
        hi = np.array([cis[n][metric][1] for n in names])
        err = np.vstack([np.clip(values - lo, 0, None), np.clip(hi - values, 0, None)])
        ax.barh(y, values, xerr=err, color=colors, capsize=3, ecolor="#333333")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        better = "lower is better" if metric in LOWER_IS_BETTER else "higher is better"
        ax.set_title(f"{metric} ({better})", fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        # Values sit at the base of the bar, where the error bars never cover them.
        for yi, v in zip(y, values, strict=True):
            ax.text(0, yi, f" {v:.3f}", va="center", ha="left", fontsize=7, color="white")
    fig.suptitle(title, fontsize=11)
    fig.savefig(path, dpi=120)
    return path


def _confusion(rows: Sequence[Mapping[str, Any]], method: str, path: Path) -> Path:
    cols: tuple[str, ...] = (*_RATINGS, "other")
    matrix = np.zeros((len(_RATINGS), len(cols)), dtype=int)
    for row in rows:
        gold = row["gold"].strip()
        if gold not in _RATINGS:
            continue
        pred = row["predictions"][method].strip()
        try:
            pred = str(int(float(pred))) if float(pred).is_integer() else "other"
        except ValueError:
            pred = "other"
        matrix[_RATINGS.index(gold), cols.index(pred if pred in _RATINGS else "other")] += 1
    if not matrix[:, -1].any():
        matrix, cols = matrix[:, :-1], cols[:-1]
    fig = Figure(figsize=(4.6, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    # Row-normalised colour (recall per gold rating), raw counts as text: with 63% of
    # golds at 5, raw-count colour would hide how the rare ratings are handled.
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                color="white" if shares[i, j] > 0.6 else "black",
                fontsize=9,
            )
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(_RATINGS)), _RATINGS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"{method}: rating confusion (counts; colour = row share)", fontsize=9)
    fig.savefig(path, dpi=120)
    return path


def write_plots(results: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """``methods.png``, ``retrieval.png`` and, for ratings, ``confusion_<method>.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    task, n = results["task"], results["n_users"]
    paths = [
        _bars(
            f"{task}: methods ({n} users, 95% bootstrap CI)",
            results["methods"],
            results["ci95"],
            results["metrics"],
            out_dir / "methods.png",
        ),
        _bars(
            f"{task}: retrieval usefulness (top-{results['retrieval_k']})",
            results["retrieval"],
            results["retrieval_ci95"],
            results["retrieval_metrics"],
            out_dir / "retrieval.png",
        ),
    ]
    if task == "rating":
        for method in ("mindprint", "user_prior", "dense"):
            if method in results["methods"]:
                paths.append(
                    _confusion(results["rows"], method, out_dir / f"confusion_{method}.png")
                )
    return paths


def learning_curve(results: Mapping[str, Any], path: Path) -> Path:
    """The online protocol's metric by items already seen, one line per method."""
    curve = results["curve"]
    bins = [int(b) for b in curve]
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    palette = {"mindprint": _MINDPRINT, "population": _BASELINE, "population_shipped": _BASELINE,
               "population_user_offset": "#2e86ab", "population_shipped_offset": "#2e86ab",
               "user_prior": "#8a8a8a"}
    methods = [m for m in curve[str(bins[0])] if m in palette] if bins else []
    for method, color in ((m, palette[m]) for m in methods):
        values = np.array([curve[str(b)][method]["value"] for b in bins])
        lo = np.array([curve[str(b)][method]["ci95"][0] for b in bins])
        hi = np.array([curve[str(b)][method]["ci95"][1] for b in bins])
        ax.plot(bins, values, marker="o", color=color, label=method)
        ax.fill_between(bins, lo, hi, color=color, alpha=0.15)
    ax.set_xscale("log", base=2)
    ax.set_xticks(bins, [str(b) for b in bins])
    better = "lower is better" if results["lower_is_better"] else "higher is better"
    ax.set_xlabel("items already recorded (bin start)")
    ax.set_ylabel(f"{results['metric']} ({better})")
    mode = ", deployment mode" if results.get("population") == "shipped" else ""
    ax.set_title(f"online protocol{mode}: {results['task']}, {results['n_users']} users", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)
    return path
