"""The HTML report of a plan: how targets are read (increases over today or totals), today's,
planned and changed volume by intervention and cost by sector, cuts to today's services in
words, the caveats of what it funds, the valuation of users' and communities' time, what
binds and what it is worth (shadow prices in words), the frontier of value against budget with
this plan marked, and the data behind every chart as CSV."""

from __future__ import annotations

import pandas as pd

from ..engine.planning import Plan
from ..engine.planning.result import MIP_NOTE
from ..formatting import count, in_unit, money, percent
from ..formatting import quantity as qty
from ..model.schema import Model
from ..presentation.flags import flag_label
from ..presentation.labels import Labels
from ..presentation.words import plan_summary_items, signed
from .charts import Marker, Series, figure, hbars, line_chart, stacked
from .page import csv_link, esc, render_page
from .strategy_map import sector_colour
from .tables import bullet_list, data_table, paragraphs


def allocation_frame(p: Plan, model: Model) -> pd.DataFrame:
    """One row per intervention: current, planned and changed volume, cost by sector."""
    rows = []
    for iid, v in p.volumes.items():
        cur = p.current_volumes.get(iid, 0.0)
        if v == 0 and cur == 0:
            continue
        c = p.intervention_costs.get(iid, {"full": 0.0, "public": 0.0, "by_sector": {}})
        row = {
            "intervention": iid,
            "label": model.label_of(iid),
            "unit": model.interventions[iid].unit or "unit",
            "current_volume": cur,
            "planned_volume": v,
            "change": v - cur,
            "least_volume": p.least_volumes.get(iid, 0.0),
            "max_decrease": p.max_decrease.get(iid),
            "capacity": model.interventions[iid].capacity
            if isinstance(model.interventions[iid].capacity, (int, float))
            else None,
            "full_cost": c["full"],
            "public_cost": c["public"],
        }
        for sid in model.sectors:
            row[f"cost_{sid}"] = c.get("by_sector", {}).get(sid, 0.0)
        rows.append(row)
    return pd.DataFrame(rows)


def _allocation_chart(frame: pd.DataFrame, model: Model, currency: str) -> str:
    """Planned cost a period by sector, one stacked bar per intervention that runs, in the
    sector colours of the strategy map."""
    used = frame[frame["planned_volume"] > 0]
    if used.empty:
        return ""
    colours = sector_colour(model.sectors)
    rows = []
    for _, r in used.iterrows():
        parts = [
            (
                float(r[f"cost_{sid}"]),
                colours[sid],
                f"{sec.label}: {money(r[f'cost_{sid}'], currency)}",
            )
            for sid, sec in model.sectors.items()
            if f"cost_{sid}" in r
        ]
        rows.append(stacked(r["label"], parts, money(r["full_cost"], currency)))
    legend = [
        (sec.label, colours[sid], "box")
        for sid, sec in model.sectors.items()
        if f"cost_{sid}" in used and used[f"cost_{sid}"].any()
    ]
    return figure(
        hbars(
            rows,
            title="Planned cost a period by sector, each intervention",
            axis=f"Cost a period ({currency})",
            fmt=lambda v: money(v, currency),
            legend=legend,
        )
    )


def frontier_frame(p: Plan) -> pd.DataFrame:
    rows = [
        {
            "budget": f.budget,
            "public_cost": f.cost_public,
            "full_cost": f.cost_full,
            "value": f.value,
            **{f"volume_{k}": v for k, v in f.volumes.items()},
        }
        for f in p.frontier
    ]
    return pd.DataFrame(rows)


def _frontier_chart(p: Plan) -> str:
    fr = frontier_frame(p)
    key = "public" if p.objective == "public" else "full"
    cur = p.currency
    money_measure = p.frontier_measure.startswith("value of outcomes")
    markers = []
    if p.status == "optimal":
        y = p.objective_value if p.mode == "most_value" else None
        if y is None:  # value this plan's outcomes the way the frontier does
            y = _valued(p)
        markers.append(Marker(float(p.cost[key]), "this plan", float(y), "#c8553d"))
    chart = line_chart(
        [
            Series(
                "Best possible",
                fr["budget"].tolist(),
                fr["value"].tolist(),
                "#1d5c8c",
                markers=True,
            )
        ],
        title=f"Frontier: the most {p.frontier_measure} each budget can buy",
        x_title=f"{key.capitalize()} budget a period ({cur})",
        y_title=p.frontier_measure[0].upper() + p.frontier_measure[1:],
        x_fmt=lambda v: money(v, cur),
        y_fmt=(lambda v: money(v, cur)) if money_measure else qty,
        markers=markers,
        hline=0.0,
    )
    return figure(chart)


def _valued(p: Plan) -> float:
    """This plan's outcomes valued with the frontier's weights (the first frontier point's
    value per unit is not stored, so use the plan's own model value) — of the change from
    today when targets are increases, as the frontier's values are."""
    return p.value_change if p.targets_as == "increase" else p.value


def flag_shares_frame(p: Plan, model: Model) -> pd.DataFrame:
    """One row per target and kind of caveat: the share of the planned effect on the target
    resting on links of that kind (0–1)."""
    return pd.DataFrame(
        [
            {
                "target": t,
                "label": model.label_of(t),
                "kind": k,
                "kind_words": flag_label(k),
                "share": x,
            }
            for t, shares in p.flag_shares.items()
            for k, x in shares.items()
        ],
        columns=["target", "label", "kind", "kind_words", "share"],
    )


def _baseline_section(p: Plan) -> str:
    """How targets are read, and the plan's changes from today in words."""
    reading = (
        "<p>Targets are <b>increases over what today's services already achieve</b> "
        "(each intervention's current volume is the baseline): the plan must add the "
        "target to today's level. Resource limits and the cost shown apply to the whole "
        "planned services.</p>"
        if p.targets_as == "increase"
        else "<p>Targets are <b>total levels</b>, counted from nothing rather than from what "
        "runs today. Resource limits and the cost shown apply to the whole planned "
        "services.</p>"
    )
    notes = p.change_notes()
    if not notes:
        return reading + "<p>The plan keeps every service at today's volume.</p>"
    cuts = [n["words"] for n in notes if n["kind"] in ("cut", "stop")]
    rises = [n["words"] for n in notes if n["kind"] in ("start", "grow")]
    body = reading
    if cuts:
        body += '<p class="warn"><b>Services cut from today.</b></p>' + bullet_list(cuts)
    if rises:
        body += "<p>Services started or grown:</p>" + bullet_list(rises)
    return body


def constraints_frame(p: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "constraint": c.key,
                "kind": c.kind,
                "label": c.label,
                "unit": c.unit,
                "limit": c.limit,
                "level": c.level,
                "binding": "yes" if c.binding else "no",
                f"shadow_price_{p.currency}": c.shadow_price,
                "in_words": c.words,
            }
            for c in p.constraints
        ]
    )


def plan_report(model: Model, p: Plan) -> str:
    """A self-contained HTML page for a plan."""
    cur = p.currency
    labels = Labels(model)
    items = plan_summary_items(p)
    sections: list[tuple[str, str]] = []
    if p.status != "optimal":
        rel = pd.DataFrame([{"target or limit": k, "relax by": v} for k, v in p.relaxation.items()])
        body = f'<p class="warn">{esc(p.message)}</p>'
        if len(rel):
            shown = pd.DataFrame(
                [
                    {"Target or limit": _constraint_words(p, model, k), "Relax by": v}
                    for k, v in p.relaxation.items()
                ]
            )
            body += (
                "<p>Each row alone would make the plan feasible (targets lowered, limits "
                "raised by this much):</p>" + data_table(shown) + csv_link(rel, "relaxation.csv")
            )
        sections.append(("Why no plan is possible", body))
        return render_page(
            f"Plan: {model.name}",
            sections,
            summary=items[0][1],
            subtitle=f"{cur}, {p.price_year} prices",
        )
    short = [text for kind, text in items[1:] if kind in ("share", "time", "evidence")]
    if short:
        sections.append(("In short", bullet_list(short)))
    frame = allocation_frame(p, model)
    sections.append(("Changes from today's services", _baseline_section(p)))
    shown = pd.DataFrame(
        [
            {
                "Intervention": r["label"],
                "Today": count(r["current_volume"], r["unit"]),
                "Planned": count(r["planned_volume"], r["unit"]),
                "Change": signed(r["change"]),
                "Capacity": r["capacity"],
                "Public cost": r["public_cost"],
                "Full cost": r["full_cost"],
            }
            for _, r in frame.iterrows()
        ]
    )
    cash = {
        "Public cost": lambda v: money(v, cur),
        "Full cost": lambda v: money(v, cur),
        "Today": str,
        "Planned": str,
        "Change": str,
    }
    totals = (
        f"<p>Total: <b>{money(p.cost['public'], cur)}</b> of public money, "
        f"{money(p.cost['full'], cur)} in full, a period; users and communities give "
        f"{percent(p.cost.get('coproduction_share', 0))} of the full cost.</p>"
    )
    sections.append(
        (
            "Allocation",
            totals
            + data_table(shown, cash)
            + _allocation_chart(frame, model, cur)
            + csv_link(frame, "plan-allocation.csv"),
        )
    )
    caveats = p.caveat_words()
    shares = flag_shares_frame(p, model)
    body = (
        bullet_list(list(caveats))
        if caveats
        else "<p>No caveat: the plan's effects rest on graded, uncontested links, and every "
        "co-produced service has public enabling input.</p>"
    )
    if len(shares):
        body += (
            "<p>Share of the planned effect on each target resting on links of each kind:"
            "</p>"
            + data_table(
                shares[["label", "kind_words", "share"]].rename(
                    columns={"label": "Target", "kind_words": "Kind", "share": "Share"}
                ),
                {"Share": percent},
            )
            + csv_link(shares, "plan-flag-shares.csv")
        )
    sections.append(("Caveats of what the plan funds", body))
    time_body = f"<p>{esc(p.time_words())}</p>"
    tv = p.time_value or {}
    if tv.get("source"):
        time_body += f'<p class="note">Source of the valuation: {esc(tv["source"])}</p>'
    time_body += (
        '<p class="note">The range is found by re-solving the plan at trial hourly '
        "valuations of every users' and communities' hour resource and bisecting "
        "between them (relative tolerance one in a million): see docs/planning.md."
        "</p>"
    )
    if p.min_evidence:
        time_body += f"<p>{esc(p.evidence_words())}</p>"
    sections.append(("Users' and communities' time, and the evidence", time_body))
    words = [w for w in p.explanations if w != MIP_NOTE]
    note = (
        f'<p class="note">{esc(MIP_NOTE)}</p>'
        if p.mixed_integer
        else (
            '<p class="note">Shadow prices are the duals of the linear programme: what one more '
            "unit of a target costs, or one more unit of a limit saves, at the margin.</p>"
        )
    )
    cons = constraints_frame(p)
    kinds = {
        "target": "target",
        "resource": "resource available",
        "capacity": "capacity",
        "min_volume": "minimum volume",
        "max_decrease": "largest cut from today",
        "budget": "budget",
    }
    table = pd.DataFrame(
        [
            {
                "Constraint": c.label,
                "Kind": kinds.get(c.kind, c.kind.replace("_", " ")),
                "Limit": _in_unit(c.limit, c, cur),
                "Level": _in_unit(c.level, c, cur),
                "Binds?": "yes" if c.binding else "no",
                "Shadow price": money(c.shadow_price, cur),
            }
            for c in p.constraints
        ]
    )
    sections.append(
        (
            "What binds and what it is worth",
            bullet_list(words)
            + note
            + data_table(table, {"Limit": str, "Level": str, "Shadow price": str})
            + csv_link(cons, "plan-constraints.csv"),
        )
    )
    out = pd.DataFrame(
        [
            {
                "outcome": o,
                "label": model.label_of(o),
                "unit": model.outcomes[o].unit or "unit",
                "today": p.baseline_outcomes.get(o, 0.0),
                "level": lvl,
                "change": p.outcome_changes[o],
                "target": p.targets.get(o),
            }
            for o, lvl in p.outcomes.items()
        ]
    )
    target_col = "Target (increase)" if p.targets_as == "increase" else "Target (total)"
    shown_out = pd.DataFrame(
        [
            {
                "Outcome": r["label"],
                "Today": count(r["today"], r["unit"]),
                "Planned": count(r["level"], r["unit"]),
                "Change": signed(r["change"]),
                target_col: r["target"],
            }
            for _, r in out.iterrows()
        ]
    )
    sections.append(
        (
            "Outcome levels",
            f"<p>{esc(p.reading[0].upper() + p.reading[1:])}.</p>"
            + data_table(shown_out, {"Today": str, "Planned": str, "Change": str})
            + csv_link(out, "plan-outcomes.csv"),
        )
    )
    if p.frontier:
        fr = frontier_frame(p)
        sections.append(
            (
                "Frontier: what each budget can buy",
                f"<p>The most {esc(p.frontier_measure)} reachable at each budget, "
                "within the same capacities and resource limits (targets set aside). "
                "The diamond marks this plan.</p>"
                + _frontier_chart(p)
                + csv_link(fr, "plan-frontier.csv"),
            )
        )
    use = pd.DataFrame(
        [
            {
                "Resource": labels(r),
                "Used": in_unit(u["used"], labels.unit(r)),
                "Available": (
                    in_unit(u["available"], labels.unit(r))
                    if u["available"] is not None
                    else "no limit"
                ),
            }
            for r, u in p.resource_use.items()
        ]
    )
    use_data = pd.DataFrame(
        [
            {
                "resource": r,
                "label": model.label_of(r),
                "used": u["used"],
                "available": u["available"],
            }
            for r, u in p.resource_use.items()
        ]
    )
    if len(use):
        sections.append(
            (
                "Resources used",
                data_table(use, {"Used": str, "Available": str})
                + csv_link(use_data, "plan-resources.csv"),
            )
        )
    aim = (
        f"Least {p.objective} cost to reach the targets"
        if p.mode == "least_cost"
        else "Most value within the budget"
    )
    reading = "targets over today" if p.targets_as == "increase" else "targets as totals"
    subtitle = f"{aim} ({reading}) — {cur}, {p.price_year} prices, per period"
    return render_page(f"Plan: {model.name}", sections, summary=items[0][1], subtitle=subtitle)


def _in_unit(x: float, c, cur: str) -> str:
    """A constraint's limit or level in its unit: money for budgets."""
    if c.kind == "budget":
        return money(x, cur)
    return in_unit(x, c.unit) if c.unit else qty(x)


def _constraint_words(p: Plan, model: Model, key: str) -> str:
    """A relaxation key (``independent_years``, ``reablement.capacity``, ``budget.public``)
    in words."""
    labels = Labels(model)
    if key.startswith("budget."):
        name = key.split(".", 1)[1]
        return (
            "the budget for all sectors"
            if name == "full"
            else f"the budget of the {labels(name).lower()}"
        )
    if "." in key:
        name, kind = key.rsplit(".", 1)
        what = {
            "capacity": "the capacity of",
            "min_volume": "the minimum volume of",
            "max_decrease": "the largest cut from today of",
        }.get(kind, kind)
        return f"{what} {labels(name)}"
    if key in model.outcomes:
        return f"the target for {labels.lower(key)}"
    return f"the {labels.lower(key)} available"


__all__ = [
    "allocation_frame",
    "constraints_frame",
    "flag_shares_frame",
    "frontier_frame",
    "paragraphs",
    "plan_report",
    "qty",
]
