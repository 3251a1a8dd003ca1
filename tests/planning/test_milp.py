"""Set-up costs and cost curves: brute-force enumeration against the MILP; rising marginal
cost stays a linear programme."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import coproduce as cp
from coproduce.model import load_model

from .models import base, edit


def setup_model(target: float) -> dict:
    # a: £20 public per y, no set-up.  c: £8 public per y (0.8 staff hours) but a £600 grant a
    # period whenever it runs; capacity 200.
    data = base(target, 0.0)
    del data["interventions"]["b"]
    data["resources"]["grant"] = {"unit": "GBP", "sector": "public", "unit_cost": 1}
    data["interventions"]["c"] = {
        "unit": "place",
        "capacity": 200,
        "inputs": {"staff": 0.8},
        "fixed_inputs": {"grant": 600},
    }
    data["links"] = [
        {"from": "a", "to": "y", "effect": 1.0},
        {"from": "c", "to": "y", "effect": 1.0},
    ]
    del data["outcomes"]["x"]
    return data


def brute_force_setup(target: float) -> float:
    """Try every set of running interventions; within a set the cost is linear (an LP)."""
    best = np.inf
    for run_a, run_c in itertools.product([0, 1], repeat=2):
        ub_a = np.inf if run_a else 0.0
        ub_c = 200.0 if run_c else 0.0
        res = linprog(
            [20.0, 8.0],
            A_ub=[[-1.0, -1.0]],
            b_ub=[-target],
            bounds=[(0, ub_a), (0, ub_c)],
            method="highs",
        )
        if res.status == 0:
            best = min(best, res.fun + 600.0 * run_c)
    return best


@pytest.mark.parametrize(
    "target,expected,volumes",
    [
        # 30 y: a alone £600; c alone 240 + 600 = £840 -> a.
        (30, 600.0, {"a": 30.0, "c": 0.0}),
        # 100 y: a alone £2,000; c alone 800 + 600 = £1,400 -> c.
        (100, 1400.0, {"a": 0.0, "c": 100.0}),
        # 250 y: c at capacity 200 (1,600 + 600) + a 50 (1,000) = £3,200 against a alone £5,000.
        (250, 3200.0, {"a": 50.0, "c": 200.0}),
    ],
)
def test_setup_costs_against_brute_force(target, expected, volumes):
    p = cp.plan(load_model(setup_model(target)))
    assert p.mixed_integer
    assert p.cost["public"] == pytest.approx(expected)
    assert p.cost["public"] == pytest.approx(brute_force_setup(target))
    assert p.volumes == pytest.approx(volumes)


def test_lp_relaxation_differs_from_milp():
    # The LP relaxation (y continuous in [0, 1], v_c <= 200 y) charges c only 600/200 = £3 per
    # unit of set-up: £11 per y < £20, so it would use c for 30 y at £330 - not a real cost.
    relaxed = linprog(
        [20.0, 8.0, 600.0],
        A_ub=[[-1, -1, 0], [0, 1, -200]],
        b_ub=[-30, 0],
        bounds=[(0, None), (0, 200), (0, 1)],
        method="highs",
    )
    assert relaxed.fun == pytest.approx(330.0)
    p = cp.plan(load_model(setup_model(30)))
    assert p.cost["public"] == pytest.approx(600.0)
    assert p.cost["public"] > relaxed.fun + 1


def test_mip_duals_are_those_of_the_fixed_lp():
    # 100 y through c (running): one more y costs c's marginal £8 (set-up held), which the
    # finite difference also shows while c stays the choice.
    p = cp.plan(load_model(setup_model(100)))
    assert p.shadow_prices["targets"]["y"] == pytest.approx(8.0)
    up = cp.plan(load_model(setup_model(101)))
    assert up.cost["public"] - p.cost["public"] == pytest.approx(8.0)
    assert "integer decisions" in p.to_dict()["duals_note"]


def curve_model(target: float, multipliers: tuple[float, float]) -> dict:
    # e: 2 staff hours (£20) per unit on the first 50 units, then multiplier[1] x that.
    # a: 1.5 staff hours (£15) per unit.  Both give 1 y per unit.
    data = base(target, 0.0)
    del data["interventions"]["b"]
    data["interventions"]["a"]["inputs"] = {"staff": 1.5}
    data["interventions"]["e"] = {
        "unit": "place",
        "inputs": {"staff": 2},
        "cost_curve": [{"up_to": 50, "multiplier": multipliers[0]}, {"multiplier": multipliers[1]}],
    }
    data["links"] = [
        {"from": "a", "to": "y", "effect": 1.0},
        {"from": "e", "to": "y", "effect": 1.0},
    ]
    del data["outcomes"]["x"]
    return data


def e_cost(v: float, m2: float) -> float:
    return 20.0 * min(v, 50.0) + 20.0 * m2 * max(v - 50.0, 0.0)


@pytest.mark.parametrize("target", [40, 80, 150, 400])
def test_economies_of_scale_against_grid(target):
    # Falling marginal cost (1.0 then 0.5): e costs 20v up to 50, then 1,000 + 10(v - 50).
    # Cost is concave in e's share, so the optimum is at an end: all a or all e.
    # 80: a 1,200 vs e 1,300 -> a.  150: a 2,250 vs e 2,000 -> e.
    p = cp.plan(load_model(curve_model(target, (1.0, 0.5))))
    assert p.mixed_integer
    grid = np.linspace(0, target, 4 * target + 1)
    brute = min(e_cost(v, 0.5) + 15.0 * (target - v) for v in grid)
    assert p.cost["public"] == pytest.approx(brute)


def test_economies_of_scale_volumes_by_hand():
    p = cp.plan(load_model(curve_model(150, (1.0, 0.5))))
    assert p.volumes == pytest.approx({"a": 0.0, "e": 150.0})
    assert p.cost["public"] == pytest.approx(2000.0)
    # staff used: 2 x 50 + 1 x 100 = 200 hours
    assert p.resource_use["staff"]["used"] == pytest.approx(200.0)


def test_diseconomies_of_scale_are_an_lp():
    # Rising marginal cost (1.0 then 2.0): e £20 per y to 50, then £40; a £15 throughout, so a
    # does it all: 100 y = £1,500. Make a cost £25 instead: e to 50 (£1,000) then a 50 (£1,250)
    # = £2,250; one more y at the margin costs a's £25.
    data = curve_model(100, (1.0, 2.0))
    data["interventions"]["a"]["inputs"] = {"staff": 2.5}
    p = cp.plan(load_model(data))
    assert not p.mixed_integer
    assert p.volumes == pytest.approx({"a": 50.0, "e": 50.0})
    assert p.cost["public"] == pytest.approx(2250.0)
    assert p.shadow_prices["targets"]["y"] == pytest.approx(25.0)


def test_setup_binaries_without_capacity_are_bounded_correctly():
    # c without a capacity: the working bound on its volume must not cut the plan short.
    data = setup_model(5000)
    del data["interventions"]["c"]["capacity"]
    p = cp.plan(load_model(data))
    assert p.volumes == pytest.approx({"a": 0.0, "c": 5000.0})
    assert p.cost["public"] == pytest.approx(8.0 * 5000 + 600)


def test_base_plan_unchanged_by_curve_of_one():
    data = edit(base(), interventions__a__cost_curve=[{"multiplier": 1.0}])
    p = cp.plan(load_model(data))
    assert p.cost["public"] == pytest.approx(1500.0)
