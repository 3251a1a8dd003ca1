"""The capacity hand-off: area hours written into a strategy-map model as one scenario per area.

Fast, in-process tests on a hand-made CapacityResult; the full command (survey fit, model
written, ``coproduce map`` run on it) is in test_synthetic_and_cli.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.model import load_model
from coproduce.model.distributions import mean_of
from coproduce.model.errors import ModelError
from coproduce.model.schema import ID_PATTERN
from coproduce.survey.areas import CapacityResult
from coproduce.survey.to_model import area_identifier, area_identifiers, capacity_to_model


def _row(area, hours, sd, rate=0.5, adults=1000.0):
    return {
        "area": area,
        "adults": adults,
        "rate": rate,
        "rate_low": rate - 0.05,
        "rate_high": rate + 0.05,
        "participants": rate * adults,
        "participants_low": 0.0,
        "participants_high": 0.0,
        "hours": hours,
        "hours_sd": sd,
        "hours_low": hours - 2 * sd,
        "hours_high": hours + 2 * sd,
    }


RESULT = CapacityResult(
    rows=(
        _row("Old Town", 9876.54, 432.16),
        _row("St. Ann's", 1234.45, 0.0),
        _row("old-town", 500.0, 50.0),
    ),
    outcome="takes_part_collective",
    formula="takes_part_collective ~ age_band",
    hours_per_participant=20.0,
    period="year",
    draws=100,
    seed=1,
    level=0.9,
    synthetic=True,
)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("Old Town", "area_old_town"),
        ("St. Ann's", "area_st_ann_s"),
        ("Café Quarter", "area_cafe_quarter"),
        ("  Ward 12 ", "area_ward_12"),
        ("42", "area_42"),
        ("***", "area"),
    ],
)
def test_area_identifier_by_hand(name, expected):
    assert area_identifier(name) == expected


def test_clashing_names_are_numbered_in_order():
    assert area_identifiers(["Old Town", "old-town", "OLD TOWN"]) == {
        "Old Town": "area_old_town",
        "old-town": "area_old_town_2",
        "OLD TOWN": "area_old_town_3",
    }


@given(st.lists(st.text(max_size=12), min_size=1, max_size=8, unique=True))
def test_identifiers_are_always_valid_and_distinct(names):
    ids = area_identifiers(names)
    assert all(re.match(ID_PATTERN, i) for i in ids.values())
    assert len(set(ids.values())) == len(names)
    assert ids == area_identifiers(names)  # deterministic


def test_each_scenario_sets_the_area_hours():
    base = load_model("example:neighbourhood-safety")
    hand = capacity_to_model(RESULT, base, "volunteer_hour", source="panel.csv")
    model = load_model(hand.model)
    assert base.resources["volunteer_hour"].available == 12000  # baseline untouched
    assert model.resources["volunteer_hour"].available == 12000
    assert set(model.scenarios) >= {"area_old_town", "area_st_ann_s", "area_old_town_2"}
    # worked by hand from the rows: mean and sd rounded to 0.1 hour, gamma (non-negative)
    old = load_model(hand.model, scenarios=["area_old_town"]).resources["volunteer_hour"]
    assert old.available.dist == "gamma"
    assert (old.available.mean, old.available.sd) == (9876.5, 432.2)
    # no spread at all: a plain number (a gamma needs sd > 0)
    st_ann = load_model(hand.model, scenarios=["area_st_ann_s"]).resources["volunteer_hour"]
    assert st_ann.available == pytest.approx(1234.5)
    second = load_model(hand.model, scenarios=["area_old_town_2"]).resources["volunteer_hour"]
    assert mean_of(second.available) == 500.0
    assert "SYNTHETIC" in model.scenarios["area_old_town"].notes
    assert "panel.csv" in model.scenarios["area_old_town"].notes
    assert any("'St. Ann's' → area_st_ann_s" in n for n in hand.notes)
    # re-running on its own output replaces the scenarios rather than failing
    again = capacity_to_model(RESULT, model, "volunteer_hour")
    assert any("replaced" in n for n in again.notes)
    assert len(load_model(again.model).scenarios) == len(model.scenarios)


@pytest.mark.parametrize(
    "resource,words",
    [
        ("volunter_hour", ["resource: ", "'volunter_hour'", "did you mean 'volunteer_hour'"]),
        ("pcso_hour", ["'pcso_hour'", "sector 'public'", "not a co-production sector"]),
        ("forum_funds", ["'forum_funds'", "not a co-production sector"]),
    ],
)
def test_bad_resource_is_refused(resource, words):
    base = load_model("example:neighbourhood-safety")
    with pytest.raises(ModelError) as info:
        capacity_to_model(RESULT, base, resource)
    text = str(info.value)
    for w in words:
        assert w in text, text


def test_resource_not_in_hours_is_refused():
    data = {
        "coproduce": 1,
        "name": "t",
        "price_year": 2024,
        "resources": {"volunteer_day": {"unit": "day", "sector": "community", "unit_cost": 90}},
    }
    with pytest.raises(ModelError, match="counted in 'day'"):
        capacity_to_model(RESULT, load_model(data), "volunteer_day")


def _entry(args, capsys):
    from coproduce.cli.main import run

    with pytest.raises(SystemExit) as exc:
        run(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, " ".join(out.err.split())


@pytest.mark.parametrize(
    "args,words",
    [
        (
            ["--to-model", "example:neighbourhood-safety", "--resource", "volunter_hour"],
            ["volunter_hour", "did you mean 'volunteer_hour'"],
        ),
        (["--to-model", "example:neighbourhood-safety"], ["--to-model needs --resource"]),
        (["--resource", "volunteer_hour"], ["--resource goes with --to-model"]),
        (
            [
                "--to-model",
                "example:neighbourhood-safety",
                "--resource",
                "volunteer_hour",
                "--out-model",
                "x.txt",
            ],
            ["--out-model", ".yaml or .json"],
        ),
        (
            ["--to-model", "example:neighbourhood-safty", "--resource", "volunteer_hour"],
            ["did you mean 'neighbourhood-safety'"],
        ),
    ],
)
def test_cli_bad_to_model_options_exit_2(args, words, capsys):
    code, _, err = _entry(["survey", "capacity", *args], capsys)
    assert code == 2, err
    for w in words:
        assert w in err, err
