"""Model sections as editable tables: rows of cells out, model data back in.

Each section is a list of columns; a quantity cell holds a number or a distribution written
the way a model file writes it (``{dist: normal, mean: 10, sd: 2}``). Validation is left to
:func:`coproduce.load_model`; its issues are mapped back to the cell they concern.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import yaml

from ..model.errors import ModelError, TooLarge
from ..model.files import load_yaml

BLANK_ROWS = 3
KEEP = object()  # a cell the form did not send: the stored value stays


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, quantity, bool, choice, int, paragraph
    hint: str = ""


SECTIONS: dict[str, tuple[str, list[Column]]] = {
    "interventions": (
        "Interventions",
        [
            Column("id", "Id"),
            Column("label", "Label"),
            Column("unit", "Unit"),
            Column("volume", "Volume now", "quantity"),
            Column("capacity", "Capacity", "quantity", "upper limit on volume; blank for none"),
            Column("source", "Source", "paragraph"),
            Column("notes", "Notes", "paragraph"),
        ],
    ),
    "inputs": (
        "Inputs of each intervention",
        [
            Column("intervention", "Intervention", "choice"),
            Column("resource", "Resource", "choice"),
            Column("kind", "Per", "choice"),
            Column("quantity", "Quantity", "quantity"),
        ],
    ),
    "outcomes": (
        "Outcomes",
        [
            Column("id", "Id"),
            Column("label", "Label"),
            Column("unit", "Unit"),
            Column("final", "Final", "bool"),
            Column("complex", "Complex", "bool"),
            Column(
                "value", "Value per unit", "quantity", "e.g. {fiscal: {nhs: 2600}, social: 1200}"
            ),
            Column("source", "Source", "paragraph"),
            Column("notes", "Notes", "paragraph"),
        ],
    ),
    "resources": (
        "Resources",
        [
            Column("id", "Id"),
            Column("label", "Label"),
            Column("unit", "Unit"),
            Column("sector", "Sector", "choice"),
            Column("agency", "Paying agency", "choice"),
            Column("unit_cost", "Unit cost", "quantity"),
            Column("available", "Available", "quantity", "a period; blank for no limit"),
            Column("source", "Source", "paragraph"),
        ],
    ),
    "links": (
        "Links",
        [
            Column("from", "From", "choice"),
            Column("to", "To", "choice"),
            Column("effect", "Effect", "quantity", "per unit of the source"),
            Column("evidence", "Evidence (1–5)", "int"),
            Column("contested", "Contested", "bool"),
            Column("source", "Source", "paragraph"),
            Column("notes", "Notes", "paragraph"),
        ],
    ),
}
INPUT_KINDS = {"inputs": "unit of volume", "fixed_inputs": "period (fixed)"}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rows_of(section: str, data: dict) -> list[dict[str, str]]:
    """The section's rows as cell texts (``key`` says which entry each row is)."""
    rows: list[dict[str, str]] = []
    if section == "inputs":
        for iid, itv in (data.get("interventions") or {}).items():
            for kind in INPUT_KINDS:
                for rid, q in (itv.get(kind) or {}).items():
                    rows.append(
                        {
                            "key": f"{iid}/{kind}/{rid}",
                            "intervention": iid,
                            "resource": rid,
                            "kind": kind,
                            "quantity": cell_text(q),
                        }
                    )
        return rows
    if section == "links":
        for k, lk in enumerate(data.get("links") or []):
            row = {c.name: cell_text(lk.get(c.name)) for c in SECTIONS[section][1]}
            row["key"] = str(k)
            rows.append(row)
        return rows
    for nid, entry in (data.get(section) or {}).items():
        row = {c.name: cell_text(entry.get(c.name)) for c in SECTIONS[section][1] if c.name != "id"}
        row["id"], row["key"] = nid, nid
        rows.append(row)
    return rows


def choices(section: str, data: dict) -> dict[str, list[tuple[str, str]]]:
    itv = list(data.get("interventions") or {})
    res = list(data.get("resources") or {})
    outs = list(data.get("outcomes") or {})
    from ..model.schema import DEFAULT_SECTORS

    sectors = data.get("sectors") or {k: {"label": s.label} for k, s in DEFAULT_SECTORS.items()}
    agencies = data.get("agencies") or {}
    label = {
        k: ((v or {}).get("label") or k.replace("_", " "))
        for s in ("interventions", "outcomes", "resources")
        for k, v in (data.get(s) or {}).items()
    }
    label.update(
        {
            k: ((v or {}).get("label") or k.replace("_", " "))
            for d in (sectors, agencies)
            for k, v in d.items()
        }
    )

    def opts(ids) -> list[tuple[str, str]]:
        return [(i, label.get(i, i.replace("_", " "))) for i in ids]

    return {
        "intervention": opts(itv),
        "resource": opts(res),
        "kind": list(INPUT_KINDS.items()),
        "sector": opts(sectors),
        "agency": [("", "none"), *opts(agencies)],
        "from": opts(itv + outs),
        "to": opts(outs),
    }


class CellError(ValueError):
    def __init__(self, row: int, column: str, message: str) -> None:
        super().__init__(message)
        self.row, self.column = row, column


def _parse(col: Column, text: str, row: int) -> Any:
    text = text.strip()
    if col.kind == "bool":
        return text in ("on", "yes", "true", "1")
    if text == "":
        return None
    if col.kind == "quantity":
        try:
            # within the bounds of every model file: no alias expansion, depth, number size
            value = load_yaml(text)
        except TooLarge as exc:
            raise CellError(
                row, col.name, exc.issues[0].message if exc.issues else str(exc)
            ) from None
        except ModelError:
            raise CellError(
                row,
                col.name,
                "write a number, or a distribution such as {dist: normal, mean: 10, sd: 2}",
            ) from None
        if isinstance(value, str):
            raise CellError(row, col.name, f"'{text}' is not a number")
        return value
    if col.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise CellError(row, col.name, f"'{text}' is not a whole number") from None
    return text


def read_form(section: str, form: dict[str, str]) -> list[dict[str, Any]]:
    """The rows posted by the table form (deleted and blank rows dropped), with ``_row``."""
    cols = SECTIONS[section][1]
    n = int(form.get("rows", "0") or 0)
    out: list[dict[str, Any]] = []
    errors: list[CellError] = []
    for k in range(min(n, 10_000)):
        if form.get(f"r{k}-delete"):
            continue
        raw = {c.name: form.get(f"r{k}-{c.name}", "") for c in cols}
        if not any(
            v.strip()
            for c, v in zip(cols, raw.values(), strict=True)
            if c.kind != "bool" and c.name not in ("kind", "sector", "agency")
        ):
            continue  # an unused blank row
        row: dict[str, Any] = {"_row": k, "_key": form.get(f"r{k}-key", "")}
        for c in cols:
            if c.kind == "paragraph" and f"r{k}-{c.name}" not in form:
                row[c.name] = KEEP  # a text the form did not send is kept, not erased
                continue
            try:
                row[c.name] = _parse(c, raw[c.name], k)
            except CellError as exc:
                errors.append(exc)
        out.append(row)
    if errors:
        raise CellErrors(errors)
    return out


class CellErrors(ValueError):
    def __init__(self, errors: list[CellError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def apply_rows(
    section: str, data: dict, rows: list[dict[str, Any]]
) -> tuple[dict, dict[str, tuple[int, str]]]:
    """New model data with the section replaced by ``rows``, and a map from issue paths
    (``interventions.x.volume``) to (form row, column) so errors land on their cell."""
    new = copy.deepcopy(data)
    places: dict[str, tuple[int, str]] = {}
    cols = [c.name for c in SECTIONS[section][1]]
    if section == "links":
        links = []
        stored = data.get("links") or []
        for row in rows:
            key = str(row.get("_key", ""))
            old_link = stored[int(key)] if key.isdigit() and int(key) < len(stored) else {}
            entry = {
                c: (old_link.get(c) if row.get(c) is KEEP else row[c])
                for c in cols
                if not _empty(row.get(c))
            }
            entry = {c: x for c, x in entry.items() if x is not None}
            for c in cols:
                places[f"links[{len(links)}].{c}"] = (row["_row"], c)
            places[f"links[{len(links)}]"] = (row["_row"], "effect")
            links.append(entry)
        new["links"] = links
        return new, places
    if section == "inputs":
        itvs = new.get("interventions") or {}
        for itv in itvs.values():
            itv.pop("inputs", None)
            itv.pop("fixed_inputs", None)
        for row in rows:
            iid, rid, kind = row.get("intervention"), row.get("resource"), row.get("kind")
            if iid not in itvs or kind not in INPUT_KINDS or not rid:
                places[f"_row{row['_row']}"] = (row["_row"], "intervention")
                continue
            itvs[iid].setdefault(kind, {})[rid] = row.get("quantity")
            places[f"interventions.{iid}.{kind}.{rid}"] = (row["_row"], "quantity")
            places[f"interventions.{iid}.{kind}"] = (row["_row"], "resource")
        return new, places
    old = new.get(section) or {}
    entries: dict[str, dict] = {}
    for row in rows:
        nid = row.get("id") or ""
        entry = dict(old.get(row["_key"], {})) if row["_key"] in old else {}
        for c in cols:
            if c == "id" or row.get(c) is KEEP:
                continue
            if _empty(row.get(c)):
                entry.pop(c, None)
            else:
                entry[c] = row[c]
        entries[nid] = entry
        places[f"{section}.{nid}"] = (row["_row"], "id")
        for c in cols:
            places[f"{section}.{nid}.{c}"] = (row["_row"], c)
    if section == "interventions":
        # keep each intervention's inputs with it (they are edited on the inputs table)
        for nid, entry in entries.items():
            entry.setdefault("inputs", (old.get(nid) or {}).get("inputs", {}))
    new[section] = entries
    return new, places


def _empty(value: Any) -> bool:
    """A cell that leaves its field out of the model: blank, or an unticked box (a 0 is a
    value: a capacity of 0 is not "no limit")."""
    return value is None or value is False


def place_of(path: str, places: dict[str, tuple[int, str]]) -> tuple[int, str] | None:
    """The (row, column) of an issue path, trying ever shorter prefixes."""
    p = path
    while p:
        if p in places:
            return places[p]
        cut = max(p.rfind("."), p.rfind("["))
        if cut <= 0:
            return None
        p = p[:cut]
    return None
