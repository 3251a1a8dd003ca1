"""Cost accounting: who puts in what, at what cost.

The cost of intervention i at volume v > 0 is, for each resource r,
``(inputs[i, r] × v + fixed_inputs[i, r]) × unit_cost[r]``, attributed to r's sector (and, for
public resources, to r's paying agency). At v = 0 the cost is 0: fixed inputs are paid only
when the intervention runs. Full cost sums every sector; public cost sums the ``public`` sector;
the co-production share is the cost in sectors marked ``coproduction: true`` over full cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.compile import CompiledModel


def input_scale(
    cm: CompiledModel, volumes: np.ndarray, above: np.ndarray | None = None
) -> np.ndarray:
    """Per intervention, what the per-unit ``inputs`` are multiplied by at ``volumes``: the
    volume itself on a straight line, and on a cost curve ∫ m(x) dx from ``above`` (e.g. the
    baseline volume, for volume added to what runs today; default 0) to ``above + volume`` —
    economies of scale make added volume cheaper per unit, diseconomies dearer."""
    v = np.asarray(volumes, dtype=float)
    curves = cm.cost_curves
    if not curves or all(c is None for c in curves):
        return v.copy()
    a = np.zeros_like(v) if above is None else np.asarray(above, dtype=float)
    out = v.copy()
    for i, curve in enumerate(curves):
        if curve is None or v[i] == 0:
            continue
        ends, mults = curve
        starts = np.concatenate([[0.0], ends[:-1]])
        lo, hi = a[i], a[i] + v[i]
        out[i] = float(
            (np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0.0, None) * mults).sum()
        )
    return out


def resource_quantities(
    cm: CompiledModel, volumes: np.ndarray, above: np.ndarray | None = None
) -> np.ndarray:
    """Quantity of each resource used by each intervention at ``volumes`` (interventions ×
    resources, resource units): per-unit inputs along any cost curve (from ``above``, see
    :func:`input_scale`), plus fixed inputs whenever the volume is above 0."""
    v = np.asarray(volumes, dtype=float)
    scale = input_scale(cm, v, above)
    return cm.inputs * scale[:, None] + cm.fixed_inputs * (v > 0).astype(float)[:, None]


def resource_costs(
    cm: CompiledModel, volumes: np.ndarray, above: np.ndarray | None = None
) -> np.ndarray:
    """Cost of each resource used by each intervention at ``volumes``: (interventions ×
    resources), currency of the model's price year (see :func:`resource_quantities`)."""
    return resource_quantities(cm, volumes, above) * cm.unit_cost[None, :]


@dataclass(frozen=True)
class CostBreakdown:
    """Cost of one intervention (or a mix) by resource, sector and paying agency."""

    full: float
    public: float
    by_sector: dict[str, float]
    by_resource: dict[str, float]
    public_by_agency: dict[str, float]
    coproduction: float

    @property
    def coproduction_share(self) -> float:
        """Share of full cost given by sectors marked ``coproduction: true`` (0 when no cost)."""
        return self.coproduction / self.full if self.full > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "full": self.full,
            "public": self.public,
            "by_sector": self.by_sector,
            "by_resource": self.by_resource,
            "public_by_agency": self.public_by_agency,
        }


def breakdown(cm: CompiledModel, by_resource: np.ndarray) -> CostBreakdown:
    """Summarise a vector of cost per resource (resources,) by sector and agency."""
    by_resource = np.asarray(by_resource, dtype=float)
    by_sector = np.bincount(cm.resource_sector, weights=by_resource, minlength=len(cm.sector_ids))
    public_mask = cm.resource_sector == cm.public_sector
    agency_costs: dict[str, float] = {}
    for a, aid in enumerate(cm.agency_ids):
        agency_costs[aid] = float(by_resource[public_mask & (cm.resource_agency == a)].sum())
    unassigned = float(by_resource[public_mask & (cm.resource_agency < 0)].sum())
    if unassigned:
        agency_costs["unassigned"] = unassigned
    return CostBreakdown(
        full=float(by_resource.sum()),
        public=float(by_sector[cm.public_sector]),
        by_sector={sid: float(x) for sid, x in zip(cm.sector_ids, by_sector, strict=True)},
        by_resource={
            rid: float(x) for rid, x in zip(cm.resource_ids, by_resource, strict=True) if x != 0
        },
        public_by_agency=agency_costs,
        coproduction=float(by_sector[cm.coproduction_sector].sum()),
    )


def intervention_cost(cm: CompiledModel, intervention: int, volume: float) -> CostBreakdown:
    """Cost breakdown of one intervention run alone at ``volume``."""
    v = np.zeros(cm.n_interventions)
    v[intervention] = volume
    return breakdown(cm, resource_costs(cm, v)[intervention])
