"""The one result object of an appraisal, read by the CLI's --json, the reports and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .switching import SwitchingValue

HEADLINE_KEYS = (
    "pv_costs",
    "pv_public_costs",
    "pv_time_costs",
    "pv_fiscal",
    "pv_economic",
    "pv_social",
    "pv_transfers",
    "npv_public_value",
    "benefit_cost_ratio",
    "net_present_budget_impact",
    "fiscal_roi",
)


@dataclass(frozen=True)
class OptionResult:
    name: str
    label: str
    description: str | None
    coproduced: bool
    figures: dict[str, float]  # deterministic headline figures
    payback: dict[str, int | None]  # discounted / undiscounted year index
    by_agency: dict[str, dict[str, float]]
    wrong_pocket: dict[str, dict[str, float]]  # payer -> gainer -> £ PV
    switching: list[SwitchingValue]
    cash_flows: pd.DataFrame  # one row per year
    agency_flows: pd.DataFrame  # year x agency: costs and fiscal benefits
    time_valuation: dict[str, dict[str, float]]  # method -> {npv, bcr, pv_time_costs}
    time_hours: float  # hours of time given, whole period
    uncertainty: dict[str, Any] | None = None

    def to_dict(self, year_labels: list[str]) -> dict:
        f = self.figures

        def lab(i: int | None) -> dict | None:
            return None if i is None else {"year": i, "label": year_labels[i]}

        return {
            "label": self.label,
            "description": self.description,
            "coproduced": self.coproduced,
            "pv_costs": f["pv_costs"],
            "pv_public_costs": f["pv_public_costs"],
            "pv_time_costs": f["pv_time_costs"],
            "pv_benefits": {
                "fiscal": f["pv_fiscal"],
                "economic": f["pv_economic"],
                "social": f["pv_social"],
                "transfers": f["pv_transfers"],
            },
            "npv_public_value": f["npv_public_value"],
            "benefit_cost_ratio": f["benefit_cost_ratio"],
            "net_present_budget_impact": f["net_present_budget_impact"],
            "fiscal_roi": f["fiscal_roi"],
            "coproduction_share": f["coproduction_share"],
            "payback_year": {
                "discounted": self.payback["discounted"],
                "undiscounted": self.payback["undiscounted"],
            },
            "payback": {
                "discounted": lab(self.payback["discounted"]),
                "undiscounted": lab(self.payback["undiscounted"]),
                "basis": "financial case: cumulative fiscal benefits less public costs",
            },
            "by_agency": self.by_agency,
            "wrong_pocket": self.wrong_pocket,
            "switching_values": [s.to_dict() for s in self.switching],
            "time_valuation": self.time_valuation,
            "time_hours": self.time_hours,
            "cash_flows": self.cash_flows.to_dict(orient="records"),
            "uncertainty": self.uncertainty,
        }


@dataclass(frozen=True)
class Appraisal:
    """Result of :func:`coproduce.appraisal.appraise`. Money in ``currency`` at ``price_base``."""

    name: str
    description: str | None
    currency: str
    price_base: str
    years: int
    year_labels: list[str]
    deflator: dict
    schedule: dict
    first_year_discounted: bool
    time_valuation: dict
    baseline: dict
    agencies: dict[str, dict]
    options: dict[str, OptionResult]
    assumptions: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    uncertainty: dict | None = None
    file: str | None = None
    npv_draws: dict = field(default_factory=dict, repr=False)  # option -> NPV of each draw

    def summary(self) -> list[str]:
        """Plain-language sentences a council analyst can read out."""
        from .words import summary_lines

        return summary_lines(self)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "currency": self.currency,
            "price_base": self.price_base,
            "years": self.years,
            "year_labels": self.year_labels,
            "deflator": self.deflator,
            "discounting": {
                "schedule": self.schedule,
                "first_year_discounted": self.first_year_discounted,
            },
            "time_valuation": self.time_valuation,
            "baseline": self.baseline,
            "agencies": self.agencies,
            "options": {k: o.to_dict(self.year_labels) for k, o in self.options.items()},
            "uncertainty": self.uncertainty,
            "assumptions": self.assumptions.to_dict(orient="records"),
            "notes": self.notes,
            "summary": self.summary(),
        }
