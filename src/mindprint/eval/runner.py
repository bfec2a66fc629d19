"""The per-user evaluation protocol and method dispatch behind ``mindprint eval``.

Each user goes through what a real deployment does: a fresh user in a real SQLite
file, the profile imported as history (``ingest.lamp_item`` -> ``Mindprint.add_items``,
as ``mindprint import`` does), the user model built (``Mindprint.build``),
then every method answers the question. The gold is held by the runner only:
methods get a :class:`~mindprint.eval.examples.Question`, and after the import the
stored history is checked not to contain the question's own item.
"""

from __future__ import annotations

import logging
import shlex
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mindprint.app import Mindprint
from mindprint.engine.predict.deployment import PopulationSource
from mindprint.engine.protocols import Embedder
from mindprint.engine.types import Item
from mindprint.eval.cache import CachingEmbedder
from mindprint.eval.cases import group_by_user, load_cases, task_answers
from mindprint.eval.context import (
    LABELLED_TASKS,
    RETRIEVAL_K,
    EvalError,
    RunInfo,
    UserContext,
    majority_label,
)
from mindprint.eval.examples import Example, ProfileItem, Question, TaskInfo, UserCase
from mindprint.eval.methods import Method, select_methods
from mindprint.eval.population import PoolSource, PopulationPool
from mindprint.eval.provenance import git_commit
from mindprint.eval.retrievers import retrieve
from mindprint.eval.runs import EvalConfig, EvalRun
from mindprint.eval.scoring import retrieval_scores
from mindprint.ingest import lamp_item
from mindprint.settings import LimitSettings
from mindprint.store import NewItem, Store

log = logging.getLogger("mindprint.eval")

Progress = Callable[[int, int], None]

DB_NAME = "eval.sqlite"
USER_PREFIX = "eval-"


# ------------------------------------------------------------------ protocol


def to_new_items(profile: Sequence[ProfileItem], max_chars: int) -> tuple[list[NewItem], int]:
    """The profile as the importer stores it (:func:`mindprint.ingest.lamp_item` on each
    item's record), and how many items it rejects (no text for a rating or a label, a
    text over the size limit), so the history the app sees is the one a user importing
    this file would get."""
    items: list[NewItem] = []
    skipped = 0
    for p in profile:
        if p.record is None:
            raise EvalError(f"profile item {p.id!r} has no LaMP record to import")
        try:
            items.append(lamp_item(p.record, max_chars))
        except ValueError:
            skipped += 1
    return items, skipped


def gold_leaks(ex: Example, stored: Sequence[Item]) -> list[Item]:
    """Stored history items that would hand a method the answer (same rules as the loaders).

    Ratings: the question's review text itself. Response tasks: the question's
    own (input, gold) pair. LaMP-7 inputs are empty, so its 8 users whose gold
    tweet is duplicated upstream in their history keep it, as LaMP does.
    """
    query = ex.query.strip()
    gold = ex.gold.strip()
    if ex.task == "rating":
        return [it for it in stored if it.input.strip() == query]
    if ex.task == "classification":
        return [it for it in stored if it.input.strip() == query and it.label == ex.gold]
    return [it for it in stored if it.input.strip() == query and it.response.strip() == gold]


def run_majority(examples: Sequence[Example]) -> str:
    """The most frequent profile label over every user of the run (golds never read)."""
    # Each user's profile once, however many questions they have.
    profiles = {ex.user_id: ex.profile for ex in examples}
    labels = [p.label for prof in profiles.values() for p in prof if p.label is not None]
    counts = Counter(labels)
    # Ties go to the larger label, so the choice never depends on file order.
    return max(counts, key=lambda lab: (counts[lab], lab)) if counts else majority_label([])


def _build_user(case: UserCase, app: Mindprint, run: EvalRun) -> tuple[str, dict[str, Any]]:
    """Import the user's profile and build their model once, as a deployment does."""
    uid = f"{USER_PREFIX}{case.user_id}"
    if app.admin.exists(uid):
        raise EvalError(f"user {uid!r} already exists in the evaluation database; it must be fresh")
    items, skipped = to_new_items(case.profile, app.limits.max_text_chars)
    t0 = time.perf_counter()
    added = app.add_items(uid, items)
    report = app.build(uid)
    build_s = time.perf_counter() - t0
    run.build_seconds += build_s
    stored = list(app.admin.all_history(uid))
    for ex in case.examples:
        leaks = gold_leaks(ex, stored)
        if leaks:
            raise EvalError(
                f"question {ex.id!r}: its own item reached the stored history as item "
                f"{leaks[0].id}; the gold would be visible, so the run stops"
            )
    return uid, {
        "profile_items": len(case.profile),
        "imported": len(added.added),
        "duplicates": len(added.duplicates),
        "skipped": skipped,
        "factors": report.factors,
        "build_seconds": round(build_s, 4),
    }


def _eval_user(
    case: UserCase,
    app: Mindprint,
    info: RunInfo,
    run: EvalRun,
    methods: Sequence[Method],
    pool: PopulationPool | None,
    built_user: tuple[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every question of one user, answered by every method from one built model
    (``built_user``: built already, with the facts of its build)."""
    uid, built = built_user or _build_user(case, app, run)
    population = pool.for_user(case.user_id) if pool is not None else None
    rows: list[dict[str, Any]] = []
    for n, ex in enumerate(case.examples):
        ctx = UserContext(info, Question.of(ex), app, uid, pool, population)
        preds: dict[str, str] = {}
        for m in methods:
            t = time.perf_counter()
            preds[m.name] = m.run(ctx).strip()
            run.method_seconds[m.name] = run.method_seconds.get(m.name, 0.0) + time.perf_counter() - t
        retrieved = {r: retrieve(ctx, r, RETRIEVAL_K) for r in run.config.retrievers}
        read = {"population_read": ctx.shipped()[2]} if run.config.population != "pool" else {}
        rows.append({
            "id": ex.id,
            "user_id": ex.user_id,
            # What else a question shares with others (per-annotator sets: the text, which
            # every annotator of it answers): the second way of a two-way bootstrap.
            "text_key": ex.split_by,
            # Per-user facts once per user, so sums over rows count each user once.
            **(built if n == 0 else {k: 0 for k in built}),
            "gold": ex.gold,
            "predictions": preds,
            "retrieval": retrieval_scores(ex.task, ex.gold, retrieved),
            **read,
        })
    return rows


def _app(
    store: Store, embedder: Embedder, provider: str, population: PopulationSource | None = None,
    *, team: bool = False,
) -> Mindprint:
    """The app each user is built with: offline, or every stage through the provider
    (its calls logged in the run's database for the cost figures). Predictions depart
    from ``population`` (the run's leave-user-out model) when there is one; ``team``:
    the run's users are one team server's people."""
    if provider == "offline":
        return Mindprint(store, embedder, limits=LimitSettings(), population=population, team=team)
    from mindprint.engine.llm.stages import llm_pipeline
    from mindprint.providers import create_provider
    from mindprint.settings import ProviderSettings

    llm = create_provider(
        ProviderSettings(provider=provider),  # type: ignore[arg-type]
        sink=lambda r: store.log_llm_call(r.as_row()),
    )
    if llm is None:
        raise EvalError(f"provider {provider!r} is not configured")
    return Mindprint(store, embedder, limits=LimitSettings(), pipeline=llm_pipeline(embedder, llm),
                     llm=llm, population=population, team=team)


def run_eval(
    config: EvalConfig,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    command: Sequence[str] | None = None,
    examples: Sequence[Example] | None = None,
) -> EvalRun:
    """Run every selected method on every sampled user; score with :mod:`report`.

    ``examples`` overrides loading from ``config.data_dir`` (tests use it to feed
    hand-made examples straight to the protocol).
    """
    if config.k < 1:
        raise EvalError(f"--k must be at least 1, got {config.k}")
    methods = select_methods(config.task, config.provider, config.methods, config.population)
    cases, task_info = _cases(config, examples)
    exs = [ex for case in cases for ex in case.examples]
    if not exs:
        raise EvalError(f"no examples for task {config.task!r} in {config.data_dir}")
    cached = embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
    info = RunInfo(config.task, config.k, config.seed, run_majority(exs), cached)
    run = EvalRun(
        config=config,
        methods=[m.name for m in methods],
        descriptions={m.name: m.description for m in methods},
        majority=info.majority,
        predictions={m.name: [] for m in methods},
    )
    config.out_dir.mkdir(parents=True, exist_ok=True)
    commit = git_commit()  # the code that runs, even if the checkout moves meanwhile
    started = time.perf_counter()
    cpu_started = time.process_time()
    pool = None
    if config.task in LABELLED_TASKS and config.population == "pool":
        pool = PopulationPool(cases, task_info, cached)
        run.population_seconds = time.perf_counter() - started
    db_path, db_bytes = _run_users(cases, cached, info, run, methods, pool, progress)
    run.wall_seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    run.meta = {
        "command": shlex.join(command) if command is not None else shlex.join(sys.argv),
        "embedder": cached.model_id,
        "embedding_cache": cached.stats.as_dict(),
        "db_path": str(db_path) if config.keep_db else None,
        "db_bytes": db_bytes,
        # CPU time of this process (onnxruntime threads included): on a shared
        # machine it says more about the cost than the wall time does.
        "cpu_seconds": round(cpu_seconds, 1),
        "profile_items": sum(r["profile_items"] for r in run.rows),
        "imported_items": sum(r["imported"] for r in run.rows),
        "skipped_items": sum(r["skipped"] for r in run.rows),
        "n_questions": len(run.rows),
        "git_commit": commit,
        "split": config.split,
        "population_seconds": round(run.population_seconds, 2),
        "kernel": pool.kernel.params() if pool is not None else None,  # None: no pool
        "population": config.population,
    }
    return run


def _cases(
    config: EvalConfig, examples: Sequence[Example] | None
) -> tuple[list[UserCase], TaskInfo]:
    """The users of the run: the given examples, or the configured split and sample."""
    if examples is not None:
        return group_by_user(examples), task_answers(config.task, config.data_dir, examples)
    return load_cases(
        config.task, config.data_dir, split=config.split, users=config.users, seed=config.seed
    )


def _run_users(
    cases: Sequence[UserCase],
    embedder: CachingEmbedder,
    info: RunInfo,
    run: EvalRun,
    methods: Sequence[Method],
    pool: PopulationPool | None,
    progress: Progress | None,
) -> tuple[Path, int]:
    """Every user through one fresh database (in ``out_dir`` with ``keep_db``, else a
    temporary one); returns its path and its size in bytes at the end."""
    config = run.config
    with tempfile.TemporaryDirectory(prefix="mindprint-eval-") as tmp:
        db_path = config.out_dir / DB_NAME if config.keep_db else Path(tmp) / DB_NAME
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)  # every user starts fresh
        store = Store.open(db_path)
        team = config.population == "team"
        app = _app(store, embedder, config.provider, PoolSource(pool, USER_PREFIX) if pool else None,
                   team=team)
        try:
            if progress:
                progress(0, len(cases))
            # A team server holds everyone before anyone asks.
            built = {c.user_id: _build_user(c, app, run) for c in cases} if team else {}
            for n, case in enumerate(cases, start=1):
                for row in _eval_user(case, app, info, run, methods, pool, built.get(case.user_id)):
                    run.rows.append(row)
                    run.golds.append(row["gold"])
                    for name in run.methods:
                        run.predictions[name].append(row["predictions"][name])
                if progress:
                    progress(n, len(cases))
        finally:
            app.close()
        db_bytes = sum(
            Path(f"{db_path}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{db_path}{s}").exists()
        )
    return db_path, db_bytes
