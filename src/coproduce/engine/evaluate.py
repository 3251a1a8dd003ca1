"""Evaluating a programme as it stands (or at chosen volumes): outcome levels, what each
intervention costs and who pays, what the outcomes are worth and who gains."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.schema import Model
from .costs import CostBreakdown, breakdown, resource_costs, resource_quantities
from .effects import node_levels


@dataclass(frozen=True)
class OutcomeLevel:
    outcome: str
    label: str
    unit: str
    level: float
    value_fiscal: dict[str, float]
    value_economic: float
    value_social: float
    final: bool
    complex: bool

    @property
    def value_total(self) -> float:
        return sum(self.value_fiscal.values()) + self.value_economic + self.value_social

    def to_dict(self) -> dict:
        return {"label": self.label, "unit": self.unit, "level": self.level,
                "value": {"fiscal": self.value_fiscal, "economic": self.value_economic,
                          "social": self.value_social, "total": self.value_total},
                "final": self.final, "complex": self.complex}


@dataclass(frozen=True)
class Evaluation:
    """A programme at given intervention volumes. Money in ``currency`` at ``price_year``
    prices, per period; outcome levels in each outcome's unit per period."""

    model_name: str
    currency: str
    price_year: int
    scenarios: tuple[str, ...]
    volumes: dict[str, float]
    intervention_costs: dict[str, CostBreakdown]
    cost: CostBreakdown
    outcomes: dict[str, OutcomeLevel]
    resource_use: dict[str, float]
    resource_available: dict[str, float]

    @property
    def value(self) -> dict:
        fiscal: dict[str, float] = {}
        for o in self.outcomes.values():
            for a, x in o.value_fiscal.items():
                fiscal[a] = fiscal.get(a, 0.0) + x
        economic = sum(o.value_economic for o in self.outcomes.values())
        social = sum(o.value_social for o in self.outcomes.values())
        return {"fiscal": fiscal, "economic": economic, "social": social,
                "total": sum(fiscal.values()) + economic + social}

    def who_pays_who_gains(self) -> dict[str, dict[str, float]]:
        """Public cost by paying agency against fiscal value by gaining agency."""
        agencies = list(dict.fromkeys(list(self.cost.public_by_agency)
                                      + list(self.value["fiscal"])))
        return {a: {"pays": self.cost.public_by_agency.get(a, 0.0),
                    "gains": self.value["fiscal"].get(a, 0.0)} for a in agencies}

    def to_dict(self) -> dict:
        """What ``coproduce evaluate --json`` prints."""
        return {
            "model": self.model_name,
            "currency": self.currency,
            "price_year": self.price_year,
            "scenarios": list(self.scenarios),
            "volumes": self.volumes,
            "cost": {**self.cost.to_dict(),
                     "coproduction_share": self.cost.coproduction_share},
            "interventions": {
                iid: {"volume": self.volumes[iid], "cost": c.to_dict(),
                      "coproduction_share": c.coproduction_share}
                for iid, c in self.intervention_costs.items()
            },
            "outcomes": {oid: o.to_dict() for oid, o in self.outcomes.items()},
            "value": self.value,
            "who_pays_who_gains": self.who_pays_who_gains(),
            "resources": {r: {"used": self.resource_use[r],
                              "available": self.resource_available.get(r)}
                          for r in self.resource_use},
        }


def evaluate(
    model: Model | CompiledModel,
    volumes: Mapping[str, float] | None = None,
    *,
    scenarios: tuple[str, ...] = (),
) -> Evaluation:
    """Evaluate at the model's current volumes, with ``volumes`` overriding some of them."""
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    m = cm.model
    v = cm.volume.copy()
    for iid, x in (volumes or {}).items():
        if iid not in m.interventions:
            raise KeyError(iid)
        if x < 0:
            raise ValueError(f"volume of {iid} cannot be negative")
        v[cm.index[iid]] = x
    levels = node_levels(cm, v)[cm.n_interventions:]
    costs = resource_costs(cm, v)
    per_itv = {iid: breakdown(cm, costs[i]) for i, iid in enumerate(cm.intervention_ids)}
    total = breakdown(cm, costs.sum(axis=0))
    outs = {}
    for k, oid in enumerate(cm.outcome_ids):
        o = m.outcomes[oid]
        outs[oid] = OutcomeLevel(
            outcome=oid, label=o.label or oid, unit=o.unit or "unit", level=float(levels[k]),
            value_fiscal={a: float(levels[k] * cm.value_fiscal[k, j])
                          for j, a in enumerate(cm.agency_ids) if cm.value_fiscal[k, j] != 0},
            value_economic=float(levels[k] * cm.value_economic[k]),
            value_social=float(levels[k] * cm.value_social[k]),
            final=o.final, complex=o.complex)
    used = resource_quantities(cm, v).sum(axis=0)
    available = {rid: float(mean_of(m.resources[rid].available)) for rid in cm.resource_ids
                 if m.resources[rid].available is not None}
    return Evaluation(
        model_name=m.name, currency=m.currency, price_year=m.price_year,
        scenarios=tuple(scenarios),
        volumes={iid: float(v[i]) for i, iid in enumerate(cm.intervention_ids)},
        intervention_costs=per_itv, cost=total, outcomes=outs,
        resource_use={rid: float(used[k]) for k, rid in enumerate(cm.resource_ids)},
        resource_available=available,
    )
