"""The HTML report of a cost-benefit appraisal.

Charts: cumulative discounted cash flow with the payback year marked, the wrong-pocket matrix
as a heat map, the switching-value tornado and (with --draws) the NPV distribution; each with
its data as CSV. Then the cash flows, who pays and who gains, the time-valuation comparison and
every assumption with its source.

An appraisal built from a strategy map (``cba --from-model``) also shows, from
:meth:`coproduce.appraisal.from_model.ModelAppraisal.to_dict`, the caveats the option carries
from the map (in words, beside the headline figures) and the appraisal under each of the
model's own values of time — the figures ``map`` uses — in place of the appraisal library's
rates, which would be a second figure for the same hour.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..appraisal.result import Appraisal
from ..appraisal.words import METHOD_WORDS, amount, money, rate_words, ratio
from .page import csv_link, esc, plotly_div, render_page, table_html

COLOURS = ["#1d5c8c", "#c8553d", "#2a9d8f", "#8a5a9e", "#e9a23b", "#5b6b7b"]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def headline_frame(result: Appraisal) -> pd.DataFrame:
    rows = [("Present value of costs (all, incl. time given)", "pv_costs", "£"),
            ("  of which public sector", "pv_public_costs", "£"),
            ("  of which time given by residents and volunteers", "pv_time_costs", "£"),
            ("Present value of fiscal benefits (incl. transfers)", "pv_fiscal", "£"),
            ("  of which transfer payments", "pv_transfers", "£"),
            ("Present value of economic benefits", "pv_economic", "£"),
            ("Present value of social benefits", "pv_social", "£"),
            ("Net present public value (economic case)", "npv_public_value", "£"),
            ("Benefit-cost ratio", "benefit_cost_ratio", "x"),
            ("Net present budget impact (financial case)", "net_present_budget_impact", "£"),
            ("Fiscal return on investment (fiscal benefits per £1 public cost)", "fiscal_roi",
             "x"),
            ("Co-production share of costs", "coproduction_share", "%")]
    data = {"Figure": [r[0] for r in rows]}
    for o in result.options.values():
        col = []
        for _, key, kind in rows:
            v = o.figures[key]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                col.append("–")
            elif kind == "£":
                col.append(amount(v, result.currency))
            elif kind == "%":
                col.append(f"{v:.0%}")
            else:
                col.append(f"{v:.2f}")
        lab = result.year_labels
        col_pay = [lab[o.payback[k]] if o.payback[k] is not None else "not within period"
                   for k in ("discounted", "undiscounted")]
        data[o.label] = [*col, *col_pay]
        if o.uncertainty:
            lo, hi = o.uncertainty["intervals"]["npv_public_value"]
            data[o.label] += [f"{o.uncertainty['prob_npv_positive']:.0%}",
                              f"{amount(lo, result.currency)} to {amount(hi, result.currency)}"]
    data["Figure"] += ["Payback year, discounted (financial case)",
                       "Payback year, undiscounted (financial case)"]
    if result.uncertainty:
        data["Figure"] += ["Probability NPV > 0", "NPV 95% interval"]
    return pd.DataFrame(data)


def _cumulative_chart(result: Appraisal) -> tuple[str, pd.DataFrame]:
    fig = go.Figure()
    frames = []
    for i, o in enumerate(result.options.values()):
        cf = o.cash_flows
        colour = COLOURS[i % len(COLOURS)]
        fig.add_trace(go.Scatter(x=cf["label"], y=cf["cumulative_discounted_net_public_value"],
                                 mode="lines+markers", name=f"{o.label}: public value",
                                 line={"color": colour}))
        fig.add_trace(go.Scatter(x=cf["label"], y=cf["cumulative_discounted_net_budget_impact"],
                                 mode="lines", name=f"{o.label}: budget (fiscal less public cost)",
                                 line={"color": colour, "dash": "dot"}))
        pb = o.payback["discounted"]
        if pb is not None:
            fig.add_trace(go.Scatter(
                x=[cf["label"][pb]], y=[cf["cumulative_discounted_net_budget_impact"][pb]],
                mode="markers+text", marker={"size": 14, "symbol": "star", "color": colour},
                text=[f"payback {cf['label'][pb]}"], textposition="top center",
                name=f"{o.label}: discounted payback", showlegend=False))
        f = cf[["label", "cumulative_discounted_net_public_value",
                "cumulative_discounted_net_budget_impact"]].copy()
        f.insert(0, "option", o.label)
        frames.append(f)
    fig.add_hline(y=0, line={"color": "#888", "width": 1})
    fig.update_layout(height=420, margin={"l": 60, "r": 20, "t": 30, "b": 40},
                      yaxis_title=f"£ ({result.price_base} prices, discounted)",
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return plotly_div(fig, div_id="cumulative"), pd.concat(frames, ignore_index=True)


def _wrong_pocket(result: Appraisal, o) -> tuple[str, pd.DataFrame]:
    labels = {k: v["label"] for k, v in result.agencies.items()}
    payers = [p for p in o.wrong_pocket if o.by_agency[p]["pv_costs"] > 0]
    gainers = [g for g in result.agencies if any(o.wrong_pocket[p][g] for p in payers)]
    if not payers or not gainers:
        return "<p class='muted'>No fiscal benefits or no public costs: nothing to show.</p>", \
            pd.DataFrame()
    z = np.array([[o.wrong_pocket[p][g] for g in gainers] for p in payers])
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels[g] for g in gainers], y=[labels[p] for p in payers],
        colorscale="Blues", text=[[amount(v, result.currency) for v in row] for row in z],
        texttemplate="%{text}", hovertemplate="%{y} pays → %{x} gains: %{text}<extra></extra>"))
    fig.update_layout(height=120 + 60 * len(payers), margin={"l": 200, "r": 20, "t": 20,
                                                              "b": 60},
                      xaxis_title="gains (fiscal benefit)", yaxis_title="pays",
                      template="plotly_white")
    frame = pd.DataFrame([{"payer": labels[p], "gainer": labels[g], "pv": o.wrong_pocket[p][g]}
                          for p in payers for g in gainers])
    return plotly_div(fig, div_id=f"wrong-{_slug(o.name)}"), frame


def _tornado(o) -> tuple[str, pd.DataFrame]:
    rows = [s for s in o.switching if s.multiplier is not None][:12]
    frame = pd.DataFrame([{"driver": s.driver, "change_pct": s.change_pct,
                           "base_value": s.base_value, "switching_value": s.switching_value,
                           "unit": s.unit} for s in o.switching])
    if not rows:
        return "<p class='muted'>No single driver can change the sign of the NPV.</p>", frame
    rows = rows[::-1]
    fig = go.Figure(go.Bar(
        x=[s.change_pct for s in rows], y=[s.driver for s in rows], orientation="h",
        marker={"color": ["#c8553d" if (s.change_pct or 0) < 0 else "#1d5c8c" for s in rows]},
        text=[f"{s.change_pct:+.0f}%" for s in rows], textposition="outside"))
    fig.update_layout(height=120 + 34 * len(rows), margin={"l": 380, "r": 60, "t": 20, "b": 40},
                      xaxis_title="change needed for the NPV to reach zero (%)",
                      template="plotly_white")
    return plotly_div(fig, div_id=f"tornado-{_slug(o.name)}"), frame


def _npv_histogram(result: Appraisal) -> tuple[str, pd.DataFrame]:
    fig = go.Figure()
    frames = []
    for i, o in enumerate(result.options.values()):
        x = result.npv_draws.get(o.name)
        if x is None:
            continue
        fig.add_trace(go.Histogram(x=x, name=o.label, opacity=0.6, nbinsx=60,
                                   marker={"color": COLOURS[i % len(COLOURS)]}))
        frames.append(pd.DataFrame({"option": o.label, "draw": np.arange(x.size), "npv": x}))
    fig.add_vline(x=0, line={"color": "#333", "dash": "dash"})
    fig.update_layout(barmode="overlay", height=380, template="plotly_white",
                      margin={"l": 60, "r": 20, "t": 20, "b": 40},
                      xaxis_title=f"net present public value (£, {result.price_base} prices)",
                      yaxis_title="draws", legend={"orientation": "h", "y": -0.25})
    return plotly_div(fig, div_id="npv-hist"), pd.concat(frames, ignore_index=True)


def _time_table(result: Appraisal) -> str:
    parts = []
    for o in result.options.values():
        if not o.time_valuation:
            continue
        rows = []
        for m, v in o.time_valuation.items():
            rate = result.time_valuation["rates"].get(m, {})
            rows.append({"Valuation of time given": METHOD_WORDS[m] +
                         (" (in use)" if m == result.time_valuation["method"] else ""),
                         "£ an hour (price base)": rate_words(
                             v.get("hourly_value", rate.get("value_price_base")),
                             result.currency) if m != "zero" else "£0",
                         "PV of time given": money(v["pv_time_costs"]),
                         "Net present public value": money(v["npv"]),
                         "Benefit-cost ratio": ratio(v["bcr"])})
        parts.append(f"<h3>{esc(o.label)} — {o.time_hours:,.0f} hours given</h3>"
                     + table_html(pd.DataFrame(rows)))
    if not parts:
        return "<p class='muted'>No option counts time given by residents or volunteers.</p>"
    return "".join(parts)


FLAG_WORDS = {"contested": "contested evidence", "weak_evidence": "weak evidence",
              "ungraded_evidence": "ungraded evidence", "complex": "complex: indicative",
              "no_public_input": "no public enabling input",
              "enabling_shortfall": "enabling input cut", "over_capacity": "over capacity",
              "over_available": "resource short"}


def caveats_html(result: Appraisal, from_model: dict) -> str:
    """The caveats each option carries from the strategy map, in words and as evidence
    shares per target."""
    parts = []
    for oid, o in from_model["options"].items():
        label = result.options[oid].label if oid in result.options else oid
        fits = ("" if o["fits"] else
                " <span class='flag bad'>cannot be delivered as it stands</span>")
        flags = "".join(f"<span class='flag{' bad' if f in _BAD else ''}'>"
                        f"{esc(FLAG_WORDS.get(f, f))}</span>" for f in o["flags"])
        body = (f"<h3>{esc(label)}{fits}</h3><p>{flags}</p>" if o["flags"] else
                f"<h3>{esc(label)}</h3><p>No caveat: the effects it changes rest on graded, "
                "uncontested evidence, its co-production has its enabling input, and it fits "
                "capacity and the resources available.</p>")
        if o["caveats_in_words"]:
            body += "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in o["caveats_in_words"]) + \
                "</ul>"
        shares = pd.DataFrame([{"outcome": t, **{FLAG_WORDS[k]: f"{v:.0%}" for k, v in ks.items()}}
                               for t, ks in o["caveats"]["flag_shares"].items() if ks])
        if not shares.empty:
            per = {"targets": "target of the model", "final": "final outcome",
                   "ends": "outcome at the end of the map"}.get(from_model["flag_shares_per"],
                                                               "outcome")
            body += (f"<p class='note'>Share of the effect on each {per} resting on each kind "
                     "of link:</p>" + table_html(shares.fillna("")))
        parts.append(body)
    return ("<p class='note'>From the strategy map: the evidence and enabling-input caveats of "
            "the interventions the option changes, and whether the whole option fits capacity "
            "and the resources available.</p>" + "".join(parts))


_BAD = ("no_public_input", "enabling_shortfall", "over_capacity", "over_available", "contested")


def model_time_table(result: Appraisal, from_model: dict) -> str:
    """The appraisal under each of the strategy map's values of users' and communities'
    time."""
    in_use = from_model["time_value"]["name"]
    parts = []
    for oid, o in from_model["options"].items():
        if not o["time_values"]:
            continue
        label = result.options[oid].label if oid in result.options else oid
        hours = result.options[oid].time_hours if oid in result.options else 0.0
        rows = [{"Value of time (the model's bases)": r["label"] +
                 (" (in use)" if name == in_use else ""),
                 "£ an hour": rate_words(r["per_hour"], result.currency)
                 if r["per_hour"] is not None else "as each resource states it",
                 "Source": r.get("source") or "",
                 "PV of time given": money(r["pv_time_costs"]),
                 "Net present public value": money(r["npv_public_value"]),
                 "Benefit-cost ratio": ratio(r["benefit_cost_ratio"])}
                for name, r in o["time_values"].items()]
        parts.append(f"<h3>{esc(label)} — {hours:,.0f} hours given</h3>"
                     + table_html(pd.DataFrame(rows)))
    return "".join(parts)


def render_html(result: Appraisal, from_model: dict | None = None) -> str:
    """The report; ``from_model``: the additions of an appraisal built from a strategy map
    (:meth:`~coproduce.appraisal.from_model.ModelAppraisal.to_dict`), or None."""
    sections: list[tuple[str, str]] = []
    summary = result.summary()
    sections.append(("What the appraisal says", "<ul>" + "".join(
        f"<li>{esc(s)}</li>" for s in summary[1:]) + "</ul>"))
    if from_model is not None:
        sections.append(("Caveats carried from the strategy map",
                         caveats_html(result, from_model)))
    head = headline_frame(result)
    sections.append(("Headline figures", table_html(head) + csv_link(head, "headline.csv")))
    div, frame = _cumulative_chart(result)
    sections.append(("Cumulative discounted cash flow",
                     "<p class='note'>Solid lines: net public value (all benefits less all "
                     "costs, including time given). Dotted lines: the financial case (fiscal "
                     "benefits less public costs); the star marks the discounted payback "
                     "year.</p>" + div + csv_link(frame, "cumulative_cash_flow.csv")))
    if from_model is not None and any(o["time_values"]
                                      for o in from_model["options"].values()):
        tv = model_time_table(result, from_model)
        basis = from_model["time_value"]
        sections.append(("Time given by residents, volunteers and service users",
                         "<p>How the economic case depends on the value put on time given, "
                         "under each value of time the strategy map names — the same figures "
                         "an hour as its map and evaluation, at the model's price year. In use: "
                         f"{esc(basis['label'])}. Leaving time out (zero) flatters co-produced "
                         "options.</p>" + tv))
    else:
        tv = _time_table(result)
        sections.append(("Time given by residents, volunteers and service users",
                         "<p>How the economic case depends on the value put on time given. "
                         "Leaving it out (zero) flatters co-produced options.</p>" + tv))
    if result.uncertainty:
        div, frame = _npv_histogram(result)
        sections.append((f"Uncertainty: NPV over {result.uncertainty['draws']:,} draws "
                         f"(seed {result.uncertainty['seed']})",
                         div + csv_link(frame, "npv_draws.csv")))
    for o in result.options.values():
        body = ""
        div, frame = _wrong_pocket(result, o)
        body += ("<h3>Who pays and who gains (the wrong pocket)</h3><p class='note'>Fiscal "
                 "benefits of each gaining agency, attributed to paying agencies in proportion "
                 "to their share of the public cost (present values).</p>" + div)
        if not frame.empty:
            body += csv_link(frame, f"wrong_pocket_{o.name}.csv")
        ba = pd.DataFrame([{"Agency": result.agencies[a]["label"], "PV costs paid": v["pv_costs"],
                            "PV fiscal benefits gained": v["pv_fiscal_benefits"],
                            "Net": v["pv_fiscal_benefits"] - v["pv_costs"]}
                           for a, v in o.by_agency.items()])
        shown = ba.copy()
        for col in ("PV costs paid", "PV fiscal benefits gained", "Net"):
            shown[col] = [amount(v, result.currency) for v in ba[col]]
        body += table_html(shown) + csv_link(ba, f"by_agency_{o.name}.csv")
        div, frame = _tornado(o)
        body += ("<h3>Switching values</h3><p class='note'>How far each driver can move, alone, "
                 "before the net present public value changes sign. Short bars are the "
                 "figures to check first.</p>" + div + csv_link(frame,
                                                               f"switching_{o.name}.csv"))
        cf = o.cash_flows.drop(columns=["year"]).set_index("label").T.reset_index()
        cf = cf.rename(columns={"index": "flow"})
        body += ("<h3>Cash flows by year (£, price base, undiscounted unless stated)</h3>"
                 + table_html(cf[cf["flow"] != "discount_factor"], numeric_format="{:,.0f}")
                 + csv_link(cf, f"cash_flows_{o.name}.csv"))
        sections.append((f"Option: {o.label}", body))
    assumptions = result.assumptions
    sections.append(("Assumptions and sources", table_html(assumptions) +
                     csv_link(assumptions, "assumptions.csv")))
    method = (
        f"<p>Costs and benefits are in {esc(result.currency)} at {esc(result.price_base)} prices, "
        f"rebased with the {esc(result.deflator['name'])} GDP deflator "
        f"({esc(result.deflator['source'])}). "
        f"They are discounted with the {esc(result.schedule['name'])} schedule "
        f"({esc(result.schedule['source'])}); year 0 is "
        f"{'discounted by one year' if result.first_year_discounted else 'not discounted'}. "
        "Outcomes are cohort × engagement × impact, less deadweight, displacement and "
        "attribution, with lag, persistence and drop-off. Optimism bias raises costs (Green Book "
        "generic table, or the confidence-grade table) and lowers benefits by confidence grade. "
        "Transfer payments count in the fiscal case but not in public value. Unit costs from the "
        "GMCA Unit Cost Database v1.4, CC BY 4.0.</p>"
        + "".join(f"<p class='note'>{esc(n)}</p>" for n in result.notes
                  # shown in their own section, one a line
                  if not (from_model is not None and n.startswith("Caveats carried from"))))
    sections.append(("Method", method))
    subtitle = (f"Cost-benefit appraisal · {result.currency}, {result.price_base} prices · "
                f"{result.years} years · against: {result.baseline['label']}")
    return render_page(result.name, sections, summary=summary[0], subtitle=subtitle,
                       with_plotly=True)


def write_html(result: Appraisal, path: str | Path, from_model: dict | None = None) -> Path:
    path = Path(path)
    path.write_text(render_html(result, from_model), encoding="utf-8")
    return path
