"""Backwards mapping and evaluation against figures worked out by hand.

tests/models/diamond.yaml, by hand:
  links a->x 0.5, a->y 0.2, x->z 0.4, y->z 1.0 (contested), b->x 0.3 (mean of a normal),
  evidence of x->z is 2 (weak).
  T[z, a] = 0.5*0.4 + 0.2*1.0 = 0.4        T[z, b] = 0.3*0.4 = 0.12
  T[x, a] = 0.5, T[y, a] = 0.2, T[x, b] = 0.3, T[y, b] = 0
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import coproduce as cp
from coproduce.engine import backwards_map, effects_to, total_effects
from coproduce.engine.evaluate import evaluate
from coproduce.model import compile_model, load_model

MODELS = Path(__file__).parent / "models"


@pytest.fixture(scope="module")
def diamond():
    return load_model(MODELS / "diamond.yaml")


def test_total_effects_by_hand(diamond):
    cm = compile_model(diamond)
    T = total_effects(cm)
    rows = {o: k for k, o in enumerate(cm.outcome_ids)}
    cols = {i: k for k, i in enumerate(cm.intervention_ids)}
    assert T[rows["z"], cols["a"]] == pytest.approx(0.4)
    assert T[rows["z"], cols["b"]] == pytest.approx(0.12)
    assert T[rows["x"], cols["a"]] == pytest.approx(0.5)
    assert T[rows["y"], cols["b"]] == 0.0
    # the row solve agrees with the column solve
    g = effects_to(cm, cm.index["z"])
    assert g[cols["a"]] == pytest.approx(0.4)
    assert g[cm.index["x"]] == pytest.approx(0.4)  # one unit of x gives 0.4 of z


def test_pathway_a_by_hand(diamond):
    r = backwards_map(diamond, "z", 10)
    a = next(p for p in r.pathways if p.intervention == "a")
    # v = 10 / 0.4 = 25 clients; staff 2 h x 25 x £40 = 2000; nurse 1 h x 25 x £50 = 1250
    assert a.volume == pytest.approx(25)
    assert a.cost.by_resource == pytest.approx({"staff_hour": 2000, "nurse_hour": 1250})
    assert a.cost.full == pytest.approx(3250)
    assert a.cost.public == pytest.approx(3250)
    assert a.cost.public_by_agency == pytest.approx({"council": 2000, "nhs": 1250})
    assert a.cost_per_outcome_full == pytest.approx(325)
    assert a.coproduction_share == 0
    # co-benefits: x = 0.5 x 25 = 12.5, y = 0.2 x 25 = 5 worth £100 each to the NHS
    assert a.co_benefits == pytest.approx({"x": 12.5, "y": 5})
    assert a.co_benefit_value["fiscal"] == pytest.approx({"nhs": 500})
    # routes a-x-z (0.2) and a-y-z (0.2), each half of the total effect
    routes = {r.nodes: (r.effect, r.share) for r in a.paths}
    assert routes[("a", "x", "z")] == pytest.approx((0.2, 0.5))
    assert routes[("a", "y", "z")] == pytest.approx((0.2, 0.5))
    assert set(a.flags) == {"contested", "weak_evidence"}


def test_pathway_b_by_hand(diamond):
    r = backwards_map(diamond, "z", 10)
    b = next(p for p in r.pathways if p.intervention == "b")
    v = 10 / 0.12
    assert b.volume == pytest.approx(v)
    # volunteer: 5 h x v x £12 (triangular 9/12/15 has mean 12); user: 10 h x v x £10;
    # fixed: contract £1000 (third sector) and 25 staff hours x £40 = £1000 (public)
    vol = 5 * v * 12
    user = 10 * v * 10
    assert b.cost.by_sector == pytest.approx(
        {"public": 1000, "private": 0, "third": 1000, "user": user, "community": vol}
    )
    assert b.cost.full == pytest.approx(2000 + vol + user)
    assert b.coproduction_share == pytest.approx((vol + user) / (2000 + vol + user))
    assert b.cost_per_outcome_public == pytest.approx(100)
    assert b.within_capacity  # 83.3 <= 200
    # co-produced (volunteer and user time) with public staff hours but no input declared as
    # enabling it: flagged, since its effect is then assumed not to depend on public support
    assert b.flags == ("weak_evidence", "no_public_input")
    assert [r.nodes for r in b.paths] == [("b", "x", "z")]


def test_ranking_full_and_public(diamond):
    full = backwards_map(diamond, "z", 10, by="full")
    public = backwards_map(diamond, "z", 10, by="public")
    assert [p.intervention for p in full.pathways] == ["a", "b"]  # 325 < 1533 per unit
    assert [p.intervention for p in public.pathways] == ["b", "a"]  # 100 < 325 per unit


def test_capacity_and_fixed_inputs(diamond):
    # 30 units of z need b at 250 participants, above its capacity of 200
    r = backwards_map(diamond, "z", 30)
    b = next(p for p in r.pathways if p.intervention == "b")
    assert b.volume == pytest.approx(250)
    assert not b.within_capacity and "over_capacity" in b.flags
    # fixed inputs are paid only when the intervention runs: zero volume, zero cost
    ev = evaluate(diamond, {"b": 0})
    assert ev.intervention_costs["b"].full == 0


def test_evaluate_by_hand(diamond):
    ev = evaluate(diamond)  # a = 100, b = 50
    # z = 0.4 x 100 + 0.12 x 50 = 46; x = 50 + 15 = 65; y = 20
    assert ev.outcomes["z"].level == pytest.approx(46)
    assert ev.outcomes["x"].level == pytest.approx(65)
    assert ev.outcomes["y"].level == pytest.approx(20)
    # a: 100 x (80 + 50) = 13000 public; b: 50 x (60 + 100) = 8000 co-produced + 2000 fixed
    assert ev.cost.full == pytest.approx(13000 + 8000 + 2000)
    assert ev.cost.public == pytest.approx(13000 + 1000)
    # value: z 46 x (1000 council + 500 social), y 20 x 100 NHS
    assert ev.value["fiscal"] == pytest.approx({"council": 46000, "nhs": 2000})
    assert ev.value["social"] == pytest.approx(23000)
    wp = ev.who_pays_who_gains()
    assert wp["council"] == pytest.approx({"pays": 8000 + 1000, "gains": 46000})
    assert wp["nhs"] == pytest.approx({"pays": 5000, "gains": 2000})


def test_scenarios_stack(diamond):
    m = load_model(MODELS / "diamond.yaml", scenarios=["cheap_volunteers", "bigger_b"])
    assert m.resources["volunteer_hour"].unit_cost == 0
    assert m.interventions["b"].volume == 100
    assert all(not (lk.from_ == "y" and lk.to == "z") for lk in m.links)
    r = backwards_map(m, "z", 10)
    a = next(p for p in r.pathways if p.intervention == "a")
    # without y -> z only a-x-z remains: T = 0.2, v = 50
    assert a.volume == pytest.approx(50)


UNSEEN = {
    # A chain with a negative link and two routes that partly cancel:
    # p -> m1 (2.0), p -> m2 (1.0), m1 -> goal (0.5), m2 -> goal (-0.25), q -> m2 (4.0)
    # T[goal, p] = 2*0.5 + 1*(-0.25) = 0.75; T[goal, q] = 4*(-0.25) = -1 (no net gain)
    # r has no route at all. p costs 3 volunteer hours at £11 and 1 user hour at £0:
    # co-production with no public input.
    "coproduce": 1,
    "name": "unseen",
    "price_year": 2023,
    "resources": {
        "vol": {"unit": "hour", "sector": "community", "unit_cost": 11},
        "usr": {"unit": "hour", "sector": "user", "unit_cost": 0},
        "cash": {"unit": "GBP", "sector": "public", "unit_cost": 1},
    },
    "interventions": {
        "p": {"inputs": {"vol": 3, "usr": 1}},
        "q": {"inputs": {"cash": 10}},
        "r": {"inputs": {"cash": 1}},
    },
    "outcomes": {"m1": {}, "m2": {}, "goal": {"complex": True}},
    "links": [
        {"from": "p", "to": "m1", "effect": 2.0, "evidence": 3},
        {"from": "p", "to": "m2", "effect": 1.0, "evidence": 3},
        {"from": "m1", "to": "goal", "effect": 0.5, "evidence": 3},
        {"from": "m2", "to": "goal", "effect": -0.25, "evidence": 3},
        {"from": "q", "to": "m2", "effect": 4.0, "evidence": 3},
    ],
}


def test_unseen_model_by_hand():
    m = cp.load_model(UNSEEN)
    r = cp.backwards_map(m, "goal", 3)
    assert [p.intervention for p in r.pathways] == ["p"]
    p = r.pathways[0]
    assert p.total_effect == pytest.approx(0.75)
    assert p.volume == pytest.approx(4)  # 3 / 0.75
    assert p.cost.full == pytest.approx(4 * 3 * 11)  # 132, all community time
    assert p.cost.public == 0
    assert "no_public_input" in p.flags and "complex" in p.flags
    routes = {r.nodes: r.effect for r in p.paths}
    assert routes == pytest.approx({("p", "m1", "goal"): 1.0, ("p", "m2", "goal"): -0.25})
    # shares: 1.0 / 0.75 and -0.25 / 0.75
    assert [round(x.share, 6) for x in p.paths] == [round(4 / 3, 6), round(-1 / 3, 6)]
    assert r.unreachable == ("r",)
    assert r.no_net_gain == pytest.approx({"q": -1.0})


def test_public_api_names():
    for name in ("load_model", "backwards_map", "ModelError", "evaluate"):
        assert hasattr(cp, name)
    assert np.isclose(cp.backwards_map(cp.load_model(UNSEEN), "m1", 2).pathways[0].volume, 1)


def test_flag_shares_and_resource_availability(diamond):
    r = backwards_map(diamond, "z", 10)
    a = next(p for p in r.pathways if p.intervention == "a")
    b = next(p for p in r.pathways if p.intervention == "b")
    # a's effect 0.4 = 0.2 via x->z (weak) + 0.2 via y->z (contested): half each
    assert a.flag_shares == pytest.approx({"contested": 0.5, "weak_evidence": 0.5})
    assert b.flag_shares == pytest.approx({"weak_evidence": 1.0})
    # 5 volunteer hours x 83.3 participants = 416.7 hours; allow only 400
    data = load_model(MODELS / "diamond.yaml").model_dump(by_alias=True)
    data["resources"]["volunteer_hour"]["available"] = 400
    m = load_model(data)
    b2 = next(p for p in backwards_map(m, "z", 10).pathways if p.intervention == "b")
    assert not b2.within_capacity and "over_available" in b2.flags
    assert b2.resources_short["volunteer_hour"] == pytest.approx(
        {"needed": 5 * 10 / 0.12, "available": 400}
    )
