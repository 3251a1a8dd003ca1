"""Turning a valid appraisal file into the plain structures the calculation reads.

Everything that does not vary between Monte Carlo draws is settled here once: which years each
cost or cohort falls in, price-rebasing factors to the price base, optimism-bias factors, the
unit-cost library values behind ``{ucd: CODE}``, agency sectors and discount schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model.distributions import DistributionBase
from . import optimism
from .deflators import get_deflator, normalise_year, year_label
from .discounting import Schedule, custom_schedule, get_schedule
from .loading import DEFAULT_TIME_RATES, LoadedAppraisal
from .schema import AppraisalFile, CostLine, Outcome, UcdRef, ValueLine
from .unit_costs import ATTRIBUTION, get_unit_cost

Quantity = Any  # float or a distribution


@dataclass(frozen=True)
class Flow:
    """A yearly series: in year ``years[i]`` the product of ``factors[i]``, times ``const``."""

    years: tuple[int, ...]
    factors: tuple[tuple[Quantity, ...], ...]
    const: float = 1.0


@dataclass(frozen=True)
class TimeRate:
    method: str
    value: Quantity  # £ per hour at its own price year
    price_year: str
    price_factor: float  # to the price base
    source: str


@dataclass
class CostItem:
    key: str
    label: str
    agency: str
    sector: str
    type: str
    flow: Flow  # £ (price base, before optimism bias) or hours
    uplift: float  # optimism bias on costs, a proportion
    uplift_basis: str
    time_of: str | None = None
    method: str | None = None
    source: str | None = None
    price_year: str | None = None
    notes: str | None = None
    hourly_value: Quantity | None = None  # £ an hour at ``price_year``, under ``method`` only
    hourly_factor: float = 1.0  # rebasing of hourly_value to the price base

    @property
    def is_time(self) -> bool:
        return self.time_of is not None

    @property
    def public(self) -> bool:
        return self.sector == "public"


@dataclass
class ValueItem:
    key: str
    label: str
    type: str
    agency: str | None
    value: Quantity  # per outcome unit, own price year
    const: float  # price factor x (1 - benefit haircut)
    haircut: float
    transfer: bool
    schedule: Schedule
    source: str
    price_year: str
    ucd: str | None = None


@dataclass
class OutcomeItem:
    key: str
    label: str
    unit: str
    cohort: Flow
    engagement: Quantity
    impact: Quantity
    deadweight: Quantity
    displacement: Quantity
    attribution: Quantity
    drop_off: Quantity
    lag: int
    persistence: int
    values: list[ValueItem]
    source: str | None = None


@dataclass
class OptionSpec:
    name: str
    label: str
    description: str | None
    coproduced: bool
    costs: list[CostItem]
    outcomes: list[OutcomeItem]


@dataclass
class Spec:
    data: AppraisalFile
    file: str | None
    years: int
    price_base: str
    deflator: str
    schedule: Schedule
    first_year_discounted: bool
    time_method: str
    time_rates: dict[str, TimeRate]
    grades: dict[int, optimism.GradeRow]
    options: list[OptionSpec]
    notes: list[str] = field(default_factory=list)

    def year_labels(self) -> list[str]:
        first = self.data.first_year
        return [str(first + t) if first is not None else f"Year {t}" for t in range(self.years)]


def compile_appraisal(loaded: LoadedAppraisal) -> Spec:
    a = loaded.data
    defl = get_deflator(a.deflator)
    notes: set[str] = set()

    def factor(price_year: Any) -> float:
        if price_year is None:
            return 1.0
        _, mapped_a = defl.lookup(price_year)
        _, mapped_b = defl.lookup(a.price_base)
        if mapped_a or mapped_b:
            notes.add(
                f"The {defl.name} deflator is a {defl.kind}-year series: financial year "
                "YYYY/YY is read as calendar year YYYY (and the reverse) when rebasing."
            )
        return defl.factor(price_year, a.price_base)

    if a.discounting.schedule == "custom":
        schedule = custom_schedule((b.from_year, b.rate) for b in a.discounting.bands or [])
    else:
        schedule = get_schedule(a.discounting.schedule)
    if a.optimism_bias.grades:
        grades = {
            int(g): optimism.GradeRow(r.label or f"Grade {g}", r.costs, r.benefits)
            for g, r in a.optimism_bias.grades.items()
        }
    else:
        grades = dict(optimism.CONFIDENCE_GRADES)
    rates: dict[str, TimeRate] = {}
    for m, (v, y, src) in DEFAULT_TIME_RATES.items():
        rates[m] = TimeRate(m, v, _label(y), factor(y), src)
    for m, r in a.time_valuation.rates.items():
        rates[m] = TimeRate(m, r.value, _label(r.price_year), factor(r.price_year), r.source)

    options = []
    for oname, opt in a.options.items():
        costs = [
            _cost(c, f"options.{oname}.costs[{i}]", a, factor, grades)
            for i, c in enumerate(opt.costs)
        ]
        outcomes = [
            _outcome(o, f"options.{oname}.outcomes[{j}]", a, factor, grades)
            for j, o in enumerate(opt.outcomes)
        ]
        options.append(
            OptionSpec(oname, opt.label or oname, opt.description, opt.coproduced, costs, outcomes)
        )
    return Spec(
        a,
        loaded.file,
        a.years,
        _label(a.price_base),
        a.deflator,
        schedule,
        a.discounting.first_year_discounted,
        a.time_valuation.method,
        rates,
        grades,
        options,
        sorted(notes),
    )


def _label(year: Any) -> str:
    kind, start = normalise_year(year)
    return year_label(kind, start)


def _span(start: int | None, end: int | None, T: int) -> tuple[int, ...]:
    return tuple(range(start or 0, (T - 1 if end is None else end) + 1))


def _cost(c: CostLine, key: str, a: AppraisalFile, factor, grades) -> CostItem:
    T = a.years
    price_year = c.price_year
    unit_cost = c.unit_cost
    source = c.source
    if isinstance(unit_cost, UcdRef):
        entry = get_unit_cost(unit_cost.ucd)
        value, price_year = entry.values["fiscal"]
        unit_cost = value
        source = (f"{source}; " if source else "") + (
            f"unit cost {entry.code} ({entry.description}; {entry.original_source}), {ATTRIBUTION}"
        )
    if c.hours_by_year is not None or c.by_year is not None:
        seq = c.hours_by_year if c.hours_by_year is not None else c.by_year
        flow = Flow(tuple(range(len(seq))), tuple((q,) for q in seq))
    else:
        years = _span(c.from_year, c.to_year, T)
        per = (
            (c.units, unit_cost)
            if c.units is not None
            else ((c.hours,) if c.hours is not None else (c.amount,))
        )
        flow = Flow(years, tuple(per for _ in years))
    is_time = c.time_of is not None
    if not is_time:
        flow = Flow(flow.years, flow.factors, factor(price_year))
    if c.optimism_bias is not None:
        uplift = optimism.generic_uplift(c.optimism_bias.category, c.optimism_bias.mitigated)
        basis = (
            f"Green Book generic: {c.optimism_bias.category.replace('_', ' ')}, "
            f"{c.optimism_bias.mitigated:.0%} mitigated"
        )
    elif c.confidence is not None and a.optimism_bias.apply:
        uplift = grades[c.confidence].costs
        basis = f"confidence grade {c.confidence}"
    else:
        uplift, basis = 0.0, "none"
    return CostItem(
        key,
        c.label,
        c.agency,
        a.agencies[c.agency].sector,
        c.type,
        flow,
        uplift,
        basis,
        c.time_of,
        (c.valuation or a.time_valuation.method) if is_time else None,
        source,
        _label(price_year) if price_year is not None else None,
        c.notes,
        c.hourly_value if is_time else None,
        factor(price_year) if is_time and c.hourly_value is not None else 1.0,
    )


def _outcome(o: Outcome, key: str, a: AppraisalFile, factor, grades) -> OutcomeItem:
    T = a.years
    if isinstance(o.cohort, list):
        cohort = Flow(tuple(range(len(o.cohort))), tuple((q,) for q in o.cohort))
    else:
        years = _span(o.from_year, o.to_year, T)
        cohort = Flow(years, tuple((o.cohort,) for _ in years))
    values: list[ValueItem] = []
    for k, v in enumerate(o.values):
        values.extend(_values(v, f"{key}.values[{k}]", a, factor, grades))
    return OutcomeItem(
        key,
        o.label,
        o.unit,
        cohort,
        o.engagement,
        o.impact,
        o.deadweight,
        o.displacement,
        o.attribution,
        o.drop_off,
        o.lag,
        o.persistence,
        values,
        o.source,
    )


def _values(v: ValueLine, key: str, a: AppraisalFile, factor, grades) -> list[ValueItem]:
    haircut = grades[v.confidence].benefits if (v.confidence and a.optimism_bias.apply) else 0.0
    schedule = get_schedule(v.schedule) if v.schedule else None

    def item(kind, agency, value, price_year, source, label, code=None):
        sched = schedule or (
            get_schedule(a.discounting.schedule)
            if a.discounting.schedule != "custom"
            else custom_schedule((b.from_year, b.rate) for b in a.discounting.bands or [])
        )
        return ValueItem(
            key,
            label,
            kind,
            agency,
            value,
            factor(price_year) * (1 - haircut),
            haircut,
            v.transfer,
            sched,
            source,
            _label(price_year),
            code,
        )

    if v.ucd is not None:
        entry = get_unit_cost(v.ucd)
        src = f"{entry.code}: {entry.original_source}; {ATTRIBUTION}"
        out = []
        amap = v.agency_map or {}
        for kind in v.include or list(entry.values):
            value, year = entry.values[kind]
            if kind == "fiscal":
                for ag, part in entry.fiscal_split().items():
                    dest = amap.get(ag, amap.get("*", ag))
                    out.append(
                        item(
                            kind,
                            dest,
                            part,
                            year,
                            src,
                            f"{v.label or entry.code} fiscal ({ag})",
                            entry.code,
                        )
                    )
            else:
                out.append(
                    item(
                        kind, None, value, year, src, f"{v.label or entry.code} {kind}", entry.code
                    )
                )
        return out
    value, price_year, source, code = v.value, v.price_year, v.source or "", None
    agency = v.agency
    if isinstance(value, UcdRef):
        entry = get_unit_cost(value.ucd)
        code = entry.code
        value, price_year = entry.values[v.type]
        source = (
            f"{source}; " if source else ""
        ) + f"{entry.code}: {entry.original_source}; {ATTRIBUTION}"
        agency = agency or (entry.agency if v.type == "fiscal" else None)
    if price_year is None:
        price_year = a.price_base
    label = v.label or (f"{code} {v.type}" if code else v.type)
    return [item(v.type, agency, value, price_year, source, label, code)]


def is_quantity_uncertain(q: Any) -> bool:
    return isinstance(q, DistributionBase) and q.dist != "fixed"
