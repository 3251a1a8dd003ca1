"""The model workbook: round trips and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from coproduce.model import ModelError, load_model
from coproduce.reports.model_files import model_json, model_yaml, write_model_xlsx

MODELS = Path(__file__).parent / "models"


@pytest.mark.parametrize(
    "source", ["example:older-people", "example:neighbourhood-safety", str(MODELS / "diamond.yaml")]
)
def test_every_format_round_trips_to_an_equal_model(tmp_path, source):
    model = load_model(source)
    (tmp_path / "m.yaml").write_text(model_yaml(model))
    (tmp_path / "m.json").write_text(model_json(model))
    write_model_xlsx(model, tmp_path / "m.xlsx")
    for ext in ("yaml", "json", "xlsx"):
        assert load_model(tmp_path / f"m.{ext}") == model, ext
    # the scenarios, kept as data in the workbook, still apply the same way
    names = list(model.scenarios)
    assert load_model(tmp_path / "m.xlsx", scenarios=names) == load_model(source, scenarios=names)


def test_workbook_errors_name_sheet_and_row(tmp_path):
    path = tmp_path / "m.xlsx"
    write_model_xlsx(load_model(MODELS / "diamond.yaml"), path)
    wb = load_workbook(path)
    ws = wb["links"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("to") + 1, value="yy")  # links[1]
    ws.cell(row=4, column=header.index("effect") + 1, value="{dist: normal, mean: 1}")
    wb["resources"].cell(row=2, column=4, value="pubic")  # first resource's sector
    wb.save(path)
    with pytest.raises(ModelError) as exc:
        load_model(path)
    text = str(exc.value)
    assert "[sheet 'links' row 3]: links[1].to: unknown node 'yy' (did you mean 'y'?)" in text
    assert "[sheet 'links' row 4]: links[2].effect: normal distribution: missing 'sd'" in text
    assert "[sheet 'resources' row 2]: resources.staff_hour.sector: unknown sector 'pubic'" in text


def test_workbook_with_unknown_column(tmp_path):
    path = tmp_path / "m.xlsx"
    write_model_xlsx(load_model(MODELS / "diamond.yaml"), path)
    wb = load_workbook(path)
    wb["links"].cell(row=1, column=10, value="strength")
    wb.save(path)
    with pytest.raises(ModelError, match="sheet 'links': unknown column 'strength'"):
        load_model(path)
