"""Result objects of design-based estimation: one estimate, or a table of them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import pandas as pd


def normal_interval(value: float, se: float, level: float) -> tuple[float, float]:
    """``value ± z * se`` with the normal quantile for ``level`` (R ``confint`` on svystat)."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return float("nan"), float("nan")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return value - z * se, value + z * se


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate: ``value`` with standard error ``se``, a ``level`` confidence
    interval ``low``–``high`` (normal), design effect ``deff`` (variance over that of a simple
    random sample of the same size without replacement), ``n`` respondents used and ``count`` of
    them in ``category`` (the unweighted cell size used for disclosure control)."""

    statistic: str
    variable: str
    value: float
    se: float
    low: float
    high: float
    level: float = 0.95
    deff: float = float("nan")
    n: int = 0
    count: int = 0
    category: Any = None
    domain: dict = field(default_factory=dict)
    denominator: str | None = None

    @property
    def cv(self) -> float:
        """Coefficient of variation, se / |value|."""
        return self.se / abs(self.value) if self.value else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "variable": self.variable,
            "category": None if self.category is None else str(self.category),
            "denominator": self.denominator,
            "domain": {k: (v.item() if hasattr(v, "item") else v) for k, v in self.domain.items()},
            "value": self.value,
            "se": self.se,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "deff": self.deff,
            "n": self.n,
            "count": self.count,
        }


@dataclass(frozen=True)
class EstimateTable:
    """Several estimates (categories of a variable, domains)."""

    rows: tuple[Estimate, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i: int) -> Estimate:
        return self.rows[i]

    def find(self, category: Any = None, **domain: Any) -> Estimate:
        """The estimate for ``category`` in the given domain (``find("Yes", stype="E")``)."""
        for r in self.rows:
            if (category is None or str(r.category) == str(category)) and all(
                str(r.domain.get(k)) == str(v) for k, v in domain.items()
            ):
                return r
        raise KeyError(f"no estimate for category={category!r} {domain}")

    def to_frame(self) -> pd.DataFrame:
        records = []
        for r in self.rows:
            d = r.to_dict()
            dom = d.pop("domain")
            records.append({**dom, **d})
        return pd.DataFrame.from_records(records)

    def to_dict(self) -> dict[str, Any]:
        return {"estimates": [r.to_dict() for r in self.rows]}
