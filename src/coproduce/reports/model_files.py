"""Writing a model out: YAML, JSON, the one-sheet-per-section workbook, and the two-sheet
elements/connections workbook that network-mapping tools (e.g. Kumu) import.

Text in a spreadsheet is always written as text, never as a formula (the OWASP rule against
CSV and formula injection): in a workbook a cell whose text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is an inline string marked as quoted text
(:func:`text_only`), so a label ``=HYPERLINK(...)`` shows as written and comes back unchanged
when the workbook is uploaded again; in a CSV file such text is prefixed with a single quote
(:func:`csv_safe`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..model.schema import Model
from ..model.serialise import model_to_data
from ..model.xlsx import LAYOUT, MODEL_FIELDS, cell_text

EXPORT_FORMATS = ("yaml", "json", "xlsx", "elements-xlsx")


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists(dumper: yaml.SafeDumper, data: dict):
    # small leaf mappings (distributions, links) read best on one line
    flow = len(data) <= 8 and all(not isinstance(v, (dict, list)) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_Dumper.add_representer(dict, _short_lists)


def model_yaml(model: Model) -> str:
    return yaml.dump(
        model_to_data(model), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def model_json(model: Model) -> str:
    return json.dumps(model_to_data(model), indent=2, ensure_ascii=False)


# the one rule for text that a spreadsheet could take for a formula lives with the model's
# workbook (the lowest layer that writes workbooks); re-exported for the report writers
from ..model.xlsx import FORMULA_STARTS, text_only  # noqa: E402


def csv_text(value: Any) -> Any:
    """``value`` for a CSV cell: text a spreadsheet could take for a formula gets a leading
    single quote; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe(frame):
    """A copy of the pandas ``frame`` safe to write as CSV: :func:`csv_text` applied to every
    text cell and column name."""
    from pandas.api import types

    out = frame.copy()
    for col in out.columns:
        kind = out[col].dtype
        if not (
            types.is_numeric_dtype(kind)
            or types.is_bool_dtype(kind)
            or types.is_datetime64_any_dtype(kind)
        ):
            out[col] = out[col].astype(object).map(csv_text)
    out.columns = [csv_text(c) for c in out.columns]
    return out


def _cells(row: list) -> list:
    """A row for ``Worksheet.append``: text cleaned of what a workbook cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row]


def write_model_xlsx(model: Model, path: str | Path) -> None:
    """The model as a workbook with one sheet per section (read back by ``load_model``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = model_to_data(model)
    sheets: dict[str, list[list]] = {name: [] for name in LAYOUT}
    for f in MODEL_FIELDS:
        if f in data:
            sheets["model"].append([f, data[f]])
    if "sectors" in data:
        for sid, sec in data["sectors"].items():
            sheets["sectors"].append([sid, sec.get("label"), sec.get("coproduction", False)])
    else:
        del sheets["sectors"]
    for aid, ag in data.get("agencies", {}).items():
        sheets["agencies"].append([aid, ag.get("label")])
    for rid, res in data.get("resources", {}).items():
        sheets["resources"].append([rid] + [cell_text(res.get(c)) for c in LAYOUT["resources"][1:]])
    for iid, itv in data.get("interventions", {}).items():
        sheets["interventions"].append(
            [iid]
            + [
                ", ".join(itv[c]) if c == "stages" and itv.get(c) else cell_text(itv.get(c))
                for c in LAYOUT["interventions"][1:]
            ]
        )
        for rid, q in itv.get("inputs", {}).items():
            sheets["inputs"].append([iid, rid, "per_unit", cell_text(q)])
        for rid, q in itv.get("fixed_inputs", {}).items():
            sheets["inputs"].append([iid, rid, "fixed", cell_text(q)])
        for rid, e in itv.get("enabling", {}).items():
            sheets["enabling"].append(
                [
                    iid,
                    rid,
                    cell_text(e.get("elasticity")),
                    cell_text(e.get("floor")),
                    e.get("level"),
                ]
            )
        for band in itv.get("cost_curve", []):
            sheets["cost_curves"].append([iid, band.get("up_to"), band.get("multiplier")])
    for oid, out in data.get("outcomes", {}).items():
        value = out.get("value", {})
        sheets["outcomes"].append(
            [
                oid,
                out.get("label"),
                out.get("unit"),
                out.get("final", False),
                out.get("complex", False),
                cell_text(value.get("economic")),
                cell_text(value.get("social")),
                out.get("source"),
                out.get("notes"),
            ]
        )
        for agency, q in value.get("fiscal", {}).items():
            sheets["fiscal_values"].append([oid, agency, cell_text(q)])
    for link in data.get("links", []):
        sheets["links"].append(
            [
                cell_text(link.get(c))
                if c == "effect"
                else link.get(c, False if c == "contested" else None)
                for c in LAYOUT["links"]
            ]
        )
    for corr in data.get("correlations", []):
        sheets["correlations"].append([corr["between"][0], corr["between"][1], corr["rho"]])
    for name, sc in data.get("scenarios", {}).items():
        changes = sc.get("changes", []) or [None]
        for k, change in enumerate(changes):
            sheets["scenarios"].append(
                [
                    name,
                    sc.get("label") if k == 0 else None,
                    sc.get("kind") if k == 0 else None,
                    sc.get("notes") if k == 0 else None,
                    cell_text(change) if change is not None else None,
                ]
            )
    for oid, amount in data.get("targets", {}).items():
        sheets["targets"].append([oid, amount])
    w = data.get("volunteer_wellbeing")
    if w:
        sheets["volunteer_wellbeing"].append(
            [
                w.get("label"),
                cell_text(w.get("per_hour")),
                ", ".join(w["resources"]) if w.get("resources") else None,
                w.get("source"),
                w.get("notes"),
            ]
        )
    for name, tv in data.get("time_values", {}).items():
        sheets["time_values"].append(
            [name] + [cell_text(tv.get(c)) for c in LAYOUT["time_values"][1:]]
        )

    wb = Workbook()
    wb.remove(wb.active)
    for name, body in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(list(LAYOUT[name]))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in body:
            ws.append(_cells(row))
        for col, header in enumerate(LAYOUT[name], start=1):
            width = max(
                [len(str(header))]
                + [
                    len(str(r[col - 1]))
                    for r in body
                    if col - 1 < len(r) and r[col - 1] is not None
                ]
            )
            ws.column_dimensions[ws.cell(1, col).column_letter].width = min(60, width + 2)
        ws.freeze_panes = "A2"
    text_only(wb)
    wb.save(path)


def write_elements_xlsx(model: Model, path: str | Path) -> None:
    """Two sheets, Elements and Connections, as network-mapping tools import them."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..model.distributions import mean_of

    elements: list[list] = [
        ["Label", "Type", "Description", "ID", "Sector", "Unit", "Tags", "Source"]
    ]
    for rid, r in model.resources.items():
        elements.append(
            [
                r.label or rid,
                "Resource",
                r.notes,
                rid,
                r.sector,
                r.unit,
                model.sectors[r.sector].label,
                r.source,
            ]
        )
    for iid, i in model.interventions.items():
        elements.append(
            [i.label or iid, "Intervention", i.notes, iid, None, i.unit, None, i.source]
        )
    for oid, o in model.outcomes.items():
        tags = ", ".join(t for t, on in (("final", o.final), ("complex", o.complex)) if on)
        elements.append(
            [o.label or oid, "Outcome", o.notes, oid, None, o.unit, tags or None, o.source]
        )
    connections: list[list] = [["From", "To", "Type", "Effect", "Evidence", "Contested", "Source"]]
    for iid, i in model.interventions.items():
        for kind, inputs in (("input", i.inputs), ("fixed input", i.fixed_inputs)):
            for rid, q in inputs.items():
                connections.append(
                    [model.label_of(rid), model.label_of(iid), kind, mean_of(q), None, None, None]
                )
    for link in model.links:
        connections.append(
            [
                model.label_of(link.from_),
                model.label_of(link.to),
                "effect",
                mean_of(link.effect),
                link.evidence,
                "yes" if link.contested else None,
                link.source,
            ]
        )
    wb = Workbook()
    el = wb.active
    el.title = "Elements"
    co = wb.create_sheet("Connections")
    for ws, rows in ((el, elements), (co, connections)):
        for row in rows:
            ws.append(_cells(row))
        for cell in ws[1]:
            cell.font = Font(bold=True)
    text_only(wb)
    wb.save(path)


def export_model(model: Model, fmt: str, path: str | Path | None) -> str | None:
    """Write ``model`` as ``fmt``; text formats are returned when ``path`` is None."""
    if fmt == "yaml":
        text = model_yaml(model)
    elif fmt == "json":
        text = model_json(model)
    elif fmt == "xlsx":
        write_model_xlsx(model, path)  # type: ignore[arg-type]
        return None
    elif fmt == "elements-xlsx":
        write_elements_xlsx(model, path)  # type: ignore[arg-type]
        return None
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if path is None:
        return text
    Path(path).write_text(text, encoding="utf-8")
    return None
