"""Discount factors by named, versioned schedules (HM Treasury Green Book).

A schedule is a list of bands ``(first year, rate)``: the rate applies to every year from that
year until the next band starts. Factors compound band by band,
``DF(t) = prod_{y=1..t} 1 / (1 + r_y)``, with ``DF(0) = 1`` (year 0 is the present), so that
``DF(31) = DF(30) / 1.03`` on the standard schedule. Schedules are named with the edition they
come from (``green-book-2022``) because the discount-rate review may change them; the short
names ``green-book`` and ``green-book-health`` point at the current versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SCHEDULES", "Schedule", "discount_factors", "get_schedule", "resolve_schedule_name"]


@dataclass(frozen=True)
class Schedule:
    """A declining discount-rate schedule: ``bands[i] = (first year, annual rate)``."""

    name: str
    bands: tuple[tuple[int, float], ...]
    source: str = ""

    def rate_of_year(self, years: np.ndarray) -> np.ndarray:
        """The rate applied between year ``y - 1`` and year ``y`` (years >= 1)."""
        starts = np.array([b[0] for b in self.bands])
        rates = np.array([b[1] for b in self.bands], dtype=float)
        idx = np.searchsorted(starts, years, side="right") - 1
        return rates[np.clip(idx, 0, None)]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "bands": [{"from_year": y, "rate": r} for y, r in self.bands],
            "source": self.source,
        }


_GB_SOURCE = (
    "HM Treasury Green Book (2022), Table 6.1 / Annex A6: 3.5% for years 0-30, then "
    "3.0%, 2.5%, 2.0%, 1.5% and 1.0% from years 31, 76, 126, 201 and 301"
)
_GB_HEALTH_SOURCE = (
    "HM Treasury Green Book (2022): health effects discounted at 1.5% (the rate "
    "without the wealth effect), declining 1.5/1.29/1.07/0.86/0.64/0.43% on the "
    "same bands"
)
_BAND_STARTS = (1, 31, 76, 126, 201, 301)

SCHEDULES: dict[str, Schedule] = {
    "green-book-2022": Schedule(
        "green-book-2022",
        tuple(zip(_BAND_STARTS, (0.035, 0.030, 0.025, 0.020, 0.015, 0.010), strict=True)),
        _GB_SOURCE,
    ),
    "green-book-health-2022": Schedule(
        "green-book-health-2022",
        tuple(zip(_BAND_STARTS, (0.015, 0.0129, 0.0107, 0.0086, 0.0064, 0.0043), strict=True)),
        _GB_HEALTH_SOURCE,
    ),
}

ALIASES = {"green-book": "green-book-2022", "green-book-health": "green-book-health-2022"}


def resolve_schedule_name(name: str) -> str:
    """The versioned name behind an alias (``green-book`` -> ``green-book-2022``)."""
    return ALIASES.get(name, name)


def get_schedule(schedule: str | Schedule | float | Sequence) -> Schedule:
    """A :class:`Schedule` from a name, a constant rate, or bands ``[(first_year, rate), ...]``."""
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, str):
        name = resolve_schedule_name(schedule)
        if name not in SCHEDULES:
            known = ", ".join([*SCHEDULES, *ALIASES])
            raise ValueError(f"unknown discount schedule '{schedule}'; known: {known}")
        return SCHEDULES[name]
    if isinstance(schedule, (int, float)):
        return Schedule(f"constant-{schedule:g}", ((1, float(schedule)),), "custom constant rate")
    bands = tuple((int(y), float(r)) for y, r in schedule)
    return custom_schedule(bands)


def custom_schedule(bands: Iterable[tuple[int, float]], name: str = "custom") -> Schedule:
    """A user schedule; bands must start at year 1 and increase, rates above -100%."""
    bands = tuple(sorted((int(y), float(r)) for y, r in bands))
    if not bands or bands[0][0] != 1:
        raise ValueError("a custom schedule's first band must start at year 1")
    if len({y for y, _ in bands}) != len(bands):
        raise ValueError("two bands of a custom schedule start in the same year")
    if any(r <= -1 for _, r in bands):
        raise ValueError("discount rates must be above -100%")
    return Schedule(name, bands, "custom schedule given in the appraisal file")


def discount_factors(
    years: int | Iterable[int],
    schedule: str | Schedule | float | Sequence = "green-book",
    *,
    first_year_discounted: bool = False,
) -> np.ndarray:
    """Discount factors for ``years`` (an int ``n`` means years ``0..n-1``), ``DF(0) = 1``.

    ``first_year_discounted=True`` is the end-of-year convention: the first appraisal year is
    discounted by one year, i.e. the factor for year ``t`` is ``DF(t + 1)``.
    """
    sched = get_schedule(schedule)
    t = np.arange(years) if isinstance(years, (int, np.integer)) else np.asarray(list(years))
    if t.size and (t.min() < 0 or not np.issubdtype(t.dtype, np.integer)):
        raise ValueError("years must be whole numbers >= 0")
    shift = 1 if first_year_discounted else 0
    horizon = int(t.max()) + shift if t.size else 0
    y = np.arange(1, horizon + 1)
    df = np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + sched.rate_of_year(y)))])
    return df[t + shift] if t.size else np.array([])
