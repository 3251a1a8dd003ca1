"""The model as a workbook: one sheet per section, for analysts who live in spreadsheets.

A cell holding a quantity takes a number or a distribution written as in the YAML file
(``{dist: normal, mean: 0.35, sd: 0.08}``). This module defines the layout and reads it; the
writer (an export, so an app concern) uses the same layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, ModelError

# sheet -> columns, in order. The first column of a node sheet is its id.
LAYOUT: dict[str, tuple[str, ...]] = {
    "model": ("field", "value"),
    "sectors": ("id", "label", "coproduction"),
    "agencies": ("id", "label"),
    "resources": ("id", "label", "unit", "sector", "agency", "unit_cost", "available",
                  "source", "notes"),
    "interventions": ("id", "label", "unit", "volume", "capacity", "min_volume",
                      "max_decrease", "source", "notes"),
    "inputs": ("intervention", "resource", "kind", "quantity"),
    "enabling": ("intervention", "resource", "elasticity", "floor", "level"),
    "cost_curves": ("intervention", "up_to", "multiplier"),
    "outcomes": ("id", "label", "unit", "final", "complex", "value_economic", "value_social",
                 "source", "notes"),
    "fiscal_values": ("outcome", "agency", "value"),
    "links": ("from", "to", "effect", "evidence", "contested", "source", "notes"),
    "correlations": ("quantity_a", "quantity_b", "rho"),
    "scenarios": ("scenario", "label", "kind", "notes", "change"),
    "targets": ("outcome", "amount"),
    "time_values": ("id", "label", "per_hour", "source", "notes"),
    "volunteer_wellbeing": ("label", "per_hour", "resources", "source", "notes"),
}
MODEL_FIELDS = ("coproduce", "name", "description", "currency", "price_year", "source", "notes",
                "time_value")
QUANTITY_COLUMNS = {"unit_cost", "available", "volume", "capacity", "min_volume", "quantity",
                    "effect", "value_economic", "value_social", "value", "elasticity", "floor",
                    "per_hour"}
INPUT_KINDS = {"per_unit": "inputs", "fixed": "fixed_inputs"}


def cell_text(value: Any) -> Any:
    """How a quantity is written in a cell: numbers as numbers, distributions as flow YAML."""
    if isinstance(value, dict):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return value


def _cell_value(value: Any, column: str) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if column in QUANTITY_COLUMNS and text.startswith("{"):
            try:
                return yaml.safe_load(text)
            except yaml.YAMLError:
                return text  # validation will say it is not a number
        if column in ("final", "complex", "contested", "coproduction"):
            low = text.lower()
            if low in ("true", "yes", "y", "1"):
                return True
            if low in ("false", "no", "n", "0"):
                return False
        return text
    return value


def read_model_xlsx(path: str | Path) -> tuple[dict, dict[str, str]]:
    """Read a model workbook into model-file data, plus where each part came from
    (``{'links[2]': "sheet 'links' row 4"}``) so errors can point at a row."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ModelError([Issue("", f"cannot read the workbook: {exc}", file=str(path))]) \
            from None
    issues: list[Issue] = []
    places: dict[str, str] = {}
    data: dict[str, Any] = {}

    def rows(sheet: str) -> list[tuple[int, dict]]:
        if sheet not in wb.sheetnames:
            return []
        ws = wb[sheet]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return []
        names = [str(h).strip() if h is not None else "" for h in header]
        expected = LAYOUT[sheet]
        for h in names:
            if h and h not in expected:
                issues.append(Issue("", f"sheet '{sheet}': unknown column '{h}' (columns: "
                                        + ", ".join(expected) + ")", file=str(path)))
        out = []
        for r, row in enumerate(it, start=2):
            rec = {names[c]: _cell_value(v, names[c]) for c, v in enumerate(row)
                   if c < len(names) and names[c]}
            if all(v is None for v in rec.values()):
                continue
            out.append((r, rec))
        return out

    for _, rec in rows("model"):
        key = rec.get("field")
        if key is None:
            continue
        data[str(key)] = rec.get("value")
    if "coproduce" in data and isinstance(data["coproduce"], float):
        data["coproduce"] = int(data["coproduce"])
    if isinstance(data.get("price_year"), float) and float(data["price_year"]).is_integer():
        data["price_year"] = int(data["price_year"])

    def nodes(sheet: str, section: str) -> None:
        got = rows(sheet)
        if not got and sheet not in wb.sheetnames:
            return
        section_data: dict[str, Any] = {}
        for r, rec in got:
            node_id = rec.pop("id", None)
            if node_id is None:
                issues.append(Issue("", f"sheet '{sheet}' row {r}: 'id' is empty; give each row "
                                        "an identifier", file=str(path)))
                continue
            node_id = str(node_id)
            places[f"{section}.{node_id}"] = f"sheet '{sheet}' row {r}"
            section_data[node_id] = {k: v for k, v in rec.items() if v is not None}
        data[section] = section_data

    if "sectors" in wb.sheetnames:
        nodes("sectors", "sectors")
    nodes("agencies", "agencies")
    nodes("resources", "resources")
    nodes("interventions", "interventions")
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
            issues.append(Issue("", f"sheet 'fiscal_values' row {r}: unknown outcome '{oid}'",
                                file=str(path)))
            continue
        outcome.setdefault("value", {}).setdefault("fiscal", {})[str(agency)] = rec.get("value")
        places[f"outcomes.{oid}.value.fiscal.{agency}"] = f"sheet 'fiscal_values' row {r}"
    for r, rec in rows("inputs"):
        iid, rid = rec.get("intervention"), rec.get("resource")
        kind = rec.get("kind") or "per_unit"
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(Issue("", f"sheet 'inputs' row {r}: unknown intervention '{iid}'",
                                file=str(path)))
            continue
        if kind not in INPUT_KINDS:
            issues.append(Issue("", f"sheet 'inputs' row {r}: kind must be per_unit or fixed, "
                                    f"not '{kind}'", file=str(path)))
            continue
        field = INPUT_KINDS[kind]
        itv.setdefault(field, {})[str(rid)] = rec.get("quantity")
        places[f"interventions.{iid}.{field}.{rid}"] = f"sheet 'inputs' row {r}"
    for r, rec in rows("cost_curves"):
        # one row per band, in order of volume; an empty up_to is the last, open-ended band
        iid = rec.get("intervention")
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(Issue("", f"sheet 'cost_curves' row {r}: unknown intervention "
                                    f"'{iid}'", file=str(path)))
            continue
        curve = itv.setdefault("cost_curve", [])
        places[f"interventions.{iid}.cost_curve[{len(curve)}]"] = f"sheet 'cost_curves' row {r}"
        curve.append({k: rec[k] for k in ("up_to", "multiplier") if rec.get(k) is not None})
    for r, rec in rows("enabling"):
        iid, rid = rec.get("intervention"), rec.get("resource")
        itv = data.get("interventions", {}).get(str(iid))
        if itv is None:
            issues.append(Issue("", f"sheet 'enabling' row {r}: unknown intervention '{iid}'",
                                file=str(path)))
            continue
        itv.setdefault("enabling", {})[str(rid)] = {
            k: rec[k] for k in ("elasticity", "floor", "level") if rec.get(k) is not None}
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
    links = []
    for r, rec in rows("links"):
        places[f"links[{len(links)}]"] = f"sheet 'links' row {r}"
        if isinstance(rec.get("evidence"), float) and rec["evidence"].is_integer():
            rec["evidence"] = int(rec["evidence"])
        links.append({k: v for k, v in rec.items() if v is not None})
    if links or "links" in wb.sheetnames:
        data["links"] = links
    corr = []
    for r, rec in rows("correlations"):
        places[f"correlations[{len(corr)}]"] = f"sheet 'correlations' row {r}"
        corr.append({"between": [rec.get("quantity_a"), rec.get("quantity_b")],
                     "rho": rec.get("rho")})
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
                parsed = yaml.safe_load(str(change))
            except yaml.YAMLError:
                parsed = change
            places[f"scenarios.{name}.changes[{len(sc['changes'])}]"] = \
                f"sheet 'scenarios' row {r}"
            sc["changes"].append(parsed)
    if scenarios:
        data["scenarios"] = scenarios
    targets = {}
    for r, rec in rows("targets"):
        targets[str(rec.get("outcome"))] = rec.get("amount")
        places[f"targets.{rec.get('outcome')}"] = f"sheet 'targets' row {r}"
    if targets:
        data["targets"] = targets
    wb.close()
    if issues:
        raise ModelError(issues)
    return data, places
