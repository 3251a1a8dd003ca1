"""The model as a workbook: one sheet per section, for analysts who live in spreadsheets.

A cell holding a quantity takes a number or a distribution written as in the YAML file
(``{dist: normal, mean: 0.35, sd: 0.08}``). This module defines the layout and reads it; the
writer (an export, so an app concern) uses the same layout.

A workbook is read within bounds (:func:`read_sheets`): at most ``MAX_ROWS`` rows a sheet and
``MAX_UNPACKED_BYTES`` of XML once unzipped (a "zip bomb" is refused before it is opened), and
a cell's YAML within the limits of :mod:`.files`. Text is read as written: a cell that holds a
formula with a value saved by the spreadsheet gives that value, and one without a saved value
(as a program writes them) gives the formula's text, so ``=x`` typed as a label survives a
download and an upload unchanged.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, ModelError, TooLarge
from .files import load_yaml

MAX_ROWS = 100_000
"""Rows in one sheet of a workbook (larger models: use YAML or JSON)."""
MAX_CELLS = 1_000_000
"""Cells in all the sheets of a workbook."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""The size of a workbook's parts once unzipped."""
MAX_PARTS = 10_000

# sheet -> columns, in order. The first column of a node sheet is its id.
LAYOUT: dict[str, tuple[str, ...]] = {
    "model": ("field", "value"),
    "sectors": ("id", "label", "coproduction"),
    "agencies": ("id", "label"),
    "resources": (
        "id",
        "label",
        "unit",
        "sector",
        "agency",
        "unit_cost",
        "available",
        "source",
        "notes",
    ),
    "interventions": (
        "id",
        "label",
        "unit",
        "volume",
        "capacity",
        "min_volume",
        "max_decrease",
        "coproduction",
        "stages",
        "source",
        "notes",
    ),
    "inputs": ("intervention", "resource", "kind", "quantity"),
    "enabling": ("intervention", "resource", "elasticity", "floor", "level"),
    "cost_curves": ("intervention", "up_to", "multiplier"),
    "outcomes": (
        "id",
        "label",
        "unit",
        "final",
        "complex",
        "value_economic",
        "value_social",
        "source",
        "notes",
    ),
    "fiscal_values": ("outcome", "agency", "value"),
    "links": ("from", "to", "effect", "evidence", "contested", "source", "notes"),
    "correlations": ("quantity_a", "quantity_b", "rho"),
    "scenarios": ("scenario", "label", "kind", "notes", "change"),
    "targets": ("outcome", "amount"),
    "time_values": ("id", "label", "per_hour", "source", "notes"),
    "volunteer_wellbeing": ("label", "per_hour", "resources", "source", "notes"),
}
MODEL_FIELDS = (
    "coproduce",
    "name",
    "description",
    "currency",
    "price_year",
    "source",
    "notes",
    "time_value",
)
QUANTITY_COLUMNS = {
    "unit_cost",
    "available",
    "volume",
    "capacity",
    "min_volume",
    "quantity",
    "effect",
    "value_economic",
    "value_social",
    "value",
    "elasticity",
    "floor",
    "per_hour",
}
INPUT_KINDS = {"per_unit": "inputs", "fixed": "fixed_inputs"}


def cell_text(value: Any) -> Any:
    """How a quantity is written in a cell: numbers as numbers, distributions as flow YAML."""
    if isinstance(value, dict):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return value


TEXT_COLUMNS = {"label", "unit", "source", "notes"}
"""Free text, read exactly as written (other text is trimmed: ids, references, numbers)."""
TEXT_FIELDS = {"name", "description", "source", "notes", "currency"}
"""The model sheet's fields that are free text (never a quantity)."""


def _cell_value(value: Any, column: str) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if column in TEXT_COLUMNS:
            return value
        if column in QUANTITY_COLUMNS and text.startswith("{"):
            try:
                return load_yaml(text)
            except ModelError:
                return text  # validation will say it is not a number
        if column in ("final", "complex", "contested", "coproduction"):
            low = text.lower()
            if low in ("true", "yes", "y", "1"):
                return True
            if low in ("false", "no", "n", "0"):
                return False
        return text
    return value


def check_workbook(path: str | Path, file: str | None = None, *, max_rows: int = MAX_ROWS) -> None:
    """Refuse a file that is not a workbook, whose parts unzip to more than
    :data:`MAX_UNPACKED_BYTES`, or that has a sheet of more than ``max_rows`` rows or more
    than :data:`MAX_CELLS` cells in all, before a spreadsheet library reads any of it (the
    rows and cells are counted in the unzipped text, which takes a fraction of the time)."""
    shown = file or str(path)
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
            unpacked = sum(p.file_size for p in parts)
            if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES:
                raise TooLarge(
                    [
                        Issue(
                            "",
                            f"the workbook unpacks to "
                            f"{unpacked / 1024 / 1024:,.0f} MB in {len(parts):,} "
                            f"parts; at most {MAX_UNPACKED_BYTES // 1024 // 1024} "
                            "MB can be read",
                            file=shown,
                        )
                    ]
                )
            cells = 0
            for part in parts:
                if not part.filename.startswith("xl/worksheets/"):
                    continue
                rows, n = _count_tags(z, part)
                cells += n
                if rows > max_rows + 1:
                    raise TooLarge(
                        [
                            Issue(
                                "",
                                f"a sheet has {rows - 1:,} rows; a sheet may have "
                                f"at most {max_rows:,} (for a larger model use "
                                "YAML or JSON)",
                                file=shown,
                            )
                        ]
                    )
                if cells > MAX_CELLS:
                    raise TooLarge(
                        [
                            Issue(
                                "",
                                f"the workbook has more than {MAX_CELLS:,} cells; "
                                "for a larger model use YAML or JSON",
                                file=shown,
                            )
                        ]
                    )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise ModelError(
            [Issue("", f"cannot read the workbook: not an Excel .xlsx file ({exc})", file=shown)]
        ) from None


_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _count_tags(z: zipfile.ZipFile, part: zipfile.ZipInfo) -> tuple[int, int]:
    """Rows and cells in a sheet's XML, counted in chunks as it unzips."""
    rows = cells = 0
    tail = b""
    with z.open(part) as f:
        while chunk := f.read(1 << 20):
            text = tail + chunk
            cut = max(0, len(text) - 32)  # a tag cut by the chunk's end is counted next time
            cut = text.rfind(b"<", cut) if text.rfind(b"<", cut) >= 0 else len(text)
            rows += len(_ROW.findall(text, 0, cut))
            cells += len(_CELL.findall(text, 0, cut))
            tail = text[cut:]
    rows += len(_ROW.findall(tail))
    cells += len(_CELL.findall(tail))
    return rows, cells


def read_sheets(
    path: str | Path,
    sheets: Iterable[str] | None = None,
    *,
    file: str | None = None,
    max_rows: int = MAX_ROWS,
) -> dict[str, list[tuple]]:
    """The rows of each sheet named (every sheet if None) as tuples of values, read within the
    bounds of this module. A formula gives its saved value, or its text when it has none."""
    from openpyxl import load_workbook

    shown = file or str(path)
    check_workbook(path, shown, max_rows=max_rows)

    def open_(data_only: bool):
        try:
            return load_workbook(path, read_only=True, data_only=data_only)
        except Exception as exc:  # openpyxl raises several unrelated types for a bad file
            raise ModelError([Issue("", f"cannot read the workbook: {exc}", file=shown)]) from None

    wb = open_(False)
    out: dict[str, list[tuple]] = {}
    formulas: dict[str, list[tuple[int, int]]] = {}
    try:
        names = [n for n in (wb.sheetnames if sheets is None else sheets) if n in wb.sheetnames]
        for name in names:
            ws = wb[name]
            ws.reset_dimensions()  # every row, whatever the sheet says its size is
            rows: list[tuple] = []
            for r, row in enumerate(ws.iter_rows(values_only=True)):
                if r > max_rows:
                    raise TooLarge(
                        [
                            Issue(
                                "",
                                f"sheet '{name}' has more than {max_rows:,} rows "
                                "(for a larger model use YAML or JSON)",
                                file=shown,
                            )
                        ]
                    )
                rows.append(row)
                for c, v in enumerate(row):
                    if isinstance(v, str) and v.startswith("="):
                        formulas.setdefault(name, []).append((r, c))
            out[name] = rows
    except TooLarge:
        raise
    except Exception as exc:  # a damaged part of the file
        raise ModelError([Issue("", f"cannot read the workbook: {exc}", file=shown)]) from None
    finally:
        wb.close()
    if formulas:  # a second look, only where needed: the values the spreadsheet saved
        wb = open_(True)
        try:
            for name, cells in formulas.items():
                ws = wb[name]
                ws.reset_dimensions()
                saved = list(ws.iter_rows(values_only=True, max_row=cells[-1][0] + 1))
                rows = out[name]
                for r, c in cells:
                    value = saved[r][c] if r < len(saved) and c < len(saved[r]) else None
                    if value is not None:
                        rows[r] = (*rows[r][:c], value, *rows[r][c + 1 :])
        finally:
            wb.close()
    return out


def read_model_xlsx(path: str | Path) -> tuple[dict, dict[str, str]]:
    """Read a model workbook into model-file data, plus where each part came from
    (``{'links[2]': "sheet 'links' row 4"}``) so errors can point at a row."""
    sheets = read_sheets(path, LAYOUT)
    issues: list[Issue] = []
    places: dict[str, str] = {}
    data: dict[str, Any] = {}

    def rows(sheet: str) -> list[tuple[int, dict]]:
        if sheet not in sheets:
            return []
        it = iter(sheets[sheet])
        header = next(it, None)
        if header is None:
            return []
        names = [str(h).strip() if h is not None else "" for h in header]
        expected = LAYOUT[sheet]
        for h in names:
            if h and h not in expected:
                issues.append(
                    Issue(
                        "",
                        f"sheet '{sheet}': unknown column '{h[:60]}' (columns: "
                        + ", ".join(expected)
                        + ")",
                        file=str(path),
                    )
                )
        out = []
        for r, row in enumerate(it, start=2):
            rec = {
                names[c]: _cell_value(
                    v,
                    "label"
                    if sheet == "model"
                    and names[c] == "value"
                    and str(row[0]).strip() in TEXT_FIELDS
                    else names[c],
                )
                for c, v in enumerate(row)
                if c < len(names) and names[c]
            }
            if all(v is None for v in rec.values()):
                continue
            out.append((r, rec))
        return out

    for _, rec in rows("model"):
        key = rec.get("field")
        if key is None:
            continue
        data[str(key)] = rec.get("value")
    if isinstance(data.get("coproduce"), float) and data["coproduce"].is_integer():
        data["coproduce"] = int(data["coproduce"])
    if isinstance(data.get("price_year"), float) and float(data["price_year"]).is_integer():
        data["price_year"] = int(data["price_year"])

    def nodes(sheet: str, section: str) -> None:
        got = rows(sheet)
        if not got and sheet not in sheets:
            return
        section_data: dict[str, Any] = {}
        for r, rec in got:
            node_id = rec.pop("id", None)
            if node_id is None:
                issues.append(
                    Issue(
                        "",
                        f"sheet '{sheet}' row {r}: 'id' is empty; give each row an identifier",
                        file=str(path),
                    )
                )
                continue
            node_id = str(node_id)
            places[f"{section}.{node_id}"] = f"sheet '{sheet}' row {r}"
            section_data[node_id] = {k: v for k, v in rec.items() if v is not None}
        data[section] = section_data

    if "sectors" in sheets:
        nodes("sectors", "sectors")
    nodes("agencies", "agencies")
    nodes("resources", "resources")
    nodes("interventions", "interventions")
    for rec in data.get("interventions", {}).values():
        # the stages of co-production as a comma-separated list
        if isinstance(rec.get("stages"), str):
            rec["stages"] = [x.strip() for x in rec["stages"].split(",") if x.strip()]
    nodes("outcomes", "outcomes")
    for rec in data.get("outcomes", {}).values():
        value = {}
        if "value_economic" in rec:
            value["economic"] = rec.pop("value_economic")
        if "value_social" in rec:
            value["social"] = rec.pop("value_social")
        if value:
            rec["value"] = value
    for r, rec in rows("fiscal_values"):
        oid, agency = rec.get("outcome"), rec.get("agency")
        outcome = data.get("outcomes", {}).get(str(oid))
        if outcome is None:
            issues.append(
                Issue("", f"sheet 'fiscal_values' row {r}: unknown outcome '{oid}'", file=str(path))
            )
            continue
        outcome.setdefault("value", {}).setdefault("fiscal", {})[str(agency)] = rec.get("value")
        places[f"outcomes.{oid}.value.fiscal.{agency}"] = f"sheet 'fiscal_values' row {r}"
    for r, rec in rows("inputs"):
        iid, rid = rec.get("intervention"), rec.get("resource")
        kind = rec.get("kind") or "per_unit"
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(
                Issue("", f"sheet 'inputs' row {r}: unknown intervention '{iid}'", file=str(path))
            )
            continue
        if kind not in INPUT_KINDS:
            issues.append(
                Issue(
                    "",
                    f"sheet 'inputs' row {r}: kind must be per_unit or fixed, not '{kind}'",
                    file=str(path),
                )
            )
            continue
        field = INPUT_KINDS[kind]
        itv.setdefault(field, {})[str(rid)] = rec.get("quantity")
        places[f"interventions.{iid}.{field}.{rid}"] = f"sheet 'inputs' row {r}"
    for r, rec in rows("cost_curves"):
        # one row per band, in order of volume; an empty up_to is the last, open-ended band
        iid = rec.get("intervention")
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(
                Issue(
                    "", f"sheet 'cost_curves' row {r}: unknown intervention '{iid}'", file=str(path)
                )
            )
            continue
        curve = itv.setdefault("cost_curve", [])
        places[f"interventions.{iid}.cost_curve[{len(curve)}]"] = f"sheet 'cost_curves' row {r}"
        curve.append({k: rec[k] for k in ("up_to", "multiplier") if rec.get(k) is not None})
    for r, rec in rows("enabling"):
        iid, rid = rec.get("intervention"), rec.get("resource")
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(
                Issue("", f"sheet 'enabling' row {r}: unknown intervention '{iid}'", file=str(path))
            )
            continue
        itv.setdefault("enabling", {})[str(rid)] = {
            k: rec[k] for k in ("elasticity", "floor", "level") if rec.get(k) is not None
        }
        places[f"interventions.{iid}.enabling.{rid}"] = f"sheet 'enabling' row {r}"
    nodes("time_values", "time_values")
    for r, rec in rows("volunteer_wellbeing"):
        # one row; resources as a comma-separated list of resource ids
        w = {k: v for k, v in rec.items() if v is not None}
        if isinstance(w.get("resources"), str):
            w["resources"] = [x.strip() for x in w["resources"].split(",") if x.strip()]
        data["volunteer_wellbeing"] = w
        places["volunteer_wellbeing"] = f"sheet 'volunteer_wellbeing' row {r}"
    if not data.get("time_values"):
        data.pop("time_values", None)
    links: list[dict[str, Any]] = []
    for r, rec in rows("links"):
        places[f"links[{len(links)}]"] = f"sheet 'links' row {r}"
        if isinstance(rec.get("evidence"), float) and rec["evidence"].is_integer():
            rec["evidence"] = int(rec["evidence"])
        links.append({k: v for k, v in rec.items() if v is not None})
    if links or "links" in sheets:
        data["links"] = links
    corr: list[dict[str, Any]] = []
    for r, rec in rows("correlations"):
        places[f"correlations[{len(corr)}]"] = f"sheet 'correlations' row {r}"
        corr.append(
            {"between": [rec.get("quantity_a"), rec.get("quantity_b")], "rho": rec.get("rho")}
        )
    if corr:
        data["correlations"] = corr
    scenarios: dict[str, Any] = {}
    for r, rec in rows("scenarios"):
        name = str(rec.get("scenario"))
        sc = scenarios.setdefault(name, {"changes": []})
        places.setdefault(f"scenarios.{name}", f"sheet 'scenarios' row {r}")
        if rec.get("label"):
            sc["label"] = rec["label"]
        if rec.get("kind"):
            sc["kind"] = rec["kind"]
        if rec.get("notes"):
            sc["notes"] = rec["notes"]
        change = rec.get("change")
        if change is not None:
            try:
                parsed = load_yaml(str(change))
            except ModelError:
                parsed = change
            places[f"scenarios.{name}.changes[{len(sc['changes'])}]"] = f"sheet 'scenarios' row {r}"
            sc["changes"].append(parsed)
    if scenarios:
        data["scenarios"] = scenarios
    targets = {}
    for r, rec in rows("targets"):
        targets[str(rec.get("outcome"))] = rec.get("amount")
        places[f"targets.{rec.get('outcome')}"] = f"sheet 'targets' row {r}"
    if targets:
        data["targets"] = targets
    if issues:
        raise ModelError(issues)
    return data, places


# ----- writing text that stays text --------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take as the start of a formula (the OWASP CSV-injection rule)."""


def text_cell(cell) -> None:
    """Keep an openpyxl text cell text: never a formula or an error code because of the text
    it holds, text a spreadsheet could take for a formula marked as quoted text (as typing
    ``'=x`` in Excel does), characters a workbook cannot hold (control characters other than
    tab, line feed and carriage return) dropped. Numbers are untouched."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = cell.value
    if not isinstance(value, str):
        return
    if ILLEGAL_CHARACTERS_RE.search(value):
        cell.value = value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if cell.data_type in ("f", "e"):
        cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def text_sheet(ws) -> None:
    """:func:`text_cell` on every cell of the worksheet ``ws``."""
    for row in ws.iter_rows():
        for cell in row:
            text_cell(cell)


def text_only(wb) -> None:
    """:func:`text_cell` on every cell of the openpyxl workbook ``wb``; call it just before
    saving."""
    for ws in wb.worksheets:
        text_sheet(ws)
