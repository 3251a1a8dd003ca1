"""HTML report of an uncertainty analysis: where the evidence most worth paying for lies.

Four charts — the cost-effectiveness plane, the acceptability curve, the EVPPI ranking ("where
better evidence is worth most") and the tornado — each with its data as CSV, and a
plain-language summary naming the best option, its chance of being best and the input most
worth researching. Beside them, what a commissioner must weigh with the answer: each option's
caveats and whether it fits capacity and the resources available (an option that does not fit
is marked wherever it is named), the basis on which users' and communities' time is valued and
the range of values over which the answer holds, how it fares under each belief scenario, and
whether it survives leaving out weakly evidenced links. :func:`caveat_sentences` words these
for the report, the web page and the command line alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..engine.draws import DrawsTable
from ..formatting import money, percent, rate
from ..voi import EVPPI_METHOD, UncertaintyResult
from .page import csv_link, esc, plotly_div, render_page, table_html

_SAMPLE = 1000  # points per option on the plane: enough to see the cloud, small file


def _money(x: float, cur: str) -> str:
    """The one formatter's table amount (kept under this name for the web routes)."""
    return money(x, cur)


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
    if len(parts) == 5 and parts[0] == "interventions" and parts[2] == "enabling":
        return (f"the {parts[4]} of {lab(parts[1], parts[1])}'s effect in "
                f"{lab(parts[3], parts[3])}")
    return name


FLAG_WORDS = {"contested": "contested evidence", "weak_evidence": "weak evidence",
              "ungraded_evidence": "ungraded evidence", "complex": "complex: indicative",
              "no_public_input": "no public enabling input",
              "enabling_shortfall": "enabling input cut", "over_capacity": "over capacity",
              "over_available": "resource short"}
"""The flag kinds of engine/flags.py in words (as the map and appraisal reports write them)."""

NOT_FIT = "does not fit"


def _name(lab, key: str) -> str:
    text = lab(key, key)
    return text.replace("_", " ") if text == key else text


def _per_hour(x: float, cur: str) -> str:
    return rate(x, cur)


def pct(p: float) -> str:
    """A probability as a percentage: '61%', 'under 1%' (never a misleading '0%')."""
    return percent(p)


def fits_of(d: dict, option: str) -> bool | None:
    """Whether an option fits capacity and availability (None when the result does not say)."""
    return ((d.get("summary") or {}).get(option) or {}).get("fits")


def why_not_fit(d: dict, option: str, labels: dict[str, str] | None = None) -> str:
    """What stops an option fitting, in words ('' when it fits or the result does not say):
    'needs 203,571 volunteer hours against 30,000 available'."""
    lab = (labels or {}).get
    cav = (d.get("caveats") or {}).get(option) or {}
    parts = [f"needs {x['needed']:,.0f} of {_name(lab, rid)} against {x['available']:,.0f} "
             "available" for rid, x in (cav.get("resources_short") or {}).items()]
    parts += [f"needs a volume of {x['volume']:,.0f} of {_name(lab, iid)} against a capacity of "
              f"{x['capacity']:,.0f}" for iid, x in (cav.get("over_capacity") or {}).items()]
    return "; ".join(parts)


def marked(d: dict, option: str, labels: dict[str, str] | None = None) -> str:
    """An option's name as every page shows it: its label, marked when it does not fit."""
    lab = (labels or {}).get
    name = lab(option, option)
    return f"{name} [{NOT_FIT}]" if fits_of(d, option) is False else name


def _range_words(lo: float, hi: float | None, cur: str) -> str:
    if hi is None:
        return "at any value" if lo <= 0 else f"at {_per_hour(lo, cur)} an hour or more"
    if lo <= 0:
        return f"below {_per_hour(hi, cur)} an hour"
    return f"between {_per_hour(lo, cur)} and {_per_hour(hi, cur)} an hour"


def caveat_sentences(d: dict, labels: dict[str, str] | None = None) -> list[str]:
    """What must be read with the answer, in plain words, from a result dict (``--json``):
    the option most often best if it is not the one with the highest expected net benefit,
    the best option that fits, the valuation of time and the range over which the answer
    holds, each belief and the evidence standard. Options that do not fit are marked."""
    return [*fit_sentences(d, labels), *time_sentences(d, labels),
            *belief_sentences(d, labels), *evidence_sentences(d, labels)]


def fit_sentences(d: dict, labels: dict[str, str] | None = None) -> list[str]:
    """The option most often best (when it is not the one with the highest expected net
    benefit) and the most likely best of the options that fit."""
    lab = (labels or {}).get
    out = []
    best = d.get("best_option")
    likely = d.get("most_likely_best")
    summary = d.get("summary") or {}
    if likely and likely != best:
        out.append(f"The option most often best is {marked(d, likely, labels)} "
                   f"({pct(summary[likely]['prob_best'])} of draws).")
    if "best_that_fits" in d:
        fit = d["best_that_fits"]
        if fit is None:
            out.append("No option fits capacity and the resources available: each would need "
                       "more than there is.")
        elif fit != likely:
            n_fit = sum(1 for s in summary.values() if s.get("fits"))
            p = summary[fit]["prob_best"]
            when = f"best in {pct(p)} of draws" if p > 0 else "never best in these draws"
            if n_fit == 1:
                out.append(f"Only {lab(fit, fit)} fits capacity and the resources available; "
                           f"it is {when}.")
            else:
                out.append(f"Of the {n_fit} options that fit capacity and the resources "
                           f"available, {lab(fit, fit)} is most likely best ({when}).")
    return out


def time_sentences(d: dict, labels: dict[str, str] | None = None) -> list[str]:
    """The basis of the valuation of time and the range over which the answer holds."""
    cur = d.get("currency", "")
    likely = d.get("most_likely_best")
    out = []
    basis = d.get("time_value")
    if basis and basis.get("per_hour") is None:
        out.append(f"Users' and communities' time is valued {basis['label']}.")
    elif basis:
        out.append(f"Users' and communities' time is valued on the basis '{basis['label']}' "
                   f"({_per_hour(basis['per_hour'], cur)} an hour).")
    if "most_likely_best_when_time_valued" in d and likely:
        rng = d["most_likely_best_when_time_valued"]
        name = marked(d, likely, labels)
        if rng is None:
            out.append(f"{name} is not the most likely best at any single value of an hour of "
                       "users' and communities' time.")
        elif rng[0] <= 0 and rng[1] is None:
            out.append(f"{name} stays the most likely best whatever an hour of users' and "
                       "communities' time is worth.")
        else:
            out.append(f"{name} stays the most likely best while an hour of users' and "
                       f"communities' time is valued {_range_words(rng[0], rng[1], cur)}.")
    return out


def belief_sentences(d: dict, labels: dict[str, str] | None = None) -> list[str]:
    """Whether each belief changes the most likely best option (those that do not, in one
    sentence)."""
    out = []
    same: list[str] = []
    kept = None
    for b in (d.get("beliefs") or {}).values():
        new = b.get("most_likely_best")
        if new is None:
            continue
        if b.get("changes_most_likely_best"):
            out.append(f"Under the belief '{b['label']}', the most likely best option becomes "
                       f"{marked(b, new, labels)} ({pct(b['summary'][new]['prob_best'])}).")
        else:
            same.append(f"'{b['label']}' ({pct(b['summary'][new]['prob_best'])})")
            kept = marked(b, new, labels)
    if same:
        each = "the belief" if len(same) == 1 else f"each of the {len(same)} beliefs"
        out.insert(0, f"{kept} stays the most likely best under {each} "
                      f"{'; '.join(same)}.")
    return out


def evidence_sentences(d: dict, labels: dict[str, str] | None = None) -> list[str]:
    """Whether the most likely best option survives leaving out weakly evidenced links."""
    out = []
    ev = d.get("min_evidence")
    if ev:
        n = len(ev["links_dropped"])
        left = (f"Leaving out the {n} link{'s' if n != 1 else ''} graded below "
                f"{ev['grade']}" if n else f"No link is graded below {ev['grade']}")
        if ev.get("most_likely_best") is None:
            out.append(f"{left}, no option reaches the target: the recommendation does not "
                       "survive that evidence standard.")
        elif ev["survives"]:
            out.append(f"{left}, {marked(d, ev['most_likely_best'], labels)} is still most "
                       "likely best: the recommendation survives.")
        else:
            out.append(f"{left}, the most likely best option becomes "
                       f"{marked(ev, ev['most_likely_best'], labels)}: the recommendation "
                       "does not survive.")
    return out


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
    not_fit = why_not_fit(d, best, labels)
    mark = f" — it does not fit: it {not_fit}" if not_fit else \
        (f" — it {NOT_FIT}" if fits_of(d, best) is False else "")
    parts = [f"For {what}, valuing each unit at {_money(result.wtp, cur)}, the option with the "
             f"highest expected net benefit is {lab(best, best)} "
             f"({_money(result.net_benefit[best][0], cur)}){mark}; it is the best option in "
             f"{result.prob_best[best]:.0%} of {result.n_draws:,} draws."]
    parts.extend(caveat_sentences(d, labels))
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


def _economics_sections(d: dict, labels: dict[str, str] | None) -> list[tuple[str, str]]:
    """The sections on the valuation of time, beliefs and the evidence standard (those the
    result has)."""
    cur = d.get("currency", "")
    out = []
    tv = d.get("time_value_switching")
    basis = d.get("time_value")
    if tv is not None:
        words = "".join(f"<p>{esc(t)}</p>" for t in time_sentences(d, labels))
        rows = [{"value of an hour from": _per_hour(iv["low"], cur),
                 "to": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                 "most likely best": marked(d, iv["option"], labels)}
                for iv in tv["most_likely_best"]]
        exp = [{"value of an hour from": _per_hour(iv["low"], cur),
                "to": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                "highest expected net benefit": marked(d, iv["option"], labels)}
               for iv in tv["best_expected"]]
        ref = tv.get("reference_per_hour")
        out.append(("The value of users' and communities' time", words
                    + table_html(pd.DataFrame(rows)) + table_html(pd.DataFrame(exp))
                    + "<p>One value an hour for every resource of users' and communities' "
                      "time measured in hours"
                    + (f"; the analysis uses {esc(_per_hour(ref, cur))} an hour on average"
                       if ref is not None else "")
                    + f". Method: {esc(tv.get('method', ''))}.</p>"))
    elif basis:
        out.append(("The value of users' and communities' time",
                    f"<p>Valued on the basis '{esc(basis['label'])}'.</p>"))
    beliefs = d.get("beliefs") or {}
    if beliefs:
        likely = d.get("most_likely_best")
        rows = []
        for b in beliefs.values():
            new = b["most_likely_best"]
            rows.append({"belief": b["label"],
                         "most likely best": marked(b, new, labels),
                         "P(best)": pct(b["summary"][new]["prob_best"]),
                         "changes the answer": "yes" if b["changes_most_likely_best"] else "no",
                         f"P({marked(d, likely, labels)} best)":
                             pct(b["summary"].get(likely, {}).get("prob_best", 0.0))})
        out.append(("Beliefs: the same options under other readings of the evidence",
                    table_html(pd.DataFrame(rows))
                    + "<p>A belief scenario is another reading of the evidence, not something "
                      "the partnership can choose: each is run on the same options (the same "
                      "volumes) with the same seed, as a sensitivity analysis, never as an "
                      "option.</p>"))
    ev = d.get("min_evidence")
    if ev:
        words = evidence_sentences(d, labels)
        dropped = ", ".join(ev["links_dropped"]) or "none"
        out.append(("The evidence standard", "".join(f"<p>{esc(t)}</p>" for t in words)
                    + f"<p>Links left out: {esc(dropped)}.</p>"))
    return out


def write_report(result: UncertaintyResult, table: DrawsTable, out: str | Path,
                 labels: dict[str, str] | None = None) -> None:
    """Write the self-contained HTML report to ``out``; ``labels`` (ids to the model's labels)
    names options and inputs in words on the page, while the CSV files keep the ids."""
    d = result.to_dict()
    cur = d.get("currency", "")
    frames = chart_frames(result, table)
    sections: list[tuple[str, str]] = []

    def name(o: str) -> str:  # an option that does not fit is marked wherever it is named
        return marked(d, o, labels)

    rows = []
    for o in sorted(result.options, key=lambda o: -result.net_benefit[o][0]):
        m, lo, hi = result.net_benefit[o]
        row = {"option": name(o), "net benefit (mean)": m, "95% low": lo, "95% high": hi,
               "P(best)": result.prob_best[o]}
        if result.cost_per_outcome is not None:
            row["net cost per outcome (mean)"] = result.cost_per_outcome[o][0]
        if result.fits is not None:
            row["fits capacity and resources"] = "yes" if result.fits[o] else \
                "no: " + why_not_fit(d, o, labels)
            row["caveats"] = ", ".join(FLAG_WORDS.get(f, f) for f in result.flags(o)) or "–"
        rows.append(row)
    sections.append(("Options", table_html(pd.DataFrame(rows), numeric_format="{:,.2f}")
                     + "<p>Net benefit = willingness to pay × target outcome reached + value "
                     "of other outcomes − full cost (all sectors, including the time of users "
                     f"and communities), in {esc(cur)}.</p>"
                     + (f"<p>An option marked [{NOT_FIT}] needs more than its capacity or "
                        "more of a resource than is available (volunteer hours): it cannot be "
                        "delivered as it stands, whatever its net benefit.</p>"
                        if result.fits is not None else "")))
    sections.extend(_economics_sections(d, labels))

    if "plane" in frames:
        fig = go.Figure()
        for o, sub in frames["plane"].groupby("option", sort=False):
            fig.add_trace(go.Scattergl(x=sub["effect"], y=sub["cost"], mode="markers",
                                       name=name(str(o)),
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
                                     name=name(str(o))))
        fig.add_vline(x=result.wtp, line_dash="dot")
        fig.update_layout(title="How likely each option is to be the best buy",
                          xaxis_title=f"willingness to pay per unit ({cur})",
                          yaxis_title="probability best", yaxis_range=[0, 1], height=420)
        front = pd.DataFrame([r.to_dict() for r in result.frontier])
        shown_front = front.assign(option=[name(o) for o in front["option"]]) \
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
                                f"{name(result.best_option)}",
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
