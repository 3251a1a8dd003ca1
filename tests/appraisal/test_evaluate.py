"""``evaluate`` with the economics of issue 12: costs along cost curves, enabling inputs, the
co-production share by hours, the basis of time and the caveats, each worked by hand."""

from __future__ import annotations

import copy

import pytest

import coproduce as cp
from coproduce.engine.evaluate import caveat_words

OLD_KEYS = {
    "model",
    "currency",
    "price_year",
    "scenarios",
    "volumes",
    "cost",
    "interventions",
    "outcomes",
    "value",
    "who_pays_who_gains",
    "resources",
}
NEW_KEYS = {
    "flags",
    "flag_shares",
    "flag_shares_per",
    "fits",
    "caveats",
    "time_value",
    "coproduction_share_hours",
    "enabling_shortfall",
}


def test_coproduction_share_by_hours_on_the_older_people_example():
    ev = cp.evaluate(cp.load_model("example:older-people"))
    d = ev.to_dict()
    assert set(d) >= OLD_KEYS | NEW_KEYS
    # Every input measured in hours at current volumes, means of the distributions
    # (triangular (a+b+c)/3, pert (a+4m+b)/6); befriending's 150 matches sit in its cost
    # curve's first band (x1 up to 200), so no curve changes these hours.
    # Users' and communities' hours (volunteer_hour, community; participant_hour, user):
    #   falls_classes 400 x 200/3 participant                        = 26,666.67
    #   peer_strength_balance 250 x (37/3 volunteer + 200/3 participant) = 3,083.33 + 16,666.67
    #   befriending 150 x 78 volunteer                               = 11,700
    #   peer_support_groups 300 x (19/3 volunteer + 116/3 participant) = 1,900 + 11,600
    #   home_hazard_ot 350 x 2 participant                           = 700
    #   handyperson 200 x (10/3 volunteer + 1 participant)           = 666.67 + 200
    #   reablement 900 x 20 participant                              = 18,000
    #   day_centre 250 x 20 volunteer                                = 5,000
    #   total: volunteers 22,350 + participants 73,833.33            = 96,183.33
    # Paid hours (public sector):
    #   physio 400 x 5 + 250 x 1 + 60 fixed                          = 2,310
    #   OT 350 x 12.5/3                                              = 1,458.33
    #   reablement worker 900 x 562/6                                = 84,300
    #   coordinator 250 fixed + 150 x 241/6 + 150 fixed + 300 x 1.5 + 200 x 1 + 200 fixed
    #                                                                = 7,275
    #   total                                                        = 95,343.33
    # Share: 96,183.33 / (96,183.33 + 95,343.33) = 96,183.33 / 191,526.67 = 0.50219
    coprod = 22_350 + 73_833 + 1 / 3
    paid = 2_310 + 1_458 + 1 / 3 + 84_300 + 7_275
    assert d["coproduction_share_hours"] == pytest.approx(coprod / (coprod + paid), rel=1e-12)
    assert d["coproduction_share_hours"] == pytest.approx(0.50219, abs=1e-5)
    # per intervention: falls classes 26,666.67 participant hours of 28,666.67; telecare none
    assert d["interventions"]["falls_classes"]["coproduction_share_hours"] == pytest.approx(
        (80_000 / 3) / (80_000 / 3 + 2_000), rel=1e-12
    )
    assert d["interventions"]["telecare"]["coproduction_share_hours"] is None
    # the share by hours does not vanish when time is valued at nothing; the share by cost does
    zero = cp.evaluate(cp.load_model("example:older-people", time_value="zero")).to_dict()
    assert zero["coproduction_share_hours"] == d["coproduction_share_hours"]
    assert zero["cost"]["coproduction_share"] == 0
    assert zero["time_value"]["name"] == "zero" and zero["time_value"]["per_hour"] == 0
    assert d["time_value"]["name"] == "as_stated" and d["time_value"]["per_hour"] is None
    # evidence shares per target of the model
    assert d["flag_shares_per"] == "targets"
    assert set(d["flag_shares"]) == set(cp.load_model("example:older-people").targets)


# One intervention with economies of scale: 2 staff hours a unit at £10 (council), 1 volunteer
# hour a unit (community, £12), and a £100 licence a year while it runs. Per-unit inputs cost
# x1 for the first 100 units, x0.8 for the next 100 and x0.5 beyond. Each unit reaches 0.1 of
# an outcome (grade 4 evidence) worth £50 to the council; the organiser (staff) enables it.
CURVE = {
    "coproduce": 1,
    "name": "Curve",
    "price_year": 2024,
    "agencies": {"council": {"label": "Council"}},
    "resources": {
        "staff_hour": {"unit": "hour", "sector": "public", "agency": "council", "unit_cost": 10},
        "volunteer_hour": {
            "unit": "hour",
            "sector": "community",
            "unit_cost": 12,
            "available": 300,
        },
        "licence": {"unit": "GBP", "sector": "public", "agency": "council", "unit_cost": 1},
    },
    "interventions": {
        "scheme": {
            "volume": 250,
            "capacity": 1000,
            "inputs": {"staff_hour": 2, "volunteer_hour": 1},
            "fixed_inputs": {"licence": 100},
            "enabling": {"staff_hour": {"elasticity": 1, "floor": 0.5}},
            "cost_curve": [
                {"up_to": 100, "multiplier": 1},
                {"up_to": 200, "multiplier": 0.8},
                {"multiplier": 0.5},
            ],
        }
    },
    "outcomes": {"good": {"unit": "thing", "final": True, "value": {"fiscal": {"council": 50}}}},
    "links": [{"from": "scheme", "to": "good", "effect": 0.1, "evidence": 4}],
}


def test_costs_follow_the_cost_curve_from_zero():
    ev = cp.evaluate(cp.load_model(CURVE))
    # 250 units on the curve: 100 x 1 + 100 x 0.8 + 50 x 0.5 = 205 units' worth of inputs:
    # staff 410 hours x £10 = £4,100, volunteers 205 hours x £12 = £2,460, licence £100
    assert ev.cost.full == pytest.approx(4100 + 2460 + 100)
    assert ev.cost.public == pytest.approx(4200)
    assert ev.resource_use["volunteer_hour"] == pytest.approx(205)
    # effects are per unit, not on the curve: 25 things, £1,250 to the council
    assert ev.outcomes["good"].level == pytest.approx(25)
    assert ev.value["total"] == pytest.approx(1250)
    d = ev.to_dict()
    # hours: 205 volunteer of 205 + 410
    assert d["coproduction_share_hours"] == pytest.approx(205 / 615)
    # no targets: evidence shares per final outcome; grade 4, nothing to flag, all fits
    assert d["flag_shares_per"] == "final" and d["flag_shares"] == {"good": {}}
    assert d["flags"] == [] and d["fits"] is True and d["enabling_shortfall"] == {}
    # at 150 units: 100 + 50 x 0.8 = 140 units' worth: 280 staff hours, 140 volunteer hours
    at150 = cp.evaluate(cp.load_model(CURVE), {"scheme": 150})
    assert at150.cost.full == pytest.approx(280 * 10 + 140 * 12 + 100)


def test_an_enabling_input_cut_shows_in_the_effect_and_the_caveats():
    data = copy.deepcopy(CURVE)
    data["interventions"]["scheme"]["inputs"]["staff_hour"] = 0.5  # a quarter of 2
    data["interventions"]["scheme"]["enabling"]["staff_hour"]["level"] = 2
    ev = cp.evaluate(cp.load_model(data), {"scheme": 400})
    # m = 0.5 + 0.5 x (0.5 / 2)^1 = 0.625: 400 x 0.1 x 0.625 = 25 things
    assert ev.outcomes["good"].level == pytest.approx(25)
    d = ev.to_dict()
    assert d["enabling_shortfall"]["scheme"]["multiplier"] == pytest.approx(0.625)
    # 400 units on the curve: 100 + 80 + 100 = 280 volunteer hours of the 300 available: fits
    assert d["flags"] == ["enabling_shortfall"] and d["fits"] is True
    words = caveat_words(d["caveats"], cp.load_model(data))
    assert words and "keeps 62% of its effect" in words[0]
    # at 500 units: 100 + 80 + 150 = 330 volunteer hours, more than the 300 available
    short = cp.evaluate(cp.load_model(data), {"scheme": 500}).to_dict()
    assert "over_available" in short["flags"] and short["fits"] is False
    assert short["caveats"]["resources_short"]["volunteer_hour"] == {
        "needed": 330.0,
        "available": 300.0,
    }
