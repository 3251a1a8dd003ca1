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
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.draws import DrawsTable
from ..formatting import count, percent, plural, quantity, rate
from ..presentation.flags import FLAGS, flag_label
from ..presentation.labels import Labels
from ..presentation.words import amount, amount_words, and_list, of_unit, simulation_notes
from ..voi import EVPPI_METHOD, UncertaintyResult
from .charts import PALETTE, Marker, Row, Segment, Series, bar, figure, hbars, line_chart
from .page import csv_link, esc, render_page
from .tables import bullet_list, data_table, paragraphs

_SAMPLE = 1000  # points per option on the plane: enough to see the cloud, small file


LabelsLike = Labels | Mapping[str, str] | None


def _lab(labels: LabelsLike) -> Labels:
    """Labels from a :class:`Labels`, a dict of labels (ids spaced when missing) or None."""
    if isinstance(labels, Labels):
        return labels
    return Labels(None, extra=dict(labels or {}))


def _money(x: float, cur: str) -> str:
    """The one formatter's table amount (a plain figure when no currency is known)."""
    return amount(x, cur)


def describe_input(name: str, labels: LabelsLike = None) -> str:
    """An input of the draws in words: 'links[a->b].effect' -> 'the effect of a on b' (with the
    model's labels for a and b when ``labels`` gives them), a group 'all inputs of x' with the
    label of x; any other path through :meth:`Labels.path`."""
    lab = _lab(labels)
    if name.startswith("all inputs of "):
        return f"all inputs of {lab(name.removeprefix('all inputs of '))}"
    if name == "valuation of co-production time":
        return name
    m = re.fullmatch(r"links\[(\w+)->(\w+)\]\.effect(?: \[(\w+)\])?", name)
    if m:
        return (f"the effect of {lab(m[1])} on {lab(m[2])}"
                + (f" (under {lab(m[3])})" if m[3] else ""))
    return lab.path(name)


FLAG_WORDS = {k: w.label for k, w in FLAGS.items()}
"""The flag kinds of engine/flags.py in words: the one vocabulary's labels."""

NOT_FIT = "does not fit"


def _per_hour(x: float, cur: str) -> str:
    return rate(x, cur) if cur else quantity(x)


def pct(p: float) -> str:
    """A probability as a percentage: '61%', 'under 1%' (never a misleading '0%')."""
    return percent(p)


def fits_of(d: dict, option: str) -> bool | None:
    """Whether an option fits capacity and availability (None when the result does not say)."""
    return ((d.get("summary") or {}).get(option) or {}).get("fits")


def why_not_fit(d: dict, option: str, labels: LabelsLike = None) -> str:
    """What stops an option fitting, in words ('' when it fits or the result does not say):
    'needs 203,571 volunteer hours (…) against 30,000 available'."""
    lab = _lab(labels)
    cav = (d.get("caveats") or {}).get(option) or {}
    parts = [f"needs {of_unit(x['needed'], lab.unit(rid), lab(rid))} against "
             f"{quantity(x['available'])} available"
             for rid, x in (cav.get("resources_short") or {}).items()]
    parts += [f"needs {count(x['volume'], lab.unit(iid))} a period"
              + ("" if len(cav.get("over_capacity") or {}) == 1 else f" of {lab(iid)}")
              + f" against a capacity of {quantity(x['capacity'])}"
              for iid, x in (cav.get("over_capacity") or {}).items()]
    return "; ".join(parts)


def marked(d: dict, option: str, labels: LabelsLike = None) -> str:
    """An option's name as every page shows it: its label, marked when it does not fit."""
    name = _lab(labels)(option)
    return f"{name} [{NOT_FIT}]" if fits_of(d, option) is False else name


def _range_words(lo: float, hi: float | None, cur: str) -> str:
    if hi is None:
        return "at any value" if lo <= 0 else f"at {_per_hour(lo, cur)} an hour or more"
    if lo <= 0:
        return f"below {_per_hour(hi, cur)} an hour"
    return f"between {_per_hour(lo, cur)} and {_per_hour(hi, cur)} an hour"


def caveat_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """What must be read with the answer, in plain words, from a result dict (``--json``):
    the option most often best if it is not the one with the highest expected net benefit,
    the best option that fits, the valuation of time and the range over which the answer
    holds, each belief and the evidence standard. Options that do not fit are marked."""
    return [*fit_sentences(d, labels), *time_sentences(d, labels),
            *belief_sentences(d, labels), *evidence_sentences(d, labels)]


def fit_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """The option most often best (when it is not the one with the highest expected net
    benefit) and the most likely best of the options that fit."""
    lab = _lab(labels).get
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


def time_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """The basis of the valuation of time and the range over which the answer holds."""
    cur = d.get("currency", "")
    likely = d.get("most_likely_best")
    out = []
    basis = d.get("time_value")
    if basis and basis.get("per_hour") is None:
        out.append(f"Users' and communities' time is valued {basis['label']}.")
    elif basis:
        out.append(f"Users' and communities' time is valued at "
                   f"{_per_hour(basis['per_hour'], cur)} an hour ({basis['label']}).")
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


def belief_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
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


def evidence_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """Whether the most likely best option survives leaving out weakly evidenced links."""
    out = []
    ev = d.get("min_evidence")
    if ev:
        n = len(ev["links_dropped"])
        left = (f"Leaving out the {n} link{'s' if n != 1 else ''} graded below "
                f"{ev['grade']}" if n else f"With no link graded below {ev['grade']}")
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


def summary_parts(result: UncertaintyResult, labels: LabelsLike = None) -> list[str]:
    """The plain-language summary at the top of the report, in short paragraphs: the answer,
    what must be read with it, and where evidence pays; ``labels`` maps option and node ids to
    the model's labels (ids are spaced without them)."""
    lab = _lab(labels)
    d = result.to_dict()
    cur = d.get("currency", "")
    best = result.best_option
    target = d.get("target")
    if target:
        unit = target.get("unit") or "unit"
        what = (f"To reach {quantity(target['amount'])} more {lab.lower(target['outcome'])} "
                f"({unit if target['amount'] == 1 else plural(unit)}), valuing each {unit} at "
                f"{amount_words(result.wtp, cur)}")
    else:
        what = f"At a willingness to pay of {amount_words(result.wtp, cur)} a unit"
    not_fit = why_not_fit(d, best, lab)
    mark = f" — it does not fit: it {not_fit}" if not_fit else \
        (f" — it {NOT_FIT}" if fits_of(d, best) is False else "")
    parts = [f"{what}, the option with the highest expected net benefit is {lab(best)} "
             f"({amount_words(result.net_benefit[best][0], cur)}){mark}; it is the best option "
             f"in {percent(result.prob_best[best])} of {result.n_draws:,} draws."]
    parts.extend(caveat_sentences(d, lab))
    parts.append(f"Resolving all uncertainty would be worth {amount_words(result.evpi, cur)} "
                 "per decision (EVPI).")
    top = result.top_input
    if top is not None:
        parts.append(f"The evidence most worth paying for is {describe_input(top, lab)}: "
                     f"learning it exactly would be worth "
                     f"{amount_words(result.evppi[top], cur)} (EVPPI).")
    else:
        parts.append("No single input changes the decision: further evidence on one input "
                     "alone is not worth paying for.")
    if result.population_evpi is not None:
        parts.append(f"Over everyone affected, EVPI is "
                     f"{amount_words(result.population_evpi, cur)}.")
    return parts


def summary_text(result: UncertaintyResult, labels: LabelsLike = None) -> str:
    """:func:`summary_parts` as one paragraph (also used by tests)."""
    return " ".join(summary_parts(result, labels))


def notes_words(d: dict, labels: LabelsLike = None) -> list[str]:
    """The notes of the run (options left out or marked) in words with the model's labels,
    from ``notes_data`` when the result carries it."""
    if d.get("notes_data") is not None:
        return simulation_notes(d["notes_data"], _lab(labels))
    return list(d.get("notes") or [])


def distinct(texts: list[str]) -> list[str]:
    """Labels made distinct: a label already used gets ' (2)', ' (3)' ... so no two rows of a
    chart read the same."""
    seen: dict[str, int] = {}
    out = []
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
        out.append(t if seen[t] == 1 else f"{t} ({seen[t]})")
    return out


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


def _economics_sections(d: dict, labels: LabelsLike) -> list[tuple[str, str]]:
    """The sections on the valuation of time, beliefs and the evidence standard (those the
    result has)."""
    cur = d.get("currency", "")
    lab = _lab(labels)
    out = []
    tv = d.get("time_value_switching")
    basis = d.get("time_value")
    if tv is not None:
        words = paragraphs(time_sentences(d, lab))
        rows = [{"Value of an hour from": _per_hour(iv["low"], cur),
                 "To": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                 "Most likely best": marked(d, iv["option"], lab)}
                for iv in tv["most_likely_best"]]
        exp = [{"Value of an hour from": _per_hour(iv["low"], cur),
                "To": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                "Highest expected net benefit": marked(d, iv["option"], lab)}
               for iv in tv["best_expected"]]
        ref = tv.get("reference_per_hour")
        out.append(("The value of users' and communities' time", words
                    + data_table(rows) + data_table(exp)
                    + "<p>One value an hour for every resource of users' and communities' "
                      "time measured in hours"
                    + (f"; the analysis uses {esc(_per_hour(ref, cur))} an hour on average"
                       if ref is not None else "")
                    + f". Method: {esc(tv.get('method', ''))}.</p>"))
    elif basis:
        out.append(("The value of users' and communities' time",
                    f"<p>Valued {esc(basis['label'])}.</p>" if basis.get("per_hour") is None
                    else f"<p>Valued at {esc(_per_hour(basis['per_hour'], cur))} an hour "
                         f"({esc(basis['label'])}).</p>"))
    beliefs = d.get("beliefs") or {}
    if beliefs:
        likely = d.get("most_likely_best")
        rows = []
        for b in beliefs.values():
            new = b["most_likely_best"]
            rows.append({"Belief": b["label"],
                         "Most likely best": marked(b, new, lab),
                         "Chance it is best": pct(b["summary"][new]["prob_best"]),
                         "Changes the answer": "yes" if b["changes_most_likely_best"] else "no",
                         f"Chance {marked(d, likely, lab)} is best":
                             pct(b["summary"].get(likely, {}).get("prob_best", 0.0))})
        out.append(("Beliefs: the same options under other readings of the evidence",
                    data_table(rows)
                    + "<p>A belief scenario is another reading of the evidence, not something "
                      "the partnership can choose: each is run on the same options (the same "
                      "volumes) with the same seed, as a sensitivity analysis, never as an "
                      "option.</p>"))
    ev = d.get("min_evidence")
    if ev:
        words = evidence_sentences(d, lab)
        dropped = [f"{lab(a)} → {lab(b)}" for a, _, b in
                   (x.partition("->") for x in ev["links_dropped"])]
        out.append(("The evidence standard", paragraphs(words)
                    + f"<p>Links left out: {esc(and_list(dropped) or 'none')}.</p>"))
    return out


def write_report(result: UncertaintyResult, table: DrawsTable, out: str | Path,
                 labels: LabelsLike = None) -> None:
    """Write the self-contained HTML report to ``out``; ``labels`` (a :class:`Labels` of the
    model, or ids to labels) names options and inputs in words on the page, while the CSV
    files keep the ids."""
    lab = _lab(labels)
    d = result.to_dict()
    cur = d.get("currency", "")
    frames = chart_frames(result, table)
    sections: list[tuple[str, str]] = []

    def name(o: str) -> str:  # an option that does not fit is marked wherever it is named
        return marked(d, o, lab)

    def cash(x: float) -> str:
        return amount(x, cur)

    rows = []
    for o in sorted(result.options, key=lambda o: -result.net_benefit[o][0]):
        m, lo, hi = result.net_benefit[o]
        row = {"Option": name(o), "Net benefit (mean)": m, "95% interval":
               f"{cash(lo)} to {cash(hi)}", "Chance it is best": result.prob_best[o]}
        if result.cost_per_outcome is not None:
            row["Net cost per outcome (mean)"] = result.cost_per_outcome[o][0]
        if result.fits is not None:
            row["Fits capacity and resources"] = "yes" if result.fits[o] else \
                "no: " + why_not_fit(d, o, lab)
            row["Caveats"] = ", ".join(flag_label(f) for f in result.flags(o)) or "–"
        rows.append(row)
    summary = summary_parts(result, lab)
    sections.append(("In short", bullet_list(summary[1:])))
    sections.append(("Options", data_table(rows, {
        "Net benefit (mean)": cash, "95% interval": str, "Chance it is best": percent,
        "Net cost per outcome (mean)": cash})
                     + "<p>Net benefit is the willingness to pay times the target outcome "
                     "reached, plus the value of other outcomes, less the full cost (all "
                     "sectors, including the time of users "
                     f"and communities){f', in {esc(cur)}' if cur else ''}.</p>"
                     + (f"<p>An option marked [{NOT_FIT}] needs more than its capacity or "
                        "more of a resource than is available (volunteer hours): it cannot be "
                        "delivered as it stands, whatever its net benefit.</p>"
                        if result.fits is not None else "")))
    sections.extend(_economics_sections(d, lab))
    colour = {o: PALETTE[k % len(PALETTE)] for k, o in enumerate(result.options)}
    if "plane" in frames:
        plane = frames["plane"]
        series = []
        for o, sub in plane.groupby("option", sort=False):
            step = max(1, len(sub) // 400)  # 400 dots an option draw the cloud; CSV has all
            series.append(Series(name(str(o)), sub["effect"].tolist()[::step],
                                 sub["cost"].tolist()[::step], colour[str(o)], points=True))
        unit = (d.get("target") or {}).get("unit") or "unit"
        chart = line_chart(series, title="Cost-effectiveness plane (each dot is one draw)",
                           x_title=f"Target outcome reached ({plural(unit)})",
                           y_title=f"Net cost{f' ({cur})' if cur else ''}", x_fmt=quantity,
                           y_fmt=cash, height=360)
        sections.append(("Cost-effectiveness plane", figure(chart)
                         + csv_link(plane, "plane.csv")))
    if "ceac" in frames:
        ceac = frames["ceac"]
        series = [Series(name(str(o)), sub["wtp"].tolist(), sub["prob_best"].tolist(),
                         colour[str(o)]) for o, sub in ceac.groupby("option", sort=False)]
        chart = line_chart(series, title="How likely each option is to be the best buy",
                           x_title=f"Willingness to pay per unit{f' ({cur})' if cur else ''}",
                           y_title="Chance of being the best option", x_fmt=cash,
                           y_fmt=lambda v: f"{v:.0%}", y_range=(0.0, 1.0),
                           markers=[Marker(result.wtp, "this analysis")])
        front = pd.DataFrame([r.to_dict() for r in result.frontier])
        shown = [{"Option": name(r.option), "Cost": r.cost, "Effect": r.effect,
                  "Extra cost": r.inc_cost, "Extra effect": r.inc_effect,
                  "Extra cost per extra unit of effect": r.icer,
                  "Status": r.status.replace("_", " ")} for r in result.frontier]
        sections.append(("Acceptability curve and incremental analysis", figure(chart)
                         + csv_link(ceac, "ceac.csv")
                         + "<p>Incremental analysis (options dominated, or extendedly "
                           "dominated by a mix of neighbours, are set aside):</p>"
                         + data_table(shown, {"Cost": cash, "Extra cost": cash,
                                              "Extra cost per extra unit of effect": cash})
                         + csv_link(front, "frontier.csv")))
    ev = frames["evppi"]
    if len(ev):
        # inputs worth under 0.1% of the largest are noise: listed in the CSV, not drawn
        shown_ev = ev[ev["evppi"] > 1e-3 * ev["evppi"].max()].head(20)
        texts = distinct([describe_input(i, lab) for i in shown_ev["input"]])
        bars = [bar(t, float(v), cash(v), "#8e6bb8" if g else "#2b7bb9")
                for t, v, g in zip(texts, shown_ev["evppi"], shown_ev["group"], strict=True)]
        body = figure(hbars(bars, title="Where better evidence is worth most, per decision",
                            axis=f"Expected value of partial perfect information (EVPPI)"
                                 f"{f', {cur}' if cur else ''}", fmt=cash,
                            legend=[("one input", "#2b7bb9", "box"),
                                    ("a group of inputs", "#8e6bb8", "box")])) \
            if bars else "<p>No input changes the decision.</p>"
        sections.append(("Where better evidence is worth most", body
                         + csv_link(ev, "evppi.csv")
                         + f"<p>EVPI (all uncertainty resolved): {esc(cash(result.evpi))}"
                         f". Method: {esc(EVPPI_METHOD)}.</p>"))
    tor = frames["tornado"]
    if len(tor):
        top = tor[tor["swing"] > 0.01 * tor["swing"].max()].head(12)
        base = result.net_benefit[result.best_option][0]
        texts = distinct([describe_input(i, lab) for i in top["input"]])
        rows_t = [Row(t, [Segment(base, float(r.nb_low), "#2b7bb9",
                                  f"at its 10th percentile: {cash(r.nb_low)}, favours "
                                  f"{lab(r.favours_low)}"),
                          Segment(base, float(r.nb_high), "#c8553d",
                                  f"at its 90th percentile: {cash(r.nb_high)}, favours "
                                  f"{lab(r.favours_high)}")])
                  for t, r in zip(texts, top.itertuples(), strict=True)]
        ends = [v for r in rows_t for sg in r.segments for v in (sg.start, sg.end)]
        span = (max(ends) - min(ends)) or abs(base) or 1.0
        chart = hbars(rows_t, title=f"One-way sensitivity: expected net benefit of "
                                    f"{name(result.best_option)}",
                      axis=f"Expected net benefit{f' ({cur})' if cur else ''}", fmt=cash,
                      legend=[("input at its 10th percentile", "#2b7bb9", "box"),
                              ("input at its 90th percentile", "#c8553d", "box")],
                      zero_line=False, domain=(min(ends) - 0.05 * span, max(ends) + 0.05 * span))
        sections.append(("Tornado", figure(chart) + csv_link(tor, "tornado.csv")))
    notes = notes_words(d, lab)
    if notes:
        sections.append(("Notes", bullet_list(notes)))
    title = f"Uncertainty and value of information: {d.get('model', d.get('source', ''))}"
    sub = (f"{result.n_draws:,} draws · money in {cur} at {d.get('price_year')} prices"
           if cur else f"{result.n_draws:,} draws")
    html = render_page(title, sections, summary=summary[0], subtitle=sub)
    Path(out).write_text(html, encoding="utf-8")
