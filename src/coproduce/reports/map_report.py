"""HTML reports for backwards mapping and for evaluating a programme."""

from __future__ import annotations

import json

import pandas as pd

from ..engine.backwards import FLAG_TEXT, BackwardsMap
from ..engine.evaluate import Evaluation
from ..formatting import money, quantity
from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.schema import Model
from .economics import cost_curve_section, time_value_section
from .page import csv_link, esc, render_page, table_html
from .strategy_map import Highlight, render_svg, sector_colour

_FLAG_SHORT = {
    "contested": "contested link",
    "weak_evidence": "weak evidence",
    "ungraded_evidence": "ungraded evidence",
    "complex": "complex: indicative",
    "no_public_input": "no public enabling input",
    "enabling_shortfall": "enabling input cut",
    "over_capacity": "over capacity",
    "over_available": "resource short",
}


def _flags_html(flags, shares: dict[str, float] | None = None) -> str:
    shares = shares or {}
    bad = ("over_capacity", "no_public_input", "over_available", "enabling_shortfall")
    return "".join(
        f'<span class="flag{" bad" if f in bad else ""}" title="{esc(FLAG_TEXT[f])}">'
        f'{esc(_FLAG_SHORT[f])}{f" ({shares[f]:.0%})" if f in shares else ""}</span>'
        for f in flags)


def cost_bars_svg(result: BackwardsMap, model: Model) -> str:
    """Horizontal stacked bars: cost per outcome unit by sector, one bar per pathway."""
    colours = sector_colour(model.sectors)
    rows = result.pathways
    if not rows:
        return "<p>No pathway reaches the target.</p>"
    label_w, bar_w, row_h = 260, 620, 30
    amount = result.amount
    top = max(p.cost_per_outcome_full for p in rows) or 1.0
    height = 40 + row_h * len(rows) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 140}" '
           f'height="{height}" font-family="system-ui, sans-serif" role="img" '
           f'aria-label="Cost per outcome by sector">']
    for k, p in enumerate(rows):
        y = 30 + k * row_h
        out.append(f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
                   f'fill="#1f2a36">{esc(p.label)}</text>')
        x = float(label_w)
        for sid, cost in p.cost.by_sector.items():
            if cost <= 0:
                continue
            w = bar_w * (cost / amount) / top
            out.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
                       f'fill="{colours[sid]}"><title>{esc(model.sectors[sid].label)}: '
                       f'{esc(money(cost / amount, result.currency))} per '
                       f'{esc(result.outcome_unit)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 18}" font-size="12" fill="#33414e">'
                   f'{esc(money(p.cost_per_outcome_full, result.currency))}'
                   f' (public {esc(money(p.cost_per_outcome_public, result.currency))})</text>')
    ly = height - 14
    lx = label_w
    for sid, sec in model.sectors.items():
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{colours[sid]}"/>'
                   f'<text x="{lx + 16}" y="{ly}" font-size="12">{esc(sec.label)}</text>')
        lx += 30 + 7 * len(sec.label)
    out.append("</svg>")
    return "".join(out)


def pathway_frame(result: BackwardsMap) -> pd.DataFrame:
    """The ranked pathway table as data (also the CSV behind the chart)."""
    rows = []
    for k, p in enumerate(result.pathways, start=1):
        row = {"rank": k, "intervention": p.intervention, "pathway": p.label,
               "volume": p.volume, "unit": p.unit, "total_effect": p.total_effect,
               "full_cost": p.cost.full, "public_cost": p.cost.public,
               "full_cost_per_outcome": p.cost_per_outcome_full,
               "public_cost_per_outcome": p.cost_per_outcome_public,
               "coproduction_share": p.coproduction_share,
               "coproduction_share_hours": p.coproduction_share_hours,
               "first_on_full_cost_from": (None if p.first_on_full_cost_when_time_valued is None
                                           else p.first_on_full_cost_when_time_valued[0]),
               "first_on_full_cost_to": (None if p.first_on_full_cost_when_time_valued is None
                                         else p.first_on_full_cost_when_time_valued[1]),
               "within_capacity": p.within_capacity, "flags": ";".join(p.flags)}
        for sid, c in p.cost.by_sector.items():
            row[f"cost_per_outcome_{sid}"] = c / result.amount
        rows.append(row)
    return pd.DataFrame(rows)


def _time_valuation_html(model: Model) -> str:
    rows = []
    for rid, r in model.resources.items():
        if model.sectors[r.sector].coproduction:
            rows.append({"resource": r.label or rid, "sector": model.sectors[r.sector].label,
                         "unit": r.unit, f"value per unit ({model.currency})":
                         mean_of(r.unit_cost), "source or method": r.source or "not stated"})
    if not rows:
        return ""
    from ..model.time_value import bases, basis_of

    basis = basis_of(model)
    named = ", ".join(f"{b.label or n} ({money(mean_of(b.per_hour), model.currency)})"
                      for n, b in bases(model).items())
    chosen = ("as stated for each resource" if basis.per_hour is None else
              f"on one basis, {basis.label}, at {money(basis.per_hour, model.currency)} an hour")
    return (f"<p>The time and resources that service users and communities give are counted in "
            f"full cost, here {esc(chosen)}, at these values. It is a choice to see and to "
            f"test: <code>--time-value NAME</code> takes one of this model's valuations "
            f"({esc(named)}) and <code>--time-value-per-hour X</code> any amount.</p>"
            + table_html(pd.DataFrame(rows)))


def map_report(model: Model, result: BackwardsMap,
               compiled: CompiledModel | None = None) -> str:
    """A self-contained HTML report of a backwards mapping (``compiled``: the model already
    compiled for the analysis, so it is not compiled twice)."""
    cm = compiled if compiled is not None else compile_model(model)
    cur = result.currency
    best = result.pathways[0] if result.pathways else None
    hl = Highlight()
    if best is not None:
        nodes = {n for r in best.paths for n in r.nodes}
        links = {(a, b) for r in best.paths for a, b in zip(r.nodes[:-1], r.nodes[1:],
                                                             strict=True)}
        hl = Highlight(frozenset(nodes), frozenset(links))
    svg = render_svg(cm, highlight=hl)
    routes_js = {p.intervention: [list(r.nodes) for r in p.paths] for p in result.pathways}

    table_rows = []
    for k, p in enumerate(result.pathways, start=1):
        cap = "yes"
        if p.capacity is not None and p.volume > p.capacity * (1 + 1e-12):
            cap = f"no: capacity {quantity(p.capacity)}"
        if p.resources_short:
            cap = ("no: " if cap == "yes" else cap + "; ") + ", ".join(
                f"{result.labels.get(r, r)} {quantity(v['needed'])} needed, "
                f"{quantity(v['available'])} available" for r, v in p.resources_short.items())
        table_rows.append(
            f'<tr class="pathway" data-intervention="{esc(p.intervention)}">'
            f'<td class="num">{k}</td><td><b>{esc(p.label)}</b></td>'
            f'<td class="num">{esc(quantity(p.volume))}<br><span class="muted">{esc(p.unit)}</span>'
            "</td>"
            f'<td class="num">{esc(money(p.cost.full, cur))}</td>'
            f'<td class="num">{esc(money(p.cost.public, cur))}</td>'
            f'<td class="num"><b>{esc(money(p.cost_per_outcome_full, cur))}</b></td>'
            f'<td class="num">{esc(money(p.cost_per_outcome_public, cur))}</td>'
            f'<td class="num">{p.coproduction_share:.0%}</td><td>{esc(cap)}</td>'
            f"<td>{_flags_html(p.flags, p.flag_shares)}</td></tr>")
    unit = esc(result.outcome_unit)
    table = (
        '<table class="data"><thead><tr><th>#</th><th>Pathway</th>'
        "<th>Volume needed</th><th>Full cost</th><th>Public cost</th>"
        f"<th>Full cost per {unit}</th><th>Public cost per {unit}</th>"
        "<th>Co-production share</th><th>Within capacity</th><th>Flags</th></tr></thead>"
        f"<tbody>{''.join(table_rows)}</tbody></table>"
        '<p class="note">Click a row to highlight its routes on the map above. Full cost counts '
        "every sector, including the time of users and communities; public cost counts the "
        "public sector only.</p>")
    frame = pathway_frame(result)
    chart = cost_bars_svg(result, model) + "<br>" + csv_link(frame, "pathways.csv")

    details = []
    for p in result.pathways:
        routes = "".join(
            f"<tr><td>{esc(' → '.join(result.labels.get(n, n) for n in r.nodes))}</td>"
            f'<td class="num">{r.effect:.4g}</td><td class="num">{r.share:.0%}</td>'
            f"<td>{_flags_html(r.flags)}</td></tr>" for r in p.paths)
        co = "".join(
            f"<tr><td>{esc(result.labels.get(o, o))}</td><td class='num'>{esc(quantity(v))}</td>"
            f"<td class='num'>{esc(money(p.co_benefit_values[o], cur)) if o in p.co_benefit_values else ''}</td></tr>"  # noqa: E501
            for o, v in p.co_benefits.items())
        notes = "".join(f"<li>{esc(n)}</li>" for n in p.notes)
        details.append(
            f"<h3>{esc(p.label)}</h3>"
            f"<p>{esc(quantity(p.volume))} × {esc(p.unit)} a period reach the target "
            f"(total effect {p.total_effect:.4g} {unit} per {esc(p.unit)}). Cost: "
            f"{esc(money(p.cost.full, cur))} in full, {esc(money(p.cost.public, cur))} public "
            f"({', '.join(f'{esc(model.sectors[s].label)} {esc(money(c, cur))}' for s, c in p.cost.by_sector.items() if c)}).</p>"  # noqa: E501
            + (f"<ul>{notes}</ul>" if notes else "")
            + '<table class="data"><thead><tr><th>Route</th><th>Effect</th><th>Share</th>'
            f"<th>Flags</th></tr></thead><tbody>{routes}</tbody></table>"
            + ('<table class="data"><thead><tr><th>Co-benefit (other outcome)</th>'
               f"<th>Level</th><th>Value ({esc(cur)})</th></tr></thead><tbody>{co}</tbody>"
               "</table>" if co else "")
            + (f'<p class="note">{p.co_benefits_omitted} smaller co-benefits not listed.</p>'
               if p.co_benefits_omitted else ""))
    unreachable = ""
    if result.unreachable:
        unreachable += ("<p>These interventions have no route to the target: "
                        + esc(", ".join(result.labels.get(i, i) for i in result.unreachable))
                        + ".</p>")
    if result.no_net_gain:
        unreachable += ("<p>These reach it, but their routes cancel or do harm, so more of "
                        "them does not help: " + esc(", ".join(
                            f"{result.labels.get(i, i)} (total effect {t:.3g})"
                            for i, t in result.no_net_gain.items())) + ".</p>")
    script = _highlight_script(routes_js)
    sections = [
        ("Strategy map", '<div class="map">' + svg + "</div>"
         '<p class="note">Nodes are filled with the sector mix of the inputs that reach them. '
         "Link width follows the size of the effect; dashed links rest on weak evidence, dotted "
         "ones on none graded; ! marks a contested link; hatched outcomes are complex (figures "
         "through them are indicative). Hover for details and sources. The leading pathway's "
         "routes are highlighted.</p>" + script),
        ("Ranked pathways", table),
        (f"Cost per {result.outcome_unit} by sector", chart),
        ("Pathways in detail", "".join(details)),
    ]
    if result.enabling_shortfall:
        unreachable += "<p>" + esc(" ".join(
            f"{result.labels.get(i, i)}: its enabling inputs fall short, so it keeps "
            f"{s['multiplier']:.0%} of its effect." for i, s in result.enabling_shortfall.items()
        )) + "</p>"
    if unreachable:
        sections.append(("Interventions that do not help", unreachable))
    sections.append(("How the ranking turns on the value of time",
                     time_value_section(result, cm)))
    curves = cost_curve_section(cm, cur)
    if curves:
        sections.append(("Economies and diseconomies of scale", curves))
    valuation = _time_valuation_html(model)
    method = (f"<p>Each pathway is one intervention scaled on its own to reach "
              f"{esc(quantity(result.amount))} more {unit}: volume = target ÷ total effect, where "
              "the total effect sums the effect of every route (the product of effects along "
              "it). Costs are inputs × volume plus fixed inputs, at unit costs in "
              f"{esc(cur)} at {result.price_year} prices, per period. See docs/method.md.</p>"
              + valuation)
    sections.append(("How to read these figures", method))
    subtitle = (f"Backwards mapping to {quantity(result.amount)} more "
                f"{result.outcome_label.lower()} · {cur}, {result.price_year} prices"
                + (f" · scenarios: {', '.join(result.scenarios)}" if result.scenarios else ""))
    return render_page(model.name, sections, summary=result.summary(), subtitle=subtitle,
                       with_plotly=True)


def _highlight_script(routes: dict[str, list[list[str]]]) -> str:
    data = json.dumps(routes).replace("</", "<\\/")
    return (
        "<script>(function(){var routes=" + data + ";"
        "function show(iid){var links={},nodes={};(routes[iid]||[]).forEach(function(r){"
        "for(var i=0;i<r.length;i++){nodes[r[i]]=1;if(i)links[r[i-1]+'>'+r[i]]=1;}});"
        "document.querySelectorAll('svg.strategy-map g.link').forEach(function(g){"
        "var on=links[g.dataset.from+'>'+g.dataset.to];g.querySelectorAll('path').forEach("
        "function(p){p.setAttribute('stroke',on?'#d4440f':(p.dataset.base||p.getAttribute("
        "'stroke')));if(!p.dataset.base)p.dataset.base=p.getAttribute('stroke');});});"
        "document.querySelectorAll('svg.strategy-map g.node rect:first-of-type').forEach("
        "function(r){var on=nodes[r.parentNode.dataset.id];r.setAttribute('stroke',on?"
        "'#d4440f':'#6b7884');r.setAttribute('stroke-width',on?2.6:1);});"
        "document.querySelectorAll('tr.pathway').forEach(function(tr){tr.style.background="
        "tr.dataset.intervention===iid?'#fff4d6':'';});}"
        "document.querySelectorAll('tr.pathway').forEach(function(tr){tr.style.cursor="
        "'pointer';tr.addEventListener('click',function(){show(tr.dataset.intervention);});});"
        "})();</script>")


def evaluation_report(model: Model, ev: Evaluation,
                      compiled: CompiledModel | None = None) -> str:
    """A self-contained HTML report of a programme at given volumes."""
    cm = compiled if compiled is not None else compile_model(model)
    cur = ev.currency
    costs = pd.DataFrame([
        {"intervention": model.label_of(i), "volume": ev.volumes[i], "full cost": c.full,
         "public cost": c.public, "co-production share": f"{c.coproduction_share:.0%}"}
        for i, c in ev.intervention_costs.items()])
    outs = pd.DataFrame([
        {"outcome": o.label + (" (complex: indicative)" if o.complex else ""), "level": o.level,
         "unit": o.unit, f"value ({cur})": o.value_total} for o in ev.outcomes.values()])
    wp = pd.DataFrame([
        {"agency": model.agencies[a].label if a in model.agencies else a,
         "public cost paid": r["pays"], "fiscal value gained": r["gains"]}
        for a, r in ev.who_pays_who_gains().items()])
    summary = (f"At these volumes the programme costs {money(ev.cost.full, cur)} a period in "
               f"full, of which {money(ev.cost.public, cur)} is public money and "
               f"{ev.cost.coproduction_share:.0%} is given by users and communities; the "
               f"outcomes it produces are valued at {money(ev.value['total'], cur)}.")
    from ..engine.evaluate import caveat_words

    words = caveat_words(ev.caveats.to_dict(), model)
    if not ev.caveats.fits:
        summary += " These volumes cannot be delivered as they stand (see the caveats)."
    caveats = ("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in words) + "</ul>" if words
               else "<p>None: every figure rests on graded, uncontested evidence and the "
                    "volumes fit capacity and what is available.</p>")
    sections = [
        ("Caveats", caveats),
        ("Strategy map", '<div class="map">' + render_svg(cm) + "</div>"),
        ("Cost by intervention", table_html(costs) + csv_link(costs, "costs.csv")),
        ("Outcomes", table_html(outs) + csv_link(outs, "outcomes.csv")),
        ("Who pays, who gains", table_html(wp) + csv_link(wp, "who-pays-who-gains.csv")),
        ("How users' and communities' time is valued", _time_valuation_html(model) or
         "<p>No resource in this model comes from users or communities.</p>"),
    ]
    return render_page(model.name, sections, summary=summary,
                       subtitle=f"Evaluation · {cur}, {ev.price_year} prices")
