"""Scoring one question at a time: each method's values per question, each
retriever's top-3 per question, and one method's totals with their intervals.
Shared by the runner (while it runs) and the report (after)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from mindprint.eval.bootstrap import (
    Metric,
    mean_metric,
    root_mean_metric,
)
from mindprint.eval.context import LABEL_TASKS, SCORE_TASKS, Memory, majority_label
from mindprint.eval.metrics import absolute_errors, correct, rouge, worst_rating

CI = tuple[float, float]


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


def kind_of(task: str) -> str:
    return "score" if task in SCORE_TASKS else "label" if task in LABEL_TASKS else "text"


def retrieval_metrics(task: str, rows: Sequence[Mapping[str, Any]], name: str) -> dict[str, Metric]:
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
