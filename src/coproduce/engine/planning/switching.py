"""Over which hourly valuations of users' and communities' time a plan keeps its choice.

One value per hour is set as the unit cost of every resource of a co-production sector
measured in hours (``cm.time_resource``). The plan's choice is the set of interventions it
funds (volume above 0). The valuation enters the programme only through a cost measure that
counts those resources: the least **full** cost, or a budget on ``full`` or on a
co-production sector. Otherwise (least public cost, a public budget) the choice cannot depend
on it and the range is ``[0, None]``.

Full cost is linear in the valuation, so an LP's optimal basis, and with it the funded set,
is piecewise constant in it; a MIP's choice is piecewise constant too (finitely many integer
decisions, each with a cost linear in the valuation). The breakpoints around the plan's own
valuation ``h0`` are found by re-solving:

1. trial valuations step away from ``h0`` by a factor of 4 (upwards to ``CEILING_FACTOR`` ×
   the largest unit cost in the model, downwards to ``h0 / 4^10``, then 0);
2. between the last trial funding the same set and the first funding another, bisection to a
   relative tolerance of 1e-6.

A set that changes and changes back between two trial valuations (a factor of 4 apart) would
be missed; ``high`` is None when no trial up to the ceiling funds another set.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...model.compile import CompiledModel
from .programme import Spec
from .solve import funded, solve_spec

REL_TOL = 1e-6
STEP = 4.0
CEILING_FACTOR = 1e6
DOWN_STEPS = 10


def valuation_enters(cm: CompiledModel, spec: Spec, objective: str) -> bool:
    """Whether the plan's optimum can depend on the hourly value of users' and communities'
    time: a least-full-cost objective or a budget that counts co-production sectors."""
    if not cm.time_resource.any():
        return False
    if spec.weights is None and objective == "full":
        return True
    for key in spec.budgets:
        if key == "full" or bool(cm.coproduction_sector[cm.sector_ids.index(key)]):
            return True
    return False


def funded_at(
    cm: CompiledModel, spec: Spec, objective: str, gap: float, per_hour: float
) -> frozenset[str] | None:
    """The interventions the plan funds when every time resource costs ``per_hour`` (currency
    an hour); None when no plan is possible at that valuation (a budget too small)."""

    valued = replace(cm, unit_cost=np.where(cm.time_resource, float(per_hour), cm.unit_cost))
    mode_least = spec.weights is None
    tie = ("public" if objective == "full" else "full") if mode_least else objective
    prog, sol, x = solve_spec(valued, spec, objective, gap, tie)
    if sol.status != "optimal" or x is None:
        return None
    v = prog.volumes(x, cm.n_interventions)
    return frozenset(funded(dict(zip(cm.intervention_ids, map(float, v), strict=True))))


def same_choice_range(
    cm: CompiledModel, spec: Spec, objective: str, gap: float, chosen: set[str]
) -> tuple[float, float | None] | None:
    """``[low, high]`` in currency per hour: the hourly valuations of users' and
    communities' time over which the plan funds the set ``chosen`` (``high`` None when no
    valuation above ``low`` changes it). ``[0, None]`` when the valuation cannot enter the
    plan; None when no single valuation gives ``chosen`` (the model values its time resources
    at different rates and none of the trial valuations reproduces the choice)."""
    if not valuation_enters(cm, spec, objective):
        return (0.0, None)
    target = frozenset(chosen)

    def same(h: float) -> bool:
        return funded_at(cm, spec, objective, gap, h) == target

    stated = cm.unit_cost[cm.time_resource]
    ceiling = CEILING_FACTOR * max(1.0, float(cm.unit_cost.max(initial=0.0)))
    start: float | None = None
    if np.allclose(stated, stated[0], rtol=1e-12, atol=0.0):
        start = float(stated[0])  # the plan itself was solved at this valuation
    else:  # time valued at several rates: find a single valuation giving the same choice
        for h in _grid(ceiling):
            if same(h):
                start = h
                break
    if start is None:
        return None
    return _lower_edge(start, same), _upper_edge(start, same, ceiling)


def _grid(ceiling: float) -> list[float]:
    out = [0.0]
    h = 1.0 / 64
    while h <= ceiling:
        out.append(h)
        h *= STEP
    return out


def _bisect(inside: float, outside: float, same) -> float:
    """The breakpoint between a valuation funding the same set (``inside``) and one funding
    another (``outside``), to a relative tolerance of :data:`REL_TOL`; the ``inside`` end of
    the final bracket (a valuation known to keep the choice)."""
    while abs(outside - inside) > REL_TOL * max(abs(outside), abs(inside), 1e-9):
        mid = 0.5 * (inside + outside)
        if same(mid):
            inside = mid
        else:
            outside = mid
    return inside


def _upper_edge(start: float, same, ceiling: float) -> float | None:
    inside = start
    trial = start * STEP if start > 0 else 1.0 / 64
    while trial <= ceiling * STEP:
        if not same(trial):
            return _bisect(inside, trial, same)
        inside, trial = trial, trial * STEP
    return None


def _lower_edge(start: float, same) -> float:
    if start == 0:
        return 0.0
    inside = start
    trials = [start / STEP**k for k in range(1, DOWN_STEPS + 1)] + [0.0]
    for trial in trials:
        if not same(trial):
            return _bisect(inside, trial, same)
        inside = trial
    return 0.0
