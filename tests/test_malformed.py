"""Malformed models: each must exit 2 with a message that names the field (and line)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from coproduce.cli.main import run

GOOD = yaml.safe_load((Path(__file__).parent / "models" / "diamond.yaml").read_text())


def _edit(fn):
    data = copy.deepcopy(GOOD)
    fn(data)
    return data


def _set(path, value):
    def fn(d):
        obj = d
        for p in path[:-1]:
            obj = obj[p]
        obj[path[-1]] = value

    return fn


def _delete(path):
    def fn(d):
        obj = d
        for p in path[:-1]:
            obj = obj[p]
        del obj[path[-1]]

    return fn


def _append_link(link):
    return lambda d: d["links"].append(link)


CASES = [
    ("version", _set(["coproduce"], 2), "coproduce: format version must be 1"),
    ("no name", _delete(["name"]), "name: 'name' is required"),
    ("price year text", _set(["price_year"], "last year"), "price_year: expected a whole number"),
    (
        "unknown top field",
        _set(["outcome"], {}),
        "unknown field 'outcome' (did you mean 'outcomes'?)",
    ),
    (
        "bad sector",
        _set(["resources", "staff_hour", "sector"], "pubic"),
        "resources.staff_hour.sector: unknown sector 'pubic' (did you mean 'public'?)",
    ),
    (
        "bad agency",
        _set(["resources", "staff_hour", "agency"], "counci"),
        "resources.staff_hour.agency: unknown agency 'counci' (did you mean 'council'?)",
    ),
    (
        "negative cost",
        _set(["resources", "staff_hour", "unit_cost"], -40),
        "resources.staff_hour.unit_cost: a unit cost cannot be negative",
    ),
    (
        "negative-reaching dist",
        _set(["resources", "staff_hour", "unit_cost"], {"dist": "normal", "mean": 40, "sd": 5}),
        "resources.staff_hour.unit_cost: a unit cost cannot be negative, but this normal",
    ),
    (
        "unknown dist",
        _set(["links", 0, "effect"], {"dist": "normall", "mean": 1, "sd": 1}),
        "links[0].effect: unknown distribution 'normall' (did you mean 'normal'?)",
    ),
    (
        "dist missing param",
        _set(["links", 0, "effect"], {"dist": "triangular", "low": 0, "high": 1}),
        "links[0].effect: triangular distribution: missing 'mode'",
    ),
    (
        "dist bad order",
        _set(["links", 0, "effect"], {"dist": "uniform", "low": 2, "high": 1}),
        "links[0].effect: uniform distribution: needs low < high",
    ),
    (
        "dist extra param",
        _set(["links", 0, "effect"], {"dist": "normal", "mean": 1, "sd": 1, "sigma": 2}),
        "unknown parameter 'sigma'",
    ),
    (
        "effect text",
        _set(["links", 0, "effect"], "large"),
        "links[0].effect: 'large' is not a number",
    ),
    (
        "unknown link end",
        _set(["links", 1, "to"], "yy"),
        "links[1].to: unknown node 'yy' (did you mean 'y'?)",
    ),
    (
        "link from resource",
        _set(["links", 1, "from"], "staff_hour"),
        "links[1].from: 'staff_hour' is a resource",
    ),
    (
        "link into intervention",
        _append_link({"from": "x", "to": "b", "effect": 1}),
        "links[5].to: 'b' is an intervention",
    ),
    ("cycle", _append_link({"from": "z", "to": "x", "effect": 0.1}), "cycle: x -> z -> x"),
    (
        "duplicate link",
        _append_link({"from": "a", "to": "x", "effect": 0.1}),
        "links[5]: duplicate link a -> x (also links[0])",
    ),
    (
        "evidence range",
        _set(["links", 0, "evidence"], 7),
        "links[0].evidence: input should be less than or equal to 5",
    ),
    (
        "contested text",
        _set(["links", 0, "contested"], "maybe"),
        "links[0].contested: expected true or false",
    ),
    ("missing effect", _delete(["links", 0, "effect"]), "links[0].effect: 'effect' is required"),
    (
        "unknown input",
        _set(["interventions", "a", "inputs", "doctor_hour"], 1),
        "interventions.a.inputs.doctor_hour: unknown resource 'doctor_hour'",
    ),
    (
        "negative input",
        _set(["interventions", "a", "inputs", "staff_hour"], -2),
        "interventions.a.inputs: input 'staff_hour' cannot be negative",
    ),
    (
        "volume over capacity",
        _set(["interventions", "b", "volume"], 500),
        "interventions.b.volume: current volume 500 is above capacity 200",
    ),
    (
        "bad id",
        _set(["outcomes", "Final-Z"], {}),
        "outcomes.Final-Z: identifier 'Final-Z' is not allowed",
    ),
    ("id reused", _set(["outcomes", "a"], {}), "outcomes.a: 'a' is already used in interventions"),
    (
        "fiscal agency",
        _set(["outcomes", "z", "value", "fiscal", "police"], 3),
        "outcomes.z.value.fiscal.police: unknown agency 'police'",
    ),
    ("target unknown", _set(["targets", "zz"], 3), "targets.zz: unknown outcome 'zz'"),
    ("target zero", _set(["targets", "z"], 0), "targets.z: a target must be above 0"),
    (
        "correlation fixed",
        _set(["correlations"], [{"between": ["links[0].effect", "links[4].effect"], "rho": 0.5}]),
        "correlations[0].between[0]: 'links[0].effect' is a fixed number",
    ),
    (
        "correlation unknown",
        _set(["correlations"], [{"between": ["links[9].effect", "links[4].effect"], "rho": 0.5}]),
        "correlations[0].between[0]: 'links[9].effect': there are 5 links",
    ),
    (
        "correlation rho",
        _set(
            ["correlations"],
            [{"between": ["resources.volunteer_hour.unit_cost", "links[4].effect"], "rho": 1.5}],
        ),
        "correlations[0].rho: input should be less than or equal to 1",
    ),
    (
        "scenario bad path",
        _set(
            ["scenarios", "s1"],
            {"changes": [{"set": "resources.volunter_hour.unit_cost", "value": 0}]},
        ),
        "scenarios.s1.changes[0]: 'resources.volunter_hour.unit_cost': unknown resource "
        "'volunter_hour' (did you mean 'volunteer_hour'?)",
    ),
    (
        "scenario bad kind",
        _set(["scenarios", "s1"], {"changes": [{"multiply": "x", "by": 2}]}),
        "scenarios.s1.changes[0]: each change needs exactly one of: set, scale",
    ),
    (
        "scenario invalid result",
        _set(
            ["scenarios", "s1"], {"changes": [{"set": "resources.staff_hour.sector", "value": 3}]}
        ),
        "scenarios.s1: after applying it, resources.staff_hour.sector: expected text, got 3",
    ),
    (
        "sectors without public",
        _set(["sectors"], {"council": {"label": "Council"}}),
        "sectors: must include 'public'",
    ),
]


@pytest.mark.parametrize("name,edit,expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_model_exits_2_naming_the_field(tmp_path, capsys, name, edit, expected):
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(_edit(edit), sort_keys=False))
    with pytest.raises(SystemExit) as exc:
        run(["check", str(path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err
    assert f"{path}:" in err  # the file (and line) are named


def test_every_error_reported_in_one_pass(tmp_path, capsys):
    def many(d):
        d["resources"]["staff_hour"]["sector"] = "pubic"
        d["links"][1]["to"] = "yy"
        d["targets"]["zz"] = 1

    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(_edit(many), sort_keys=False))
    with pytest.raises(SystemExit):
        run(["check", str(path)])
    err = capsys.readouterr().err
    assert "3 problems found" in err
    for bit in ("unknown sector 'pubic'", "unknown node 'yy'", "unknown outcome 'zz'"):
        assert bit in err


def test_line_numbers_point_at_the_field(tmp_path, capsys):
    text = (Path(__file__).parent / "models" / "diamond.yaml").read_text()
    text = text.replace("{from: b, to: x,", "{from: b, to: xx,")
    lineno = next(k for k, line in enumerate(text.splitlines(), 1) if "to: xx" in line)
    path = tmp_path / "model.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit):
        run(["check", str(path)])
    assert f"model.yaml:{lineno}: links[4].to: unknown node 'xx'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text,expected",
    [
        ("coproduce: 1\nname: [unclosed\n", "YAML syntax error"),
        ("- just\n- a list\n", "a model file must be a mapping"),
        ("coproduce: 1\n\tname: tab\n", "YAML syntax error"),
    ],
)
def test_unreadable_files(tmp_path, capsys, text, expected):
    path = tmp_path / "model.yaml"
    path.write_text(text)
    with pytest.raises(SystemExit) as exc:
        run(["check", str(path)])
    assert exc.value.code == 2
    assert expected in capsys.readouterr().err


def test_json_syntax_error_has_line(tmp_path, capsys):
    path = tmp_path / "model.json"
    path.write_text('{\n  "coproduce": 1,\n  "name": "x",,\n}')
    with pytest.raises(SystemExit) as exc:
        run(["check", str(path)])
    assert exc.value.code == 2
    assert "model.json:3: JSON syntax error" in capsys.readouterr().err


def test_missing_file_and_wrong_type(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run(["check", str(tmp_path / "nope.yaml")])
    assert exc.value.code == 2
    assert "file not found" in capsys.readouterr().err
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(SystemExit) as exc:
        run(["check", str(tmp_path / "m.txt")])
    assert exc.value.code == 2
    assert "unknown file type '.txt'" in capsys.readouterr().err
