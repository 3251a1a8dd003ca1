"""The appraisal arithmetic, vectorised over Monte Carlo draws.

Every array has a draw axis first (``n`` draws; ``n = 1`` with each distribution at its mean for
the deterministic case) and a year axis last. Conventions, in the local-partnership CBA
method's own words:

- outcomes in year ``t`` = sum over cohorts ``c`` of
  ``cohort[c] x engagement x impact x (1 - deadweight) x (1 - displacement) x (1 - attribution)
  x (1 - drop_off) ** k`` where ``k = t - c - lag`` runs over ``0 .. persistence - 1``;
- benefits = outcomes x value per outcome (rebased to the price base, less the confidence-grade
  haircut); costs = amounts rebased, plus optimism bias; time given = hours x hourly rate of the
  chosen valuation method;
- present values with the schedule's discount factors (a value line may use its own schedule,
  e.g. health); transfers count in the fiscal case and not in public value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.distributions import DistributionBase
from ..sampling import sample
from .compile import CostItem, Flow, OptionSpec, Spec
from .discounting import Schedule, discount_factors

__all__ = ["Draws", "OptionFlows", "headline", "option_flows"]


class Draws:
    """Values of quantities: means when ``rng`` is None, else ``n`` draws of each quantity.

    Each quantity object is drawn once (cached), so a cost written once for several years takes
    the same draw in every year of one draw; draws follow the order quantities are first used,
    which is the file order, so a seed reproduces results bit for bit.
    """

    def __init__(self, n: int = 1, rng: np.random.Generator | None = None) -> None:
        self.n = n if rng is not None else 1
        self.rng = rng
        self._cache: dict[int, np.ndarray] = {}
        self._keep: list = []

    def __call__(self, q) -> np.ndarray:
        """Shape ``(n, 1)`` (or ``(1, 1)`` when fixed), ready to broadcast over years."""
        if not isinstance(q, DistributionBase):
            return np.array([[float(q)]])
        key = id(q)
        if key not in self._cache:
            if self.rng is None:
                arr = np.array([[float(q.mean)]])
            else:
                arr = sample(q, self.rng, self.n)[:, None]
            self._cache[key] = arr
            self._keep.append(q)  # keep q alive so its id is not reused
        return self._cache[key]


def flow_array(flow: Flow, draws: Draws, T: int) -> np.ndarray:
    out = np.zeros((draws.n, T))
    for y, factors in zip(flow.years, flow.factors, strict=True):
        v = np.full((draws.n, 1), flow.const)
        for q in factors:
            v = v * draws(q)
        out[:, y] = v[:, 0]
    return out


@dataclass
class OptionFlows:
    """Yearly flows of one option, in price-base money: ``(lines, n, T)`` arrays."""

    option: OptionSpec
    costs: np.ndarray  # per cost line, after optimism bias
    hours: np.ndarray  # per cost line: hours of time given (0 for money lines)
    units: np.ndarray  # per outcome: outcome units per year
    values: np.ndarray  # per value line: benefits per year
    value_owner: list[int]  # outcome index of each value line
    value_items: list


def _hourly(item: CostItem, spec: Spec, draws: Draws, method: str | None) -> np.ndarray:
    m = method or item.method
    if m == "zero":
        return np.zeros((1, 1))
    if item.hourly_value is not None and m == item.method:
        # the line's own rate for its method (e.g. a strategy map's valuation of volunteer time)
        return draws(item.hourly_value) * item.hourly_factor
    rate = spec.time_rates[m]
    return draws(rate.value) * rate.price_factor


def option_flows(
    opt: OptionSpec,
    spec: Spec,
    draws: Draws,
    *,
    time_method: str | None = None,
    time_scale: float = 1.0,
) -> OptionFlows:
    """Cost, outcome and benefit flows of ``opt``.

    ``time_method`` values every line of time given by one method (for the sensitivity of the
    economic case to that choice); ``time_scale`` multiplies hourly rates (switching values).
    """
    T = spec.years
    n = draws.n
    costs = np.zeros((len(opt.costs), n, T))
    hours = np.zeros((len(opt.costs), n, T))
    for i, c in enumerate(opt.costs):
        arr = flow_array(c.flow, draws, T)
        if c.is_time:
            hours[i] = arr
            arr = arr * _hourly(c, spec, draws, time_method) * time_scale
        costs[i] = arr * (1.0 + c.uplift)
    units = np.zeros((len(opt.outcomes), n, T))
    vals, owner, items = [], [], []
    for j, o in enumerate(opt.outcomes):
        cohort = flow_array(o.cohort, draws, T)
        net = (
            cohort
            * draws(o.engagement)
            * draws(o.impact)
            * (1 - draws(o.deadweight))
            * (1 - draws(o.displacement))
            * (1 - draws(o.attribution))
        )
        keep = 1 - draws(o.drop_off)
        for k in range(o.persistence):
            s = o.lag + k
            if s >= T:
                break
            units[j][:, s:] += net[:, : T - s] * keep**k
        for v in o.values:
            vals.append(units[j] * draws(v.value) * v.const)
            owner.append(j)
            items.append(v)
    values = np.stack(vals) if vals else np.zeros((0, n, T))
    return OptionFlows(opt, costs, hours, units, values, owner, items)


def factors_for(spec: Spec, schedule: Schedule) -> np.ndarray:
    return discount_factors(spec.years, schedule, first_year_discounted=spec.first_year_discounted)


def headline(f: OptionFlows, spec: Spec, agencies: list[str]) -> dict:
    """Present values and ratios, each an array over draws (shape ``(n,)``)."""
    df = factors_for(spec, spec.schedule)
    cache: dict[str, np.ndarray] = {spec.schedule.name: df}
    pv_cost_lines = f.costs @ df  # (L, n)
    pv_value_lines = np.zeros(f.values.shape[:2])
    for k, v in enumerate(f.value_items):
        if v.schedule.name not in cache:
            cache[v.schedule.name] = factors_for(spec, v.schedule)
        pv_value_lines[k] = f.values[k] @ cache[v.schedule.name]
    n = f.costs.shape[1] if f.costs.size else (f.values.shape[1] if f.values.size else 1)
    zero = np.zeros(n)
    opt = f.option
    public = np.array([c.public for c in opt.costs], dtype=bool)
    time = np.array([c.is_time for c in opt.costs], dtype=bool)
    copro = np.array(
        [c.is_time or c.sector in ("user", "community") for c in opt.costs], dtype=bool
    )

    def total(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return rows[mask].sum(axis=0) if mask.any() else zero.copy()

    kinds = np.array([v.type for v in f.value_items])
    transfer = np.array([v.transfer for v in f.value_items], dtype=bool)
    pv_costs = total(pv_cost_lines, np.ones(len(opt.costs), bool))
    pv_public = total(pv_cost_lines, public)
    fiscal = total(pv_value_lines, kinds == "fiscal")
    transfers = total(pv_value_lines, (kinds == "fiscal") & transfer)
    economic = total(pv_value_lines, kinds == "economic")
    social = total(pv_value_lines, kinds == "social")
    public_value = fiscal - transfers + economic + social
    with np.errstate(divide="ignore", invalid="ignore"):
        bcr = np.where(pv_costs > 0, public_value / np.where(pv_costs > 0, pv_costs, 1), np.nan)
        roi = np.where(pv_public > 0, fiscal / np.where(pv_public > 0, pv_public, 1), np.nan)
        share = np.where(
            pv_costs > 0, total(pv_cost_lines, copro) / np.where(pv_costs > 0, pv_costs, 1), np.nan
        )
    by_agency = {}
    for ag in agencies:
        cmask = np.array([c.agency == ag for c in opt.costs], dtype=bool)
        vmask = np.array([v.type == "fiscal" and v.agency == ag for v in f.value_items], dtype=bool)
        by_agency[ag] = {
            "pv_costs": total(pv_cost_lines, cmask),
            "pv_fiscal_benefits": total(pv_value_lines, vmask),
        }
    return {
        "pv_costs": pv_costs,
        "pv_public_costs": pv_public,
        "pv_time_costs": total(pv_cost_lines, time),
        "pv_fiscal": fiscal,
        "pv_economic": economic,
        "pv_social": social,
        "pv_transfers": transfers,
        "pv_public_value_benefits": public_value,
        "npv_public_value": public_value - pv_costs,
        "benefit_cost_ratio": bcr,
        "net_present_budget_impact": fiscal - pv_public,
        "fiscal_roi": roi,
        "coproduction_share": share,
        "by_agency": by_agency,
        "pv_cost_lines": pv_cost_lines,
        "pv_value_lines": pv_value_lines,
        "discount_factors": df,
    }


def payback_year(net_by_year: np.ndarray) -> int | None:
    """First year from which the cumulative net flow stays at or above zero; None if never."""
    cum = np.cumsum(net_by_year)
    if cum.size == 0 or cum[-1] < 0:
        return None
    below = np.nonzero(cum < 0)[0]
    return int(below[-1] + 1) if below.size else 0
