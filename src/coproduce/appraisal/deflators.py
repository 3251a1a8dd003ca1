"""Rebasing prices to one year with bundled, dated GDP deflator series.

Two series ship with the package, each named by its vintage:

- ``gmca-ucd-1.4``: the index the GMCA Unit Cost Database v1.4 uses for its own uprating
  (financial years 1989/90 to 2019/20; HM Treasury March 2015 Budget deflators, later years OBR
  forecasts). Uprating an entry with it reproduces the database's "updated" 2015/16 values.
- ``hmt-2025-12``: HM Treasury's GDP deflator at market prices, December 2025 Quarterly National
  Accounts, calendar years 1990-2024 (2024 = 100). The default for appraisals.

Years are written as financial years (``"2015/16"``) or calendar years (``2015``). A series
keyed by the other kind reads financial year ``Y/Y+1`` as calendar year ``Y`` (and calendar
``Y`` as ``Y/Y+1``); the appraisal reports that approximation whenever it is used.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = [
    "DEFAULT_DEFLATOR",
    "DEFLATORS",
    "DeflatorSeries",
    "get_deflator",
    "normalise_year",
    "rebase",
]

DEFAULT_DEFLATOR = "hmt-2025-12"
DEFLATORS = {
    "gmca-ucd-1.4": ("deflator_gmca_ucd_1_4.csv", "financial"),
    "hmt-2025-12": ("deflator_hmt_2025_12.csv", "calendar"),
}
_FY = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")


def normalise_year(year: object) -> tuple[str, int]:
    """('financial', 2015) for '2015/16' or '2015-16'; ('calendar', 2015) for 2015 or '2015'.

    Raises ValueError with the accepted forms when ``year`` is neither.
    """
    if isinstance(year, bool):
        raise ValueError(f"'{year}' is not a year")
    if isinstance(year, int):
        return ("calendar", year)
    if isinstance(year, float) and year.is_integer():
        return ("calendar", int(year))
    text = str(year).strip()
    if text.isdigit() and len(text) == 4:
        return ("calendar", int(text))
    m = _FY.match(text)
    if m:
        start, end = int(m.group(1)), m.group(2)
        end_full = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if end_full % 100 != (start + 1) % 100:
            raise ValueError(f"'{text}' is not a financial year: write e.g. 2015/16")
        return ("financial", start)
    raise ValueError(
        f"'{year}' is not a year: write a financial year such as 2015/16 or a "
        "calendar year such as 2015"
    )


def year_label(kind: str, start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}" if kind == "financial" else str(start)


@dataclass(frozen=True)
class DeflatorSeries:
    """An index by year; ``kind`` is ``financial`` or ``calendar``."""

    name: str
    kind: str
    index: dict[int, float]
    source: str
    forecast_from: int | None = None
    notes: list[str] = field(default_factory=list)

    def years(self) -> list[str]:
        return [year_label(self.kind, y) for y in sorted(self.index)]

    def lookup(self, year: object) -> tuple[float, bool]:
        """(index value, whether the year's kind had to be mapped to the series' kind)."""
        kind, start = normalise_year(year)
        if start not in self.index:
            first, last = min(self.index), max(self.index)
            raise ValueError(
                f"{year_label(kind, start)} is outside the {self.name} deflator series "
                f"({year_label(self.kind, first)} to {year_label(self.kind, last)}); choose "
                "another deflator or a price year inside it"
            )
        return self.index[start], kind != self.kind

    def factor(self, from_year: object, to_year: object) -> float:
        """Multiply a price of ``from_year`` by this to express it in ``to_year`` prices."""
        a, _ = self.lookup(from_year)
        b, _ = self.lookup(to_year)
        return b / a

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "index": {year_label(self.kind, y): v for y, v in sorted(self.index.items())},
        }


@cache
def get_deflator(name: str = DEFAULT_DEFLATOR) -> DeflatorSeries:
    """A bundled deflator series by vintage name."""
    if name not in DEFLATORS:
        raise ValueError(f"unknown deflator '{name}'; bundled: {', '.join(DEFLATORS)}")
    filename, kind = DEFLATORS[name]
    data = resources.files("coproduce.appraisal").joinpath("data")
    text = data.joinpath(filename).read_text("utf-8")
    comments = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("#")]
    rows = list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))
    index: dict[int, float] = {}
    forecast_from = None
    for row in rows:
        _, start = normalise_year(row["year"])
        index[start] = float(row["index"])
        if row.get("forecast") == "yes" and forecast_from is None:
            forecast_from = start
    return DeflatorSeries(name, kind, index, " ".join(comments), forecast_from)


def rebase(
    value: float, from_year: object, to_year: object, deflator: str = DEFAULT_DEFLATOR
) -> float:
    """``value`` in ``from_year`` prices expressed in ``to_year`` prices."""
    return value * get_deflator(deflator).factor(from_year, to_year)
