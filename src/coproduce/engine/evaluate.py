"""Evaluating a programme as it stands (or at chosen volumes): outcome levels, what each
intervention costs and who pays, what the outcomes are worth and who gains — and the caveats
a reader must see beside those figures.

- **Costs** follow any cost curve from 0 to each whole volume (the programme's whole cost,
  not the cost of a change): ``resource_costs(cm, v)``.
- **Effects** carry the enabling multipliers of the compiled model: an intervention that uses
  less of an enabling input than it declares has every link out of it cut
  (``enabling_shortfall`` says which and by how much).
- **Caveats** (:mod:`coproduce.engine.flags`) are those of the whole volumes. The evidence
  shares (``flag_shares``) are given per **target of the model** (``targets:``), the outcomes
  the partnership has said it is aiming at, with the same keys as ``plan --json``; a model
  that names no target gets them per **final outcome** (``final: true``), and a model with
  neither per outcome that no link leaves (the ends of the map).
- **Time**: ``time_value`` names the basis users' and communities' hours are valued on;
  ``coproduction_share_hours`` is the hours of resources in co-production sectors measured in
  hours over all hours of input (null when nothing is measured in hours).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.schema import Model
from ..model.time_value import basis_of
from .costs import CostBreakdown, breakdown, resource_costs, resource_quantities
from .effects import node_levels
from .flags import CaveatContext, Caveats


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
        return {
            "label": self.label,
            "unit": self.unit,
            "level": self.level,
            "value": {
                "fiscal": self.value_fiscal,
                "economic": self.value_economic,
                "social": self.value_social,
                "total": self.value_total,
            },
            "final": self.final,
            "complex": self.complex,
        }


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
    # additions for issue 12; defaults keep older callers working
    caveats: Caveats = field(default_factory=lambda: Caveats(flags=()))
    time_value: dict = field(default_factory=dict)
    hours: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per intervention, (hours from co-production sectors, all hours of input) a period."""
    flag_outcomes: str = "targets"
    """What ``flag_shares`` are keyed by: ``targets``, ``final`` outcomes or ``ends``."""

    @property
    def flags(self) -> tuple[str, ...]:
        """The kinds of caveat present (names of :data:`coproduce.engine.flags.FLAG_KINDS`)."""
        return self.caveats.flags

    @property
    def coproduction_share_hours(self) -> float | None:
        """Hours given by users and communities over all hours of input (0–1), or None when
        no input is measured in hours."""
        return _share(
            sum(h[0] for h in self.hours.values()), sum(h[1] for h in self.hours.values())
        )

    @property
    def value(self) -> dict:
        fiscal: dict[str, float] = {}
        for o in self.outcomes.values():
            for a, x in o.value_fiscal.items():
                fiscal[a] = fiscal.get(a, 0.0) + x
        economic = sum(o.value_economic for o in self.outcomes.values())
        social = sum(o.value_social for o in self.outcomes.values())
        return {
            "fiscal": fiscal,
            "economic": economic,
            "social": social,
            "total": sum(fiscal.values()) + economic + social,
        }

    def who_pays_who_gains(self) -> dict[str, dict[str, float]]:
        """Public cost by paying agency against fiscal value by gaining agency."""
        agencies = list(
            dict.fromkeys(list(self.cost.public_by_agency) + list(self.value["fiscal"]))
        )
        return {
            a: {
                "pays": self.cost.public_by_agency.get(a, 0.0),
                "gains": self.value["fiscal"].get(a, 0.0),
            }
            for a in agencies
        }

    def to_dict(self) -> dict:
        """What ``coproduce evaluate --json`` prints."""
        return {
            "model": self.model_name,
            "currency": self.currency,
            "price_year": self.price_year,
            "scenarios": list(self.scenarios),
            "volumes": self.volumes,
            "cost": {**self.cost.to_dict(), "coproduction_share": self.cost.coproduction_share},
            "interventions": {
                iid: {
                    "volume": self.volumes[iid],
                    "cost": c.to_dict(),
                    "coproduction_share": c.coproduction_share,
                    "coproduction_share_hours": _share(*self.hours.get(iid, (0.0, 0.0))),
                }
                for iid, c in self.intervention_costs.items()
            },
            "outcomes": {oid: o.to_dict() for oid, o in self.outcomes.items()},
            "value": self.value,
            "who_pays_who_gains": self.who_pays_who_gains(),
            "resources": {
                r: {"used": self.resource_use[r], "available": self.resource_available.get(r)}
                for r in self.resource_use
            },
            "flags": list(self.caveats.flags),
            "flag_shares": self.caveats.flag_shares,
            "flag_shares_per": self.flag_outcomes,
            "fits": self.caveats.fits,
            "caveats": self.caveats.to_dict(),
            "enabling_shortfall": self.caveats.enabling,
            "time_value": self.time_value,
            "coproduction_share_hours": self.coproduction_share_hours,
        }


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def caveat_words(caveats: Mapping, model: Model | None = None) -> list[str]:
    """The caveats of a set of volumes in sentences a commissioner can read out, from
    :meth:`Caveats.to_dict` (or the ``caveats`` of a stored result): evidence first, then
    practice (enabling inputs), then feasibility (capacity, resources available). The words
    are made by :func:`coproduce.presentation.words.caveat_words`."""
    from ..presentation.words import caveat_words as words

    return words(caveats, model)


def flag_outcomes(cm: CompiledModel) -> tuple[list[str], str]:
    """The outcomes a programme's evidence shares are given for, and which rule chose them:
    the model's targets (``targets``); else its final outcomes (``final``); else the
    outcomes no link leaves (``ends``)."""
    m = cm.model
    targets = [o for o in m.targets if o in m.outcomes]
    if targets:
        return targets, "targets"
    final = [o for o, out in m.outcomes.items() if out.final]
    if final:
        return final, "final"
    leaving = {cm.node_ids[s] for s in cm.link_src}
    return [o for o in cm.outcome_ids if o not in leaving], "ends"


def evaluate(
    model: Model | CompiledModel,
    volumes: Mapping[str, float] | None = None,
    *,
    scenarios: tuple[str, ...] = (),
) -> Evaluation:
    """Evaluate at the model's current volumes, with ``volumes`` overriding some of them.

    Costs are the whole volumes' (along any cost curve from 0), effects carry enabling
    multipliers, and the result carries the caveats of these volumes and the basis on which
    users' and communities' time is valued (see the module docstring)."""
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    m = cm.model
    v = cm.volume.copy()
    for iid, x in (volumes or {}).items():
        if iid not in m.interventions:
            raise KeyError(iid)
        if x < 0:
            raise ValueError(f"volume of {iid} cannot be negative")
        v[cm.index[iid]] = x
    levels = node_levels(cm, v)[cm.n_interventions :]
    costs = resource_costs(cm, v)
    per_itv = {iid: breakdown(cm, costs[i]) for i, iid in enumerate(cm.intervention_ids)}
    total = breakdown(cm, costs.sum(axis=0))
    outs = {}
    for k, oid in enumerate(cm.outcome_ids):
        o = m.outcomes[oid]
        outs[oid] = OutcomeLevel(
            outcome=oid,
            label=o.label or oid,
            unit=o.unit or "unit",
            level=float(levels[k]),
            value_fiscal={
                a: float(levels[k] * cm.value_fiscal[k, j])
                for j, a in enumerate(cm.agency_ids)
                if cm.value_fiscal[k, j] != 0
            },
            value_economic=float(levels[k] * cm.value_economic[k]),
            value_social=float(levels[k] * cm.value_social[k]),
            final=o.final,
            complex=o.complex,
        )
    qty = resource_quantities(cm, v)
    used = qty.sum(axis=0)
    available: dict[str, float] = {}
    for rid in cm.resource_ids:
        stated = mean_of(m.resources[rid].available)
        if stated is not None:
            available[rid] = float(stated)
    # hours by quantity, not cost: a co-production share by hours does not vanish when
    # users' and communities' time is valued at £0
    time_res, hour_res = cm.time_resource, cm.hour_resource
    hours = {
        iid: (float(qty[i, time_res].sum()), float(qty[i, hour_res].sum()))
        for i, iid in enumerate(cm.intervention_ids)
    }
    outcomes_for, rule = flag_outcomes(cm)
    caveats = CaveatContext(cm, outcomes_for).for_volumes(v, quantities=qty)
    return Evaluation(
        model_name=m.name,
        currency=m.currency,
        price_year=m.price_year,
        scenarios=tuple(scenarios),
        volumes={iid: float(v[i]) for i, iid in enumerate(cm.intervention_ids)},
        intervention_costs=per_itv,
        cost=total,
        outcomes=outs,
        resource_use={rid: float(used[k]) for k, rid in enumerate(cm.resource_ids)},
        resource_available=available,
        caveats=caveats,
        time_value=basis_of(m).to_dict(),
        hours=hours,
        flag_outcomes=rule,
    )
