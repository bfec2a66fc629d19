"""A team's population (a team server): a person's model is the ridge fit on the *other*
members' answered histories (direct computation), never reads their own answers, and only
pools histories that answer alike."""

from __future__ import annotations

import numpy as np
import pytest

from mindprint.engine.model_settings import MODEL
from mindprint.engine.predict.deployment import WHO, Member, TeamPool, alike
from mindprint.engine.predict.population import Answers, Design, PopulationModel, Stats, fit_cuts

LABELS = Answers(labels=("NEG", "POS"))
TENS = Answers(scale=(1.0, 10.0))
PEOPLE = ("ana", "bo", "cy", "dee")


def _member(uid: str, rng: np.random.Generator, n: int, answers: Answers, flip: bool = False) -> Member:
    raw = rng.normal(size=(n, 8))
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    sig = rng.normal(size=(n, 3))
    if answers.is_scale:
        given = tuple(str(int(np.clip(np.rint(5.5 + 6 * r[0]), 1, 10))) for r in raw)
    else:
        given = tuple(("POS" if (r[0] > 0) != flip else "NEG") for r in raw)
    return Member(uid, answers, raw, sig, given)


def _direct(answers: Answers, members: list[Member], everyone: list[Member]) -> PopulationModel:
    design = Design.fit(np.vstack([m.signals for m in everyone]))
    stats = Stats.of(np.vstack([design.rows(m.raw, m.signals) for m in members]),
                     answers.targets([a for m in members for a in m.given]))
    return PopulationModel.fit(answers, design, stats)


def test_a_persons_model_is_the_fit_on_the_others_alone() -> None:
    rng = np.random.default_rng(0)
    team = [_member(u, rng, 15, LABELS) for u in PEOPLE]
    pool = TeamPool.of(LABELS, team, "no-prior-model")
    assert pool is not None
    model = pool.model_for("ana")
    assert model is not None and model.who == WHO and model.personal
    direct = _direct(LABELS, team[1:], team)
    q_raw, q_sig = rng.normal(size=(4, 8)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(model.outputs(q_raw, q_sig), direct.outputs(q_raw, q_sig), atol=1e-9)


def test_a_persons_own_answers_never_reach_their_model() -> None:
    rng = np.random.default_rng(1)
    team = [_member(u, rng, 15, TENS) for u in PEOPLE]
    flipped = Member("ana", TENS, team[0].raw, team[0].signals, tuple(reversed(team[0].given)))
    a = TeamPool.of(TENS, team, "m")
    b = TeamPool.of(TENS, [flipped, *team[1:]], "m")
    assert a is not None and b is not None
    ma, mb = a.model_for("ana"), b.model_for("ana")
    assert ma is not None and mb is not None
    np.testing.assert_allclose(ma.weights, mb.weights)
    assert ma.answers.cuts == pytest.approx(mb.answers.cuts)  # the thresholds too are the others'
    # ... while another member's model does read them.
    other_a, other_b = a.model_for("bo"), b.model_for("bo")
    assert other_a is not None and other_b is not None
    assert not np.allclose(other_a.weights, other_b.weights)


def test_thresholds_are_fitted_on_the_others_in_sample_outputs() -> None:
    rng = np.random.default_rng(2)
    team = [_member(u, rng, 15, TENS) for u in PEOPLE]
    pool = TeamPool.of(TENS, team, "m")
    assert pool is not None
    model = pool.model_for("cy")
    assert model is not None
    others = [m for m in team if m.user_id != "cy"]
    direct = _direct(TENS, others, team)
    outs = direct.outputs(np.vstack([m.raw for m in others]), np.vstack([m.signals for m in others]))
    levels = [float(a) for m in others for a in m.given]
    assert model.answers.cuts == pytest.approx(fit_cuts(outs[:, 0], levels, 1.0, 10.0))


def test_only_histories_that_answer_alike_are_pooled() -> None:
    assert not alike(TENS, Answers(scale=(1.0, 5.0)))
    assert not alike(Answers(scale=(0.5, 5.0), step=0.5), Answers(scale=(0.5, 5.0), step=1.0))
    assert alike(LABELS, Answers(labels=("SPORTS", "POLITICS")))
    assert not alike(LABELS, TENS)
    rng = np.random.default_rng(3)
    team = [*(_member(u, rng, 25, LABELS) for u in ("ana", "bo", "dee", "eve")), _member("cy", rng, 30, TENS)]
    pool = TeamPool.of(LABELS, team, "m")
    assert pool is not None
    model = pool.model_for("ana")
    assert model is not None and model.n_items == 75  # bo's, dee's, eve's: cy rates, ana is left out
    sports = Member("fay", Answers(labels=("SPORTS",)), team[0].raw, team[0].signals, ("SPORTS",) * 25)
    both = TeamPool.of(LABELS, [*team[:4], sports], "m")
    assert both is not None and both.answers.labels == ("NEG", "POS", "SPORTS")  # every member's labels


def test_too_few_others_or_answers_give_no_model() -> None:
    rng = np.random.default_rng(4)
    few = MODEL.own_min_items // MODEL.team_min_people  # fewer answers than a model reads by
    team = [_member("ana", rng, 40, LABELS), *(_member(f"m{i}", rng, few, LABELS) for i in range(3))]
    pool = TeamPool.of(LABELS, team, "m")
    assert pool is not None
    assert pool.model_for("ana") is None
    assert pool.model_for("m0") is not None
    assert TeamPool.of(TENS, team, "m") is None  # nobody rates on that scale
    # Two others would tell a person what one of them answered, near enough: no model.
    pair = TeamPool.of(LABELS, [_member(u, rng, 40, LABELS) for u in ("ana", "bo", "cy")], "m")
    assert pair is not None and pair.model_for("ana") is None
    assert pair.model_for("dee") is not None  # someone outside it reads all three
