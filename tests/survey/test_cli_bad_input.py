"""Malformed codebooks and data files: each exits 2 with a message naming the field and place.

Every case runs the real entry point: one as a ``python -m coproduce`` process, the rest
through ``coproduce.cli.main.run`` in-process, which is the same code path without the
start-up cost, so the suite stays quick on two cores.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from coproduce.survey.examples import DATA

CODEBOOK = yaml.safe_load((DATA / "five_nation_codebook.yaml").read_text())
SURVEY = pd.read_csv(DATA / "five_nation_synthetic.csv").head(120)


def _variant(edit) -> dict:
    cb = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    edit(cb)
    return cb


def _set(path, value):
    def edit(cb):
        node = cb
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _delete(path):
    def edit(cb):
        node = cb
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


# (name, codebook edit or raw text, data edit, words the message must contain)
CASES = [
    (
        "unknown_scale",
        _set(["items", "env_group", "scale"], "frequncy"),
        None,
        ["items.env_group.scale", "did you mean 'frequency'"],
    ),
    (
        "unknown_sector",
        _set(["items", "health_diet", "sector"], "helth"),
        None,
        ["items.health_diet.sector", "did you mean 'health'"],
    ),
    (
        "bad_type",
        _set(["items", "safety_home", "type"], "personal"),
        None,
        ["items.safety_home.type", "personal"],
    ),
    (
        "missing_text",
        _delete(["items", "env_energy", "text"]),
        None,
        ["items.env_energy.text", "required"],
    ),
    (
        "unknown_field",
        _set(["items", "env_energy", "sectr"], "x"),
        None,
        ["items.env_energy.sectr", "did you mean 'sector'"],
    ),
    (
        "valid_and_missing",
        _set(["scales", "frequency", "missing"], {3: "dk"}),
        None,
        ["scales.frequency", "both valid and missing"],
    ),
    (
        "participating_unknown",
        _set(["scales", "frequency", "participating"], [2, 4]),
        None,
        ["scales.frequency", "not in codes"],
    ),
    (
        "three_stages",
        _set(["design", "clusters"], ["psu", "respondent", "age"]),
        None,
        ["design", "at most two stages"],
    ),
    (
        "margin_category",
        _set(["margins", "variables", "gender", "Denmark"], {"man": 1, "women": 2}),
        None,
        ["margins.variables.gender", "'women' is not a category"],
    ),
    (
        "missing_column",
        _set(["items", "env_group", "column"], "env_grp"),
        None,
        ["items.env_group", "column 'env_grp' is not in the data"],
    ),
    (
        "bad_item_code",
        None,
        lambda d: d.assign(env_recycle=d["env_recycle"].where(d.index != 5, 7)),
        ["items.env_recycle", "code(s) 7", "row(s) 7"],
    ),
    (
        "age_out_of_range",
        None,
        lambda d: d.assign(age=d["age"].where(d.index != 3, 150)),
        ["covariates.age.max", "row(s) 5"],
    ),
    (
        "bad_covariate_code",
        None,
        lambda d: d.assign(gender=d["gender"].where(d.index != 0, 3)),
        ["covariates.gender", "code(s) 3"],
    ),
    (
        "negative_weight",
        None,
        lambda d: d.assign(weight=d["weight"].where(d.index != 2, -1.0)),
        ["design.weight", "non-negative"],
    ),
    ("yaml_syntax", "codebook: 1\ntitle: [unclosed\n", None, ["YAML syntax error"]),
    ("not_a_mapping", "- just\n- a list\n", None, ["a codebook is a mapping"]),
]


# this case also goes through a real process (the rest run the same entry point in-process)
SUBPROCESS_CASES = ("unknown_scale",)


def _write_case(folder: Path, name, cb_edit, data_edit) -> tuple[Path, Path]:
    cb_file = folder / f"{name}.yaml"
    if isinstance(cb_edit, str):
        cb_file.write_text(cb_edit)
    else:
        cb = _variant(cb_edit) if cb_edit else CODEBOOK
        cb_file.write_text(yaml.safe_dump(cb, sort_keys=False, allow_unicode=True))
    data_file = folder / f"{name}.csv"
    (data_edit(SURVEY) if data_edit else SURVEY).to_csv(data_file, index=False)
    return data_file, cb_file


def _in_process(args: list[str], capsys) -> tuple[int, str, str]:
    """``coproduce.cli.main.run`` in this process: the same code path as the command."""
    from coproduce.cli.main import run

    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        run(args)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> dict:
    """The real-process runs, launched together."""
    folder = tmp_path_factory.mktemp("bad_proc")
    procs = {}
    for name, cb_edit, data_edit, _ in CASES:
        if name in SUBPROCESS_CASES:
            data_file, cb_file = _write_case(folder, name, cb_edit, data_edit)
            procs[name] = ["describe", str(data_file), "--codebook", str(cb_file)]
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "coproduce", "survey", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in procs.items()
    }
    out = {}
    for name, proc in running.items():
        stdout, stderr = proc.communicate(timeout=120)
        out[name] = (proc.returncode, stdout, stderr)
    return out


def _result(case, processes, tmp_path, capsys):
    name, cb_edit, data_edit, _ = case
    if name in processes:
        return processes[name]
    data_file, cb_file = _write_case(tmp_path, name, cb_edit, data_edit)
    return _in_process(["survey", "describe", str(data_file), "--codebook", str(cb_file)], capsys)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_naming_the_field(processes, case, tmp_path, capsys):
    name, *_, words = case
    code, _, stderr = _result(case, processes, tmp_path, capsys)
    assert code == 2, stderr
    flat = " ".join(stderr.split())
    for word in words:
        assert word in flat, f"{word!r} not in: {flat}"
    if name not in (
        "bad_item_code",
        "age_out_of_range",
        "bad_covariate_code",
        "negative_weight",
        "missing_column",
    ):
        assert ".yaml" in flat  # located in the codebook file
    else:
        assert ".yaml:" in flat  # with the codebook line of the offending field


def test_bad_command_line(tmp_path, capsys):
    code, _, stderr = _in_process(["survey", "estimate", "--out", str(tmp_path / "r.pdf")], capsys)
    assert code == 2 and ".pdf" in stderr
    code, _, stderr = _in_process(["survey", "describe", "example:five-nations"], capsys)
    assert code == 2 and "did you mean 'five-nation'" in stderr


def test_codebook_line_numbers_point_at_the_field(tmp_path):
    """In-process: the line reported is the line of the offending key in the file."""
    from coproduce.model.errors import ModelError
    from coproduce.survey import load_codebook

    text = (
        (DATA / "five_nation_codebook.yaml")
        .read_text()
        .replace("    scale: frequency\n  env_group:", "    scale: frequncy\n  env_group:")
    )
    path = Path(tmp_path) / "cb.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as info:
        load_codebook(path)
    issue = info.value.issues[0]
    assert issue.path == "items.env_transport.scale"
    assert text.splitlines()[issue.line - 1].strip() == "scale: frequncy"
