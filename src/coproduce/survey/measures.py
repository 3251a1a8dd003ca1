"""Co-production measures: indices per sector and type, their reliability, prevalence tables.

* Index of a group of items (a sector × type, a sector, a type, or all items): the mean of the
  item scores a respondent answered (``index: mean``, the default; missing if none answered) or
  their sum (``index: sum``; missing if any is missing), rescaled to 0–100 by dividing by the
  top score of the scale (× the number of items for a sum).
* "Takes part" in a group: 1 if any item in it is answered with a participating code, 0 if the
  answered items all say no, missing if none was answered.
* Reliability: Cronbach's alpha on complete cases, ``k/(k-1) * (1 - sum var(item) / var(sum))``.
* Prevalence tables: the design-based proportion taking part by country (or another domain),
  sector and type, with standard errors and intervals; a cell whose unweighted number of
  respondents — behind the figure, or taking part — is below the minimum (default 10) is
  suppressed (value and SE blank, ``suppressed`` true) before publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .design import Design
from .estimates import Estimate, EstimateTable


def item_groups(codebook: Codebook) -> dict[str, list[str]]:
    """Named groups of items: ``{sector}_{type}``, each sector, each type, and ``all``."""
    groups: dict[str, list[str]] = {}
    for name, item in codebook.items.items():
        for key in (f"{item.sector}_{item.type}", item.sector, item.type, "all"):
            groups.setdefault(key, []).append(name)
    return groups


def _top_score(codebook: Codebook, items: list[str]) -> float:
    return max(max(codebook.scales[codebook.items[i].scale].score_of().values()) for i in items)


def add_indices(codebook: Codebook, data: pd.DataFrame) -> pd.DataFrame:
    """Add ``index_{group}`` (0–100) and ``takes_part_{group}`` (0/1) for every item group."""
    new = {}
    for group, items in item_groups(codebook).items():
        scores = data[items]
        top = _top_score(codebook, items) or 1.0
        if codebook.index == "sum":
            index = scores.sum(axis=1, min_count=len(items)) / (top * len(items)) * 100
        else:
            index = scores.mean(axis=1) / top * 100
        new[f"index_{group}"] = index
        anyp = data[[f"{i}__any" for i in items]]
        new[f"takes_part_{group}"] = anyp.max(axis=1)  # NaN only when nothing was answered
    return pd.concat([data, pd.DataFrame(new, index=data.index)], axis=1)


@dataclass(frozen=True)
class Reliability:
    group: str
    items: tuple[str, ...]
    alpha: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "items": list(self.items), "alpha": self.alpha, "n": self.n}


def cronbach_alpha(frame: pd.DataFrame) -> tuple[float, int]:
    """Cronbach's alpha of the columns of ``frame`` over complete rows, and that row count."""
    complete = frame.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan"), len(complete)
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan"), len(complete)
    return float(k / (k - 1) * (1 - item_var / total_var)), len(complete)


def reliabilities(codebook: Codebook, data: pd.DataFrame) -> list[Reliability]:
    """Alpha of every item group with two or more items."""
    out = []
    for group, items in item_groups(codebook).items():
        if len(items) >= 2:
            alpha, n = cronbach_alpha(data[items])
            out.append(Reliability(group, tuple(items), alpha, n))
    return out


@dataclass(frozen=True)
class PrevalenceTable:
    """Proportions taking part by domain × sector × type with disclosure control applied."""

    rows: tuple[dict, ...]
    by: str | None
    min_cell: int
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.rows))

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "min_cell": self.min_cell,
            "level": self.level,
            "cells": list(self.rows),
        }


def suppress(est: Estimate, min_cell: int, taking_part: int | None = None) -> dict[str, Any]:
    """An estimate as a publishable row: blanked and marked when a count is below ``min_cell``."""
    row = {
        "value": est.value,
        "se": est.se,
        "low": est.low,
        "high": est.high,
        "deff": est.deff,
        "n": est.n,
    }
    reason = None
    # the note says, in plain words, which count was too small — for a share it is often the
    # people NOT taking part (when nearly everyone recycles, the few who don't could be found)
    if est.n < min_cell:
        reason = f"only {est.n} respondent(s) behind this cell, fewer than {min_cell}"
    elif taking_part is not None and taking_part < min_cell:
        reason = (
            f"only {taking_part} of {est.n} respondents take part, fewer than "
            f"{min_cell}: the few who do could be identified"
        )
    elif taking_part is not None and est.n - taking_part < min_cell:
        reason = (
            f"only {est.n - taking_part} of {est.n} respondents do not take part, "
            f"fewer than {min_cell}: the few who don't could be identified"
        )
    if reason:
        row.update(value=None, se=None, low=None, high=None, deff=None)
    row["suppressed"] = reason is not None
    row["note"] = reason
    return row


def prevalence(
    design: Design,
    codebook: Codebook,
    by: str | None = None,
    *,
    min_cell: int | None = None,
    level: float = 0.95,
    groups: list[str] | None = None,
) -> PrevalenceTable:
    """Design-based proportion taking part in each sector × type (and sector, type, all), by
    the domain ``by`` (default: the codebook's country), suppressing small cells."""
    min_cell = codebook.min_cell if min_cell is None else min_cell
    by = by if by is not None else codebook.design.country
    all_groups = item_groups(codebook)
    groups = groups or list(all_groups)
    rows = []
    for group in groups:
        parts = group.split("_")
        sector = parts[0] if parts[0] in codebook.sectors else None
        type_ = parts[-1] if parts[-1] in ("individual", "collective") else None
        var = f"takes_part_{group}"
        result = design.mean(var, by=by, level=level)
        ests = result.rows if isinstance(result, EstimateTable) else (result,)
        for est in ests:
            yes = _count_yes(design, var, est.domain)
            rows.append(
                {
                    **{k: _plain(v) for k, v in est.domain.items()},
                    "group": group,
                    "sector": sector
                    or ("all" if group in ("all", "individual", "collective") else group),
                    "type": type_ or "all",
                    "items": len(all_groups[group]),
                    **suppress(est, min_cell, yes),
                }
            )
    return PrevalenceTable(tuple(rows), by, min_cell, level)


def _count_yes(design: Design, var: str, domain: dict) -> int:
    mask = np.ones(design.n, dtype=bool)
    for k, v in domain.items():
        mask &= (design.data[k] == v).to_numpy()
    mask &= design.weights > 0
    return int((design.data.loc[mask, var] == 1).sum())


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v
