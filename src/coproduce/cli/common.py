"""What every command shares: printing results, JSON output, errors and exit codes.

Exit codes: 0 done, 1 the analysis could not be done (no pathway, infeasible plan), 2 bad input.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..errors import BadInput as _BadInput
from ..errors import NoAnswer
from ..model.schema import Model

# Off a terminal (pipes, CI logs) rich would wrap at 80 columns; tables need more room and
# error messages must stay one per line so they can be searched.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, soft_wrap=True)

EXIT_OK = 0
EXIT_IMPOSSIBLE = 1
EXIT_BAD_INPUT = 2


# The arguments and options every analysis command shares, declared once.
ModelArg = Annotated[
    str,
    typer.Argument(
        help="Model file (.yaml, .json, .xlsx) or a bundled example such as example:older-people.",
        show_default=False,
        metavar="MODEL",
    ),
]
ScenarioOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        help="Apply a scenario of the model; repeat to stack them in order.",
        metavar="NAME",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result object as JSON.")]
OutOpt = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write an HTML report here.", metavar="FILE.html")
]
TablesOpt = Annotated[
    Path | None,
    typer.Option(
        "--tables",
        help="Also write the data behind every table and chart as CSV files in this folder "
        "(the workspace's downloads).",
        metavar="FOLDER",
    ),
]
SchedulerOpt = Annotated[
    str,
    typer.Option(
        "--scheduler",
        help="Where the work runs: local (this process), processes (a local pool), "
        "tcp://HOST:8786 (a Dask scheduler) or a Dask scheduler file (.json).",
        metavar="WHERE",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="With --scheduler processes: how many (default one per core).",
        metavar="N",
    ),
]


TimeValueOpt = Annotated[
    str | None,
    typer.Option(
        "--time-value",
        help="How users' and communities' hours are valued: a basis named in the "
        "model's time_values, zero, or as_stated (each resource's own unit cost; "
        "the default unless the model names one).",
        show_default=False,
        metavar="BASIS",
    ),
]
TimeValuePerHourOpt = Annotated[
    float | None,
    typer.Option(
        "--time-value-per-hour",
        help="Value users' and communities' hours at this amount an hour "
        "(the model's currency and price year); overrides --time-value.",
        show_default=False,
        metavar="AMOUNT",
    ),
]
MinEvidenceOpt = Annotated[
    int | None,
    typer.Option(
        "--min-evidence",
        min=1,
        max=5,
        help="Leave out links graded below this (1 opinion to 5 "
        "replicated experiments; ungraded links count as 1) and say whether the answer survives.",
        show_default=False,
        metavar="GRADE",
    ),
]


def load_for_analysis(
    model: str,
    scenarios: list[str] | None,
    time_value: str | None = None,
    per_hour: float | None = None,
) -> Model:
    """A model as every analysis command reads it: scenarios applied in order, then the
    valuation of users' and communities' time."""
    from ..model import load_model

    return load_model(
        model, scenarios=tuple(scenarios or ()), time_value=time_value, time_value_per_hour=per_hour
    )


class AnalysisImpossible(NoAnswer):
    """The input is valid but the analysis has no answer (exit code 1): the library's
    :class:`coproduce.errors.NoAnswer`, raised by a command."""


class BadInput(_BadInput):
    """A command-line argument is wrong (exit code 2); the message says which and how to fix:
    the library's :class:`coproduce.errors.BadInput`, raised by a command."""


def _clean(obj: Any) -> Any:
    """Make a result dict JSON-safe: NaN and infinities become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _clean(obj.item())
    return obj


def to_json(data: dict) -> str:
    """The one JSON serialisation used by ``--json`` and the API."""
    return json.dumps(_clean(data), indent=2, ensure_ascii=False)


def print_json(data: dict) -> None:
    sys.stdout.write(to_json(data) + "\n")


def show(
    data: dict,
    json_: bool,
    table: Callable[[], None],
    out: Path | None = None,
    *,
    analysis: str | None = None,
    tables: Path | None = None,
) -> None:
    """How an analysis command ends: the result object as JSON (``--json``), or the human
    table and where the ``--out`` report was written; with ``tables``, the analysis's tables
    (:mod:`coproduce.analyses`) as CSV files there."""
    written = write_tables(analysis, data, tables) if analysis and tables is not None else []
    if json_:
        print_json(data)
        return
    table()
    if out is not None:
        console.print(f"Report written to {out.resolve()}", markup=False, highlight=False)
    if written:
        console.print(
            f"{len(written)} tables written to {tables.resolve()}: "
            + ", ".join(p.name for p in written),
            markup=False,
            highlight=False,
        )


def check_tables_folder(folder: Path | None) -> None:
    """Refuse a --tables folder that does not exist, before doing any work."""
    if folder is not None and not folder.is_dir():
        raise BadInput(f"--tables {folder}: no such folder; create it first")


def write_tables(analysis: str, data: dict, folder: Path) -> list[Path]:
    """Every table of ``analysis``'s result ``data`` as ``FOLDER/<table>.csv`` (text a
    spreadsheet would read as a formula written as text); returns the files written."""
    from ..analyses import Result, get
    from ..reports.model_files import csv_safe

    paths = []
    for name, frame in Result(get(analysis), data).to_frames().items():
        path = folder / f"{name}.csv"
        csv_safe(frame).to_csv(path, index=False)
        paths.append(path)
    return paths


def check_out_path(out: Path | None, allowed: tuple[str, ...]) -> None:
    """Refuse an --out file whose type the command cannot write, before doing any work."""
    if out is None:
        return
    if out.suffix.lower() not in allowed:
        raise BadInput(
            f"--out {out}: cannot write '{out.suffix or '(no extension)'}' files here; "
            f"use {' or '.join(allowed)}"
        )
    if out.parent and not out.parent.exists():
        raise BadInput(f"--out {out}: folder {out.parent} does not exist")


def parse_assignment(text: str, option: str) -> tuple[str, float]:
    """'falls_classes=400' -> ('falls_classes', 400.0); a clear error otherwise."""
    if "=" not in text:
        raise BadInput(f"{option} '{text}': write NAME=NUMBER, e.g. {option} independent_years=300")
    name, _, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        raise BadInput(f"{option} '{text}': '{value}' is not a number") from None
    if not math.isfinite(number):
        raise BadInput(f"{option} '{text}': the number must be finite")
    return name.strip(), number
