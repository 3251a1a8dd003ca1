"""``plan``: least cost to reach targets, most value within budgets, and the frontier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from ...model.compile import CompiledModel, compile_model
from ...model.distributions import mean_of
from ...model.schema import Model
from ...model.time_value import basis_of
from ...presentation.plan_words import constraint_words, infeasible_words, relax_words
from ..costs import breakdown
from ..effects import outcome_levels
from ..flags import CaveatContext
from .programme import Spec, availability, input_scale, least_volumes
from .result import Constraint, Constraints, FrontierPoint, Plan
from .solve import PlanningError, Relaxation, funded, relax, solve_spec


def _model(model: Model | CompiledModel | str | Path, scenarios: Sequence[str]) -> Model:
    from ...model.load import load_model
    from ...model.scenarios import apply_scenarios

    if isinstance(model, CompiledModel):
        model = model.model
    if isinstance(model, Model):
        return apply_scenarios(model, scenarios) if scenarios else model
    return load_model(model, scenarios=tuple(scenarios))


def unit_values(cm: CompiledModel) -> np.ndarray:
    """The model's value of one unit of each outcome (fiscal + economic + social), currency."""
    return cm.value_fiscal.sum(axis=1) + cm.value_economic + cm.value_social


def _check_args(
    m: Model,
    cm: CompiledModel,
    targets: Mapping[str, float],
    budgets: Mapping[str, float],
    values: Mapping[str, float] | None,
    objective: str,
) -> None:
    from ...model.errors import did_you_mean

    if objective not in ("public", "full"):
        raise PlanningError(f"objective '{objective}': use 'public' or 'full'")
    for oid, a in targets.items():
        if oid not in m.outcomes:
            raise PlanningError(
                f"target '{oid}': unknown outcome{did_you_mean(oid, m.outcomes)}"
                f"; outcomes: {', '.join(m.outcomes)}"
            )
        if not np.isfinite(a) or a < 0:
            raise PlanningError(f"target {oid}={a}: give a finite amount of 0 or more")
    for key, b in budgets.items():
        if key != "full" and key not in cm.sector_ids:
            raise PlanningError(
                f"budget '{key}': unknown sector"
                f"{did_you_mean(key, [*cm.sector_ids, 'full'])}; use one of "
                f"{', '.join([*cm.sector_ids, 'full'])}"
            )
        if not np.isfinite(b) or b < 0:
            raise PlanningError(f"budget {key}={b}: give a finite amount of 0 or more")
    for oid, lam in (values or {}).items():
        if oid not in m.outcomes:
            raise PlanningError(f"value '{oid}': unknown outcome{did_you_mean(oid, m.outcomes)}")
        if not np.isfinite(lam):
            raise PlanningError(f"value {oid}={lam}: give a finite amount")


TARGET_READINGS = ("increase", "total")


def plan(
    model: Model | CompiledModel | str | Path,
    targets: Mapping[str, float] | None = None,
    objective: str = "public",
    *,
    budget: float | Mapping[str, float] | None = None,
    values: Mapping[str, float] | None = None,
    frontier: int = 0,
    scenarios: Sequence[str] = (),
    gap: float = 1e-6,
    targets_as: str = "increase",
    min_evidence: int | None = None,
    same_choice: bool = True,
) -> Plan:
    """Plan the mix of interventions, as changes from what runs today (each intervention's
    ``volume``, the baseline). ``model``: a model, its file, or the model compiled
    (:func:`coproduce.model.compile_model`, to plan many times on one compilation).

    - No ``budget``: the least ``objective`` cost (``public`` or ``full``) that reaches every
      target (``{outcome: amount}`` in outcome units; default the model's ``targets``).
      ``targets_as="increase"`` (the default, as backwards mapping reads them): each amount is
      an increase over the level today's volumes already reach, Σᵢ T[o, i] (planned − today)
      ≥ amount; ``"total"``: the total level reached, counted from nothing.
    - With ``budget`` (currency; a number is a public budget, a mapping gives one per sector or
      ``full``): the most valuable mix within it, valuing outcomes at the model's values or at
      ``values`` (``{outcome: currency per unit}``); ``targets`` then apply only when given.
      The budget caps the cost of the whole planned volumes; with targets read as increases the
      value reported (``objective_value``) is that of the change in outcomes from today.
    - ``frontier=N``: also the best value at N budgets from the least to the most worth
      spending.
    - ``min_evidence=N`` (1–5): plan again without the links graded below N and say whether
      the plan funds the same interventions.
    - ``same_choice``: find ``same_choice_when_time_valued``, the range of hourly valuations
      of users' and communities' time (currency an hour) over which the plan funds the same
      interventions. With a full-cost objective or budget this re-solves the plan some tens
      of times (see :mod:`.switching`); ``False`` skips it (the range is then None), e.g. for
      sweeps over many areas.

    Always within resource ``available`` limits (on the whole planned use), intervention
    ``capacity`` and the least volume each may fall to: ``min_volume``, or ``volume × (1 −
    max_decrease)`` when larger (an intervention without ``max_decrease`` may stop
    altogether). ``fixed_inputs`` are set-up costs paid only when an intervention runs and
    falling marginal cost (``cost_curve``) needs binaries: those plans are mixed-integer
    programmes. ``cost`` is that of the whole planned volumes. The result carries the
    caveats of what it funds, the valuation of users' and communities' time it used, and the
    range of hourly valuations over which it funds the same interventions.
    Raises :class:`PlanningError` when the question cannot be asked of this model.
    """
    if targets_as not in TARGET_READINGS:
        raise PlanningError(
            f"targets_as '{targets_as}': use 'increase' (over what today's "
            "volumes achieve) or 'total' (the level reached from nothing)"
        )
    if min_evidence is not None and (
        isinstance(min_evidence, bool)
        or not isinstance(min_evidence, (int, np.integer))
        or not 1 <= min_evidence <= 5
    ):
        raise PlanningError(
            f"min_evidence {min_evidence}: an evidence grade is a whole number "
            "from 1 (opinion) to 5 (replicated experiments)"
        )
    m = _model(model, scenarios)
    # a compiled model is planned on as it is (compiled once for many plans)
    cm = model if isinstance(model, CompiledModel) and not scenarios else compile_model(m)
    budgets = (
        {}
        if budget is None
        else {"public": float(budget)}
        if isinstance(budget, (int, float))
        else {k: float(v) for k, v in budget.items()}
    )
    if targets is None:
        targets = {} if budgets else dict(m.targets)
    targets = {k: float(v) for k, v in targets.items()}
    _check_args(m, cm, targets, budgets, values, objective)
    if frontier < 0:
        raise PlanningError("frontier: give a number of points, 2 or more")
    if frontier and frontier < 2:
        raise PlanningError("frontier: give 2 or more points")
    if not budgets and not targets:
        raise PlanningError("nothing to plan: give targets ({outcome: amount}) or a budget")
    spec = _spec(m, cm, targets, objective, budgets, values, targets_as)
    result = _plan_once(m, cm, spec, objective, gap, targets_as)
    if frontier:
        fw = spec.weights if spec.weights is not None else _weights(m, cm, values, targets)
        ceiling = None
        if result.status == "optimal" and not budgets:  # unbounded value: go to twice this plan
            ceiling = 2.0 * (
                result.cost["public"] if objective == "public" else result.cost["full"]
            )
        offset = float(outcome_levels(cm, cm.volume) @ fw) if targets_as == "increase" else 0.0
        points, measure = _frontier(m, cm, spec, fw, objective, frontier, gap, ceiling, offset)
        result = _with(result, frontier=points, frontier_measure=measure)
    if result.status == "optimal" and same_choice:
        from .switching import same_choice_range

        result = _with(
            result,
            same_choice_checked=True,
            same_choice_when_time_valued=same_choice_range(
                cm, spec, objective, gap, set(funded(result.volumes))
            ),
        )
    if min_evidence is not None:
        result = _with(
            result,
            min_evidence=_without_weak_links(
                m, result, targets, objective, budgets, values, targets_as, int(min_evidence), gap
            ),
        )
    return result


def _spec(
    m: Model,
    cm: CompiledModel,
    targets: dict[str, float],
    objective: str,
    budgets: dict[str, float],
    values: Mapping[str, float] | None,
    targets_as: str,
) -> Spec:
    """What to solve: targets (with today's levels added when read as increases), the cost
    measure, budgets and, with a budget, the value of each outcome."""
    weights = _weights(m, cm, values, targets) if budgets else None
    cost_sectors = (
        np.array([s == "public" for s in cm.sector_ids])
        if objective == "public"
        else np.ones(len(cm.sector_ids), dtype=bool)
    )
    spec = Spec(targets, cost_sectors, budgets, weights)
    if targets_as == "increase" and targets:
        # what today's volumes already reach on each target: T b, one triangular solve each;
        # the targets' rows go with the spec (they are kept in it)
        spec = replace(spec, target_offset=spec.target_rows(cm) @ cm.volume)
    return spec


def _without_weak_links(
    m: Model,
    result: Plan,
    targets: dict[str, float],
    objective: str,
    budgets: dict[str, float],
    values: Mapping[str, float] | None,
    targets_as: str,
    grade: int,
    gap: float,
) -> dict:
    """The plan again on the model without the links graded below ``grade``: whether it
    funds the same interventions (``survives``) and its volumes, or why there is none."""
    from ...model.scenarios import drop_weak_links

    weak, dropped = drop_weak_links(m, grade)
    out: dict = {"grade": grade, "links_dropped": dropped}
    if not dropped:
        return {
            **out,
            "survives": True,
            "status": result.status,
            "volumes_without_weak_links": dict(result.volumes),
        }
    cm = compile_model(weak)
    try:
        spec = _spec(weak, cm, targets, objective, budgets, values, targets_as)
        other = _plan_once(weak, cm, spec, objective, gap, targets_as)
    except PlanningError as exc:  # e.g. nothing valued is reachable any more
        return {**out, "survives": False, "status": "not_planned", "message": str(exc)}
    out["status"] = other.status
    if other.status == "optimal":
        out["volumes_without_weak_links"] = dict(other.volumes)
        out["cost_without_weak_links"] = {
            "full": other.cost["full"],
            "public": other.cost["public"],
        }
        out["survives"] = result.status == "optimal" and set(funded(other.volumes)) == set(
            funded(result.volumes)
        )
    else:
        out["message"] = other.message
        out["survives"] = result.status != "optimal"  # no plan either way
    return out


def _with(p: Plan, **changes) -> Plan:
    return replace(p, **changes)


def _weights(
    m: Model, cm: CompiledModel, values: Mapping[str, float] | None, targets: Mapping[str, float]
) -> np.ndarray:
    n_o = len(cm.outcome_ids)
    if values:
        w = np.zeros(n_o)
        for oid, lam in values.items():
            w[cm.index[oid] - cm.n_interventions] = lam
        return w
    w = unit_values(cm)
    if np.any(w != 0):
        return w
    if targets:  # nothing valued: count units of the first target's outcome
        w = np.zeros(n_o)
        w[cm.index[next(iter(targets))] - cm.n_interventions] = 1.0
        return w
    raise PlanningError(
        "no outcome has a value in this model: give values "
        "({outcome: amount per unit}), e.g. values={'independent_years': 31000}"
    )


def _plan_once(
    m: Model,
    cm: CompiledModel,
    spec: Spec,
    objective: str,
    gap: float,
    targets_as: str = "increase",
) -> Plan:
    mode = "most_value" if spec.weights is not None else "least_cost"
    tie = ("public" if objective == "full" else "full") if mode == "least_cost" else objective
    prog, sol, x = solve_spec(cm, spec, objective, gap, tie)
    least, _ = least_volumes(cm)
    baseline_levels = outcome_levels(cm, cm.volume)
    itvs = m.interventions
    ids = cm.intervention_ids
    max_decrease = {
        ids[i]: float(cm.max_decrease[i]) for i in np.flatnonzero(cm.max_decrease < 1).tolist()
    }
    common = dict(
        mode=mode,
        objective=objective,
        model_name=m.name,
        currency=m.currency,
        price_year=m.price_year,
        targets=spec.targets,
        budgets=spec.budgets,
        weights=_weight_dict(cm, spec.weights),
        current_volumes=dict(zip(ids, cm.volume.tolist(), strict=True)),
        labels=_labels(m, cm),
        units={iid: itvs[iid].unit or "unit" for iid in ids},
        mixed_integer=prog.is_mip,
        targets_as=targets_as,
        baseline_outcomes=dict(zip(cm.outcome_ids, baseline_levels.tolist(), strict=True)),
        least_volumes={ids[i]: float(least[i]) for i in np.flatnonzero(least > 0).tolist()},
        max_decrease=max_decrease,
        time_value=basis_of(m).to_dict(),
    )
    if sol.status == "unbounded":
        raise PlanningError(
            "the plan is unbounded: some valued intervention has no limit — no capacity, no "
            "limited resource and no cost in a budgeted sector; give it a capacity or a budget"
        )
    offsets = _offsets(spec) if targets_as == "increase" else None
    if sol.status == "infeasible":
        rel = relax(prog, gap=gap)
        return Plan(
            status="infeasible",
            volumes={},
            cost={"full": None, "public": None, "by_sector": {}},
            intervention_costs={},
            outcomes={},
            value=float("nan"),
            objective_value=float("nan"),
            resource_use={},
            constraints=(),
            relaxation=_relaxation_dict(rel.alone),
            relaxation_together={_key(t): v for t, v in rel.together.items()},
            message=_infeasible_message(m, cm, prog, rel, offsets, targets_as),
            **common,
        )
    v = prog.volumes(x, cm.n_interventions)
    v = np.where(np.abs(v) < 1e-9 * max(1.0, float(np.abs(v).max(initial=0))), 0.0, v)
    quantities = _quantities(cm, prog, v)
    by_resource = quantities.sum(axis=0) * cm.unit_cost
    cost = breakdown(cm, by_resource)
    levels = outcome_levels(cm, v)
    value = float(levels @ unit_values(cm))
    per_itv = {}
    n_sectors = len(cm.sector_ids)
    for i in np.flatnonzero(v > 0).tolist():  # as costs.breakdown, but only what is kept
        row = quantities[i] * cm.unit_cost
        by_sector = np.bincount(cm.resource_sector, weights=row, minlength=n_sectors)
        per_itv[ids[i]] = {
            "full": float(row.sum()),
            "public": float(by_sector[cm.public_sector]),
            "by_sector": dict(zip(cm.sector_ids, by_sector.tolist(), strict=True)),
        }
    avail = availability(cm)
    used = quantities.sum(axis=0)
    resource_use = {
        rid: {
            "used": float(used[r]),
            "available": float(avail[r]) if np.isfinite(avail[r]) else None,
        }
        for r, rid in enumerate(cm.resource_ids)
        if used[r] > 0 or np.isfinite(avail[r])
    }
    constraints = _constraints(m, cm, prog, x, sol.duals, mode, objective, offsets)
    if spec.weights is not None:
        # with targets read as increases, the value of the change in outcomes from today
        obj_value = float(
            (levels - (baseline_levels if targets_as == "increase" else 0.0)) @ spec.weights
        )
    else:
        obj_value = cost.public if objective == "public" else cost.full
    cost_dict = {
        "full": cost.full,
        "public": cost.public,
        "by_sector": cost.by_sector,
        "by_resource": cost.by_resource,
        "public_by_agency": cost.public_by_agency,
        "coproduction_share": cost.coproduction_share,
    }
    # the caveats of what the plan funds, on its own resource use (cost curves included); a
    # most-value plan without targets is flagged on the outcomes it values
    flagged = list(spec.targets) or [o for o, w in _weight_dict(cm, spec.weights).items()]
    caveats = CaveatContext(cm, flagged).for_volumes(v, quantities=quantities)
    return Plan(
        status="optimal",
        volumes=dict(zip(cm.intervention_ids, v.tolist(), strict=True)),
        cost=cost_dict,
        intervention_costs=per_itv,
        outcomes=dict(zip(cm.outcome_ids, map(float, levels), strict=True)),
        value=value,
        objective_value=obj_value,
        resource_use=resource_use,
        constraints=constraints,
        relaxation={},
        relaxation_together={},
        message="",
        caveats=caveats.to_dict(),
        flags=caveats.flags,
        flag_shares=caveats.flag_shares,
        value_change=float((levels - baseline_levels) @ unit_values(cm)),
        **common,
    )


def _labels(m: Model, cm: CompiledModel) -> dict[str, str]:
    """Every node's and resource's label (:meth:`Model.labels`)."""
    named = m.labels()
    return {n: named.get(n, n) for n in cm.node_ids + cm.resource_ids}


def _offsets(spec: Spec) -> dict[str, float]:
    """Per target, the level today's volumes already reach (0 for total levels)."""
    if spec.target_offset is None:
        return {o: 0.0 for o in spec.targets}
    return {o: float(x) for o, x in zip(spec.targets, spec.target_offset, strict=True)}


def _weight_dict(cm: CompiledModel, w: np.ndarray | None) -> dict[str, float]:
    if w is None:
        return {}
    return {o: float(x) for o, x in zip(cm.outcome_ids, w, strict=True) if x != 0}


def _quantities(cm: CompiledModel, prog, v: np.ndarray) -> np.ndarray:
    """Resources used by each intervention at volumes ``v`` (interventions × resources): the
    per-unit inputs scaled along the cost curve, plus fixed inputs when it runs."""
    scale = input_scale(prog.bands, cm.n_interventions, v)
    return cm.inputs * scale[:, None] + cm.fixed_inputs * (v > 0)[:, None]


def _key(tag: tuple[str, str]) -> str:
    kind, name = tag
    if kind in ("target", "resource"):
        return name
    if kind == "budget":
        return f"budget.{name}"
    return f"{name}.{kind}"


def _relaxation_dict(alone: dict[tuple[str, str], float | None]) -> dict[str, float]:
    return {_key(t): v for t, v in alone.items() if v is not None and v > 0}


def _constraint_meta(m: Model, cm: CompiledModel, kind: str, name: str) -> tuple[str, str]:
    if kind == "target":
        return m.outcomes[name].label or name, m.outcomes[name].unit or "unit"
    if kind == "resource":
        return m.resources[name].label or name, m.resources[name].unit
    if kind == "budget":
        label = "all sectors" if name == "full" else m.sectors[name].label
        return f"budget ({label})", m.currency
    itv = m.interventions[name]
    return itv.label or name, itv.unit or "unit"


def _constraints(
    m: Model,
    cm: CompiledModel,
    prog,
    x: np.ndarray,
    duals: np.ndarray | None,
    mode: str,
    objective: str,
    offsets: Mapping[str, float] | None = None,
) -> Constraints:
    """The plan's constraints (all but set-up and band rows), with levels, limits, binding
    and shadow prices worked out for every row at once; the objects and their sentences are
    made when first read."""
    activity = prog.A @ x
    b = prog.b
    sign = np.array(
        [-1.0 if kind in ("target", "min_volume", "max_decrease") else 1.0 for kind, _ in prog.tags]
    )
    binding = np.abs(b - activity) <= 1e-6 * np.maximum(1.0, np.abs(b))
    tiny_price = 1e-9 * max(1.0, abs(prog.c).max(initial=1.0))  # once, not once a row
    price = -duals if duals is not None else np.full(len(b), np.nan)
    price = np.where(np.abs(price) < tiny_price, 0.0, price)
    level, limit = sign * activity, sign * b
    tags = prog.tags

    def make() -> tuple[Constraint, ...]:
        cur = m.currency
        measure = "public money" if objective == "public" else "full cost (every sector)"
        out = []
        for (kind, name), lv, lim, bind, pr in zip(
            tags,
            level.tolist(),
            limit.tolist(),
            binding.tolist(),
            price.tolist(),
            strict=True,
        ):
            if kind in ("setup", "band"):
                continue
            if kind == "target" and offsets is not None:
                # a target read as an increase: its limit and level count from today's level
                lv, lim = lv - offsets[name], lim - offsets[name]
            label, unit = _constraint_meta(m, cm, kind, name)
            out.append(
                Constraint(
                    key=_key((kind, name)),
                    kind=kind,
                    name=name,
                    label=label,
                    unit=unit,
                    limit=float(lim),
                    level=float(lv),
                    binding=bool(bind),
                    shadow_price=float(pr),
                    say=partial(
                        constraint_words,
                        kind,
                        label,
                        unit,
                        pr,
                        lim,
                        lv,
                        bind,
                        mode,
                        measure,
                        cur,
                        increase=offsets is not None,
                    ),
                )
            )
        return tuple(out)

    return Constraints(make)


def _infeasible_message(
    m: Model,
    cm: CompiledModel,
    prog,
    rel: Relaxation,
    offsets: Mapping[str, float] | None = None,
    targets_as: str = "increase",
) -> str:
    limits = dict(zip(prog.tags, prog.b, strict=True))
    for name, off in (offsets or {}).items():  # state targets as the increases asked for
        limits[("target", name)] += off

    def words(tag: tuple[str, str], amount: float) -> str:
        label, unit = _constraint_meta(m, cm, *tag)
        return relax_words(tag[0], label, unit, amount, limits[tag], m.currency)

    alone = [
        words(tag, amount)
        for tag, amount in sorted(rel.alone.items(), key=lambda kv: kv[0][0] != "target")
        if amount is not None and amount > 0
    ]
    together = [words(t, a) for t, a in rel.together.items()]
    return infeasible_words(alone, together, targets_as)


def _frontier(
    m: Model,
    cm: CompiledModel,
    spec: Spec,
    weights: np.ndarray,
    objective: str,
    n: int,
    gap: float,
    ceiling: float | None,
    offset: float = 0.0,
) -> tuple[tuple[FrontierPoint, ...], str]:
    """Best value at ``n`` budgets, from the least spend the least volumes force to the
    spend beyond which nothing more of value can be had, or the budget given (or, when value
    could grow without end, ``ceiling``: twice the cost of the targets plan). ``offset`` (the
    value of today's outcomes when targets are increases) is taken from each point's value."""
    key = "public" if objective == "public" else "full"
    base = {k: b for k, b in spec.budgets.items() if k != key}
    if key in spec.budgets:
        top = spec.budgets[key]
    else:
        open_spec = Spec(targets={}, cost_sectors=spec.cost_sectors, budgets=base, weights=weights)
        prog, sol, x = solve_spec(cm, open_spec, objective, gap, key)
        if sol.status == "unbounded" and ceiling is None:
            raise PlanningError(
                "the frontier needs a budget ceiling: some valued intervention "
                "has no capacity or limited resource; give a budget"
            )
        if sol.status == "unbounded":
            top = float(ceiling)  # type: ignore[arg-type]
        elif sol.status != "optimal":
            raise PlanningError(
                "the frontier cannot be drawn: the limits and minimum volumes cannot all be met"
            )
        else:
            top = float(_cost_at(cm, prog, x, key))
    floor_spec = Spec(targets={}, cost_sectors=spec.cost_sectors, budgets=base, weights=None)
    if np.any(least_volumes(cm)[0] > 0):
        prog, sol, x = solve_spec(cm, floor_spec, objective, gap, key)
        bottom = float(_cost_at(cm, prog, x, key)) if sol.status == "optimal" else 0.0
    else:
        bottom = 0.0
    points = []
    for b in np.linspace(bottom, max(top, bottom), n):
        s = Spec(
            targets={},
            cost_sectors=spec.cost_sectors,
            budgets={**base, key: float(b)},
            weights=weights,
        )
        prog, sol, x = solve_spec(cm, s, objective, gap, key)
        if sol.status != "optimal":
            continue
        v = prog.volumes(x, cm.n_interventions)
        q = _quantities(cm, prog, v)
        c = breakdown(cm, q.sum(axis=0) * cm.unit_cost)
        points.append(
            FrontierPoint(
                budget=float(b),
                cost_public=c.public,
                cost_full=c.full,
                value=float(outcome_levels(cm, v) @ weights) - offset,
                volumes=dict(zip(cm.intervention_ids, v.tolist(), strict=True)),
            )
        )
    nonzero = {o: w for o, w in _weight_dict(cm, weights).items()}
    if len(nonzero) == 1 and next(iter(nonzero.values())) == 1.0:
        measure = f"level of {m.label_of(next(iter(nonzero)))}"
    else:
        measure = f"value of outcomes ({m.currency})"
    return tuple(points), measure


def _cost_at(cm: CompiledModel, prog, x: np.ndarray, key: str) -> float:
    v = prog.volumes(x, cm.n_interventions)
    c = breakdown(cm, _quantities(cm, prog, v).sum(axis=0) * cm.unit_cost)
    return c.public if key == "public" else c.full


__all__ = ["TARGET_READINGS", "Plan", "PlanningError", "funded", "mean_of", "plan", "unit_values"]
