"""Plain-language statements of an appraisal's results."""

from __future__ import annotations

import math

from ..formatting import MISSING, money_words, percent, quantity, rate
from ..formatting import money as _table_money


def amount(x: float | None, currency: str = "GBP", missing: str = MISSING) -> str:
    """An amount for a table (the one formatter: ``-£14,063,738``, ``£12.34``)."""
    return (
        missing
        if x is None or (isinstance(x, float) and math.isnan(x))
        else _table_money(x, currency)
    )


def money(x: float | None, currency: str = "GBP") -> str:
    """An amount for a sentence (the one formatter: ``-£14.06m``, ``£350k``)."""
    return money_words(x, currency)


def rate_words(x: float | None, currency: str = "GBP") -> str:
    """An hourly rate in pounds and pence: ``£15.79``."""
    return rate(x, currency)


def ratio(x: float | None) -> str:
    return MISSING if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def schedule_words(schedule: dict) -> str:
    """A discount schedule as a reader knows it: 'the HM Treasury Green Book (2022) rates'
    (from its source), not its identifier."""
    source = (schedule.get("source") or "").split(",")[0].split(":")[0].strip()
    if source:
        return f"the {source} rates"
    return f"the {str(schedule.get('name', '')).replace('-', ' ').replace('_', ' ')} rates"


METHOD_WORDS = {
    "zero": "zero",
    "replacement_cost": "replacement cost",
    "opportunity_cost": "opportunity cost",
    "minimum_wage": "the National Living Wage",
    "living_wage": "the Real Living Wage",
}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary_lines(a) -> list[str]:
    cur = a.currency
    lines = []
    opts = list(a.options.values())
    best = max(opts, key=lambda o: o.figures["npv_public_value"])
    lines.append(
        f"All money is in {a.price_base} prices, discounted at {schedule_words(a.schedule)} "
        f"over {a.years} years, against the baseline '{a.baseline['label']}'."
    )
    for o in opts:
        f = o.figures
        pb = o.payback["discounted"]
        pay = (
            f"pays back to the public purse in {a.year_labels[pb]} (discounted)"
            if pb is not None
            else "does not pay back to the public purse within the period"
        )
        lines.append(
            f"{o.label}: net present public value {money(f['npv_public_value'], cur)}, "
            f"benefit-cost ratio {ratio(f['benefit_cost_ratio'])}; public costs "
            f"{money(f['pv_public_costs'], cur)} against fiscal benefits "
            f"{money(f['pv_fiscal'], cur)} (net budget impact "
            f"{money(f['net_present_budget_impact'], cur)}); it {pay}."
        )
        if o.uncertainty:
            p = o.uncertainty["prob_npv_positive"]
            lo, hi = o.uncertainty["intervals"]["npv_public_value"]
            lines.append(
                f"With the stated uncertainty, the chance its net present public value "
                f"is above zero is {percent(p)} (95% interval {money(lo, cur)} to "
                f"{money(hi, cur)})."
            )
    if len(opts) > 1:
        lines.append(f"{best.label} gives the most public value for the money.")
    method = a.time_valuation["method"]
    for o in opts:
        tv = o.time_valuation
        if o.time_hours <= 0 or "zero" not in tv:
            continue
        alt = method if method != "zero" else "replacement_cost"
        if alt not in tv:
            continue
        z, r = tv["zero"], tv[alt]
        hourly = r.get(
            "hourly_value", a.time_valuation["rates"].get(alt, {}).get("value_price_base")
        )
        verdict = ""
        if (z["npv"] > 0) != (r["npv"] > 0):
            verdict = (
                " — enough to change the verdict: the option "
                f"{'passes' if r['npv'] > 0 else 'fails'} only when time is valued"
            )
        lines.append(
            f"{o.label} relies on {quantity(o.time_hours)} hours given by residents, volunteers or "
            f"service users. Valuing that time at {METHOD_WORDS[alt]} "
            f"({rate_words(hourly, cur)} an hour in {a.price_base} prices) "
            f"instead of leaving it out (zero) adds {money(r['pv_time_costs'], cur)} to its "
            f"economic costs and changes its net present public value from "
            f"{money(z['npv'], cur)} to {money(r['npv'], cur)} (benefit-cost ratio "
            f"{ratio(z['bcr'])} to {ratio(r['bcr'])}){verdict}."
        )
    for o in opts:
        agencies = {
            ag: v for ag, v in o.by_agency.items() if v["pv_costs"] or v["pv_fiscal_benefits"]
        }
        agencies = {ag: v for ag, v in agencies.items() if a.agencies[ag]["sector"] == "public"}
        payers = [ag for ag, v in agencies.items() if v["pv_costs"] > v["pv_fiscal_benefits"]]
        gainers = [ag for ag, v in agencies.items() if v["pv_fiscal_benefits"] > v["pv_costs"]]
        if payers and gainers:
            lab = a.agencies
            pay = [lab[p]["label"] for p in payers]
            gain = [lab[g]["label"] for g in gainers]
            lines.append(
                f"Wrong pocket in {o.label}: {_and(pay)} "
                f"{'pays' if len(pay) == 1 else 'pay'} more than "
                f"{'it gets' if len(pay) == 1 else 'they get'} back, while {_and(gain)} "
                f"{'gains' if len(gain) == 1 else 'gain'} more than "
                f"{'it pays' if len(gain) == 1 else 'they pay'}."
            )
    return lines
