"""Backwards mapping: pick an outcome and an amount, get the ranked pathways on the map."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...engine.backwards import backwards_map
from ...model.errors import Issue, ModelError
from ...reports.strategy_map import Highlight, sector_colour
from ..modelcache import loaded
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst
from .models import map_svg

router = APIRouter(include_in_schema=False)


def check_inputs(model, outcome: str, amount: float, by: str, scenario: str,
                 time_value: str = "", min_evidence: int | None = None) -> None:
    """Raise ModelError naming the field when the request cannot be run."""
    from ...model.time_value import AS_STATED, bases

    issues = []
    if time_value and time_value != AS_STATED and time_value not in bases(model):
        issues.append(Issue("time_value", f"unknown valuation of time '{time_value}'; choose "
                            f"one of {', '.join([AS_STATED, *bases(model)])}"))
    if min_evidence is not None and not 1 <= min_evidence <= 5:
        issues.append(Issue("min_evidence", "an evidence grade is 1 to 5"))
    if outcome not in model.outcomes:
        issues.append(Issue("outcome", f"unknown outcome '{outcome}'"))
    if not amount > 0:
        issues.append(Issue("amount", "must be above 0"))
    if by not in ("full", "public"):
        issues.append(Issue("by", "must be 'full' or 'public'"))
    for s in (x for x in scenario.split(",") if x):
        if s not in model.scenarios:
            issues.append(Issue("scenario", f"unknown scenario '{s}'"))
    if issues:
        raise ModelError(issues)


def _result(ctx: RunContext):
    i = ctx.inputs
    model = ctx.model()
    min_evidence = i.get("min_evidence")
    return model, backwards_map(model, i["outcome"], float(i["amount"]), by=i.get("by", "full"),
                                paths=int(i.get("paths", 10)),
                                min_evidence=None if min_evidence is None else int(min_evidence))


def compute(ctx: RunContext) -> dict[str, Any]:
    ctx.progress(0.3, "finding the pathways")
    _model, result = _result(ctx)
    return result.to_dict()


def html_report(ctx: RunContext, _result_dict: dict) -> bytes:
    from ...reports.map_report import map_report

    model, result = _result(ctx)  # deterministic: the same figures as the stored result
    return map_report(model, result).encode("utf-8")


def xlsx_report(ctx: RunContext, result: dict) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        pd.DataFrame({"about": [
            f"Backwards mapping: {result['target']['amount']:g} more "
            f"{result['target']['unit']} of {result['target']['label']}",
            f"Model: {result['model']}; {result['currency']}, {result['price_year']} prices",
            result["summary"]]}).to_excel(xl, sheet_name="about", index=False)
        pathway_frame(result).to_excel(xl, sheet_name="pathways", index=False)
        sector_frame(result).to_excel(xl, sheet_name="cost by sector", index=False)
        routes_frame(result).to_excel(xl, sheet_name="routes", index=False)
    return buf.getvalue()


def pathway_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{
        "rank": k, "intervention": p["intervention"], "label": p["label"],
        "volume": p["volume"], "unit": p.get("unit", ""), "full_cost": p["cost"]["full"],
        "public_cost": p["cost"]["public"],
        "full_cost_per_outcome": p["cost_per_outcome"]["full"],
        "public_cost_per_outcome": p["cost_per_outcome"]["public"],
        "coproduction_share": p["coproduction_share"], "within_capacity": p["within_capacity"],
        "flags": "; ".join(p["flags"])} for k, p in enumerate(result["pathways"], start=1)])


def sector_frame(result: dict) -> pd.DataFrame:
    """Cost per outcome unit by sector for each pathway (the chart's data)."""
    amount = result["target"]["amount"]
    rows = []
    for p in result["pathways"]:
        for sector, cost in p["cost"]["by_sector"].items():
            rows.append({"pathway": p["label"], "sector": sector,
                         "cost_per_outcome": cost / amount})
    return pd.DataFrame(rows, columns=["pathway", "sector", "cost_per_outcome"])


def routes_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{"pathway": p["label"], "route": " -> ".join(r["nodes"]),
                          "effect": r["effect"], "share": r["share"]}
                         for p in result["pathways"] for r in p["paths"]],
                        columns=["pathway", "route", "effect", "share"])


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    """What the run page needs: the map with the chosen pathway's routes highlighted."""
    model, cm = loaded(version)
    chosen = request.query_params.get("pathway") or (
        result["pathways"][0]["intervention"] if result["pathways"] else "")
    pathway = next((p for p in result["pathways"] if p["intervention"] == chosen), None)
    hl = None
    if pathway:
        nodes = {n for r in pathway["paths"] for n in r["nodes"]}
        links = {(a, b) for r in pathway["paths"] for a, b in zip(r["nodes"][:-1],
                                                                  r["nodes"][1:], strict=True)}
        hl = Highlight(frozenset(nodes), frozenset(links))
    frame = sector_frame(result)
    sectors = list(dict.fromkeys(frame["sector"])) if len(frame) else []
    colours = sector_colour(model.sectors)
    chart = _stacked_bars(result, sectors, colours, model)
    return {"model": model, "svg": map_svg(cm, version.model_id, version.number, hl),
            "chosen": chosen, "pathway": pathway, "chart": chart,
            "routes": {p["intervention"]: [r["nodes"] for r in p["paths"]]
                       for p in result["pathways"]},
            "sector_labels": {s: model.sectors[s].label for s in model.sectors}}


def _stacked_bars(result: dict, sectors: list[str], colours: dict[str, str], model) -> str:
    """The cost per outcome unit of each pathway, stacked by sector, as inline SVG."""
    from html import escape

    amount = result["target"]["amount"]
    paths = result["pathways"][:12]
    if not paths:
        return ""
    top = max(p["cost"]["full"] / amount for p in paths) or 1.0
    left, width, row_h = 260, 560, 26
    height = 40 + row_h * len(paths) + 40
    parts = [f'<svg class="bar-chart" viewBox="0 0 {left + width + 110} {height}" '
             f'width="100%" role="img" aria-label="Cost per outcome by sector">']
    for k, p in enumerate(paths):
        y = 30 + k * row_h
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
                     f'{escape(_short(p["label"]))}</text>')
        x = left
        for s in sectors:
            w = width * p["cost"]["by_sector"].get(s, 0.0) / amount / top
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}"'
                             f' fill="{colours.get(s, "#999")}"><title>'
                             f'{escape(model.sectors[s].label)}: '
                             f'{p["cost"]["by_sector"][s] / amount:,.0f} {result["currency"]}'
                             '</title></rect>')
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12" fill="#333">'
                     f'{p["cost"]["full"] / amount:,.0f}</text>')
    ly = 30 + len(paths) * row_h + 18
    lx = left
    for s in sectors:
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
                     f'fill="{colours.get(s, "#999")}"/><text x="{lx + 16}" y="{ly}" '
                     f'font-size="12">{escape(model.sectors[s].label)}</text>')
        lx += 30 + 7 * len(model.sectors[s].label)
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, n: int = 34) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


register(Analysis(
    kind="map", title="Backwards mapping", compute=compute, template="run_map.html",
    view=view,
    reports=(Report("html", "text/html", html_report),
             Report("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    xlsx_report)),
))
CSV_TABLES = {"pathways": pathway_frame, "cost-by-sector": sector_frame, "routes": routes_frame}


def start(request: Request, c: Caller, model_id: int, version: int | None, outcome: str,
          amount: float, by: str, scenario: str, paths: int = 10, time_value: str = "",
          min_evidence: int | None = None):
    """Check the request, store the run, hand it to the worker; returns the run."""
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    v = store.get_version(c.actor, model_id, version)
    model, _cm = loaded(v)
    check_inputs(model, outcome, amount, by, scenario, time_value, min_evidence)
    if not 1 <= paths <= 100:
        raise ModelError([Issue("paths", "must be between 1 and 100")])
    inputs = {"outcome": outcome, "amount": amount, "by": by, "paths": paths,
              "model_name": m.name, "version": v.number}
    if time_value:
        inputs["time_value"] = time_value
    if min_evidence is not None:
        inputs["min_evidence"] = min_evidence
    run = store.create_run(c.actor, "map", inputs,
                           model_version_id=v.id, scenario=scenario)
    request.app.state.worker.run_now(run.id)  # milliseconds: no need for the queue
    return run


@router.post("/models/{model_id}/map")
def run_map(request: Request, model_id: int, outcome: str = Form(...),
            amount: float = Form(...), by: str = Form("full"), scenario: str = Form(""),
            time_value: str = Form(""), min_evidence: str = Form(""),
            version: int | None = Form(None), c: Caller = Depends(analyst)):
    grade = None
    if min_evidence.strip():
        if not min_evidence.strip().isdigit():
            raise ModelError([Issue("min_evidence", "an evidence grade is 1 to 5")])
        grade = int(min_evidence)
    run = start(request, c, model_id, version, outcome, amount, by, scenario,
                time_value=time_value, min_evidence=grade)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
