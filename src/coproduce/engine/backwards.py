"""Backwards mapping: from a desired outcome back to every pathway that reaches it.

For a target ``(o*, A)`` each intervention i with total effect ``T[o*, i] > 0`` reaches the
target alone at volume ``v = A / T[o*, i]``. At that volume we cost it by sector and resource,
divide by A for the cost per outcome unit, check capacity, list what else it produces on the
way (co-benefits and their value), name its largest routes, and flag what a careful reader must
know: contested, weakly evidenced or ungraded links, complex outcomes, co-production without
any public enabling input. Pathways are ranked by full (or public) cost per outcome unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..formatting import money, quantity
from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.schema import Model
from .costs import CostBreakdown, breakdown, resource_costs, resource_quantities
from .effects import effects_from, effects_to
from .routes import COMPLEX, CONTESTED, UNGRADED, WEAK, route_table

FLAG_TEXT = {
    "contested": "passes through a contested link: stakeholders dispute whether or how much "
                 "it works",
    "weak_evidence": "passes through a weakly evidenced link (grade 2 or below)",
    "ungraded_evidence": "passes through a link with no evidence grade",
    "complex": "passes through a complex outcome: figures are indicative, not a forecast",
    "no_public_input": "co-production with no public enabling input: co-production rarely "
                       "produces value without some public money (Bovaird & Loeffler 2012)",
    "over_capacity": "the volume needed exceeds the intervention's capacity",
    "over_available": "it needs more of a resource than is available (e.g. volunteer hours)",
}


@dataclass(frozen=True)
class Route:
    """One route from an intervention to the target: its nodes, effect (target units per unit
    of the intervention) and share of the intervention's total effect."""

    nodes: tuple[str, ...]
    effect: float
    share: float
    flags: tuple[str, ...] = ()
    links: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"nodes": list(self.nodes), "effect": self.effect, "share": self.share,
                "flags": list(self.flags)}


@dataclass(frozen=True)
class Pathway:
    """An intervention scaled to reach the target on its own. Money in the model's currency
    and price year; ``volume`` in the intervention's unit per period."""

    intervention: str
    label: str
    unit: str
    total_effect: float
    volume: float
    cost: CostBreakdown
    cost_per_outcome_full: float
    cost_per_outcome_public: float
    capacity: float | None
    co_benefits: dict[str, float]
    co_benefit_values: dict[str, float]
    co_benefits_omitted: int
    co_benefit_value: dict
    flags: tuple[str, ...]
    notes: tuple[str, ...]
    paths: tuple[Route, ...]
    flag_shares: dict[str, float] = field(default_factory=dict)
    resources_short: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def within_capacity(self) -> bool:
        """The volume fits the intervention's capacity and every resource's availability."""
        fits = self.capacity is None or self.volume <= self.capacity * (1 + 1e-12)
        return fits and not self.resources_short

    @property
    def coproduction_share(self) -> float:
        return self.cost.coproduction_share

    def to_dict(self) -> dict:
        return {
            "intervention": self.intervention,
            "label": self.label,
            "unit": self.unit,
            "total_effect": self.total_effect,
            "volume": self.volume,
            "cost": self.cost.to_dict(),
            "cost_per_outcome": {"full": self.cost_per_outcome_full,
                                 "public": self.cost_per_outcome_public},
            "coproduction_share": self.coproduction_share,
            "capacity": self.capacity,
            "within_capacity": self.within_capacity,
            "co_benefits": self.co_benefits,
            "co_benefit_values": self.co_benefit_values,
            "co_benefits_omitted": self.co_benefits_omitted,
            "co_benefit_value": self.co_benefit_value,
            "resources_short": self.resources_short,
            "flags": list(self.flags),
            "flag_shares": self.flag_shares,
            "notes": list(self.notes),
            "paths": [r.to_dict() for r in self.paths],
        }


@dataclass(frozen=True)
class BackwardsMap:
    """The result of backwards mapping: ranked pathways to ``amount`` more of ``outcome``."""

    model_name: str
    outcome: str
    outcome_label: str
    outcome_unit: str
    amount: float
    by: str
    currency: str
    price_year: int
    scenarios: tuple[str, ...]
    pathways: tuple[Pathway, ...]
    unreachable: tuple[str, ...]
    no_net_gain: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """What ``coproduce map --json`` prints."""
        return {
            "model": self.model_name,
            "target": {"outcome": self.outcome, "amount": self.amount,
                       "label": self.outcome_label, "unit": self.outcome_unit},
            "ranked_by": self.by,
            "currency": self.currency,
            "price_year": self.price_year,
            "scenarios": list(self.scenarios),
            "pathways": [p.to_dict() for p in self.pathways],
            "unreachable": list(self.unreachable),
            "no_net_gain": self.no_net_gain,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """One plain-language sentence on the answer."""
        what = f"{quantity(self.amount)} more {self.outcome_label.lower()} ({self.outcome_unit})"
        if not self.pathways:
            return f"No intervention in this map reaches {what}."
        best = self.pathways[0]
        cur = self.currency
        cheapest_public = min(self.pathways, key=lambda p: (p.cost.public, p.intervention))
        text = (f"Reaching {what} costs least in full through {best.label} "
                f"({money(best.cost.full, cur)} in all, {money(best.cost_per_outcome_full, cur)}"
                f" per {self.outcome_unit}, of which {best.coproduction_share:.0%} is time and "
                f"resources given by users and communities)")
        if self.by == "public":
            text = (f"Reaching {what} costs the public purse least through {best.label} "
                    f"({money(best.cost.public, cur)}, "
                    f"{money(best.cost_per_outcome_public, cur)} per {self.outcome_unit})")
        elif cheapest_public.intervention != best.intervention:
            text += (f"; it costs the public purse least through {cheapest_public.label} "
                     f"({money(cheapest_public.cost.public, cur)})")
        text += "."
        if best.flags:
            text += (" Caution: the leading pathway "
                     + "; ".join(FLAG_TEXT[f].split(":")[0].removeprefix("it ")
                                 for f in best.flags) + ".")
        if "over_capacity" in best.flags:
            text += (f" It needs a volume of {quantity(best.volume)} ({best.unit}), above its "
                     f"capacity of {quantity(best.capacity)}.")
        return text


def _flag_names(bits: int) -> list[str]:
    out = []
    if bits & CONTESTED:
        out.append("contested")
    if bits & WEAK:
        out.append("weak_evidence")
    if bits & UNGRADED:
        out.append("ungraded_evidence")
    if bits & COMPLEX:
        out.append("complex")
    return out


def backwards_map(
    model: Model | CompiledModel,
    outcome: str,
    amount: float,
    *,
    by: str = "full",
    paths: int = 10,
    co_benefits: int | None = 50,
    scenarios: tuple[str, ...] = (),
) -> BackwardsMap:
    """Every pathway to ``amount`` more units of ``outcome``, ranked by full (``by="full"``)
    or public (``by="public"``) cost per outcome unit, each with up to ``paths`` routes and
    up to ``co_benefits`` other outcomes (largest value first; ``None`` for all)."""
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    m = cm.model
    if by not in ("full", "public"):
        raise ValueError(f"by must be 'full' or 'public', not {by!r}")
    if outcome not in m.outcomes:
        raise KeyError(outcome)
    if not amount > 0:
        raise ValueError("amount must be above 0")
    target = cm.index[outcome]
    n_i = cm.n_interventions
    g = effects_to(cm, target)[:n_i]
    table = route_table(cm, target, k=paths)

    reaching = np.flatnonzero(table.reaches[:n_i])
    positive = reaching[g[reaching] > 0]
    unreachable = tuple(cm.node_ids[i] for i in range(n_i) if not table.reaches[i])
    no_net_gain = {cm.node_ids[i]: float(g[i]) for i in reaching if g[i] <= 0}

    volumes = np.zeros(n_i)
    volumes[positive] = amount / g[positive]
    costs = resource_costs(cm, volumes)
    quantities = resource_quantities(cm, volumes)
    co = _co_benefits(cm, positive, volumes, target, co_benefits)
    flag_g = _flagged_effects(cm, target)
    available = _available(cm)
    link_bits = (CONTESTED * cm.link_contested + WEAK * cm.link_weak
                 + UNGRADED * cm.link_ungraded).astype(np.int64)

    pathways = []
    for col, i in enumerate(positive):
        iid = cm.node_ids[i]
        itv = m.interventions[iid]
        cost = breakdown(cm, costs[i])
        flags = _flag_names(int(table.flags[i]))
        routes = []
        for nodes, links, eff in table.routes(cm, int(i)):
            bits = int(np.bitwise_or.reduce(link_bits[links])) if links else 0
            if cm.node_complex[nodes].any():
                bits |= COMPLEX
            routes.append(Route(tuple(cm.node_ids[n] for n in nodes), eff, eff / g[i],
                                tuple(_flag_names(bits)), tuple(links)))
        if cost.coproduction > 0 and cost.public == 0:
            flags.append("no_public_input")
        capacity = float(cm.capacity[i]) if np.isfinite(cm.capacity[i]) else None
        if capacity is not None and volumes[i] > capacity * (1 + 1e-12):
            flags.append("over_capacity")
        short = {cm.resource_ids[r]: {"needed": float(quantities[i, r]), "available": a}
                 for r, a in available.items() if quantities[i, r] > a * (1 + 1e-12)}
        if short:
            flags.append("over_available")
        shares = {f: float((g[i] - without[i]) / g[i]) for f, without in flag_g.items()
                  if f in flags}
        pathways.append(Pathway(
            intervention=iid,
            label=itv.label or iid,
            unit=itv.unit or "unit",
            total_effect=float(g[i]),
            volume=float(volumes[i]),
            cost=cost,
            cost_per_outcome_full=cost.full / amount,
            cost_per_outcome_public=cost.public / amount,
            capacity=capacity,
            co_benefits=co.levels[col],
            co_benefit_values=co.values[col],
            co_benefits_omitted=co.omitted[col],
            co_benefit_value=co.totals[col],
            flags=tuple(flags),
            notes=tuple(_notes(cm, flags, routes, shares, short)),
            paths=tuple(routes),
            flag_shares=shares,
            resources_short=short,
        ))
    key = (lambda p: (p.cost_per_outcome_full, p.intervention)) if by == "full" else \
        (lambda p: (p.cost_per_outcome_public, p.cost_per_outcome_full, p.intervention))
    pathways.sort(key=key)
    out_node = m.outcomes[outcome]
    labels = {nid: m.label_of(nid) for nid in (*cm.node_ids, *cm.resource_ids)}
    return BackwardsMap(
        model_name=m.name,
        outcome=outcome,
        outcome_label=out_node.label or outcome,
        outcome_unit=out_node.unit or "unit",
        amount=float(amount),
        by=by,
        currency=m.currency,
        price_year=m.price_year,
        scenarios=tuple(scenarios),
        pathways=tuple(pathways),
        unreachable=unreachable,
        no_net_gain=no_net_gain,
        labels=labels,
    )


def _flagged_effects(cm: CompiledModel, target: int) -> dict[str, np.ndarray]:
    """For each evidence flag, every intervention's total effect on the target with the
    flagged links switched off; the difference is the effect that rests on them."""
    n_i = cm.n_interventions
    out = {}
    complex_links = cm.node_complex[cm.link_dst] | cm.node_complex[cm.link_src]
    for name, mask in (("contested", cm.link_contested), ("weak_evidence", cm.link_weak),
                       ("ungraded_evidence", cm.link_ungraded), ("complex", complex_links)):
        if not mask.any():
            continue
        if name == "complex" and cm.node_complex[target]:
            out[name] = np.zeros(n_i)   # everything reaching a complex target is indicative
            continue
        out[name] = effects_to(cm, target, np.where(mask, 0.0, cm.link_effect))[:n_i]
    return out


def _available(cm: CompiledModel) -> dict[int, float]:
    out = {}
    for r, rid in enumerate(cm.resource_ids):
        q = cm.model.resources[rid].available
        if q is not None:
            out[r] = float(mean_of(q))
    return out


@dataclass(frozen=True)
class _CoBenefits:
    levels: list[dict[str, float]]
    values: list[dict[str, float]]
    omitted: list[int]
    totals: list[dict]


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Column indices of the n largest scores in each row, largest first (rows × n)."""
    if n <= 0 or scores.shape[1] == 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64)
    n = min(n, scores.shape[1])
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n] if n < scores.shape[1] else \
        np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _co_benefits(cm: CompiledModel, positive: np.ndarray, volumes: np.ndarray, target: int,
                 limit: int | None) -> _CoBenefits:
    """Other outcomes each pathway produces at its volume — valued outcomes first, largest
    value first, then the rest by level — and their total value by kind, all pathways at once.
    """
    n_i = cm.n_interventions
    levels = np.ascontiguousarray(
        (effects_from(cm, positive)[n_i:, :] * volumes[positive][None, :]).T)  # pathways × outs
    levels[:, target - n_i] = 0.0
    unit_value = cm.value_fiscal.sum(axis=1) + cm.value_economic + cm.value_social
    scale = np.maximum(1.0, np.abs(levels).max(axis=1, initial=0.0))
    present = np.abs(levels) > 1e-12 * scale[:, None]
    counts = present.sum(axis=1)
    n_show = int(counts.max(initial=0)) if limit is None else limit
    valued = np.flatnonzero(unit_value != 0)
    unvalued = np.flatnonzero(unit_value == 0)
    top_valued = valued[_top(np.abs(levels[:, valued] * unit_value[valued]), n_show)]
    top_unvalued = unvalued[_top(np.abs(levels[:, unvalued]), n_show)]
    fiscal = levels @ cm.value_fiscal            # pathways × agencies
    economic = levels @ cm.value_economic
    social = levels @ cm.value_social
    out = _CoBenefits([], [], [], [])
    outcome_ids = cm.outcome_ids
    for row in range(len(positive)):
        rows = [o for o in (*top_valued[row], *top_unvalued[row]) if present[row, o]][:n_show]
        out.levels.append({outcome_ids[o]: float(levels[row, o]) for o in rows})
        out.values.append({outcome_ids[o]: float(levels[row, o] * unit_value[o]) for o in rows
                           if unit_value[o] != 0})
        out.omitted.append(int(counts[row]) - len(rows))
        total = {"fiscal": {a: float(x) for a, x in zip(cm.agency_ids, fiscal[row], strict=True)
                            if x != 0},
                 "economic": float(economic[row]), "social": float(social[row])}
        total["total"] = float(sum(total["fiscal"].values()) + total["economic"]
                               + total["social"])
        out.totals.append(total)
    return out


def _notes(cm: CompiledModel, flags: list[str], routes: list[Route], shares: dict[str, float],
           short: dict[str, dict[str, float]]) -> list[str]:
    """Plain sentences for each flag, naming the links on the largest routes that cause it."""
    notes = []
    m = cm.model
    for f in flags:
        text = FLAG_TEXT[f]
        if f in shares:
            text += f"; {shares[f]:.0%} of its effect on the target rests on such links"
        if f == "over_available":
            text += " (" + "; ".join(
                f"{m.label_of(r)}: needs {v['needed']:,.0f}, {v['available']:,.0f} available"
                for r, v in short.items()) + ")"
        named: list[str] = []
        if f in ("contested", "weak_evidence", "ungraded_evidence"):
            mask = {"contested": cm.link_contested, "weak_evidence": cm.link_weak,
                    "ungraded_evidence": cm.link_ungraded}[f]
            for r in routes:
                for lk in r.links:
                    name = f"{cm.node_ids[cm.link_src[lk]]} → {cm.node_ids[cm.link_dst[lk]]}"
                    if mask[lk] and name not in named:
                        named.append(name)
        elif f == "complex":
            for r in routes:
                for nid in r.nodes:
                    if nid in m.outcomes and m.outcomes[nid].complex and nid not in named:
                        named.append(nid)
        if named:
            text += " (" + ", ".join(named[:4]) + (", …" if len(named) > 4 else "") + ")"
        notes.append(text)
    return notes
