"""Cost-benefit appraisal in the form HM Treasury and UK local partnerships use.

Options against a baseline, costs and benefits by year and by agency, cohort x engagement x
impact less deadweight, displacement and attribution, with lag, persistence and drop-off;
optimism bias; discounting by named Green Book schedules; prices rebased with dated GDP
deflators; fiscal, economic and social value; who pays and who gains; switching values; and
Monte Carlo over any uncertain input. Time given by users and communities is a named, visible
cost choice.
"""

from .api import appraise
from .deflators import DEFAULT_DEFLATOR, get_deflator, rebase
from .discounting import SCHEDULES, discount_factors, get_schedule
from .loading import load_appraisal
from .optimism import CONFIDENCE_GRADES, GENERIC_TABLE, generic_uplift
from .result import Appraisal, OptionResult
from .unit_costs import ATTRIBUTION, UnitCost, get_unit_cost, search

__all__ = [
    "ATTRIBUTION",
    "CONFIDENCE_GRADES",
    "DEFAULT_DEFLATOR",
    "GENERIC_TABLE",
    "SCHEDULES",
    "Appraisal",
    "OptionResult",
    "UnitCost",
    "appraise",
    "discount_factors",
    "generic_uplift",
    "get_deflator",
    "get_schedule",
    "get_unit_cost",
    "load_appraisal",
    "rebase",
    "search",
]
