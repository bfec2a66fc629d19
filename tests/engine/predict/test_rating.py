"""The shipped rating prior and the ordinal model."""

from __future__ import annotations

import numpy as np

from mindprint.engine.features.extract import text_signals
from mindprint.engine.pipeline import embed_mean
from mindprint.engine.predict.rating import fit_effects, load_prior, median_label, ordinal_probs


def test_ordinal_model_shrinks_small_histories() -> None:
    cut = np.array([-2.0, -1.0, 0.0, 1.0])
    few = fit_effects(np.zeros(2), [1, 1], np.ones((2, 1)), cut, np.array([0.5]))[0]
    many = fit_effects(np.zeros(30), [1] * 30, np.ones((30, 1)), cut, np.array([0.5]))[0]
    assert many < few < 0
    p = ordinal_probs(np.array([5.0]), cut)[0]
    assert abs(p.sum() - 1) < 1e-9 and median_label(p) == 5
    assert median_label(np.array([0.3, 0.1, 0.05, 0.05, 0.5])) == 4


def test_the_shipped_prior_reads_stars_from_text(real_embedder: object) -> None:
    prior = load_prior()
    assert prior is not None and prior.model_id == real_embedder.model_id  # type: ignore[attr-defined]
    texts = [
        "Absolutely love this tuner. Accurate, bright display, works perfectly. Five stars.",
        "Cheap junk. It broke in a week and the seller would not refund me. Avoid.",
    ]
    emb = embed_mean(real_embedder, texts)  # type: ignore[arg-type]
    sig = np.array([text_signals(t) for t in texts])
    lat = prior.latent(prior.model_id, emb, sig)
    stars = ordinal_probs(lat, prior.full.cutpoints) @ np.arange(1, 6)
    assert stars[0] > 4.5 and stars[1] < 3.0
    # The heads of one domain each, shipped beside the pooled one, read the same way.
    assert set(prior.domains) == {"instruments", "beer"}
    for name, d in prior.domains.items():
        stars = ordinal_probs(prior.latent(prior.model_id, emb, sig, name), d.head.cutpoints) @ np.arange(1, 6)
        assert stars[0] > 4.0 and stars[1] < 3.0 and list(d.cuts) == sorted(d.cuts)
    assert prior.head_for("another-embedder", "beer") is prior.lexical  # they read the embedding
