"""The online protocol in deployment mode (``--protocol online --population shipped``):
each person's history replayed oldest first through a server of their own, as
:mod:`mindprint.eval.online` replays it, reading nothing of the run's other users.

Before an item is stored, mindprint predicts it (``retrieve``), and so does what that
server could answer without mindprint's departure model at that point of the replay: the
population it reads (the shipped model, or the person's own history so far, as its policy
chooses), that population plus the person's shrunk offset (``population_answers``), and
the person's own mean or majority so far. It is the learning curve of a lone server.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from mindprint.app import Mindprint
from mindprint.engine.predict.population import Answers
from mindprint.engine.protocols import Embedder
from mindprint.eval.cache import CachingEmbedder
from mindprint.eval.cases import load_cases
from mindprint.eval.context import LABEL_TASKS, SCORE_TASKS, EvalError, typical_answer
from mindprint.eval.examples import UserCase
from mindprint.eval.online import (
    USER_PREFIX,
    OnlineRun,
    Progress,
    record,
    replay_everyone,
    row_of,
    score_of,
    time_order,
)
from mindprint.eval.population import answer_of
from mindprint.eval.runs import EvalConfig
from mindprint.settings import LimitSettings
from mindprint.store import Store

# What a lone person's server answers with and without the departure.
SHIPPED_METHODS = ("mindprint", "population_shipped", "population_shipped_offset", "user_prior")


def run_online_alone(
    config: EvalConfig, embedder: Embedder, *, progress: Progress | None = None,
    command: Sequence[str] | None = None,
) -> OnlineRun:
    """Every person replayed through a deployed server of their own (one database, no team:
    a lone server reads no other profile)."""
    if config.task not in SCORE_TASKS | LABEL_TASKS:
        raise EvalError("the online protocol needs a rating or label task")
    cases, info = load_cases(config.task, config.data_dir, split=config.split, users=config.users, seed=config.seed)
    embedder = embedder if isinstance(embedder, CachingEmbedder) else CachingEmbedder(embedder)
    metric = "mae" if config.task in SCORE_TASKS else "accuracy"
    run = OnlineRun(config.task, metric, " ".join(command or ()), n_users=len(cases),
                    population="shipped", methods=SHIPPED_METHODS)
    started = time.perf_counter()
    answers = Answers(labels=info.labels, scale=info.scale)
    replay_everyone(cases, lambda db: Mindprint(Store.open(db), embedder, limits=LimitSettings()),
                    lambda app, case: _replay_alone(case, app, answers, run, config.k), progress)
    run.wall_seconds = time.perf_counter() - started
    return run


def _replay_alone(case: UserCase, app: Mindprint, answers: Answers, run: OnlineRun, k: int) -> None:
    """Deployment mode: the person's items replayed through their own server, which reads
    nothing of anyone else; each predicted first by mindprint and by what that server
    could answer without the departure model (``population_answers``) and the person's own
    mean or majority so far."""
    uid = f"{USER_PREFIX}{case.user_id}"
    if app.admin.exists(uid):
        raise EvalError(f"user {uid!r} already exists in the evaluation database")
    order = [i for i in time_order(case.profile) if answer_of(case.profile[i], answers) is not None
             and case.profile[i].input.strip() and case.profile[i].response.strip()]
    golds = [str(answer_of(case.profile[i], answers)) for i in order]
    for t, i in enumerate(order):
        p = case.profile[i]
        if t >= 1:
            res = app.retrieve(uid, p.text, k, predict=True)
            read = app.retrieval.population_answers(uid, p.text) or ("", "", "")
            preds = {
                "mindprint": res.prediction.label if res.prediction else "",
                "population_shipped": read[0],
                "population_shipped_offset": read[1],
                "user_prior": _own_so_far(run.task, golds[:t]),
            }
            row = row_of(case, p, t)
            row.update({m: score_of(answers, v, golds[t]) for m, v in preds.items()})
            run.rows.append(row)
        record(app, uid, p, run)


def _own_so_far(task: str, seen: Sequence[str]) -> str:
    """The person's mean score rounded half up, or their majority label, over ``seen``."""
    return typical_answer(task, [float(a) for a in seen] if task in SCORE_TASKS else [], seen)
