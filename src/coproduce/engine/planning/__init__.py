"""Planning: the least-cost mix of interventions that reaches outcome targets, or the most
valuable mix within budgets, within capacities and the community's finite time (HiGHS)."""

from .api import TARGET_READINGS, funded, plan, unit_values
from .result import Constraint, FrontierPoint, Plan
from .solve import PlanningError, SolverFailed

__all__ = [
    "TARGET_READINGS",
    "Constraint",
    "FrontierPoint",
    "Plan",
    "PlanningError",
    "SolverFailed",
    "funded",
    "plan",
    "unit_values",
]
