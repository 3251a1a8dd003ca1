"""coproduce.sampling: draws match the analytic moments of each parameterisation."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.model.distributions import (
    Beta,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from coproduce.sampling import analytic_moments, sample

N = 200_000

CASES = [
    Normal(mean=10, sd=2),
    LogNormal(mean=12.2, sd=3.0),
    Triangular(low=10.4, mode=12.2, high=15.0),
    Pert(low=0.0, mode=2.0, high=10.0),
    Uniform(low=-1.0, high=3.0),
    Beta(alpha=2.0, beta=5.0),
    Gamma(mean=4.0, sd=2.0),
]


def _hand_moments(q) -> tuple[float, float]:
    """Closed forms written out independently of coproduce.sampling.analytic_moments."""
    if isinstance(q, Normal):
        return 10.0, 4.0
    if isinstance(q, LogNormal):  # mean and sd given on the natural scale
        return 12.2, 9.0
    if isinstance(q, Triangular):  # (a+b+c)/3 and (a²+b²+c²-ab-ac-bc)/18
        a, c, b = 10.4, 12.2, 15.0
        return (a + b + c) / 3, (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    if isinstance(q, Pert):  # alpha = 1 + 4(2-0)/10 = 1.8, beta = 1 + 4(10-2)/10 = 4.2
        al, be = 1.8, 4.2
        return (0 + 4 * 2 + 10) / 6, 100 * al * be / ((al + be) ** 2 * (al + be + 1))
    if isinstance(q, Uniform):
        return 1.0, 16 / 12
    if isinstance(q, Beta):
        return 2 / 7, 10 / (49 * 8)
    if isinstance(q, Gamma):
        return 4.0, 4.0
    raise AssertionError


@pytest.mark.parametrize("q", CASES, ids=lambda q: q.dist)
def test_sample_moments_within_standard_error(q):
    rng = np.random.default_rng(20240601)
    x = sample(q, rng, N)
    mean, var = _hand_moments(q)
    assert analytic_moments(q) == pytest.approx((mean, var), rel=1e-12)
    # 5 standard errors: the mean's SE is sqrt(var/N); the variance's SE is about
    # var * sqrt(2/(N-1)) for light tails, widened for the skewed ones via the sample kurtosis.
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / N)
    m4 = np.mean((x - x.mean()) ** 4)
    se_var = math.sqrt(max(m4 - var**2, 0) / N)
    assert abs(x.var(ddof=1) - var) < 5 * se_var
    lo, hi = q.support
    assert x.min() >= lo and x.max() <= hi


def test_plain_numbers_and_fixed_are_constant_and_draw_nothing():
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert np.array_equal(sample(3.5, rng, 4), np.full(4, 3.5))
    assert np.array_equal(sample(Fixed(value=2), rng, 3), np.full(3, 2.0))
    assert rng.bit_generator.state == state


def test_zero_spread_gives_the_value():
    rng = np.random.default_rng(1)
    assert np.all(sample(Normal(mean=5, sd=0), rng, 10) == 5)
    assert np.all(sample(LogNormal(mean=5, sd=0), rng, 10) == 5)


def test_same_seed_same_draws_bit_for_bit():
    q = Pert(low=1, mode=2, high=9)
    a = sample(q, np.random.default_rng(7), 1000)
    b = sample(q, np.random.default_rng(7), 1000)
    assert a.tobytes() == b.tobytes()


def test_speed_close_to_raw_numpy():
    """Our overhead on top of numpy's own draw is small (measured, loose bound)."""
    q = LogNormal(mean=12.2, sd=3.0)
    mu, sigma = q.log_params()
    n = 2_000_000
    t0 = time.perf_counter()
    np.random.default_rng(1).lognormal(mu, sigma, n)
    raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    sample(q, np.random.default_rng(1), n)
    ours = time.perf_counter() - t0
    assert ours < 3 * raw + 0.01


@settings(max_examples=40, deadline=None)
@given(low=st.floats(-100, 100), width=st.floats(0.01, 100), frac=st.floats(0, 1))
def test_three_point_draws_stay_in_range(low, width, frac):
    high = low + width
    mode = low + frac * width
    for q in (Triangular(low=low, mode=mode, high=high), Pert(low=low, mode=mode, high=high)):
        x = sample(q, np.random.default_rng(3), 500)
        assert x.min() >= low and x.max() <= high
