"""HTML report of an uncertainty analysis: where the evidence most worth paying for lies.

Four charts — the cost-effectiveness plane, the acceptability curve, the EVPPI ranking ("where
better evidence is worth most") and the tornado — each with its data as CSV, and a
plain-language summary naming the best option, its chance of being best and the input most
worth researching.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..engine.draws import DrawsTable
from ..voi import EVPPI_METHOD, UncertaintyResult
from .page import csv_link, esc, plotly_div, render_page, table_html

_SAMPLE = 1000  # points per option on the plane: enough to see the cloud, small file


def _money(x: float, cur: str) -> str:
    sign = "−" if x < 0 else ""
    sym = "£" if cur == "GBP" else ""
    tail = "" if sym else f" {cur}"
    return f"{sign}{sym}{abs(x):,.0f}{tail}"


def describe_input(name: str, labels: dict[str, str] | None = None) -> str:
    """A model path in words: 'links[a->b].effect' -> 'the effect of a on b' (with the
    model's labels for a and b when ``labels`` gives them)."""
    lab = (labels or {}).get
    m = re.fullmatch(r"links\[(\w+)->(\w+)\]\.effect( \[\w+\])?", name)
    if m:
        return f"the effect of {lab(m[1], m[1])} on {lab(m[2], m[2])}{m[3] or ''}"
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "resources" and parts[2] == "unit_cost":
        return f"the unit cost of {lab(parts[1], parts[1])}"
    if len(parts) == 4 and parts[0] == "interventions" and parts[2] in ("inputs",
                                                                        "fixed_inputs"):
        per = "per unit of" if parts[2] == "inputs" else "fixed for"
        return f"the {lab(parts[3], parts[3])} needed {per} {lab(parts[1], parts[1])}"
    if len(parts) >= 4 and parts[0] == "outcomes" and parts[2] == "value":
        return f"the {' '.join(parts[3:])} value of {lab(parts[1], parts[1])}"
    return name


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def summary_text(result: UncertaintyResult, labels: dict[str, str] | None = None) -> str:
    """The plain-language summary at the top of the report (also used by tests); ``labels``
    maps option and node ids to the model's labels."""
    lab = (labels or {}).get
    d = result.to_dict()
    cur = d.get("currency", "")
    best = result.best_option
    target = d.get("target")
    what = (f"reaching {target['amount']:,.4g} {target['outcome'].replace('_', ' ')}"
            if target else "this decision")
    parts = [f"For {what}, valuing each unit at {_money(result.wtp, cur)}, the option with the "
             f"highest expected net benefit is {lab(best, best)} "
             f"({_money(result.net_benefit[best][0], cur)}); it is the best option in "
             f"{result.prob_best[best]:.0%} of {result.n_draws:,} draws."]
    parts.append(f"Resolving all uncertainty would be worth {_money(result.evpi, cur)} per "
                 "decision (EVPI).")
    top = result.top_input
    if top is not None:
        parts.append(f"The evidence most worth paying for is {describe_input(top, labels)} "
                     f"({top}): "
                     "learning it "
                     f"exactly would be worth {_money(result.evppi[top], cur)} (EVPPI).")
    else:
        parts.append("No single input changes the decision: further evidence on one input "
                     "alone is not worth paying for.")
    if result.population_evpi is not None:
        parts.append(f"Over everyone affected, EVPI is {_money(result.population_evpi, cur)}.")
    return " ".join(parts)


def chart_frames(result: UncertaintyResult, table: DrawsTable) -> dict[str, pd.DataFrame]:
    """The data behind each chart, as CSV-ready frames."""
    out: dict[str, pd.DataFrame] = {}
    if table.has_effects:
        assert table.effect is not None and table.cost is not None
        n = table.n_draws
        idx = np.linspace(0, n - 1, min(n, _SAMPLE)).astype(int)
        out["plane"] = pd.DataFrame([{"option": o, "draw": int(k),
                                      "effect": float(table.effect[k, j]),
                                      "cost": float(table.cost[k, j])}
                                     for j, o in enumerate(table.options) for k in idx])
    if result.ceac is not None:
        rows = []
        for lam, probs, best in zip(result.ceac_grid, result.ceac, result.ceaf, strict=True):
            rows.extend({"wtp": lam, "option": o, "prob_best": float(p),
                         "best_expected": best == o}
                        for o, p in zip(result.options, probs, strict=True))
        out["ceac"] = pd.DataFrame(rows)
    out["evppi"] = pd.DataFrame([{"input": k, "evppi": v, "group": k in result.groups}
                                 for k, v in result.evppi.items()])
    out["tornado"] = pd.DataFrame([b.to_dict() for b in result.tornado])
    return out


def write_report(result: UncertaintyResult, table: DrawsTable, out: str | Path,
                 labels: dict[str, str] | None = None) -> None:
    """Write the self-contained HTML report to ``out``; ``labels`` (ids to the model's labels)
    names options and inputs in words on the page, while the CSV files keep the ids."""
    lab = (labels or {}).get
    d = result.to_dict()
    cur = d.get("currency", "")
    frames = chart_frames(result, table)
    sections: list[tuple[str, str]] = []

    rows = []
    for o in sorted(result.options, key=lambda o: -result.net_benefit[o][0]):
        m, lo, hi = result.net_benefit[o]
        row = {"option": lab(o, o), "net benefit (mean)": m, "95% low": lo, "95% high": hi,
               "P(best)": result.prob_best[o]}
        if result.cost_per_outcome is not None:
            row["net cost per outcome (mean)"] = result.cost_per_outcome[o][0]
        rows.append(row)
    sections.append(("Options", table_html(pd.DataFrame(rows), numeric_format="{:,.2f}")
                     + "<p>Net benefit = willingness to pay × target outcome reached + value "
                     "of other outcomes − full cost (all sectors, including the time of users "
                     f"and communities), in {esc(cur)}.</p>"))

    if "plane" in frames:
        fig = go.Figure()
        for o, sub in frames["plane"].groupby("option", sort=False):
            fig.add_trace(go.Scattergl(x=sub["effect"], y=sub["cost"], mode="markers",
                                       name=lab(str(o), str(o)),
                                       marker={"size": 4, "opacity": 0.45}))
        fig.update_layout(title="Cost-effectiveness plane (each dot is one draw)",
                          xaxis_title=f"target outcome reached ({d['target']['unit']})"
                          if d.get("target") else "effect",
                          yaxis_title=f"net cost ({cur})", height=480)
        sections.append(("Cost-effectiveness plane", plotly_div(fig)
                         + csv_link(frames["plane"], "plane.csv")))
    if "ceac" in frames:
        fig = go.Figure()
        for o, sub in frames["ceac"].groupby("option", sort=False):
            fig.add_trace(go.Scatter(x=sub["wtp"], y=sub["prob_best"], mode="lines",
                                     name=lab(str(o), str(o))))
        fig.add_vline(x=result.wtp, line_dash="dot")
        fig.update_layout(title="How likely each option is to be the best buy",
                          xaxis_title=f"willingness to pay per unit ({cur})",
                          yaxis_title="probability best", yaxis_range=[0, 1], height=420)
        front = pd.DataFrame([r.to_dict() for r in result.frontier])
        shown_front = front.assign(option=[lab(o, o) for o in front["option"]]) \
            if "option" in front else front
        sections.append(("Acceptability curve and incremental analysis", plotly_div(fig)
                         + csv_link(frames["ceac"], "ceac.csv")
                         + "<p>Incremental analysis (options dominated, or extendedly "
                           "dominated by a mix of neighbours, are set aside):</p>"
                         + table_html(shown_front) + csv_link(front, "frontier.csv")))
    ev = frames["evppi"]
    if len(ev):
        # inputs worth under 0.1% of the largest are noise: listed in the CSV, not drawn
        shown = ev[ev["evppi"] > 1e-3 * ev["evppi"].max()].head(20).iloc[::-1]
        fig = go.Figure(go.Bar(x=shown["evppi"],
                               y=[_short(describe_input(i, labels)) for i in shown["input"]],
                               orientation="h",
                               marker_color=["#8e6bb8" if g else "#2b7bb9"
                                             for g in shown["group"]]))
        fig.update_layout(title=f"Where better evidence is worth most ({cur} per decision)",
                          xaxis_title=f"EVPPI ({cur})", height=max(320, 28 * len(shown) + 120),
                          margin={"l": 360})
        sections.append(("Where better evidence is worth most", plotly_div(fig)
                         + csv_link(ev, "evppi.csv")
                         + f"<p>EVPI (all uncertainty resolved): {esc(_money(result.evpi, cur))}"
                         f". Method: {esc(EVPPI_METHOD)}. Purple bars are groups.</p>"))
    tor = frames["tornado"]
    if len(tor):
        top = tor[tor["swing"] > 0.01 * tor["swing"].max()].head(12).iloc[::-1]
        base = result.net_benefit[result.best_option][0]
        fig = go.Figure()
        fig.add_trace(go.Bar(y=top["input"], x=top["nb_low"] - base, base=base,
                             orientation="h", name="input at its 10th percentile",
                             text=["favours " + f for f in top["favours_low"]]))
        fig.add_trace(go.Bar(y=top["input"], x=top["nb_high"] - base, base=base,
                             orientation="h", name="input at its 90th percentile",
                             text=["favours " + f for f in top["favours_high"]]))
        fig.update_layout(barmode="overlay", height=max(320, 34 * len(top) + 140),
                          title=f"One-way sensitivity: expected net benefit of "
                                f"{lab(result.best_option, result.best_option)}",
                          xaxis_title=f"net benefit ({cur})", margin={"l": 360})
        sections.append(("Tornado", plotly_div(fig) + csv_link(tor, "tornado.csv")))
    notes = d.get("notes") or []
    if notes:
        sections.append(("Notes", "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes)
                         + "</ul>"))
    title = f"Uncertainty and value of information: {d.get('model', d.get('source', ''))}"
    sub = (f"{result.n_draws:,} draws · money in {cur} at {d.get('price_year')} prices"
           if cur else f"{result.n_draws:,} draws")
    html = render_page(title, sections, summary=summary_text(result, labels), subtitle=sub,
                       with_plotly=True)
    Path(out).write_text(html, encoding="utf-8")
