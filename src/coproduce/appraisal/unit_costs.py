"""The bundled unit-cost library: a curated subset of the GMCA Unit Cost Database v1.4.

Each entry keeps the database's code, description, unit, agency, fiscal/economic/social values
with their own price years, RAG rating and original source, and carries the attribution the
licence asks for. Values are stored at their original price year; :meth:`UnitCost.uprated`
rebases them with a bundled deflator (the database's own index reproduces its 2015/16 figures).
A multi-agency headline entry is split by agency from its constituent entries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .deflators import get_deflator

__all__ = ["ATTRIBUTION", "UnitCost", "get_unit_cost", "library", "search"]

ATTRIBUTION = "GMCA Unit Cost Database v1.4, CC BY 4.0"
VALUE_TYPES = ("fiscal", "economic", "social")


@dataclass(frozen=True)
class UnitCost:
    code: str
    theme: str
    outcome_detail: str
    description: str
    unit: str
    agency: str
    agency_label: str
    agency_detail: str
    values: dict[str, tuple[float, str]]  # type -> (value, price year)
    rag: str
    parent: str
    original_source: str
    attribution: str = ATTRIBUTION

    def value(self, kind: str) -> tuple[float, str] | None:
        return self.values.get(kind)

    def uprated(self, kind: str, to_year: object, deflator: str = "gmca-ucd-1.4") -> float | None:
        """The ``kind`` value rebased from its price year to ``to_year``."""
        v = self.values.get(kind)
        if v is None:
            return None
        return v[0] * get_deflator(deflator).factor(v[1], to_year)

    def constituents(self) -> list[UnitCost]:
        return [e for e in library().values() if e.parent == self.code]

    def fiscal_split(self) -> dict[str, float]:
        """Fiscal value by agency at the entry's price year.

        From the constituent entries when there are any; what they do not cover stays with the
        headline's own agency, so the split always sums to the headline.
        """
        fiscal = self.values.get("fiscal")
        if fiscal is None:
            return {}
        split: dict[str, float] = {}
        for c in self.constituents():
            cv = c.values.get("fiscal")
            if cv is None or cv[1] != fiscal[1]:
                continue
            split[c.agency] = split.get(c.agency, 0.0) + cv[0]
        remainder = fiscal[0] - sum(split.values())
        if abs(remainder) > 1e-9 * max(1.0, abs(fiscal[0])):
            split[self.agency] = split.get(self.agency, 0.0) + remainder
        return split

    def to_dict(self, price_year: object | None = None, deflator: str = "gmca-ucd-1.4") -> dict:
        d = {
            "code": self.code,
            "theme": self.theme,
            "description": self.description,
            "unit": self.unit,
            "agency": self.agency,
            "agency_label": self.agency_label,
            "agency_detail": self.agency_detail,
            "rag": self.rag,
            "parent": self.parent or None,
            "values": {k: {"value": v, "price_year": y} for k, (v, y) in self.values.items()},
            "original_source": self.original_source,
            "attribution": self.attribution,
        }
        if price_year is not None:
            d["uprated"] = {
                "price_year": str(price_year),
                "deflator": deflator,
                **{k: self.uprated(k, price_year, deflator) for k in self.values},
            }
        return d


@cache
def library() -> dict[str, UnitCost]:
    """Every bundled entry by code (cached)."""
    text = (
        resources.files("coproduce.appraisal")
        .joinpath("data")
        .joinpath("gmca_ucd_v1_4.csv")
        .read_text("utf-8")
    )
    out: dict[str, UnitCost] = {}
    for row in csv.DictReader(text.splitlines()):
        values = {k: (float(row[k]), row[f"{k}_year"]) for k in VALUE_TYPES if row[k]}
        out[row["code"]] = UnitCost(
            code=row["code"],
            theme=row["theme"],
            outcome_detail=row["outcome_detail"],
            description=row["description"],
            unit=row["unit"],
            agency=row["agency"],
            agency_label=row["agency_label"],
            agency_detail=row["agency_detail"],
            values=values,
            rag=row["rag"],
            parent=row["parent"],
            original_source=row["original_source"],
        )
    return out


def get_unit_cost(code: str) -> UnitCost:
    """The entry with ``code``; KeyError naming close codes when there is none."""
    lib = library()
    if code in lib:
        return lib[code]
    upper = {k.upper(): k for k in lib}
    if code.upper() in upper:
        return lib[upper[code.upper()]]
    from ..model.errors import did_you_mean

    raise KeyError(f"no unit cost with code '{code}'{did_you_mean(code, lib)}")


def search(query: str, limit: int | None = None) -> list[UnitCost]:
    """Entries whose code, description, theme, unit or agency contain every word of ``query``.

    Case-insensitive; a code match ranks first, then headline entries before constituents.
    """
    words = [w for w in re.split(r"\s+", query.lower().strip()) if w]
    hits = []
    for e in library().values():
        hay = " ".join(
            [
                e.code,
                e.description,
                e.theme,
                e.outcome_detail,
                e.unit,
                e.agency_label,
                e.agency_detail,
            ]
        ).lower()
        if all(w in hay for w in words):
            rank = (0 if e.code.lower() == query.lower().strip() else 1, e.code.count("."))
            hits.append((rank, e))
    hits.sort(key=lambda h: h[0])
    found = [e for _, e in hits]
    return found[:limit] if limit else found
