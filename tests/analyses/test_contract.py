"""The analysis contract: every analysis declared once, and the command line, the web and
the downloads reading the same declaration."""

from __future__ import annotations

import csv
import json

import pytest

import coproduce as cp
from coproduce import analyses
from coproduce.errors import BadInput
from tests.clirun import cli

EXPECTED = {"map", "evaluate", "plan", "uncertainty", "appraisal", "survey", "portfolio"}


def test_every_analysis_is_registered_with_tables_and_words():
    reg = analyses.load_all()
    assert set(reg) >= EXPECTED
    for name, a in reg.items():
        assert a.name == name and a.title and a.title[0].isupper()
        assert a.tables, name  # every analysis has the data behind its tables
        assert a.input_words is not None, name
        assert a.check is not None, name


def test_an_unknown_analysis_or_table_names_the_ones_there_are():
    with pytest.raises(BadInput, match=r"analyses: .*map"):
        analyses.get("mapp")
    r = analyses.Result(analyses.get("map"), {"pathways": [], "target": {"amount": 1}})
    with pytest.raises(BadInput, match="tables: pathways, cost-by-sector, routes"):
        r.frame("nosuch")


def test_a_map_run_through_the_contract_is_the_library_s_answer():
    model = cp.load_model("example:older-people")
    a = analyses.get("map")
    inputs = a.validate({"outcome": "independent_years", "amount": 300}, model)
    live = a.run(analyses.Job(None, inputs, load=lambda: model))
    expected = cp.backwards_map(model, "independent_years", 300).to_dict()
    assert live.to_dict() == expected
    frames = analyses.Result(a, live.to_dict()).to_frames()
    # one row per pathway in rank order; the chart's data: each pathway's sectors' cost per
    # unit add up to its full cost per unit
    assert list(frames["pathways"]["intervention"]) == [
        p["intervention"] for p in expected["pathways"]
    ]
    by_pathway = frames["cost-by-sector"].groupby("pathway", sort=False)["cost_per_outcome"].sum()
    for p in expected["pathways"]:
        assert by_pathway[p["label"]] == pytest.approx(p["cost_per_outcome"]["full"])


def test_bad_inputs_are_refused_naming_each_field():
    model = cp.load_model("example:older-people")
    with pytest.raises(BadInput) as exc:
        analyses.get("map").validate(
            {"outcome": "nosuch", "amount": -1, "by": "cheapest", "paths": 0}, model
        )
    assert {i.path for i in exc.value.issues} == {"outcome", "amount", "by", "paths"}
    with pytest.raises(BadInput) as exc:
        analyses.get("evaluate").validate({"volumes": {"telecare": -5, "nosuch": 1}}, model)
    assert {i.path for i in exc.value.issues} == {"volumes.telecare", "volumes.nosuch"}


def test_the_command_line_writes_the_same_tables_as_the_workspace(tmp_path):
    r = cli("map", "example:older-people", "--json", "--tables", tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cost-by-sector.csv",
        "pathways.csv",
        "routes.csv",
    ]
    with (tmp_path / "pathways.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [row["intervention"] for row in rows] == [p["intervention"] for p in data["pathways"]]
    assert float(rows[0]["full_cost"]) == pytest.approx(data["pathways"][0]["cost"]["full"])


def test_a_tables_folder_that_does_not_exist_is_refused_before_any_work(tmp_path):
    r = cli("plan", "example:older-people", "--tables", tmp_path / "nosuch")
    assert r.returncode == 2 and "--tables" in r.stderr and "create it first" in r.stderr
