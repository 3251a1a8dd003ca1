"""Charts of the economics behind a backwards map: how the ranking turns on the value of
users' and communities' time, and what each cost curve does to the cost of a unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.backwards import BackwardsMap
from ..engine.costs import input_scale
from ..formatting import money
from ..model.compile import CompiledModel
from ..model.time_value import bases
from .page import csv_link, esc, plotly_div

_LAYOUT = dict(template="plotly_white", height=420, margin=dict(l=10, r=10, t=30, b=10),
               font=dict(family="system-ui, sans-serif", size=13),
               legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))


def time_value_lines(result: BackwardsMap, cm: CompiledModel) -> pd.DataFrame:
    """Per pathway, full cost per outcome unit as ``fixed + hours × w`` for a value of ``w``
    an hour of users' and communities' time (currency per outcome unit; hours per unit)."""
    time_ids = {cm.resource_ids[r] for r in np.flatnonzero(cm.time_resource)}
    rows = []
    for p in result.pathways:
        time_cost = sum(c for r, c in p.cost.by_resource.items() if r in time_ids)
        rng = p.first_on_full_cost_when_time_valued
        rows.append({"pathway": p.label,
                     "fixed_per_unit": (p.cost.full - time_cost) / result.amount,
                     "hours_per_unit": p.time_hours / result.amount,
                     "first_from": None if rng is None else rng[0],
                     "first_to": None if rng is None else rng[1]})
    return pd.DataFrame(rows)


def time_value_section(result: BackwardsMap, cm: CompiledModel) -> str:
    """Full cost per outcome unit against the hourly value of time, one line per pathway, with
    the model's named valuations marked; and the data as CSV."""
    import plotly.graph_objects as go

    lines = time_value_lines(result, cm)
    if lines.empty or not (lines["hours_per_unit"] > 0).any():
        return "<p>No pathway uses users' or communities' hours, so the value put on them " \
               "does not change the ranking.</p>"
    cur = result.currency
    breaks = [x for x in lines["first_to"] if x is not None and np.isfinite(x)]
    named = {n: float(np.mean(b.per_hour)) if not isinstance(b.per_hour, (int, float))
             else float(b.per_hour) for n, b in bases(cm.model).items()}
    top = max([30.0, *(1.25 * b for b in breaks if b <= 100), *(1.1 * v for v in named.values())])
    w = np.linspace(0, top, 121)
    fig = go.Figure()
    costs = np.array([row.fixed_per_unit + row.hours_per_unit * w for row in lines.itertuples()])
    for row, y in zip(lines.itertuples(), costs, strict=True):
        fig.add_trace(go.Scatter(x=w, y=y, mode="lines", name=row.pathway,
                                 hovertemplate="%{x:,.2f} an hour: %{y:,.0f}<extra>"
                                 + row.pathway + "</extra>"))
    # the cheapest lines are the story: steep ones would flatten them, so they leave the frame
    ceiling = 2.5 * float(costs.min(axis=0).max())
    for k, (name, value) in enumerate(sorted(named.items(), key=lambda kv: kv[1])):
        label = bases(cm.model)[name].label or name.replace("_", " ")
        fig.add_trace(go.Scatter(x=[value, value], y=[0, ceiling], mode="lines",
                                 name=f"{label}: {money(value, cur)} an hour",
                                 line=dict(dash="dot", color=["#4b5563", "#6b7280",
                                                               "#9ca3af"][k % 3], width=1.5),
                                 hoverinfo="name"))
    fig.update_layout(**_LAYOUT, xaxis_title=f"Value of an hour of users' and communities' "
                      f"time ({cur})", yaxis_title=f"Full cost per {result.outcome_unit} ({cur})")
    fig.update_xaxes(tickprefix="£" if cur == "GBP" else "", automargin=True)
    fig.update_yaxes(tickprefix="£" if cur == "GBP" else "", tickformat=",.0f",
                     automargin=True, range=[0, ceiling])
    words = esc(result.time_value_words().strip())
    return (f"<p>{words}</p>" + plotly_div(fig)
            + csv_link(lines, "full-cost-by-value-of-time.csv"))


def cost_curve_section(cm: CompiledModel, currency: str) -> str:
    """For each intervention with a cost curve: marginal and average cost per unit against
    volume, with today's volume marked."""
    import plotly.graph_objects as go

    parts = []
    for i, curve in enumerate(cm.cost_curves):
        if curve is None:
            continue
        iid = cm.node_ids[i]
        itv = cm.model.interventions[iid]
        per_unit = float(cm.inputs[i] @ cm.unit_cost)
        fixed = float(cm.fixed_inputs[i] @ cm.unit_cost)
        ends, mults = curve
        finite = ends[np.isfinite(ends)]
        top = float(cm.capacity[i]) if np.isfinite(cm.capacity[i]) else \
            1.5 * max([*finite, cm.volume[i], 1.0])
        x = np.linspace(top / 400, top, 400)
        v = np.zeros(cm.n_interventions)
        scale = np.empty_like(x)
        for k, xv in enumerate(x):
            v[i] = xv
            scale[k] = input_scale(cm, v)[i]
        marginal = per_unit * mults[np.searchsorted(ends, x, side="left")]
        average = (per_unit * scale + fixed) / x
        fig = go.Figure()
        fig.add_trace(go.Scatter(x=x, y=marginal, mode="lines", name="Marginal cost of a unit",
                                 line_shape="hv"))
        fig.add_trace(go.Scatter(x=x, y=average, mode="lines", name="Average cost of a unit "
                                 "(fixed inputs included)"))
        if cm.volume[i] > 0:
            fig.add_vline(x=float(cm.volume[i]), line_dash="dot", line_color="#6b7884",
                          annotation_text="today", annotation_position="top")
        unit = itv.unit or "unit"
        fig.update_layout(**_LAYOUT, xaxis_title=f"Volume a period: {unit}",
                          yaxis_title=f"Cost of one unit ({currency})")
        fig.update_yaxes(tickprefix="£" if currency == "GBP" else "", tickformat=",.0f",
                         automargin=True, range=[0, 2.0 * float(marginal.max())])
        fig.update_xaxes(automargin=True, tickformat=",.0f")
        data = pd.DataFrame({"volume": x, "marginal_cost": marginal, "average_cost": average})
        bands = "; ".join(
            (f"up to {e:,.0f}" if np.isfinite(e) else "beyond") + f": × {m:g}"
            for e, m in zip(ends, mults, strict=True))
        parts.append(f"<h3>{esc(itv.label or iid)}</h3><p>Inputs per unit scaled by band "
                     f"({esc(bands)}). Volume added to today's is costed along the curve from "
                     "today's volume.</p>" + plotly_div(fig)
                     + csv_link(data, f"cost-curve-{iid}.csv"))
    return "".join(parts)
