"""XLSX appraisal files: round trip of the bundled examples, the template, located errors,
and money shown with its sign before the pound sign."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from coproduce.appraisal import appraise
from coproduce.appraisal.words import amount, money
from coproduce.appraisal.workbook import (
    SHEETS,
    read_appraisal_xlsx,
    template_data,
    write_appraisal_xlsx,
)

from .test_cli import entry, run

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "coproduce" / "appraisal" / "examples"


@pytest.mark.parametrize("name", ["balsall_heath", "falls_prevention"])
def test_bundled_example_round_trips_through_xlsx(name, tmp_path):
    path = EXAMPLES / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    xlsx = write_appraisal_xlsx(data, tmp_path / f"{name}.xlsx")
    back, _ = read_appraisal_xlsx(xlsx)
    assert back == data  # the very same file content
    a = appraise(str(path), draws=200, seed=3).to_dict()
    b = appraise(str(xlsx), draws=200, seed=3).to_dict()
    assert a == b  # and so the same results, draws included


def test_template_has_every_sheet_a_readme_and_reads_back(tmp_path):
    out = tmp_path / "t.xlsx"
    p = run("cba", "--template", str(out))
    assert p.returncode == 0, p.stderr
    wb = load_workbook(out)
    assert set(SHEETS) | {"README"} == set(wb.sheetnames)
    for sheet, columns in SHEETS.items():
        ws = wb[sheet]
        assert [c.value for c in ws[1]] == list(columns)
        assert ws.max_row >= 2, f"{sheet} has no example row"
    readme = " ".join(str(c.value) for row in wb["README"].iter_rows() for c in row if c.value)
    for columns in SHEETS.values():
        for col in columns:
            assert col in readme
    # the template is a valid appraisal: its one option, worked from its rows, has the
    # instructor's £30,000 a year (+10% grade 3) in public costs, discounted at 3.5%
    r = appraise(str(out))
    df = sum(1 / 1.035**t for t in range(5))
    assert r.options["classes"].figures["pv_public_costs"] == pytest.approx(33000 * df)


def _broken(tmp_path: Path, edit) -> Path:
    path = tmp_path / "bad.xlsx"
    write_appraisal_xlsx(copy.deepcopy(template_data()), path)
    wb = load_workbook(path)
    edit(wb)
    wb.save(path)
    return path


def _set(sheet: str, column: str, value, row: int = 2):
    def edit(wb):
        ws = wb[sheet]
        j = [c.value for c in ws[1]].index(column) + 1
        ws.cell(row=row, column=j).value = value  # (cell(value=None) would not clear it)

    return edit


def _retitle(old: str, new: str):
    def edit(wb):
        wb[old].title = new

    return edit


def _drop(sheet: str):
    def edit(wb):
        del wb[sheet]

    return edit


def _header(sheet: str, column: str, new: str):
    def edit(wb):
        ws = wb[sheet]
        j = [c.value for c in ws[1]].index(column) + 1
        ws.cell(row=1, column=j, value=new)

    return edit


def _setting(field: str, value):
    def edit(wb):
        ws = wb["Appraisal"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == field:
                row[1].value = value
                return
        ws.append([field, value])

    return edit


BAD = [
    (_retitle("Costs", "Cost"), ["unknown sheet 'Cost'", "Costs"]),
    (_drop("Options"), ["no 'Options' sheet"]),
    (
        _header("Costs", "amount", "amout"),
        ["sheet 'Costs' row 1", "unknown column 'amout'", "amount"],
    ),
    (
        _set("Costs", "hours", "{dist: normal, mean 1", row=3),
        ["sheet 'Costs' row 3", "cannot read"],
    ),
    (_set("Costs", "option", "clases"), ["sheet 'Costs' row 2", "option 'clases'", "classes"]),
    (_set("Values", "outcome", "Fals avoided"), ["sheet 'Values' row 2", "Falls avoided"]),
    (_setting("yeers", 5), ["unknown setting 'yeers'", "years"]),
    (_set("Costs", "agency", "counsil"), ["sheet 'Costs' row 2", "agency", "council"]),
    (
        _set("Outcomes", "engagement", 1.5),
        ["sheet 'Outcomes' row 2", "engagement", "between 0 and 1"],
    ),
    (
        _set("Values", "value", "{dist: normla, mean: 1, sd: 1}"),
        ["sheet 'Values' row 2", "unknown distribution 'normla'", "normal"],
    ),
    (_set("Values", "type", "fisc"), ["sheet 'Values' row 2", "type", "fiscal"]),
    (_setting("years", None), ["years", "required field is missing"]),
    (
        _set("Agencies", "sector", "comunity", row=3),
        ["sheet 'Agencies' row 3", "sector", "community"],
    ),
    (_set("Costs", "time_of", None, row=3), ["sheet 'Costs' row 3", "time_of"]),
    (_set("Time rates", "price_year", 1850), ["sheet 'Time rates' row 2", "price_year"]),
    (_setting("discounting.schedule", "green-bok"), ["sheet 'Appraisal'", "green-book"]),
]


@pytest.mark.parametrize("edit,expected", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_malformed_workbooks_exit_2_naming_sheet_row_and_field(edit, expected, tmp_path, capsys):
    path = _broken(tmp_path, edit)
    code, _, err = entry(["cba", str(path)], capsys)
    assert code == 2, err
    for text in expected:
        assert text in err, (text, err)


def test_not_a_workbook(tmp_path, capsys):
    path = tmp_path / "fake.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    code, _, err = entry(["cba", str(path)], capsys)
    assert code == 2 and "cannot open as an XLSX workbook" in err


def test_hourly_value_only_with_hours(capsys, tmp_path):
    data = template_data()
    data["options"]["classes"]["costs"][0]["hourly_value"] = 12.0  # a money line
    path = tmp_path / "h.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _, err = entry(["cba", str(path)], capsys)
    assert code == 2 and "options.classes.costs[0].time_of" in err and "hourly_value" in err


def test_negative_money_has_its_sign_before_the_pound():
    assert amount(-14063738.4) == "-£14,063,738"
    assert amount(14063738.6) == "£14,063,739"
    assert amount(-0.4) == "-£0.40"  # pence below £100 (one formatter): never "-£0"
    assert amount(-0.004) == "£0"  # rounds to nothing: no sign, no pence
    assert money(-14063738) == "-£14.06m"
    assert money(-25_400) == "-£25k"


def test_negative_figures_in_table_summary_and_reports(tmp_path):
    # balsall-heath's enforcement option has a negative NPV in the millions
    html = tmp_path / "r.html"
    xlsx = tmp_path / "r.xlsx"
    p = run("cba", "example:balsall-heath", "--out", str(html))
    assert p.returncode == 0, p.stderr
    assert "-£" in p.stdout and "£-" not in p.stdout
    text = html.read_text(encoding="utf-8")
    assert "-£" in text and "£-" not in text
    assert run("cba", "example:balsall-heath", "--out", str(xlsx)).returncode == 0
    cells = [
        str(c.value)
        for ws in load_workbook(xlsx).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert any("-£" in c for c in cells) and not any("£-" in c for c in cells)
