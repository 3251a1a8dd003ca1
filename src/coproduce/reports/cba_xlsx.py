"""The appraisal as an XLSX workbook in the shape analysts expect: values only, no formulas
(text that a spreadsheet could take for one is marked as text: :func:`.model_files.text_only`).

Sheets: Summary; Cash flows (by year, per option); By agency (costs and fiscal benefits by
year, and present values); Wrong pocket; Switching values; Time valuation; Assumptions (with
sources); Notes. An appraisal built from a strategy map adds Caveats (the option's flags from
the map, in words) and Time values (model) (the appraisal under each of the model's values of
time).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..appraisal.result import Appraisal
from .cba import headline_frame
from .model_files import text_only

HEAD_FILL = PatternFill("solid", fgColor="DCE6F0")


def _sheet(
    wb: Workbook,
    title: str,
    frame: pd.DataFrame,
    intro: list[str] | None = None,
    money_cols: tuple[str, ...] = (),
) -> None:
    ws = wb.create_sheet(title[:31])
    r = 1
    for line in intro or []:
        ws.cell(row=r, column=1, value=line).font = Font(bold=(r == 1))
        r += 1
    if intro:
        r += 1
    for j, col in enumerate(frame.columns, start=1):
        c = ws.cell(row=r, column=j, value=str(col))
        c.font = Font(bold=True)
        c.fill = HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False), start=r + 1):
        for j, v in enumerate(row, start=1):
            if isinstance(v, float) and v != v:  # NaN
                v = None
            cell = ws.cell(row=i, column=j, value=v.item() if hasattr(v, "item") else v)
            if frame.columns[j - 1] in money_cols or isinstance(v, float):
                cell.number_format = (
                    "#,##0.00" if isinstance(v, float) and abs(v) < 100 else "#,##0"
                )
    for j, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(x)) for x in frame.iloc[:, j - 1].tolist()[:200]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, width + 2), 70)
    ws.freeze_panes = ws.cell(row=r + 1, column=1)


def write_xlsx(result: Appraisal, path: str | Path, from_model: dict | None = None) -> Path:
    """The workbook; ``from_model``: the additions of an appraisal built from a strategy map
    (:meth:`~coproduce.appraisal.from_model.ModelAppraisal.to_dict`), or None."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    intro = [
        result.name,
        f"{result.currency}, {result.price_base} prices; {result.years} years; "
        f"discounting {result.schedule['name']}; deflator {result.deflator['name']}; "
        f"baseline: {result.baseline['label']}",
        *result.summary(),
    ]
    _sheet(wb, "Summary", headline_frame(result), intro)
    frames = []
    for o in result.options.values():
        f = o.cash_flows.copy()
        f.insert(0, "option", o.label)
        frames.append(f)
    _sheet(
        wb,
        "Cash flows",
        pd.concat(frames, ignore_index=True),
        ["Cash flows by year (£, price base; discounted columns say so)"],
    )
    rows = []
    for o in result.options.values():
        af = o.agency_flows
        for ag, v in o.by_agency.items():
            sub = af[af["agency"] == ag]
            row = {
                "option": o.label,
                "agency": result.agencies[ag]["label"],
                "sector": result.agencies[ag]["sector"],
                "pv_costs": v["pv_costs"],
                "pv_fiscal_benefits": v["pv_fiscal_benefits"],
                "net": v["pv_fiscal_benefits"] - v["pv_costs"],
            }
            for _, r in sub.iterrows():
                row[f"costs {r['label']}"] = r["costs"]
            for _, r in sub.iterrows():
                row[f"fiscal benefits {r['label']}"] = r["fiscal_benefits"]
            rows.append(row)
    _sheet(
        wb,
        "By agency",
        pd.DataFrame(rows),
        [
            "Costs paid and fiscal benefits gained, by agency (present values, then by year "
            "undiscounted)"
        ],
    )
    wp = [
        {
            "option": o.label,
            "payer": result.agencies[p]["label"],
            "gainer": result.agencies[g]["label"],
            "pv_fiscal_benefit": v,
        }
        for o in result.options.values()
        for p, gs in o.wrong_pocket.items()
        for g, v in gs.items()
        if v
    ]
    _sheet(
        wb,
        "Wrong pocket",
        pd.DataFrame(wp or [{"option": "", "payer": "", "gainer": "", "pv_fiscal_benefit": 0.0}]),
        ["Fiscal benefits of each gainer attributed to payers by share of public cost"],
    )
    sv = [{"option": o.label, **s.to_dict()} for o in result.options.values() for s in o.switching]
    _sheet(
        wb,
        "Switching values",
        pd.DataFrame(sv),
        ["Multiplier / % change of each driver at which the NPV reaches zero"],
    )
    tv = [
        {"option": o.label, "method": m, **v}
        for o in result.options.values()
        for m, v in o.time_valuation.items()
    ]
    if tv:
        _sheet(
            wb,
            "Time valuation",
            pd.DataFrame(tv),
            ["Economic case under each valuation of time given by residents and volunteers"],
        )
    if from_model is not None:
        _from_model_sheets(wb, result, from_model)
    _sheet(wb, "Assumptions", result.assumptions, ["Every assumption with its source"])
    notes = pd.DataFrame(
        {
            "note": [
                *result.notes,
                f"Deflator: {result.deflator['source']}",
                f"Discounting: {result.schedule['source']}",
                "Unit costs: GMCA Unit Cost Database v1.4, CC BY 4.0",
            ]
        }
    )
    _sheet(wb, "Notes", notes)
    text_only(wb)  # text that looks like a formula stays text
    wb.save(path)
    return path


def _from_model_sheets(wb: Workbook, result: Appraisal, extra: dict) -> None:
    from ..engine.flags import FLAG_KINDS

    rows = []
    for oid, o in extra["options"].items():
        label = result.options[oid].label if oid in result.options else oid
        head = {"option": label, "fits": o["fits"], "flags": ";".join(o["flags"])}
        rows.extend(
            {**head, **{f: f in o["flags"] for f in FLAG_KINDS}, "caveat": line}
            for line in (o["caveats_in_words"] or ["(none)"])
        )
    _sheet(
        wb,
        "Caveats",
        pd.DataFrame(rows),
        [
            "Caveats carried from the strategy map: evidence and enabling inputs of what the "
            "option changes; capacity and resources available for the whole option"
        ],
    )
    tv = [
        {
            "option": result.options[oid].label if oid in result.options else oid,
            "basis": name,
            **r,
            "in_use": name == extra["time_value"]["name"],
        }
        for oid, o in extra["options"].items()
        for name, r in o["time_values"].items()
    ]
    if tv:
        _sheet(
            wb,
            "Time values (model)",
            pd.DataFrame(tv),
            [
                "The appraisal under each of the strategy map's values of users' and "
                "communities' time (the figures its map uses, at the model's price year)"
            ],
        )
