"""The joint plan: one programme for every service of a portfolio, solved once by HiGHS.

Each service's planning programme is built as ``plan`` builds it
(:func:`coproduce.engine.planning.programme.build`: targets read as increases over what its
services achieve today, capacities, the least volume each may fall to, set-up costs, cost
curves, its own limited resources) and the programmes are stacked block-diagonally. Then the
shared rows are added:

- one row per **pool** (per area when the pool gives hours by area): the hours every service
  draws from it together are at most its ``available``; the pooled resources' own
  ``available`` in the model files is replaced by the pool;
- one row per **budget**: a sector's (``public``, ...) or every sector's (``full``) cost of the
  whole planned volumes, summed over services, or the **enabling** spend — public money on the
  inputs that co-produced interventions declare as enabling them (organisers, coordinators,
  training) — at most the amount given.

The objective is the least public (or full) cost of the whole portfolio, ties broken by the
other cost, as ``plan`` does. The shadow price of a row is what one more unit of it saves (a
pool's hour, a budget's pound) or costs (a target's unit), in the objective's money: the dual
of the linear programme, or of the linear programme with the integer decisions held as the plan
chose them when set-up costs or economies of scale make it mixed-integer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..engine.costs import breakdown
from ..engine.effects import outcome_levels
from ..engine.flags import CaveatContext
from ..engine.planning.api import _quantities, _spec
from ..engine.planning.programme import (
    Bands,
    Programme,
    bands_of,
    build,
    upper_volumes,
)
from ..engine.planning.solve import relax, solve
from ..model.compile import CompiledModel, compile_model
from ..model.schema import Model
from .kinds import by_kind, is_coproduced
from .load import Portfolio

_RETRIES = 4


@dataclass(frozen=True)
class JointPlan:
    """The joint plan of a portfolio. Volumes per period in each intervention's unit; money in
    the portfolio's currency and price year; hours in the pools' unit.

    ``shadow_prices``: ``pools{pool: money an hour saves}`` (per area: ``pool.area``),
    ``budgets{key: money a pound saves}``, ``targets{service: {outcome: money a unit costs}}``,
    ``resources{service: {resource: money a unit saves}}`` (a service's own limited
    resources)."""

    status: str
    objective: str
    volumes: dict[str, dict[str, float]]
    baseline: dict[str, dict[str, float]]
    cost: dict
    outcomes: dict[str, dict[str, float]]
    baseline_outcomes: dict[str, dict[str, float]]
    targets: dict[str, dict[str, float]]
    shadow_prices: dict
    constraints: tuple[dict, ...]
    pool_use: dict[str, dict]
    budget_use: dict[str, dict]
    enabling_spend: dict[str, dict[str, float]]
    by_kind: dict[str, dict]
    flags: dict[str, list[str]]
    mixed_integer: bool
    relaxation: dict = field(default_factory=dict)
    relaxation_together: dict = field(default_factory=dict)

    @property
    def changes(self) -> dict[str, dict[str, float]]:
        return {
            s: {i: v - self.baseline[s].get(i, 0.0) for i, v in vols.items()}
            for s, vols in self.volumes.items()
        }

    @property
    def binding_targets(self) -> list[tuple[str, str]]:
        return [
            (c["service"], c["name"])
            for c in self.constraints
            if c["kind"] == "target" and c["binding"]
        ]

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "objective": self.objective,
            "volumes": self.volumes,
            "baseline": self.baseline,
            "changes": self.changes,
            "cost": self.cost,
            "outcomes": self.outcomes,
            "baseline_outcomes": self.baseline_outcomes,
            "targets": self.targets,
            "shadow_prices": self.shadow_prices,
            "binding": [c["key"] for c in self.constraints if c["binding"]],
            "constraints": list(self.constraints),
            "pool_use": self.pool_use,
            "budget_use": self.budget_use,
            "enabling_spend": self.enabling_spend,
            "by_kind": self.by_kind,
            "flags": self.flags,
            "mixed_integer": self.mixed_integer,
            "relaxation": self.relaxation,
            "relaxation_together": self.relaxation_together,
        }


@dataclass
class _Block:
    name: str
    model: Model  # pooled resources without their own availability
    cm: CompiledModel
    bound_cm: CompiledModel  # pooled resources at the pool's hours: bounds on volume only
    spec: object
    prog: Programme | None = None
    use: sp.csr_matrix | None = None
    col: int = 0


def _without(model: Model, rids: list[str], value: float | None) -> Model:
    res = {
        rid: (r.model_copy(update={"available": value}) if rid in rids else r)
        for rid, r in model.resources.items()
    }
    return model.model_copy(update={"resources": res})


def _use(cm: CompiledModel, prog: Programme) -> sp.csr_matrix:
    """Resource use per unit of each column of ``prog`` (resources × columns): band columns
    scale the per-unit inputs, set-up columns carry the fixed inputs, order binaries none."""
    bands = prog.bands
    n_x = prog.A.shape[1] if prog.A.shape[0] else len(prog.c)
    n_y = len(prog.setup_of)
    n_z = n_x - prog.n_s - n_y
    use_s = sp.csr_matrix(cm.inputs[bands.owner].T * bands.multiplier[None, :])
    use_y = sp.csr_matrix(cm.fixed_inputs[prog.setup_of].T)
    return sp.hstack([use_s, use_y, sp.csr_matrix((len(cm.resource_ids), n_z))], format="csr")


def enabling_mask(cm: CompiledModel) -> np.ndarray:
    """(interventions × resources): the public inputs a co-produced intervention declares as
    enabling it."""
    mask = np.zeros((cm.n_interventions, len(cm.resource_ids)), dtype=bool)
    public = cm.resource_sector == cm.public_sector
    for i, iid in enumerate(cm.intervention_ids):
        if not is_coproduced(cm, iid):
            continue
        for rid in cm.model.interventions[iid].enabling:
            r = cm.resource_ids.index(rid)
            mask[i, r] = public[r]
    return mask


def _enabling_row(cm: CompiledModel, prog: Programme) -> np.ndarray:
    """Enabling spend per unit of each column."""
    mask = enabling_mask(cm).astype(float)
    bands = prog.bands
    n_x = len(prog.c)
    out = np.zeros(n_x)
    out[: prog.n_s] = (cm.inputs[bands.owner] * mask[bands.owner] * cm.unit_cost[None, :]).sum(
        axis=1
    ) * bands.multiplier
    y = prog.setup_of
    out[prog.n_s : prog.n_s + len(y)] = (cm.fixed_inputs[y] * mask[y] * cm.unit_cost[None, :]).sum(
        axis=1
    )
    return out


def _budget_row(cm: CompiledModel, prog: Programme, use: sp.csr_matrix, key: str) -> np.ndarray:
    if key == "enabling":
        return _enabling_row(cm, prog)
    if key == "full":
        mask = np.ones(len(cm.resource_ids), dtype=bool)
    else:
        mask = cm.resource_sector == cm.sector_ids.index(key)
    return np.asarray(use.T @ (cm.unit_cost * mask)).ravel()


def _blocks(pf: Portfolio, objective: str) -> list[_Block]:
    out = []
    for name, svc in pf.services.items():
        pooled = list(pf.pooled(name))
        model = _without(svc.model, pooled, None)
        cm = compile_model(model)
        hours = {}
        for rid, pool in pf.pooled(name).items():
            p = pf.pools[pool]
            hours[rid] = p.available[svc.area] if p.by_area else p.total
        bound_model = model
        for rid, h in hours.items():
            bound_model = _without(bound_model, [rid], float(h))
        spec = _spec(model, cm, dict(svc.targets), objective, {}, None, "increase")
        out.append(_Block(name, model, cm, compile_model(bound_model), spec))
    return out


def _stack(
    pf: Portfolio, blocks: list[_Block], big_m: dict[str, np.ndarray]
) -> tuple[Programme, list[tuple[str, str, str]]]:
    """The joint programme and, per row, (kind, service or '', name)."""
    col = 0
    rows: list[tuple[str, str, str]] = []
    for bl in blocks:
        bl.prog = build(bl.cm, bl.spec, big_m[bl.name])
        bl.use = _use(bl.cm, bl.prog)
        bl.col = col
        col += len(bl.prog.c)
        rows.extend((k, bl.name, n) for k, n in bl.prog.tags)
    n_x = col
    progs = [bl.prog for bl in blocks]
    A_parts = [sp.block_diag([p.A for p in progs], format="csr")] if progs else []
    b_parts = [np.concatenate([p.b for p in progs])] if progs else []
    for pool in pf.pools.values():
        for key, hours, members in pool.rows(pf.services):
            row = np.zeros(n_x)
            for bl in blocks:
                if bl.name not in members:
                    continue
                for rid in pool.resources.get(bl.name, []):
                    r = bl.cm.resource_ids.index(rid)
                    row[bl.col : bl.col + len(bl.prog.c)] += bl.use[r].toarray().ravel()
            A_parts.append(sp.csr_matrix(row[None, :]))
            b_parts.append(np.array([hours]))
            rows.append(("pool", "", key))
    for key, amount in pf.budgets.items():
        row = np.zeros(n_x)
        for bl in blocks:
            row[bl.col : bl.col + len(bl.prog.c)] = _budget_row(bl.cm, bl.prog, bl.use, key)
        A_parts.append(sp.csr_matrix(row[None, :]))
        b_parts.append(np.array([amount]))
        rows.append(("budget", "", key))
    A = sp.vstack(A_parts, format="csr") if A_parts else sp.csr_matrix((0, n_x))
    b = np.concatenate(b_parts) if b_parts else np.zeros(0)

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(p, attr) for p in progs])

    # relax() reads the constraint kind from each tag: pools relax as resources
    tags = tuple(("resource" if k == "pool" else k, f"{s}/{n}") for k, s, n in rows)
    empty = Bands(
        np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    )
    prog = Programme(
        c=cat("c"),
        A=A,
        b=b,
        lb=cat("lb"),
        ub=cat("ub"),
        integer=cat("integer"),
        tags=tags,
        bands=empty,
        n_s=0,
        setup_of=np.zeros(0, dtype=np.int64),
        cost_full=cat("cost_full"),
        cost_public=cat("cost_public"),
        cost_objective=cat("cost_objective"),
        value=np.zeros(n_x),
    )
    return prog, rows


def joint_plan(pf: Portfolio, objective: str = "public", *, gap: float = 1e-6) -> JointPlan:
    """The least ``objective`` cost (``public`` or ``full``) across every service of ``pf``
    that reaches each service's targets within the pools, the budgets and each service's own
    limits, as one programme (see the module docstring)."""
    if objective not in ("public", "full"):
        from ..engine.planning.solve import PlanningError

        raise PlanningError(f"objective '{objective}': use 'public' or 'full'")
    blocks = _blocks(pf, objective)
    big_m, guess = {}, {}
    for bl in blocks:
        m, g = upper_volumes(
            bl.bound_cm, bl.spec, bands_of(bl.bound_cm), bl.spec.target_rows(bl.bound_cm)
        )
        big_m[bl.name], guess[bl.name] = m, g
    for attempt in range(_RETRIES):
        prog, rows = _stack(pf, blocks, big_m)
        tie = prog.cost_full if objective == "public" else prog.cost_public
        sol, x = solve(prog, tie, gap=gap)
        if sol.status != "optimal" or x is None or not prog.is_mip:
            break
        hit = False
        for bl in blocks:
            v = bl.prog.volumes(x[bl.col : bl.col + len(bl.prog.c)], bl.cm.n_interventions)
            if np.any(guess[bl.name] & (v >= big_m[bl.name] * (1 - 1e-7))):
                big_m[bl.name] = np.where(guess[bl.name], big_m[bl.name] * 100.0, big_m[bl.name])
                hit = True
        if not hit or attempt == _RETRIES - 1:
            break
    if sol.status == "unbounded":  # pragma: no cover - costs are never negative
        raise RuntimeError("the joint plan is unbounded")
    baseline = {
        bl.name: dict(zip(bl.cm.intervention_ids, map(float, bl.cm.volume), strict=True))
        for bl in blocks
    }
    base_out = {
        bl.name: dict(
            zip(bl.cm.outcome_ids, map(float, outcome_levels(bl.cm, bl.cm.volume)), strict=True)
        )
        for bl in blocks
    }
    targets = {s.name: dict(s.targets) for s in pf.services.values()}
    common = dict(
        objective=objective,
        baseline=baseline,
        baseline_outcomes=base_out,
        targets=targets,
        mixed_integer=prog.is_mip,
    )
    if sol.status == "infeasible":
        rel = relax(prog, gap=gap)
        return JointPlan(
            status="infeasible",
            volumes={},
            cost={"public": None, "full": None},
            outcomes={},
            shadow_prices={"pools": {}, "budgets": {}, "targets": {}, "resources": {}},
            constraints=(),
            pool_use={},
            budget_use={},
            enabling_spend={},
            by_kind={},
            flags={},
            relaxation=_relaxation(rel.alone, rows, prog, blocks),
            relaxation_together=_relaxation(rel.together, rows, prog, blocks),
            **common,
        )
    return _read(pf, blocks, prog, rows, sol, x, common)


def _offsets(bl: _Block) -> dict[str, float]:
    off = bl.spec.target_offset
    return {o: (0.0 if off is None else float(off[k])) for k, o in enumerate(bl.spec.targets)}


def _relaxation(
    found: dict, rows: list[tuple[str, str, str]], prog: Programme, blocks: list[_Block]
) -> dict:
    """Relaxations keyed ``service.name`` (targets, resources, capacities ...), ``pool.key``
    or ``budget.key``, each with its amount and kind."""
    out = {}
    index = {t: k for k, t in enumerate(prog.tags)}
    for tag, amount in found.items():
        if amount is None or not amount > 0:
            continue
        kind, service, name = rows[index[tag]]
        key = f"{kind}.{name}" if not service else f"{service}.{name}"
        if service and kind not in ("target", "resource"):
            key = f"{service}.{name}.{kind}"
        out[key] = {"kind": kind, "service": service or None, "name": name, "amount": float(amount)}
    return out


def _read(
    pf: Portfolio,
    blocks: list[_Block],
    prog: Programme,
    rows: list[tuple[str, str, str]],
    sol,
    x: np.ndarray,
    common: dict,
) -> JointPlan:
    duals = sol.duals
    activity = prog.A @ x
    scale = max(1.0, float(np.abs(prog.c).max(initial=1.0)))
    volumes, outcomes, by_k, flags, enabling = {}, {}, {}, {}, {}
    cost_by_service = {}
    total_q: dict[str, np.ndarray] = {}
    for bl in blocks:
        xs = x[bl.col : bl.col + len(bl.prog.c)]
        v = bl.prog.volumes(xs, bl.cm.n_interventions)
        v = np.where(np.abs(v) < 1e-9 * max(1.0, float(np.abs(v).max(initial=0))), 0.0, v)
        q = _quantities(bl.cm, bl.prog, v)
        total_q[bl.name] = q
        c = breakdown(bl.cm, q.sum(axis=0) * bl.cm.unit_cost)
        cost_by_service[bl.name] = {
            "public": c.public,
            "full": c.full,
            "by_sector": c.by_sector,
            "coproduction_share": c.coproduction_share,
        }
        volumes[bl.name] = dict(zip(bl.cm.intervention_ids, map(float, v), strict=True))
        outcomes[bl.name] = dict(
            zip(bl.cm.outcome_ids, map(float, outcome_levels(bl.cm, v)), strict=True)
        )
        targets = list(bl.spec.targets)
        by_k[bl.name] = by_kind(bl.cm, v, targets, quantities=q)
        caveats = CaveatContext(bl.cm, targets).for_volumes(v, quantities=q)
        flags[bl.name] = list(caveats.flags)
        mask = enabling_mask(bl.cm)
        spend = (q * mask * bl.cm.unit_cost[None, :]).sum(axis=1)
        enabling[bl.name] = {
            iid: float(s) for iid, s in zip(bl.cm.intervention_ids, spend, strict=True) if s > 0
        }
    constraints, prices = [], {"pools": {}, "budgets": {}, "targets": {}, "resources": {}}
    offsets = {bl.name: _offsets(bl) for bl in blocks}
    for k, (kind, service, name) in enumerate(rows):
        if kind in ("setup", "band"):
            continue
        price = float(-duals[k]) if duals is not None else float("nan")
        if abs(price) < 1e-9 * scale:
            price = 0.0
        sign = -1.0 if kind in ("target", "min_volume", "max_decrease") else 1.0
        level, limit = sign * float(activity[k]), sign * float(prog.b[k])
        binding = abs(prog.b[k] - activity[k]) <= 1e-6 * max(1.0, abs(prog.b[k]))
        if kind == "target":
            level -= offsets[service][name]
            limit -= offsets[service][name]
            prices["targets"].setdefault(service, {})[name] = price
        elif kind == "resource":
            prices["resources"].setdefault(service, {})[name] = price
        elif kind == "pool":
            prices["pools"][name] = price
        elif kind == "budget":
            prices["budgets"][name] = price
        key = (
            f"{kind}.{name}"
            if not service
            else f"{service}.{name}"
            if kind in ("target", "resource")
            else f"{service}.{name}.{kind}"
        )
        constraints.append(
            {
                "key": key,
                "kind": kind,
                "service": service or None,
                "name": name,
                "limit": limit,
                "level": level,
                "binding": bool(binding),
                "shadow_price": price,
            }
        )
    pool_use = {}
    for pool in pf.pools.values():
        for key, hours, members in pool.rows(pf.services):
            by_service = {}
            for bl in blocks:
                if bl.name in members:
                    rs = [bl.cm.resource_ids.index(r) for r in pool.resources.get(bl.name, [])]
                    by_service[bl.name] = float(total_q[bl.name][:, rs].sum())
            pool_use[key] = {
                "pool": pool.name,
                "available": float(hours),
                "used": float(sum(by_service.values())),
                "by_service": by_service,
                "by_intervention": {
                    bl.name: {
                        iid: float(h)
                        for iid, h in zip(
                            bl.cm.intervention_ids,
                            total_q[bl.name][
                                :,
                                [
                                    bl.cm.resource_ids.index(r)
                                    for r in pool.resources.get(bl.name, [])
                                ],
                            ].sum(axis=1),
                            strict=True,
                        )
                        if h > 0
                    }
                    for bl in blocks
                    if bl.name in members
                },
            }
    budget_use = {}
    for key, amount in pf.budgets.items():
        by_service = {}
        for bl in blocks:
            if key == "enabling":
                by_service[bl.name] = float(sum(enabling[bl.name].values()))
            elif key == "full":
                by_service[bl.name] = cost_by_service[bl.name]["full"]
            else:
                by_service[bl.name] = cost_by_service[bl.name]["by_sector"].get(key, 0.0)
        budget_use[key] = {
            "limit": float(amount),
            "used": float(sum(by_service.values())),
            "by_service": by_service,
        }
    cost = {
        "public": float(sum(c["public"] for c in cost_by_service.values())),
        "full": float(sum(c["full"] for c in cost_by_service.values())),
        "by_service": cost_by_service,
    }
    cost["coproduction_share"] = (
        float(sum(c["full"] * c["coproduction_share"] for c in cost_by_service.values()))
        / cost["full"]
        if cost["full"] > 0
        else 0.0
    )
    return JointPlan(
        status="optimal",
        volumes=volumes,
        cost=cost,
        outcomes=outcomes,
        shadow_prices=prices,
        constraints=tuple(constraints),
        pool_use=pool_use,
        budget_use=budget_use,
        enabling_spend=enabling,
        by_kind=by_k,
        flags=flags,
        **common,
    )
