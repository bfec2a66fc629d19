"""Fit the population rating prior shipped in ``engine/predict/data/rating_prior.json``.

The shipped general model of review text -> 1-5 stars, trained across domains: the rated
*histories* (profiles) of the ``dev`` split's users of the shared review sets (Amazon
musical instruments and RateBeer beers). No question review, no gold rating and no user
of the ``test`` split (nor the third the data's owners hold back) is read, so the
deployment-mode numbers on ``test`` are of people the model never saw. Run from the
repository root:

    .venv/bin/python scripts/fit_rating_prior.py --data ../shared/data

What is fitted (see ``mindprint.engine.predict.rating``):
1. a ridge head (stars ~ sentence-mean embedding + 8 lexicon signals), and a
   lexicon-only head for other embedders;
2. the ordered-logit cut points and scale, on 5-fold *out-of-fold* head scores (folds
   by user), so the predictive spread is that of unseen text, not of training text;
3. the prior variance of the user intercept, by leave-one-out predictive likelihood
   on the profiles (each profile item predicted from the user's other items);
4. the same embedding head (with its own thresholds) on each domain's histories alone,
   shipped beside the pooled one (``domains``), for a lone server to choose among.

``--leave-out FOLD FOLDS`` fits without the dev users of one fold (a stable hash of the
user id), so that deployment mode can be measured on dev people the prior never read
(cross-fitting; benchmarks/README.md). ``--balanced`` weighs each domain equally in the
pooled head (tried; not shipped).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mindprint.engine.features.extract import SIGNAL_NAMES, text_signals
from mindprint.engine.pipeline import embed_mean
from mindprint.engine.predict.population import fit_cuts
from mindprint.engine.predict.rating import PRIOR_FILE, fit_effects, ordinal_probs
from mindprint.engine.protocols import Embedder
from mindprint.eval.cases import split_of
from mindprint.eval.datasets import default_data_root

RIDGE_FULL = 2.0
RIDGE_LEXICAL = 100.0
SIGNAL_SCALE = 0.1  # signals enter the full head scaled down: a stronger penalty on them
FOLDS = 5
USER_VARS = (0.25, 0.5, 1.0, 2.0)
# The review sets it is trained on (folders under the shared data root), dev users only,
# and the name and words of each one's own head (shipped beside the pooled one).
DOMAINS = {"amazon_rating/musical_instruments": ("instruments", "instrument reviews"),
           "aspects/ratebeer": ("beer", "beer reviews")}


def ridge(x: np.ndarray, y: np.ndarray, lam: float,
          wt: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Ridge with an unpenalised intercept (dual form: n may exceed d or not); ``wt``:
    a weight per row (None: all 1)."""
    wt = np.ones(len(y)) if wt is None else wt
    xm = wt @ x / wt.sum()
    ym = float(wt @ y / wt.sum())
    sw = np.sqrt(wt)
    xc = (x - xm) * sw[:, None]
    yc = (y - ym) * sw
    if xc.shape[0] <= xc.shape[1]:
        a = np.linalg.solve(xc @ xc.T + lam * np.eye(len(y)), yc)
        w = xc.T @ a
    else:
        w = np.linalg.solve(xc.T @ xc + lam * np.eye(xc.shape[1]), xc.T @ yc)
    return w, ym - float(xm @ w)


def fit_cutpoints(z: np.ndarray, y: np.ndarray, wt: np.ndarray) -> tuple[np.ndarray, float]:
    """Ordered-logit cut points and scale for a fixed score (coordinate search)."""
    params = np.array([1.5, 2.5, 3.5, 4.5, np.log(0.5)])

    def nll(p: np.ndarray) -> float:
        tau = float(np.exp(p[4]))
        probs = ordinal_probs(z / tau, np.sort(p[:4]) / tau)
        return float(-(wt @ np.log(probs[np.arange(len(y)), y - 1])) / wt.sum())

    step, cur = 0.2, nll(params)
    while step > 1e-4:
        improved = False
        for i in range(5):
            for s in (step, -step):
                q = params.copy()
                q[i] += s
                v = nll(q)
                if v < cur:
                    cur, params, improved = v, q, True
        if not improved:
            step /= 2
    return np.sort(params[:4]), float(np.exp(params[4]))


def loo_loglik(z: np.ndarray, y: np.ndarray, users: np.ndarray, cut: np.ndarray, var: float) -> float:
    total = 0.0
    for u in np.unique(users):
        idx = np.where(users == u)[0]
        for j in idx:
            rest = idx[idx != j]
            b = fit_effects(z[rest], y[rest], np.ones((len(rest), 1)), cut, np.array([var]))[0]
            total += float(np.log(ordinal_probs(np.array([z[j] + b]), cut)[0, y[j] - 1]))
    return total / len(y)


def fit_head(
    x: np.ndarray, y: np.ndarray, users: np.ndarray, lam: float, wt: np.ndarray | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Head weights (all data), cut points on out-of-fold scores, user variance by LOO;
    the info holds the out-of-fold expected stars' thresholds of least absolute error.
    ``wt``: a weight per row (None: all 1)."""
    wt = np.ones(len(y)) if wt is None else wt
    fold = users % FOLDS
    oof = np.zeros(len(y))
    for f in range(FOLDS):
        tr = fold != f
        w, b = ridge(x[tr], y[tr], lam, wt[tr])
        oof[~tr] = x[~tr] @ w + b
    cut, tau = fit_cutpoints(oof, y.astype(int), wt)
    w, b = ridge(x, y, lam, wt)
    z_oof = oof / tau
    cut_l = cut / tau
    scores = {v: loo_loglik(z_oof, y.astype(int), users, cut_l, v) for v in USER_VARS}
    user_var = max(scores, key=lambda v: scores[v])
    head = {
        "w": (w / tau).tolist(),
        "intercept": b / tau,
        "cutpoints": cut_l.tolist(),
        "user_var": user_var,
    }
    oof_round = np.clip(np.floor(oof + 0.5), 1, 5)
    expected = ordinal_probs(z_oof, cut_l) @ np.arange(1, 6)
    info: dict[str, Any] = {
        "cuts": list(fit_cuts(expected, y, 1.0, 5.0)),
        "oof_mae_rounded": round(float(np.mean(np.abs(oof_round - y))), 4),
        "oof_corr": round(float(np.corrcoef(oof, y)[0, 1]), 4),
        "tau": round(tau, 4),
        **{f"loo_loglik_var_{v}": round(s, 4) for v, s in scores.items()},
    }
    return head, info


def fold_of(user: str, folds: int) -> int:
    """A stable fold of a user id (for cross-fitting: a prior fitted without a fold's
    users is measured on them)."""
    return hashlib.sha256(f"mindprint-prior-fold\x00{user}".encode()).digest()[0] % folds


def histories(data: Path, leave_out: tuple[int, int] | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The texts, stars, user number and domain number of every dev user's rated history
    (``leave_out``: (fold, folds) whose users are not read)."""
    from mindprint.eval.datasets import load_examples

    texts: list[str] = []
    rows: list[tuple[float, int, int]] = []
    u = 0
    for k, domain in enumerate(DOMAINS):
        for ex in load_examples("rating", data / domain):
            if split_of(ex.split_by) != "dev" or (
                    leave_out is not None and fold_of(ex.split_by, leave_out[1]) == leave_out[0]):
                continue
            u += 1
            for p in ex.profile:  # histories only: the question and its gold are never read
                if p.score is not None:
                    texts.append(p.input)
                    rows.append((p.score, u, k))
    y, uid, dom = (np.asarray(c) for c in zip(*rows, strict=True))
    return texts, y.astype(np.float64), uid.astype(np.int64), dom.astype(np.int64)


def embedding_head(emb: np.ndarray, sig_z: np.ndarray, y: np.ndarray, uid: np.ndarray,
                   wt: np.ndarray | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The head on (embedding, scaled-down signals), its weights split back in two."""
    d = emb.shape[1]
    head, info = fit_head(np.hstack([emb, SIGNAL_SCALE * sig_z]), y, uid, RIDGE_FULL, wt)
    w = np.asarray(head.pop("w"))
    head["w_emb"] = w[:d].tolist()
    head["w_sig"] = (SIGNAL_SCALE * w[d:]).tolist()
    return head, info


def domain_weights(dom: np.ndarray) -> np.ndarray:
    """Each domain the same total weight (mean weight 1)."""
    counts = np.bincount(dom).astype(np.float64)
    return np.asarray(len(dom) / (len(counts) * counts[dom]), dtype=np.float64)


def main(argv: Sequence[str] | None = None, embedder: Embedder | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data_root())
    ap.add_argument("--out", type=Path, default=PRIOR_FILE)
    ap.add_argument("--leave-out", type=int, nargs=2, metavar=("FOLD", "FOLDS"),
                    help="cross-fitting: leave out the dev users of this fold (of FOLDS)")
    ap.add_argument("--balanced", action="store_true", help="each domain the same weight in the pooled head")
    args = ap.parse_args(argv)
    if embedder is None:
        from mindprint.embed import FastEmbedEmbedder
        from mindprint.eval.vector_cache import DiskCachedEmbedder, default_dir
        from mindprint.settings import EmbeddingSettings

        # The evaluation's text cache: the same texts, embedded once for both.
        embedder = DiskCachedEmbedder(FastEmbedEmbedder(EmbeddingSettings().resolved_model_dir), default_dir())
    texts, y, uid, dom = histories(args.data, tuple(args.leave_out) if args.leave_out else None)
    sig = np.asarray([text_signals(t) for t in texts])
    sig_mean, sig_std = sig.mean(axis=0), sig.std(axis=0) + 1e-9
    sig_z = (sig - sig_mean) / sig_std
    emb = embed_mean(embedder, texts).astype(np.float64)
    full, full_info = embedding_head(emb, sig_z, y, uid, domain_weights(dom) if args.balanced else None)
    lexical, lex_info = fit_head(sig_z, y, uid, RIDGE_LEXICAL)
    lex_info.pop("cuts")
    lexical["w_sig"] = lexical.pop("w")
    domains: dict[str, Any] = {}
    for k, (name, label) in enumerate(DOMAINS.values()):
        m = dom == k
        head, info = embedding_head(emb[m], sig_z[m], y[m], uid[m])
        domains[name] = {**head, "cuts": info.pop("cuts"), "label": label}
        full_info[f"{name}_head"] = info
    out = {
        "model_id": embedder.model_id,
        "cuts": full_info.pop("cuts"),
        "signals": list(SIGNAL_NAMES),
        "sig_mean": sig_mean.tolist(),
        "sig_std": sig_std.tolist(),
        "full": full,
        "lexical": lexical,
        "domains": domains,
        "meta": {
            "fitted_on": "profiles (history reviews with stars) of the dev split's users of "
            "the shared review sets; no question review, no gold, no test-split user",
            "data": ", ".join(DOMAINS) + " (under the shared data root), split dev"
            + (f", leaving out fold {args.leave_out[0]} of {args.leave_out[1]}" if args.leave_out else ""),
            "items": len(y),
            "users": len(np.unique(uid)),
            "balanced": bool(args.balanced),
            "ridge_full": RIDGE_FULL,
            "ridge_lexical": RIDGE_LEXICAL,
            "signal_scale": SIGNAL_SCALE,
            "full_fit": full_info,
            "lexical_fit": lex_info,
            "fitted_at": datetime.now(timezone.utc).date().isoformat(),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(_round(out)) + "\n", encoding="utf-8")
    print(json.dumps(out["meta"], indent=1), file=sys.stderr)
    return 0


def _round(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 6)
    if isinstance(x, list):
        return [_round(v) for v in x]
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    return x



if __name__ == "__main__":
    raise SystemExit(main())
