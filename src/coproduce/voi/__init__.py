"""Value of information and incremental analysis, reading one draws table.

    cp.voi.evpi(net_benefit)              # draws × options -> money per decision
    cp.voi.evppi(net_benefit, inputs)     # inputs: draws × k array or DataFrame -> money
    cp.voi.icers(costs, effects, names)   # frontier table (strong and extended dominance)
    cp.voi.evsi(net_benefit, inputs, study="trial_binary", pars=[...], n=100)  # a study's worth
    cp.voi.analyse(draws_table, wtp)      # everything, as one UncertaintyResult

Methods are listed in :data:`METHODS` (one registry, read by the CLI and the docs).
"""

from __future__ import annotations

import importlib
from typing import Any

from .core import (
    GREEN_BOOK_RATE,
    ceac,
    ceaf,
    evpi,
    evpi_curve,
    interval,
    population_evpi,
    prob_best,
)
from .icers import IcerRow, icers
from .registry import METHODS, Method, method_names

# the regression machinery (scipy.optimize, scipy.interpolate, pandas) loads on first use, so
# that `coproduce --help` and commands without EVPPI stay quick
_LAZY = {
    "EVPPI_METHOD": "analysis",
    "UncertaintyResult": "analysis",
    "analyse": "analysis",
    "default_grid": "analysis",
    "evppi": "partial",
    "evppi_table": "partial",
    "SplineFit": "smoother",
    "fit_spline": "smoother",
    "TornadoBar": "oneway",
    "tornado": "oneway",
    "sobol_first_order": "sobol",
    "evsi": "study",
    "EvsiPoint": "study",
    "STUDIES": "study",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'coproduce.voi' has no attribute {name!r}")


__all__ = [
    "EVPPI_METHOD",
    "GREEN_BOOK_RATE",
    "METHODS",
    "STUDIES",
    "EvsiPoint",
    "IcerRow",
    "Method",
    "SplineFit",
    "TornadoBar",
    "UncertaintyResult",
    "analyse",
    "ceac",
    "ceaf",
    "default_grid",
    "evpi",
    "evpi_curve",
    "evppi",
    "evppi_table",
    "evsi",
    "fit_spline",
    "icers",
    "interval",
    "method_names",
    "population_evpi",
    "prob_best",
    "sobol_first_order",
    "tornado",
]
