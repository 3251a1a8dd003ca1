"""Per service: the best co-produced against the best professional pathway to its outcome.

Backwards mapping (:func:`coproduce.backwards_map`) ranks every pathway to the service's
outcome target; each pathway is co-produced or professional by the kind of co-production its
intervention relies on (:mod:`.kinds`). The best of each (least full cost per outcome unit at
the chosen valuation of time) are compared:

- the **advantage**: ``ratio`` = the professional pathway's cost per outcome unit ÷ the
  co-produced one's (above 1: co-production is cheaper), ``difference`` = professional −
  co-produced (above 0: co-production saves that much per unit), ``saving`` = the difference
  × the target, on full and on public cost;
- its **uncertainty**, by Monte Carlo (:func:`coproduce.simulate`, the same volumes): the
  probability that co-production costs less per outcome unit reached, and the expected value
  of perfect information on the two-option choice;
- the **evidence** behind each: the evidence grade of its routes (each route counts at its
  weakest link, ungraded links as 1, weighted by the route's share of the effect) and the
  share of its effect resting on contested, weak, ungraded or complex links;
- the **valuation of time** over which co-production is cheaper in full: full cost per unit
  is ``a + b w`` for each pathway (``b`` its hours of users' and communities' time per unit,
  ``w`` the value of an hour), so the range is found exactly from the two lower envelopes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..engine.backwards import BackwardsMap, Pathway, backwards_map
from ..engine.costs import resource_quantities
from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.time_value import basis_of
from .kinds import by_kind, is_coproduced, kind_of
from .load import LoadedService


@dataclass(frozen=True)
class ServiceComparison:
    """The comparison for one service (money in the portfolio's currency and price year)."""

    name: str
    label: str
    model_name: str
    outcome: str
    outcome_label: str
    outcome_unit: str
    amount: float
    targets: dict[str, float]
    pathways: tuple[dict, ...]
    best_coproduced: str | None
    best_professional: str | None
    advantage: dict | None
    cheaper_when_time_valued: tuple[tuple[float, float | None], ...] | None
    time_value: dict
    today_by_kind: dict
    unreachable: tuple[str, ...]
    time_needed: dict = field(default_factory=dict)
    uncertainty: dict | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def pathway(self, iid: str | None) -> dict | None:
        return next((p for p in self.pathways if p["intervention"] == iid), None)

    @property
    def coproduction_cheaper(self) -> bool | None:
        """On full cost at the chosen valuation of time (None when one side is missing)."""
        if self.advantage is None:
            return None
        return self.advantage["full"]["difference"] > 0

    def to_dict(self) -> dict:
        co, prof = self.pathway(self.best_coproduced), self.pathway(self.best_professional)
        return {
            "label": self.label,
            "model": self.model_name,
            "target": {
                "outcome": self.outcome,
                "amount": self.amount,
                "label": self.outcome_label,
                "unit": self.outcome_unit,
            },
            "targets": self.targets,
            "best_coproduced": co,
            "best_professional": prof,
            "advantage": self.advantage,
            "coproduction_cheaper_when_time_valued": (
                None
                if self.cheaper_when_time_valued is None
                else [list(r) for r in self.cheaper_when_time_valued]
            ),
            "uncertainty": self.uncertainty,
            "evidence": {
                "coproduced": co["evidence"] if co else None,
                "professional": prof["evidence"] if prof else None,
                "evpi": (self.uncertainty or {}).get("evpi"),
            },
            "time_needed": self.time_needed,
            "today_by_kind": self.today_by_kind,
            "pathways": list(self.pathways),
            "unreachable": list(self.unreachable),
            "time_value": self.time_value,
        }


def evidence_of(model, p: Pathway) -> dict:
    """The evidence grade of a pathway's routes: each route at its weakest link (ungraded as
    1), weighted by the route's share of the effect; the weakest route's grade; and the share
    of the effect resting on flagged links."""
    weights, grades = [], []
    for r in p.paths:
        g = min(((model.links[lk].evidence or 1) for lk in r.links), default=1)
        weights.append(abs(r.share))
        grades.append(g)
    w = float(sum(weights))
    grade = float(np.dot(weights, grades) / w) if w > 0 else None
    return {
        "grade": grade,
        "weakest": min(grades) if grades else None,
        "flag_shares": dict(p.flag_shares),
        "flags": list(p.flags),
    }


def _pathway_dict(cm: CompiledModel, p: Pathway, amount: float, pooled: dict[str, str]) -> dict:
    i = cm.index[p.intervention]
    v = np.zeros(cm.n_interventions)
    v[i] = p.volume
    q = resource_quantities(cm, v, above=cm.volume)[i]
    pool_hours: dict[str, float] = {}
    for rid, pool in pooled.items():
        r = cm.resource_ids.index(rid)
        if q[r] > 0:
            pool_hours[pool] = pool_hours.get(pool, 0.0) + float(q[r])
    itv = cm.model.interventions[p.intervention]
    return {
        "intervention": p.intervention,
        "label": p.label,
        "unit": p.unit,
        "kind": kind_of(cm, p.intervention),
        "coproduced": is_coproduced(cm, p.intervention),
        "stages": list(itv.stages),
        "volume": p.volume,
        "total_effect": p.total_effect,
        "cost": {"full": p.cost.full, "public": p.cost.public},
        "cost_per_outcome": {"full": p.cost_per_outcome_full, "public": p.cost_per_outcome_public},
        "coproduction_share": p.coproduction_share,
        "coproduction_hours": p.time_hours,
        "coproduction_hours_per_outcome": p.time_hours / amount,
        "pool_hours": pool_hours,
        "within_capacity": p.within_capacity,
        "first_on_full_cost_when_time_valued": (
            None
            if p.first_on_full_cost_when_time_valued is None
            else list(p.first_on_full_cost_when_time_valued)
        ),
        "evidence": evidence_of(cm.model, p),
        "flags": list(p.flags),
    }


def _lines(cm: CompiledModel, bmap: BackwardsMap) -> dict[str, tuple[float, float]]:
    """Per pathway (a, b): full cost per outcome unit is a + b × (value of an hour)."""
    time = cm.time_resource
    out = {}
    for p in bmap.pathways:
        i = cm.index[p.intervention]
        v = np.zeros(cm.n_interventions)
        v[i] = p.volume
        q = resource_quantities(cm, v, above=cm.volume)[i]
        time_cost = float((q * cm.unit_cost)[time].sum())
        out[p.intervention] = (
            (p.cost.full - time_cost) / bmap.amount,
            float(q[time].sum()) / bmap.amount,
        )
    return out


def cheaper_ranges(
    co: list[tuple[float, float]], prof: list[tuple[float, float]]
) -> tuple[tuple[float, float | None], ...]:
    """The ranges of hourly valuations w ≥ 0 over which the least of the ``co`` lines
    ``a + b w`` lies below the least of the ``prof`` lines (ties: not cheaper). Exact: the
    difference of the two lower envelopes is linear between consecutive crossing points of
    any two lines, so its sign changes only at a root inside one of those pieces."""
    lines = co + prof
    if not co or not prof:
        return ()
    cuts = {0.0}
    for a1, b1 in lines:
        for a2, b2 in lines:
            if b1 != b2:
                w = (a2 - a1) / (b1 - b2)
                if w > 0 and math.isfinite(w):
                    cuts.add(w)
    pts = sorted(cuts)
    last = pts[-1]
    pts.append(last * 2 + 1.0)  # beyond every crossing: the order no longer changes

    def d(w: float) -> float:
        return min(a + b * w for a, b in co) - min(a + b * w for a, b in prof)

    roots: list[float] = []
    for lo, hi in itertools.pairwise(pts):
        dl, dh = d(lo), d(hi)
        if (dl < 0) != (dh < 0) and dl != dh:
            roots.append(lo + (hi - lo) * dl / (dl - dh))
    edges = [0.0, *roots, None]
    out = []
    for lo, hi in itertools.pairwise(edges):
        probe = lo + 1.0 if hi is None else (lo + hi) / 2
        if d(probe) < 0:
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
    return tuple(out)


def compare_service(
    svc: LoadedService,
    pooled: dict[str, str],
    *,
    draws: int = 0,
    seed: int = 1,
    available: dict[str, float] | None = None,
) -> ServiceComparison:
    """The comparison for one service; ``pooled`` maps its pooled resources to their pools,
    ``available`` gives each pool's hours; ``draws`` > 0 adds the Monte Carlo uncertainty."""
    m = svc.model
    cm = compile_model(m)
    bmap = backwards_map(
        cm, svc.outcome, svc.targets[svc.outcome], by="full", paths=10, co_benefits=0
    )
    amount = bmap.amount
    pathways = tuple(_pathway_dict(cm, p, amount, pooled) for p in bmap.pathways)
    co = [p for p in pathways if p["coproduced"]]
    prof = [p for p in pathways if not p["coproduced"]]
    best_co = co[0]["intervention"] if co else None
    best_prof = prof[0]["intervention"] if prof else None
    advantage = None
    if co and prof:
        advantage = {}
        for key in ("full", "public"):
            c, p = co[0]["cost_per_outcome"][key], prof[0]["cost_per_outcome"][key]
            advantage[key] = {
                "coproduced": c,
                "professional": p,
                "ratio": p / c if c > 0 else None,
                "difference": p - c,
                "saving": (p - c) * amount,
            }
    lines = _lines(cm, bmap)
    ranges = (
        cheaper_ranges(
            [lines[p["intervention"]] for p in co], [lines[p["intervention"]] for p in prof]
        )
        if co and prof
        else None
    )
    today = by_kind(cm, cm.volume, list(svc.targets))
    time_needed: dict = {}
    if co:
        p = co[0]
        time_needed = {"hours": p["coproduction_hours"], "pool_hours": p["pool_hours"]}
        if available:
            time_needed["pool_available"] = {
                k: available[k] for k in p["pool_hours"] if k in available
            }
        own = {}
        for r, rid in enumerate(cm.resource_ids):
            res = m.resources[rid]
            if res.available is not None and rid not in pooled:
                v = np.zeros(cm.n_interventions)
                v[cm.index[p["intervention"]]] = p["volume"]
                need = float(resource_quantities(cm, v, above=cm.volume)[:, r].sum())
                if need > 0:
                    own[rid] = {"needed": need, "available": float(mean_of(res.available))}
        time_needed["model_resources"] = own
    uncertainty = None
    if draws and best_co and best_prof:
        uncertainty = _monte_carlo(svc, cm, best_co, best_prof, draws, seed, advantage)
    return ServiceComparison(
        name=svc.name,
        label=svc.label,
        model_name=m.name,
        outcome=svc.outcome,
        outcome_label=bmap.outcome_label,
        outcome_unit=bmap.outcome_unit,
        amount=amount,
        targets=dict(svc.targets),
        pathways=pathways,
        best_coproduced=best_co,
        best_professional=best_prof,
        advantage=advantage,
        cheaper_when_time_valued=ranges,
        time_value=basis_of(m).to_dict(),
        today_by_kind=today,
        unreachable=bmap.unreachable,
        time_needed=time_needed,
        uncertainty=uncertainty,
        labels={n: m.label_of(n) for n in (*cm.node_ids, *cm.resource_ids)},
    )


def outcome_value(cm: CompiledModel, outcome: str) -> float:
    """The model's value of one unit of ``outcome``: fiscal + economic + social (means)."""
    o = cm.index[outcome] - cm.n_interventions
    return float(cm.value_fiscal[o].sum() + cm.value_economic[o] + cm.value_social[o])


def _monte_carlo(
    svc: LoadedService,
    cm: CompiledModel,
    co: str,
    prof: str,
    draws: int,
    seed: int,
    advantage: dict | None,
) -> dict:
    """The probability co-production costs less per outcome unit reached, and the EVPI of
    choosing between the two pathways (the volumes of the map, fixed; uncertain effects and
    costs drawn, :func:`coproduce.simulate`)."""
    from ..engine.simulate import simulate
    from ..voi import evpi

    table = simulate(
        svc.model,
        target=(svc.outcome, svc.targets[svc.outcome]),
        draws=draws,
        seed=seed,
        keep_inputs=False,
        beliefs=(),
        caveats=False,
    )
    j = [table.options.index(co), table.options.index(prof)]
    eff = table.effect[:, j]
    out: dict = {"draws": draws, "seed": seed}
    with np.errstate(divide="ignore", invalid="ignore"):
        for key in ("full", "public"):
            cost = table.extra[f"cost_{key}"][:, j]
            cpo = np.where(eff > 0, cost / np.where(eff > 0, eff, 1.0), np.inf)
            out.setdefault("prob_coproduction_cheaper", {})[key] = float(
                np.mean(cpo[:, 0] < cpo[:, 1])
            )
            both = np.isfinite(cpo).all(axis=1)
            diff = cpo[both, 1] - cpo[both, 0]
            out.setdefault("difference_interval", {})[key] = (
                [float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5))]
                if diff.size
                else None
            )
    out["no_effect_share"] = {
        "coproduced": float(np.mean(eff[:, 0] <= 0)),
        "professional": float(np.mean(eff[:, 1] <= 0)),
    }
    lam = svc.wtp
    basis = "given"
    if lam is None:
        lam = outcome_value(cm, svc.outcome)
        basis = "outcome_value"
        if not lam > 0:
            lam = (
                max(advantage["full"]["coproduced"], advantage["full"]["professional"])
                if advantage
                else 0.0
            )
            basis = "dearer_cost_per_outcome"
    nb = lam * eff - table.cost[:, j]
    out["wtp"] = float(lam)
    out["wtp_basis"] = basis
    out["evpi"] = float(evpi(nb))
    out["prob_coproduction_best"] = float(np.mean(nb[:, 0] > nb[:, 1]))
    return out
