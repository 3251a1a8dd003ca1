"""Hand-solvable linear programmes: volumes, costs and shadow prices exact, and checked by a
second method (brute-force vertex enumeration) and by finite differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import coproduce as cp
from coproduce.model import load_model

from .models import base, edit


def vertices_min(c, A, b):
    """Brute force: min c·x over {A x ≤ b, x ≥ 0} by visiting every vertex (n active rows)."""
    A = np.vstack([A, -np.eye(len(c))])
    b = np.concatenate([b, np.zeros(len(c))])
    best = np.inf
    for rows in itertools.combinations(range(len(b)), len(c)):
        M = A[list(rows)]
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        x = np.linalg.solve(M, b[list(rows)])
        if np.all(A @ x <= b + 1e-9):
            best = min(best, float(c @ x))
    return best


def test_least_public_cost_by_hand():
    # y >= 100. Per y: a costs £20 public, b £10 public but b <= 100 (volunteer hours).
    # Vertex: b = 100 (50 y), a = 50 (50 y). Public cost 50*20 + 100*5 = £1,500.
    # Full cost adds 100 volunteer hours at £12 = £1,200 -> £2,700.
    # Duals: one more y comes from a at £20; one more volunteer hour moves 1 unit of b in
    # (0.5 y, +£5) and 0.5 units of a out (-£10): saves £5.
    p = cp.plan(load_model(base()), targets={"y": 100}, objective="public")
    assert p.status == "optimal"
    assert p.volumes == pytest.approx({"a": 50.0, "b": 100.0})
    assert p.cost["public"] == pytest.approx(1500.0)
    assert p.cost["full"] == pytest.approx(2700.0)
    assert p.cost["by_sector"]["community"] == pytest.approx(1200.0)
    assert p.outcomes["y"] == pytest.approx(100.0)
    assert p.shadow_prices["targets"]["y"] == pytest.approx(20.0)
    assert p.shadow_prices["resources"]["vol"] == pytest.approx(5.0)
    assert set(p.binding) == {"y", "vol"}
    assert not p.mixed_integer
    assert any(
        "one more hour of vol would save £5.00 of public money" in w.lower() for w in p.explanations
    )
    # second method: vertices of  min 20a + 5b  s.t. -(a + 0.5b) <= -100, b <= 100
    assert vertices_min(
        np.array([20.0, 5.0]), np.array([[-1, -0.5], [0, 1.0]]), np.array([-100.0, 100.0])
    ) == pytest.approx(p.cost["public"])


def test_least_full_cost_by_hand():
    # Full cost per y: a £20, b (£5 + £12)/0.5 = £34: all from a, a = 100, £2,000;
    # volunteer hours unused, so their shadow price is 0.
    p = cp.plan(load_model(base()), targets={"y": 100}, objective="full")
    assert p.volumes == pytest.approx({"a": 100.0, "b": 0.0})
    assert p.cost["full"] == pytest.approx(2000.0)
    assert p.shadow_prices["targets"]["y"] == pytest.approx(20.0)
    assert p.shadow_prices["resources"]["vol"] == pytest.approx(0.0)
    assert "vol" not in p.binding


@pytest.mark.parametrize("target,vol", [(100, 100), (160, 60), (80, 300)])
def test_duals_match_finite_differences(target, vol):
    m = load_model(base(target, vol))
    p = cp.plan(m, targets={"y": target})
    up = cp.plan(load_model(base(target + 1, vol)), targets={"y": target + 1})
    more = cp.plan(load_model(base(target, vol + 1)), targets={"y": target})
    assert up.cost["public"] - p.cost["public"] == pytest.approx(
        p.shadow_prices["targets"]["y"], abs=1e-6
    )
    assert p.cost["public"] - more.cost["public"] == pytest.approx(
        p.shadow_prices["resources"]["vol"], abs=1e-6
    )


def test_capacity_and_min_volume_by_hand():
    # 200 volunteer hours; a has capacity 40 and must run at least 10.
    # b is cheaper per y (£10 vs £20), so the plan uses a only at its minimum: a = 10 (10 y,
    # £200), b = 180 (90 y, £900): £1,100; 180 hours < 200, so vol does not bind.
    # Minimum-volume shadow price: one more unit of a costs £20 and saves 2 units of b (£10):
    # £10. a's capacity (40) does not bind: shadow price 0.
    data = edit(base(100, 200), interventions__a__capacity=40, interventions__a__min_volume=10)
    p = cp.plan(load_model(data))
    assert p.volumes == pytest.approx({"a": 10.0, "b": 180.0})
    assert p.cost["public"] == pytest.approx(1100.0)
    assert p.shadow_prices["min_volumes"]["a"] == pytest.approx(10.0)
    assert p.shadow_prices["capacities"]["a"] == pytest.approx(0.0)
    assert "a.min_volume" in p.binding and "a.capacity" not in p.binding


def test_most_value_within_budget_by_hand():
    # Value £30 per y, public budget £1,000. Value per £: b 0.1 y/£ = 3, a 0.05 y/£ = 1.5.
    # b to its limit: 100 units, £500, 50 y. a with the other £500: 25 units, 25 y.
    # y = 75, value £2,250. Budget shadow price: £1 more buys 1/20 y of a = £1.50.
    # One more volunteer hour: +1 b (+0.5 y, £5), -0.25 a (-0.25 y): +0.25 y = £7.50.
    p = cp.plan(load_model(base()), budget=1000, values={"y": 30})
    assert p.mode == "most_value"
    assert p.volumes == pytest.approx({"a": 25.0, "b": 100.0})
    assert p.objective_value == pytest.approx(2250.0)
    assert p.shadow_prices["budgets"]["public"] == pytest.approx(1.5)
    assert p.shadow_prices["resources"]["vol"] == pytest.approx(7.5)
    more = cp.plan(load_model(base()), budget=1001, values={"y": 30})
    assert more.objective_value - p.objective_value == pytest.approx(1.5)


def test_frontier_by_hand():
    # Value £30 per y, b capacity 100 via vol, a capacity 100: spend beyond which nothing more
    # is worth buying = 100 b (£500) + 100 a (£2,000) = £2,500; value then (50 + 100) * 30.
    data = edit(base(), interventions__a__capacity=100)
    p = cp.plan(load_model(data), budget=2500, values={"y": 30}, frontier=6)
    budgets = [f.budget for f in p.frontier]
    assert budgets == pytest.approx([0, 500, 1000, 1500, 2000, 2500])
    # at B <= 500 only b: 0.1 y per £; beyond, a at 0.05 y per £
    expected = [30 * (0.1 * min(bud, 500) + 0.05 * max(bud - 500, 0)) for bud in budgets]
    assert [f.value for f in p.frontier] == pytest.approx(expected)


def test_infeasible_relaxation_by_hand():
    # y >= 200 with a capacity 100 and 100 volunteer hours: the most y is 100 + 0.5 * 100 = 150.
    # Alone, each would do: lower the target by 50; 100 more volunteer hours (b = 200 gives
    # 100 y); 50 more capacity for a.
    data = edit(base(200, 100), interventions__a__capacity=100)
    p = cp.plan(load_model(data))
    assert p.status == "infeasible"
    assert p.relaxation == pytest.approx({"y": 50.0, "vol": 100.0, "a.capacity": 50.0})
    assert "lower the target for y" in p.message and "by 50" in p.message
    assert "100 more hours of vol" in p.message
    d = p.to_dict()
    assert d["status"] == "infeasible" and d["relaxation"]["y"] == pytest.approx(50)


def test_unreachable_target_is_infeasible():
    data = edit(base(), outcomes__z={"unit": "thing"})
    p = cp.plan(load_model(data), targets={"y": 10, "z": 5})
    assert p.status == "infeasible"
    assert p.relaxation["z"] == pytest.approx(5.0)
