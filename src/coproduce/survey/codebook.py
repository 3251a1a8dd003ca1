"""The survey codebook: what each column of a survey file means, and its validation.

A codebook (YAML or JSON, format version 1; see docs/survey.md for every field) maps
questionnaire items to co-production concepts (sector, type, form) and a response scale with its
codes, declares covariates with their types and codes, the sampling design (weight, strata,
clusters, finite population corrections, replicate weights, country, area) and population
margins for calibration, and optionally the questions asking how many hours people give
(``hours``: which kind of co-production, and sector, each covers, and the period its answer
covers). :func:`load_codebook` checks the file itself; :func:`validate_data` checks a data file
against it — every column present, every code known — and reports every problem at once, each
located in the codebook (file:line) and the data (column, row); :func:`hours_answers` does the
same for the hours questions.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..model.errors import Issue, ModelError, did_you_mean, format_path
from ..model.files import (
    field_lines,
    format_of,
    line_of,
    parse_text,
    read_text_file,
    tree_problem,
)

TYPES = ("individual", "collective")
FORMS = ("co-commissioning", "co-design", "co-delivery", "co-assessment")
DEFAULT_SECTORS = {
    "safety": "Public safety",
    "environment": "Local environment",
    "health": "Health",
}

Code = int | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """A response scale: valid ``codes`` with labels (in order, lowest first), the ``scores``
    used in indices (default 0, 1, 2, ... in code order), which codes count as taking part, and
    codes meaning missing (don't know, refused) with their labels."""

    codes: dict[Code, str]
    scores: dict[Code, float] | None = None
    participating: list[Code] | None = None
    missing: dict[Code, str] = Field(default_factory=dict)
    label: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Scale:
        if len(self.codes) < 2:
            raise ValueError("a scale needs at least two codes")
        clash = set(self.codes) & set(self.missing)
        if clash:
            raise ValueError(f"code(s) {sorted(clash, key=str)} are both valid and missing")
        for name, keys in (
            ("scores", self.scores or {}),
            ("participating", self.participating or []),
        ):
            unknown = [k for k in keys if k not in self.codes]
            if unknown:
                raise ValueError(
                    f"{name} names code(s) {unknown} that are not in codes {list(self.codes)}"
                )
        return self

    def score_of(self) -> dict[Code, float]:
        return dict(self.scores) if self.scores else {c: float(i) for i, c in enumerate(self.codes)}

    def taking_part(self) -> list[Code]:
        """Codes that count as co-producing: given, or every code above the lowest."""
        return list(self.participating) if self.participating else list(self.codes)[1:]


class Item(_Strict):
    """A questionnaire item: its wording, the concepts it measures and its scale."""

    text: str
    sector: str
    type: Literal["individual", "collective"]
    form: Literal["co-commissioning", "co-design", "co-delivery", "co-assessment"] = "co-delivery"
    scale: str
    column: str | None = None  # the data column, when it differs from the item's name
    label: str | None = None


PERIODS = {"year": 1.0, "month": 12.0, "week": 52.0}
"""Periods an hours question may cover, and how many of each make a year."""


class HoursItem(_Strict):
    """A question asking how many hours a respondent gives: the kind of co-production it covers
    (``type``, required) and optionally the one ``sector``; the ``period`` its answer covers
    (``year``, ``month`` or ``week``, turned into a year by 1, 12 or 52); codes meaning missing;
    a ``max`` above which an answer is refused as a slip."""

    text: str
    type: Literal["individual", "collective"]
    sector: str | None = None
    period: Literal["year", "month", "week"] = "year"
    column: str | None = None
    label: str | None = None
    missing: dict[Code, str] | list[Code] = Field(default_factory=dict)
    max: float | None = Field(default=None, gt=0)

    @property
    def group(self) -> str:
        """The item group it measures hours for: ``collective`` or ``safety_collective``."""
        return f"{self.sector}_{self.type}" if self.sector else self.type

    def missing_codes(self) -> list[Code]:
        return list(self.missing)


class Covariate(_Strict):
    """A covariate: ``numeric`` (with optional ``min``/``max``), ``categorical`` or ``ordinal``
    (with ``codes``; may be omitted when the data file carries value labels), ``binary``."""

    type: Literal["numeric", "categorical", "ordinal", "binary"]
    label: str | None = None
    codes: dict[Code, str] | None = None
    missing: dict[Code, str] | list[Code] = Field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    column: str | None = None
    reference: Code | None = None  # reference category in models

    @model_validator(mode="after")
    def _consistent(self) -> Covariate:
        if self.type == "numeric" and self.codes:
            raise ValueError("a numeric covariate has no codes; use type: categorical")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if self.reference is not None and self.codes and self.reference not in self.codes:
            raise ValueError(
                f"reference {self.reference!r} is not one of the codes {list(self.codes)}"
            )
        return self

    def missing_codes(self) -> list[Code]:
        return list(self.missing)


class ReplicateWeights(_Strict):
    columns: list[str] | None = None
    prefix: str | None = None
    type: Literal["JK1", "JKn", "bootstrap", "BRR", "other"] = "JK1"
    scale: float | None = None
    rscales: list[float] | None = None
    mse: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> ReplicateWeights:
        if (self.columns is None) == (self.prefix is None):
            raise ValueError("give either columns (a list) or prefix (e.g. 'rw_'), not both")
        if self.type == "other" and self.scale is None:
            raise ValueError("replicate type 'other' needs a scale")
        return self


class DesignSpec(_Strict):
    weight: str | None = None
    strata: str | None = None
    clusters: list[str] = Field(default_factory=list)
    fpc: list[str] = Field(default_factory=list)
    replicate_weights: ReplicateWeights | None = None
    country: str | None = None
    area: str | None = None
    lonely_psu: Literal["fail", "adjust", "remove", "certainty"] = "adjust"

    @field_validator("clusters", "fpc", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _stages(self) -> DesignSpec:
        if len(self.clusters) > 2:
            raise ValueError("at most two stages of clusters are supported")
        if self.fpc and len(self.fpc) > max(len(self.clusters), 1):
            raise ValueError(
                f"{len(self.fpc)} fpc columns for {max(len(self.clusters), 1)} stage(s)"
            )
        return self


class Margins(_Strict):
    """Population counts for calibration: ``method`` rake or poststratify; ``within`` an
    optional variable (usually country) inside which each margin is given; ``variables`` maps a
    covariate to ``{category label: count}`` (or ``{within label: {category: count}}``)."""

    method: Literal["rake", "poststratify"] = "rake"
    within: str | None = None
    variables: dict[str, dict[str, Any]]
    source: str | None = None


class Codebook(_Strict):
    codebook: Literal[1]
    title: str
    synthetic: bool = False
    source: str | None = None
    notes: str | None = None
    data: str | None = None
    sectors: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SECTORS))
    scales: dict[str, Scale]
    items: dict[str, Item]
    covariates: dict[str, Covariate] = Field(default_factory=dict)
    design: DesignSpec = Field(default_factory=DesignSpec)
    margins: Margins | None = None
    hours: dict[str, HoursItem] = Field(default_factory=dict)
    index: Literal["mean", "sum"] = "mean"
    min_cell: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _references(self) -> Codebook:
        return self

    def column_of(self, name: str) -> str:
        if name in self.items:
            return self.items[name].column or name
        if name in self.covariates:
            return self.covariates[name].column or name
        if name in self.hours:
            return self.hours[name].column or name
        return name

    def to_dict(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", exclude_none=True)
        if not out.get("hours"):
            out.pop("hours", None)  # the section is optional: absent, not empty
        return out


# ----------------------------------------------------------------------------- loading
def _cross_checks(cb: Codebook) -> list[Issue]:
    """References between sections (scale names, sectors, margins) — all found at once."""
    issues: list[Issue] = []
    for name, item in cb.items.items():
        if item.scale not in cb.scales:
            issues.append(
                Issue(
                    format_path(("items", name, "scale")),
                    f"unknown scale '{item.scale}'{did_you_mean(item.scale, cb.scales)}"
                    f"; declare it under scales",
                )
            )
        if item.sector not in cb.sectors:
            issues.append(
                Issue(
                    format_path(("items", name, "sector")),
                    f"unknown sector '{item.sector}'"
                    f"{did_you_mean(item.sector, cb.sectors)}; add it under sectors",
                )
            )
    groups = {f"{i.sector}_{i.type}" for i in cb.items.values()} | {
        i.type for i in cb.items.values()
    }
    measured: dict[str, str] = {}
    for name, h in cb.hours.items():
        path = ("hours", name)
        if name in cb.items or name in cb.covariates:
            issues.append(
                Issue(
                    format_path(path),
                    f"'{name}' is also an {'item' if name in cb.items else 'covariate'}; "
                    "give the hours question a name of its own",
                )
            )
        if h.sector is not None and h.sector not in cb.sectors:
            issues.append(
                Issue(
                    format_path((*path, "sector")),
                    f"unknown sector '{h.sector}'{did_you_mean(h.sector, cb.sectors)}; "
                    "add it under sectors",
                )
            )
            continue
        if h.group not in groups:
            what = f"{'an' if h.type == 'individual' else 'a'} {h.type} activity" + (
                f" for {h.sector}" if h.sector else ""
            )
            issues.append(
                Issue(
                    format_path(path),
                    f"no item is {what}, so no one can be counted as taking part in what "
                    "these hours are for; give the items (type, sector) or change the "
                    "question's type or sector",
                )
            )
        if h.group in measured:
            issues.append(
                Issue(
                    format_path(path),
                    f"'{measured[h.group]}' already gives the hours of {h.group.replace('_', ' ')} "
                    "co-production; one hours question for each kind (and sector)",
                )
            )
        measured.setdefault(h.group, name)
    for key in ("country", "area"):
        col = getattr(cb.design, key)
        if col and col in cb.items:
            issues.append(Issue(f"design.{key}", f"'{col}' is an item, not a {key} column"))
    if cb.margins is not None:
        within = cb.margins.within
        if within and within not in cb.covariates and within != cb.design.country:
            issues.append(
                Issue("margins.within", f"'{within}' is not a covariate or the design's country")
            )
        for var, counts in cb.margins.variables.items():
            path = ("margins", "variables", var)
            cov = cb.covariates.get(var)
            if cov is None:
                issues.append(
                    Issue(
                        format_path(path),
                        f"'{var}' is not a covariate{did_you_mean(var, cb.covariates)}",
                    )
                )
                continue
            if cov.type == "numeric":
                issues.append(
                    Issue(
                        format_path(path),
                        f"'{var}' is numeric; calibrate on a "
                        "categorical covariate (e.g. an age band)",
                    )
                )
                continue
            groups = counts.values() if within else [counts]
            for group in groups:
                if not isinstance(group, dict):
                    issues.append(
                        Issue(
                            format_path(path),
                            "with 'within', give counts per group: {group: {category: count}}",
                        )
                    )
                    break
                for cat, n in group.items():
                    if cov.codes and str(cat) not in {str(v) for v in cov.codes.values()} | {
                        str(k) for k in cov.codes
                    }:
                        issues.append(
                            Issue(
                                format_path((*path, cat)),
                                f"'{cat}' is not a "
                                f"category of {var} ({', '.join(cov.codes.values())})",
                            )
                        )
                    if not isinstance(n, (int, float)) or isinstance(n, bool) or n < 0:
                        issues.append(
                            Issue(
                                format_path((*path, cat)),
                                f"count {n!r} must be a non-negative number",
                            )
                        )
    return issues


def codebook_from_data(
    raw: Any, *, file: str | None = None, text: str | None = None, fmt: str = "yaml"
) -> Codebook:
    """Validate parsed codebook content; every problem is reported with its line."""
    issues: list[Issue] = []
    cb: Codebook | None = None
    if not isinstance(raw, dict):
        raise ModelError(
            [
                Issue(
                    "",
                    "a codebook is a mapping with codebook: 1, title, scales, items, ...",
                    file=file,
                )
            ]
        )
    problem = tree_problem(raw)  # the bounds of every input (model/files.py)
    if problem is not None:
        from ..model.errors import TooLarge

        path, message, large = problem
        raise (TooLarge if large else ModelError)([Issue(format_path(path), message, file=file)])
    try:
        cb = Codebook.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(
                p
                for p in err["loc"]
                if not (
                    isinstance(p, str)
                    and p in ("int", "str", "function-after[_consistent(), Scale]")
                )
                and "[" not in str(p)
            )
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                parent = loc[:-1]
                msg = f"unknown field '{loc[-1]}'"
                known = _known_fields(parent)
                msg += did_you_mean(str(loc[-1]), known)
            elif err["type"] == "missing":
                msg = f"required field '{loc[-1]}' is missing"
            elif err["type"] == "literal_error":
                msg = f"{err.get('input')!r} is not allowed: {err['msg'].split(': ', 1)[-1]}"
            issues.append(Issue(format_path(loc), msg))
    if cb is not None:
        issues.extend(_cross_checks(cb))
    if issues:
        lines = field_lines(text, fmt) if text else {}
        located = []
        for i in issues:
            path = tuple(_split_path(i.path))
            located.append(
                Issue(i.path, i.message, line=line_of(lines, path) if lines else None, file=file)
            )
        raise ModelError(located)
    assert cb is not None
    return cb


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        head, *idx = chunk.split("[")
        if head:
            parts.append(head)
        parts.extend(int(i) for i in idx)
    return parts


def _known_fields(parent: tuple) -> list[str]:
    models = {
        (): Codebook,
        ("design",): DesignSpec,
        ("margins",): Margins,
        ("design", "replicate_weights"): ReplicateWeights,
    }
    if len(parent) == 2 and parent[0] == "items":
        return list(Item.model_fields)
    if len(parent) == 2 and parent[0] == "covariates":
        return list(Covariate.model_fields)
    if len(parent) == 2 and parent[0] == "hours":
        return list(HoursItem.model_fields)
    if len(parent) == 2 and parent[0] == "scales":
        return list(Scale.model_fields)
    model = models.get(tuple(parent))
    return list(model.model_fields) if model else []


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file (YAML, JSON, or the workbook of codebook_xlsx)."""
    fmt = format_of(path)
    if fmt == "xlsx":
        from ..model.errors import place_issue
        from .codebook_xlsx import read_codebook_xlsx

        raw, places, issues = read_codebook_xlsx(path)
        try:
            cb = codebook_from_data(raw, file=str(path))
        except ModelError as exc:
            issues = issues + [place_issue(i, places, str(path)) for i in exc.issues]
            cb = None
        if issues:
            raise ModelError(issues)
        return cb
    text = read_text_file(path)
    raw = parse_text(text, fmt=fmt, file=str(path))
    return codebook_from_data(raw, file=str(path), text=text, fmt=fmt)


def codebook_lines(codebook_file: str | None) -> dict:
    """Where each field of a YAML or JSON codebook file is (for messages that name its
    line); empty for a workbook, no file, or a file that cannot be read again."""
    if not codebook_file:
        return {}
    try:
        fmt = format_of(codebook_file)
        return field_lines(read_text_file(codebook_file), fmt) if fmt != "xlsx" else {}
    except ModelError:
        return {}


# ----------------------------------------------------------------------------- hours questions
def hours_answers(
    codebook: Codebook,
    frame: Any,
    *,
    codebook_file: str | None = None,
    data_file: str | None = None,
) -> dict[str, Any]:
    """The answers to each hours question of ``codebook`` in the survey ``frame`` (a pandas
    DataFrame, one row per respondent), as hours a year (``period`` turned into a year; missing
    codes and blanks missing). Every problem — a column not in the file, answers that are not
    numbers, below zero or above the question's ``max`` — is reported at once, located in the
    codebook (file:line) and the data (column, first rows)."""
    import numpy as np
    import pandas as pd

    issues: list[Issue] = []
    codebook_where = functools.cache(lambda: codebook_lines(codebook_file))  # at the first issue

    def issue(path: tuple, message: str) -> None:
        lines = codebook_where()
        issues.append(
            Issue(
                format_path(path),
                message,
                line=line_of(lines, path) if lines else None,
                file=codebook_file,
            )
        )

    def rows(mask: Any) -> str:
        idx = np.flatnonzero(np.asarray(mask))[:3] + 2  # 1-based, after the header row
        more = "" if mask.sum() <= 3 else f" and {int(mask.sum()) - 3} more"
        return ", ".join(map(str, idx)) + more

    out: dict[str, Any] = {}
    cols = [str(c) for c in frame.columns]
    for name, h in codebook.hours.items():
        path = ("hours", name)
        col = codebook.column_of(name)
        if col not in cols:
            where = f" {data_file}" if data_file else ""
            issue(path, f"column '{col}' is not in the data file{where}{did_you_mean(col, cols)}")
            continue
        raw = frame[col]
        missing = raw.isin(h.missing_codes())
        values = pd.to_numeric(raw.where(~missing), errors="coerce")
        bad = values.isna() & raw.notna() & ~missing
        if bad.any():
            issue(
                path,
                f"column '{col}' should hold numbers of hours; not numbers at data row(s) "
                f"{rows(bad)}",
            )
            continue
        below = values < 0
        if below.any():
            issue(path, f"column '{col}' has hours below 0 at data row(s) {rows(below)}")
            continue
        if h.max is not None:
            above = values > h.max
            if above.any():
                issue(
                    (*path, "max"),
                    f"column '{col}' has hours above max {h.max:g} at data row(s) {rows(above)}",
                )
                continue
        out[name] = values.astype(float) * PERIODS[h.period]
    if issues:
        raise ModelError(issues)
    return out
