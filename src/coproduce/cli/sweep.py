"""Command ``sweep``: one analysis over every area of an areas file or point of a grid."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..formatting import money, percent, quantity
from .common import (
    AnalysisImpossible,
    BadInput,
    JsonOpt,
    ModelArg,
    ScenarioOpt,
    SchedulerOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    WorkersOpt,
    console,
    err_console,
    load_for_analysis,
    parse_assignment,
    print_json,
)


def sweep(
    model: ModelArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Directory of Parquet partitions to write (one per row); run again to resume.",
        ),
    ],
    areas: Annotated[
        str | None,
        typer.Option(
            "--areas",
            help="CSV with one row per area: area, optional label and scenario, and "
            "model quantities such as resources.volunteer_hour.available (example:"
            "older-people-areas is bundled).",
        ),
    ] = None,
    grid: Annotated[
        Path | None,
        typer.Option(
            "--grid", help="YAML 'grid:' of columns and their values; every combination runs."
        ),
    ] = None,
    analysis: Annotated[
        str, typer.Option("--analysis", help="map, uncertainty, plan or coproduction.")
    ] = "map",
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="OUTCOME=AMOUNT (default: the model's first target; a "
            "targets.OUTCOME column sets each row's amount).",
        ),
    ] = None,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws per row.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed, the same for every row.")] = 1,
    wtp: Annotated[
        float | None,
        typer.Option("--wtp", help="Willingness to pay per unit of the target (uncertainty)."),
    ] = None,
    evppi: Annotated[
        bool,
        typer.Option(
            "--evppi", help="Uncertainty: also the input whose EVPPI is largest, per row."
        ),
    ] = False,
    objective: Annotated[
        str, typer.Option("--objective", help="Plan: minimise public or full cost.")
    ] = "public",
    scenario: ScenarioOpt = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    scheduler: SchedulerOpt = "local",
    workers: WorkersOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the results of a different sweep in --out.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Run one analysis for every area (or grid point): results as partitioned Parquet,
    written as rows complete, resumable, on this machine or a Dask cluster. Every row carries
    its caveats (flags, one flag_KIND column per kind, fits) and the basis its users' and
    communities' time is valued on (time_value and time_value_per_hour columns may set it per
    row)."""
    from ..scale.executors import SchedulerError
    from ..scale.sweep import SweepError, read_sweep, summarise
    from ..scale.sweep import sweep as run_sweep

    if wtp is not None and (not math.isfinite(wtp) or wtp < 0):
        raise BadInput(f"--wtp {wtp}: willingness to pay must be a finite number ≥ 0")
    if workers is not None and workers < 1:
        raise BadInput(f"--workers {workers}: must be at least 1")
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    goal = parse_assignment(target, "--target") if target else None
    try:
        with _progress() as bar:
            result = run_sweep(
                m,
                analysis=analysis,
                out=out,
                areas=areas,
                grid=grid,
                target=goal,
                draws=draws,
                seed=seed,
                wtp=wtp,
                evppi=evppi,
                objective=objective,
                scheduler=scheduler,
                workers=workers,
                overwrite=overwrite,
                progress=bar,
            )
    except (SweepError, SchedulerError) as exc:
        raise BadInput(str(exc)) from None
    except KeyboardInterrupt:
        done = len(list(out.glob("part-*.parquet")))
        err_console.print(
            f"interrupted: {done:,} rows are written in {escape(str(out))}; run "
            "the same command again to finish the rest",
            highlight=False,
        )
        raise typer.Exit(130) from None
    if json_:
        print_json(result.to_dict())
    else:
        _print(
            result,
            summarise(read_sweep(out), analysis) if result.rows > len(result.failed) else None,
            m.currency,
            m,
        )
    kinds = {f["kind"] for f in result.failed}
    if "input" in kinds:
        raise BadInput(
            f"{sum(f['kind'] == 'input' for f in result.failed)} row(s) have inputs "
            f"the model refuses (listed above; also in {out}/_errors.json); the "
            "other rows are done — fix those rows and run again to finish"
        )
    if kinds:
        raise AnalysisImpossible(f"{len(result.failed)} row(s) gave no result (listed above)")


class _progress:
    """A progress bar on the terminal (nothing when output is not a terminal)."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty():
            return None
        self.bar = Progress(
            TextColumn("sweeping"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} rows"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self.bar.__enter__()
        self.task = self.bar.add_task("rows", total=None)
        return lambda done, total: self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "bar"):
            self.bar.__exit__(None, None, None)


def _print(result, summary, currency: str, model=None) -> None:  # type: ignore[no-untyped-def]
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    from ..presentation.labels import Labels

    lab = Labels(model)

    console.print(
        f"Swept {result.rows:,} rows ({result.analysis}) on {result.scheduler} in "
        f"{result.seconds:,.1f} s: {result.computed:,} computed, {result.reused:,} "
        f"kept from an earlier run, {len(result.failed):,} failed."
    )
    console.print(
        f"Results: {escape(str(result.out))} (Parquet, one partition per row; "
        "pandas.read_parquet reads the directory)"
    )
    if summary is not None and len(summary):
        t = Table(title=f"First rows ({len(summary):,} with results)")
        cols = [c for c in summary.columns if c != "row"]
        for c in cols:
            numeric = is_numeric_dtype(summary[c]) and not is_bool_dtype(summary[c])
            t.add_column(c.replace("_", " "), justify="right" if numeric else "left")
        for _, r in summary.head(12).iterrows():
            t.add_row(*(_cell(c, r[c], currency, lab) for c in cols))
        console.print(t)
    for f in result.failed:
        err_console.print(
            f"row {f['row']}: {escape(f['where'])} ({escape(str(f['area']))}): "
            f"{escape(str(f['message']))}",
            highlight=False,
        )


# columns that hold the model's identifiers: shown by their labels
_NAMED = ("best_pathway", "best_option", "coproduced", "professional", "intervention")


def _cell(column: str, value, currency: str, lab=None) -> str:  # type: ignore[no-untyped-def]
    from ..presentation.flags import flag_labels

    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if "share" in column or column == "prob_best":
            return percent(value)
        if "cost" in column or column in ("evpi", "net_benefit_mean"):
            return money(value, currency)
        return quantity(value)
    if lab is not None and column in _NAMED and value:
        return escape(lab(str(value)))
    if lab is not None and column == "main_interventions" and value:
        return escape(", ".join(lab(v.strip()) for v in str(value).split(",")))
    if column == "flags":
        return escape(flag_labels([f for f in str(value).split(";") if f]) or "none")
    return escape(str(value).replace("_", " "))


def register(app: typer.Typer) -> None:
    app.command("sweep", help=sweep.__doc__)(sweep)
