"""Evaluation metrics, matching the LaMP benchmark's official scorer.

Conventions were read from the LaMP repository and replicated rather than
re-invented, so our numbers are comparable with published LaMP results:

* LaMP scorer: https://github.com/LaMP-Benchmark/LaMP/blob/021b8607ed88496b846dd5e78c5266e2884e1f87/eval/evaluation.py
  (``create_metric_mae_rmse``, ``create_metric_f1_accuracy``, ``create_metric_rouge``;
  ``LaMP/metrics/*.py`` in the same repository uses the same rules).
* HF ``evaluate`` ROUGE, which LaMP loads with ``evaluate.load("rouge")``:
  https://github.com/huggingface/evaluate/blob/main/metrics/rouge/rouge.py

Every function takes parallel sequences of prediction and gold strings and
raises ``ValueError`` if they are empty or of different lengths. Per-example
variants exist so the harness can write per-user rows and bootstrap CIs.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rouge_score import rouge_scorer

RATING_MIN = 1.0
RATING_MAX = 5.0


def _check_pairs(predictions: Sequence[str], golds: Sequence[str]) -> None:
    if len(predictions) != len(golds):
        raise ValueError(
            f"{len(predictions)} predictions but {len(golds)} golds: pass one prediction per gold"
        )
    if not golds:
        raise ValueError("no examples to score: pass at least one prediction/gold pair")


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


# --------------------------------------------------------------------------- rating


def _parse_gold_rating(gold: str) -> float:
    # LaMP also runs golds through float() (create_mapping(x, x)); a non-numeric
    # gold would crash there, so it is a data error, not a model error.
    try:
        value = float(gold.strip())
    except ValueError:
        raise ValueError(f"gold rating {gold!r} is not a number; check the gold file") from None
    if not math.isfinite(value):
        raise ValueError(f"gold rating {gold!r} is not a finite number; check the gold file")
    return value


def worst_rating(gold: float) -> float:
    """The in-range rating farthest from ``gold`` (ties, i.e. gold 3, go to 5).

    LaMP ``eval/evaluation.py``, ``create_metric_mae_rmse.create_mapping``::

        if abs(1 - y) > abs(5 - y): return 1.0
        else: return 5.0
    """
    return RATING_MIN if abs(RATING_MIN - gold) > abs(RATING_MAX - gold) else RATING_MAX


def parse_rating(prediction: str, gold: str) -> float:
    """Turn a predicted rating string into a number, the way LaMP-3 scores it.

    LaMP strips the string and calls ``float()`` on it: no digit extraction, no
    clamping ("7" stays 7.0, "4 stars" is unparseable). An unparseable
    prediction is scored as the worst rating relative to the gold
    (:func:`worst_rating`), so refusing to answer is never cheaper than a wrong
    answer. One deliberate deviation: ``float()`` accepts "nan"/"inf", which
    would make the whole MAE nan/inf in LaMP; we treat non-finite values as
    unparseable instead.
    """
    gold_value = _parse_gold_rating(gold)
    try:
        value = float(prediction.strip())
    except ValueError:
        return worst_rating(gold_value)
    if not math.isfinite(value):
        return worst_rating(gold_value)
    return value


def absolute_errors(predictions: Sequence[str], golds: Sequence[str]) -> list[float]:
    """Per-example ``|parsed prediction - gold|``; their mean is :func:`mae`."""
    _check_pairs(predictions, golds)
    return [
        abs(parse_rating(p, g) - _parse_gold_rating(g))
        for p, g in zip(predictions, golds, strict=True)
    ]


def squared_errors(predictions: Sequence[str], golds: Sequence[str]) -> list[float]:
    """Per-example squared errors; ``sqrt(mean)`` is :func:`rmse`.

    A bootstrap CI of the mean squared error maps to an RMSE CI by taking the
    square root of both ends (sqrt is monotone).
    """
    return [e * e for e in absolute_errors(predictions, golds)]


def mae(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Mean absolute error of rating predictions (LaMP-3's MAE)."""
    return _mean(absolute_errors(predictions, golds))


def rmse(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Root mean squared error of rating predictions (LaMP-3's RMSE)."""
    return math.sqrt(_mean(squared_errors(predictions, golds)))


def rating_accuracy(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Share of predictions whose parsed value equals the gold ("5.0" matches "5").

    LaMP-3 reports no accuracy; this compares numbers rather than strings so a
    formatting difference is not counted as a wrong rating.
    """
    _check_pairs(predictions, golds)
    hits = [
        parse_rating(p, g) == _parse_gold_rating(g) for p, g in zip(predictions, golds, strict=True)
    ]
    return sum(hits) / len(hits)


# ------------------------------------------------------------------- classification


def correct(predictions: Sequence[str], golds: Sequence[str]) -> list[float]:
    """Per-example 1.0/0.0 exact match after stripping whitespace; the mean is :func:`accuracy`.

    LaMP strips both sides (``postprocess_text_classification``) and then
    compares exactly, case included.
    """
    _check_pairs(predictions, golds)
    return [1.0 if p.strip() == g.strip() else 0.0 for p, g in zip(predictions, golds, strict=True)]


def accuracy(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Exact-match accuracy after stripping whitespace."""
    return _mean(correct(predictions, golds))


def macro_f1(
    predictions: Sequence[str], golds: Sequence[str], labels: Sequence[str] | None = None
) -> float:
    """Unweighted mean of per-label F1, as sklearn's ``f1_score(average="macro")``.

    By default the labels are golds ∪ predictions (sklearn's default), so a
    label that is never predicted contributes F1 = 0, and so does a spurious
    predicted label. Pass ``labels`` to average over a fixed label set instead:
    that is what LaMP does for LaMP-1/2 (``labels=list(range(len(all_labels)))``,
    with out-of-set predictions mapped to -1), i.e. an out-of-set prediction is
    just a miss for its gold's label. Undefined precision/recall count as 0,
    as with sklearn's ``zero_division`` default.
    """
    _check_pairs(predictions, golds)
    preds = [p.strip() for p in predictions]
    refs = [g.strip() for g in golds]
    label_set = sorted(set(refs) | set(preds)) if labels is None else [x.strip() for x in labels]
    if not label_set:
        raise ValueError("labels is empty: pass at least one label or None")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for p, g in zip(preds, refs, strict=True):
        if p == g:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    # 2tp / (2tp + fp + fn) equals 2PR / (P + R) whenever that is defined.
    f1s = [
        2 * tp[x] / (2 * tp[x] + fp[x] + fn[x]) if tp[x] + fp[x] + fn[x] else 0.0 for x in label_set
    ]
    return _mean(f1s)


# ----------------------------------------------------------------------- generation


@dataclass(frozen=True)
class RougeScores:
    """Corpus ROUGE F-measures plus the per-example F-measures they average."""

    rouge1: float
    rougeL: float
    rouge1_per_example: tuple[float, ...]
    rougeL_per_example: tuple[float, ...]


@functools.lru_cache(maxsize=1)
def _scorer() -> Any:
    # evaluate.load("rouge").compute() defaults, which LaMP does not override:
    # use_stemmer=False and tokenizer=None, i.e. rouge_score's DefaultTokenizer
    # (lowercase, every non-[a-z0-9] run is a separator, no stemming).
    return rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=False)


def rouge(predictions: Sequence[str], golds: Sequence[str]) -> RougeScores:
    """ROUGE-1 and ROUGE-L F-measures as LaMP-4/5/7 compute them.

    LaMP strips both strings and passes each gold as a one-element reference
    list; ``score_multi`` over one reference equals ``score``. Aggregation
    differs on purpose: ``evaluate`` (``use_aggregator=True``) reports the
    ``mid`` of rouge_score's ``BootstrapAggregator``, the median of 1,000
    *unseeded* bootstrap means, which is the mean plus run-to-run noise
    (about 1e-4 on LaMP-7's 1,000 examples). We report the exact mean of the
    per-example F-measures, which is deterministic and what ``mid`` estimates.
    """
    _check_pairs(predictions, golds)
    scorer = _scorer()
    r1: list[float] = []
    rl: list[float] = []
    for prediction, gold in zip(predictions, golds, strict=True):
        # rouge_score's argument order is (target, prediction).
        scores = scorer.score(gold.strip(), prediction.strip())
        r1.append(float(scores["rouge1"].fmeasure))
        rl.append(float(scores["rougeL"].fmeasure))
    return RougeScores(
        rouge1=_mean(r1),
        rougeL=_mean(rl),
        rouge1_per_example=tuple(r1),
        rougeL_per_example=tuple(rl),
    )


def rouge1(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Mean ROUGE-1 F-measure; see :func:`rouge`."""
    return rouge(predictions, golds).rouge1


def rougeL(predictions: Sequence[str], golds: Sequence[str]) -> float:
    """Mean ROUGE-L F-measure; see :func:`rouge`."""
    return rouge(predictions, golds).rougeL
