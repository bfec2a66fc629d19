"""Labels through the departure model (one output per label) on histories whose answer is
known by construction: a user who files most items under one label, a user whose labels
drifted, and pools of users who do or do not drift (the kernel fit must tell them apart)."""

from __future__ import annotations

import numpy as np

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.departure import (
    Departure,
    Evidence,
    History,
    Query,
    departure,
    fit_kernel,
)
from mindprint.engine.predict.explain import explain
from mindprint.engine.predict.kernel import DEFAULT_KERNEL, Kernel, PartKind
from mindprint.engine.predict.population import Answers

NEWS = Answers(labels=("POLITICS", "SPORTS", "WORLD NEWS"))
# The population's flat reading of every text: a slight lean to SPORTS, nothing else.
FLAT = np.array([0.30, 0.40, 0.30])


def _unit(rng: np.random.Generator, d: int = 16) -> np.ndarray:
    v = rng.normal(size=d)
    return v / np.linalg.norm(v)


def _history(rng: np.random.Generator, labels: list[str], output: np.ndarray = FLAT) -> History:
    """Items with unrelated texts (random directions), in the order given (oldest first)."""
    ev = []
    for i, lab in enumerate(labels):
        target = NEWS.targets([lab])[0]
        ev.append(Evidence(i, target - output, output, _unit(rng)))
    return History.of(ev, NEWS, len(NEWS.labels), list(range(len(labels))))


def _answer(h: History, k: Kernel, rng: np.random.Generator) -> str:
    dep = departure(h, list(range(len(h))), Query(FLAT, _unit(rng), {}), k)
    return NEWS.answer(FLAT + dep.total)


def _text(h: History, q: Query, dep: Departure, counts: dict[str, int]) -> str:
    return explain(NEWS, q.output, dep, counts, {}).text


def test_a_user_who_files_most_items_under_one_label_gets_it() -> None:
    rng = np.random.default_rng(0)
    h = _history(rng, ["POLITICS"] * 9 + ["SPORTS"] * 3)
    q = Query(FLAT, _unit(rng), {})
    dep = departure(h, list(range(12)), q, DEFAULT_KERNEL)
    assert NEWS.answer(FLAT) == "SPORTS"  # what everyone would say
    assert NEWS.answer(FLAT + dep.total) == "POLITICS"
    offset = dep.part(PartKind.OFFSET).total
    assert offset[0] > 0.2 > 0 > offset[1]  # the user's own label habits moved it
    text = _text(h, q, dep, {"POLITICS": 9, "SPORTS": 3})
    assert "of the 12 of their items read, this user filed 9 under POLITICS" in text
    assert text.endswith("-> POLITICS")
    nothing = departure(h, [], q, DEFAULT_KERNEL)
    assert not nothing.total.any()  # without recency only retrieved items count


def test_recency_follows_a_beat_that_drifted() -> None:
    # 30 political items, then the author moved to world news for the last 10.
    rng = np.random.default_rng(1)
    h = _history(rng, ["POLITICS"] * 30 + ["WORLD NEWS"] * 10)
    static = DEFAULT_KERNEL.with_(offset=1.0)
    drifting = static.with_(recent=1.0, span=10.0)
    assert _answer(h, static, rng) == "POLITICS"  # the majority
    assert _answer(h, drifting, rng) == "WORLD NEWS"  # what they file now
    # Retrieval brought only old items: the latest ones still reach the prediction.
    q = Query(FLAT, _unit(rng), {})
    dep = departure(h, [0, 1, 2], q, drifting)
    assert NEWS.answer(FLAT + dep.total) == "WORLD NEWS"
    assert dep.latest[:3] == (39, 38, 37) and len(dep.latest) == MODEL.recent_k
    assert dep.retrieved == (0, 1, 2)
    text = _text(h, q, dep, {"POLITICS": 30, "WORLD NEWS": 10})
    assert "their latest items (#39, #38, #37) WORLD NEWS +" in text
    assert "similar past items (#" in text


def test_positions_follow_the_given_order_not_the_ids() -> None:
    rng = np.random.default_rng(2)
    ev = [Evidence(i, NEWS.targets(["SPORTS"])[0] - FLAT, FLAT, _unit(rng)) for i in (10, 20, 30)]
    h = History.of(ev, NEWS, 3, [30, 99, 10, 20])  # 99: not in the history
    assert h.positions.tolist() == [1.0, 2.0, 0.0]
    assert h.latest(2) == [20, 10]


def _pool(rng: np.random.Generator, drift: bool, users: int = 30, n: int = 40) -> list[History]:
    """Users with one main label each; drifting users switch it every 10 items."""
    out = []
    for _ in range(users):
        main = rng.permutation(len(NEWS.labels))
        labels = []
        for i in range(n):
            block = main[(i // 10) % 3] if drift else main[0]
            lab = block if rng.random() < 0.8 else rng.integers(len(NEWS.labels))
            labels.append(NEWS.labels[int(lab)])
        out.append(_history(rng, labels))
    return out


def test_the_kernel_fit_finds_recency_only_where_users_drift() -> None:
    rng = np.random.default_rng(3)
    drifting = fit_kernel(_pool(rng, drift=True), NEWS).params()
    steady = fit_kernel(_pool(rng, drift=False), NEWS).params()
    assert drifting["recent"] > 0
    assert steady["recent"] == 0.0 and steady["offset"] > 0
    # Too little data: the start kernel, the factors part off (no factor values here).
    assert fit_kernel(_pool(rng, True, users=1, n=5), NEWS) == DEFAULT_KERNEL.with_(factors=0.0)
