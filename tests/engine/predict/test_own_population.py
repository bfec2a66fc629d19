"""A person's own history as their population: the leave-one-out reading of a fitted text
equals a refit without it (direct computation), and a new text is read by the full fit."""

from __future__ import annotations

import numpy as np
import pytest

from mindprint.engine.predict.population import (
    Answers,
    Design,
    OwnPopulation,
    PopulationModel,
    Stats,
)

LABELS = Answers(labels=("NEG", "POS"))


def _data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    raw = rng.normal(size=(n, 12))
    raw /= np.linalg.norm(raw, axis=1, keepdims=True)
    sig = rng.normal(size=(n, 3))
    labels = ["POS" if r[0] + 0.3 * rng.normal() > 0 else "NEG" for r in raw]
    return raw, sig, labels


def test_a_fitted_text_is_read_as_a_refit_without_it() -> None:
    rng = np.random.default_rng(0)
    raw, sig, labels = _data(rng, 25)
    pop = OwnPopulation.fit(LABELS, raw, sig, labels, lam=2.0)
    design = Design.fit(sig)  # the design is fitted on every item (its scaling only)
    for i in (0, 7, 24):
        keep = [j for j in range(25) if j != i]
        x = design.rows(raw[keep], sig[keep])
        refit = PopulationModel.fit(LABELS, design, Stats.of(x, LABELS.targets([labels[j] for j in keep])), 2.0)
        assert pop.outputs(raw[i], sig[i])[0] == pytest.approx(refit.outputs(raw[i], sig[i])[0], abs=1e-6)
    new = rng.normal(size=12)
    full = PopulationModel.fit(LABELS, design, Stats.of(design.rows(raw, sig), LABELS.targets(labels)), 2.0)
    assert pop.outputs(new, sig[0])[0] == pytest.approx(full.outputs(new, sig[0])[0])


def test_half_star_scales_answer_on_their_own_steps() -> None:
    half = Answers(scale=(0.5, 5.0), step=0.5)
    assert [half.answer(np.array([v])) for v in (0.6, 3.3, 3.26, 4.9, 7.0)] == ["0.5", "3.5", "3.5", "5", "5"]
    tens = Answers(scale=(1.0, 10.0))
    assert tens.answer(np.array([7.6])) == "8"


def test_more_items_than_features_gives_the_same_reading() -> None:
    """The primal form (items > features) agrees with a refit without the item too."""
    rng = np.random.default_rng(1)
    raw, sig, labels = _data(rng, 40)
    raw, sig = raw[:, :4], sig[:, :2]  # 4 + 2 features < 40 items
    pop = OwnPopulation.fit(LABELS, raw, sig, labels, lam=1.5)
    design = Design.fit(sig)
    keep = list(range(1, 40))
    x = design.rows(raw[keep], sig[keep])
    refit = PopulationModel.fit(LABELS, design, Stats.of(x, LABELS.targets([labels[j] for j in keep])), 1.5)
    assert pop.outputs(raw[0], sig[0])[0] == pytest.approx(refit.outputs(raw[0], sig[0])[0], abs=1e-6)
