"""Optimism bias: the Green Book generic table and an editable confidence-grade table.

Generic (HM Treasury supplementary guidance, Mott MacDonald 2002): an upper-bound uplift on
capital costs by project type, reduced by the share of the contributory factors that has been
mitigated: ``uplift = upper x (1 - mitigated)``. A £100m non-standard building with 92% mitigated
gets ``51% x 8% = 4.08%``, about £104m.

Confidence grades (local-partnership convention after the GMCA/New Economy CBA model): each
cost or value carries a grade from 1 (audited, local, recent) to 6 (opinion); costs are raised
and benefits reduced by the grade's percentage. The published percentages are not confirmed
here, so the default table is a documented convention that an appraisal file can replace.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONFIDENCE_GRADES", "GENERIC_TABLE", "GradeRow", "generic_uplift"]

# category: (upper bound, lower bound) for capital expenditure; "outsourcing" applies to
# operating expenditure.
GENERIC_TABLE: dict[str, tuple[float, float]] = {
    "standard_buildings": (0.24, 0.02),
    "non_standard_buildings": (0.51, 0.04),
    "standard_civil_engineering": (0.44, 0.03),
    "non_standard_civil_engineering": (0.66, 0.06),
    "equipment_development": (2.00, 0.10),
    "outsourcing": (0.41, 0.0),
}
GENERIC_SOURCE = (
    "HM Treasury Green Book supplementary guidance: optimism bias (Mott MacDonald "
    "2002 generic table), upper bounds for capital expenditure"
)


@dataclass(frozen=True)
class GradeRow:
    label: str
    costs: float  # uplift on costs, e.g. 0.10 = +10%
    benefits: float  # reduction of benefits, e.g. 0.10 = -10%


CONFIDENCE_GRADES: dict[int, GradeRow] = {
    1: GradeRow("Independently audited, local, recent data", 0.0, 0.0),
    2: GradeRow("Local operational data or a peer-reviewed national source", 0.05, 0.05),
    3: GradeRow("Detailed local estimate or national data in the right context", 0.10, 0.10),
    4: GradeRow("Estimate from experience or data from a similar place", 0.15, 0.15),
    5: GradeRow("Old or indirect evidence, large adjustment needed", 0.25, 0.25),
    6: GradeRow("Opinion or speculation", 0.40, 0.40),
}
GRADES_SOURCE = (
    "convention after the GMCA/New Economy CBA model's confidence grades; the "
    "percentages are not a published table: edit them in the appraisal file "
    "(optimism_bias.grades)"
)


def generic_uplift(category: str, mitigated: float) -> float:
    """Uplift (a proportion) for a Green Book project ``category`` with ``mitigated`` in [0, 1]."""
    if category not in GENERIC_TABLE:
        raise ValueError(
            f"unknown optimism-bias category '{category}'; use one of {', '.join(GENERIC_TABLE)}"
        )
    if not 0.0 <= mitigated <= 1.0:
        raise ValueError(f"mitigated must be between 0 and 1, got {mitigated}")
    return GENERIC_TABLE[category][0] * (1.0 - mitigated)
