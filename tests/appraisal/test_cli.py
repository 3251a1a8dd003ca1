"""The command line through the entry point — in this process, and through a real interpreter
for the contract and bad input: cba, costs search, reports, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from coproduce.appraisal.loading import load_appraisal
from coproduce.model.errors import ModelError
from tests.clirun import Ran, cli, cli_process

from .test_calc import base_file


def run(*args: str) -> Ran:
    return cli(*args)


def run_process(*args: str) -> subprocess.CompletedProcess:
    return cli_process(*args, timeout=120)


def entry(args: list[str], capsys) -> tuple[int, str, str]:
    """The entry point function in-process (faster than a process; same code path)."""
    from coproduce.cli.main import run as main_run

    with pytest.raises(SystemExit) as exc:
        main_run(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cba_json_follows_the_contract():
    p = run_process("cba", "example:balsall-heath", "--json", "--draws", "300", "--seed", "4")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    for name, o in d["options"].items():
        assert set(o) >= {
            "pv_costs",
            "pv_benefits",
            "npv_public_value",
            "benefit_cost_ratio",
            "net_present_budget_impact",
            "fiscal_roi",
            "payback_year",
            "by_agency",
        }, name
        assert set(o["pv_benefits"]) >= {"fiscal", "economic", "social"}
        assert set(o["payback_year"]) == {"discounted", "undiscounted"}
        for v in o["by_agency"].values():
            assert set(v) == {"pv_costs", "pv_fiscal_benefits"}
    assert d["uncertainty"]["draws"] == 300
    again = json.loads(
        run("cba", "example:balsall-heath", "--json", "--draws", "300", "--seed", "4").stdout
    )
    assert again["uncertainty"] == d["uncertainty"]


def test_cba_reports(tmp_path):
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    p = run("cba", "example:falls-prevention", "--out", str(html), "--draws", "200")
    assert p.returncode == 0, p.stderr
    text = html.read_text()
    assert "instead of leaving it out (zero)" in text
    assert '<script src="http' not in text  # self-contained: no CDN
    for div in ("cumulative", "npv-hist", "tornado-classes", "wrong-classes"):
        assert f'id="{div}"' in text
    assert text.count("data:text/csv;base64") >= 6
    assert run("cba", "example:falls-prevention", "--out", str(xlsx)).returncode == 0
    # LibreOffice opens it when available (headless conversion to CSV succeeds)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(xlsx)
    assert {"Summary", "Cash flows", "By agency", "Assumptions"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)  # values only


def test_time_valuation_option_changes_the_verdict(capsys):
    a = json.loads(entry(["cba", "example:falls-prevention", "--json"], capsys)[1])
    z = json.loads(
        entry(["cba", "example:falls-prevention", "--json", "--time-valuation", "zero"], capsys)[1]
    )
    assert (
        a["options"]["classes"]["npv_public_value"]
        < 0
        < z["options"]["classes"]["npv_public_value"]
    )


def test_costs_search(capsys):
    p = run("costs", "search", "A&E", "--json")
    assert p.returncode == 0
    d = json.loads(p.stdout)
    assert "HE4.0" in [e["code"] for e in d["entries"]]
    assert d["attribution"] == "GMCA Unit Cost Database v1.4, CC BY 4.0"
    code, out, _ = entry(["costs", "search", "CR1.0", "--json", "--price-year", "2015/16"], capsys)
    e = json.loads(out)["entries"][0]
    assert e["uprated"]["fiscal"] == pytest.approx(673.2312183, rel=1e-9)
    code, out, _ = entry(["costs", "search", "A&E"], capsys)
    assert code == 0 and "HE4.0" in out


BAD = [
    ("format version", {"coproduce_appraisal": 2}, "coproduce_appraisal"),
    ("unknown agency", {"options.pilot.costs.0.agency": "counsil"}, "did you mean 'council'"),
    ("typo field", {"options.pilot.outcomes.0.deadwieght": 0.1}, "deadwieght"),
    ("proportion > 1", {"options.pilot.outcomes.0.engagement": 26}, "engagement"),
    ("negative cost", {"options.pilot.costs.1.amount": -5}, "costs[1].amount"),
    ("bad cost type", {"options.pilot.costs.0.type": "capitol"}, "did you mean 'capital'"),
    ("unknown ucd", {"options.pilot.outcomes.0.values.0.value": {"ucd": "HE4.00"}}, "HE4.00"),
    ("unknown schedule", {"discounting.schedule": "green-bok"}, "green-book"),
    ("year out of period", {"options.pilot.costs.0.to_year": 9}, "costs[0].to_year"),
    ("price year outside deflator", {"price_base": 1850}, "price_base"),
    (
        "bad distribution",
        {"options.pilot.costs.1.amount": {"dist": "normall", "mean": 1}},
        "normal",
    ),
    (
        "normal as proportion",
        {"options.pilot.outcomes.0.impact": {"dist": "normal", "mean": 0.4, "sd": 0.1}},
        "impact",
    ),
    (
        "fiscal without agency",
        {"options.pilot.outcomes.0.values.0.agency": None},
        "values[0].agency",
    ),
    ("time without whose", {"options.pilot.costs.2.time_of": None}, "time_of"),
    ("bad year text", {"price_base": "2015/17"}, "price_base"),
    ("too many cohorts", {"options.pilot.outcomes.0.cohort": [1, 2, 3, 4, 5]}, "cohort"),
    (
        "unknown generic ob",
        {"options.pilot.costs.0.optimism_bias.category": "bridges"},
        "optimism_bias.category",
    ),
]


def _set(d: dict, dotted: str, value) -> dict:
    parts = dotted.split(".")
    cur = d
    for p in parts[:-1]:
        cur = cur[int(p)] if p.isdigit() else cur.setdefault(p, {})
    if value is None:
        cur.pop(parts[-1], None)
    else:
        cur[parts[-1]] = value
    return d


def _bad_file(tmp_path, case) -> Path:
    _, edits, _ = case
    d = base_file()
    for k, v in edits.items():
        _set(d, k, v)
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    return f


@pytest.mark.parametrize("case", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_naming_the_field(tmp_path, case, capsys):
    """In-process through the entry point function (the subprocess path is tested below)."""
    from coproduce.cli.main import run as entry

    f = _bad_file(tmp_path, case)
    with pytest.raises(SystemExit) as exc:
        entry(["cba", str(f)])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert case[2] in err, err
    assert "bad.yaml:" in err  # located: file and line


@pytest.mark.parametrize("case", BAD[:1], ids=[b[0] for b in BAD[:1]])
def test_bad_input_through_a_real_process(tmp_path, case):
    p = run_process("cba", str(_bad_file(tmp_path, case)))
    assert p.returncode == 2 and case[2] in p.stderr, p.stderr


def test_all_problems_reported_at_once():
    d = base_file()
    d["options"]["pilot"]["costs"][0]["agency"] = "counsil"
    d["options"]["pilot"]["outcomes"][0]["deadweight"] = 2
    with pytest.raises(ModelError) as exc:
        load_appraisal(d)
    assert len(exc.value.issues) == 2


def test_other_bad_invocations(tmp_path, capsys):
    assert entry(["cba", str(tmp_path / "missing.yaml")], capsys)[0] == 2
    code, _, err = entry(["cba", "example:balsall-heath", "--out", str(tmp_path / "r.pdf")], capsys)
    assert code == 2 and ".pdf" in err
    assert entry(["cba", "example:balsall-heath", "--draws", "-3"], capsys)[0] == 2
    code, _, err = entry(["cba", "example:nope"], capsys)
    assert code == 2 and "balsall-heath" in err
    code, _, err = entry(["cba", "example:balsall-heath", "--time-valuation", "free"], capsys)
    assert code == 2 and "replacement_cost" in err
    syntax = tmp_path / "s.yaml"
    syntax.write_text("name: [unclosed\n")
    code, _, err = entry(["cba", str(syntax)], capsys)
    assert code == 2 and "YAML syntax error" in err
