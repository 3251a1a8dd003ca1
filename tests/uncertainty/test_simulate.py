"""Monte Carlo propagation on small maps worked by hand, and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import coproduce as cp
from coproduce.engine.draws import DrawsTable
from coproduce.engine.uncertain import EVIDENCE_CV, stream_block
from coproduce.model.validate import validate_data


def chain_model(**over) -> cp.Model:
    """x -> a -> o, with a valued at 100 (fiscal, council) and o the target."""
    data = {
        "coproduce": 1,
        "name": "chain",
        "price_year": 2024,
        "agencies": {"council": {"label": "Council"}},
        "resources": {
            "staff": {
                "unit": "hour",
                "sector": "public",
                "agency": "council",
                "unit_cost": {"dist": "gamma", "mean": 40, "sd": 4},
            },
            "vol": {
                "unit": "hour",
                "sector": "community",
                "unit_cost": {"dist": "uniform", "low": 10, "high": 14},
            },
        },
        "interventions": {
            "x": {
                "inputs": {
                    "staff": 2,
                    "vol": {"dist": "triangular", "low": 1, "mode": 3, "high": 5},
                },
                "fixed_inputs": {"staff": 100},
            },
            "y": {"inputs": {"staff": 5}},
        },
        "outcomes": {"a": {"value": {"fiscal": {"council": 100}}}, "o": {}},
        "links": [
            {"from": "x", "to": "a", "effect": {"dist": "normal", "mean": 0.5, "sd": 0.1}},
            {
                "from": "a",
                "to": "o",
                "effect": {"dist": "lognormal", "mean": 0.4, "sd": 0.1},
                "evidence": 2,
            },
            {"from": "y", "to": "o", "effect": 0.1, "evidence": 4},
        ],
    }
    data.update(over)
    return validate_data(data)


def test_chain_by_hand():
    m = chain_model()
    d = cp.simulate(m, target=("o", 10), draws=4000, seed=3)
    assert d.options == ("x", "y")
    # volumes at the mean solution: T̄[o, x] = 0.5 × 0.4 = 0.2 -> 50; T̄[o, y] = 0.1 -> 100
    assert d.meta["volumes"] == {"x": {"x": pytest.approx(50)}, "y": {"y": pytest.approx(100)}}
    e_xa = d.inputs["links[x->a].effect"].to_numpy()
    e_ao = d.inputs["links[a->o].effect"].to_numpy()
    staff = d.inputs["resources.staff.unit_cost"].to_numpy()
    vol = d.inputs["resources.vol.unit_cost"].to_numpy()
    vol_x = d.inputs["interventions.x.inputs.vol"].to_numpy()
    # x at volume 50: o = 50 e_xa e_ao; a = 50 e_xa valued 100 each;
    # cost = (2 × 50 + 100) staff + 50 vol_x × vol
    np.testing.assert_allclose(d.effect[:, 0], 50 * e_xa * e_ao, rtol=1e-12)
    np.testing.assert_allclose(d.extra["value_other"][:, 0], 100 * 50 * e_xa, rtol=1e-12)
    full = 200 * staff + 50 * vol_x * vol
    np.testing.assert_allclose(d.extra["cost_full"][:, 0], full, rtol=1e-12)
    np.testing.assert_allclose(d.extra["cost_public"][:, 0], 200 * staff, rtol=1e-12)
    np.testing.assert_allclose(d.cost[:, 0], full - 5000 * e_xa, rtol=1e-12)
    # y at volume 100: o = 10 exactly (fixed effect); cost 500 staff hours
    np.testing.assert_array_equal(d.effect[:, 1], np.full(4000, 10.0))
    np.testing.assert_allclose(d.cost[:, 1], 500 * staff, rtol=1e-12)


def test_marginals_follow_their_distributions():
    d = cp.simulate(chain_model(), target=("o", 10), draws=20_000, seed=5)
    ln = d.inputs["links[a->o].effect"]
    assert ln.mean() == pytest.approx(0.4, rel=0.01)
    assert ln.std() == pytest.approx(0.1, rel=0.03)
    tri = d.inputs["interventions.x.inputs.vol"]
    assert tri.mean() == pytest.approx(3.0, rel=0.01)  # (1 + 3 + 5) / 3
    assert stats.kstest(d.inputs["resources.vol.unit_cost"], "uniform", (10, 4)).pvalue > 1e-3


def test_correlation_by_gaussian_copula():
    m = chain_model(
        correlations=[{"between": ["links[x->a].effect", "resources.staff.unit_cost"], "rho": 0.6}]
    )
    d = cp.simulate(m, target=("o", 10), draws=20_000, seed=2)
    rho = stats.spearmanr(
        d.inputs["links[x->a].effect"], d.inputs["resources.staff.unit_cost"]
    ).statistic
    assert rho == pytest.approx(0.6, abs=0.02)
    # the marginal is still normal(0.5, 0.1) after the copula
    assert d.inputs["links[x->a].effect"].std() == pytest.approx(0.1, rel=0.03)


def test_evidence_priors():
    d = cp.simulate(chain_model(), target=("o", 10), draws=20_000, seed=4, evidence_priors=True)
    y = d.inputs["links[y->o].effect"]  # plain 0.1 with evidence grade 4: CV 0.2
    assert y.mean() == pytest.approx(0.1, rel=0.01)
    assert y.std() / y.mean() == pytest.approx(EVIDENCE_CV[4], rel=0.04)
    assert (y > 0).all()
    d2 = cp.simulate(
        chain_model(),
        target=("o", 10),
        draws=20_000,
        seed=4,
        evidence_priors=True,
        evidence_cv={1: 1, 2: 1, 3: 1, 4: 0.5, 5: 0.1},
    )
    y2 = d2.inputs["links[y->o].effect"]
    assert y2.std() / y2.mean() == pytest.approx(0.5, rel=0.05)


def test_spend_options_cost_the_same_public_money():
    d = cp.simulate(chain_model(), target=("o", 10), draws=5000, seed=1, mode="spend", spend=20_000)
    public = d.extra["cost_public"].mean(axis=0)
    # public cost is linear in the staff cost draw, whose mean is 40
    np.testing.assert_allclose(public, 20_000, rtol=0.01)
    assert d.meta["volumes"]["y"]["y"] == pytest.approx(20_000 / (5 * 40))
    assert d.meta["volumes"]["x"]["x"] == pytest.approx((20_000 - 4000) / 80)


def test_portfolios_from_scenarios():
    m = cp.load_model("example:older-people")
    d = cp.simulate(
        m,
        target=("independent_years", 40),
        draws=1024,
        seed=1,
        mode="scenarios",
        scenarios=["double_befriending"],
        beliefs=["telecare_upper_ci"],
    )
    assert d.options == ("baseline", "double_befriending")
    # doubling befriending adds cost
    cost = d.extra["cost_full"].mean(axis=0)
    assert cost[1] > cost[0]
    # the belief is a sensitivity analysis of the same options: same costs (it only changes
    # effects, and shares every other draw), more effect from the telecare in the baseline
    b = d.beliefs["telecare_upper_ci"]
    assert b.options == d.options
    np.testing.assert_array_equal(b.extra["cost_full"], d.extra["cost_full"])
    assert (b.effect.mean(axis=0) > d.effect.mean(axis=0)).all()


@settings(max_examples=8, deadline=None)
@given(chunk=st.integers(1, 5000), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_bits_whatever_the_chunk(chunk, seed):
    m = chain_model(
        correlations=[{"between": ["links[x->a].effect", "resources.vol.unit_cost"], "rho": -0.3}]
    )
    a = cp.simulate(m, target=("o", 10), draws=2100, seed=seed, chunk=chunk, evidence_priors=True)
    b = cp.simulate(m, target=("o", 10), draws=2100, seed=seed, chunk=2100, evidence_priors=True)
    assert np.array_equal(a.effect, b.effect) and np.array_equal(a.cost, b.cost)
    assert np.array_equal(a.inputs.to_numpy(), b.inputs.to_numpy())


def test_fewer_draws_are_a_prefix():
    m = chain_model()
    a = cp.simulate(m, target=("o", 10), draws=3000, seed=9)
    b = cp.simulate(m, target=("o", 10), draws=1500, seed=9)
    assert np.array_equal(a.effect[:1500], b.effect)


def test_stream_block_bounds_memory():
    assert stream_block(10) == 1024
    assert stream_block(100_000) * 100_000 <= 2**21 or stream_block(100_000) == 16


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_draws_round_trip(tmp_path, suffix):
    d = cp.simulate(chain_model(), target=("o", 10), draws=1500, seed=1)
    path = tmp_path / f"draws{suffix}"
    d.write(path)
    back = DrawsTable.read(path)
    assert back.options == d.options
    assert np.array_equal(back.effect, d.effect) and np.array_equal(back.cost, d.cost)
    assert list(back.inputs.columns) == list(d.inputs.columns)
    assert np.array_equal(back.inputs.to_numpy(), d.inputs.to_numpy())
    assert cp.voi.evpi(back.net_benefit(500)) == cp.voi.evpi(d.net_benefit(500))


@pytest.mark.parametrize(
    "dist, reference",
    [
        ({"dist": "normal", "mean": 1, "sd": 2}, stats.norm(1, 2)),
        (
            {"dist": "lognormal", "mean": 2, "sd": 1},
            stats.lognorm(np.sqrt(np.log(1.25)), scale=2 / np.sqrt(1.25)),
        ),
        ({"dist": "triangular", "low": 1, "mode": 2, "high": 5}, stats.triang(0.25, 1, 4)),
        ({"dist": "pert", "low": 0, "mode": 1, "high": 4}, stats.beta(2, 4, 0, 4)),
        ({"dist": "uniform", "low": 1, "high": 3}, stats.uniform(1, 2)),
        ({"dist": "beta", "alpha": 2, "beta": 3}, stats.beta(2, 3)),
        ({"dist": "gamma", "mean": 4, "sd": 2}, stats.gamma(4, scale=1)),
    ],
)
def test_quantile_functions_match_scipy_stats(dist, reference):
    # lognormal(mean 2, sd 1): σ² = ln(1 + 1/4), median = 2 / √1.25; pert(0, 1, 4): beta(1 +
    # 4·1/4, 1 + 4·3/4) = beta(2, 4) on [0, 4]; gamma(mean 4, sd 2): shape 4, scale 1
    from coproduce.model.distributions import parse_quantity
    from coproduce.sampling import ppf

    u = np.linspace(0.001, 0.999, 99)
    np.testing.assert_allclose(
        ppf(parse_quantity(dist), u), reference.ppf(u), rtol=1e-9, atol=1e-12
    )
