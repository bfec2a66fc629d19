"""Student's t and Benjamini-Hochberg against published values and hand computation."""

from __future__ import annotations

import pytest

from mindprint.engine.factors.inference import benjamini_hochberg, t_quantile, t_sf, two_sided_p

# The 97.5% points of Student's t (any statistics table).
T975 = {1: 12.7062, 2: 4.3027, 3: 3.1824, 5: 2.5706, 10: 2.2281, 30: 2.0423, 120: 1.9799}


@pytest.mark.parametrize(("df", "expected"), sorted(T975.items()))
def test_t_quantiles_match_the_table(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)
    assert t_quantile(0.025, df) == pytest.approx(-expected, abs=1e-4)


def test_tail_probabilities_match_closed_forms() -> None:
    # df = 1 is the Cauchy distribution: P(T > t) = 1/2 - atan(t)/pi.
    import math

    for t in (0.3, 1.0, 4.0):
        assert t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, abs=1e-10)
    # df = 2: P(T > t) = (1 - t / sqrt(2 + t^2)) / 2.
    for t in (-1.5, 0.7, 3.0):
        assert t_sf(t, 2) == pytest.approx((1 - t / math.sqrt(2 + t * t)) / 2, abs=1e-10)
    assert two_sided_p(2.2281, 1.0, 10) == pytest.approx(0.05, abs=1e-4)
    assert two_sided_p(1.0, 0.0, 10) == 1.0  # no spread measured: nothing to claim


def test_benjamini_hochberg_steps_up() -> None:
    # Sorted p: .001 .008 .039 .041 .042 .06 .074 .205; q = .05, m = 8: thresholds
    # .00625 .0125 .01875 .025 .03125 .0375 .04375 .05 -> the largest k with p_k <= t_k is 2.
    ps = {"a": 0.001, "b": 0.008, "c": 0.039, "d": 0.041, "e": 0.042, "f": 0.06, "g": 0.074, "h": 0.205}
    assert benjamini_hochberg(ps, 0.05) == {"a", "b"}
    # Step-up: a later p under its threshold rescues the ones before it.
    assert benjamini_hochberg({"a": 0.04, "b": 0.045}, 0.05) == {"a", "b"}
    assert benjamini_hochberg({"a": 0.3}, 0.05) == set()
    assert benjamini_hochberg({}, 0.05) == set()
