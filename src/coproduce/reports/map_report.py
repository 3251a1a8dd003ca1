"""HTML reports for backwards mapping and for evaluating a programme."""

from __future__ import annotations

import json

import pandas as pd

from ..engine.backwards import BackwardsMap
from ..engine.evaluate import Evaluation
from ..formatting import count, money, money_words, percent, plural, quantity, rate
from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.schema import Model
from ..presentation.flags import FLAGS, flag_label, flag_sentence
from ..presentation.labels import Labels, lower_first
from ..presentation.words import unreachable_words
from .charts import figure, hbars, stacked
from .economics import cost_curve_section, time_value_section
from .page import csv_link, esc, render_page
from .strategy_map import Highlight, render_svg, sector_colour
from .tables import bullet_list, data_table, paragraphs


def _flags_html(flags, shares: dict[str, float] | None = None) -> str:
    """Flags as badges in the one vocabulary: the short label, the sentence on hover, warning
    flags marked."""
    shares = shares or {}
    return "".join(
        f'<span class="flag{" bad" if f in FLAGS and FLAGS[f].warning else ""}" '
        f'title="{esc(flag_sentence(f))}">'
        f"{esc(flag_label(f))}{f' ({percent(shares[f])})' if f in shares else ''}</span>"
        for f in flags
    )


# A city-wide map has thousands of pathways: the report shows the leading ones in full and
# every one in its CSV, so it stays small enough to open (docs/web.md, big maps).
SHOWN_PATHWAYS = 25
DETAILED_PATHWAYS = 10


def _more(n: int, what: str) -> str:
    """A note that ``n`` more ``what`` are in the CSV beside the table or chart."""
    return (
        (
            f'<p class="note">{esc(count(n, what))} more are in the CSV (download above or '
            "below), ranked the same way.</p>"
        )
        if n > 0
        else ""
    )


def cost_bars_svg(result: BackwardsMap, model: Model) -> str:
    """Horizontal stacked bars: cost per outcome unit by sector, one bar per pathway (the
    sector colours of the strategy map)."""
    colours = sector_colour(model.sectors)
    if not result.pathways:
        return "<p>No pathway reaches the target.</p>"
    cur = result.currency
    unit = result.outcome_unit
    rows = []
    for p in result.pathways[:SHOWN_PATHWAYS]:
        parts = [
            (
                c / result.amount,
                colours[sid],
                f"{model.sectors[sid].label}: {money(c / result.amount, cur)} per {unit}",
            )
            for sid, c in p.cost.by_sector.items()
            if c > 0
        ]
        rows.append(
            stacked(
                p.label,
                parts,
                f"{money(p.cost_per_outcome_full, cur)} "
                f"(public {money(p.cost_per_outcome_public, cur)})",
            )
        )
    legend = [
        (sec.label, colours[sid], "box")
        for sid, sec in model.sectors.items()
        if any(p.cost.by_sector.get(sid, 0) > 0 for p in result.pathways)
    ]
    return figure(
        hbars(
            rows,
            title=f"Full cost per {unit} by sector, each pathway",
            axis=f"Full cost per {unit} ({cur}, {result.price_year} prices)",
            fmt=lambda v: money(v, cur),
            legend=legend,
        )
    ) + _more(len(result.pathways) - SHOWN_PATHWAYS, "pathway")


def pathway_frame(result: BackwardsMap) -> pd.DataFrame:
    """The ranked pathway table as data (also the CSV behind the chart)."""
    rows = []
    for k, p in enumerate(result.pathways, start=1):
        row = {
            "rank": k,
            "intervention": p.intervention,
            "pathway": p.label,
            "volume": p.volume,
            "unit": p.unit,
            "total_effect": p.total_effect,
            "full_cost": p.cost.full,
            "public_cost": p.cost.public,
            "full_cost_per_outcome": p.cost_per_outcome_full,
            "public_cost_per_outcome": p.cost_per_outcome_public,
            "coproduction_share": p.coproduction_share,
            "coproduction_share_hours": p.coproduction_share_hours,
            "first_on_full_cost_from": (
                None
                if p.first_on_full_cost_when_time_valued is None
                else p.first_on_full_cost_when_time_valued[0]
            ),
            "first_on_full_cost_to": (
                None
                if p.first_on_full_cost_when_time_valued is None
                else p.first_on_full_cost_when_time_valued[1]
            ),
            "within_capacity": p.within_capacity,
            "flags": ";".join(p.flags),
        }
        for sid, c in p.cost.by_sector.items():
            row[f"cost_per_outcome_{sid}"] = c / result.amount
        rows.append(row)
    return pd.DataFrame(rows)


def _time_valuation_html(model: Model) -> str:
    rows = []
    cur = model.currency
    words = Labels(model)
    for rid, r in model.resources.items():
        if model.sectors[r.sector].coproduction and len(rows) < SHOWN_PATHWAYS:
            rows.append(
                {
                    "Resource": r.label or rid.replace("_", " "),
                    "Sector": model.sectors[r.sector].label,
                    "Value": f"{rate(mean_of(r.unit_cost), cur)} a {r.unit}",
                    "Source or method": words.in_words(r.source or "not stated"),
                }
            )
    if not rows:
        return ""
    from ..model.time_value import bases, basis_of

    basis = basis_of(model)
    named = ", ".join(
        f"{b.label or n.replace('_', ' ')} ({rate(mean_of(b.per_hour), cur)})"
        for n, b in bases(model).items()
    )
    chosen = (
        "as stated for each resource"
        if basis.per_hour is None
        else f"on one basis, {basis.label}, at {rate(basis.per_hour, cur)} an hour"
    )
    return (
        f"<p>The time and resources that service users and communities give are counted in "
        f"full cost, here {esc(chosen)}, at these values. It is a choice to see and to "
        f"test: <code>--time-value NAME</code> takes one of this model's valuations "
        f"({esc(named)}) and <code>--time-value-per-hour X</code> any amount.</p>"
        + data_table(rows, {"Value": str})
    )


def map_report(model: Model, result: BackwardsMap, compiled: CompiledModel | None = None) -> str:
    """A self-contained HTML report of a backwards mapping (``compiled``: the model already
    compiled for the analysis, so it is not compiled twice)."""
    cm = compiled if compiled is not None else compile_model(model)
    cur = result.currency
    best = result.pathways[0] if result.pathways else None
    hl = Highlight()
    if best is not None:
        nodes = {n for r in best.paths for n in r.nodes}
        links = {(a, b) for r in best.paths for a, b in zip(r.nodes[:-1], r.nodes[1:], strict=True)}
        hl = Highlight(frozenset(nodes), frozenset(links))
    svg = render_svg(cm, highlight=hl)
    routes_js = {p.intervention: [list(r.nodes) for r in p.paths] for p in result.pathways}

    labels = Labels(model)
    unit = result.outcome_unit
    table_rows = []
    for k, p in enumerate(result.pathways[:SHOWN_PATHWAYS], start=1):
        cap = "yes"
        if p.capacity is not None and p.volume > p.capacity * (1 + 1e-12):
            cap = f"no: capacity {quantity(p.capacity)}"
        if p.resources_short:
            from ..presentation.words import of_unit

            cap = ("no: " if cap == "yes" else cap + "; ") + "; ".join(
                f"{of_unit(v['needed'], labels.unit(r), labels(r))} needed, "
                f"{quantity(v['available'])} available"
                for r, v in p.resources_short.items()
            )
        table_rows.append(
            f'<tr class="pathway" data-intervention="{esc(p.intervention)}">'
            f'<td class="num">{k}</td><td><b>{esc(p.label)}</b></td>'
            f'<td class="num">{esc(count(p.volume, p.unit))}</td>'
            f'<td class="num">{esc(money(p.cost.full, cur))}</td>'
            f'<td class="num">{esc(money(p.cost.public, cur))}</td>'
            f'<td class="num"><b>{esc(money(p.cost_per_outcome_full, cur))}</b></td>'
            f'<td class="num">{esc(money(p.cost_per_outcome_public, cur))}</td>'
            f'<td class="num">{esc(percent(p.coproduction_share))}</td><td>{esc(cap)}</td>'
            f"<td>{_flags_html(p.flags, p.flag_shares)}</td></tr>"
        )
    table = (
        '<table class="data"><thead><tr><th scope="col">#</th><th scope="col">Pathway</th>'
        '<th scope="col">Volume needed (a period)</th><th scope="col">Full cost</th>'
        '<th scope="col">Public cost</th>'
        f'<th scope="col">Full cost per {esc(unit)}</th>'
        f'<th scope="col">Public cost per {esc(unit)}</th>'
        '<th scope="col">Co-production share</th><th scope="col">Within capacity</th>'
        '<th scope="col">Flags</th></tr></thead>'
        f"<tbody>{''.join(table_rows)}</tbody></table>"
        + _more(len(result.pathways) - SHOWN_PATHWAYS, "pathway")
        + '<p class="note">Choose a row (click it, or Tab to it and press Enter) to highlight its '
        "routes on the map above. Full cost counts every sector, including the time of users "
        "and communities; public cost counts the public sector only.</p>"
    )
    frame = pathway_frame(result)
    chart = cost_bars_svg(result, model) + csv_link(frame, "pathways.csv")

    details = []
    for p in result.pathways[:DETAILED_PATHWAYS]:
        routes = data_table(
            [
                {
                    "Route": " → ".join(labels(n) for n in r.nodes),
                    f"Effect ({plural(unit)} per {p.unit})": r.effect,
                    "Share": r.share,
                    "Flags": ", ".join(flag_label(f) for f in r.flags),
                }
                for r in p.paths
            ],
            {"Share": percent},
        )
        co = [
            {
                "Co-benefit (other outcome)": labels(o),
                "Level (a period)": count(v, labels.unit(o)),
                "Value": p.co_benefit_values.get(o),
            }
            for o, v in p.co_benefits.items()
        ]
        by_sector = ", ".join(
            f"{model.sectors[s].label} {money(c, cur)}" for s, c in p.cost.by_sector.items() if c
        )
        details.append(
            f"<h3>{esc(p.label)}</h3>"
            f"<p>At {esc(count(p.volume, p.unit))} a period, {esc(p.label)} reaches the target "
            f"on its own (each {esc(p.unit)} adds {esc(quantity(p.total_effect))} "
            f"{esc(unit if p.total_effect == 1 else plural(unit))}). Cost: "
            f"{esc(money(p.cost.full, cur))} in full, {esc(money(p.cost.public, cur))} public "
            f"({esc(by_sector)}).</p>"
            + bullet_list(list(p.notes))
            + routes
            + (
                data_table(co, {"Level (a period)": str, "Value": lambda v: money(v, cur)})
                if co
                else ""
            )
            + (
                f'<p class="note">{esc(count(p.co_benefits_omitted, "smaller co-benefit"))} '
                "not listed.</p>"
                if p.co_benefits_omitted
                else ""
            )
        )
    unreachable = paragraphs(unreachable_words(result))
    script = _highlight_script(routes_js)
    sections = [
        (
            "Strategy map",
            '<div class="map">' + svg + "</div>"
            '<p class="note">Nodes are filled with the sector mix of the inputs that reach them. '
            "Link width follows the size of the effect; dashed links rest on weak evidence, dotted "
            "ones on none graded; ! marks a contested link; hatched outcomes are complex (figures "
            "through them are indicative). Hover for details and sources. The leading pathway's "
            "routes are highlighted.</p>" + script,
        ),
        ("Ranked pathways", table),
        (f"Cost per {unit} by sector", chart),
        (
            "Pathways in detail",
            "".join(details) + _more(len(result.pathways) - DETAILED_PATHWAYS, "pathway"),
        ),
    ]
    summary = result.summary_parts()
    if len(summary) > 1:
        sections.insert(0, ("In short", bullet_list(summary[1:])))
    if result.enabling_shortfall:
        unreachable += paragraphs(
            [
                f"{labels(i)}: its enabling inputs fall short, so it keeps "
                f"{percent(s['multiplier'])} of its effect."
                for i, s in result.enabling_shortfall.items()
            ]
        )
    if unreachable:
        sections.append(("Interventions that do not help", unreachable))
    sections.append(("How the ranking turns on the value of time", time_value_section(result, cm)))
    curves = cost_curve_section(cm, cur)
    if curves:
        sections.append(("Economies and diseconomies of scale", curves))
    valuation = _time_valuation_html(model)
    method = (
        f"<p>Each pathway is one intervention scaled on its own to reach "
        f"{esc(quantity(result.amount))} more {esc(plural(unit))}: volume = target ÷ total "
        "effect, where the total effect sums the effect of every route (the product of "
        "effects along it). Costs are inputs × volume plus fixed inputs, at unit costs "
        f"in {esc(cur)} at {result.price_year} prices, per period. See docs/method.md.</p>"
        + valuation
    )
    sections.append(("How to read these figures", method))
    scen = ", ".join(labels(sc) for sc in result.scenarios)
    subtitle = (
        f"Backwards mapping to {quantity(result.amount)} more "
        f"{lower_first(result.outcome_label)} · {cur}, {result.price_year} prices"
        + (f" · scenarios: {scen}" if scen else "")
    )
    return render_page(model.name, sections, summary=summary[0], subtitle=subtitle)


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
        "})();</script>"
    )


def evaluation_report(model: Model, ev: Evaluation, compiled: CompiledModel | None = None) -> str:
    """A self-contained HTML report of a programme at given volumes."""
    cm = compiled if compiled is not None else compile_model(model)
    cur = ev.currency
    labels = Labels(model)
    costs_data = pd.DataFrame(
        [
            {
                "intervention": model.label_of(i),
                "volume": ev.volumes[i],
                "full cost": c.full,
                "public cost": c.public,
                "co-production share": c.coproduction_share,
            }
            for i, c in ev.intervention_costs.items()
        ]
    )
    outs_data = pd.DataFrame(
        [
            {
                "outcome": o.label + (" (complex: indicative)" if o.complex else ""),
                "level": o.level,
                "unit": o.unit,
                f"value ({cur})": o.value_total,
            }
            for o in ev.outcomes.values()
        ]
    )
    wp_data = pd.DataFrame(
        [
            {"agency": labels(a), "public cost paid": r["pays"], "fiscal value gained": r["gains"]}
            for a, r in ev.who_pays_who_gains().items()
        ]
    )
    costs = pd.DataFrame(
        [
            {
                "Intervention": labels(i),
                "Volume (a period)": count(ev.volumes[i], model.interventions[i].unit or "unit"),
                "Full cost": c.full,
                "Public cost": c.public,
                "Co-production share": c.coproduction_share,
            }
            for i, c in ev.intervention_costs.items()
        ]
    )
    outs = pd.DataFrame(
        [
            {
                "Outcome": o.label + (" (complex: indicative)" if o.complex else ""),
                "Level (a period)": count(o.level, o.unit),
                "Value": o.value_total,
            }
            for o in ev.outcomes.values()
        ]
    )
    wp = pd.DataFrame(
        [
            {"Agency": labels(a), "Public cost paid": r["pays"], "Fiscal value gained": r["gains"]}
            for a, r in ev.who_pays_who_gains().items()
        ]
    )
    cash = {
        "Full cost": lambda v: money(v, cur),
        "Public cost": lambda v: money(v, cur),
        "Value": lambda v: money(v, cur) if v else "",
        "Public cost paid": lambda v: money(v, cur),
        "Fiscal value gained": lambda v: money(v, cur),
        "Co-production share": percent,
        "Volume (a period)": str,
        "Level (a period)": str,
    }
    summary = (
        f"At these volumes the programme costs {money_words(ev.cost.full, cur)} a "
        f"period in full, of which {money_words(ev.cost.public, cur)} is public money "
        f"and {percent(ev.cost.coproduction_share)} is given by users and communities; "
        f"the outcomes it produces are valued at {money_words(ev.value['total'], cur)}."
    )
    from ..engine.evaluate import caveat_words

    words = caveat_words(ev.caveats.to_dict(), model)
    if not ev.caveats.fits:
        summary += " These volumes cannot be delivered as they stand (see the caveats)."
    caveats = (
        bullet_list(words)
        if words
        else "<p>None: every figure rests on graded, uncontested evidence and the "
        "volumes fit capacity and what is available.</p>"
    )
    sections = [
        ("Caveats", caveats),
        ("Strategy map", '<div class="map">' + render_svg(cm) + "</div>"),
        ("Cost by intervention", data_table(costs, cash) + csv_link(costs_data, "costs.csv")),
        ("Outcomes", data_table(outs, cash) + csv_link(outs_data, "outcomes.csv")),
        ("Who pays, who gains", data_table(wp, cash) + csv_link(wp_data, "who-pays-who-gains.csv")),
        (
            "How users' and communities' time is valued",
            _time_valuation_html(model)
            or "<p>No resource in this model comes from users or communities.</p>",
        ),
    ]
    return render_page(
        model.name,
        sections,
        summary=summary,
        subtitle=f"Evaluation · {cur}, {ev.price_year} prices",
    )
