"""The label departure model (engine/predict/labels.py) on histories whose answer is known by
construction: a user who files most items under one label, a user whose labels drifted,
and pools of users who do or do not drift (the kernel fit must tell them apart)."""

from __future__ import annotations

import numpy as np

from mindprint.engine.predict.departure import Evidence, History, Query
from mindprint.engine.predict.kernel import Kernel
from mindprint.engine.predict.labels import (
    DEFAULT_LABEL_KERNEL,
    RECENT_K,
    LabelHistory,
    LabelKernel,
    explain_label,
    fit_label_kernel,
    label_departure,
)
from mindprint.engine.predict.population import Answers

NEWS = Answers(labels=("POLITICS", "SPORTS", "WORLD NEWS"))
# The population's flat reading of every text: a slight lean to SPORTS, nothing else.
FLAT = np.array([0.30, 0.40, 0.30])


def _unit(rng: np.random.Generator, d: int = 16) -> np.ndarray:
    v = rng.normal(size=d)
    return v / np.linalg.norm(v)


def _history(rng: np.random.Generator, labels: list[str], output: np.ndarray = FLAT) -> LabelHistory:
    """Items with unrelated texts (random directions), in the order given (oldest first)."""
    ev = []
    for i, lab in enumerate(labels):
        target = NEWS.targets([lab])[0]
        ev.append(Evidence(i, target - output, output, _unit(rng)))
    return LabelHistory.of(History.of(ev, NEWS, len(NEWS.labels)), list(range(len(labels))))


def _answer(lh: LabelHistory, k: LabelKernel, rng: np.random.Generator) -> str:
    ids = list(range(len(lh.history)))
    dep = label_departure(lh, ids, Query(FLAT, _unit(rng), {}), k)
    return NEWS.answer(FLAT + dep.total)


def test_a_user_who_files_most_items_under_one_label_gets_it() -> None:
    rng = np.random.default_rng(0)
    lh = _history(rng, ["POLITICS"] * 9 + ["SPORTS"] * 3)
    dep = label_departure(lh, list(range(12)), Query(FLAT, _unit(rng), {}), DEFAULT_LABEL_KERNEL)
    assert NEWS.answer(FLAT) == "SPORTS"  # what everyone would say
    assert NEWS.answer(FLAT + dep.total) == "POLITICS"
    assert dep.offset[0] > 0.2 > 0 > dep.offset[1]  # the user's own label habits moved it
    text = explain_label(NEWS, FLAT, dep, {"POLITICS": 9, "SPORTS": 3}, {})
    assert "filed 9 of their 12 items under POLITICS" in text and text.endswith("-> POLITICS")
    nothing = label_departure(lh, [], Query(FLAT, _unit(rng), {}), DEFAULT_LABEL_KERNEL)
    assert not nothing.total.any()  # without recency only retrieved items count


def test_recency_follows_a_beat_that_drifted() -> None:
    # 30 political items, then the author moved to world news for the last 10.
    rng = np.random.default_rng(1)
    lh = _history(rng, ["POLITICS"] * 30 + ["WORLD NEWS"] * 10)
    static = LabelKernel(offset=1.0)
    drifting = static.with_(recent=1.0, span=10.0)
    assert isinstance(drifting, LabelKernel)
    assert _answer(lh, static, rng) == "POLITICS"  # the majority
    assert _answer(lh, drifting, rng) == "WORLD NEWS"  # what they file now
    # Retrieval brought only old items: the latest ones still reach the prediction.
    dep = label_departure(lh, [0, 1, 2], Query(FLAT, _unit(rng), {}), drifting)
    assert NEWS.answer(FLAT + dep.total) == "WORLD NEWS"
    assert dep.recent_ids[:3] == (39, 38, 37) and len(dep.recent_ids) == RECENT_K
    assert dep.neighbour_ids and set(dep.neighbour_ids) <= {0, 1, 2}
    text = explain_label(NEWS, FLAT, dep, {"POLITICS": 30, "WORLD NEWS": 10}, {})
    assert "their latest items (#39, #38, #37) WORLD NEWS +" in text


def test_positions_follow_the_given_order_not_the_ids() -> None:
    rng = np.random.default_rng(2)
    ev = [Evidence(i, NEWS.targets(["SPORTS"])[0] - FLAT, FLAT, _unit(rng)) for i in (10, 20, 30)]
    lh = LabelHistory.of(History.of(ev, NEWS, 3), [30, 99, 10, 20])  # 99: not in the history
    assert lh.position.tolist() == [1.0, 2.0, 0.0]
    assert lh.latest(2) == [20, 10]


def _pool(rng: np.random.Generator, drift: bool, users: int = 30, n: int = 40) -> list[LabelHistory]:
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
    drifting = fit_label_kernel(_pool(rng, drift=True))
    steady = fit_label_kernel(_pool(rng, drift=False))
    assert drifting.recent > 0
    assert steady.recent == 0.0 and steady.offset > 0
    assert fit_label_kernel(_pool(rng, True, users=1, n=5)) == DEFAULT_LABEL_KERNEL  # too little data


def test_a_plain_kernel_becomes_a_label_kernel_without_recency() -> None:
    k = Kernel(offset=0.7, similar=2.0, length=0.3)
    lk = LabelKernel.of(k)
    assert (lk.offset, lk.similar, lk.length, lk.recent) == (0.7, 2.0, 0.3, 0.0)
    assert LabelKernel.of(lk) is lk
