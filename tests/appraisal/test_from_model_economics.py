"""``cba --from-model`` with the economics of issue 12: enabling inputs, cost curves, the
model's own value of time and the caveats each option carries. The small model below is worked
by hand in each test."""

from __future__ import annotations

import copy
import json

import pytest
from openpyxl import load_workbook

import coproduce as cp
from coproduce.appraisal import appraise, load_appraisal
from coproduce.appraisal.from_model import build_from_model, time_value_sensitivity
from coproduce.engine.flags import FLAG_KINDS
from coproduce.model.compile import compile_model

from .test_cli import entry, run

# One co-produced intervention: peer groups, 100 members, each needing 4 volunteer hours
# (community, £10 an hour as stated) and 0.5 organiser hours (council, £30). The organiser
# enables the groups: elasticity 0.5, floor 0.2. Each member avoids 0.02 emergency admissions
# (£2,000 to the NHS each). The model names two values of time and a target.
SMALL = {
    "coproduce": 1,
    "name": "Small",
    "price_year": 2024,
    "agencies": {"council": {"label": "Council"}, "nhs": {"label": "NHS"}},
    "resources": {
        "organiser_hour": {
            "unit": "hour",
            "sector": "public",
            "agency": "council",
            "unit_cost": 30,
        },
        "volunteer_hour": {
            "unit": "hour",
            "sector": "community",
            "unit_cost": 10,
            "available": 1000,
        },
    },
    "interventions": {
        "peer_group": {
            "volume": 100,
            "capacity": 400,
            "inputs": {"volunteer_hour": 4, "organiser_hour": 0.5},
            "enabling": {"organiser_hour": {"elasticity": 0.5, "floor": 0.2}},
        },
    },
    "outcomes": {"admissions_avoided": {"unit": "admission", "value": {"fiscal": {"nhs": 2000}}}},
    "links": [{"from": "peer_group", "to": "admissions_avoided", "effect": 0.02, "evidence": 2}],
    "targets": {"admissions_avoided": 1},
    "time_values": {
        "nlw": {"label": "National Living Wage", "per_hour": 11.44, "source": "GOV.UK, April 2024"}
    },
    "scenarios": {
        "quarter_organiser": {
            "kind": "decision",
            "changes": [{"set": "interventions.peer_group.inputs.organiser_hour", "value": 0.125}],
        },
        "grow": {
            "kind": "decision",
            "changes": [{"set": "interventions.peer_group.volume", "value": 250}],
        },
    },
}


def small(**extra) -> cp.Model:
    data = copy.deepcopy(SMALL)
    for key, value in extra.items():
        data["interventions"]["peer_group"][key] = value
    return cp.load_model(data)


def test_an_enabling_input_cut_by_the_option_cuts_its_benefits():
    built = build_from_model(small(), ["quarter_organiser"], 1)
    load_appraisal(built.data)
    f = appraise(built.data).options["quarter_organiser"].figures
    # organiser 0.5 -> 0.125 hours a member: actual/declared = 0.25, so the effect keeps
    # m = 0.2 + 0.8 x 0.25^0.5 = 0.6. Admissions 100 x 0.02 = 2 -> 1.2: 0.8 fewer, -£1,600 NHS.
    # 100 x 0.375 = 37.5 organiser hours released at £30: £1,125 back to the council.
    assert f["pv_costs"] == pytest.approx(0.0)
    assert f["pv_fiscal"] == pytest.approx(1125 - 1600)
    assert f["npv_public_value"] == pytest.approx(-475)
    # and the option says why
    assert built.caveats.flags == ("weak_evidence", "enabling_shortfall")
    cut = built.caveats.enabling["peer_group"]
    assert cut["multiplier"] == pytest.approx(0.6)
    assert cut["inputs"]["organiser_hour"]["actual"] == pytest.approx(0.125)
    assert any("keeps 60% of its effect" in line for line in built.caveat_lines)
    assert "keeps 60% of its effect" in built.data["notes"]


def test_added_volume_is_costed_along_the_cost_curve():
    curve = [
        {"up_to": 100, "multiplier": 1},
        {"up_to": 200, "multiplier": 0.75},
        {"multiplier": 0.5},
    ]
    f = (
        appraise(build_from_model(small(cost_curve=curve), ["grow"], 1).data)
        .options["grow"]
        .figures
    )
    # 100 -> 250 members: the added 150 take 100 x 0.75 + 50 x 0.5 = 100 members' worth of
    # inputs: 400 volunteer hours at £10 = £4,000 and 50 organiser hours at £30 = £1,500.
    # Effects are per member, not on the curve: +150 x 0.02 = 3 admissions, £6,000 NHS.
    assert f["pv_time_costs"] == pytest.approx(4000)
    assert f["pv_public_costs"] == pytest.approx(1500)
    assert f["pv_fiscal"] == pytest.approx(6000)
    assert f["npv_public_value"] == pytest.approx(500)
    # the same as the engine's own costs of the whole volumes, option less baseline
    base = cp.evaluate(small(cost_curve=curve))
    opt = cp.evaluate(
        cp.load_model(
            {
                **copy.deepcopy(SMALL),
                "interventions": {
                    "peer_group": {
                        **SMALL["interventions"]["peer_group"],
                        "volume": 250,
                        "cost_curve": curve,
                    }
                },
            }
        )
    )
    assert opt.cost.full - base.cost.full == pytest.approx(5500)


def test_time_is_valued_on_the_models_basis_the_figure_map_uses():
    m = small()
    for name, per_hour, expected in (("nlw", None, 11.44), (None, 6.0, 6.0)):
        built = build_from_model(m, ["grow"], 1, time_value=name, time_value_per_hour=per_hour)
        line = next(c for c in built.data["options"]["grow"]["costs"] if "hours" in c)
        # the compiled model's own unit cost of a volunteer hour, read after the choice
        valued = compile_model(
            cp.load_model(copy.deepcopy(SMALL), time_value=name, time_value_per_hour=per_hour)
        )
        assert (
            line["hourly_value"]
            == valued.unit_cost[valued.resource_ids.index("volunteer_hour")]
            == expected
        )
        f = appraise(built.data).options["grow"].figures
        # 150 more members x 4 hours = 600 hours a year
        assert f["pv_time_costs"] == pytest.approx(600 * expected)
        assert built.time_value.per_hour == expected
        assert f"£{expected:,.2f} an hour" in built.data["notes"]  # the one formatter
    zero = build_from_model(m, ["grow"], 1, time_value="zero")
    assert zero.data["time_valuation"]["method"] == "zero"
    r = appraise(zero.data).options["grow"]
    assert r.figures["pv_time_costs"] == 0 and r.time_hours == pytest.approx(600)
    with pytest.raises(cp.ModelError, match="unknown valuation of time 'nwl'"):
        build_from_model(m, ["grow"], 1, time_value="nwl")


def test_the_appraisal_under_each_of_the_models_bases():
    table = time_value_sensitivity(small(), ["grow"], 1)
    assert list(table) == ["as_stated", "nlw", "zero"]
    # 600 hours a year more; benefits 3 admissions x £2,000 = £6,000; organiser 75 h x £30
    for name, rate in (("as_stated", 10.0), ("nlw", 11.44), ("zero", 0.0)):
        assert table[name]["pv_time_costs"] == pytest.approx(600 * rate)
        assert table[name]["npv_public_value"] == pytest.approx(6000 - 2250 - 600 * rate)
    assert table["nlw"]["per_hour"] == 11.44 and table["as_stated"]["per_hour"] is None


def test_against_doing_nothing_the_option_carries_the_whole_programmes_caveats():
    built = build_from_model(small(volume=300), [], 1)
    # 300 members need 1,200 volunteer hours, 1,000 are available; the only link is grade 2
    assert built.caveats.flags == ("weak_evidence", "over_available")
    assert built.caveats.flag_shares == {"admissions_avoided": {"weak_evidence": 1.0}}
    assert built.caveats.short == {"volunteer_hour": {"needed": 1200.0, "available": 1000.0}}
    assert not built.caveats.fits


def test_cli_json_carries_the_flags_and_keeps_every_key(tmp_path):
    p = run(
        "cba",
        "--from-model",
        "example:older-people",
        "--scenario",
        "double_befriending",
        "--years",
        "10",
        "--json",
        "--time-value",
        "national_living_wage",
    )
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    o = d["options"]["double_befriending"]
    plain = appraise(
        build_from_model(
            "example:older-people", ["double_befriending"], 10, time_value="national_living_wage"
        ).data
    ).to_dict()
    assert set(plain) <= set(d) and set(plain["options"]["double_befriending"]) <= set(o)
    assert d["time_value"]["name"] == "national_living_wage"
    assert d["time_value"]["per_hour"] == 11.44
    # befriending doubled needs more volunteer hours than the 30,000 available
    assert "over_available" in o["flags"] and o["fits"] is False
    assert set(o["flags"]) <= set(FLAG_KINDS)
    assert set(o["caveats"]) == {
        "flags",
        "flag_shares",
        "resources_short",
        "over_capacity",
        "no_public_input",
        "enabling_shortfall",
    }
    assert o["caveats"]["resources_short"]["volunteer_hour"]["available"] == 30000
    assert any("cannot be delivered" in line for line in o["caveats_in_words"])
    assert o["time_values"]["national_living_wage"]["npv_public_value"] == pytest.approx(
        o["npv_public_value"]
    )
    assert {"as_stated", "replacement_cost", "national_living_wage", "zero"} <= set(
        o["time_values"]
    )


def test_cli_reports_show_the_caveats_and_the_models_values_of_time(tmp_path):
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    for out in (html, xlsx):
        p = run(
            "cba",
            "--from-model",
            "example:older-people",
            "--scenario",
            "double_befriending",
            "--years",
            "5",
            "--out",
            str(out),
        )
        assert p.returncode == 0, p.stderr
    assert "Caveats for Double befriending" in p.stdout
    text = html.read_text()
    assert "Caveats carried from the strategy map" in text
    assert "cannot be delivered as it stands" in text
    assert "under each value of time the strategy map names" in text
    book = load_workbook(xlsx, read_only=True)
    assert {"Caveats", "Time values (model)"} <= set(book.sheetnames)


def test_cli_time_options(capsys):
    code, _, err = entry(
        [
            "cba",
            "--from-model",
            "example:older-people",
            "--years",
            "5",
            "--time-valuation",
            "living_wage",
        ],
        capsys,
    )
    assert code == 2 and "--time-value NAME" in err
    code, _, err = entry(["cba", "example:balsall-heath", "--time-value", "zero"], capsys)
    assert code == 2 and "go with --from-model" in err
    code, _, err = entry(
        ["cba", "--from-model", "example:older-people", "--years", "5", "--time-value", "nope"],
        capsys,
    )
    assert code == 2 and "unknown valuation of time 'nope'" in err
    # --time-valuation zero keeps working with --from-model: the model's own zero
    code, out, _ = entry(
        [
            "cba",
            "--from-model",
            "example:older-people",
            "--scenario",
            "double_befriending",
            "--years",
            "5",
            "--time-valuation",
            "zero",
            "--json",
        ],
        capsys,
    )
    assert code in (0, None)
    d = json.loads(out)
    assert d["time_value"]["name"] == "zero"
    assert d["options"]["double_befriending"]["pv_time_costs"] == 0


def test_the_figures_docs_appraisal_md_quotes():
    """docs/appraisal.md: doubling befriending over 10 years is worth about £23k at the
    National Living Wage and about −£474k at the ONS replacement cost."""
    table = time_value_sensitivity("example:older-people", ["double_befriending"], 10)
    assert round(table["national_living_wage"]["npv_public_value"], -3) == 23_000
    assert round(table["replacement_cost"]["npv_public_value"], -3) == -474_000
    assert table["national_living_wage"]["per_hour"] == 11.44
    assert table["replacement_cost"]["per_hour"] == 15.79
