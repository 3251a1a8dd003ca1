"""Solving a planning programme with HiGHS (through SciPy) and reading its duals.

- A linear programme goes to ``scipy.optimize.linprog(method="highs")``; its row duals are
  ``res.ineqlin.marginals`` (∂ objective / ∂ right-hand side).
- A mixed-integer programme goes to ``scipy.optimize.milp`` (HiGHS branch and bound). It has
  no duals; the duals reported are those of the linear programme with every integer decision
  (which interventions run, which cost band is reached) held at its optimal value.
- Ties are broken lexicographically: among plans with the best objective, the one with the
  least cost in the other measure (full cost after public, public after full, public cost
  after value). Any primal optimum is complementary to any dual optimum, so the first stage's
  duals stay valid for the second stage's plan.
- An infeasible programme is made elastic: each relaxable row gets a slack column, and the
  least relaxation of each constraint alone (and the least relative relaxation of all together)
  is found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...errors import BadInput, NoAnswer
from ...model.compile import CompiledModel
from .programme import (
    RELAXABLE,
    Programme,
    Spec,
    bands_of,
    build,
    upper_volumes,
)

if TYPE_CHECKING:  # scipy loads when a plan is solved, not at start-up
    import scipy.sparse as sp


class PlanningError(BadInput, ValueError):
    """The programme cannot be set up as asked (an unknown outcome, a bad budget ...)."""


class SolverFailed(NoAnswer, ValueError):
    """HiGHS stopped without an answer (numerical trouble, typically from amounts many orders
    of magnitude apart): the request was valid, the analysis could not be done."""


@dataclass(frozen=True)
class Solution:
    status: str  # optimal, infeasible, unbounded
    x: np.ndarray | None
    objective: float
    duals: np.ndarray | None  # ∂ objective / ∂ b for each row (LP, or the fixed LP)
    reduced: np.ndarray | None = None  # reduced cost of each column (LP)


def _solve(
    c: np.ndarray,
    A: sp.csr_matrix,
    b: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integer: np.ndarray,
    gap: float,
) -> Solution:
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # import when used

    if integer.any():
        cons = [LinearConstraint(A, -np.inf, b)] if A.shape[0] else []
        res = milp(
            c,
            integrality=integer.astype(int),
            bounds=Bounds(lb, ub),
            constraints=cons,
            options={"mip_rel_gap": gap, "presolve": True},
        )
        status = {0: "optimal", 2: "infeasible", 3: "unbounded"}.get(res.status)
        if status is None and res.x is None and "unbounded" in str(res.message).lower():
            # HiGHS may not tell which; the relaxation does (an unbounded MIP has an
            # unbounded relaxation, and an infeasible relaxation means an infeasible MIP)
            relaxed = _solve(c, A, b, lb, ub, np.zeros_like(integer), gap)
            status = relaxed.status if relaxed.status != "optimal" else "unbounded"
        if status is None:
            if res.x is not None:  # time or node limit with a feasible point
                status = "optimal"
            else:
                raise SolverFailed(f"the solver stopped: {res.message}")
        if status != "optimal":
            return Solution(status, None, np.nan, None)
        return Solution("optimal", np.asarray(res.x), float(res.fun), None)
    res = linprog(
        c,
        A_ub=A if A.shape[0] else None,
        b_ub=b if A.shape[0] else None,
        bounds=np.column_stack([lb, ub]),
        method="highs",
    )
    if res.status == 2:
        return Solution("infeasible", None, np.nan, None)
    if res.status == 3:
        return Solution("unbounded", None, np.nan, None)
    if res.status != 0:
        raise SolverFailed(f"the solver stopped: {res.message}")
    duals = np.asarray(res.ineqlin.marginals) if A.shape[0] else np.zeros(0)
    reduced = np.asarray(res.lower.marginals) + np.asarray(res.upper.marginals)
    return Solution("optimal", np.asarray(res.x), float(res.fun), duals, reduced)


def _lexicographic(
    c: np.ndarray,
    A: sp.csr_matrix,
    b: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integer: np.ndarray,
    tie_break: np.ndarray,
    gap: float,
) -> tuple[Solution, np.ndarray | None]:
    """Best ``c·x``; then, holding it, least ``tie_break·x``."""
    first = _solve(c, A, b, lb, ub, integer, gap)
    if first.status != "optimal" or first.x is None:
        return first, None
    if not integer.any() and first.duals is not None and first.reduced is not None:
        return first, _optimal_face(first, A, b, lb, ub, tie_break, c)
    import scipy.sparse as sp

    tol = 1e-7 * max(1.0, abs(first.objective))
    A2 = sp.vstack([A, sp.csr_matrix(c[None, :])], format="csr")
    b2 = np.concatenate([b, [first.objective + tol]])
    second = _solve(tie_break, A2, b2, lb, ub, integer, gap)
    x = second.x if second.status == "optimal" and second.x is not None else first.x
    return first, x


def _optimal_face(
    first: Solution,
    A: sp.csr_matrix,
    b: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    tie_break: np.ndarray,
    c: np.ndarray,
) -> np.ndarray:
    """Least ``tie_break·x`` over the LP's optimal face: rows with a non-zero dual held tight,
    columns with a non-zero reduced cost held at their bound (complementary slackness), so the
    first objective cannot move at all.

    The held columns are taken out before HiGHS sees the programme: it is solved over the
    free columns alone, on the rows that have any (their limits less what the held columns
    use), a programme often a fraction of the first."""
    from scipy.optimize import linprog

    assert first.x is not None and first.duals is not None and first.reduced is not None
    scale = max(1.0, float(np.abs(c).max(initial=0.0)))
    tight = np.abs(first.duals) > 1e-9 * scale
    lb2, ub2 = lb.copy(), ub.copy()
    held = np.abs(first.reduced) > 1e-9 * scale
    at = np.where(first.reduced > 0, lb, ub)
    lb2[held] = at[held]
    ub2[held] = at[held]
    free = np.flatnonzero(~held)
    if len(free) == 0 or not np.isfinite(at[held]).all():
        return _whole_face(first, A, b, lb2, ub2, tie_break, tight)
    fixed = np.where(held, at, 0.0)
    rest = b - A @ fixed  # what the rows leave the free columns
    sub = A[:, free].tocsr()
    used = np.diff(sub.indptr) > 0  # rows with a free column; the others are held already
    if not np.all((A[~used] @ fixed) <= b[~used] + 1e-9 * np.maximum(1.0, np.abs(b[~used]))):
        return _whole_face(first, A, b, lb2, ub2, tie_break, tight)
    eq, ineq = used & tight, used & ~tight
    res = linprog(
        tie_break[free],
        A_ub=sub[ineq] if ineq.any() else None,
        b_ub=rest[ineq] if ineq.any() else None,
        A_eq=sub[eq] if eq.any() else None,
        b_eq=rest[eq] if eq.any() else None,
        bounds=np.column_stack([lb[free], ub[free]]),
        method="highs",
    )
    if res.status != 0:
        return first.x
    x = lb2
    x[free] = res.x
    return x


def _whole_face(
    first: Solution,
    A: sp.csr_matrix,
    b: np.ndarray,
    lb2: np.ndarray,
    ub2: np.ndarray,
    tie_break: np.ndarray,
    tight: np.ndarray,
) -> np.ndarray:
    """:func:`_optimal_face` on the whole programme, held columns and all."""
    from scipy.optimize import linprog

    assert first.x is not None
    loose = ~tight
    res = linprog(
        tie_break,
        A_ub=A[loose] if loose.any() else None,
        b_ub=b[loose] if loose.any() else None,
        A_eq=A[tight] if tight.any() else None,
        b_eq=b[tight] if tight.any() else None,
        bounds=np.column_stack([lb2, ub2]),
        method="highs",
    )
    if res.status != 0:
        return first.x
    return np.asarray(res.x)


def solve(
    prog: Programme, tie_break: np.ndarray, *, gap: float = 1e-6
) -> tuple[Solution, np.ndarray | None]:
    """The optimal plan: (solution whose ``duals`` are the shadow prices, reported ``x``).

    For a mixed-integer programme the integer decisions come from HiGHS's branch and bound;
    they are then held fixed and the remaining linear programme is solved again, which gives
    exact vertex volumes and the duals reported as shadow prices."""
    no_int = np.zeros_like(prog.integer)
    if not prog.is_mip:
        return _lexicographic(prog.c, prog.A, prog.b, prog.lb, prog.ub, no_int, tie_break, gap)
    first, x = _lexicographic(
        prog.c, prog.A, prog.b, prog.lb, prog.ub, prog.integer, tie_break, gap
    )
    if first.status != "optimal" or x is None:
        return first, None
    fixed = np.round(x[prog.integer])
    lb, ub = prog.lb.copy(), prog.ub.copy()
    lb[prog.integer] = fixed
    ub[prog.integer] = fixed
    lp, x_lp = _lexicographic(prog.c, prog.A, prog.b, lb, ub, no_int, tie_break, gap)
    if lp.status != "optimal" or x_lp is None:  # a rounding artefact; keep the MIP answer
        return Solution("optimal", x, first.objective, None), x
    return lp, x_lp


@dataclass(frozen=True)
class Relaxation:
    """The least relaxation of each constraint alone that makes the plan feasible (None when
    relaxing it alone is not enough), and the least relative relaxation of all together."""

    alone: dict[tuple[str, str], float | None]
    together: dict[tuple[str, str], float]


def relax(prog: Programme, *, gap: float = 1e-6) -> Relaxation:
    """Elastic programme: one slack column per relaxable row, relaxing it (targets and
    minimum volumes down, availability, budgets and capacities up)."""
    import scipy.sparse as sp

    rows = np.array(
        [k for k, (kind, _) in enumerate(prog.tags) if kind in RELAXABLE], dtype=np.int64
    )
    n_x, n_e = prog.A.shape[1], len(rows)
    E = sp.csr_matrix((-np.ones(n_e), (rows, np.arange(n_e))), shape=(prog.A.shape[0], n_e))
    A = sp.hstack([prog.A, E], format="csr")
    scale = np.maximum(np.abs(prog.b[rows]), 1.0)
    lb = np.concatenate([prog.lb, np.zeros(n_e)])
    ub = np.concatenate([prog.ub, np.full(n_e, np.inf)])
    integer = np.concatenate([prog.integer, np.zeros(n_e, bool)])
    c = np.concatenate([np.zeros(n_x), 1.0 / scale])
    together_sol = _solve(c, A, prog.b, lb, ub, integer, gap)
    together: dict[tuple[str, str], float] = {}
    if together_sol.status == "optimal" and together_sol.x is not None:
        e = together_sol.x[n_x:]
        together = {prog.tags[r]: float(e[k]) for k, r in enumerate(rows) if e[k] > 1e-9 * scale[k]}
    # relaxing one constraint alone: the targets, resources and budgets always; capacities and
    # minimum volumes too on small maps, else those the joint relaxation touched (there may be
    # thousands)
    alone: dict[tuple[str, str], float | None] = {}
    every = n_e <= 200
    for k, r in enumerate(rows):
        tag = prog.tags[r]
        if (
            tag[0] in ("capacity", "min_volume", "max_decrease")
            and tag not in together
            and not every
        ):
            continue
        ub_k = np.concatenate([prog.ub, np.zeros(n_e)])
        ub_k[n_x + k] = np.inf
        c_k = np.zeros(n_x + n_e)
        c_k[n_x + k] = 1.0
        sol = _solve(c_k, A, prog.b, lb, ub_k, integer, gap)
        alone[tag] = (
            float(sol.x[n_x + k]) if sol.status == "optimal" and sol.x is not None else None
        )
    return Relaxation(alone=alone, together=together)


_RETRIES = 4


def funded(volumes: Mapping[str, float]) -> list[str]:
    """The interventions a plan funds: volume above 0 (relative tolerance 1e-9 of the
    largest, so that solver round-off does not count)."""
    top = max((abs(v) for v in volumes.values()), default=0.0)
    return [iid for iid, v in volumes.items() if v > 1e-9 * max(1.0, top)]


def solve_spec(cm: CompiledModel, spec: Spec, objective: str, gap: float, tie: str):
    """Build the programme of ``spec`` and solve it, enlarging working guesses of the most
    volume M where a plan hits one; ``tie``: the cost (full or public) that breaks ties.
    Returns (programme, solution, x)."""
    t_rows_bound, guess = upper_volumes(cm, spec, bands_of(cm), spec.target_rows(cm))
    big_m = t_rows_bound
    for attempt in range(_RETRIES):
        prog = build(cm, spec, big_m)
        tie_vec = {"full": prog.cost_full, "public": prog.cost_public}[tie]
        sol, x = solve(prog, tie_vec, gap=gap)
        if not prog.is_mip or not guess.any():
            return prog, sol, x
        if sol.status == "optimal" and x is not None:
            v = prog.volumes(x, cm.n_interventions)
            if not np.any(guess & (v >= big_m * (1 - 1e-7))):
                return prog, sol, x
        elif attempt > 0:
            return prog, sol, x
        big_m = np.where(guess, big_m * 100.0, big_m)
    return prog, sol, x
