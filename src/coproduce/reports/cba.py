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
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..appraisal.result import Appraisal
from ..appraisal.words import METHOD_WORDS, amount, rate_words, ratio, schedule_words
from ..formatting import percent, quantity
from ..presentation.flags import FLAGS, flag_label, flag_sentence
from ..presentation.labels import Labels
from .charts import PALETTE, Marker, Series, bar, figure, hbars, heatmap, line_chart
from .page import csv_link, esc, render_page
from .tables import bullet_list, data_table

COLOURS = PALETTE
SWITCH_RANGE = 300.0
"""Switching values are drawn up to ±300%; a driver that would have to move further is drawn
to the edge and said in words ('13 times as much'), never as +130,000%."""


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def headline_frame(result: Appraisal) -> pd.DataFrame:
    rows = [
        ("Present value of costs (all, incl. time given)", "pv_costs", "£"),
        ("  of which public sector", "pv_public_costs", "£"),
        ("  of which time given by residents and volunteers", "pv_time_costs", "£"),
        ("Present value of fiscal benefits (incl. transfers)", "pv_fiscal", "£"),
        ("  of which transfer payments", "pv_transfers", "£"),
        ("Present value of economic benefits", "pv_economic", "£"),
        ("Present value of social benefits", "pv_social", "£"),
        ("Net present public value (economic case)", "npv_public_value", "£"),
        ("Benefit-cost ratio", "benefit_cost_ratio", "x"),
        ("Net present budget impact (financial case)", "net_present_budget_impact", "£"),
        ("Fiscal return on investment (fiscal benefits per £1 public cost)", "fiscal_roi", "x"),
        ("Co-production share of costs", "coproduction_share", "%"),
    ]
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
                col.append(percent(v))
            else:
                col.append(f"{v:.2f}")
        lab = result.year_labels
        col_pay = [
            lab[o.payback[k]] if o.payback[k] is not None else "not within period"
            for k in ("discounted", "undiscounted")
        ]
        data[o.label] = [*col, *col_pay]
        if o.uncertainty:
            lo, hi = o.uncertainty["intervals"]["npv_public_value"]
            data[o.label] += [
                percent(o.uncertainty["prob_npv_positive"]),
                f"{amount(lo, result.currency)} to {amount(hi, result.currency)}",
            ]
    data["Figure"] += [
        "Payback year, discounted (financial case)",
        "Payback year, undiscounted (financial case)",
    ]
    if result.uncertainty:
        data["Figure"] += ["Probability NPV > 0", "NPV 95% interval"]
    return pd.DataFrame(data)


def _cumulative_chart(result: Appraisal) -> tuple[str, pd.DataFrame]:
    cur = result.currency
    series, markers, frames = [], [], []
    for i, o in enumerate(result.options.values()):
        cf = o.cash_flows
        colour = COLOURS[i % len(COLOURS)]
        x = list(range(len(cf)))
        series.append(
            Series(
                f"{o.label}: public value",
                x,
                cf["cumulative_discounted_net_public_value"].tolist(),
                colour,
                markers=True,
            )
        )
        series.append(
            Series(
                f"{o.label}: budget (fiscal benefits less public cost)",
                x,
                cf["cumulative_discounted_net_budget_impact"].tolist(),
                colour,
                dash=True,
            )
        )
        pb = o.payback["discounted"]
        if pb is not None:
            markers.append(
                Marker(
                    pb,
                    f"payback {cf['label'][pb]}",
                    float(cf["cumulative_discounted_net_budget_impact"][pb]),
                    colour,
                )
            )
        f = cf[
            [
                "label",
                "cumulative_discounted_net_public_value",
                "cumulative_discounted_net_budget_impact",
            ]
        ].copy()
        f.insert(0, "option", o.label)
        frames.append(f)
    labels = [str(x) for x in next(iter(result.options.values())).cash_flows["label"]]
    chart = line_chart(
        series,
        title="Cumulative discounted cash flow",
        y_title=f"Cumulative, discounted ({cur}, {result.price_base} prices)",
        x_title="Year",
        y_fmt=lambda v: amount(v, cur),
        x_labels=labels,
        markers=markers,
        hline=0.0,
    )
    return figure(chart, "cumulative"), pd.concat(frames, ignore_index=True)


def _wrong_pocket(result: Appraisal, o) -> tuple[str, pd.DataFrame]:
    labels = {k: v["label"] for k, v in result.agencies.items()}
    payers = [p for p in o.wrong_pocket if o.by_agency[p]["pv_costs"] > 0]
    gainers = [g for g in result.agencies if any(o.wrong_pocket[p][g] for p in payers)]
    if not payers or not gainers:
        return (
            "<p class='muted'>No fiscal benefits or no public costs: nothing to show.</p>",
            pd.DataFrame(),
        )
    z = [[o.wrong_pocket[p][g] for g in gainers] for p in payers]
    chart = heatmap(
        [labels[p] for p in payers],
        [labels[g] for g in gainers],
        z,
        [[amount(v, result.currency) for v in row] for row in z],
        title=f"Who pays and who gains: {o.label}",
        row_title="Pays",
        col_title="Gains (fiscal benefit)",
    )
    frame = pd.DataFrame(
        [
            {"payer": labels[p], "gainer": labels[g], "pv": o.wrong_pocket[p][g]}
            for p in payers
            for g in gainers
        ]
    )
    return figure(chart, f"wrong-{_slug(o.name)}"), frame


def switch_words(change_pct: float, multiplier: float) -> str:
    """A switching value as a reader takes it: '+4%', '-8%', or beyond the chart's range
    '13 times as much' (never '+1,200%')."""
    if abs(change_pct) <= SWITCH_RANGE:
        return f"{change_pct:+.0f}%"
    return f"{quantity(multiplier)} times as much"


def driver_words(driver: str, agencies: dict) -> str:
    """A switching-value driver with the agency it names by its label: '... fiscal
    (prison_young_offenders_institute)' → '... fiscal (Prisons and young offender
    institutions)'."""

    def label(m: re.Match) -> str:
        a = agencies.get(m[1])
        return f"({a['label']})" if a else f"({m[1].replace('_', ' ')})"

    return re.sub(r"\((\w+)\)$", label, driver)


def _tornado(o, agencies: dict | None = None) -> tuple[str, pd.DataFrame]:
    rows = [s for s in o.switching if s.multiplier is not None][:12]
    frame = pd.DataFrame(
        [
            {
                "driver": s.driver,
                "change_pct": s.change_pct,
                "base_value": s.base_value,
                "switching_value": s.switching_value,
                "unit": s.unit,
            }
            for s in o.switching
        ]
    )
    if not rows:
        return "<p class='muted'>No single driver can change the sign of the NPV.</p>", frame
    bars = []
    for s in rows:
        pct = float(s.change_pct or 0.0)
        shown = max(-SWITCH_RANGE, min(SWITCH_RANGE, pct))
        bars.append(
            bar(
                driver_words(s.driver, agencies or {}),
                shown,
                switch_words(pct, float(s.multiplier or 0.0)),
                "#c8553d" if pct < 0 else "#1d5c8c",
            )
        )
    lo = min(-10.0, *(b.segments[0].end for b in bars))
    hi = max(10.0, *(b.segments[0].end for b in bars))
    note = (
        f"Bars stop at {SWITCH_RANGE:+.0f}%: a driver that would have to move further is "
        "said in words."
        if any(abs(float(s.change_pct or 0)) > SWITCH_RANGE for s in rows)
        else ""
    )
    chart = hbars(
        bars,
        title=f"Switching values: {o.label}",
        axis="Change needed for the net present public value to reach zero (%)",
        fmt=lambda v: f"{v:+.0f}%" if v else "0%",
        note=note,
        domain=(lo, hi),
    )
    return figure(chart, f"tornado-{_slug(o.name)}"), frame


def _npv_histogram(result: Appraisal) -> tuple[str, pd.DataFrame]:
    cur = result.currency
    frames = []
    draws = {o.name: result.npv_draws.get(o.name) for o in result.options.values()}
    every = (
        np.concatenate([x for x in draws.values() if x is not None])
        if any(x is not None for x in draws.values())
        else np.zeros(1)
    )
    edges = np.histogram_bin_edges(every, bins=40)
    series = []
    for i, o in enumerate(result.options.values()):
        x = draws[o.name]
        if x is None:
            continue
        counts, _ = np.histogram(x, bins=edges)
        xs = [float(edges[0]), *map(float, edges[1:]), float(edges[-1])]
        ys = [0.0, *map(float, counts), 0.0]
        series.append(Series(o.label, xs, ys, COLOURS[i % len(COLOURS)], step=True))
        frames.append(pd.DataFrame({"option": o.label, "draw": np.arange(x.size), "npv": x}))
    chart = line_chart(
        series,
        title="Net present public value over the draws",
        x_title=f"Net present public value ({cur}, {result.price_base} prices)",
        y_title="Draws",
        x_fmt=lambda v: amount(v, cur),
        y_fmt=quantity,
        markers=[Marker(0.0, "zero")],
    )
    return figure(chart, "npv-hist"), pd.concat(frames, ignore_index=True)


def _time_table(result: Appraisal) -> str:
    parts = []
    for o in result.options.values():
        if not o.time_valuation:
            continue
        rows = []
        for m, v in o.time_valuation.items():
            rate = result.time_valuation["rates"].get(m, {})
            rows.append(
                {
                    "Valuation of time given": METHOD_WORDS[m]
                    + (" (in use)" if m == result.time_valuation["method"] else ""),
                    "An hour (price base)": rate_words(
                        v.get("hourly_value", rate.get("value_price_base")), result.currency
                    )
                    if m != "zero"
                    else amount(0, result.currency),
                    "PV of time given": amount(v["pv_time_costs"], result.currency),
                    "Net present public value": amount(v["npv"], result.currency),
                    "Benefit-cost ratio": ratio(v["bcr"]),
                }
            )
        parts.append(
            f"<h3>{esc(o.label)} — {esc(quantity(o.time_hours))} hours given</h3>"
            + data_table(rows, _TEXT_COLS)
        )
    if not parts:
        return "<p class='muted'>No option counts time given by residents or volunteers.</p>"
    return "".join(parts)


FLAG_WORDS = {k: w.label for k, w in FLAGS.items()}
"""The flag kinds in words: the one vocabulary's labels (kept for callers that import it)."""

_TEXT_COLS = {
    c: str
    for c in (
        "An hour (price base)",
        "PV of time given",
        "Net present public value",
        "Benefit-cost ratio",
        "An hour",
    )
}


def caveats_html(result: Appraisal, from_model: dict, labels: Labels | None = None) -> str:
    """The caveats each option carries from the strategy map, in words and as evidence
    shares per target."""
    lab = labels if labels is not None else Labels(None)
    parts = []
    for oid, o in from_model["options"].items():
        label = result.options[oid].label if oid in result.options else oid
        fits = (
            "" if o["fits"] else " <span class='flag bad'>cannot be delivered as it stands</span>"
        )
        flags = "".join(
            f"<span class='flag{' bad' if f in _BAD else ''}' "
            f"title='{esc(flag_sentence(f))}'>{esc(flag_label(f))}</span>"
            for f in o["flags"]
        )
        body = (
            f"<h3>{esc(label)}{fits}</h3><p>{flags}</p>"
            if o["flags"]
            else f"<h3>{esc(label)}</h3><p>No caveat: the effects it changes rest on graded, "
            "uncontested evidence, its co-production has its enabling input, and it fits "
            "capacity and the resources available.</p>"
        )
        if o["caveats_in_words"]:
            body += bullet_list(o["caveats_in_words"])
        shares = pd.DataFrame(
            [
                {
                    "Outcome": lab(t),
                    **{capital_first(flag_label(k)): percent(v) for k, v in ks.items()},
                }
                for t, ks in o["caveats"]["flag_shares"].items()
                if ks
            ]
        )
        if not shares.empty:
            per = {
                "targets": "target of the model",
                "final": "final outcome",
                "ends": "outcome at the end of the map",
            }.get(from_model["flag_shares_per"], "outcome")
            body += (
                f"<p class='note'>Share of the effect on each {per} resting on each kind "
                "of link:</p>" + data_table(shares.fillna(""))
            )
        parts.append(body)
    return (
        "<p class='note'>From the strategy map: the evidence and enabling-input caveats of "
        "the interventions the option changes, and whether the whole option fits capacity "
        "and the resources available.</p>" + "".join(parts)
    )


_BAD = ("no_public_input", "enabling_shortfall", "over_capacity", "over_available", "contested")


def capital_first(text: str) -> str:
    return text[:1].upper() + text[1:]


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
        rows = [
            {
                "Value of time (the model's bases)": r["label"]
                + (" (in use)" if name == in_use else ""),
                "An hour": rate_words(r["per_hour"], result.currency)
                if r["per_hour"] is not None
                else "as each resource states it",
                "Source": r.get("source") or "",
                "PV of time given": amount(r["pv_time_costs"], result.currency),
                "Net present public value": amount(r["npv_public_value"], result.currency),
                "Benefit-cost ratio": ratio(r["benefit_cost_ratio"]),
            }
            for name, r in o["time_values"].items()
        ]
        parts.append(
            f"<h3>{esc(label)} — {esc(quantity(hours))} hours given</h3>"
            + data_table(rows, _TEXT_COLS)
        )
    return "".join(parts)


def render_html(
    result: Appraisal, from_model: dict | None = None, labels: Labels | None = None
) -> str:
    """The report; ``from_model``: the additions of an appraisal built from a strategy map
    (:meth:`~coproduce.appraisal.from_model.ModelAppraisal.to_dict`), or None; ``labels``:
    the strategy map's labels (outcome ids are spaced without them)."""
    sections: list[tuple[str, str]] = []
    summary = result.summary()
    sections.append(("What the appraisal says", bullet_list([s.strip() for s in summary[1:]])))
    if from_model is not None:
        sections.append(
            ("Caveats carried from the strategy map", caveats_html(result, from_model, labels))
        )
    head = headline_frame(result)
    sections.append(
        (
            "Headline figures",
            data_table(head, {c: str for c in head.columns}) + csv_link(head, "headline.csv"),
        )
    )
    div, frame = _cumulative_chart(result)
    sections.append(
        (
            "Cumulative discounted cash flow",
            "<p class='note'>Solid lines: net public value (all benefits less all "
            "costs, including time given). Dotted lines: the financial case (fiscal "
            "benefits less public costs); the star marks the discounted payback "
            "year.</p>" + div + csv_link(frame, "cumulative_cash_flow.csv"),
        )
    )
    if from_model is not None and any(o["time_values"] for o in from_model["options"].values()):
        tv = model_time_table(result, from_model)
        basis = from_model["time_value"]
        sections.append(
            (
                "Time given by residents, volunteers and service users",
                "<p>How the economic case depends on the value put on time given, "
                "under each value of time the strategy map names — the same figures "
                "an hour as its map and evaluation, at the model's price year. In use: "
                f"{esc(basis['label'])}. Leaving time out (zero) flatters co-produced "
                "options.</p>" + tv,
            )
        )
    else:
        tv = _time_table(result)
        sections.append(
            (
                "Time given by residents, volunteers and service users",
                "<p>How the economic case depends on the value put on time given. "
                "Leaving it out (zero) flatters co-produced options.</p>" + tv,
            )
        )
    if result.uncertainty:
        div, frame = _npv_histogram(result)
        seed = result.uncertainty.get("seed")
        sections.append(
            (
                f"Uncertainty: NPV over {result.uncertainty['draws']:,} draws"
                + (f" (seed {seed})" if seed is not None else ""),
                div + csv_link(frame, "npv_draws.csv"),
            )
        )
    for o in result.options.values():
        body = ""
        div, frame = _wrong_pocket(result, o)
        body += (
            "<h3>Who pays and who gains (the wrong pocket)</h3><p class='note'>Fiscal "
            "benefits of each gaining agency, attributed to paying agencies in proportion "
            "to their share of the public cost (present values).</p>" + div
        )
        if not frame.empty:
            body += csv_link(frame, f"wrong_pocket_{o.name}.csv")
        ba = pd.DataFrame(
            [
                {
                    "Agency": result.agencies[a]["label"],
                    "PV costs paid": v["pv_costs"],
                    "PV fiscal benefits gained": v["pv_fiscal_benefits"],
                    "Net": v["pv_fiscal_benefits"] - v["pv_costs"],
                }
                for a, v in o.by_agency.items()
            ]
        )
        shown = ba.copy()
        for col in ("PV costs paid", "PV fiscal benefits gained", "Net"):
            shown[col] = [amount(v, result.currency) for v in ba[col]]
        body += data_table(
            shown, {c: str for c in ("PV costs paid", "PV fiscal benefits gained", "Net")}
        ) + csv_link(ba, f"by_agency_{o.name}.csv")
        div, frame = _tornado(o, result.agencies)
        body += (
            "<h3>Switching values</h3><p class='note'>How far each driver can move, alone, "
            "before the net present public value changes sign. Short bars are the "
            "figures to check first.</p>" + div + csv_link(frame, f"switching_{o.name}.csv")
        )
        cf = o.cash_flows.drop(columns=["year"]).set_index("label").T.reset_index()
        cf = cf.rename(columns={"index": "flow"})
        shown_cf = cf[cf["flow"] != "discount_factor"].copy()
        shown_cf["flow"] = [FLOW_WORDS.get(f, f.replace("_", " ")) for f in shown_cf["flow"]]
        shown_cf = shown_cf.rename(columns={"flow": "Flow"})
        body += (
            f"<h3>Cash flows by year ({esc(result.currency)}, {esc(result.price_base)} "
            "prices, undiscounted unless stated)</h3>"
            + data_table(
                shown_cf,
                {
                    c: (lambda v: amount(v, result.currency))
                    for c in shown_cf.columns
                    if c != "Flow"
                },
            )
            + csv_link(cf, f"cash_flows_{o.name}.csv")
        )
        sections.append((f"Option: {o.label}", body))
    assumptions = result.assumptions
    lab = labels if labels is not None else Labels(None)
    shown_a = assumptions.copy()
    for col in ("item", "notes", "value", "source"):
        if col in shown_a:
            shown_a[col] = [
                lab.in_words(driver_words(str(v), result.agencies)) if isinstance(v, str) else v
                for v in shown_a[col]
            ]
    if "agency" in shown_a:
        shown_a["agency"] = [
            result.agencies.get(a, {}).get("label", a) if isinstance(a, str) else a
            for a in shown_a["agency"]
        ]
    shown_a = shown_a.rename(columns={c: c.replace("_", " ").capitalize() for c in shown_a.columns})
    sections.append(
        ("Assumptions and sources", data_table(shown_a) + csv_link(assumptions, "assumptions.csv"))
    )
    method = (
        f"<p>Costs and benefits are in {esc(result.currency)} at {esc(result.price_base)} prices, "
        f"rebased with the {esc(result.deflator['name'])} GDP deflator "
        f"({esc(result.deflator['source'])}). "
        f"They are discounted at {esc(schedule_words(result.schedule))} "
        f"({esc(result.schedule['source'])}); year 0 is "
        f"{'discounted by one year' if result.first_year_discounted else 'not discounted'}. "
        "Outcomes are cohort × engagement × impact, less deadweight, displacement and "
        "attribution, with lag, persistence and drop-off. Optimism bias raises costs (Green Book "
        "generic table, or the confidence-grade table) and lowers benefits by confidence grade. "
        "Transfer payments count in the fiscal case but not in public value. Unit costs from the "
        "GMCA Unit Cost Database v1.4, CC BY 4.0.</p>"
        + "".join(
            f"<p class='note'>{esc(n)}</p>"
            for n in result.notes
            # shown in their own section, one a line
            if not (from_model is not None and n.startswith("Caveats carried from"))
        )
    )
    sections.append(("Method", method))
    subtitle = (
        f"Cost-benefit appraisal · {result.currency}, {result.price_base} prices · "
        f"{result.years} years · against: {result.baseline['label']}"
    )
    return render_page(result.name, sections, summary=summary[0], subtitle=subtitle)


FLOW_WORDS = {
    "public_costs": "Public costs",
    "time_given_costs": "Time given (valued)",
    "other_costs": "Other costs",
    "fiscal_benefits": "Fiscal benefits",
    "transfers": "Transfers",
    "economic_benefits": "Economic benefits",
    "social_benefits": "Social benefits",
    "net_public_value": "Net public value",
    "discounted_net_public_value": "Net public value, discounted",
    "cumulative_discounted_net_public_value": "Net public value, discounted, cumulative",
    "net_budget_impact": "Net budget impact",
    "cumulative_net_budget_impact": "Net budget impact, cumulative",
    "cumulative_discounted_net_budget_impact": "Net budget impact, discounted, cumulative",
}
"""The rows of the cash-flow table in words (the CSV keeps the column names)."""


def write_html(
    result: Appraisal,
    path: str | Path,
    from_model: dict | None = None,
    labels: Labels | None = None,
) -> Path:
    path = Path(path)
    path.write_text(render_html(result, from_model, labels), encoding="utf-8")
    return path
