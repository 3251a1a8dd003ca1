"""The report of a portfolio: where co-production pays, across services sharing one community.

The chart a director takes to cabinet: each service placed by its co-production advantage (how
many times as costly the professional route is per unit of outcome, in full) against the
strength of the evidence behind the co-produced pathway, sized by the residents' hours it
needs; and the joint plan's allocation of each pool's hours as a bar. Then the recommendation
with its reasons, the joint plan and what a pooled hour and an enabling pound are worth, the
kinds of co-production, the evidence and the value of information, residents' time and how the
answer turns on its valuation. The data behind every chart and table as CSV; an XLSX workbook
with the same tables (:func:`write_xlsx`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from ..formatting import count, money, percent
from ..formatting import quantity as qty
from .charts import (
    AXIS,
    GRID,
    INK,
    MUTED,
    PALETTE,
    _f,
    _lines,
    _svg,
    _text,
    figure,
    hbars,
    stacked,
    text_width,
    wrap,
)
from .page import csv_link, esc, render_page
from .tables import bullet_list, data_table, paragraphs

UNUSED = "#c9d1d9"


# ----- data frames (the CSV and XLSX behind every table) ------------------------------------


def services_frame(result) -> pd.DataFrame:
    """One row per service: the two best pathways, the advantage, its uncertainty, the
    evidence and the hours needed (money in the portfolio's currency, a period)."""
    rows = []
    for name, c in result.services.items():
        co, prof = c.pathway(c.best_coproduced), c.pathway(c.best_professional)
        adv = c.advantage or {}
        unc = c.uncertainty or {}
        rank = next(r for r in result.ranking if r["service"] == name)
        rows.append(
            {
                "service": name,
                "label": result.service_label(name),
                "outcome": c.outcome,
                "outcome_label": c.outcome_label,
                "target": c.amount,
                "coproduced": c.best_coproduced,
                "coproduced_label": co["label"] if co else None,
                "coproduced_kind": co["kind"] if co else None,
                "coproduced_full_per_unit": co["cost_per_outcome"]["full"] if co else None,
                "coproduced_public_per_unit": co["cost_per_outcome"]["public"] if co else None,
                "professional": c.best_professional,
                "professional_label": prof["label"] if prof else None,
                "professional_full_per_unit": prof["cost_per_outcome"]["full"] if prof else None,
                "professional_public_per_unit": prof["cost_per_outcome"]["public"]
                if prof
                else None,
                "ratio_full": adv.get("full", {}).get("ratio"),
                "saving_full": adv.get("full", {}).get("saving"),
                "saving_public": adv.get("public", {}).get("saving"),
                "prob_coproduction_cheaper_full": unc.get("prob_coproduction_cheaper", {}).get(
                    "full"
                ),
                "evpi": unc.get("evpi"),
                "wtp": unc.get("wtp"),
                "coproduced_grade": co["evidence"]["grade"] if co else None,
                "professional_grade": prof["evidence"]["grade"] if prof else None,
                "coproduction_hours": co["coproduction_hours"] if co else None,
                "tier": rank["tier"],
                "rank": rank["rank"],
            }
        )
    return pd.DataFrame(rows)


def plan_frame(result) -> pd.DataFrame:
    p = result.plan
    rows = []
    if p.status != "optimal":
        return pd.DataFrame(rows)
    for s, vols in p.volumes.items():
        model = result.portfolio.services[s].model
        for iid, v in vols.items():
            today = p.baseline[s].get(iid, 0.0)
            if v == 0 and today == 0:
                continue
            hours = sum(
                use["by_intervention"].get(s, {}).get(iid, 0.0) for use in p.pool_use.values()
            )
            rows.append(
                {
                    "service": s,
                    "service_label": result.service_label(s),
                    "intervention": iid,
                    "label": model.label_of(iid),
                    "kind": model.interventions[iid].coproduction or "unstated",
                    "unit": model.interventions[iid].unit or "unit",
                    "today": today,
                    "planned": v,
                    "change": v - today,
                    "pooled_hours": hours,
                    "enabling_spend": p.enabling_spend.get(s, {}).get(iid, 0.0),
                }
            )
    return pd.DataFrame(rows)


def limits_frame(result) -> pd.DataFrame:
    p = result.plan
    rows = []
    for key, use in p.pool_use.items():
        rows.append(
            {
                "limit": key,
                "label": result.pool_label(key),
                "kind": "pool",
                "available": use["available"],
                "used": use["used"],
                "shadow_price": p.shadow_prices["pools"].get(key, 0.0),
            }
        )
    for key, use in p.budget_use.items():
        rows.append(
            {
                "limit": f"budget.{key}",
                "label": _budget_label(result, key),
                "kind": "budget",
                "available": use["limit"],
                "used": use["used"],
                "shadow_price": p.shadow_prices["budgets"].get(key, 0.0),
            }
        )
    for c in p.constraints:
        if c["kind"] == "target":
            rows.append(
                {
                    "limit": c["key"],
                    "label": f"{result.labels(c['service'])(c['name'])} "
                    f"({result.service_label(c['service'])})",
                    "kind": "target",
                    "available": c["limit"],
                    "used": c["level"],
                    "shadow_price": c["shadow_price"],
                }
            )
    return pd.DataFrame(rows)


def kinds_frame(result) -> pd.DataFrame:
    """Per service, when (today, plan) and kind: share of the compared outcome and of cost."""
    rows = []
    for s, c in result.services.items():
        plans = [("today", c.today_by_kind)]
        if result.plan.status == "optimal":
            plans.append(("plan", result.plan.by_kind.get(s, {})))
        for when, kinds in plans:
            for kind, k in kinds.items():
                rows.append(
                    {
                        "service": s,
                        "service_label": result.service_label(s),
                        "when": when,
                        "kind": kind,
                        "effect_share": k["effect_share"].get(c.outcome, 0.0),
                        "cost_share_full": k["cost_share_full"],
                        "cost_share_public": k["cost_share_public"],
                        "cost_full": k["cost_full"],
                        "cost_public": k["cost_public"],
                        "coproduction_hours": k["coproduction_hours"],
                    }
                )
    return pd.DataFrame(rows)


def pathways_frame(result) -> pd.DataFrame:
    rows = []
    for s, c in result.services.items():
        for p in c.pathways:
            rows.append(
                {
                    "service": s,
                    "intervention": p["intervention"],
                    "label": p["label"],
                    "kind": p["kind"],
                    "coproduced": p["coproduced"],
                    "stages": ", ".join(p["stages"]),
                    "volume": p["volume"],
                    "full_per_unit": p["cost_per_outcome"]["full"],
                    "public_per_unit": p["cost_per_outcome"]["public"],
                    "coproduction_hours": p["coproduction_hours"],
                    "grade": p["evidence"]["grade"],
                    "weakest": p["evidence"]["weakest"],
                    "within_capacity": p["within_capacity"],
                }
            )
    return pd.DataFrame(rows)


def sensitivity_frame(result) -> pd.DataFrame:
    rows = []
    for s in result.sensitivity:
        for n in s["order"]:
            rows.append(
                {
                    "valuation": s["basis"],
                    "label": s["label"],
                    "per_hour": s["per_hour"],
                    "service": n,
                    "position": s["order"].index(n) + 1,
                    "tier": s["tiers"][n],
                    "full_saving_per_unit": s["advantage_full"][n],
                }
            )
    return pd.DataFrame(rows)


def _budget_label(result, key: str) -> str:
    from ..portfolio.words import _budget_name

    return _budget_name(result, key).split(" (")[0].capitalize()


# ----- the director's chart ------------------------------------------------------------------


def _log_ticks(lo: float, hi: float) -> list[float]:
    ticks = []
    k = math.floor(math.log2(lo))
    while 2.0**k <= hi * 1.0001:
        if 2.0**k >= lo * 0.9999:
            ticks.append(2.0**k)
        k += 1
    return ticks


def _ratio_text(x: float) -> str:
    return f"{x:g}×" if x >= 1 else f"{x:.2g}×"


def advantage_chart(result, width: float = 760.0, size: float = 12.0) -> str:
    """Services placed by co-production advantage (log scale) against the evidence grade of
    the co-produced pathway, circle area by the residents' hours it needs."""
    pts, colour_of = [], []
    for k, (name, c) in enumerate(result.services.items()):
        co = c.pathway(c.best_coproduced)
        if c.advantage is None or co is None or not c.advantage["full"]["ratio"]:
            continue
        pts.append(
            (
                result.service_label(name),
                float(c.advantage["full"]["ratio"]),
                float(co["evidence"]["grade"] or 1.0),
                float(co["coproduction_hours"]),
            )
        )
        colour_of.append(PALETTE[k % len(PALETTE)])
    if not pts:
        return ""
    pad = 8.0
    lo = min(min(p[1] for p in pts), 0.5) / 1.5
    hi = max(max(p[1] for p in pts), 2.0) * 1.5
    xt = _log_ticks(lo, hi)
    y_title = (
        "Strength of the evidence for the co-produced pathway (grade: 1 opinion, "
        "5 replicated experiments)"
    )
    head = wrap(y_title, width - 2 * pad, size)
    top = 12.0 + len(head) * size * 1.25 + 8
    yt_w = text_width("5", size - 1)
    left = pad + yt_w + 10
    right = width - pad - text_width(_ratio_text(xt[-1]), size - 1) / 2
    height = 300.0
    bottom = top + height
    max_h = max((p[3] for p in pts), default=0.0) or 1.0
    rmax = 26.0
    # room inside the plot for the largest circle
    inner_l, inner_r = left + rmax + 4, right - rmax - 4

    def sx(v: float) -> float:
        return inner_l + (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo)) * (
            inner_r - inner_l
        )

    def sy(g: float) -> float:
        return bottom - rmax - 4 - (g - 1.0) / 4.0 * (height - 2 * rmax - 8)

    out = [_lines(pad, 12.0 + size, head, size=size, fill=MUTED)]
    x1 = sx(1.0)
    out.append(
        f'<rect x="{_f(x1)}" y="{_f(top)}" width="{_f(right - x1)}" '
        f'height="{_f(bottom - top)}" fill="#eef6f3"/>'
    )
    for g in range(1, 6):
        y = sy(g)
        out.append(
            f'<line x1="{_f(left)}" x2="{_f(right)}" y1="{_f(y)}" y2="{_f(y)}" stroke="{GRID}"/>'
        )
        out.append(
            _text(left - 6, y + size * 0.35, str(g), size=size - 1, anchor="end", fill=MUTED)
        )
    for t in xt:
        x = sx(t)
        out.append(
            f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(bottom)}" y2="{_f(bottom + 4)}" '
            f'stroke="{AXIS}"/>'
        )
        out.append(
            _text(x, bottom + size + 4, _ratio_text(t), size=size - 1, anchor="middle", fill=MUTED)
        )
    out.append(
        f'<line x1="{_f(x1)}" x2="{_f(x1)}" y1="{_f(top)}" y2="{_f(bottom)}" '
        f'stroke="{AXIS}" stroke-dasharray="4 3"/>'
    )
    cheaper = "co-production cheaper"
    cw = text_width(cheaper, size - 1)
    if x1 + 6 + cw <= right - 4:
        out.append(_text(x1 + 6, top + size + 2, cheaper, size=size - 1, fill="#2a6f5f"))
    dearer = "professional cheaper"
    dw = text_width(dearer, size - 1)
    if x1 - 6 - dw >= left + 4:
        out.append(_text(x1 - 6, top + size + 2, dearer, size=size - 1, anchor="end", fill=MUTED))
    out.append(
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(right - left)}" '
        f'height="{_f(bottom - top)}" fill="none" stroke="{AXIS}"/>'
    )
    placed: list[tuple[float, float, float, float]] = []
    order = sorted(range(len(pts)), key=lambda k: -pts[k][3])  # large circles underneath
    labels = []
    for k in order:
        label, ratio, grade, hours = pts[k]
        cx, cy = sx(ratio), sy(grade)
        r = 5.0 + (rmax - 5.0) * math.sqrt(max(hours, 0.0) / max_h)
        colour = colour_of[k]
        out.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="{colour}" '
            f'fill-opacity="0.55" stroke="{colour}"><title>{esc(label)}: '
            f"{esc(_ratio_text(ratio))}, evidence {grade:.1f}, "
            f"{esc(count(hours, 'hour'))}</title></circle>"
        )
        lines = wrap(label, 170, size)
        w = max(text_width(t, size) for t in lines)
        h = len(lines) * size * 1.25
        if cx + r + 4 + w <= right - 4:
            x, anchor, box_l = cx + r + 4, "start", cx + r + 4
        else:
            x, anchor, box_l = cx - r - 4, "end", cx - r - 4 - w
        box_l = max(box_l, left + 2)
        y = cy - h / 2 + size * 0.9
        y = min(max(y, top + size + 2), bottom - h + size * 0.9 - 2)
        tries = 0
        while (
            any(
                box_l < b_r and b_l < box_l + w and y - size < b_b and b_t < y - size + h
                for b_l, b_r, b_t, b_b in placed
            )
            and tries < 12
        ):
            y += size * 1.3 if y + h + size * 1.3 < bottom else -size * 1.3 * (tries + 1)
            y = min(max(y, top + size + 2), bottom - h + size * 0.9 - 2)
            tries += 1
        placed.append((box_l, box_l + w, y - size, y - size + h))
        labels.append(
            _lines(
                x if anchor == "start" else box_l + w, y, lines, size=size, anchor=anchor, fill=INK
            )
        )
    out.extend(labels)
    y = bottom + size + 8
    x_title = (
        "How many times as costly the professional route is, per unit of outcome, in "
        "full (residents' time counted): to the right of 1×, co-production is cheaper"
    )
    lines = wrap(x_title, width - 2 * pad, size)
    out.append(_lines(width / 2, y + size + 2, lines, size=size, anchor="middle", fill=MUTED))
    y += len(lines) * size * 1.25 + 4
    note = "Circle area: the residents' hours the co-produced pathway needs to reach the target."
    lines = wrap(note, width - 2 * pad, size - 1)
    out.append(_lines(pad, y + size + 4, lines, size=size - 1, fill=MUTED))
    y += len(lines) * size * 1.25 + 4
    return _svg(width, y + 10, "Where co-production pays: advantage against evidence", "".join(out))


def hours_chart(result) -> str:
    """The joint plan's allocation of each pool's hours: one bar per pool, a piece per
    service, the unused hours in grey."""
    p = result.plan
    if p.status != "optimal" or not p.pool_use:
        return ""
    services = list(result.portfolio.services)
    colours = {s: PALETTE[k % len(PALETTE)] for k, s in enumerate(services)}
    rows = []
    used_services = set()
    for key, use in p.pool_use.items():
        parts = []
        for s in services:
            h = use["by_service"].get(s, 0.0)
            if h > 0:
                used_services.add(s)
                parts.append((h, colours[s], f"{result.service_label(s)}: {count(h, 'hour')}"))
        spare = max(use["available"] - use["used"], 0.0)
        if spare > 1e-9 * max(1.0, use["available"]):
            parts.append((spare, UNUSED, f"not used: {count(spare, 'hour')}"))
        rows.append(
            stacked(
                result.pool_label(key),
                parts,
                f"{qty(use['used'])} of {count(use['available'], 'hour')} used",
            )
        )
    legend = [(result.service_label(s), colours[s], "box") for s in services if s in used_services]
    if any(
        use["available"] - use["used"] > 1e-9 * max(1.0, use["available"])
        for use in p.pool_use.values()
    ):
        legend.append(("not used", UNUSED, "box"))
    return hbars(
        rows,
        title="The joint plan's allocation of pooled hours",
        axis="Hours a period",
        fmt=qty,
        legend=legend,
    )


# ----- the page --------------------------------------------------------------------------------


def portfolio_report(result) -> str:
    """A self-contained HTML page for a portfolio analysis."""
    from ..portfolio.words import (
        KIND_SHORT,
        KIND_WORDS,
        TIER_WORDS,
        grade_words,
        plan_words,
        recommendation_words,
        sensitivity_words,
        stages_words,
        valuation_words,
        warning_words,
    )

    cur = result.currency
    sections: list[tuple[str, str]] = []
    parts = result.to_dict()["summary_parts"]
    warn = warning_words(result)
    if len(parts) > 1:
        sections.append(("In short", bullet_list(parts[1:])))
    sf = services_frame(result)
    shown = pd.DataFrame(
        [
            {
                "Service": r["label"],
                "Best co-produced": (
                    f"{r['coproduced_label']} ({KIND_SHORT[r['coproduced_kind']]})"
                    if r["coproduced_label"]
                    else "none"
                ),
                "Full cost a unit": r["coproduced_full_per_unit"],
                "Best professional": r["professional_label"] or "none",
                "Full cost a unit ": r["professional_full_per_unit"],
                "Saving in full": r["saving_full"],
                "Saving in public money": r["saving_public"],
                "Co-production cheaper": r["prob_coproduction_cheaper_full"],
                "Recommendation": TIER_WORDS[r["tier"]],
            }
            for _, r in sf.iterrows()
        ]
    )
    cash = {
        c: (lambda v: money(v, cur))
        for c in (
            "Full cost a unit",
            "Full cost a unit ",
            "Saving in full",
            "Saving in public money",
        )
    }
    cash.update({"Co-production cheaper": percent})
    chart = advantage_chart(result)
    body = (
        "<p>Each service's best co-produced pathway against its best professional one, "
        "to the same outcome target, with residents' and users' time counted in full cost "
        "at the valuation stated below. The chart places each service by how many times "
        "as costly the professional route is and by how strong the evidence for the "
        "co-produced one is; the larger the circle, the more residents' hours it needs."
        "</p>"
        + (figure(chart) if chart else "")
        + data_table(shown, cash)
        + csv_link(sf, "portfolio-services.csv")
    )
    sections.append(("Where co-production pays", body))
    sections.append(
        ("Where to co-produce first, and why", paragraphs(recommendation_words(result)))
    )
    p = result.plan
    pf_plan = plan_frame(result)
    if p.status == "optimal":
        per_service = ""
        for s_name in result.portfolio.services:
            rows = pf_plan[pf_plan["service"] == s_name]
            if not len(rows):
                continue
            shown_plan = pd.DataFrame(
                [
                    {
                        "Intervention": r["label"],
                        "Kind": KIND_SHORT[r["kind"]],
                        "Today": count(r["today"], r["unit"]),
                        "Planned": count(r["planned"], r["unit"]),
                        "Pooled hours": r["pooled_hours"] or None,
                        "Enabling money": r["enabling_spend"] or None,
                    }
                    for _, r in rows.iterrows()
                ]
            )
            per_service += data_table(
                shown_plan,
                {"Today": str, "Planned": str, "Enabling money": lambda v: money(v, cur)},
                caption=result.service_label(s_name),
            )
        lf = limits_frame(result)
        shown_lim = pd.DataFrame(
            [
                {
                    "Constraint": r["label"],
                    "Kind": {
                        "pool": "pooled hours",
                        "budget": "budget",
                        "target": "target (increase)",
                    }[r["kind"]],
                    "Limit ": (
                        money(r["available"], cur)
                        if r["kind"] == "budget"
                        else count(r["available"], "hour")
                        if r["kind"] == "pool"
                        else qty(r["available"])
                    ),
                    "Level": (
                        money(r["used"], cur)
                        if r["kind"] == "budget"
                        else count(r["used"], "hour")
                        if r["kind"] == "pool"
                        else qty(r["used"])
                    ),
                    "One more unit is worth": money(r["shadow_price"], cur),
                }
                for _, r in lf.iterrows()
            ]
        )
        note = (
            '<p class="note">One programme for every service (HiGHS): each service\'s '
            "planning programme as <i>plan</i> builds it, stacked, with a row for each pool "
            "and each budget. A pool's or budget's figure is what one more hour or pound "
            "saves; a target's, what one more unit costs. "
            + (
                "Set-up costs make it a mixed-integer programme: the figures are those of "
                "the linear programme with the choice of what runs held fixed."
                if p.mixed_integer
                else ""
            )
            + "</p>"
        )
        hc = hours_chart(result)
        body = (
            bullet_list(plan_words(result))
            + (figure(hc) if hc else "")
            + per_service
            + csv_link(pf_plan, "portfolio-plan.csv")
            + data_table(shown_lim, {"Limit ": str, "Level": str, "One more unit is worth": str})
            + note
            + csv_link(lf, "portfolio-limits.csv")
        )
    else:
        body = bullet_list(plan_words(result))
    sections.append(("The joint plan", body))
    kf = kinds_frame(result)
    if len(kf):
        shown_k = pd.DataFrame(
            [
                {
                    "Service": r["service_label"],
                    "When": "today" if r["when"] == "today" else "joint plan",
                    "Kind": KIND_SHORT[r["kind"]],
                    "Share of the outcome": r["effect_share"],
                    "Share of full cost": r["cost_share_full"],
                    "Share of public cost": r["cost_share_public"],
                    "Residents' hours": r["coproduction_hours"],
                }
                for _, r in kf.iterrows()
            ]
        )
        kinds_note = "; ".join(
            f"{KIND_SHORT[k]}: {v}" for k, v in KIND_WORDS.items() if k != "unstated"
        )
        stages = []
        for s, c in result.services.items():
            for pw in c.pathways:
                if pw["stages"]:
                    stages.append(
                        f"{pw['label']} ({result.service_label(s)}): {stages_words(pw['stages'])}"
                    )
        sections.append(
            (
                "Kinds of co-production",
                f"<p>Kinds: {esc(kinds_note)}. Shares of each service's compared "
                "outcome and of its cost, today and in the joint plan.</p>"
                + data_table(
                    shown_k,
                    {
                        "Share of the outcome": percent,
                        "Share of full cost": percent,
                        "Share of public cost": percent,
                    },
                )
                + (
                    ("<p>Stages of the service users take part in:</p>" + bullet_list(stages))
                    if stages
                    else ""
                )
                + csv_link(kf, "portfolio-kinds.csv"),
            )
        )
    ev_rows = []
    for s, c in result.services.items():
        unc = c.uncertainty or {}
        for side, iid in (
            ("co-produced", c.best_coproduced),
            ("professional", c.best_professional),
        ):
            pw = c.pathway(iid)
            if pw is None:
                continue
            from ..presentation.flags import flag_labels

            ev_rows.append(
                {
                    "Service": result.service_label(s),
                    "Pathway": f"{pw['label']} ({side})",
                    "Evidence": grade_words(pw["evidence"]["grade"]),
                    "Weakest route": (
                        f"grade {pw['evidence']['weakest']}"
                        if pw["evidence"]["weakest"] is not None
                        else "–"
                    ),
                    "Caveats": flag_labels(pw["flags"], pw["evidence"]["flag_shares"]) or "none",
                    "Perfect information worth": unc.get("evpi") if side == "co-produced" else None,
                }
            )
    if ev_rows:
        draws = next(
            (c.uncertainty["draws"] for c in result.services.values() if c.uncertainty), None
        )
        text = (
            "<p>Each pathway's routes count at their weakest link's grade, weighted by "
            "their share of its effect. The value of perfect information is what knowing "
            "the true effects and costs would be worth on the choice between the two "
            "pathways (net benefit at the model's value of the outcome, or, where it has "
            "none, at the dearer pathway's cost a unit)"
            + (f", from {qty(draws)} Monte Carlo draws" if draws else "")
            + ".</p>"
        )
        sections.append(
            (
                "The evidence and the value of information",
                text
                + data_table(
                    pd.DataFrame(ev_rows), {"Perfect information worth": lambda v: money(v, cur)}
                ),
            )
        )
    t_rows = []
    for s, c in result.services.items():
        co = c.pathway(c.best_coproduced)
        avail = c.time_needed.get("pool_available", {})
        t_rows.append(
            {
                "Service": result.service_label(s),
                "Residents' hours needed": co["coproduction_hours"] if co else None,
                "From pools": (
                    ", ".join(
                        f"{count(h, 'hour')} of {result.pool_label(k)} ({qty(avail[k])} available)"
                        if k in avail
                        else f"{count(h, 'hour')} of {result.pool_label(k)}"
                        for k, h in co["pool_hours"].items()
                    )
                    if co and co["pool_hours"]
                    else "none"
                ),
                "Co-production cheaper in full": valuation_words(c.cheaper_when_time_valued, cur)
                or "–",
            }
        )
    body = data_table(pd.DataFrame(t_rows), {"From pools": str})
    sens = sensitivity_words(result)
    if sens:
        body += bullet_list(sens)
        stf = sensitivity_frame(result)
        body += csv_link(stf, "portfolio-time-valuations.csv")
    sections.append(("Residents' time, and what it is worth", body))
    if warn:
        sections.append(("Check", bullet_list(warn)))
    sections.append(
        (
            "All pathways",
            data_table(
                pd.DataFrame(
                    [
                        {
                            "Service": result.service_label(r["service"]),
                            "Pathway": r["label"],
                            "Kind": KIND_SHORT[r["kind"]],
                            "Full cost a unit": r["full_per_unit"],
                            "Public cost a unit": r["public_per_unit"],
                            "Residents' hours": r["coproduction_hours"],
                            "Evidence": grade_words(r["grade"]),
                        }
                        for _, r in pathways_frame(result).iterrows()
                    ]
                ),
                {
                    "Full cost a unit": lambda v: money(v, cur),
                    "Public cost a unit": lambda v: money(v, cur),
                },
            )
            + csv_link(pathways_frame(result), "portfolio-pathways.csv"),
        )
    )
    aim = "least public cost" if result.objective == "public" else "least full cost"
    tv = next(iter(result.services.values())).time_value
    basis = (
        "residents' time as each model states it"
        if tv.get("per_hour") is None
        else f"residents' time at {money(tv['per_hour'], cur)} an hour ({tv['label']})"
    )
    subtitle = (
        f"{len(result.services)} services; joint plan at {aim}; {basis} — {cur}, "
        f"{result.price_year} prices, per period"
    )
    return render_page(
        f"Portfolio: {result.name}",
        sections,
        summary=parts[0] if parts else None,
        subtitle=subtitle,
    )


def write_xlsx(result, path: str | Path) -> Path:
    """The portfolio's tables as a workbook (values only, no formulas)."""
    from openpyxl import Workbook

    from .cba_xlsx import _sheet

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    summary = pd.DataFrame({"In short": result.to_dict()["summary_parts"]})
    _sheet(
        wb,
        "Summary",
        summary,
        [f"Portfolio: {result.name}", f"{result.currency}, {result.price_year} prices, a period"],
    )
    from ..portfolio.words import plan_words, recommendation_words, sensitivity_words

    _sheet(wb, "Recommendation", pd.DataFrame({"Recommendation": recommendation_words(result)}))
    _sheet(wb, "Services", services_frame(result))
    _sheet(wb, "Pathways", pathways_frame(result))
    _sheet(wb, "Joint plan", plan_frame(result), plan_words(result))
    _sheet(wb, "Limits", limits_frame(result))
    _sheet(wb, "Kinds", kinds_frame(result))
    _sheet(wb, "Time valuations", sensitivity_frame(result), sensitivity_words(result))
    from .model_files import text_only

    text_only(wb)  # text that looks like a formula stays text
    wb.save(path)
    return path
