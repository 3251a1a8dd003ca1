"""Scale-out: the same engine functions on chunks, run in this process, in a local process
pool, or on a Dask cluster — national sweeps over areas or grids, and long Monte Carlo runs.

    import coproduce as cp
    with cp.scale.executor("tcp://scheduler:8786") as ex:     # or "processes", a Client
        draws = cp.simulate(model, ("independent_years", 300), draws=10**7, executor=ex)
    cp.scale.sweep(model, areas="areas.csv", analysis="uncertainty", out="results.parquet")

Sits above the domains and below the apps: it imports the engine; the engine never imports it.
"""

from __future__ import annotations

from .executors import DaskExecutor, InProcess, ProcessPool, SchedulerError, executor

__all__ = ["DaskExecutor", "InProcess", "ProcessPool", "SchedulerError", "executor"]
