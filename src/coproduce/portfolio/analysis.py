"""``portfolio``: where co-production pays, across services sharing one community.

For each service, the best co-produced against the best professional pathway to its outcome
(:mod:`.compare`); one joint plan across every service within the shared pools and budgets
(:mod:`.joint`); a ranked recommendation of where to co-produce first, with its reasons; and
how that ranking changes with the valuation of users' and communities' time.

**The ranking.** A service falls in one of four tiers:

- ``coproduce_first``: the best co-produced pathway costs less per outcome unit in full (users'
  and communities' time counted at the chosen valuation) than the best professional one, it is
  cheaper in at least 60% of the Monte Carlo draws (when drawn), and its evidence grade is
  above 2.5 (of 5);
- ``test_first``: cheaper on the central figures, but weakly evidenced (grade 2.5 or below)
  or cheaper in fewer than 60% of draws — worth a trial before a switch;
- ``professional``: the professional pathway costs less in full;
- ``no_comparison``: the service has no co-produced, or no professional, pathway.

Within a tier services are ordered by the full-cost saving per hour of community time the
co-produced pathway needs (the pool is what runs out), then by name.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..model.time_value import bases, choose_time_value
from .compare import ServiceComparison, compare_service
from .joint import joint_plan
from .load import Portfolio, load_portfolio
from .result import PortfolioResult

TIERS = ("coproduce_first", "test_first", "professional", "no_comparison")
SURE = 0.6
WEAK_GRADE = 2.5


def analyse_portfolio(
    source: Portfolio | str | Path | dict[str, Any],
    *,
    objective: str = "public",
    time_value: str | None = None,
    time_value_per_hour: float | None = None,
    draws: int = 2000,
    seed: int = 1,
    gap: float = 1e-6,
    sensitivity: bool = True,
) -> PortfolioResult:
    """The whole portfolio analysis (see the module docstring). ``source``: a loaded
    :class:`Portfolio`, a portfolio file, ``example:NAME`` or parsed data. ``draws`` (0 for
    none) and ``seed`` drive the Monte Carlo comparison of each service."""
    from ..engine.planning.solve import PlanningError

    if objective not in ("public", "full"):
        raise PlanningError(f"objective '{objective}': use 'public' or 'full'")
    if draws < 0 or (0 < draws < 2):
        raise PlanningError(f"draws {draws}: give 2 or more (or 0 for none)")
    pf = (
        source
        if isinstance(source, Portfolio)
        else load_portfolio(source, time_value=time_value, time_value_per_hour=time_value_per_hour)
    )
    comparisons = _compare_all(pf, draws, seed)
    plan = joint_plan(pf, objective, gap=gap)
    ranking = rank(comparisons)
    sens = time_value_sensitivity(pf) if sensitivity else []
    return PortfolioResult(
        portfolio=pf,
        objective=objective,
        services=comparisons,
        plan=plan,
        ranking=tuple(ranking),
        sensitivity=tuple(sens),
    )


def _available(pf: Portfolio, service: str) -> dict[str, float]:
    svc = pf.services[service]
    return {
        p.name: (p.available[svc.area] if p.by_area else p.total)
        for p in pf.pools.values()
        if service in p.resources
    }


def _compare_all(pf: Portfolio, draws: int, seed: int) -> dict[str, ServiceComparison]:
    return {
        name: compare_service(
            svc, pf.pooled(name), draws=draws, seed=seed, available=_available(pf, name)
        )
        for name, svc in pf.services.items()
    }


def rank(comparisons: dict[str, ServiceComparison]) -> list[dict]:
    """Services in the order to co-produce them (see the module docstring), each with its
    tier and the figures behind it."""
    rows = []
    for name, c in comparisons.items():
        co, prof = c.pathway(c.best_coproduced), c.pathway(c.best_professional)
        row: dict[str, Any] = {
            "service": name,
            "coproduced": c.best_coproduced,
            "professional": c.best_professional,
        }
        if c.advantage is None or co is None or prof is None:
            row["tier"] = "no_comparison"
            row["missing"] = "coproduced" if co is None else "professional"
            rows.append(row)
            continue
        adv = c.advantage["full"]
        hours = co["coproduction_hours"]
        saving = adv["saving"]
        per_hour = saving / hours if hours > 0 else (math.inf if saving > 0 else 0.0)
        grade = co["evidence"]["grade"]
        prob = (c.uncertainty or {}).get("prob_coproduction_cheaper", {}).get("full")
        row.update(
            {
                "saving": saving,
                "saving_per_hour": per_hour,
                "hours": hours,
                "grade": grade,
                "prob_cheaper": prob,
                "ratio": adv["ratio"],
                "public_saving": c.advantage["public"]["saving"],
            }
        )
        reasons = []
        if adv["difference"] > 0:
            weak = grade is not None and grade <= WEAK_GRADE
            unsure = prob is not None and prob < SURE
            if weak:
                reasons.append("weak_evidence")
            if unsure:
                reasons.append("uncertain")
            row["tier"] = "test_first" if (weak or unsure) else "coproduce_first"
        else:
            row["tier"] = "professional"
        row["cautions"] = reasons
        rows.append(row)

    def key(r: dict) -> tuple:
        tier = TIERS.index(r["tier"])
        if r["tier"] in ("coproduce_first", "test_first"):
            return (tier, -r["saving_per_hour"], r["service"])
        if r["tier"] == "professional":  # the nearest to paying first
            return (tier, -r["saving"], r["service"])
        return (tier, 0.0, r["service"])

    rows.sort(key=key)
    for k, r in enumerate(rows, start=1):
        r["rank"] = k
    return rows


def common_bases(pf: Portfolio) -> list[str]:
    """Valuations of time every service's model names (``zero`` always)."""
    names = None
    for svc in pf.services.values():
        own = set(bases(svc.model))
        names = own if names is None else names & own
    ordered = []
    for svc in pf.services.values():
        for n in bases(svc.model):
            if n in (names or set()) and n not in ordered:
                ordered.append(n)
    return ordered


def time_value_sensitivity(pf: Portfolio) -> list[dict]:
    """The ranking (central figures, no draws) at each valuation of time every service
    names: its tiers, order and the full-cost advantage of each service."""
    out = []
    for basis in common_bases(pf):
        services = {
            n: replace(s, model=choose_time_value(s.model, basis)) for n, s in pf.services.items()
        }
        alt = replace(pf, services=services, time_value=basis)
        comps = _compare_all(alt, 0, 1)
        ranking = rank(comps)
        first = next(iter(services.values())).model
        chosen = bases(first)[basis]
        from ..model.distributions import mean_of

        out.append(
            {
                "basis": basis,
                "label": chosen.label or basis.replace("_", " "),
                "per_hour": float(mean_of(chosen.per_hour)),
                "order": [r["service"] for r in ranking],
                "tiers": {r["service"]: r["tier"] for r in ranking},
                "advantage_full": {
                    n: (c.advantage["full"]["difference"] if c.advantage else None)
                    for n, c in comps.items()
                },
                "best_coproduced": {n: c.best_coproduced for n, c in comps.items()},
            }
        )
    return out
