"""`coproduce plan` through the entry point: exit codes, the JSON contract, bad input — in
this process, and through a real interpreter for the contract and a bad file."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from tests.clirun import Ran, cli, cli_process

from .models import base, edit


def run(*args: str) -> Ran:
    return cli("plan", *args)


def run_process(*args: str) -> subprocess.CompletedProcess:
    return cli_process("plan", *args, timeout=120)


def run_here(capsys, *args: str) -> tuple[int, str]:
    """The same entry point in-process (quicker for the many bad-input cases)."""
    from coproduce.cli.main import run as main

    with pytest.raises(SystemExit) as exc:
        main(["plan", *args])
    return int(exc.value.code), capsys.readouterr().err


def write(tmp_path, data: dict, name: str = "m.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def test_json_contract(tmp_path):
    r = run_process(write(tmp_path, base()), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["status"] == "optimal"
    assert d["volumes"] == pytest.approx({"a": 50.0, "b": 100.0})
    assert set(d["cost"]) >= {"full", "public", "by_sector"}
    assert d["cost"]["public"] == pytest.approx(1500.0)
    assert d["outcomes"]["y"] == pytest.approx(100.0)
    assert set(d["binding"]) == {"y", "vol"}
    assert d["shadow_prices"]["targets"] == pytest.approx({"y": 20.0})
    assert d["shadow_prices"]["resources"] == pytest.approx({"vol": 5.0})
    assert "relaxation" not in d


def test_baseline_keys_and_readings(tmp_path):
    # today a = 30, b = 40 (y = 50): 100 more needs y ≥ 150 — a = 100, b = 100, £2,500
    # (tests/planning/test_baseline.py); read as a total, the old a = 50, b = 100, £1,500
    data = edit(base(), interventions__a__volume=30, interventions__b__volume=40)
    path = write(tmp_path, data)
    d = json.loads(run(path, "--json").stdout)
    assert d["targets_as"] == "increase"
    assert d["baseline"] == {"a": 30.0, "b": 40.0}
    assert d["volumes"] == pytest.approx({"a": 100.0, "b": 100.0})
    assert d["changes"] == pytest.approx({"a": 70.0, "b": 60.0})
    assert d["cost"]["public"] == pytest.approx(2500.0)
    for key in ("flags", "flag_shares", "caveats", "time_value"):
        assert key in d
    assert d["same_choice_when_time_valued"] == [0.0, None]
    assert d["time_value"]["name"] == "as_stated"
    d = json.loads(run(path, "--targets-as", "total", "--json").stdout)
    assert d["targets_as"] == "total"
    assert d["volumes"] == pytest.approx({"a": 50.0, "b": 100.0})
    assert d["cost"]["public"] == pytest.approx(1500.0)


def test_time_value_and_min_evidence_options(tmp_path, capsys):
    # volunteer time at £4 an hour: b costs (5 + 4) / 0.5 = £18 per y in full against a's
    # £20, so least full cost funds b to its 100 units and a for the other 50 y; the choice
    # holds while 10 + 2h < 20, i.e. below £5 an hour (and down to 0).
    data = edit(
        base(),
        links=[
            {"from": "a", "to": "x", "effect": 1.0, "evidence": 4},
            {"from": "x", "to": "y", "effect": 1.0, "evidence": 4},
            {"from": "b", "to": "y", "effect": 0.5, "evidence": 2},
        ],
    )
    path = write(tmp_path, data)
    r = run(
        path, "--objective", "full", "--time-value-per-hour", "4", "--min-evidence", "3", "--json"
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["volumes"] == pytest.approx({"a": 50.0, "b": 100.0})
    assert d["time_value"]["per_hour"] == 4.0
    low, high = d["same_choice_when_time_valued"]
    assert low == 0.0 and high == pytest.approx(5.0, rel=1e-5)
    assert d["min_evidence"]["links_dropped"] == ["b->y"]
    assert d["min_evidence"]["survives"] is False
    r = run(path, "--time-value", "zero", "--objective", "full")
    assert r.returncode == 0, r.stderr
    assert "time is not valued (£0 an hour)" in r.stdout and "Change" in r.stdout


def test_target_option_and_full_objective(tmp_path):
    r = run(write(tmp_path, base()), "--target", "y=40", "--objective", "full", "--json")
    d = json.loads(r.stdout)
    # full cost per y: a £20, b £34 -> a = 40, £800
    assert d["volumes"] == pytest.approx({"a": 40.0, "b": 0.0})
    assert d["cost"]["full"] == pytest.approx(800.0)


def test_budget_and_frontier(tmp_path):
    data = edit(base(), outcomes__y={"unit": "year", "value": {"social": 30}})
    r = run(write(tmp_path, data), "--budget", "public=1000", "--frontier", "3", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["objective_value"] == pytest.approx(2250.0)
    assert [p["budget"] for p in d["frontier"]] == pytest.approx([0, 500, 1000])


def test_infeasible_exits_1_and_names_the_shortfall(tmp_path):
    data = edit(base(200, 100), interventions__a__capacity=100)
    r = run(write(tmp_path, data), "--json")
    assert r.returncode == 1
    d = json.loads(r.stdout)
    assert d["status"] == "infeasible"
    assert d["relaxation"] == pytest.approx({"y": 50.0, "vol": 100.0, "a.capacity": 50.0})
    assert "lower the target for y" in r.stderr and "100 more hours of vol" in r.stderr


def test_example_and_report(tmp_path):
    out = tmp_path / "plan.html"
    r = run("example:older-people", "--out", str(out), "--frontier", "4")
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert "What binds and what it is worth" in html and "data:text/csv;base64" in html
    assert "volunteer hour" in r.stdout.lower()


BAD_CURVES = [
    (
        "not increasing",
        [{"up_to": 100, "multiplier": 1}, {"up_to": 50, "multiplier": 0.8}, {"multiplier": 1}],
        "cost_curve[1].up_to: breakpoints must increase",
    ),
    (
        "negative multiplier",
        [{"up_to": 100, "multiplier": -1}, {"multiplier": 1}],
        "cost_curve[0].multiplier: a multiplier cannot be negative",
    ),
    (
        "zero breakpoint",
        [{"up_to": 0, "multiplier": 1}, {"multiplier": 1}],
        "cost_curve[0].up_to: a band must end at a volume above 0",
    ),
    (
        "negative breakpoint",
        [{"up_to": -5, "multiplier": 1}, {"multiplier": 1}],
        "cost_curve[0].up_to: a band must end",
    ),
    (
        "open band in the middle",
        [{"multiplier": 1}, {"up_to": 100, "multiplier": 1}],
        "cost_curve[0].up_to: only the last band may leave out up_to",
    ),
    (
        "closed last band",
        [{"up_to": 100, "multiplier": 1}],
        "cost_curve[0].up_to: the last band runs on without limit",
    ),
    (
        "missing multiplier",
        [{"up_to": 100}, {"multiplier": 1}],
        "cost_curve[0].multiplier: 'multiplier' is required",
    ),
    (
        "unknown band field",
        [{"up_to": 100, "multiplier": 1, "slope": 2}, {"multiplier": 1}],
        "cost_curve[0].slope: unknown field 'slope'",
    ),
    (
        "text multiplier",
        [{"up_to": 100, "multiplier": "cheap"}, {"multiplier": 1}],
        "cost_curve[0].multiplier: expected a number",
    ),
    ("empty curve", [], "interventions.a.cost_curve: a cost curve needs at least one band"),
    ("not a list", {"up_to": 100}, "interventions.a.cost_curve: expected a list"),
]


@pytest.mark.parametrize("name,curve,message", BAD_CURVES, ids=[c[0] for c in BAD_CURVES])
def test_malformed_cost_curves_exit_2(tmp_path, capsys, name, curve, message):
    data = edit(base(), interventions__a__cost_curve=curve)
    code, err = run_here(capsys, write(tmp_path, data))
    assert code == 2
    assert message in err, err


@pytest.mark.parametrize(
    "change,message",
    [
        (
            {"interventions__a__min_volume": -1},
            "interventions.a.min_volume: a minimum volume cannot",
        ),
        (
            {"interventions__a__min_volume": 50, "interventions__a__capacity": 10},
            "interventions.a.min_volume: minimum volume 50 is above capacity 10",
        ),
        ({"interventions__a__min_volume": "lots"}, "interventions.a.min_volume"),
    ],
)
def test_malformed_min_volume_exit_2(tmp_path, capsys, change, message):
    code, err = run_here(capsys, write(tmp_path, edit(base(), **change)))
    assert code == 2
    assert message in err, err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--target", "yy=10"], "unknown outcome (did you mean 'y'?)"),
        (["--target", "y"], "--target 'y': write NAME=NUMBER"),
        (["--budget", "pubic=10"], "budget 'pubic': unknown sector (did you mean 'public'?)"),
        (["--objective", "cheapest"], "--objective cheapest: use 'public' or 'full'"),
        (["--frontier", "1"], "--frontier 1: give 2 or more points"),
        (["--out", "plan.pdf"], "cannot write '.pdf' files"),
        (["--target", "y=-5"], "target y=-5.0: give a finite amount of 0 or more"),
        (["--targets-as", "more"], "--targets-as more: use 'increase'"),
        (["--time-value", "wage"], "unknown valuation of time 'wage'"),
        (["--time-value-per-hour", "-3"], "a value of time must be a finite amount of 0 or more"),
        (["--min-evidence", "9"], "--min-evidence"),
        (["--min-evidence", "0"], "--min-evidence"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, args, message):
    code, err = run_here(capsys, write(tmp_path, base()), *args)
    assert code == 2
    assert message in err, err


def test_bad_input_through_the_real_entry_point(tmp_path):
    r = run_process(write(tmp_path, edit(base(), interventions__a__cost_curve=BAD_CURVES[0][1])))
    assert r.returncode == 2 and BAD_CURVES[0][2] in r.stderr
