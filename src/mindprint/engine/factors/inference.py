"""Small-sample inference for factor statistics: Student's t and Benjamini-Hochberg. Pure.

A factor's effect is measured on a handful of a person's items, so its interval must be
a t interval (at n = 2 the 97.5% point is 12.7, not 1.96), and a person has some twenty
factors, so "clear" must be controlled for how many were tested. numpy has neither and
the engine ships no scipy: the t distribution is computed here from the regularised
incomplete beta function (Lentz's continued fraction, as in Numerical Recipes), checked
against published tables in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

_EPS = 1e-14
_TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                    -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + num / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom (df may be fractional)."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def two_sided_p(estimate: float, se: float, df: float) -> float:
    """The two-sided p-value of ``estimate`` against 0 (1 when there is no spread)."""
    if se <= 0.0 or not math.isfinite(se):
        return 1.0
    return min(1.0, 2.0 * t_sf(abs(estimate) / se, df))


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t (bisection on :func:`t_sf`: a few dozen steps)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a quantile needs 0 < p < 1, got {p}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > 1.0 - p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_sf(mid, df) > 1.0 - p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    return (lo + hi) / 2.0


def benjamini_hochberg(p_values: Mapping[str, float], q: float) -> set[str]:
    """The keys whose null is rejected at false discovery rate ``q`` (step-up procedure)."""
    ranked = sorted(p_values.items(), key=lambda kv: (kv[1], kv[0]))
    m = len(ranked)
    cutoff = 0
    for rank, (_, p) in enumerate(ranked, start=1):
        if p <= q * rank / m:
            cutoff = rank
    return {key for key, _ in ranked[:cutoff]}
