"""Portfolios: several programme maps sharing one community, and where co-production pays.

    pf = cp.portfolio.load_portfolio("city.yaml")        # or "example:city-portfolio"
    result = cp.portfolio.analyse_portfolio(pf, objective="public", draws=2000, seed=1)
    result.to_dict()        # what `coproduce portfolio --json` prints

See docs/portfolio.md.
"""

from __future__ import annotations

from .analysis import analyse_portfolio, rank, time_value_sensitivity
from .compare import ServiceComparison, cheaper_ranges, compare_service
from .joint import JointPlan, joint_plan
from .load import (
    LoadedPool,
    LoadedService,
    Portfolio,
    PortfolioError,
    example_names,
    load_portfolio,
)
from .result import PortfolioResult

__all__ = [
    "JointPlan",
    "LoadedPool",
    "LoadedService",
    "Portfolio",
    "PortfolioError",
    "PortfolioResult",
    "ServiceComparison",
    "analyse_portfolio",
    "cheaper_ranges",
    "compare_service",
    "example_names",
    "joint_plan",
    "load_portfolio",
    "rank",
    "time_value_sensitivity",
]
