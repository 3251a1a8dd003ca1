"""One row as one task: what runs on a worker, and what it sends back."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...model.errors import ModelError
from ...model.scenarios import apply_scenarios, apply_settings
from ...model.time_value import basis_of, choose_time_value
from .job import SweepJob
from .records import ANALYSIS_RECORDS
from .rows import SweepRow


@dataclass(frozen=True)
class RowOutcome:
    """What a row's task sends back: its records, or why it could not run."""

    row: int
    records: list[dict[str, Any]] | None
    error: str | None = None
    kind: str = "input"  # input (bad row: exit 2) or analysis (exit 1)
    seconds: float = 0.0


def run_row(job: SweepJob, row: SweepRow) -> RowOutcome:
    """The analysis of one row, as records (one per pathway, option or intervention) with
    the row's identity in front. Never raises for a bad row: the outcome says why."""
    from ...engine.planning import PlanningError

    t0 = time.perf_counter()
    if row.problem:
        return RowOutcome(row.row, None, row.problem)
    try:
        model = apply_scenarios(job.model, list(row.scenarios))
        model = apply_settings(model, row.settings, row.scale)
        # last, as load_model does after scenarios: the row's basis, else the sweep's own
        model = choose_time_value(model, row.time_value, row.time_value_per_hour)
    except ModelError as exc:
        return RowOutcome(row.row, None, _one_line(exc))
    try:
        records = ANALYSIS_RECORDS[job.analysis](job, row, model)
    except ModelError as exc:
        return RowOutcome(row.row, None, _one_line(exc))
    except PlanningError as exc:
        return RowOutcome(row.row, None, str(exc), kind="analysis")
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        # numbers this row's inputs make impossible (a singular fit, an overflow): reported
        # with the row, so one area cannot stop a national sweep
        return RowOutcome(row.row, None, f"{type(exc).__name__}: {exc}", kind="analysis")
    head = {
        "row": row.row,
        "area": row.area,
        "label": row.label,
        "scenario": "+".join(row.scenarios),
    }
    for c in job.input_columns:
        if c.startswith("#"):
            head[c[1:]] = str(row.inputs.get(c) or "")
        elif c not in ("scenario", "time_value", "time_value_per_hour"):
            head[c] = _number(row.inputs.get(c))
    basis = basis_of(model)
    head["time_value"] = basis.name
    head["time_value_per_hour"] = math.nan if basis.per_hour is None else basis.per_hour
    return RowOutcome(row.row, [{**head, **r} for r in records], seconds=time.perf_counter() - t0)


def run_rows(job: SweepJob, rows: Sequence[SweepRow]) -> list[RowOutcome]:
    """:func:`run_row` for each of a batch of rows (one task)."""
    return [run_row(job, row) for row in rows]


def _one_line(exc: ModelError) -> str:
    return "; ".join(f"{i.path}: {i.message}" if i.path else i.message for i in exc.issues)


def _number(v: Any) -> float:
    try:
        return float(str(v).replace(",", "")) if v not in (None, "") else math.nan
    except ValueError:
        return math.nan
