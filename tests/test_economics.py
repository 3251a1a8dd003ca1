"""The economics a commissioner must be able to defend: enabling inputs, the value of time,
switching values, and caveats — each checked against figures worked out by hand.

tests/models/diamond.yaml (see test_engine_hand.py): for 10 units of z, pathway a needs 25
clients at £3,250 and no co-production time; pathway b needs v = 10 / 0.12 = 83.33
participants, £2,000 of other inputs (a £1,000 contract and 25 staff hours at £40) and
15 hours of volunteer and user time per participant = 1,250 hours.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coproduce as cp
from coproduce.engine.backwards import switching_ranges
from coproduce.model import load_model, model_to_data
from coproduce.model.enabling import multiplier

MODELS = Path(__file__).parent / "models"


@pytest.fixture(scope="module")
def diamond():
    return load_model(MODELS / "diamond.yaml")


def _with_enabling(data: dict, **enabling) -> dict:
    data = model_to_data(load_model(data)) if isinstance(data, dict) else model_to_data(data)
    data["interventions"]["b"]["enabling"] = enabling
    return data


# ----- enabling inputs -------------------------------------------------------------------


def test_multiplier_by_hand():
    # level 10, actual 5, elasticity 0.5, floor 0.2: 0.2 + 0.8 × 0.5^0.5 = 0.765685...
    assert multiplier(5, 10, 0.5, 0.2) == pytest.approx(0.2 + 0.8 * np.sqrt(0.5))
    assert multiplier(0, 10, 0.5, 0.2) == pytest.approx(0.2)  # no support: the floor
    assert multiplier(12, 10, 0.5, 0.2) == 1.0  # more than declared: no gain
    assert multiplier(0, 0) == 1.0  # nothing was needed


def test_enabling_cut_scales_every_link_out_of_the_intervention(diamond):
    data = _with_enabling(diamond, staff_hour={"elasticity": 0.5, "floor": 0.2})
    data["scenarios"]["quarter_staff"] = {
        "kind": "decision",
        "changes": [{"set": "interventions.b.fixed_inputs.staff_hour", "value": 6.25}],
    }
    declared = load_model(data)
    assert declared.interventions["b"].enabling["staff_hour"].level == 25  # filled at load
    assert cp.backwards_map(declared, "z", 10).pathways[1].total_effect == pytest.approx(0.12)
    cut = load_model(data, scenarios=["quarter_staff"])
    # 6.25 of 25 staff hours: m = 0.2 + 0.8 × 0.25^0.5 = 0.6, so T[z, b] = 0.12 × 0.6 = 0.072
    r = cp.backwards_map(cut, "z", 10)
    b = next(p for p in r.pathways if p.intervention == "b")
    assert b.total_effect == pytest.approx(0.072)
    assert b.volume == pytest.approx(10 / 0.072)
    assert "enabling_shortfall" in b.flags
    assert r.enabling_shortfall["b"]["multiplier"] == pytest.approx(0.6)
    assert r.enabling_shortfall["b"]["inputs"]["staff_hour"] == {
        "actual": 6.25,
        "declared": 25.0,
        "per": "period",
    }


def test_several_enabling_inputs_multiply(diamond):
    data = _with_enabling(diamond, staff_hour={"elasticity": 1}, volunteer_hour={"floor": 0.5})
    data["interventions"]["b"]["fixed_inputs"]["staff_hour"] = 20  # declared 25 -> 0.8
    data["interventions"]["b"]["enabling"]["staff_hour"]["level"] = 25
    data["interventions"]["b"]["inputs"]["volunteer_hour"] = 2.5  # declared 5 -> 0.5 + 0.25
    data["interventions"]["b"]["enabling"]["volunteer_hour"]["level"] = 5
    cm = cp.compile_model(load_model(data))
    assert cm.enabling_multiplier[cm.index["b"]] == pytest.approx(0.8 * 0.75)


def test_no_support_reaches_nothing(diamond):
    data = _with_enabling(diamond, staff_hour={})
    data["interventions"]["b"]["fixed_inputs"]["staff_hour"] = 0
    data["interventions"]["b"]["enabling"]["staff_hour"]["level"] = 25
    r = cp.backwards_map(load_model(data), "z", 10)
    assert [p.intervention for p in r.pathways] == ["a"]
    assert "b" in r.unreachable
    assert "reaches nothing" in r.summary()


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(0, 30), high=st.floats(0, 30), elasticity=st.floats(0, 3), floor=st.floats(0, 1)
)
def test_effect_monotone_in_enabling_input(low, high, elasticity, floor):
    low, high = sorted((low, high))
    m_low, m_high = multiplier(low, 25, elasticity, floor), multiplier(high, 25, elasticity, floor)
    assert floor - 1e-12 <= m_low <= m_high + 1e-12 <= 1 + 2e-12


def test_enabling_must_name_an_input(diamond):
    data = _with_enabling(diamond, nurse_hour={})
    with pytest.raises(cp.ModelError, match="nurse_hour' is not an input of b"):
        load_model(data)


def test_safety_example_without_enabling_input_drops_street_watch():
    m = load_model("example:neighbourhood-safety", scenarios=["no_enabling_input"])
    r = cp.backwards_map(m, "crimes_prevented", 100)
    assert "street_watch" in r.unreachable
    assert all(p.intervention != "street_watch" for p in r.pathways)
    # organiser floor 0.1 × PCSO floor 0 = no effect at all
    assert r.enabling_shortfall["street_watch"]["multiplier"] == 0
    assert "Residents' street watch reaches nothing" in r.summary()
    with_support = cp.backwards_map(
        load_model("example:neighbourhood-safety"), "crimes_prevented", 100
    )
    assert any(p.intervention == "street_watch" for p in with_support.pathways)


# ----- the value of time and switching values --------------------------------------------


def test_switching_ranges_by_hand():
    # A: 100, B: 50 + 10w, C: 20 + 30w, D: 60 + 20w. C is lowest until C = B at w = 1.5,
    # then B until B = A at w = 5, then A; D is never lowest (it is above B everywhere B < A)
    r = switching_ranges([100, 50, 20, 60], [0, 10, 30, 20], ["a", "b", "c", "d"])
    assert r[2] == pytest.approx((0, 1.5))
    assert r[1] == pytest.approx((1.5, 5))
    assert r[0][0] == pytest.approx(5) and r[0][1] is None
    assert r[3] is None


def test_diamond_switching_value_by_hand(diamond):
    # a: 325 per unit whatever the valuation; b: (2000 + 1250 w) / 10 = 200 + 125 w per unit,
    # so b costs least in full while time is worth below (325 − 200) / 125 = £1 an hour
    r = cp.backwards_map(diamond, "z", 10)
    by = {p.intervention: p for p in r.pathways}
    assert by["b"].first_on_full_cost_when_time_valued == pytest.approx((0, 1.0))
    assert by["a"].first_on_full_cost_when_time_valued[0] == pytest.approx(1.0)
    assert by["a"].first_on_full_cost_when_time_valued[1] is None
    # hours: 1,250 of volunteer and user time against 1,250 + 25 staff hours
    assert by["b"].coproduction_share_hours == pytest.approx(1250 / 1275)
    assert by["a"].coproduction_share_hours == 0
    # the ranges do not depend on the basis the costs are stated on
    zero = cp.backwards_map(load_model(MODELS / "diamond.yaml", time_value="zero"), "z", 10)
    by_zero = {p.intervention: p.first_on_full_cost_when_time_valued for p in zero.pathways}
    assert by_zero["b"] == pytest.approx((0, 1.0))
    assert by_zero["a"][0] == pytest.approx(1.0) and by_zero["a"][1] is None
    assert zero.pathways[0].intervention == "b"  # £200 < £325 per unit at £0 an hour
    assert zero.time_value["name"] == "zero"
    assert "below £1.00 an hour" in r.summary()


def test_time_value_per_hour_sets_every_coproduction_hour(diamond):
    m = load_model(MODELS / "diamond.yaml", time_value_per_hour=2.0)
    assert m.resources["volunteer_hour"].unit_cost == 2.0
    assert m.resources["user_hour"].unit_cost == 2.0
    assert m.resources["staff_hour"].unit_cost == 40  # public: not touched
    b = next(p for p in cp.backwards_map(m, "z", 10).pathways if p.intervention == "b")
    assert b.cost_per_outcome_full == pytest.approx(200 + 125 * 2)
    with pytest.raises(cp.ModelError, match="unknown valuation of time 'living'"):
        load_model(MODELS / "diamond.yaml", time_value="living")


def _tiles(ranges: list) -> bool:
    got = sorted(r for r in ranges if r is not None)
    if not got or got[0][0] != 0 or got[-1][1] is not None:
        return False
    return all(a[1] == b[0] for a, b in pairwise(got))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1e3)), min_size=1, max_size=12))
def test_switching_ranges_tile_the_axis(lines):
    fixed = [a for a, _ in lines]
    slope = [b for _, b in lines]
    names = [f"p{k:02d}" for k in range(len(lines))]
    r = switching_ranges(fixed, slope, names)
    assert _tiles(r)
    # inside each range its line is (one of) the lowest
    for k, rng in enumerate(r):
        if rng is None:
            continue
        w = rng[0] + 1.0 if rng[1] is None else (rng[0] + rng[1]) / 2
        cost = np.array(fixed) + np.array(slope) * w
        assert cost[k] <= cost.min() + 1e-9 * max(1.0, abs(cost.min()))


def test_older_people_switching_ranges_tile():
    r = cp.backwards_map(load_model("example:older-people"), "admissions_avoided", 40)
    ranges = [p.first_on_full_cost_when_time_valued for p in r.pathways]
    assert _tiles(ranges)
    d = r.to_dict()
    assert all(
        "first_on_full_cost_when_time_valued" in p and "coproduction_share_hours" in p
        for p in d["pathways"]
    )
    # at £0 an hour peer-led groups cost least in full: the range containing 0 is theirs
    first = min(
        (p for p in r.pathways if p.first_on_full_cost_when_time_valued),
        key=lambda p: p.first_on_full_cost_when_time_valued[0],
    )
    assert first.intervention == "peer_strength_balance"


# ----- min evidence ---------------------------------------------------------------------


def test_min_evidence_says_whether_the_leader_survives(diamond):
    # dropping links graded below 3 removes x -> z (grade 2): a reaches z through y only
    # (T = 0.2) and b not at all, so a still leads
    r = cp.backwards_map(diamond, "z", 10, min_evidence=3)
    assert r.min_evidence["links_dropped"] == ["x->z"]
    assert r.min_evidence["leading_pathway"] == "a"
    assert r.min_evidence["survives"] is True
    assert r.min_evidence["reachable"] == ["a"]
    # public ranking: b leads with all links, but not without the weak one
    p = cp.backwards_map(diamond, "z", 10, by="public", min_evidence=3)
    assert p.pathways[0].intervention == "b" and p.min_evidence["survives"] is False


def test_bundled_examples_have_no_spurious_shortfall():
    # declared levels are filled in from the files' own (often uncertain) inputs: at the
    # baseline every enabling input is at its level, whatever the rounding
    for name in ("older-people", "neighbourhood-safety"):
        cm = cp.compile_model(load_model(f"example:{name}"))
        assert (cm.enabling_multiplier == 1.0).all()


def test_volunteer_wellbeing_by_hand(diamond):
    # £5 an hour for volunteer hours only (not the users' own time): b needs 5 × 83.33 = 416.67
    # volunteer hours, so £2,083.33; a uses none. Shown apart: the costs do not change.
    data = model_to_data(diamond)
    data["volunteer_wellbeing"] = {"per_hour": 5, "source": "test"}
    r = cp.backwards_map(load_model(data), "z", 10, volunteer_wellbeing=True)
    by = {p.intervention: p for p in r.pathways}
    assert by["b"].volunteer_wellbeing["hours"] == pytest.approx(5 * 10 / 0.12)
    assert by["b"].volunteer_wellbeing["value"] == pytest.approx(25 * 10 / 0.12)
    assert by["a"].volunteer_wellbeing["value"] == 0
    assert by["b"].cost.full == pytest.approx(
        cp.backwards_map(diamond, "z", 10).pathways[1].cost.full
    )
    assert "not counted in the ranking" in r.summary()
    with pytest.raises(cp.ModelError, match="volunteer_wellbeing"):
        cp.backwards_map(diamond, "z", 10, volunteer_wellbeing=True)
