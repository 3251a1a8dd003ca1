"""Sweep rows carry their caveats (flag columns) and the basis their users' and communities'
time is valued on; a row's time_value changes its costs exactly as worked by hand."""

from __future__ import annotations

import math

import pytest

import coproduce as cp
from coproduce.engine.flags import FLAG_KINDS
from coproduce.scale import read_sweep, sweep
from coproduce.scale.sweep import FLAG_COLUMNS

from .test_sweep import edited, write

CAVEAT_COLUMNS = {"flags", "fits", *FLAG_COLUMNS, "time_value", "time_value_per_hour"}


@pytest.fixture(scope="module")
def model():
    return cp.load_model("example:older-people")


def consistent(df) -> None:
    """Each row's boolean columns say what its ``flags`` string says."""
    for _, r in df.iterrows():
        named = set(filter(None, r["flags"].split(";")))
        assert named <= set(FLAG_KINDS)
        assert {k for k, c in zip(FLAG_KINDS, FLAG_COLUMNS, strict=True) if r[c]} == named
        assert r["fits"] == (not named & {"over_capacity", "over_available"})


def test_map_rows_carry_the_flags_backwards_mapping_gives(model, tmp_path):
    areas = write(
        tmp_path / "areas.csv",
        "area,resources.volunteer_hour.available,targets.independent_years\n"
        "base,,40\nfew,100,40\nbig,,400\n",
    )
    r = sweep(model, analysis="map", areas=areas, out=tmp_path / "out")
    assert not r.failed
    df = read_sweep(tmp_path / "out")
    assert set(df.columns) >= CAVEAT_COLUMNS
    assert df["fits"].dtype == bool and all(df[c].dtype == bool for c in FLAG_COLUMNS)
    consistent(df)
    for area, available, amount in (
        ("base", None, 40.0),
        ("few", 100.0, 40.0),
        ("big", None, 400.0),
    ):

        def edit(d, available=available):
            if available is not None:
                d["resources"]["volunteer_hour"]["available"] = available

        direct = cp.backwards_map(edited(model, edit), "independent_years", amount)
        got = df[df["area"] == area].set_index("intervention")
        assert list(got.index) == [p.intervention for p in direct.pathways]
        for p in direct.pathways:
            row = got.loc[p.intervention]
            assert row["flags"] == ";".join(p.flags)
            assert row["fits"] == p.within_capacity
            for kind, col in zip(FLAG_KINDS, FLAG_COLUMNS, strict=True):
                assert row[col] == (kind in p.flags)
    few = df[df["area"] == "few"].set_index("intervention")
    # 100 volunteer hours cannot carry any volunteer-led pathway; the physio-led classes use
    # no volunteer hours at all
    assert few.loc["befriending", "flag_over_available"]
    assert few.loc["handyperson", "flag_over_available"]
    assert not few.loc["falls_classes", "flag_over_available"]
    assert not few.loc["befriending", "fits"]


def test_plan_and_uncertainty_rows_carry_flags(model, tmp_path):
    areas = write(tmp_path / "areas.csv", "area,wtp\nx,30000\n")
    sweep(model, analysis="uncertainty", areas=areas, out=tmp_path / "u", draws=400, seed=5)
    u = read_sweep(tmp_path / "u")
    assert CAVEAT_COLUMNS | {"best_option_flags", "best_option_fits"} <= set(u.columns)
    consistent(u)
    best = u[u["option"] == u["best_option"]].iloc[0]
    assert (u["best_option_flags"] == best["flags"]).all()
    assert (u["best_option_fits"] == best["fits"]).all()

    plan_areas = write(tmp_path / "plan.csv", "area,label\nsame,The example itself\n")
    sweep(model, analysis="plan", areas=plan_areas, out=tmp_path / "p")
    p = read_sweep(tmp_path / "p")
    assert set(p.columns) >= CAVEAT_COLUMNS
    consistent(p)
    # one plan, so every intervention's row carries the same flags: the plan's own
    assert p["flags"].nunique() == 1
    direct = cp.plan(model).to_dict()
    if "flags" in direct:
        assert p["flags"].iloc[0] == ";".join(direct["flags"])


def test_a_time_value_column_changes_the_cost_as_worked_by_hand(model, tmp_path):
    areas = write(
        tmp_path / "areas.csv",
        "area,time_value,time_value_per_hour\n"
        "stated,,\nzero,zero,\nons,replacement_cost,\ntwenty,,20\n"
        "override,national_living_wage,20\nbad,replacement_cosst,\n",
    )
    r = sweep(model, analysis="map", areas=areas, out=tmp_path / "out")
    assert [f["area"] for f in r.failed] == ["bad"]
    assert "unknown valuation of time 'replacement_cosst'" in r.failed[0]["message"]
    df = read_sweep(tmp_path / "out")
    hp = df[df["intervention"] == "handyperson"].set_index("area")
    basis = {a: (hp.loc[a, "time_value"], hp.loc[a, "time_value_per_hour"]) for a in hp.index}
    assert basis["zero"] == ("zero", 0.0)
    assert basis["ons"] == ("replacement_cost", 15.79)
    assert basis["twenty"] == ("custom", 20.0) and basis["override"] == ("custom", 20.0)
    assert basis["stated"][0] == "as_stated" and math.isnan(basis["stated"][1])
    # the valuation moves cost, never volume: the same number of people reached
    v = hp.loc["zero", "volume"]
    assert (hp["volume"] == v).all()
    # a handyperson visit takes 10/3 volunteer hours (triangular 2/3/5) and 1 hour of the
    # person's own time: 13/3 hours of users' and communities' time a visit
    hours = (2 + 3 + 5) / 3 + 1
    zero = hp.loc["zero", "cost_full"]
    assert hp.loc["twenty", "cost_full"] == pytest.approx(zero + 20 * hours * v, rel=1e-12)
    assert hp.loc["ons", "cost_full"] == pytest.approx(zero + 15.79 * hours * v, rel=1e-12)
    # as stated: volunteers at their triangular mean (11.44 + 15.79 + 20) / 3, users £15.79
    stated = (11.44 + 15.79 + 20) / 3 * (10 / 3) + 15.79 * 1
    assert hp.loc["stated", "cost_full"] == pytest.approx(zero + stated * v, rel=1e-12)
    # public cost does not depend on how users' and communities' time is valued
    assert (hp["cost_public"] == hp.loc["zero", "cost_public"]).all()


def test_a_grid_of_valuations_and_the_sweeps_own_basis(model, tmp_path):
    grid = write(tmp_path / "grid.yaml", "grid:\n  time_value: [zero, national_living_wage]\n")
    sweep(model, analysis="map", grid=grid, out=tmp_path / "g")
    g = read_sweep(tmp_path / "g").groupby("row").head(1)
    assert list(g["time_value"]) == ["zero", "national_living_wage"]
    assert list(g["time_value_per_hour"]) == [0.0, 11.44]
    # a sweep of a model loaded with a basis keeps it in every row without a column
    valued = cp.load_model("example:older-people", time_value="zero")
    areas = write(tmp_path / "areas.csv", "area\na\n")
    sweep(valued, analysis="map", areas=areas, out=tmp_path / "a")
    assert set(read_sweep(tmp_path / "a")["time_value"]) == {"zero"}


def test_cli_time_value_applies_to_every_row(tmp_path):
    from tests.clirun import cli

    areas = write(tmp_path / "areas.csv", "area\nA\n")
    p = cli(
        "sweep",
        "example:older-people",
        "--areas",
        str(areas),
        "--out",
        str(tmp_path / "out"),
        "--time-value-per-hour",
        "9.5",
    )
    assert p.returncode == 0, p.stderr
    df = read_sweep(tmp_path / "out")
    assert set(df["time_value"]) == {"custom"} and set(df["time_value_per_hour"]) == {9.5}
    assert "fits" in p.stdout or "flags" in p.stdout  # the summary table shows the caveats
