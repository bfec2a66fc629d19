"""The shipped rating prior: how review text maps to 1-5 stars for anyone, and its ordinal model.

Why a population prior: most users have a handful of rated items (the shared Amazon
data: median 5), far too few to learn how *their* words map to stars. So the text's
general signal comes from a small linear head fitted once on the rated *histories*
(never the held-out answers) of the shared review sets' dev users (``scripts/fit_rating_prior.py``
refits it; ``data/rating_prior.json`` records what it was fitted on):

    P(stars <= k) = sigmoid(cut_k - head(text))                 (ordered logit)

Beside the pooled head it ships one head per domain it was fitted on (``domains``: each
fitted on that domain's histories alone); a lone person's own history chooses among them
(``deployment``). In the app it is the population a 1-5 star user's predictions depart from
(``population.PriorPopulation``: its expected stars; the departure model does the rest)
and the reading that orders items by tone for retrieval. The ordinal model's user
intercept (``fit_effects``: a MAP estimate under a normal prior of variance
``user_var``) and its median answer serve the fit of the prior and the harness's
``population_prior_offset`` baseline.

The head reads two things: the text's sentence-mean embedding (each sentence embedded
alone, then averaged: long reviews are not truncated and a single complaint is not
drowned by the 256-token mean) and eight lexicon signals (VADER). With a different
embedder (e.g. the test fake) only the lexicon part is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]

PRIOR_FILE = Path(__file__).parent / "data" / "rating_prior.json"


@dataclass(frozen=True, slots=True)
class Head:
    """A linear head on (optional embedding, standardised signals) -> ordinal latent."""

    w_emb: Arr | None
    w_sig: Arr
    intercept: float
    cutpoints: Arr  # 4 increasing thresholds on the latent scale
    user_var: float  # prior variance of the user intercept

    def latent(self, emb: Arr | None, sig_z: Arr) -> Arr:
        """Latent scores for rows of standardised signals (and embeddings if used)."""
        z = sig_z @ self.w_sig + self.intercept
        if self.w_emb is not None and emb is not None:
            z = z + emb @ self.w_emb
        return np.asarray(z, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class DomainHead:
    """A head fitted on one domain's reviews alone (e.g. beer), shipped beside the pooled
    one: a lone person's own history chooses among them (``deployment.candidates``)."""

    head: Head
    cuts: tuple[float, ...]  # its thresholds on the expected stars (out of fold)
    label: str  # what it was fitted on, as a person reads it ("beer reviews")


@dataclass(frozen=True, slots=True)
class RatingPrior:
    model_id: str  # the embedder the embedding head belongs to
    sig_mean: Arr
    sig_std: Arr
    full: Head  # embedding + signals
    lexical: Head  # signals only (any embedder)
    meta: dict[str, Any]
    # Thresholds on the expected stars that give the least absolute error (fitted out of
    # fold on the training reviews); None in a prior fitted before they were.
    cuts: tuple[float, ...] | None = None
    # Heads of one domain each, by name; they read the embedding, so only its embedder's.
    domains: Mapping[str, DomainHead] = field(default_factory=dict)

    def head_for(self, model_id: str, domain: str | None = None) -> Head:
        if model_id != self.model_id:
            return self.lexical
        return self.full if domain is None else self.domains[domain].head

    def latent(self, model_id: str, emb: npt.ArrayLike | None, signals: npt.ArrayLike,
               domain: str | None = None) -> Arr:
        """Latent text score of each row (``signals``: raw :func:`text_signals` rows), by
        the pooled head or the ``domain`` one."""
        sig = np.asarray(signals, dtype=np.float64)
        if sig.size == 0:
            # No texts (an imported user not built yet): no latents, rather than a
            # (1, 0) row that cannot meet the signal weights.
            return np.zeros(0, dtype=np.float64)
        sig = np.atleast_2d(sig)
        z = (sig - self.sig_mean) / self.sig_std
        head = self.head_for(model_id, domain)
        e = None if emb is None else np.atleast_2d(np.asarray(emb, dtype=np.float64))
        return head.latent(e, z)


def _head(d: dict[str, Any]) -> Head:
    w_emb = d.get("w_emb")
    return Head(
        w_emb=None if w_emb is None else np.asarray(w_emb, dtype=np.float64),
        w_sig=np.asarray(d["w_sig"], dtype=np.float64),
        intercept=float(d["intercept"]),
        cutpoints=np.asarray(d["cutpoints"], dtype=np.float64),
        user_var=float(d["user_var"]),
    )


def prior_from_json(data: dict[str, Any]) -> RatingPrior:
    return RatingPrior(
        model_id=str(data["model_id"]),
        sig_mean=np.asarray(data["sig_mean"], dtype=np.float64),
        sig_std=np.asarray(data["sig_std"], dtype=np.float64),
        full=_head(data["full"]),
        lexical=_head(data["lexical"]),
        meta=dict(data.get("meta", {})),
        cuts=tuple(float(c) for c in data["cuts"]) if data.get("cuts") else None,
        domains={name: DomainHead(_head(d), tuple(float(c) for c in d["cuts"]), str(d["label"]))
                 for name, d in data.get("domains", {}).items()},
    )


@lru_cache(maxsize=1)
def load_prior(path: str = str(PRIOR_FILE)) -> RatingPrior | None:
    """The shipped prior, or None if the file is missing (then a generic model is used)."""
    p = Path(path)
    if not p.is_file():
        return None
    return prior_from_json(json.loads(p.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ ordinal model


def _sigmoid(x: Arr) -> Arr:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -35.0, 35.0))), dtype=np.float64)


def ordinal_probs(latent: npt.ArrayLike, cutpoints: Arr) -> Arr:
    """P(y = 1..K) for each latent value under the ordered logit."""
    lat = np.atleast_1d(np.asarray(latent, dtype=np.float64))
    c = _sigmoid(cutpoints[None, :] - lat[:, None])
    ones = np.ones((len(lat), 1))
    cum = np.hstack([np.zeros_like(ones), c, ones])
    return np.clip(np.diff(cum, axis=1), 1e-12, 1.0)


def _loglik_grad_hess(
    latent: Arr, y: np.ndarray, cutpoints: Arr
) -> tuple[Arr, Arr, Arr]:
    """Per-item log-likelihood and its first/second derivative w.r.t. the latent."""
    lo = np.concatenate([[-np.inf], cutpoints])[y - 1] - latent
    hi = np.concatenate([cutpoints, [np.inf]])[y - 1] - latent
    s_hi, s_lo = _sigmoid(hi), _sigmoid(lo)
    p = np.clip(s_hi - s_lo, 1e-12, 1.0)
    d_hi, d_lo = s_hi * (1 - s_hi), s_lo * (1 - s_lo)
    # d p / d latent = -(d_hi - d_lo); second derivative of the sigmoid: s(1-s)(1-2s).
    dp = -(d_hi - d_lo)
    d2p = d_hi * (1 - 2 * s_hi) - d_lo * (1 - 2 * s_lo)
    g = dp / p
    h = d2p / p - g * g
    return np.log(p), g, h


def fit_effects(
    latent: npt.ArrayLike,
    y: Sequence[int] | npt.NDArray[np.int64],
    membership: npt.ArrayLike,
    cutpoints: Arr,
    variances: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    iters: int = 25,
) -> Arr:
    """MAP of additive effects: ``latent_i + membership_i . effects``, normal priors.

    ``membership`` is (n_items, n_effects) 0/1 (column 0 is usually the user intercept,
    all ones). Newton's method; the log-posterior is concave, so it converges fast.
    """
    yy = np.asarray(y, dtype=np.int64)
    lat = np.asarray(latent, dtype=np.float64)
    m = np.asarray(membership, dtype=np.float64)
    k = m.shape[1]
    beta = np.zeros(k)
    w = np.ones(len(yy)) if weights is None else np.asarray(weights, dtype=np.float64)
    inv_var = 1.0 / np.asarray(variances, dtype=np.float64)
    for _ in range(iters):
        _, g, h = _loglik_grad_hess(lat + m @ beta, yy, cutpoints)
        grad = m.T @ (w * g) - inv_var * beta
        hess = (m * (w * h)[:, None]).T @ m - np.diag(inv_var)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        beta = beta - step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return beta


def median_label(probs: Arr) -> int:
    """The integer minimising expected absolute error: the distribution's median."""
    return int(np.argmax(np.cumsum(probs) >= 0.5)) + 1

