"""Charts of the economics behind a backwards map: how the ranking turns on the value of
users' and communities' time, and what each cost curve does to the cost of a unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.backwards import BackwardsMap
from ..engine.costs import input_scale
from ..formatting import money, plural, quantity, rate
from ..model.compile import CompiledModel
from ..model.distributions import mean_of
from ..model.time_value import bases
from ..presentation.words import capital
from .charts import PALETTE, Marker, Series, figure, line_chart
from .page import csv_link, esc


def time_value_lines(result: BackwardsMap, cm: CompiledModel) -> pd.DataFrame:
    """Per pathway, full cost per outcome unit as ``fixed + hours × w`` for a value of ``w``
    an hour of users' and communities' time (currency per outcome unit; hours per unit)."""
    time_ids = {cm.resource_ids[r] for r in np.flatnonzero(cm.time_resource)}
    rows = []
    for p in result.pathways:
        time_cost = sum(c for r, c in p.cost.by_resource.items() if r in time_ids)
        rng = p.first_on_full_cost_when_time_valued
        rows.append(
            {
                "pathway": p.label,
                "fixed_per_unit": (p.cost.full - time_cost) / result.amount,
                "hours_per_unit": p.time_hours / result.amount,
                "first_from": None if rng is None else rng[0],
                "first_to": None if rng is None else rng[1],
            }
        )
    return pd.DataFrame(rows)


def time_value_section(result: BackwardsMap, cm: CompiledModel) -> str:
    """Full cost per outcome unit against the hourly value of time, one line per pathway, with
    the model's named valuations marked; and the data as CSV."""
    lines = time_value_lines(result, cm)
    if lines.empty or not (lines["hours_per_unit"] > 0).any():
        return (
            "<p>No pathway uses users' or communities' hours, so the value put on them "
            "does not change the ranking.</p>"
        )
    cur = result.currency
    unit = result.outcome_unit
    breaks = [x for x in lines["first_to"] if x is not None and np.isfinite(x)]
    named = {n: float(mean_of(b.per_hour)) for n, b in bases(cm.model).items()}
    top = max([30.0, *(1.25 * b for b in breaks if b <= 100), *(1.1 * v for v in named.values())])
    w = np.linspace(0, top, 121)
    # the pathways that are ever cheapest, and the cheapest others, as lines (the CSV has all)
    keep = lines["first_from"].notna() | (lines.index < 8)
    lines_drawn = lines[keep]
    costs = np.array(
        [row.fixed_per_unit + row.hours_per_unit * w for row in lines_drawn.itertuples()]
    )
    # the cheapest lines are the story: steep ones would flatten them, so they leave the frame
    ceiling = 2.5 * float(costs.min(axis=0).max())
    series = [
        Series(row.pathway, w.tolist(), y.tolist(), PALETTE[k % len(PALETTE)])
        for k, (row, y) in enumerate(zip(lines_drawn.itertuples(), costs, strict=True))
    ]
    markers = [
        Marker(
            value, f"{bases(cm.model)[name].label or name.replace('_', ' ')}: {rate(value, cur)}"
        )
        for name, value in sorted(named.items(), key=lambda kv: kv[1])
    ]
    chart = line_chart(
        series,
        title=f"Full cost per {unit} against the value of an hour of time",
        x_title=f"Value of an hour of users' and communities' time ({cur})",
        y_title=f"Full cost per {unit} ({cur})",
        x_fmt=lambda v: money(v, cur),
        y_fmt=lambda v: money(v, cur),
        x_range=(0.0, top),
        y_range=(0.0, ceiling),
        markers=markers,
    )
    words = esc(result.time_value_words().strip())
    return f"<p>{words}</p>" + figure(chart) + csv_link(lines, "full-cost-by-value-of-time.csv")


def cost_curve_section(cm: CompiledModel, currency: str) -> str:
    """For each intervention with a cost curve: marginal and average cost per unit against
    volume, with today's volume marked."""
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
        top = (
            float(cm.capacity[i])
            if np.isfinite(cm.capacity[i])
            else 1.5 * max([*finite, cm.volume[i], 1.0])
        )
        x = np.linspace(top / 400, top, 400)
        v = np.zeros(cm.n_interventions)
        scale = np.empty_like(x)
        for k, xv in enumerate(x):
            v[i] = xv
            scale[k] = input_scale(cm, v)[i]
        marginal = per_unit * mults[np.searchsorted(ends, x, side="left")]
        average = (per_unit * scale + fixed) / x
        unit = itv.unit or "unit"
        markers = [Marker(float(cm.volume[i]), "today")] if cm.volume[i] > 0 else []
        chart = line_chart(
            [
                Series(
                    "Marginal cost of a unit", x.tolist(), marginal.tolist(), PALETTE[0], step=True
                ),
                Series(
                    "Average cost of a unit (fixed inputs included)",
                    x.tolist(),
                    average.tolist(),
                    PALETTE[1],
                ),
            ],
            title=f"Cost of one {unit} of {itv.label or iid}",
            x_title=f"{capital(plural(unit))} a period",
            y_title=f"Cost of one {unit} ({currency})",
            x_fmt=quantity,
            y_fmt=lambda y: money(y, currency),
            y_range=(0.0, 2.0 * float(marginal.max())),
            markers=markers,
        )
        data = pd.DataFrame({"volume": x, "marginal_cost": marginal, "average_cost": average})
        bands = "; ".join(
            (f"up to {quantity(e)}" if np.isfinite(e) else "beyond") + f": × {quantity(m)}"
            for e, m in zip(ends, mults, strict=True)
        )
        parts.append(
            f"<h3>{esc(itv.label or iid)}</h3><p>Inputs per unit scaled by band "
            f"({esc(bands)}). Volume added to today's is costed along the curve from "
            "today's volume.</p>" + figure(chart) + csv_link(data, f"cost-curve-{iid}.csv")
        )
    return "".join(parts)
