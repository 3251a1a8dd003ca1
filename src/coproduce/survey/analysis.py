"""Whole-survey results: a description of the file and design, and the headline estimates.

These are the result objects behind ``coproduce survey describe`` and ``estimate``; the CLI's
``--json`` and the reports serialise them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .design import Design
from .measures import PrevalenceTable, Reliability, item_groups, prevalence, reliabilities, suppress
from .recode import PreparedSurvey


@dataclass(frozen=True)
class SurveyDescription:
    title: str
    synthetic: bool
    file: str | None
    design: dict
    items: tuple[dict, ...]
    covariates: tuple[dict, ...]
    reliability: tuple[Reliability, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "synthetic": self.synthetic,
            "file": self.file,
            "design": self.design,
            "items": list(self.items),
            "covariates": list(self.covariates),
            "reliability": [r.to_dict() for r in self.reliability],
        }


def describe(survey: PreparedSurvey, design: Design) -> SurveyDescription:
    """What the file holds: design facts, every item with its answer distribution (unweighted
    counts by label, missing included) and every covariate, and index reliabilities."""
    cb = survey.codebook
    data = survey.data
    items = []
    for name, item in cb.items.items():
        counts = data[f"{name}__label"].value_counts(dropna=False, sort=False)
        items.append(
            {
                "item": name,
                "text": item.text,
                "sector": item.sector,
                "type": item.type,
                "form": item.form,
                "scale": item.scale,
                "answers": {
                    ("missing" if pd.isna(k) else str(k)): int(v) for k, v in counts.items()
                },
                "answered": int(data[name].notna().sum()),
            }
        )
    covs = []
    for name, cov in cb.covariates.items():
        col = data[name]
        entry: dict[str, Any] = {
            "covariate": name,
            "type": cov.type,
            "label": cov.label,
            "missing": int(col.isna().sum()),
        }
        if isinstance(col.dtype, pd.CategoricalDtype):
            entry["categories"] = {str(k): int(v) for k, v in col.value_counts(sort=False).items()}
        else:
            entry.update(min=float(col.min()), max=float(col.max()), mean=float(col.mean()))
        covs.append(entry)
    return SurveyDescription(
        title=cb.title,
        synthetic=cb.synthetic,
        file=survey.file,
        design=design.describe(),
        items=tuple(items),
        covariates=tuple(covs),
        reliability=tuple(reliabilities(cb, data)),
    )


@dataclass(frozen=True)
class SurveyEstimates:
    """Prevalence of co-production (country × sector × type) and mean indices (0–100), both
    with disclosure control, plus any requested variables."""

    title: str
    synthetic: bool
    by: str | None
    min_cell: int
    prevalence: PrevalenceTable
    indices: tuple[dict, ...]
    variables: tuple[dict, ...]
    design: dict

    def indices_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.indices))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "synthetic": self.synthetic,
            "by": self.by,
            "min_cell": self.min_cell,
            "design": self.design,
            "prevalence": self.prevalence.to_dict()["cells"],
            "indices": list(self.indices),
            "variables": list(self.variables),
        }


def estimate(
    survey: PreparedSurvey,
    design: Design,
    *,
    by: str | None = None,
    min_cell: int | None = None,
    variables: list[str] | None = None,
    level: float = 0.95,
) -> SurveyEstimates:
    """Headline estimates by ``by`` (default the codebook's country)."""
    cb = survey.codebook
    by = by if by is not None else cb.design.country
    min_cell = cb.min_cell if min_cell is None else min_cell
    prev = prevalence(design, cb, by, min_cell=min_cell, level=level)
    indices = []
    for group in item_groups(cb):
        result = design.mean(f"index_{group}", by=by, level=level)
        for est in result.rows if hasattr(result, "rows") else (result,):
            indices.append(
                {
                    **{k: str(v) for k, v in est.domain.items()},
                    "group": group,
                    **suppress(est, min_cell),
                }
            )
    extra = []
    for var in variables or []:
        result = design.mean(var, by=by, level=level)
        for est in result.rows if hasattr(result, "rows") else (result,):
            count = est.count if est.category is not None else None
            extra.append(
                {
                    **{k: str(v) for k, v in est.domain.items()},
                    "variable": var,
                    "category": None if est.category is None else str(est.category),
                    **suppress(est, min_cell, count),
                }
            )
    return SurveyEstimates(
        title=cb.title,
        synthetic=cb.synthetic,
        by=by,
        min_cell=min_cell,
        prevalence=prev,
        indices=tuple(indices),
        variables=tuple(extra),
        design=design.describe(),
    )
