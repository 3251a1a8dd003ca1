"""Backwards mapping: pick an outcome and an amount, get the ranked pathways on the map."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...analyses.map import ANALYSIS, sector_frame
from ...errors import BadInput, Issue
from ...reports.strategy_map import Highlight, sector_colour
from ..lanes import heavy
from ..modelcache import loaded
from ..runner import register_page
from ..security import Caller, analyst
from .models import map_svg

router = APIRouter(include_in_schema=False)


def check_inputs(
    model,
    outcome: str,
    amount: float,
    by: str,
    scenario: str,
    time_value: str = "",
    min_evidence: int | None = None,
    paths: int = 10,
) -> None:
    """Raise BadInput naming the field when the request cannot be run (the analysis's own
    check, and the scenarios of this workspace's form)."""
    issues = []
    try:
        ANALYSIS.check(
            model,
            {
                "outcome": outcome,
                "amount": amount,
                "by": by,
                "paths": paths,
                "time_value": time_value,
                "min_evidence": min_evidence,
            },
        )
    except BadInput as exc:
        issues.extend(exc.issues)
    for s in (x for x in scenario.split(",") if x):
        if s not in model.scenarios:
            issues.append(Issue("scenario", f"unknown scenario '{s}'"))
    if issues:
        raise BadInput(issues)


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    """What the run page needs: the map with the chosen pathway's routes highlighted."""
    model, cm = loaded(version)
    chosen = request.query_params.get("pathway") or (
        result["pathways"][0]["intervention"] if result["pathways"] else ""
    )
    pathway = next((p for p in result["pathways"] if p["intervention"] == chosen), None)
    hl = None
    if pathway:
        nodes = {n for r in pathway["paths"] for n in r["nodes"]}
        links = {
            (a, b)
            for r in pathway["paths"]
            for a, b in zip(r["nodes"][:-1], r["nodes"][1:], strict=True)
        }
        hl = Highlight(frozenset(nodes), frozenset(links))
    frame = sector_frame(result)
    sectors = list(dict.fromkeys(frame["sector"])) if len(frame) else []
    colours = sector_colour(model.sectors)
    chart = _stacked_bars(result, sectors, colours, model)
    return {
        "model": model,
        "svg": map_svg(cm, version.model_id, version.number, hl),
        "chosen": chosen,
        "pathway": pathway,
        "chart": chart,
        "routes": {p["intervention"]: [r["nodes"] for r in p["paths"]] for p in result["pathways"]},
    }


CHAR_PX = 7.0  # a generous width of one character of 12 px system-ui text, so nothing clips
LABEL_CHARS = 34  # a pathway's label wraps at this many characters a line


def _wrap(text: str, width: int = LABEL_CHARS, lines: int = 3) -> list[str]:
    """A label in lines of at most ``width`` characters (words are never cut; a word longer
    than a line has a line to itself); never more than ``lines`` lines."""
    import textwrap

    out = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return out


def _ticks(top: float, n: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (about ``n`` of them)."""

    if top <= 0:
        return [0.0, 1.0]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(k * mag for k in (1, 2, 2.5, 5, 10) if k * mag >= raw)
    count = math.ceil(top / step - 1e-9)
    return [k * step for k in range(count + 1)]


def _tick_text(x: float, currency: str) -> str:
    """An axis tick as money in words (``£250k``, ``£1.5m``), without needless zeros."""
    from ... import formatting as fmt

    text = fmt.money_words(x, currency)
    return text.replace(".00m", "m").replace(".50m", ".5m")


def _stacked_bars(result: dict, sectors: list[str], colours: dict[str, str], model) -> str:
    """The cost per outcome unit of each pathway, stacked by sector, as inline SVG: labelled
    axes with money ticks, each bar's total in money, a legend; labels wrap and the margins
    are sized to the longest label and the largest figure, so no text is clipped."""
    from html import escape

    from ... import formatting as fmt
    from ..templating import currency_words, labels

    lab = labels(model)
    cur = result["currency"]
    amount = result["target"]["amount"]
    unit = result["target"]["unit"] or "unit"
    paths = result["pathways"][:12]
    if not paths:
        return ""
    per = [max(p["cost"]["full"] / amount, 0.0) for p in paths]
    ticks = _ticks(max(per) or 1.0)
    top = ticks[-1]
    wrapped = [_wrap(p["label"]) for p in paths]
    longest = max(len(line) for lines in wrapped for line in lines)
    left = 16 + CHAR_PX * longest
    totals = [fmt.money(x, cur) for x in per]
    right = 16 + CHAR_PX * max(max(len(t) for t in totals), len(_tick_text(top, cur)) / 2)
    width = 520.0
    row_hs = [max(26.0, 15.0 * len(lines) + 10) for lines in wrapped]
    y0 = 12.0
    plot_h = sum(row_hs)
    axis_y = y0 + plot_h
    total_w = left + width + right
    title = (
        f"Full cost per {unit}, by sector ({currency_words(cur)}, {result['price_year']} prices)"
    )
    # the legend: as many entries a line as fit the chart's width
    legend: list[tuple[float, float, str]] = []
    lx, ly = left, axis_y + 62
    for s in sectors:
        name = lab(s)
        w = 16 + CHAR_PX * len(name) + 18
        if lx + w > total_w - 8 and lx > left:
            lx, ly = left, ly + 20
        legend.append((lx, ly, s))
        lx += w
    height = (ly if legend else axis_y + 44) + 14
    x_of = lambda v: left + width * v / top  # noqa: E731
    parts = [
        f'<svg class="bar-chart" viewBox="0 0 {total_w:.0f} {height:.0f}" width="100%" '
        f'font-family="system-ui, sans-serif" role="img" '
        f'aria-label="{escape(title)}, for each pathway">'
    ]
    for t in ticks:  # grid lines and tick labels
        x = x_of(t)
        parts.append(
            f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{axis_y:.1f}" stroke="#e2e6ea"/>'
        )
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_y:.1f}" x2="{x:.1f}" y2="{axis_y + 5:.1f}" '
            f'stroke="#555"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{axis_y + 18:.1f}" text-anchor="middle" '
            f'font-size="12" fill="#333">{escape(_tick_text(t, cur))}</text>'
        )
    parts.append(
        f'<line x1="{left:.1f}" y1="{axis_y:.1f}" x2="{left + width:.1f}" '
        f'y2="{axis_y:.1f}" stroke="#555"/>'
    )
    parts.append(
        f'<line x1="{left:.1f}" y1="{y0:.1f}" x2="{left:.1f}" y2="{axis_y:.1f}" stroke="#555"/>'
    )
    parts.append(
        f'<text x="{left + width / 2:.1f}" y="{axis_y + 38:.1f}" '
        f'text-anchor="middle" font-size="12" fill="#333">{escape(title)}</text>'
    )
    y = y0
    for p, lines, row_h, total in zip(paths, wrapped, row_hs, totals, strict=True):
        first = y + row_h / 2 - 7.5 * (len(lines) - 1) + 4
        parts.append(
            f'<text x="{left - 8:.1f}" y="{first:.1f}" text-anchor="end" '
            'font-size="12" fill="#222">'
            + "".join(
                f'<tspan x="{left - 8:.1f}" dy="{0 if k == 0 else 15}">{escape(line)}</tspan>'
                for k, line in enumerate(lines)
            )
            + "</text>"
        )
        x = left
        bar_h = 18.0
        by = y + (row_h - bar_h) / 2
        for s in sectors:
            v = max(p["cost"]["by_sector"].get(s, 0.0) / amount, 0.0)
            w = width * v / top
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{by:.1f}" width="{w:.1f}" '
                    f'height="{bar_h:.0f}" fill="{colours.get(s, "#999")}"><title>'
                    f"{escape(p['label'])}: {escape(lab(s))} "
                    f"{escape(fmt.money(v, cur))} per {escape(unit)}</title></rect>"
                )
                x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{by + 13:.1f}" font-size="12" '
            f'fill="#222">{escape(total)}</text>'
        )
        y += row_h
    for lx, ly, s in legend:
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="12" height="12" '
            f'fill="{colours.get(s, "#999")}"/><text x="{lx + 16:.1f}" y="{ly:.1f}" '
            f'font-size="12" fill="#222">{escape(lab(s))}</text>'
        )
    parts.append("</svg>")
    if len(result["pathways"]) > len(paths):
        parts.append(
            f'<p class="note">The {len(paths)} leading pathways of '
            f"{len(result['pathways'])}; every pathway is in the data below.</p>"
        )
    return "".join(parts)


register_page("map", "run_map.html", view)


def start(
    request: Request,
    c: Caller,
    model_id: int,
    version: int | None,
    outcome: str,
    amount: float,
    by: str,
    scenario: str,
    paths: int = 10,
    time_value: str = "",
    min_evidence: int | None = None,
):
    """Check the request, store the run, hand it to the worker; returns the run."""
    store = request.app.state.store
    m, v = store.get_model_version(c.actor, model_id, version)
    model, _cm = loaded(v)
    check_inputs(model, outcome, amount, by, scenario, time_value, min_evidence, paths)
    inputs = {
        "outcome": outcome,
        "amount": amount,
        "by": by,
        "paths": paths,
        "model_name": m.name,
        "version": v.number,
    }
    if time_value:
        inputs["time_value"] = time_value
    if min_evidence is not None:
        inputs["min_evidence"] = min_evidence
    # milliseconds: run in the request, never queued
    return request.app.state.worker.quick(c.actor, "map", inputs, v, scenario=scenario)


@router.post("/models/{model_id}/map")
@heavy
def run_map(
    request: Request,
    model_id: int,
    outcome: str = Form(...),
    amount: float = Form(...),
    by: str = Form("full"),
    scenario: str = Form(""),
    time_value: str = Form(""),
    min_evidence: str = Form(""),
    version: int | None = Form(None),
    c: Caller = Depends(analyst),
):
    grade = None
    if min_evidence.strip():
        if not min_evidence.strip().isdigit():
            raise BadInput([Issue("min_evidence", "an evidence grade is 1 to 5")])
        grade = int(min_evidence)
    run = start(
        request,
        c,
        model_id,
        version,
        outcome,
        amount,
        by,
        scenario,
        time_value=time_value,
        min_evidence=grade,
    )
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
