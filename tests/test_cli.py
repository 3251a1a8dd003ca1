"""The command line through its entry point, as a user runs it: in this process (the entry
point's own function, :func:`tests.clirun.cli`), and through a real interpreter for what only
one can show — exit codes reaching the shell, ``python -m coproduce``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coproduce.model import load_model
from tests.clirun import cli, cli_process

MODELS = Path(__file__).parent / "models"
DIAMOND = str(MODELS / "diamond.yaml")


def test_map_json_contract():
    r = cli_process("map", DIAMOND, "--target", "z=10", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["target"] == {
        "outcome": "z",
        "amount": 10.0,
        "label": "Final Z",
        "unit": "person-year",
    }
    assert d["currency"] == "GBP" and d["price_year"] == 2024
    assert [p["intervention"] for p in d["pathways"]] == ["a", "b"]
    p = d["pathways"][0]
    for key in (
        "intervention",
        "volume",
        "cost",
        "cost_per_outcome",
        "coproduction_share",
        "within_capacity",
        "co_benefits",
        "flags",
        "paths",
    ):
        assert key in p
    assert set(p["cost"]) >= {"full", "public", "by_sector", "by_resource"}
    assert set(p["cost_per_outcome"]) == {"full", "public"}
    assert p["cost"]["full"] == pytest.approx(3250)  # worked in test_engine_hand
    assert {tuple(r["nodes"]) for r in p["paths"]} == {("a", "x", "z"), ("a", "y", "z")}
    assert all(set(r) >= {"nodes", "effect", "share"} for r in p["paths"])
    assert d["unreachable"] == []


def test_map_ranks_by_public_and_writes_report(tmp_path):
    out = tmp_path / "r.html"
    r = cli("map", DIAMOND, "--target", "z=10", "--by", "public", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "Co-produced group" in r.stdout.split("Professional service")[0]
    html = out.read_text()
    assert html.startswith("<!doctype html>") and "<svg" in html
    # self-contained: nothing is loaded from elsewhere (plotly.js, embedded, names URLs inside)
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "Ranked pathways" in html


def test_map_no_pathway_exits_1(tmp_path):
    data = load_model(DIAMOND).model_dump(by_alias=True)
    data["outcomes"]["lonely"] = {"label": "Unreached"}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    r = cli_process("map", str(path), "--target", "lonely=5")
    assert r.returncode == 1
    assert "no intervention reaches lonely" in r.stderr


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--target", "z"], "write NAME=NUMBER"),
        (["--target", "q=3"], "unknown outcome 'q'"),
        (["--target", "z=-3"], "must be above 0"),
        (["--target", "z=1", "--by", "cheapest"], "use 'full' or 'public'"),
        (["--target", "z=1", "--scenario", "nope"], "unknown scenario 'nope'"),
        (["--target", "z=1", "--out", "report.pdf"], "cannot write '.pdf'"),
    ],
)
def test_map_bad_arguments_exit_2(args, expected):
    r = cli("map", DIAMOND, *args)
    assert r.returncode == 2, r.stdout
    assert expected in r.stderr
    assert "Traceback" not in r.stderr


def test_scenarios_stack_on_the_command_line():
    r = cli(
        "map",
        DIAMOND,
        "--target",
        "z=10",
        "--scenario",
        "cheap_volunteers",
        "--scenario",
        "bigger_b",
        "--json",
    )
    d = json.loads(r.stdout)
    assert d["scenarios"] == ["cheap_volunteers", "bigger_b"]
    a = next(p for p in d["pathways"] if p["intervention"] == "a")
    assert a["volume"] == pytest.approx(50)  # only a-x-z remains: 10 / 0.2


def test_evaluate_with_volumes():
    r = cli("evaluate", DIAMOND, "--volume", "a=50", "--volume", "b=0", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    # a = 50 alone: z = 0.4 x 50 = 20; cost 50 x (2 x 40 + 50) = 6500, all public
    assert d["outcomes"]["z"]["level"] == pytest.approx(20)
    assert d["cost"]["full"] == pytest.approx(6500)
    r = cli("evaluate", DIAMOND, "--volume", "c=3")
    assert r.returncode == 2 and "unknown intervention 'c'" in r.stderr


def test_check_json_reports_validity(tmp_path):
    r = cli("check", DIAMOND, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["valid"] is True
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "coproduce: 1\nname: x\nprice_year: 2024\nlinks:\n  - {from: a, to: b, effect: 1}\n"
    )
    r = cli("check", str(bad), "--json")
    assert r.returncode == 2
    d = json.loads(r.stdout)
    assert d["valid"] is False
    assert {i["path"] for i in d["issues"]} == {"links[0].from", "links[0].to"}
    assert all(i["line"] == 5 for i in d["issues"])


@pytest.mark.parametrize("fmt", ["yaml", "json", "xlsx"])
def test_export_round_trips(tmp_path, fmt):
    out = tmp_path / f"m.{fmt}"
    r = cli("export", DIAMOND, "--to", fmt, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert load_model(out) == load_model(DIAMOND)


def test_export_elements_workbook(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "kumu.xlsx"
    assert cli("export", DIAMOND, "--to", "elements-xlsx", "--out", str(out)).returncode == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Elements", "Connections"]
    elements = list(wb["Elements"].iter_rows(values_only=True))
    assert elements[0][:2] == ("Label", "Type")
    assert len(elements) == 1 + 5 + 2 + 3  # resources + interventions + outcomes
    connections = list(wb["Connections"].iter_rows(values_only=True))
    effects = [c for c in connections if c[2] == "effect"]
    assert len(effects) == 5
    assert ("Professional service", "Intermediate X", "effect", 0.5) in [c[:4] for c in effects]


def test_export_yaml_to_stdout_and_missing_out():
    r = cli("export", DIAMOND, "--to", "yaml")
    assert r.returncode == 0 and r.stdout.startswith("coproduce: 1")
    r = cli("export", DIAMOND, "--to", "xlsx")
    assert r.returncode == 2 and "give --out" in r.stderr


def test_demo_prints_table_and_writes_report(tmp_path):
    r = cli("demo", "--out-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "Pathways to" in r.stdout and "HTML report:" in r.stdout
    html = (tmp_path / "older-people-map.html").read_text()
    assert "<svg" in html and "Physio-led strength and balance classes" in html
    # the model and the run are kept in the embedded SQLite store, as the web app keeps them
    from coproduce.store import Store

    assert "embedded SQLite store" in r.stdout
    store = Store.open(f"sqlite:///{tmp_path / 'coproduce.db'}")
    try:
        store.reset_password("analyst@demo.coproduce.local", "a test password")
        actor = store.authenticate("analyst@demo.coproduce.local", "a test password")
        runs = store.list_runs(actor, kind="map")
        assert len(runs) == 1 and runs[0].status == "done"
        # a list leaves results out: the run itself has it
        first = store.get_run(actor, runs[0].id).result["pathways"][0]["intervention"]
        assert (
            first
            == json.loads(cli("map", "example:older-people", "--json").stdout)["pathways"][0][
                "intervention"
            ]
        )
    finally:
        store.close()


@pytest.mark.parametrize("example", ["older-people", "neighbourhood-safety"])
def test_examples_load_and_map(example):
    m = load_model(f"example:{example}")
    for scenario in m.scenarios:  # every scenario applies
        load_model(f"example:{example}", scenarios=[scenario])
    for outcome, amount in m.targets.items():
        r = cli("map", f"example:{example}", "--target", f"{outcome}={amount}", "--json")
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        assert d["pathways"], f"no pathway to {outcome}"
        costs = [p["cost_per_outcome"]["full"] for p in d["pathways"]]
        assert costs == sorted(costs)


def test_bad_input_exits_2_through_the_interpreter():
    r = cli_process("map", DIAMOND, "--target", "q=3")
    assert r.returncode == 2, r.stdout
    assert "unknown outcome 'q'" in r.stderr
    assert "Traceback" not in r.stderr
