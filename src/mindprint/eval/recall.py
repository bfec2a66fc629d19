"""``mindprint eval --task recall``: does a question bring back the preference it needs?

Per person, as a deployment does: a fresh user in a real SQLite file, their exchanges
imported as conversation turns (or, ``--protocol online``, recorded one at a time
through ``record_feedback``), the model built; then each question is put to
``retrieve_reasoning_paths`` (k = 5) and the baselines. A method's answer is a ranked
list of *entries*, each a set of history items: mindprint's preferences first (a
preference cites every item that said it), then its similar exchanges; one item per
entry for the baselines. ``recall@k``: a gold item in the first k entries; ``mrr@5``.
The person's instructions about answers come with every retrieval, apart from the ranked
entries: a gold item one of them cites is served for certain, at rank 1, and they take no
entry from the topical preferences (benchmarks/README.md, "instructions about answers").
``factor_recall``: whether ``get_user_factors`` with default arguments cites a gold item
or quotes its words.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mindprint.app import Mindprint
from mindprint.engine.features.text import words
from mindprint.engine.predict.retrieval import named_items
from mindprint.engine.protocols import Embedder
from mindprint.eval.prefeval import Exchange, RecallCase, as_new_item
from mindprint.views import DEFAULT_FACTORS, factors_view

K = 5
KS = (1, 3, 5)
METHODS = ("mindprint", "dense", "bm25", "recency", "random")
DENSE_CHARS = 2000

Entries = list[frozenset[str]]


@dataclass(slots=True)
class RecallRow:
    """One question: the rank of the first gold entry per method (None: not in the top K)."""

    id: str
    user_id: str
    ranks: dict[str, int | None]
    factor_hit: bool
    # mindprint's rank among its ranked entries alone: what its topical preferences and
    # similar exchanges found, without the instructions served with every answer.
    topical: int | None = None


@dataclass(slots=True)
class PersonModel:
    """What the methods of one person read: the app's user, the id maps, the dense index."""

    uid: str
    history: tuple[Exchange, ...]
    to_profile: dict[int, frozenset[str]]
    dense: np.ndarray
    bm25: Any
    cited: frozenset[str] = frozenset()
    quotes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


def rank_of(entries: Entries, gold: frozenset[str]) -> int | None:
    return next((n for n, e in enumerate(entries[:K]) if e & gold), None)


def import_person(app: Mindprint, uid: str, case: RecallCase, online: bool) -> None:
    """The person's history, imported and built, or recorded turn by turn."""
    if not online:
        app.add_items(uid, [as_new_item(ex) for ex in case.history])
        app.build(uid)
        return
    for ex in case.history:
        app.feedback.record(uid, ex.input, ex.response)
    app.models.wait_idle()


def person_model(app: Mindprint, uid: str, case: RecallCase, embedder: Embedder) -> PersonModel:
    from rank_bm25 import BM25Okapi

    # An exchange said twice (the same words, the same answer) is one item once imported: it
    # stands for every id of that text.
    ids_of: dict[tuple[str, str], frozenset[str]] = {}
    for ex in case.history:
        key = (ex.input.strip(), ex.response.strip())
        ids_of[key] = ids_of.get(key, frozenset()) | {ex.id}
    to_profile = {
        it.id: ids_of[(it.input.strip(), it.response.strip())]
        for it in app.admin.all_history(uid)
        if (it.input.strip(), it.response.strip()) in ids_of
    }
    texts = [f"{ex.input}\n{ex.response}"[:DENSE_CHARS] for ex in case.history]
    view = factors_view(app, uid, DEFAULT_FACTORS)
    prefs = view.preferences or []
    return PersonModel(
        uid=uid, history=case.history, to_profile=to_profile,
        dense=np.asarray(embedder.embed(texts)),
        bm25=BM25Okapi([words(t) or ["_"] for t in texts]),
        cited=frozenset(x for p in prefs for i in p.items if i in to_profile for x in to_profile[i]),
        quotes=tuple(p.quote for p in prefs),
    )


def mindprint_entries(app: Mindprint, pm: PersonModel, query: str) -> tuple[frozenset[str], Entries]:
    """What every answer is given (the instructions' items), and the ranked entries."""
    res = app.retrieval.retrieve(pm.uid, query, K, predict=False)
    always = frozenset(x for f in res.instructions for i in named_items(f)
                       if i in pm.to_profile for x in pm.to_profile[i])
    out: Entries = []
    seen: set[str] = set()
    for group in [*(named_items(p.factor) for p in res.preferences),
                  *((h.item.id,) for h in res.hits)]:
        ids = frozenset(x for i in group if i in pm.to_profile for x in pm.to_profile[i])
        if ids and not ids <= seen:
            out.append(ids)
            seen |= ids
    return always, out


def _ordered(pm: PersonModel, scores: Sequence[float]) -> Entries:
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [frozenset([pm.history[i].id]) for i in order[:K]]


def baseline_entries(name: str, pm: PersonModel, query: str, embedder: Embedder) -> Entries:
    if name == "dense":
        return _ordered(pm, list(pm.dense @ np.asarray(embedder.embed([query]))[0]))
    if name == "bm25":
        return _ordered(pm, list(pm.bm25.get_scores(words(query) or ["_"])))
    if name == "recency":
        return [frozenset([ex.id]) for ex in reversed(pm.history)][:K]
    if name == "random":
        order = list(range(len(pm.history)))
        random.Random(f"{pm.uid}\x00{query}").shuffle(order)
        return [frozenset([pm.history[i].id]) for i in order[:K]]
    raise ValueError(f"unknown method {name!r}")


def factor_hit(pm: PersonModel, case: RecallCase, gold: frozenset[str]) -> bool:
    """``get_user_factors`` cites a gold item, or quotes words the gold item holds."""
    if pm.cited & gold:
        return True
    said = " ".join(" ".join(ex.input.split()) for ex in case.history if ex.id in gold)
    return any(q and " ".join(q.split()) in said for q in pm.quotes)


def eval_person(
    app: Mindprint, case: RecallCase, embedder: Embedder, methods: Sequence[str],
    *, online: bool, timings: dict[str, float],
) -> list[RecallRow]:
    uid = f"eval-{case.user_id}"
    t = time.perf_counter()
    import_person(app, uid, case, online)
    timings["build"] = timings.get("build", 0.0) + time.perf_counter() - t
    pm = person_model(app, uid, case, embedder)
    rows = []
    for q in case.questions:
        ranks: dict[str, int | None] = {}
        topical: int | None = None
        for m in methods:
            t = time.perf_counter()
            always, entries = (mindprint_entries(app, pm, q.text) if m == "mindprint"
                               else (frozenset(), baseline_entries(m, pm, q.text, embedder)))
            timings[m] = timings.get(m, 0.0) + time.perf_counter() - t
            ranks[m] = 0 if always & q.gold else rank_of(entries, q.gold)
            topical = rank_of(entries, q.gold) if m == "mindprint" else topical
        rows.append(RecallRow(q.id, case.user_id, ranks, factor_hit(pm, case, q.gold), topical))
    return rows


def per_question(rows: Sequence[RecallRow], method: str) -> Mapping[str, list[float]]:
    """Per-question values of each metric (their mean over questions is the metric)."""
    out: dict[str, list[float]] = {f"recall@{k}": [] for k in KS}
    out["mrr@5"] = []
    for r in rows:
        rank = r.ranks[method]
        for k in KS:
            out[f"recall@{k}"].append(1.0 if rank is not None and rank < k else 0.0)
        out["mrr@5"].append(1.0 / (rank + 1) if rank is not None else 0.0)
    if method == "mindprint":
        out["factor_recall"] = [1.0 if r.factor_hit else 0.0 for r in rows]
    return out


Progress = Callable[[int, int], None]
