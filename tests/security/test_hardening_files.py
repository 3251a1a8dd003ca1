"""Files we write and read (issue 15, spreadsheets and bounded inputs): text that looks like a
formula is written as text by every workbook writer and CSV link and comes back as written;
the appraisal and codebook workbooks are read within the model workbook's bounds; YAML in
edit cells and sweep grids goes through the bounded loader; a node written ``{}`` survives a
round trip; and a model is validated once when it is stored."""

from __future__ import annotations

import base64
import copy
import re
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from coproduce.errors import BadInput
from coproduce.model import load_model
from coproduce.model.errors import ModelError, TooLarge
from coproduce.model.serialise import model_to_data

LABEL = "=1+1"
HOSTILE = ["=1+1", "+2", "-3 people", "@SUM(A1:A2)", "\tindented", '=HYPERLINK("x")']
BOMB = (
    "{a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], "
    + ", ".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("bcdefgh", "cdefghi", strict=True)
    )
    + "}"
)


def _formulas(path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [
            m
            for name in z.namelist()
            if name.startswith("xl/worksheets/")
            for m in re.findall(r"<f[ >].*?</f>", z.read(name).decode())
        ]


def _text_cells(path) -> list:
    """Every cell holding text that a spreadsheet could take for a formula."""
    return [
        c
        for ws in load_workbook(path).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@", "\t", "\r")
    ]


def _as_written(cells) -> None:
    assert cells, "no such cell was written"
    for c in cells:
        assert c.data_type == "s" and c.quotePrefix, (c.coordinate, c.value, c.data_type)


# ----- writers ------------------------------------------------------------------------------


def _appraisal_data() -> dict:
    from coproduce.appraisal.workbook import template_data

    data = template_data()
    option = data["options"]["classes"]
    option["label"] = LABEL
    option["description"] = "@everyone"
    option["costs"][0]["label"] = "-3 instructors"
    option["costs"][0]["notes"] = "+ extra"
    option["outcomes"][0]["values"][0]["label"] = '=HYPERLINK("x")'
    data["name"] = "=appraisal"
    return data


def test_the_appraisal_workbook_keeps_formula_like_text_as_text(tmp_path):
    """Before: '=1+1' was written as \"'=1+1\" (a literal quote) and read back with it."""
    from coproduce.appraisal.workbook import read_appraisal_xlsx, write_appraisal_xlsx

    data = _appraisal_data()
    path = write_appraisal_xlsx(data, tmp_path / "a.xlsx")
    assert _formulas(path) == []
    _as_written(_text_cells(path))
    back, _places = read_appraisal_xlsx(path)
    option = back["options"]["classes"]
    assert option["label"] == LABEL
    assert option["description"] == "@everyone"
    assert option["costs"][0]["label"] == "-3 instructors"
    assert option["outcomes"][0]["values"][0]["label"] == '=HYPERLINK("x")'
    assert back["name"] == "=appraisal"
    # numbers stay numbers
    assert option["costs"][0]["amount"] == 30000
    ws = load_workbook(path)["Costs"]
    amount = next(c for c in ws[2] if ws.cell(1, c.column).value == "amount")
    assert amount.data_type == "n" and amount.value == 30000


def test_the_codebook_workbook_keeps_formula_like_text_as_text(tmp_path):
    from coproduce.survey.codebook_xlsx import TEMPLATE, read_codebook_xlsx, write_codebook_xlsx

    data = copy.deepcopy(TEMPLATE)
    data["title"] = LABEL
    data["sectors"]["safety"] = "-safety"
    item = data["items"]["safety_report"]
    item["text"] = "@council: tell us"
    data["scales"]["frequency"]["codes"][1] = "=never"
    path = tmp_path / "c.xlsx"
    write_codebook_xlsx(data, path)
    assert _formulas(path) == []
    _as_written(_text_cells(path))
    back, _places, issues = read_codebook_xlsx(path)
    assert issues == []
    assert back["title"] == LABEL
    assert back["sectors"]["safety"] == "-safety"
    assert back["items"]["safety_report"]["text"] == "@council: tell us"
    assert back["scales"]["frequency"]["codes"][1] == "=never"
    assert back["min_cell"] == 10 and isinstance(back["min_cell"], int)


def test_the_cba_workbook_writes_labels_as_text_and_numbers_as_numbers(tmp_path):
    """Before: '=1+1' was written with a literal quote in front of it."""
    from coproduce.appraisal import appraise
    from coproduce.reports.cba_xlsx import write_xlsx

    result = appraise(_appraisal_data())
    path = write_xlsx(result, tmp_path / "cba.xlsx")
    assert _formulas(path) == []
    cells = _text_cells(path)
    _as_written(cells)
    assert LABEL in {c.value for c in cells}  # the option's label, exactly as written
    assert "'" + LABEL not in {v for ws in load_workbook(path) for r in ws.values for v in r}
    ws = load_workbook(path)["Cash flows"]
    numbers = [c for row in ws.iter_rows(min_row=3) for c in row if c.data_type == "n"]
    assert numbers and all(isinstance(c.value, (int, float)) for c in numbers)


def test_the_portfolio_workbook_writes_labels_as_text(tmp_path):
    from coproduce.portfolio.analysis import analyse_portfolio
    from coproduce.portfolio.load import load_portfolio
    from coproduce.reports.portfolio import write_xlsx

    files = Path(__file__).resolve().parents[1] / "portfolio" / "files"

    def resolver(ref: str):
        data = model_to_data(load_model(files / ref))
        data["name"] = "=2+2"
        for itv in data["interventions"].values():
            itv["label"] = LABEL
        return load_model(data)

    portfolio = load_portfolio(
        yaml.safe_load((files / "two.yaml").read_text()), base=files, resolver=resolver
    )
    path = write_xlsx(analyse_portfolio(portfolio, draws=0, sensitivity=False), tmp_path / "p.xlsx")
    assert _formulas(path) == []
    cells = _text_cells(path)
    _as_written(cells)
    assert {LABEL, "=2+2"} <= {c.value for c in cells}


def test_csv_links_write_formula_like_text_as_text():
    """Before: a CSV link held '=1+1' as it was, a live formula once opened."""
    import pandas as pd

    from coproduce.reports.page import csv_link

    frame = pd.DataFrame({"label": HOSTILE, "n": [-1.5, 2, 3, -4, 5, 6]})
    link = csv_link(frame, "x.csv")
    payload = re.search(r"base64,([^\"]+)", link).group(1)
    text = base64.b64decode(payload).decode("utf-8")
    back = pd.read_csv(__import__("io").StringIO(text))
    assert list(back["label"]) == ["'" + v for v in HOSTILE]
    assert list(back["n"]) == [-1.5, 2, 3, -4, 5, 6]  # numbers stay numbers


# ----- bounded readers ------------------------------------------------------------------------


def _huge_workbook(path: Path, sheet: str, header: list[str], rows: int) -> Path:
    """A workbook whose sheet ``sheet`` has ``rows`` rows, written as XML directly (quick)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
        for r in range(2, rows + 2)
    )
    parts[name] = re.sub(
        rb"</sheetData>",
        body.encode() + b"</sheetData>",
        parts[name].replace(b'<dimension ref="A1:B1"/>', b""),
        count=1,
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return path


@pytest.mark.parametrize("kind", ["appraisal", "codebook"])
def test_a_workbook_of_200000_rows_is_refused_at_once(kind, tmp_path):
    """Before: the appraisal and codebook readers parsed every row (minutes of CPU)."""
    if kind == "appraisal":
        from coproduce.appraisal.workbook import read_appraisal_xlsx as read

        path = _huge_workbook(tmp_path / "big.xlsx", "Costs", ["option", "label"], 200_000)
    else:
        from coproduce.survey.codebook_xlsx import read_codebook_xlsx as read

        path = _huge_workbook(tmp_path / "big.xlsx", "items", ["item", "text"], 200_000)
    start = time.perf_counter()
    with pytest.raises(TooLarge) as refused:
        read(path)
    assert time.perf_counter() - start < 10
    assert isinstance(refused.value, BadInput) and refused.value.http_status == 413
    issue = refused.value.issues[0]
    assert issue.file == str(path)  # located: the file
    assert "200,000 rows" in issue.message and "100,000" in issue.message


def test_an_appraisal_file_workbook_of_200000_rows_exits_2(tmp_path):
    from tests.clirun import cli

    path = _huge_workbook(tmp_path / "big.xlsx", "Costs", ["option", "label"], 200_000)
    ran = cli("cba", str(path))
    assert ran.returncode == 2 and "200,000 rows" in ran.stderr and "big.xlsx" in ran.stderr


def test_an_alias_bomb_in_an_appraisal_cell_is_refused_unexpanded(tmp_path):
    from coproduce.appraisal.workbook import read_appraisal_xlsx, write_appraisal_xlsx

    data = _appraisal_data()
    path = write_appraisal_xlsx(data, tmp_path / "a.xlsx")
    wb = load_workbook(path)
    ws = wb["Costs"]
    column = next(c.column for c in ws[1] if c.value == "unit_cost")
    ws.cell(2, column, BOMB)
    wb.save(path)
    start = time.perf_counter()
    with pytest.raises(TooLarge) as refused:
        read_appraisal_xlsx(path)
    assert time.perf_counter() - start < 5
    assert "sheet 'Costs' row 2" in refused.value.issues[0].file


# ----- the bounded YAML loader ----------------------------------------------------------------


def test_an_alias_bomb_in_an_edit_cell_is_a_cell_error_not_an_expansion():
    """Before: `yaml.safe_load` expanded it (9^9 values)."""
    from coproduce.web.tables import CellError, Column, _parse

    start = time.perf_counter()
    with pytest.raises(CellError) as refused:
        _parse(Column("effect", "Effect", "quantity"), BOMB, 3)
    assert time.perf_counter() - start < 2
    assert (refused.value.row, refused.value.column) == (3, "effect")
    assert "alias" in str(refused.value).lower() or "values" in str(refused.value)
    assert _parse(Column("effect", "Effect", "quantity"), "{dist: normal, mean: 1, sd: 2}", 0) == {
        "dist": "normal",
        "mean": 1,
        "sd": 2,
    }


def test_a_sweep_grid_is_read_with_the_bounded_loader(tmp_path):
    from coproduce.scale.sweep.job import SweepError
    from coproduce.scale.sweep.rows import read_grid

    model = load_model("example:older-people")
    bomb = tmp_path / "grid.yaml"
    bomb.write_text(f"grid: {BOMB}\n")
    start = time.perf_counter()
    with pytest.raises(SweepError) as refused:
        read_grid(bomb, model)
    assert time.perf_counter() - start < 2
    assert str(refused.value).startswith("grid.yaml")
    deep = tmp_path / "deep.yaml"
    deep.write_text("grid: " + "[" * 200 + "]" * 200 + "\n")
    with pytest.raises(SweepError, match=r"deep\.yaml.*nested too deeply"):
        read_grid(deep, model)
    broken = tmp_path / "broken.yaml"
    broken.write_text("grid: {a: [1, 2\n")
    with pytest.raises(SweepError, match=r"broken\.yaml line \d+: YAML syntax error"):
        read_grid(broken, model)
    with pytest.raises(SweepError, match="no such file"):
        read_grid(tmp_path / "missing.yaml", model)


# ----- serialise and the store ----------------------------------------------------------------


@pytest.mark.parametrize("section", ["outcomes", "scenarios"])
def test_a_node_written_as_an_empty_mapping_survives_a_round_trip(section):
    """Before: `_prune` dropped `x: {}`, so the outcome (and any link to it) was lost."""
    data = model_to_data(load_model("example:older-people"))
    data[section]["nothing_yet"] = {}
    if section == "outcomes":
        data["links"].append({"from": "falls_avoided", "to": "nothing_yet", "effect": 0.1})
    first = load_model(data)
    written = model_to_data(first)
    assert written[section]["nothing_yet"] == {}
    again = load_model(written)
    assert model_to_data(again) == written
    assert "nothing_yet" in getattr(again, section)


def test_create_model_validates_once(world, monkeypatch):
    """Before: a caller that had loaded the model could only pass its data, which was
    validated again (20,000-node map: 3.8 s for create_model, 0.7 s now)."""
    import coproduce.model.load as load_module

    calls = []
    real = load_module.validate_data
    monkeypatch.setattr(
        load_module, "validate_data", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    actor = world.actor("a", "analyst")
    model = load_model("example:older-people")
    assert len(calls) == 1
    _m, version = world.store.create_model(actor, "loaded once", model)
    assert len(calls) == 1  # not again
    assert version.data == model_to_data(model)
    _m2, version2 = world.store.create_model(actor, "from data", model_to_data(model))
    assert len(calls) == 2  # data is validated, once
    assert version2.data == version.data
    with pytest.raises(ModelError):
        world.store.create_model(actor, "bad", {"coproduce": 1, "name": "x", "links": 3})
