"""The codebook workbook: the bundled codebook round-trips through XLSX to equal estimates; the
template is a valid codebook; bad workbooks name the sheet and row."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from coproduce.model.errors import ModelError
from coproduce.survey import load_codebook, load_survey
from coproduce.survey.codebook_xlsx import COLUMNS, TEMPLATE, write_codebook_xlsx
from coproduce.survey.examples import DATA

YAML = DATA / "five_nation_codebook.yaml"
SURVEY = DATA / "five_nation_synthetic.csv"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "codebook.xlsx"
    write_codebook_xlsx(load_codebook(YAML).to_dict(), path)
    return path


def test_round_trip_gives_the_same_codebook_and_estimates(workbook):
    assert load_codebook(workbook) == load_codebook(YAML)
    a = load_survey(SURVEY, YAML).design()
    b = load_survey(SURVEY, workbook).design()
    np.testing.assert_array_equal(a.weights, b.weights)  # raked on the same margins
    for var in ("index_all", "takes_part_collective"):
        ea, eb = a.mean(var, by="country"), b.mean(var, by="country")
        assert [(e.value, e.se) for e in ea] == [(e.value, e.se) for e in eb]


def test_template_is_a_valid_codebook_with_a_readme(tmp_path):
    path = tmp_path / "template.xlsx"
    write_codebook_xlsx(TEMPLATE, path)
    cb = load_codebook(path)
    assert list(cb.items) == ["safety_report"]
    assert cb.scales["frequency"].taking_part() == [2, 3]
    assert cb.margins.variables["age_band"]["75+"] == 9000
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "README"
    for name, cols in COLUMNS.items():
        rows = list(wb[name].iter_rows(values_only=True))
        assert list(rows[0]) == cols and len(rows) >= 2, name  # headers and an example row


def _edited(workbook, tmp_path, edit):
    wb = openpyxl.load_workbook(workbook)
    edit(wb)
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    return path


def _row_of(ws, first):
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == first)


def _set_item(name, column, value):
    def edit(wb):
        ws = wb["items"]
        ws.cell(_row_of(ws, name), COLUMNS["items"].index(column) + 1).value = value

    return edit


def _append(sheet, row):
    return lambda wb: wb[sheet].append(row)


CASES = [
    (
        "unknown_scale",
        _set_item("env_group", "scale", "frequncy"),
        ["sheet 'items', row 9", "items.env_group.scale", "did you mean 'frequency'"],
    ),
    (
        "bad_type",
        _set_item("safety_home", "type", "personal"),
        ["sheet 'items', row 4", "items.safety_home.type", "personal"],
    ),
    (
        "missing_text",
        _set_item("env_energy", "text", None),
        ["sheet 'items', row 7", "items.env_energy.text", "required"],
    ),
    (
        "sheet_typo",
        lambda wb: setattr(wb["margins"], "title", "margin"),
        ["unknown sheet 'margin'", "did you mean 'margins'"],
    ),
    (
        "column_typo",
        lambda wb: wb["items"].cell(1, 3, "sectr"),
        ["sheet 'items', row 1", "unknown column 'sectr'", "did you mean 'sector'"],
    ),
    (
        "yes_no",
        lambda wb: wb["scales"].cell(2, 5, "maybe"),
        ["sheet 'scales', row 2", "participating 'maybe' must be yes or no"],
    ),
    (
        "duplicate_item",
        _append(
            "items", ["env_group", "Again", "environment", "collective", "co-delivery", "frequency"]
        ),
        ["sheet 'items', row 15", "'env_group' is given twice"],
    ),
    (
        "empty_key",
        _append("items", [None, "No name", "health"]),
        ["sheet 'items', row 15", "'item' is empty"],
    ),
    (
        "count_text",
        lambda wb: wb["margins"].cell(2, 4, "lots"),
        ["sheet 'margins', row 2", "count 'lots' must be a number"],
    ),
    (
        "unknown_covariate_code",
        _append("covariate_codes", ["sex", 1, "man", "no"]),
        ["sheet 'covariate_codes'", "'sex' is not on the covariates sheet"],
    ),
    (
        "design_field",
        _append("design", ["wieght", "w"]),
        ["sheet 'design', row", "design.wieght", "did you mean 'weight'"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_workbook_names_sheet_and_row(workbook, tmp_path, case):
    _, edit, words = case
    path = _edited(workbook, tmp_path, edit)
    with pytest.raises(ModelError) as info:
        load_codebook(path)
    text = " ".join(str(info.value).split())
    for w in words:
        assert w in text, text


def test_data_error_with_a_workbook_codebook_exits_2_naming_sheet_row(workbook, tmp_path, capsys):
    """Through the entry point: a data code the codebook does not know is placed on the
    codebook's sheet and row (items sheet, row of env_recycle = 6)."""
    from coproduce.cli.main import run

    data = pd.read_csv(SURVEY).head(100)
    data.loc[4, "env_recycle"] = 7
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    with pytest.raises(SystemExit) as exc:
        run(["survey", "describe", str(path), "--codebook", str(workbook)])
    err = " ".join(capsys.readouterr().err.split())
    assert exc.value.code == 2
    assert "sheet 'items', row 6" in err and "items.env_recycle" in err and "7" in err


def test_template_command_writes_both(tmp_path, capsys):
    from coproduce.cli.main import run

    for args in (
        [str(tmp_path / "t.xlsx")],
        [str(tmp_path / "c.xlsx"), "-c", "example:five-nation"],
    ):
        with pytest.raises(SystemExit) as exc:
            run(["survey", "template", *args])
        assert exc.value.code == 0
    assert load_codebook(tmp_path / "c.xlsx") == load_codebook(YAML)
    with pytest.raises(SystemExit) as exc:
        run(["survey", "template", str(tmp_path / "t.csv")])
    assert exc.value.code == 2 and ".xlsx" in capsys.readouterr().err
