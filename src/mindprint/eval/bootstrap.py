"""Intervals and lifts by a paired bootstrap over users.

Every question belongs to a user; a resample draws users with replacement and keeps
all of each drawn user's questions, so a person with many questions (the
per-annotator sets) counts as one draw, not as many independent ones. A metric is a
function of per-question weights (how often each question is in a resample), which
makes MAE, RMSE, accuracy, ROUGE and even macro-F1 one matrix product per method for
all resamples at once. A lift compares two methods on the *same* resamples (paired),
so the interval is of the difference itself, not of two overlapping intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mindprint.eval.metrics import absolute_errors, correct, rouge, squared_errors

Arr = npt.NDArray[np.float64]
# A metric: per-question weights (resamples x questions) -> one value per resample.
Metric = Callable[[Arr], Arr]

N_RESAMPLES = 1000
LOWER_IS_BETTER = frozenset({"mae", "rmse", "mae@3", "rmse@3"})


@dataclass(frozen=True, slots=True)
class Resampler:
    """The resampling weights of a run: one row per bootstrap resample."""

    weights: Arr

    @classmethod
    def by_user(cls, user_ids: Sequence[str], seed: int = 0, n: int = N_RESAMPLES) -> Resampler:
        users = {u: i for i, u in enumerate(dict.fromkeys(user_ids))}
        of_question = np.asarray([users[u] for u in user_ids], dtype=np.int64)
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, len(users), size=(n, len(users)))
        counts = np.zeros((n, len(users)))
        np.add.at(counts, (np.arange(n)[:, None], draws), 1.0)
        return cls(counts[:, of_question])

    @classmethod
    def two_way(cls, user_ids: Sequence[str], text_ids: Sequence[str], seed: int = 0,
                n: int = N_RESAMPLES) -> Resampler:
        """People and texts resampled at once (per-annotator sets: every annotator answers
        the same few texts, so a text's difficulty is shared by all its answers): a
        question's weight is how often its person was drawn times how often its text was."""
        users = {u: i for i, u in enumerate(dict.fromkeys(user_ids))}
        texts = {t: i for i, t in enumerate(dict.fromkeys(text_ids))}
        rng = np.random.default_rng(seed)

        def counts(k: int) -> Arr:
            draws = rng.integers(0, k, size=(n, k))
            out = np.zeros((n, k))
            np.add.at(out, (np.arange(n)[:, None], draws), 1.0)
            return out

        cu, ct = counts(len(users)), counts(len(texts))
        of_user = np.asarray([users[u] for u in user_ids], dtype=np.int64)
        of_text = np.asarray([texts[t] for t in text_ids], dtype=np.int64)
        return cls(cu[:, of_user] * ct[:, of_text])

    def interval(self, metric: Metric) -> tuple[float, float]:
        lo, hi = np.quantile(metric(self.weights), [0.025, 0.975])
        return float(lo), float(hi)


def point(metric: Metric, n_questions: int) -> float:
    return float(metric(np.ones((1, n_questions)))[0])


def _mean(values: Sequence[float]) -> Metric:
    v = np.asarray(values, dtype=np.float64)
    return lambda w: np.asarray((w @ v) / w.sum(axis=1), dtype=np.float64)


def _root_mean(values: Sequence[float]) -> Metric:
    m = _mean(values)
    return lambda w: np.asarray(np.sqrt(m(w)), dtype=np.float64)


def _macro_f1(preds: Sequence[str], golds: Sequence[str]) -> Metric:
    p = [x.strip() for x in preds]
    g = [x.strip() for x in golds]
    labels = sorted(set(p) | set(g))
    idx = {lab: i for i, lab in enumerate(labels)}
    n, k = len(g), len(labels)
    gold_1h = np.zeros((n, k))
    pred_1h = np.zeros((n, k))
    gold_1h[np.arange(n), [idx[x] for x in g]] = 1.0
    pred_1h[np.arange(n), [idx[x] for x in p]] = 1.0
    tp_1h = gold_1h * pred_1h

    def f1(w: Arr) -> Arr:
        tp, both = w @ tp_1h, w @ gold_1h + w @ pred_1h
        scores = np.divide(2 * tp, both, out=np.zeros_like(tp), where=both > 0)
        return np.asarray(scores.mean(axis=1), dtype=np.float64)

    return f1


def metrics_of(task_kind: str, preds: Sequence[str], golds: Sequence[str]) -> dict[str, Metric]:
    """The task's metrics as functions of resampling weights.

    ``task_kind`` is ``score``, ``label`` or ``text``.
    """
    if task_kind == "score":
        errs = absolute_errors(preds, golds)
        return {
            "mae": _mean(errs),
            "rmse": _root_mean(squared_errors(preds, golds)),
            "accuracy": _mean([float(e == 0.0) for e in errs]),
        }
    if task_kind == "label":
        return {"accuracy": _mean(correct(preds, golds)), "macro_f1": _macro_f1(preds, golds)}
    r = rouge(preds, golds)
    return {"rouge1": _mean(r.rouge1_per_example), "rougeL": _mean(r.rougeL_per_example)}


def mean_metric(values: Sequence[float]) -> Metric:
    return _mean(values)


def root_mean_metric(values: Sequence[float]) -> Metric:
    return _root_mean(values)


def lift(
    name: str, ours: Metric, theirs: Metric, resampler: Resampler, n_questions: int
) -> dict[str, float | list[float]]:
    """How much better ``ours`` is than ``theirs`` (positive = better, in the metric's units:
    for an error metric, theirs - ours), with its paired 95% interval."""
    sign = 1.0 if name in LOWER_IS_BETTER else -1.0

    def delta(w: Arr) -> Arr:
        return np.asarray(sign * (theirs(w) - ours(w)), dtype=np.float64)

    lo, hi = resampler.interval(delta)
    return {"delta": point(delta, n_questions), "ci95": [lo, hi]}


def intervals(
    table: Mapping[str, Mapping[str, Metric]], resampler: Resampler
) -> dict[str, dict[str, tuple[float, float]]]:
    return {m: {k: resampler.interval(f) for k, f in fs.items()} for m, fs in table.items()}
