"""The online protocol: each history replayed in time order, one item at a time.

Items arrive one by one, as in the product: for every user the items are replayed oldest
first, each stored as the importer stores it (the LaMP mapping: the review shown, the
rating answered) followed by the background refresh ``record_feedback`` schedules. A
rated review is not a ``record_feedback`` exchange (that call means "the user rated the
assistant's answer to their message"), so it is not replayed as one. Before an item is
stored, every method predicts it from what has been stored so far (mindprint through
``retrieve``, the population model of everyone else, and that model plus the user's
shrunk offset over the items seen).

Nothing is fitted on the items it predicts: the population model is the other users'
(leave-user-out), and the scale's thresholds, the departure kernel and the offset
baseline's shrinkage are fitted on the *other half* of the run's users (two folds by a
stable hash). Errors are reported by how many items were already seen (1, 2-3, 4-7, ...)
with intervals over users (and over texts too where users share them, as on the
per-annotator sets), and the wall time of each stored item.

Deployment mode (``--population shipped``) replays each person through a server of their
own instead (:mod:`mindprint.eval.online_alone`).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mindprint.app import Mindprint
from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.kernel import Kernel
from mindprint.engine.predict.population import Answers, user_offset
from mindprint.engine.protocols import Embedder
from mindprint.eval.bootstrap import (
    LOWER_IS_BETTER,
    lift,
    mean_metric,
    point,
    root_mean_metric,
)
from mindprint.eval.cache import CachingEmbedder
from mindprint.eval.cases import load_cases, split_of
from mindprint.eval.context import LABEL_TASKS, SCORE_TASKS, EvalError
from mindprint.eval.examples import ProfileItem, UserCase
from mindprint.eval.population import (
    PoolSource,
    PopulationPool,
    UserPopulation,
    answer_of,
)
from mindprint.eval.provenance import git_commit
from mindprint.eval.report import resampler_of
from mindprint.eval.retrievers import recency_order
from mindprint.eval.runs import EvalConfig
from mindprint.ingest import lamp_item
from mindprint.store import Store

Progress = Callable[[int, int], None]
METHODS = ("mindprint", "population", "population_user_offset")
# The online target: from this many recorded items on, mindprint's error is below
# the baselines'. The lift pools every prediction made with at least this many items seen.
FROM_SEEN = 8
USER_PREFIX = "online-"


def seen_bin(seen: int) -> int:
    """1, 2, 4, 8, ...: the power of two at or below the number of items seen."""
    return 1 << (seen.bit_length() - 1)


@dataclass(slots=True)
class OnlineRun:
    task: str
    metric: str
    command: str
    # One row per prediction: user, items seen, and each method's error or correctness.
    rows: list[dict[str, Any]] = field(default_factory=list)
    record_seconds: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    n_users: int = 0
    kernel: dict[str, dict[str, float]] | None = None  # per half of the run: its fitted prior
    population: str = "pool"
    methods: tuple[str, ...] = METHODS
    # The code that ran: read when the run starts, so a checkout moving meanwhile is not
    # credited with its numbers.
    commit: str | None = field(default_factory=git_commit)

    def curve(self, seed: int = 0) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for b in sorted({r["bin"] for r in self.rows}):
            rows = [r for r in self.rows if r["bin"] == b]
            resampler, _ = resampler_of(rows, seed)
            entry: dict[str, Any] = {"n": len(rows), "users": len({r["user_id"] for r in rows})}
            for m in self.methods:
                f = mean_metric([r[m] for r in rows])
                lo, hi = resampler.interval(f)
                entry[m] = {"value": round(point(f, len(rows)), 4), "ci95": [round(lo, 4), round(hi, 4)]}
            out[b] = entry
        return out

    def lifts(self, from_seen: int = FROM_SEEN, seed: int = 0) -> dict[str, Any]:
        """mindprint against each baseline over every prediction made with at least
        ``from_seen`` items recorded: paired lifts (positive = mindprint better) with
        intervals over users, in the run's metric and, for ratings, in RMSE."""
        rows = [r for r in self.rows if r["seen"] >= from_seen]
        out: dict[str, Any] = {"from_seen": from_seen, "n": len(rows),
                               "users": len({r["user_id"] for r in rows})}
        if not rows:
            return out
        resampler, out["resampled"] = resampler_of(rows, seed)
        for name in [self.metric] + (["rmse"] if self.metric == "mae" else []):
            of = {m: (root_mean_metric([r[m] ** 2 for r in rows]) if name == "rmse"
                      else mean_metric([r[m] for r in rows])) for m in self.methods}
            entry: dict[str, Any] = {m: round(point(f, len(rows)), 4) for m, f in of.items()}
            for base in self.methods[1:]:
                d = lift(name, of["mindprint"], of[base], resampler, len(rows))
                entry[f"lift_vs_{base}"] = _rounded(d)
            out[name] = entry
        return out

    def results(self) -> dict[str, Any]:
        secs = self.record_seconds
        return {
            "task": self.task,
            "protocol": "online",
            "population": self.population,
            "metric": self.metric,
            "lower_is_better": self.metric in LOWER_IS_BETTER,
            "n_users": self.n_users,
            "n_predictions": len(self.rows),
            "curve": {str(k): v for k, v in self.curve().items()},
            "lift_from_seen": self.lifts(),
            "kernel": self.kernel,
            "record_feedback_seconds": {
                "mean": round(float(np.mean(secs)), 4) if secs else None,
                "p50": round(float(np.median(secs)), 4) if secs else None,
                "p95": round(float(np.quantile(secs, 0.95)), 4) if secs else None,
            },
            "wall_seconds": round(self.wall_seconds, 1),
            "command": self.command,
            "git_commit": self.commit,
        }

    def markdown_table(self) -> str:
        curve = self.curve()
        lines = [
            "| items seen | n | " + " | ".join(f"{m} {self.metric}" for m in self.methods) + " |",
            "|---:|---:|" + "---:|" * len(self.methods),
        ]
        for b, e in curve.items():
            cells = [f"{e[m]['value']:.3f} [{e[m]['ci95'][0]:.3f}, {e[m]['ci95'][1]:.3f}]" for m in self.methods]
            lines.append(f"| {b}-{2 * b - 1} | {e['n']} | " + " | ".join(cells) + " |")
        lifts = self.lifts()
        lines += [_lift_line(lifts, name, self.methods) for name in ("mae", "rmse", "accuracy") if name in lifts]
        return "\n".join(lines)


def _rounded(d: dict[str, float | list[float]]) -> dict[str, Any]:
    return {k: [round(x, 4) for x in v] if isinstance(v, list) else round(v, 4) for k, v in d.items()}


def _lift_line(lifts: dict[str, Any], name: str, methods: Sequence[str]) -> str:
    cells = []
    for base in methods[1:]:
        d = lifts[name][f"lift_vs_{base}"]
        cells.append(f"{base} {d['delta']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]")
    return (f"\nFrom {lifts['from_seen']} items seen on ({lifts['n']} predictions, {lifts['users']} "
            f"users), mindprint's {name} lift over " + "; ".join(cells) + ".")


def time_order(profile: Sequence[ProfileItem]) -> list[int]:
    return list(reversed(recency_order(profile)))


def record(app: Mindprint, uid: str, p: ProfileItem, run: OnlineRun) -> None:
    """Store one item as the importer does, with the refresh ``record_feedback`` schedules,
    and time it."""
    started = time.perf_counter()
    if p.record is None:
        raise EvalError(f"profile item {p.id!r} has no LaMP record to import")
    app.add_items(uid, [lamp_item(p.record, app.limits.max_text_chars)])
    app.models.schedule_refresh(uid)
    app.wait_idle()  # a refresh due now finishes before the next item: deterministic
    run.record_seconds.append(time.perf_counter() - started)


def row_of(case: UserCase, p: ProfileItem, seen: int) -> dict[str, Any]:
    """A prediction's row before its scores: whose, of which text (where several people
    answered one text, intervals resample texts too), after how many items."""
    return {"user_id": case.user_id, "text_key": p.text, "seen": seen, "bin": seen_bin(seen)}


def score_of(answers: Answers, pred: str, gold: str) -> float:
    """A row's value: the absolute error on a scale, 1 for a right label (accuracy)."""
    return answers.error(pred, gold) if answers.is_scale else 1.0 - answers.error(pred, gold)


def _replay_user(
    case: UserCase, app: Mindprint, pop: UserPopulation, pool: PopulationPool, run: OnlineRun, k: int,
    pseudo: float = MODEL.pseudo_items,
) -> None:
    uid = f"{USER_PREFIX}{case.user_id}"
    if app.admin.exists(uid):
        raise EvalError(f"user {uid!r} already exists in the evaluation database")
    answers = pop.model.answers
    # An item without a query or a response could not have been recorded (record_feedback
    # refuses it, as the importer refuses a review without text): it is skipped.
    order = [i for i in time_order(case.profile) if answer_of(case.profile[i], answers) is not None
             and case.profile[i].input.strip() and case.profile[i].response.strip()]
    reps = pool.query_many([case.profile[i].text for i in order])
    golds = [str(answer_of(case.profile[i], answers)) for i in order]
    targets = answers.targets(golds)
    outputs = pop.model.outputs(reps.raw, reps.signals)
    for t, i in enumerate(order):
        p = case.profile[i]
        if t >= 1:
            res = app.retrieve(uid, p.text, k, predict=True)
            preds = {
                "mindprint": res.prediction.label if res.prediction else "",
                "population": answers.answer(outputs[t]),
                "population_user_offset": answers.answer(
                    outputs[t] + user_offset(targets[:t] - outputs[:t], pseudo)
                ),
            }
            row = row_of(case, p, t)
            row.update({m: score_of(answers, v, golds[t]) for m, v in preds.items()})
            run.rows.append(row)
        record(app, uid, p, run)


PSEUDO_ITEMS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0)


def _fold(user_id: str) -> int:
    """Which half of the run a user is in (a stable hash, independent of the dev/test split)."""
    return 0 if split_of(f"online-fold\x00{user_id}") == "dev" else 1


def cross_fitted(
    pool: PopulationPool, cases: Sequence[UserCase]
) -> tuple[dict[str, tuple[Answers, Kernel]], dict[int, tuple[Answers, Kernel]]]:
    """Per user, the thresholds and kernel fitted on the other half of the run's users;
    and per half, what its users read. A run too small to split (one half empty) fits
    both on everyone, and says so by having one entry."""
    users = [c.user_id for c in cases]
    halves = {f: frozenset(u for u in users if _fold(u) == f) for f in (0, 1)}
    if not all(halves.values()):
        everyone = pool.fitted(frozenset())
        return {u: everyone for u in users}, {0: everyone}
    by_fold = {f: pool.fitted(halves[f]) for f in (0, 1)}
    return {u: by_fold[_fold(u)] for u in users}, by_fold


def tuned_pseudo(pool: PopulationPool, cases: Sequence[UserCase], answers: Answers) -> float:
    """The offset baseline's shrinkage (pseudo-items) with the least error when each item
    of ``cases`` is predicted from the items before it, as the protocol predicts."""
    seqs = []
    for c in cases:
        up = pool.for_user(c.user_id)
        if len(up.history_answers) < 2:
            continue
        order = pool.chronological(c.user_id)
        res = up.residuals()[order]
        y = answers.targets([up.history_answers[n] for n in order])
        seqs.append((y - res, y))
    if not seqs:
        return MODEL.pseudo_items

    def error(k: float) -> float:
        errs = [answers.errors((out[t] + user_offset(y[:t] - out[:t], k))[None, :], y[t][None, :])[0]
                for out, y in seqs for t in range(1, len(y))]
        return float(np.mean(errs))

    return min(PSEUDO_ITEMS, key=error)


def run_online(
    config: EvalConfig,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
) -> OnlineRun:
    if config.task not in SCORE_TASKS | LABEL_TASKS:
        raise EvalError("the online protocol needs a rating or label task")
    cases, info = load_cases(config.task, config.data_dir, split=config.split, users=config.users, seed=config.seed)
    cached = embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
    metric = "mae" if config.task in SCORE_TASKS else "accuracy"
    run = OnlineRun(config.task, metric, " ".join(command or ()), n_users=len(cases))
    started = time.perf_counter()
    pool = PopulationPool(cases, info, cached)
    folds, by_fold = cross_fitted(pool, cases)
    run.kernel = {f"fold {f}": fk[1].params() for f, fk in by_fold.items()}
    shrink = {f: tuned_pseudo(pool, [c for c in cases if _fold(c.user_id) != f], fk[0])
              for f, fk in by_fold.items()}
    pseudo = {c.user_id: shrink[_fold(c.user_id)] for c in cases}
    replay_everyone(
        cases, lambda db: Mindprint(Store.open(db), cached, population=PoolSource(pool, USER_PREFIX, folds)),
        lambda app, case: _replay_user(case, app, pool.for_user(case.user_id, folds[case.user_id]), pool,
                                       run, config.k, pseudo[case.user_id]),
        progress)
    run.wall_seconds = time.perf_counter() - started
    return run


def replay_everyone(cases: Sequence[UserCase], app_at: Callable[[Path], Mindprint],
                    replay: Callable[[Mindprint, UserCase], None], progress: Progress | None) -> None:
    """Each person replayed in turn through one app on a fresh database (``app_at``: the
    app on the database file at that path)."""
    with tempfile.TemporaryDirectory(prefix="mindprint-online-") as tmp:
        app = app_at(Path(tmp) / "online.sqlite")
        try:
            for n, case in enumerate(cases, start=1):
                replay(app, case)
                if progress:
                    progress(n, len(cases))
        finally:
            app.close()


def write_online(run: OnlineRun, out_dir: Path) -> list[Path]:
    from mindprint.eval.plots import learning_curve

    out_dir.mkdir(parents=True, exist_ok=True)
    results = run.results()
    json_path = out_dir / "online.json"
    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    md_path = out_dir / "online.md"
    secs = results["record_feedback_seconds"]
    md_path.write_text(
        f"# mindprint eval --protocol online: {run.task}\n\n{run.n_users} users, "
        f"{len(run.rows)} predictions, {run.metric} by items already seen (95% interval, "
        f"resampling {results['lift_from_seen'].get('resampled', 'people')}). Each item stored (import + the refresh record_feedback schedules): mean "
        f"{secs['mean']} s, p50 {secs['p50']} s.\n\n"
        f"```\n{run.command}\n```\n\n{run.markdown_table()}\n",
        encoding="utf-8",
    )
    png = learning_curve(results, out_dir / "learning_curve.png")
    return [json_path, md_path, png]
