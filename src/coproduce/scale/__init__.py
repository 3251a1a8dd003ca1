"""Scale-out: the same engine functions on chunks, run in this process, in a local process
pool, or on a Dask cluster — national sweeps over areas or grids, and long Monte Carlo runs.

    import coproduce as cp
    with cp.scale.executor("tcp://scheduler:8786") as ex:     # or "processes", a Client
        draws = cp.simulate(model, ("independent_years", 300), draws=10**6, executor=ex)
    cp.scale.sweep(model, areas="areas.csv", analysis="uncertainty", wtp=30_000,
                   out="results.parquet", scheduler="processes")

Sits above the domains and below the apps: it imports the engine; the engine never imports it.
"""

from __future__ import annotations

from .executors import DaskExecutor, InProcess, ProcessPool, SchedulerError, executor
from .montecarlo import DrawSums, MonteCarloSummary, summarise
from .sweep import SweepError, SweepResult, read_sweep, sweep
from .sweep import summarise as summarise_sweep

__all__ = [
    "DaskExecutor",
    "DrawSums",
    "InProcess",
    "MonteCarloSummary",
    "ProcessPool",
    "SchedulerError",
    "SweepError",
    "SweepResult",
    "executor",
    "read_sweep",
    "summarise",
    "summarise_sweep",
    "sweep",
]
