"""Planning benchmark (not a test): our assembly + HiGHS against direct HiGHS calls on the
same matrices, on a 10,000-intervention × 50-outcome × 20-resource LP and a 500-intervention
MILP with set-up costs. Printed side by side in one run (best of 3):

- ``cp.plan`` on the compiled model (assembly, the two-stage lexicographic solve, duals,
  caveats, the result; the floor below excludes compiling too), and on the model (compiling
  included);
- one direct HiGHS call (``scipy.optimize.linprog``/``milp``) with the plan's objective on
  the finished matrices: the floor;
- that call plus the tie-break call (least full cost holding the public optimum) that a
  lexicographic plan needs, on the same matrices.

Run: .venv/bin/python benchmarks/bench_plan.py"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

import coproduce as cp
from coproduce.engine.planning.api import _spec
from coproduce.engine.planning.solve import solve_spec
from coproduce.model import compile_model, load_model


def random_map(n_i: int, n_o: int, n_r: int, seed: int, setup: bool) -> dict:
    rng = np.random.default_rng(seed)
    sectors = ["public", "community", "user"]
    resources = {
        f"r{k}": {
            "unit": "hour",
            "sector": sectors[k % 3],
            "unit_cost": float(rng.uniform(5, 50)),
            **({"available": float(n_i * rng.uniform(0.5, 2))} if k % 4 == 1 else {}),
        }
        for k in range(n_r)
    }
    interventions = {}
    links = []
    for i in range(n_i):
        picks = rng.choice(n_r, size=3, replace=False)
        itv = {
            "inputs": {f"r{k}": float(rng.uniform(0.1, 3)) for k in picks},
            "capacity": float(rng.uniform(5, 50)),
        }
        if setup:
            itv["fixed_inputs"] = {f"r{picks[0]}": float(rng.uniform(10, 100))}
        interventions[f"i{i}"] = itv
        for o in rng.choice(n_o // 2, size=2, replace=False):  # into the first half
            links.append({"from": f"i{i}", "to": f"o{o}", "effect": float(rng.uniform(0, 1))})
    for o in range(n_o // 2, n_o):  # second half fed by the first
        for src in rng.choice(n_o // 2, size=3, replace=False):
            links.append({"from": f"o{src}", "to": f"o{o}", "effect": float(rng.uniform(0, 0.5))})
    outcomes = {f"o{o}": {} for o in range(n_o)}
    targets = {f"o{o}": float(n_i * 0.05) for o in range(n_o - 10, n_o)}
    return {
        "coproduce": 1,
        "name": "bench",
        "price_year": 2024,
        "resources": resources,
        "interventions": interventions,
        "outcomes": outcomes,
        "links": links,
        "targets": targets,
    }


def _direct(prog, c, A, b):
    """One HiGHS call on the programme's matrices with objective ``c`` (no assembly)."""
    if prog.is_mip:
        return milp(
            c,
            integrality=prog.integer.astype(int),
            bounds=Bounds(prog.lb, prog.ub),
            constraints=[LinearConstraint(A, -np.inf, b)],
            options={"mip_rel_gap": 1e-6},
        )
    return linprog(c, A_ub=A, b_ub=b, bounds=np.column_stack([prog.lb, prog.ub]), method="highs")


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def bench(label: str, data: dict) -> None:
    m = load_model(data)
    cp.plan(m, same_choice=False)  # warm: imports, caches
    t_plan, p = best_of(lambda: cp.plan(m))
    cm = compile_model(m)
    t_compile, _ = best_of(lambda: compile_model(m))
    try:  # plans on a compiled model (not before this work)
        cp.plan(cm, same_choice=False)
    except (TypeError, AttributeError):  # older code plans a Model only
        t_plan_cm = float("nan")
    else:
        t_plan_cm, p_cm = best_of(lambda: cp.plan(cm))
        assert p_cm.volumes == p.volumes
    # the same programme handed straight to HiGHS (one solve, no tie-break, no duals work)
    spec = _spec(m, cm, dict(m.targets), "public", {}, None, "increase")
    prog, _, _ = solve_spec(cm, spec, "public", 1e-6, "full")
    t_direct, res = best_of(lambda: _direct(prog, prog.c, prog.A, prog.b))
    # and the tie-break HiGHS has to do as well: least full cost holding the public optimum
    # (the plan is lexicographic; on these maps the public optimum has many ties)
    tol = 1e-7 * max(1.0, abs(res.fun))
    A2 = sp.vstack([prog.A, sp.csr_matrix(prog.c[None, :])], format="csr")
    b2 = np.concatenate([prog.b, [res.fun + tol]])
    t_tie, _ = best_of(lambda: _direct(prog, prog.cost_full, A2, b2))
    print(
        f"{label}: {prog.A.shape[0]} rows × {prog.A.shape[1]} columns, "
        f"{prog.A.nnz} non-zeros, status {p.status}"
    )
    print(f"  cp.plan on the compiled model (assembly, solves, duals): {t_plan_cm:8.3f} s")
    print(f"  cp.plan on the model (compiling it too):                 {t_plan:8.3f} s")
    print(f"  compile_model alone:                                     {t_compile:8.3f} s")
    print(f"  direct HiGHS, one solve on the same matrices (floor):    {t_direct:8.3f} s")
    print(f"  direct HiGHS, that solve and the tie-break solve:        {t_direct + t_tie:8.3f} s")
    print(
        f"  ratio (compiled model): {t_plan_cm / t_direct:5.1f}× one solve, "
        f"{t_plan_cm / (t_direct + t_tie):5.1f}× the two solves; with compiling: "
        f"{t_plan / t_direct:5.1f}×, {t_plan / (t_direct + t_tie):5.1f}×; objective agrees: "
        f"{np.isclose(res.fun, p.objective_value, rtol=1e-6, atol=1e-6)}"
    )


if __name__ == "__main__":
    bench(
        "LP 10,000 interventions × 50 outcomes × 20 resources",
        random_map(10_000, 50, 20, seed=1, setup=False),
    )
    bench("MILP 500 interventions with set-up costs", random_map(500, 50, 20, seed=2, setup=True))
