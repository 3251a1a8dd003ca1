"""The one result object of planning, and what it says in words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ...formatting import money
from ...formatting import quantity as qty

MIP_NOTE = (
    "This plan has set-up costs or economies of scale, so it was solved as a mixed-integer "
    "programme. Its shadow prices are those of the linear programme with the integer decisions "
    "(which interventions run, which cost band each reaches) held as the plan chose them: they "
    "hold for small changes, and a larger change may make it worth starting or stopping an "
    "intervention."
)


@dataclass(frozen=True)
class Constraint:
    """One constraint of the plan: its key (``independent_years``, ``volunteer_hour``,
    ``reablement.capacity``, ``budget.public``), kind, limit and level in its own units, and
    its shadow price: for targets and minimum volumes what one unit more costs (least-cost
    plans) or gives up in value (most-value plans); for resources, budgets and capacities what
    one unit more saves or adds in value. Currency of the model's price year."""

    key: str
    kind: str
    name: str
    label: str
    unit: str
    limit: float
    level: float
    binding: bool
    shadow_price: float
    words: str

    def to_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "name": self.name, "label": self.label,
                "unit": self.unit, "limit": self.limit, "level": self.level,
                "binding": self.binding, "shadow_price": self.shadow_price, "words": self.words}


@dataclass(frozen=True)
class FrontierPoint:
    """Best value reachable for a budget (the efficient frontier)."""

    budget: float
    cost_public: float
    cost_full: float
    value: float
    volumes: dict[str, float]

    def to_dict(self) -> dict:
        return {"budget": self.budget, "cost_public": self.cost_public,
                "cost_full": self.cost_full, "value": self.value, "volumes": self.volumes}


@dataclass(frozen=True)
class Plan:
    """A plan: the least-cost mix reaching targets, or the most valuable mix within budgets.

    Volumes are per period in each intervention's unit; money in ``currency`` at
    ``price_year`` prices; outcome levels in outcome units. ``status`` is ``optimal`` or
    ``infeasible`` (then ``relaxation`` says, for each target or limit that would make the plan
    feasible if relaxed alone, by how much).
    """

    status: str
    mode: str                               # least_cost or most_value
    objective: str                          # public or full
    model_name: str
    currency: str
    price_year: int
    targets: dict[str, float]
    budgets: dict[str, float]
    weights: dict[str, float]               # value per outcome unit the plan maximised
    volumes: dict[str, float]
    current_volumes: dict[str, float]
    cost: dict[str, Any]
    intervention_costs: dict[str, dict[str, Any]]
    outcomes: dict[str, float]
    value: float                            # the model's own valuation of the outcomes
    objective_value: float                  # what the solver optimised (cost or value)
    resource_use: dict[str, dict[str, float | None]]
    constraints: tuple[Constraint, ...]
    mixed_integer: bool
    relaxation: dict[str, float]
    relaxation_together: dict[str, float]
    message: str
    frontier: tuple[FrontierPoint, ...] = ()
    frontier_measure: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def binding(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.constraints if c.binding)

    @property
    def shadow_prices(self) -> dict[str, dict[str, float]]:
        groups = {"target": "targets", "resource": "resources", "capacity": "capacities",
                  "min_volume": "min_volumes", "budget": "budgets"}
        out: dict[str, dict[str, float]] = {g: {} for g in groups.values()}
        for c in self.constraints:
            out[groups[c.kind]][c.name] = c.shadow_price
        return out

    @property
    def explanations(self) -> tuple[str, ...]:
        """Shadow prices and binding limits in plain words, the most telling first."""
        told = [c for c in self.constraints if c.binding or c.kind == "target"]
        told.sort(key=lambda c: (c.kind != "target", -abs(c.shadow_price)
                                 if math.isfinite(c.shadow_price) else 0))
        words = [c.words for c in told]
        if self.mixed_integer and self.status == "optimal":
            words.append(MIP_NOTE)
        return tuple(words)

    def summary(self) -> str:
        """A plain-language paragraph for reports and the terminal."""
        if self.status != "optimal":
            return self.message
        cur = self.currency
        running = sorted(((v, k) for k, v in self.volumes.items() if v > 0), reverse=True)
        mix = ", ".join(f"{self.labels.get(k, k)} ({qty(v)})" for v, k in running[:6])
        if len(running) > 6:
            mix += f" and {len(running) - 6} more"
        measure = "the public purse" if self.objective == "public" else "all sectors together"
        if self.mode == "least_cost":
            aims = ", ".join(f"{qty(a)} {self.labels.get(o, o).lower()}"
                             for o, a in self.targets.items())
            text = (f"Reaching {aims} costs {measure} least through "
                    f"{mix or 'no intervention at all'}: {money(self.cost['public'], cur)} of "
                    f"public money a period, {money(self.cost['full'], cur)} in full.")
        else:
            budgets = ", ".join(f"{money(b, cur)} ({k})" for k, b in self.budgets.items())
            text = (f"Within a budget of {budgets}, the most valuable mix is {mix or 'nothing'}, "
                    f"worth {money(self.objective_value, cur)} and costing "
                    f"{money(self.cost['public'], cur)} of public money.")
        share = self.cost.get("coproduction_share", 0.0)
        if share:
            text += f" Users and communities give {share:.0%} of its full cost."
        binding = [c for c in self.constraints if c.binding and c.kind != "target"]
        if binding:
            text += " What limits it: " + " ".join(c.words for c in binding[:4])
        return text

    def to_dict(self) -> dict:
        """The ``plan --json`` contract: status, volumes, cost{full, public, by_sector},
        outcomes, binding, shadow_prices{targets, resources, ...}, relaxation (infeasible)."""
        out: dict[str, Any] = {
            "status": self.status,
            "mode": self.mode,
            "objective": self.objective,
            "model": self.model_name,
            "currency": self.currency,
            "price_year": self.price_year,
            "targets": self.targets,
            "budgets": self.budgets,
            "volumes": self.volumes,
            "cost": self.cost,
            "outcomes": self.outcomes,
            "value": self.value,
            "objective_value": self.objective_value,
            "binding": list(self.binding),
            "shadow_prices": self.shadow_prices,
            "constraints": [c.to_dict() for c in self.constraints],
            "resource_use": self.resource_use,
            "intervention_costs": self.intervention_costs,
            "current_volumes": self.current_volumes,
            "mixed_integer": self.mixed_integer,
            "duals_note": MIP_NOTE if self.mixed_integer else
            "Shadow prices are the duals of the linear programme.",
            "explanations": list(self.explanations),
            "summary": self.summary(),
            "message": self.message,
        }
        if self.status != "optimal":
            out["relaxation"] = self.relaxation
            out["relaxation_together"] = self.relaxation_together
        if self.frontier:
            out["frontier"] = [p.to_dict() for p in self.frontier]
            out["frontier_measure"] = self.frontier_measure
        return out
