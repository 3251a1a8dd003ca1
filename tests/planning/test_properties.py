"""Invariants on random instances: strong duality, complementary slackness, dual feasibility,
and results unchanged when the model's entries are reordered."""

from __future__ import annotations

import numpy as np
import pytest

import coproduce as cp
from coproduce.engine.effects import total_effects
from coproduce.model import compile_model, load_model


def random_model(seed: int, n: int = 6) -> dict:
    rng = np.random.default_rng(seed)
    resources = {
        "staff": {"unit": "hour", "sector": "public", "unit_cost": 30},
        "vol": {
            "unit": "hour",
            "sector": "community",
            "unit_cost": 12,
            "available": float(rng.uniform(50, 150)),
        },
        "kit": {
            "unit": "item",
            "sector": "public",
            "unit_cost": 5,
            "available": float(rng.uniform(100, 400)),
        },
    }
    interventions = {}
    links = []
    for i in range(n):
        iid = f"i{i}"
        interventions[iid] = {
            "inputs": {
                "staff": float(rng.uniform(0.1, 2)),
                "vol": float(rng.uniform(0, 2)),
                "kit": float(rng.uniform(0, 3)),
            },
            "capacity": float(rng.uniform(20, 80)),
        }
        links.append({"from": iid, "to": "p", "effect": float(rng.uniform(0, 1))})
        links.append({"from": iid, "to": "q", "effect": float(rng.uniform(0, 1))})
    links.append({"from": "p", "to": "q", "effect": 0.3})
    return {
        "coproduce": 1,
        "name": "random",
        "price_year": 2024,
        "resources": resources,
        "interventions": interventions,
        "outcomes": {"p": {}, "q": {}},
        "links": links,
        "targets": {"p": float(rng.uniform(2, 10)), "q": float(rng.uniform(5, 20))},
    }


@pytest.mark.parametrize("seed", range(12))
def test_strong_duality_and_complementary_slackness(seed):
    m = load_model(random_model(seed))
    p = cp.plan(m)
    if p.status != "optimal":
        pytest.skip("this random instance is infeasible")
    sp = p.shadow_prices
    # strong duality: least cost = Σ target prices × targets − Σ savings × limits
    dual = sum(sp["targets"][o] * a for o, a in p.targets.items())
    dual -= sum(sp["resources"][r] * m.resources[r].available for r in sp["resources"])
    dual -= sum(sp["capacities"][i] * m.interventions[i].capacity for i in sp["capacities"])
    assert p.cost["public"] == pytest.approx(dual, rel=1e-7, abs=1e-6)
    # complementary slackness: a priced constraint binds; a slack one has no price
    for c in p.constraints:
        assert c.shadow_price >= -1e-9
        if c.shadow_price > 1e-7:
            assert c.binding, c.key
        if not c.binding:
            assert c.shadow_price == pytest.approx(0, abs=1e-7)
    # dual feasibility: no intervention's reduced cost is negative; zero for those used
    cm = compile_model(m)
    T = total_effects(cm)
    unit_public = cm.inputs @ (cm.unit_cost * (cm.resource_sector == cm.public_sector))
    for i, iid in enumerate(cm.intervention_ids):
        reduced = unit_public[i]
        for o in p.targets:
            reduced -= sp["targets"][o] * T[cm.outcome_ids.index(o), i]
        for r in sp["resources"]:
            reduced += sp["resources"][r] * cm.inputs[i, cm.resource_ids.index(r)]
        reduced += sp["capacities"].get(iid, 0.0)
        assert reduced >= -1e-6
        if p.volumes[iid] > 1e-7:
            assert reduced == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_reordering_changes_nothing(seed):
    data = random_model(seed)
    flipped = dict(data)
    flipped["interventions"] = dict(reversed(list(data["interventions"].items())))
    flipped["resources"] = dict(reversed(list(data["resources"].items())))
    flipped["links"] = list(reversed(data["links"]))
    flipped["targets"] = dict(reversed(list(data["targets"].items())))
    a, b = cp.plan(load_model(data)), cp.plan(load_model(flipped))
    assert a.status == b.status
    if a.status == "optimal":
        assert a.cost["public"] == pytest.approx(b.cost["public"], rel=1e-9)
        assert a.volumes == pytest.approx(b.volumes, abs=1e-6)
        assert a.shadow_prices["targets"] == pytest.approx(b.shadow_prices["targets"])
    else:
        assert a.relaxation == pytest.approx(b.relaxation)


def test_same_input_same_output():
    data = random_model(3)
    a = cp.plan(load_model(data)).to_dict()
    b = cp.plan(load_model(data)).to_dict()
    assert a == b


@pytest.mark.parametrize("seed", range(6))
def test_increase_reading_and_max_decrease_hold(seed):
    """With today's volumes and max_decrease, a plan adds at least each target to today's
    level, keeps every volume above what may not stop, and its changes are planned − today."""
    rng = np.random.default_rng(100 + seed)
    data = random_model(seed)
    for itv in data["interventions"].values():
        itv["volume"] = float(rng.uniform(0, 10))
        if rng.uniform() < 0.5:
            itv["max_decrease"] = float(rng.uniform(0, 1))
    m = load_model(data)
    p = cp.plan(m)
    if p.status != "optimal":
        pytest.skip("this random instance is infeasible")
    for o, a in p.targets.items():
        assert p.outcome_changes[o] >= a - 1e-7 * max(1.0, a)
    for iid, itv in m.interventions.items():
        keep = itv.volume * (1 - (itv.max_decrease if itv.max_decrease is not None else 1))
        assert p.volumes[iid] >= keep - 1e-7
        assert p.changes[iid] == pytest.approx(p.volumes[iid] - itv.volume)
    # the same question read as totals asks for less: it never costs more
    total = cp.plan(m, targets_as="total")
    if all(p.baseline_outcomes[o] >= 0 for o in p.targets):
        assert total.status == "optimal"
        assert total.cost["public"] <= p.cost["public"] * (1 + 1e-9) + 1e-9
