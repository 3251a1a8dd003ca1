"""``appraise``: run a whole appraisal, deterministic and (optionally) Monte Carlo."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.distributions import mean_of
from .calc import Draws, headline, option_flows, payback_year
from .compile import OptionSpec, Spec, compile_appraisal, is_quantity_uncertain
from .deflators import get_deflator
from .loading import load_appraisal
from .result import HEADLINE_KEYS, Appraisal, OptionResult
from .switching import switching_values

__all__ = ["appraise"]

TIME_METHODS_ORDER = ("zero", "replacement_cost", "minimum_wage", "living_wage", "opportunity_cost")


def appraise(
    source: str | Path | dict,
    *,
    draws: int = 0,
    seed: int | None = None,
    time_valuation: str | None = None,
) -> Appraisal:
    """Appraise the options of an appraisal file (path, ``example:NAME`` or dict).

    ``draws > 0`` adds a Monte Carlo run (``seed`` makes it reproducible) giving the
    probability that each option's NPV is above zero and 95% intervals of the headline
    figures. ``time_valuation`` overrides the file's method for valuing time given.
    Raises :class:`coproduce.model.errors.ModelError` for an invalid file.
    """
    loaded = load_appraisal(source)
    if time_valuation is not None:
        tv = loaded.data.time_valuation.model_copy(update={"method": time_valuation})
        loaded.data = loaded.data.model_copy(update={"time_valuation": tv})
    spec = compile_appraisal(loaded)
    agencies = list(spec.data.agencies)
    mean_draws = Draws()
    options: dict[str, OptionResult] = {}
    for opt in spec.options:
        options[opt.name] = _option_result(opt, spec, agencies, mean_draws)
    uncertainty = None
    if draws and draws > 0:
        uncertainty = _monte_carlo(spec, agencies, draws, seed, options)
    return _assemble(spec, options, uncertainty)


def _option_result(opt: OptionSpec, spec: Spec, agencies: list[str], d: Draws) -> OptionResult:
    fl = option_flows(opt, spec, d)
    h = headline(fl, spec, agencies)
    figures = {k: float(h[k][0]) for k in (*HEADLINE_KEYS, "coproduction_share")}
    by_agency = {ag: {k: float(v[k][0]) for k in v} for ag, v in h["by_agency"].items()}
    df = h["discount_factors"]
    T = spec.years
    costs = fl.costs[:, 0, :] if fl.costs.size else np.zeros((0, T))
    values = fl.values[:, 0, :] if fl.values.size else np.zeros((0, T))
    public = np.array([c.public for c in opt.costs], bool)
    time = np.array([c.is_time for c in opt.costs], bool)
    kinds = np.array([v.type for v in fl.value_items])
    transfer = np.array([v.transfer for v in fl.value_items], bool)

    def rows(arr, mask):
        return arr[mask].sum(axis=0) if np.any(mask) else np.zeros(T)

    c_public = rows(costs, public)
    c_time = rows(costs, time)
    c_other = rows(costs, ~public & ~time)
    fiscal = rows(values, kinds == "fiscal")
    transfers = rows(values, (kinds == "fiscal") & transfer)
    economic = rows(values, kinds == "economic")
    social = rows(values, kinds == "social")
    benefits_pv = fiscal - transfers + economic + social
    net = benefits_pv - (c_public + c_time + c_other)
    financial = fiscal - c_public
    cash = pd.DataFrame(
        {
            "year": np.arange(T),
            "label": spec.year_labels(),
            "public_costs": c_public,
            "time_given_costs": c_time,
            "other_costs": c_other,
            "fiscal_benefits": fiscal,
            "transfers": transfers,
            "economic_benefits": economic,
            "social_benefits": social,
            "net_public_value": net,
            "discount_factor": df,
            "discounted_net_public_value": net * df,
            "cumulative_discounted_net_public_value": np.cumsum(net * df),
            "net_budget_impact": financial,
            "cumulative_net_budget_impact": np.cumsum(financial),
            "cumulative_discounted_net_budget_impact": np.cumsum(financial * df),
        }
    )
    # year x agency flows (undiscounted), for the by-agency sheet and chart
    ag_rows = []
    for ag in agencies:
        cm = np.array([c.agency == ag for c in opt.costs], bool)
        vm = np.array([v.type == "fiscal" and v.agency == ag for v in fl.value_items], bool)
        cs, vs = rows(costs, cm), rows(values, vm)
        for t in range(T):
            ag_rows.append(
                {
                    "agency": ag,
                    "year": t,
                    "label": spec.year_labels()[t],
                    "costs": cs[t],
                    "fiscal_benefits": vs[t],
                }
            )
    agency_flows = pd.DataFrame(ag_rows)
    payback = {"discounted": payback_year(financial * df), "undiscounted": payback_year(financial)}
    # wrong pocket: fiscal benefits to each gainer attributed to payers by share of public cost
    pub_by_payer = {
        ag: by_agency[ag]["pv_costs"]
        for ag in agencies
        if spec.data.agencies[ag].sector == "public"
    }
    total_pub = sum(pub_by_payer.values())
    wrong = {
        p: {
            g: (
                pub_by_payer[p] / total_pub * by_agency[g]["pv_fiscal_benefits"]
                if total_pub > 0
                else 0.0
            )
            for g in agencies
        }
        for p in pub_by_payer
    }
    tv: dict[str, dict[str, float]] = {}
    hours = float(fl.hours[:, 0, :].sum()) if fl.hours.size else 0.0
    if time.any():
        for m in TIME_METHODS_ORDER:
            if m != "zero" and m not in spec.time_rates:
                continue
            fm = option_flows(opt, spec, d, time_method=m)
            hm = headline(fm, spec, agencies)
            # £ an hour actually applied, averaged over lines and years (lines may carry
            # their own rate), before optimism bias: undiscounted time cost / hours
            raw = sum(
                float((fm.costs[i, 0, :] / (1.0 + c.uplift)).sum())
                for i, c in enumerate(opt.costs)
                if c.is_time
            )
            tv[m] = {
                "npv": float(hm["npv_public_value"][0]),
                "bcr": float(hm["benefit_cost_ratio"][0]),
                "pv_time_costs": float(hm["pv_time_costs"][0]),
                "hourly_value": raw / hours if hours > 0 else 0.0,
            }
    method = spec.time_method
    rate = spec.time_rates.get(method)
    rate_pb = None if rate is None else float(mean_of(rate.value)) * rate.price_factor
    return OptionResult(
        opt.name,
        opt.label,
        opt.description,
        opt.coproduced,
        figures,
        payback,
        by_agency,
        wrong,
        switching_values(opt, h, rate_pb),
        cash,
        agency_flows,
        tv,
        hours,
    )


def _monte_carlo(
    spec: Spec, agencies: list[str], n: int, seed: int | None, options: dict[str, OptionResult]
) -> dict:
    rng = np.random.default_rng(seed)
    d = Draws(n, rng)
    out = {"draws": n, "seed": seed, "interval": [0.025, 0.975], "npv_draws": {}}
    for opt in spec.options:
        fl = option_flows(opt, spec, d)
        h = headline(fl, spec, agencies)
        npv = np.broadcast_to(h["npv_public_value"], (n,))
        intervals = {}
        for k in HEADLINE_KEYS:
            arr = np.broadcast_to(h[k], (n,))
            arr = arr[np.isfinite(arr)]
            intervals[k] = (
                [float(np.quantile(arr, 0.025)), float(np.quantile(arr, 0.975))]
                if arr.size
                else [None, None]
            )
        res = {
            "prob_npv_positive": float(np.mean(npv > 0)),
            "mean": {k: float(np.nanmean(np.broadcast_to(h[k], (n,)))) for k in HEADLINE_KEYS},
            "intervals": intervals,
        }
        options[opt.name] = replace(options[opt.name], uncertainty=res)
        out["npv_draws"][opt.name] = npv.copy()
    uncertain = any(is_quantity_uncertain(q) for q in d._keep)
    out["any_uncertain_input"] = uncertain
    return out


def _assemble(spec: Spec, options: dict[str, OptionResult], uncertainty: dict | None) -> Appraisal:
    a = spec.data
    defl = get_deflator(spec.deflator)
    rates = {}
    for m, r in spec.time_rates.items():
        rates[m] = {
            "value": mean_of(r.value),
            "price_year": r.price_year,
            "source": r.source,
            "value_price_base": float(mean_of(r.value)) * r.price_factor,
        }
    unc = None
    if uncertainty is not None:
        unc = {k: v for k, v in uncertainty.items() if k != "npv_draws"}
        unc["options"] = {k: o.uncertainty for k, o in options.items()}
    result = Appraisal(
        name=a.name,
        description=a.description,
        currency=a.currency,
        price_base=spec.price_base,
        years=spec.years,
        year_labels=spec.year_labels(),
        deflator={"name": defl.name, "kind": defl.kind, "source": defl.source},
        schedule=spec.schedule.to_dict(),
        first_year_discounted=spec.first_year_discounted,
        time_valuation={"method": spec.time_method, "rates": rates},
        baseline={"label": a.baseline.label, "description": a.baseline.description},
        agencies={k: {"label": v.label or k, "sector": v.sector} for k, v in a.agencies.items()},
        options=options,
        assumptions=_assumptions(spec),
        # the file's own notes first (one per line), then the calculation's
        notes=[*[n.strip() for n in (a.notes or "").splitlines() if n.strip()], *spec.notes],
        uncertainty=unc,
        file=spec.file,
        npv_draws=uncertainty["npv_draws"] if uncertainty is not None else {},
    )
    return result


def _q(q) -> str:
    from ..model.distributions import DistributionBase

    if isinstance(q, DistributionBase):
        params = ", ".join(f"{k}={v:g}" for k, v in q.to_data().items() if k != "dist")
        return f"{q.dist}({params}), mean {q.mean:,.4g}"
    return f"{float(q):,.6g}"


def _assumptions(spec: Spec) -> pd.DataFrame:
    rows = []
    for opt in spec.options:
        for c in opt.costs:
            what = "hours a year" if c.is_time else "£ a year"
            own = (
                f"; this line's own rate £{_q(c.hourly_value)} an hour"
                f" ({c.price_year or spec.price_base} prices)"
                if c.hourly_value is not None
                else ""
            )
            vals = "; ".join(sorted({" x ".join(_q(q) for q in f) for f in c.flow.factors}))
            rows.append(
                {
                    "option": opt.label,
                    "item": f"cost: {c.label}",
                    "agency": c.agency,
                    "value": f"{vals} ({what})",
                    "price_year": c.price_year or ("n/a" if c.is_time else spec.price_base),
                    "optimism_bias": f"+{c.uplift:.1%} ({c.uplift_basis})",
                    "source": c.source or "",
                    "notes": (
                        f"time of {c.time_of.replace('_', ' ')} valued by "
                        f"{c.method.replace('_', ' ')}{own}" + (f". {c.notes}" if c.notes else "")
                        if c.is_time
                        else (c.notes or "")
                    ),
                }
            )
        for o in opt.outcomes:
            cohort = "; ".join(sorted({_q(f[0]) for f in o.cohort.factors}))
            params = (
                f"cohort {cohort} a year in years {min(o.cohort.years)}-"
                f"{max(o.cohort.years)}; engagement {_q(o.engagement)}; impact "
                f"{_q(o.impact)}; deadweight {_q(o.deadweight)}; displacement "
                f"{_q(o.displacement)}; attribution {_q(o.attribution)}; lag {o.lag}; "
                f"persistence {o.persistence}; drop-off {_q(o.drop_off)}"
            )
            rows.append(
                {
                    "option": opt.label,
                    "item": f"outcome: {o.label}",
                    "agency": "",
                    "value": params,
                    "price_year": "",
                    "optimism_bias": "",
                    "source": o.source or "",
                    "notes": f"unit: {o.unit}",
                }
            )
            for v in o.values:
                rows.append(
                    {
                        "option": opt.label,
                        "item": f"value: {o.label} — {v.label}",
                        "agency": v.agency or "",
                        "value": f"{v.type} {_q(v.value)} per "
                        f"{o.unit}" + (" (transfer)" if v.transfer else ""),
                        "price_year": v.price_year,
                        "optimism_bias": f"-{v.haircut:.0%}" if v.haircut else "none",
                        "source": v.source,
                        "notes": f"discounted at {v.schedule.name}",
                    }
                )
    for m, r in spec.time_rates.items():
        rows.append(
            {
                "option": "(all)",
                "item": f"hourly value of time: {m.replace('_', ' ')}",
                "agency": "",
                "value": f"£{_q(r.value)} an hour",
                "price_year": r.price_year,
                "optimism_bias": "",
                "source": r.source,
                "notes": "in use" if m == spec.time_method else "sensitivity",
            }
        )
    return pd.DataFrame(rows)
