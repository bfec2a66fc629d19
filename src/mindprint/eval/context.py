"""What every evaluation method shares: the task kinds, the question a method may see
(:class:`Question`, no gold), the run's facts, one user's context during the run, and
the few ways of turning retrieved history into an answer."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mindprint.engine.protocols import Embedder
from mindprint.errors import MindprintError
from mindprint.eval.examples import Question

if TYPE_CHECKING:
    from mindprint.app import Mindprint, RetrievalResult
    from mindprint.engine.predict.retrieval import Mode
    from mindprint.eval.population import PopulationPool, Reps, UserPopulation

SCORE_TASKS = frozenset({"rating"})
LABEL_TASKS = frozenset({"category", "classification"})
TEXT_TASKS = frozenset({"rewrite", "generation"})
ALL_TASKS = SCORE_TASKS | LABEL_TASKS | TEXT_TASKS
LABELLED_TASKS = SCORE_TASKS | LABEL_TASKS

# The paper's k, and the k that "retrieval usefulness" is defined with (issue 5).
RETRIEVAL_K = 3

_TOKEN_RE = re.compile(r"[a-z0-9]+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_RE = re.compile(r"\s*(?:[;:]|,\s|\s[-–—]\s)")
HEADLINE_MAX_WORDS = 12
HEADLINE_MIN_WORDS = 4


class EvalError(MindprintError):
    """The evaluation cannot run as asked (unknown method, provider, or a leaked gold)."""


@dataclass(frozen=True, slots=True)
class Memory:
    """One retrieved history item, whichever retriever found it."""

    response: str
    label: str | None
    score: float | None


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Run-level facts every method may use (none of them derived from a gold)."""

    task: str
    k: int
    seed: int
    majority: str  # the most frequent profile label over every user of the run
    embedder: Embedder


@dataclass(slots=True)
class UserContext:
    """One user's state during evaluation; memoises rankings shared by methods."""

    run: RunInfo
    question: Question
    app: Mindprint
    uid: str
    # Models of everyone but this user (labelled tasks); None for text tasks.
    pool: PopulationPool | None = None
    population: UserPopulation | None = None
    # Baseline rankings, memoised by retrievers.ranking.
    ranks: dict[str, list[int]] = field(default_factory=dict)
    _app_hits: dict[tuple[str, int], RetrievalResult] = field(default_factory=dict)
    _shipped: tuple[str, str, str] | None = None
    _query_reps: Reps | None = None

    def user_population(self) -> tuple[UserPopulation, Reps]:
        """This user's leave-user-out population model and the query's representation."""
        if self.pool is None or self.population is None:
            raise EvalError(f"task {self.run.task!r} has no population model")
        if self._query_reps is None:
            self._query_reps = self.pool.query(self.question.query)
        return self.population, self._query_reps

    def shipped(self) -> tuple[str, str, str]:
        """What the person's own server reads (their population, and it plus their shrunk
        offset) for the question, and who that population is: deployment mode's baselines."""
        if self._shipped is None:
            got = self.app.retrieval.population_answers(self.uid, self.question.query)
            self._shipped = got if got is not None else ("", "", "")
        return self._shipped

    def app_retrieve(self, mode: Mode | None, k: int) -> RetrievalResult:
        """``Mindprint.retrieve`` with prediction, in ``mode`` (None: the app's default)."""
        key = (mode or "default", k)
        if key not in self._app_hits:
            q = self.question.query
            if mode is None:
                res = self.app.retrieve(self.uid, q, k, predict=True)
            else:
                res = self.app.retrieve(self.uid, q, k, mode=mode, predict=True)
            self._app_hits[key] = res
        return self._app_hits[key]


def tokens(text: str) -> list[str]:
    """Lowercase alphanumeric runs, as ROUGE's default tokenizer reads text."""
    return _TOKEN_RE.findall(text.lower())


def half_up(x: float) -> int:
    # Python's round() goes to even (4.5 -> 4); ratings conventionally round half up.
    return math.floor(x + 0.5)


def majority_label(labels: Sequence[str]) -> str:
    """Most frequent label; ties go to the one seen first (``Counter`` order)."""
    return Counter(labels).most_common(1)[0][0] if labels else ""


def first_clause(text: str) -> str:
    """A trivial extractive headline: the first sentence, cut at a clause if long."""
    sentence = _SENTENCE_END_RE.split(text.strip(), maxsplit=1)[0].strip()
    words = sentence.split()
    if len(words) <= HEADLINE_MAX_WORDS:
        return sentence.rstrip(".")
    for m in _CLAUSE_RE.finditer(sentence):
        head = sentence[: m.start()].split()
        if HEADLINE_MIN_WORDS <= len(head) <= HEADLINE_MAX_WORDS:
            return " ".join(head)
    return " ".join(words[:HEADLINE_MAX_WORDS])


def answer_from(task: str, memories: Sequence[Memory]) -> str:
    """How a retrieval baseline answers from its top-k.

    Ratings: the mean retrieved score rounded half up. Labels: the majority label,
    ties to the higher-ranked. Texts: the top item's response, copied (there is no
    generator offline; this measures how close the user's nearest history is).
    """
    if task in SCORE_TASKS | LABEL_TASKS:
        return typical_answer(task, [m.score for m in memories if m.score is not None],
                              [m.label for m in memories if m.label is not None])
    return memories[0].response if memories else ""


def typical_answer(task: str, scores: Sequence[float], labels: Sequence[str]) -> str:
    """A rating task's mean score rounded half up, or a label task's majority label; "" with
    none (the user prior and the retrieval baselines answer so)."""
    if task in SCORE_TASKS:
        return str(half_up(statistics.fmean(scores))) if scores else ""
    return majority_label(labels)
