"""The sweep itself: rows out as tasks on an executor, records back as partitions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model.errors import did_you_mean
from ...model.schema import Model
from ..executors import executor as make_executor
from .job import ANALYSES, SweepError, SweepJob
from .output import prepare_out, write_json, write_partition
from .rows import SweepRow, read_areas, read_grid
from .tasks import run_rows


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: rows computed now, rows kept from an earlier run, rows that failed
    (each with where and why), and where the Parquet partitions are."""

    out: Path
    analysis: str
    rows: int
    computed: int
    reused: int
    failed: tuple[dict[str, Any], ...]
    seconds: float
    scheduler: str

    @property
    def complete(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "analysis": self.analysis,
            "rows": self.rows,
            "computed": self.computed,
            "reused": self.reused,
            "failed": list(self.failed),
            "seconds": self.seconds,
            "scheduler": self.scheduler,
        }


# Rows of a map or plan take a few milliseconds, about a task's own overhead on Dask: those are
# sent several to a task, about 8 tasks a worker; an uncertainty row is 10^4 draws, one a task.
_CHEAP = ("map", "plan", "coproduction")
_TASKS_PER_WORKER = 8
_MAX_BATCH = 32


def _batches(rows: list[SweepRow], analysis: str, workers: int) -> list[tuple[SweepRow, ...]]:
    size = 1
    if analysis in _CHEAP:
        size = max(1, min(_MAX_BATCH, len(rows) // (max(workers, 1) * _TASKS_PER_WORKER)))
    return [tuple(rows[k : k + size]) for k in range(0, len(rows), size)]


def sweep(
    model: Model,
    *,
    analysis: str = "map",
    out: str | Path,
    areas: str | Path | None = None,
    grid: str | Path | None = None,
    target: tuple[str, float] | None = None,
    draws: int = 10_000,
    seed: int = 1,
    wtp: float | None = None,
    evppi: bool = False,
    objective: str = "public",
    by: str = "full",
    scheduler: Any = None,
    workers: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run ``analysis`` (``map``, ``uncertainty`` or ``plan``) for every row of ``areas`` (a
    CSV) or point of ``grid`` (a YAML file), on ``scheduler`` (see
    :func:`coproduce.scale.executor`), writing one Parquet partition per row under ``out``.
    Rows already done by an earlier run of the same sweep are kept, not recomputed.
    ``progress(done, total)`` is called as rows complete. Raises :class:`SweepError` when
    the sweep cannot start; bad rows are reported in the result and in ``_errors.json``."""
    t0 = time.perf_counter()
    if analysis not in ANALYSES:
        raise SweepError(f"--analysis {analysis}: use one of {', '.join(ANALYSES)}")
    if (areas is None) == (grid is None):
        raise SweepError("give either --areas FILE.csv or --grid FILE.yaml")
    if draws < 2:
        raise SweepError(f"--draws {draws}: need at least 2")
    if objective not in ("public", "full"):
        raise SweepError(f"--objective {objective}: use public or full")
    if target is not None and target[0] not in model.outcomes:
        raise SweepError(
            f"--target: unknown outcome '{target[0]}'" + did_you_mean(target[0], model.outcomes)
        )
    rows, columns = (
        read_areas(areas, model, analysis)
        if areas is not None
        else read_grid(grid, model, analysis)
    )  # type: ignore[arg-type]
    if analysis == "uncertainty" and wtp is None and "wtp" not in columns:
        raise SweepError("--analysis uncertainty needs a willingness to pay: --wtp or a wtp column")
    job = SweepJob(
        model=model,
        analysis=analysis,
        input_columns=columns,
        target=target,
        draws=draws,
        seed=seed,
        wtp=wtp,
        evppi=evppi,
        objective=objective,
        by=by,
    )
    out = Path(out)
    keep = prepare_out(out, job, rows, overwrite)
    todo = [r for r in rows if r.row not in keep]
    by_row = {r.row: r for r in rows}
    failed: list[dict[str, Any]] = []
    done = len(keep)
    if progress is not None:
        progress(done, len(rows))
    ex = make_executor(scheduler, workers)
    batches = _batches(todo, analysis, getattr(ex, "workers", 1))
    try:
        for _batch, outcomes in ex.map(run_rows, job, batches):
            for outcome in outcomes:
                row = by_row[outcome.row]
                if outcome.records:
                    write_partition(out, row.row, outcome.records)
                else:
                    failed.append(
                        {
                            "row": row.row,
                            "where": row.where,
                            "area": row.area,
                            "kind": outcome.kind,
                            "message": outcome.error
                            if outcome.records is None
                            else "no results (nothing reaches the target)",
                        }
                    )
                done += 1
                if progress is not None:
                    progress(done, len(rows))
    finally:
        if ex is not scheduler:
            ex.close()
        failed.sort(key=lambda f: f["row"])
        write_json(out / "_errors.json", failed)
    return SweepResult(
        out=out,
        analysis=analysis,
        rows=len(by_row),
        computed=len(todo) - len(failed),
        reused=len(keep),
        failed=tuple(failed),
        seconds=time.perf_counter() - t0,
        scheduler=getattr(ex, "name", str(scheduler)),
    )
