"""The HTML report of a plan: how targets are read (increases over today or totals), today's,
planned and changed volume by intervention and cost by sector, cuts to today's services in
words, the caveats of what it funds, the valuation of users' and communities' time, what
binds and what it is worth (shadow prices in words), the frontier of value against budget with
this plan marked, and the data behind every chart as CSV."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..engine.planning import Plan
from ..engine.planning.result import MIP_NOTE
from ..formatting import money
from ..formatting import quantity as qty
from ..model.schema import Model
from .page import csv_link, esc, plotly_div, render_page, table_html

SECTOR_COLOURS = {"public": "#1d5c8c", "private": "#5b6b7b", "third": "#8a5a9e",
                  "user": "#e9a23b", "community": "#2a9d8f"}


def allocation_frame(p: Plan, model: Model) -> pd.DataFrame:
    """One row per intervention: current, planned and changed volume, cost by sector."""
    rows = []
    for iid, v in p.volumes.items():
        cur = p.current_volumes.get(iid, 0.0)
        if v == 0 and cur == 0:
            continue
        c = p.intervention_costs.get(iid, {"full": 0.0, "public": 0.0, "by_sector": {}})
        row = {"intervention": iid, "label": model.label_of(iid),
               "unit": model.interventions[iid].unit or "unit",
               "current_volume": cur, "planned_volume": v, "change": v - cur,
               "least_volume": p.least_volumes.get(iid, 0.0),
               "max_decrease": p.max_decrease.get(iid),
               "capacity": model.interventions[iid].capacity if isinstance(
                   model.interventions[iid].capacity, (int, float)) else None,
               "full_cost": c["full"], "public_cost": c["public"]}
        for sid in model.sectors:
            row[f"cost_{sid}"] = c.get("by_sector", {}).get(sid, 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def _allocation_chart(frame: pd.DataFrame, model: Model, currency: str) -> str:
    used = frame[frame["planned_volume"] > 0]
    fig = go.Figure()
    for sid, sec in model.sectors.items():
        col = f"cost_{sid}"
        if col not in used or not used[col].any():
            continue
        fig.add_bar(y=used["label"], x=used[col], name=sec.label, orientation="h",
                    marker_color=SECTOR_COLOURS.get(sid))
    fig.update_layout(barmode="stack", height=120 + 40 * len(used), margin=dict(l=10, r=10,
                      t=30, b=40), xaxis_title=f"cost a period ({currency})",
                      legend=dict(orientation="h", y=-0.25), template="plotly_white")
    fig.update_yaxes(autorange="reversed")
    return plotly_div(fig)


def frontier_frame(p: Plan) -> pd.DataFrame:
    rows = [{"budget": f.budget, "public_cost": f.cost_public, "full_cost": f.cost_full,
             "value": f.value, **{f"volume_{k}": v for k, v in f.volumes.items()}}
            for f in p.frontier]
    return pd.DataFrame(rows)


def _frontier_chart(p: Plan) -> str:
    fr = frontier_frame(p)
    key = "public" if p.objective == "public" else "full"
    fig = go.Figure()
    fig.add_scatter(x=fr["budget"], y=fr["value"], mode="lines+markers", name="best possible",
                    line_color="#1d5c8c")
    if p.status == "optimal":
        y = p.objective_value if p.mode == "most_value" else None
        if y is None:  # value this plan's outcomes the way the frontier does
            y = _valued(p)
        fig.add_scatter(x=[p.cost[key]], y=[y], mode="markers", name="this plan",
                        marker=dict(size=14, color="#c8553d", symbol="diamond"))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=30, b=40), template="plotly_white",
                      xaxis_title=f"{key} budget ({p.currency})",
                      yaxis_title=p.frontier_measure, legend=dict(orientation="h", y=-0.2))
    return plotly_div(fig)


def _valued(p: Plan) -> float:
    """This plan's outcomes valued with the frontier's weights (the first frontier point's
    value per unit is not stored, so use the plan's own model value) — of the change from
    today when targets are increases, as the frontier's values are."""
    return p.value_change if p.targets_as == "increase" else p.value


def flag_shares_frame(p: Plan, model: Model) -> pd.DataFrame:
    """One row per target and kind of caveat: the share of the planned effect on the target
    resting on links of that kind (0–1)."""
    return pd.DataFrame([{"target": t, "label": model.label_of(t), "kind": k, "share": x}
                         for t, shares in p.flag_shares.items() for k, x in shares.items()],
                        columns=["target", "label", "kind", "share"])


def _baseline_section(p: Plan) -> str:
    """How targets are read, and the plan's changes from today in words."""
    reading = ("<p>Targets are <b>increases over what today's services already achieve</b> "
               "(each intervention's current volume is the baseline): the plan must add the "
               "target to today's level. Resource limits and the cost shown apply to the whole "
               "planned services.</p>" if p.targets_as == "increase" else
               "<p>Targets are <b>total levels</b>, counted from nothing rather than from what "
               "runs today. Resource limits and the cost shown apply to the whole planned "
               "services.</p>")
    notes = p.change_notes()
    if not notes:
        return reading + "<p>The plan keeps every service at today's volume.</p>"
    cuts = [n["words"] for n in notes if n["kind"] in ("cut", "stop")]
    rises = [n["words"] for n in notes if n["kind"] in ("start", "grow")]
    body = reading
    if cuts:
        body += ('<p class="warn"><b>Services cut from today.</b></p><ul>'
                 + "".join(f"<li>{esc(w)}</li>" for w in cuts) + "</ul>")
    if rises:
        body += "<p>Services started or grown:</p><ul>" + "".join(
            f"<li>{esc(w)}</li>" for w in rises) + "</ul>"
    return body


def constraints_frame(p: Plan) -> pd.DataFrame:
    return pd.DataFrame([{"constraint": c.key, "kind": c.kind, "label": c.label,
                          "unit": c.unit, "limit": c.limit, "level": c.level,
                          "binding": "yes" if c.binding else "no",
                          f"shadow_price_{p.currency}": c.shadow_price, "in_words": c.words}
                         for c in p.constraints])


def plan_report(model: Model, p: Plan) -> str:
    """A self-contained HTML page for a plan."""
    cur = p.currency
    sections: list[tuple[str, str]] = []
    if p.status != "optimal":
        rel = pd.DataFrame([{"target or limit": k, "relax by": v}
                            for k, v in p.relaxation.items()])
        body = f'<p class="warn">{esc(p.message)}</p>'
        if len(rel):
            body += ("<p>Each row alone would make the plan feasible (targets lowered, limits "
                     "raised by this much):</p>" + table_html(rel, numeric_format="{:,.2f}")
                     + csv_link(rel, "relaxation.csv"))
        sections.append(("Why no plan is possible", body))
        return render_page(f"Plan: {model.name}", sections, summary=p.summary(),
                           subtitle=f"{cur}, {p.price_year} prices", with_plotly=False)
    frame = allocation_frame(p, model)
    sections.append(("Changes from today's services", _baseline_section(p)))
    shown = frame[["label", "unit", "current_volume", "planned_volume", "change", "capacity",
                   "public_cost", "full_cost"]].rename(columns={
                       "label": "Intervention", "unit": "Unit", "current_volume": "Current",
                       "planned_volume": "Planned", "change": "Change", "capacity": "Capacity",
                       "public_cost": f"Public cost ({cur})", "full_cost": f"Full cost ({cur})"})
    totals = (f"<p>Total: <b>{money(p.cost['public'], cur)}</b> of public money, "
              f"{money(p.cost['full'], cur)} in full; users and communities give "
              f"{p.cost.get('coproduction_share', 0):.0%} of the full cost.</p>")
    sections.append(("Allocation", totals + table_html(shown, numeric_format="{:,.0f}")
                     + _allocation_chart(frame, model, cur)
                     + csv_link(frame, "plan-allocation.csv")))
    caveats = p.caveat_words()
    shares = flag_shares_frame(p, model)
    body = ("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in caveats) + "</ul>" if caveats else
            "<p>No caveat: the plan's effects rest on graded, uncontested links, and every "
            "co-produced service has public enabling input.</p>")
    if len(shares):
        body += ("<p>Share of the planned effect on each target resting on links of each kind:"
                 "</p>" + table_html(shares[["label", "kind", "share"]].rename(columns={
                     "label": "Target", "kind": "Kind", "share": "Share"}),
                     numeric_format="{:.0%}") + csv_link(shares, "plan-flag-shares.csv"))
    sections.append(("Caveats of what the plan funds", body))
    time_body = f"<p>{esc(p.time_words())}</p>"
    tv = p.time_value or {}
    if tv.get("source"):
        time_body += f'<p class="note">Source of the valuation: {esc(tv["source"])}</p>'
    time_body += ('<p class="note">The range is found by re-solving the plan at trial hourly '
                  "valuations of every users' and communities' hour resource and bisecting "
                  "between them (relative tolerance 1e-6): see docs/planning.md.</p>")
    if p.min_evidence:
        time_body += f"<p>{esc(p.evidence_words())}</p>"
    sections.append(("Users' and communities' time, and the evidence", time_body))
    words = "".join(f"<li>{esc(w)}</li>" for w in p.explanations if w != MIP_NOTE)
    note = f'<p class="note">{esc(MIP_NOTE)}</p>' if p.mixed_integer else (
        "<p class=\"note\">Shadow prices are the duals of the linear programme: what one more "
        "unit of a target costs, or one more unit of a limit saves, at the margin.</p>")
    cons = constraints_frame(p)
    table = cons[["label", "kind", "limit", "level", "binding", f"shadow_price_{cur}"]].rename(
        columns={"label": "Constraint", "kind": "Kind", "limit": "Limit", "level": "Level",
                 "binding": "Binds?", f"shadow_price_{cur}": f"Shadow price ({cur})"})
    sections.append(("What binds and what it is worth", f"<ul>{words}</ul>{note}"
                     + table_html(table, numeric_format="{:,.2f}")
                     + csv_link(cons, "plan-constraints.csv")))
    out = pd.DataFrame([{"outcome": o, "label": model.label_of(o),
                         "unit": model.outcomes[o].unit or "unit",
                         "today": p.baseline_outcomes.get(o, 0.0), "level": lvl,
                         "change": p.outcome_changes[o], "target": p.targets.get(o)}
                        for o, lvl in p.outcomes.items()])
    target_col = ("Target (increase)" if p.targets_as == "increase" else "Target (total)")
    sections.append(("Outcome levels", f"<p>{esc(p.reading[0].upper() + p.reading[1:])}.</p>"
                     + table_html(out[["label", "unit", "today", "level", "change", "target"]]
                                  .rename(columns={"label": "Outcome", "unit": "Unit",
                                                   "today": "Today", "level": "Planned",
                                                   "change": "Change",
                                                   "target": target_col}),
                                  numeric_format="{:,.1f}")
                     + csv_link(out, "plan-outcomes.csv")))
    if p.frontier:
        fr = frontier_frame(p)
        sections.append(("Frontier: what each budget can buy",
                         f"<p>The most {esc(p.frontier_measure)} reachable at each budget, "
                         "within the same capacities and resource limits (targets set aside). "
                         "The diamond marks this plan.</p>" + _frontier_chart(p)
                         + csv_link(fr, "plan-frontier.csv")))
    use = pd.DataFrame([{"resource": r, "label": model.label_of(r), "used": u["used"],
                         "available": u["available"]} for r, u in p.resource_use.items()])
    if len(use):
        sections.append(("Resources used", table_html(use[["label", "used", "available"]]
                                                      .rename(columns={"label": "Resource",
                                                                       "used": "Used",
                                                                       "available":
                                                                       "Available"}),
                                                      numeric_format="{:,.0f}")
                         + csv_link(use, "plan-resources.csv")))
    aim = (f"Least {p.objective} cost to reach the targets" if p.mode == "least_cost"
           else "Most value within the budget")
    reading = "targets over today" if p.targets_as == "increase" else "targets as totals"
    subtitle = f"{aim} ({reading}) — {cur}, {p.price_year} prices, per period"
    return render_page(f"Plan: {model.name}", sections, summary=p.summary(), subtitle=subtitle,
                       with_plotly=True)


__all__ = ["allocation_frame", "constraints_frame", "flag_shares_frame", "frontier_frame",
           "plan_report", "qty"]
