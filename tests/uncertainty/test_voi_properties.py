"""EVPPI against closed forms and brute force; invariants of EVPI, EVPPI and icers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce import voi


def _e_pos(mu: float, sd: float) -> float:
    """E[max(0, Y)] for Y ~ N(mu, sd²): mu Φ(mu/sd) + sd φ(mu/sd)."""
    z = mu / sd
    return mu * 0.5 * (1 + math.erf(z / math.sqrt(2))) + sd * math.exp(-z * z / 2) / math.sqrt(
        2 * math.pi
    )


def test_evppi_linear_gaussian_closed_form():
    # NB_A = 0, NB_B = a + b x1 + c x2, x ~ N(0, 1) independent.
    # EVPPI(x1) = E[max(0, a + b x1)] − max(0, a); EVPI uses sd √(b² + c²).
    a, b, c, n = 20.0, 60.0, 40.0, 20_000
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, 2))
    nb = np.column_stack([np.zeros(n), a + b * x[:, 0] + c * x[:, 1]])
    expected_1 = _e_pos(a, b) - a
    expected_2 = _e_pos(a, c) - a
    assert voi.evppi(nb, x[:, 0]) == pytest.approx(expected_1, rel=0.06)
    assert voi.evppi(nb, x[:, 1]) == pytest.approx(expected_2, rel=0.08)
    assert voi.evppi(nb, x) == pytest.approx(_e_pos(a, math.hypot(b, c)) - a, rel=0.06)


def test_evppi_nonlinear_against_nested_monte_carlo():
    # NB_B − NB_A = x1² − 1.2 + 0.8 x2 with x1, x2 ~ N(0, 1): EVPPI(x1) by brute force —
    # outer draws of x1, inner average over x2 (exactly 0 in expectation, so the inner mean is
    # x1² − 1.2), versus regression on 20,000 joint draws.
    rng = np.random.default_rng(7)
    outer = rng.standard_normal(200_000)
    inner_mean = outer**2 - 1.2  # E[NB_B − NB_A | x1], the inner expectation in closed form
    brute = np.mean(np.maximum(inner_mean, 0)) - max(np.mean(inner_mean), 0)
    n = 20_000
    x = rng.standard_normal((n, 2))
    nb = np.column_stack([np.zeros(n), x[:, 0] ** 2 - 1.2 + 0.8 * x[:, 1]])
    assert voi.evppi(nb, x[:, 0]) == pytest.approx(brute, rel=0.05)
    # and a truly nested estimate (inner Monte Carlo too) agrees with the closed inner mean
    xo = rng.standard_normal(2000)
    xi = rng.standard_normal((2000, 2000))
    nested_inner = (xo[:, None] ** 2 - 1.2 + 0.8 * xi).mean(axis=1)
    nested = np.mean(np.maximum(nested_inner, 0)) - max(nested_inner.mean(), 0)
    assert nested == pytest.approx(brute, rel=0.1)


def _problem(seed: int, n: int = 3000) -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    coef = rng.uniform(-50, 50, (3, 3))
    nb = x @ coef + rng.uniform(-20, 20, 3) + 5 * rng.standard_normal((n, 3))
    return nb, pd.DataFrame(x, columns=["a", "b", "c"])


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_evppi_never_exceeds_evpi(seed):
    nb, x = _problem(seed)
    total = voi.evpi(nb)
    assert total >= 0
    for cols in (["a"], ["b"], ["a", "b"], ["a", "b", "c"]):
        assert voi.evppi(nb, x[cols]) <= total * 1.01 + 1e-9


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_evppi_superset_at_least_subset(seed):
    nb, x = _problem(seed)
    tol = 0.03 * voi.evpi(nb) + 1e-9  # estimation error of two separate regressions
    assert voi.evppi(nb, x[["a", "b"]]) >= voi.evppi(nb, x[["a"]]) - tol
    assert voi.evppi(nb, x[["a", "b", "c"]]) >= voi.evppi(nb, x[["a", "b"]]) - tol


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1e5), st.floats(0, 100)),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t,
    )
)
def test_icers_frontier_is_efficient(points):
    costs = [p[0] for p in points]
    effects = [p[1] for p in points]
    names = [f"s{k}" for k in range(len(points))]
    rows = voi.icers(costs, effects, names)
    assert sorted(r.option for r in rows) == sorted(names)
    front = [r for r in rows if r.status == "frontier"]
    assert front
    # costs and effects rise along the frontier, and so do the ICERs
    for p, q in itertools.pairwise(front):
        assert q.cost >= p.cost and q.effect > p.effect
    icers = [r.icer for r in front[1:]]
    assert all(b >= a - 1e-9 * abs(a) for a, b in itertools.pairwise(icers))
    # no frontier option is strongly dominated by any option
    for f in front:
        assert not any(
            c <= f.cost and e >= f.effect and (c < f.cost or e > f.effect)
            for c, e in zip(costs, effects, strict=True)
        )


def test_population_evpi_discounts_like_the_green_book():
    # 100 people a year for 3 years at 3.5%: 100 × (1 + 1/1.035 + 1/1.035²)
    assert voi.population_evpi(2.0, 100, 3) == pytest.approx(
        2.0 * 100 * (1 + 1 / 1.035 + 1 / 1.035**2)
    )
    assert voi.population_evpi(1.0, [10, 20], 2, rate=0.0) == 30


def test_registry_lists_every_method():
    assert set(voi.method_names()) >= {
        "evpi",
        "evppi",
        "icers",
        "ceac",
        "tornado",
        "population_evpi",
        "prob_best",
    }


def test_sobol_first_order_linear_model():
    # incremental NB = 3 x1 + 1 x2 (x ~ N(0, 1) independent): S1 = 9/10 and 1/10
    pytest.importorskip("SALib")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8000, 2))
    nb = np.column_stack([np.zeros(8000), 1 + 3 * x[:, 0] + x[:, 1]])
    s = voi.sobol_first_order(nb, pd.DataFrame(x, columns=["a", "b"]))
    assert s["a"] == pytest.approx(0.9, abs=0.04)
    assert s["b"] == pytest.approx(0.1, abs=0.04)
