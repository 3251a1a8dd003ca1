"""``appraisal_from_model`` and ``coproduce cba --from-model``: a strategy-map scenario
appraised in one step. The small model below is worked by hand in each test."""

from __future__ import annotations

import json

import pytest
import yaml

import coproduce as cp
from coproduce.appraisal import appraise, load_appraisal
from coproduce.appraisal.from_model import appraisal_from_model
from coproduce.model.errors import ModelError

from .test_cli import entry, run

# Two interventions. A clinic (nurse hours paid by the NHS, 1 hour of the patient's own time
# per patient) and peer groups (4 volunteer hours per member, £10 of charity money per member,
# a £1,000 council grant a year while it runs). Falls avoided lead to admissions avoided
# (valued: £2,000 to the NHS, £500 economic); peer groups add wellbeing (£1,000 social).
TINY = {
    "coproduce": 1,
    "name": "Tiny",
    "price_year": 2024,
    "agencies": {"council": {"label": "Council"}, "nhs": {"label": "NHS"}},
    "resources": {
        "nurse_hour": {"unit": "hour", "sector": "public", "agency": "nhs", "unit_cost": 40},
        "grant": {"unit": "GBP", "sector": "public", "agency": "council", "unit_cost": 1},
        "volunteer_hour": {
            "unit": "hour",
            "sector": "community",
            "unit_cost": {"dist": "triangular", "low": 10, "mode": 15, "high": 20},
        },
        "patient_hour": {"unit": "hour", "sector": "user", "unit_cost": 12},
        "charity": {"unit": "GBP", "sector": "third", "unit_cost": 1},
    },
    "interventions": {
        "clinic": {"volume": 100, "inputs": {"nurse_hour": 2, "patient_hour": 1}},
        "peer_group": {
            "volume": 50,
            "inputs": {"volunteer_hour": 4, "charity": 10},
            "fixed_inputs": {"grant": 1000},
        },
    },
    "outcomes": {
        "falls_avoided": {"unit": "fall"},
        "admissions_avoided": {
            "unit": "admission",
            "value": {"fiscal": {"nhs": 2000}, "economic": 500},
        },
        "wellbeing": {"unit": "person-year", "value": {"social": 1000}},
    },
    "links": [
        {"from": "clinic", "to": "falls_avoided", "effect": 0.2},
        {"from": "peer_group", "to": "falls_avoided", "effect": 0.1},
        {"from": "falls_avoided", "to": "admissions_avoided", "effect": 0.1},
        {"from": "peer_group", "to": "wellbeing", "effect": 0.3},
    ],
    "scenarios": {
        "grow_peer": {
            "label": "Grow peer groups",
            "changes": [{"set": "interventions.peer_group.volume", "value": 150}],
        },
        "shrink_clinic": {"changes": [{"scale": "interventions.clinic.volume", "by": 0.5}]},
        "revalue": {"changes": [{"set": "outcomes.wellbeing.value.social", "value": 2000}]},
    },
}
DF3 = 1 + 1 / 1.035 + 1 / 1.035**2  # Green Book 3.5%, year 0 undiscounted: 2.899694


@pytest.fixture(scope="module")
def tiny():
    return cp.load_model(TINY)


def test_grow_peer_groups_worked_by_hand(tiny):
    data = appraisal_from_model(tiny, ["grow_peer"], 3)
    load_appraisal(data)  # the existing loader accepts it
    opt = data["options"]["grow_peer"]
    # peer groups 50 -> 150 members: +400 volunteer hours at the model's mean £15 (triangular
    # 10/15/20), +£1,000 charity; the council grant runs in both, so it does not change
    time = [c for c in opt["costs"] if "hours" in c]
    assert len(time) == 1 and time[0]["hours"] == pytest.approx(400)
    assert time[0]["hourly_value"] == pytest.approx(15.0)
    assert time[0]["time_of"] == "volunteers" and time[0]["type"] == "in_kind"
    assert data["agencies"][time[0]["agency"]]["sector"] == "community"
    charity = [c for c in opt["costs"] if "amount" in c]
    assert len(charity) == 1 and charity[0]["amount"] == pytest.approx(1000)
    assert data["agencies"][charity[0]["agency"]]["sector"] == "third"
    assert not any("grant" in c["label"].lower() for c in opt["costs"])
    r = appraise(data).options["grow_peer"]
    f = r.figures
    # a year: costs 400 x 15 + 1,000 = 7,000 (time 6,000); falls +0.1 x 100 = 10 (not valued),
    # admissions +10 x 0.1 = 1: £2,000 NHS + £500 economic; wellbeing +0.3 x 100 = 30: £30,000
    assert f["pv_costs"] == pytest.approx(7000 * DF3)
    assert f["pv_time_costs"] == pytest.approx(6000 * DF3)
    assert f["pv_public_costs"] == pytest.approx(0.0)
    assert f["pv_fiscal"] == pytest.approx(2000 * DF3)
    assert f["pv_economic"] == pytest.approx(500 * DF3)
    assert f["pv_social"] == pytest.approx(30000 * DF3)
    assert f["npv_public_value"] == pytest.approx((32500 - 7000) * DF3)  # 73,942.20
    assert f["npv_public_value"] == pytest.approx(73942.20, abs=0.01)
    assert f["benefit_cost_ratio"] == pytest.approx(32500 / 7000)
    assert r.by_agency["nhs"]["pv_fiscal_benefits"] == pytest.approx(2000 * DF3)
    assert r.time_hours == pytest.approx(1200)  # 400 a year x 3
    # time valued at zero: NPV rises by the 6,000 a year of volunteers' time
    assert r.time_valuation["zero"]["npv"] == pytest.approx(32500 * DF3 - 1000 * DF3)
    assert "falls_avoided +10 fall a year" in data["notes"]  # unvalued, listed


def test_no_scenario_is_the_programme_against_doing_nothing(tiny):
    data = appraisal_from_model(tiny, [], 1)
    assert data["baseline"]["label"] == "Do nothing"
    r = appraise(data).options["programme"]
    f = r.figures
    # costs a year: nurses 200 h x 40 = 8,000 (NHS); grant 1,000 (council); patients 100 h x
    # 12 = 1,200 and volunteers 200 h x 15 = 3,000 (time given); charity 500: 13,700
    assert f["pv_costs"] == pytest.approx(13700)
    assert f["pv_public_costs"] == pytest.approx(9000)
    assert f["pv_time_costs"] == pytest.approx(4200)
    # falls 0.2 x 100 + 0.1 x 50 = 25, admissions 2.5: NHS 5,000, economic 1,250;
    # wellbeing 0.3 x 50 = 15: social 15,000
    assert f["pv_fiscal"] == pytest.approx(5000)
    assert f["npv_public_value"] == pytest.approx(5000 + 1250 + 15000 - 13700)  # 7,550
    assert f["net_present_budget_impact"] == pytest.approx(5000 - 9000)
    assert f["fiscal_roi"] == pytest.approx(5000 / 9000)
    assert r.by_agency["council"] == pytest.approx({"pv_costs": 1000, "pv_fiscal_benefits": 0})
    assert r.by_agency["nhs"] == pytest.approx({"pv_costs": 8000, "pv_fiscal_benefits": 5000})
    kinds = {c["time_of"] for c in data["options"]["programme"]["costs"] if "time_of" in c}
    assert kinds == {"volunteers", "service_users"}


def test_doing_less_releases_resources_and_loses_outcomes(tiny):
    data = appraisal_from_model(tiny, ["shrink_clinic"], 1)
    load_appraisal(data)
    f = appraise(data).options["shrink_clinic"].figures
    # clinic 100 -> 50: 100 nurse hours (£4,000) released to the NHS, 50 patient hours
    # (£600 at £12) released; 10 fewer falls avoided -> 1 fewer admission avoided:
    # -£2,000 NHS, -£500 economic. No new cost.
    assert f["pv_costs"] == pytest.approx(0)
    assert f["pv_fiscal"] == pytest.approx(4000 - 2000)
    assert f["pv_economic"] == pytest.approx(600 - 500)
    assert f["npv_public_value"] == pytest.approx(2100)


def test_stacked_scenarios_and_a_change_of_value(tiny):
    data = appraisal_from_model(tiny, ["grow_peer", "revalue"], 1)
    f = appraise(data).options["grow_peer_revalue"].figures
    # wellbeing 15 at £1,000 -> 45 at £2,000: +75,000 social; admissions +1 as before
    assert f["pv_social"] == pytest.approx(45 * 2000 - 15 * 1000)
    assert f["pv_fiscal"] == pytest.approx(2000)
    assert f["pv_costs"] == pytest.approx(7000)


def test_bad_scenario_or_period(tiny):
    with pytest.raises(ModelError, match=r"unknown scenario 'grow_pear'.*grow_peer"):
        appraisal_from_model(tiny, ["grow_pear"], 3)
    with pytest.raises(ModelError, match="1 to 500 years"):
        appraisal_from_model(tiny, [], 0)


def test_bundled_example_scenario_end_to_end(tmp_path):
    saved = tmp_path / "befriending.yaml"
    p = run(
        "cba",
        "--from-model",
        "example:older-people",
        "--scenario",
        "double_befriending",
        "--years",
        "10",
        "--json",
        "--save-appraisal",
        str(saved),
    )
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    o = d["options"]["double_befriending"]
    # befriending 150 -> 300 matches along its cost curve (x1 up to 200 matches, x1.2 from
    # 200 to 300): the added matches take 50 x 1 + 100 x 1.2 = 170 matches' worth of the
    # per-match inputs. Volunteer hours 78 (triangular 52/78/104) x 170 = 13,260 a year at the
    # model's mean £15.7433 (triangular 11.44/15.79/20); coordinator hours 40.1667 (pert
    # 15/40/66: (15 + 4 x 40 + 66) / 6) x 170 = 6,828.33 at £39.71
    df10 = sum(1 / 1.035**t for t in range(10))
    vol_rate = (11.44 + 15.79 + 20.0) / 3
    along = 50 * 1.0 + 100 * 1.2
    assert o["pv_time_costs"] == pytest.approx(78 * along * vol_rate * df10, rel=1e-9)
    assert o["time_hours"] == pytest.approx(78 * along * 10)  # 132,600 over 10 years
    charity = along * (50 + 150 + 300) / 3  # triangular 50/150/300 mean per match
    coordinator = along * (15 + 4 * 40 + 66) / 6 * 39.71
    assert o["pv_public_costs"] == pytest.approx(coordinator * df10, rel=1e-9)
    assert o["pv_costs"] == pytest.approx(
        (coordinator + charity + 78 * along * vol_rate) * df10, rel=1e-9
    )
    # the same as the strategy-map engine's own cost difference
    m = cp.load_model("example:older-people")
    base = cp.evaluate(m)
    opt = cp.evaluate(cp.load_model("example:older-people", scenarios=["double_befriending"]))
    assert o["pv_costs"] == pytest.approx((opt.cost.full - base.cost.full) * df10, rel=1e-9)
    social = opt.value["social"] - base.value["social"]
    assert o["pv_benefits"]["social"] == pytest.approx(social * df10, rel=1e-9)
    again = yaml.safe_load(saved.read_text())
    assert appraise(again).to_dict()["options"]["double_befriending"][
        "npv_public_value"
    ] == pytest.approx(o["npv_public_value"])


def test_cli_from_model_bad_input(capsys, tmp_path):
    code, _, err = entry(
        ["cba", "--from-model", "example:older-people", "--scenario", "double_befriending"], capsys
    )
    assert code == 2 and "--years" in err
    code, _, err = entry(
        ["cba", "--from-model", "example:older-people", "--scenario", "no_such", "--years", "5"],
        capsys,
    )
    assert code == 2 and "unknown scenario 'no_such'" in err
    code, _, err = entry(
        ["cba", "--from-model", "example:older-people", "--years", "5", "--draws", "100"], capsys
    )
    assert code == 2 and "nothing to sample" in err
    code, _, err = entry(
        ["cba", "example:balsall-heath", "--from-model", "example:older-people", "--years", "5"],
        capsys,
    )
    assert code == 2 and "give one of" in err
    code, _, err = entry(
        ["cba", "--from-model", str(tmp_path / "none.yaml"), "--years", "5"], capsys
    )
    assert code == 2 and "not found" in err
    code, _, err = entry(["cba", "example:balsall-heath", "--years", "5"], capsys)
    assert code == 2 and "--from-model" in err
