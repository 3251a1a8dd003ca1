"""The rows of a sweep: an areas file (CSV) or a grid (YAML) read into :class:`SweepRow`
objects, each cell checked against the model: a setting, a scale factor, a scenario, a
willingness to pay, a budget, a basis of time, or a column carried along."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model.errors import ModelError, did_you_mean
from ...model.load import example_path
from ...model.paths import QuantityPathError, canonical_path, quantity_paths
from ...model.schema import Model
from .job import SweepError


@dataclass(frozen=True)
class SweepRow:
    """One area or grid point: what to change in the model before the analysis."""

    row: int  # 1-based: data row of the areas file, or grid point
    where: str  # "areas.csv line 14" or "grid point 7"
    area: str
    label: str
    scenarios: tuple[str, ...]
    settings: dict[str, float]  # quantity path -> value in that field's units
    scale: dict[str, float] = field(default_factory=dict)  # quantity path -> factor
    wtp: float | None = None
    budget: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)  # every input column, as read
    problem: str | None = None  # a cell that could not be read: the row is not run
    time_value: str | None = None  # a basis for users' and communities' hours, by name
    time_value_per_hour: float | None = None  # or a bare value, currency an hour

    def fingerprint(self) -> str:
        text = json.dumps(
            [
                self.area,
                self.label,
                list(self.scenarios),
                self.settings,
                self.scale,
                self.wtp,
                self.budget,
                self.time_value,
                self.time_value_per_hour,
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _settable(model: Model) -> dict[str, str]:
    """Every path a sweep may set, by its canonical spelling -> how the user may write it."""
    paths = {p: p for p in quantity_paths(model) if not p.startswith("links[")}
    for rid in model.resources:
        paths.setdefault(f"resources.{rid}.available", f"resources.{rid}.available")
    for iid in model.interventions:
        for f in ("capacity", "min_volume"):
            paths.setdefault(f"interventions.{iid}.{f}", f"interventions.{iid}.{f}")
    for oid in model.outcomes:
        paths[f"targets.{oid}"] = f"targets.{oid}"
    for lk in model.links:
        name = f"links[{lk.from_}->{lk.to}].effect"
        paths[name] = name
    return paths


def _canonical(model: Model, column: str) -> str:
    """The column's path as the model writes it; the column itself if it names nothing (the
    header check then says so)."""
    try:
        return canonical_path(model, column)
    except QuantityPathError:
        return column


_KEYWORDS = ("area", "label", "scenario", "wtp", "budget", "time_value", "time_value_per_hour")


def _check_columns(model: Model, columns: Sequence[str], source: str, analysis: str) -> None:
    settable = _settable(model)
    sectors = [*model.sectors, "full"]
    problems = []
    for c in columns:
        if c in _KEYWORDS or c.startswith("#"):
            continue
        if c.startswith("scale:"):
            path = _canonical(model, c[len("scale:") :])
            if path not in settable:
                problems.append(
                    f"column '{c}': '{path}' is not a quantity of the model that "
                    "can be scaled" + did_you_mean(path, list(settable))
                )
            continue
        if c.startswith("budget."):
            if c.split(".", 1)[1] not in sectors:
                problems.append(
                    f"column '{c}': no sector '{c.split('.', 1)[1]}'"
                    + did_you_mean(c.split(".", 1)[1], sectors)
                    + f"; write budget.SECTOR with one of {', '.join(sectors)}"
                )
            continue
        if _canonical(model, c) not in settable:
            problems.append(
                f"column '{c}' is neither one of {', '.join(_KEYWORDS)} nor a "
                "quantity of the model"
                + did_you_mean(c, list(settable))
                + "; a quantity is written like resources.volunteer_hour.available"
                " (scale:PATH multiplies one; a column starting with # is carried "
                "along, not applied)"
            )
    if any(c == "budget" or c.startswith("budget.") for c in columns) and analysis != "plan":
        problems.append("budget columns apply only to --analysis plan")
    if "wtp" in columns and analysis != "uncertainty":
        problems.append("a wtp column applies only to --analysis uncertainty")
    if problems:
        raise SweepError(f"{source}: " + "; ".join(problems))


def _row(model: Model, number: int, where: str, values: Mapping[str, Any], area: str) -> SweepRow:
    """A row from its cells (text or numbers); unreadable cells make ``problem``."""
    settings: dict[str, float] = {}
    scale: dict[str, float] = {}
    budget: dict[str, float] = {}
    wtp = None
    per_hour = None
    time_value = None
    problems = []
    scenarios: tuple[str, ...] = ()
    for col, raw in values.items():
        if col in ("area", "label") or col.startswith("#"):
            continue
        text = "" if raw is None else str(raw).strip()
        if col == "scenario":
            scenarios = tuple(s.strip() for s in text.split("+") if s.strip())
            continue
        if col == "time_value":
            time_value = text or None  # a name: checked against the model when the row runs
            continue
        if text == "" or (isinstance(raw, float) and math.isnan(raw)):
            continue
        try:
            number_ = float(text.replace(",", "")) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            problems.append(f"column {col}: '{text}' is not a number")
            continue
        if not math.isfinite(number_):
            problems.append(f"column {col}: '{text}' is not a finite number")
        elif col == "wtp":
            wtp = number_
        elif col == "time_value_per_hour":
            per_hour = number_
        elif col == "budget":
            budget["public"] = number_
        elif col.startswith("budget."):
            budget[col.split(".", 1)[1]] = number_
        elif col.startswith("scale:"):
            scale[_canonical(model, col[len("scale:") :])] = number_
        else:
            settings[_canonical(model, col)] = number_
    return SweepRow(
        row=number,
        where=where,
        area=area,
        label=str(values.get("label") or area),
        scenarios=scenarios,
        settings=settings,
        scale=scale,
        wtp=wtp,
        budget=budget,
        inputs=dict(values),
        problem="; ".join(problems) or None,
        time_value=time_value,
        time_value_per_hour=per_hour,
    )


def read_areas(
    path: str | Path, model: Model, analysis: str = "map"
) -> tuple[list[SweepRow], tuple[str, ...]]:
    """The rows of an areas CSV (a path, or ``example:NAME`` for a bundled one) and its input
    columns. Raises :class:`SweepError` naming the file (and line) for a missing or repeated
    ``area`` or an unknown column."""
    if str(path).startswith("example:"):
        try:
            path = example_path(str(path)[len("example:") :], ".csv")
        except ModelError as exc:
            raise SweepError(f"--areas {path}: {exc.issues[0].message}") from None
    path = Path(path)
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise SweepError(
                    f"{name}: the file is empty; write a header row such as "
                    "area,resources.volunteer_hour.available"
                )
            header = [h.strip() for h in header]
            if "area" not in header:
                raise SweepError(
                    f"{name} line 1: no 'area' column; name each row in a column headed area"
                )
            dup = sorted({h for h in header if header.count(h) > 1})
            if dup:
                raise SweepError(f"{name} line 1: column {', '.join(dup)} appears twice")
            _check_columns(model, header, f"{name} line 1", analysis)
            rows: list[SweepRow] = []
            seen: dict[str, int] = {}
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                line = reader.line_num
                if len(cells) != len(header):
                    raise SweepError(
                        f"{name} line {line}: {len(cells)} cells for {len(header)} columns"
                    )
                values = dict(zip(header, cells, strict=True))
                area = values["area"].strip()
                if not area:
                    raise SweepError(f"{name} line {line}: the area is empty; give each row a name")
                if area in seen:
                    raise SweepError(
                        f"{name} line {line}: area '{area}' is also on line "
                        f"{seen[area]}; each area appears once"
                    )
                seen[area] = line
                rows.append(_row(model, len(rows) + 1, f"{name} line {line}", values, area))
    except FileNotFoundError:
        raise SweepError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise SweepError(f"{name}: not a UTF-8 text file; save it as CSV (UTF-8)") from None
    if not rows:
        raise SweepError(f"{name}: no rows below the header")
    return rows, tuple(h for h in header if h not in ("area", "label"))


def read_grid(
    path: str | Path, model: Model, analysis: str = "map"
) -> tuple[list[SweepRow], tuple[str, ...]]:
    """Every combination of a grid file's values (first column slowest) as rows. The file
    is YAML: ``grid: {column: [values, ...], ...}``."""
    from ...model.files import load_yaml, read_text_file

    path = Path(path)
    name = path.name
    try:
        # within the bounds of every model file: size, no alias expansion, depth, numbers
        data = load_yaml(read_text_file(path), file=name)
    except ModelError as exc:
        if not path.exists():
            raise SweepError(f"{name}: no such file") from None
        first = exc.issues[0] if exc.issues else None
        where = f" line {first.line}" if first is not None and first.line else ""
        raise SweepError(f"{name}{where}: {first.message if first else exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("grid"), dict) or not data["grid"]:
        raise SweepError(
            f"{name}: write the grid as 'grid:' followed by one column per line, "
            "each with a list of values, e.g. grid: {targets.independent_years: "
            "[20, 40]}"
        )
    grid = {str(k): (v if isinstance(v, list) else [v]) for k, v in data["grid"].items()}
    if "area" in grid:
        raise SweepError(f"{name}: a grid names its points itself; remove 'area'")
    empty = [k for k, v in grid.items() if not v]
    if empty:
        raise SweepError(f"{name}: column {', '.join(empty)} lists no values")
    _check_columns(model, list(grid), name, analysis)
    rows = []
    for k, combo in enumerate(itertools.product(*grid.values()), start=1):
        values = dict(zip(grid, combo, strict=True))
        label = ", ".join(f"{c}={v}" for c, v in values.items())
        values.setdefault("label", label)
        rows.append(_row(model, k, f"{name} grid point {k}", values, f"g{k:05d}"))
    return rows, tuple(grid)
