"""Is a study worth what it costs? Population EVSI against the study's cost, by size.

The expected net benefit of sampling of a study of n participants:

    ENBS(n) = EVSI(n) × Σ_{t<horizon} population_t / (1 + rate)^t
              − (fixed + n × per_participant)

with the population affected by the decision each year and the Green Book discount rate
(3.5%), as for the population EVPI. The best size is the n with the largest ENBS; a study is
worth commissioning when that ENBS is above zero. Its interval carries the EVSI's standard
error through the same (linear) formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .core import GREEN_BOOK_RATE, population_evpi
from .study import EvsiPoint

EVIDENCE_STUDY_SIZE: dict[int, int] = {1: 10, 2: 30, 3: 100, 4: 300, 5: 1000}
"""A convention for a pilot's sampling sd: the evidence behind a link of each grade (1
opinion ... 5 replicated experiments) is read as one study of this many participants, so a
participant's sd is the effect's current sd × √(that size). Override with a stated sd."""


@dataclass(frozen=True)
class EnbsPoint:
    """At one study size: EVSI per decision, its population value, the study's cost and the
    ENBS with a 95% interval (money, present value)."""

    n: int
    evsi: float
    population_evsi: float
    cost: float
    enbs: float
    low: float | None
    high: float | None

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "evsi": self.evsi,
            "population_evsi": self.population_evsi,
            "cost": self.cost,
            "enbs": self.enbs,
            "low": self.low,
            "high": self.high,
        }


def enbs(
    points: Sequence[EvsiPoint],
    population: float | Sequence[float],
    horizon: int,
    fixed_cost: float = 0.0,
    cost_per_participant: float = 0.0,
    rate: float = GREEN_BOOK_RATE,
) -> list[EnbsPoint]:
    """ENBS at each size of ``points`` (from :func:`coproduce.voi.evsi` with ``se=True``):
    ``population`` affected a year (one number or one per year), over ``horizon`` years,
    discounted at ``rate``; the study costs ``fixed_cost`` plus ``cost_per_participant`` per
    participant (money of the same price year)."""
    if fixed_cost < 0 or cost_per_participant < 0:
        raise ValueError("a study's costs cannot be negative")
    scale = population_evpi(1.0, population, horizon, rate)
    out = []
    for p in points:
        cost = fixed_cost + p.n * cost_per_participant
        value = p.value * scale
        half = None if p.se is None else 1.959964 * p.se * scale
        out.append(
            EnbsPoint(
                p.n,
                p.value,
                value,
                cost,
                value - cost,
                None if half is None else value - cost - half,
                None if half is None else value - cost + half,
            )
        )
    return out


def best_size(curve: Sequence[EnbsPoint]) -> EnbsPoint | None:
    """The study size with the largest ENBS, or None when no size is worth its cost."""
    if not curve:
        return None
    best = max(curve, key=lambda p: (p.enbs, -p.n))
    return best if best.enbs > 0 else None


def pilot_sd(effect_sd: float, grade: int | None) -> float:
    """A participant's sd for a pilot measuring a link's effect, by the convention of
    :data:`EVIDENCE_STUDY_SIZE` (ungraded links count as grade 1)."""
    return float(effect_sd * np.sqrt(EVIDENCE_STUDY_SIZE[grade or 1]))
