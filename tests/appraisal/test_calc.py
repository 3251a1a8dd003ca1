"""Appraisal arithmetic worked by hand: SROI drop-off, a full appraisal, uncertainty."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from coproduce.appraisal import appraise


def base_file() -> dict:
    """Three years, one option; every figure chosen to make the hand sums easy."""
    return {
        "coproduce_appraisal": 1,
        "name": "hand",
        "price_base": 2024,
        "years": 3,
        "first_year": 2025,
        "agencies": {
            "council": {"label": "Council"},
            "nhs": {"label": "NHS"},
            "dwp": {"label": "DWP"},
            "residents": {"label": "Residents", "sector": "community"},
        },
        "time_valuation": {
            "method": "replacement_cost",
            "rates": {"replacement_cost": {"value": 10, "price_year": 2024, "source": "test"}},
        },
        "options": {
            "pilot": {
                "costs": [
                    {
                        "label": "set-up",
                        "agency": "council",
                        "type": "capital",
                        "amount": 3000,
                        "from_year": 0,
                        "to_year": 0,
                        "optimism_bias": {"category": "standard_buildings", "mitigated": 0.5},
                    },
                    {
                        "label": "running",
                        "agency": "council",
                        "type": "revenue",
                        "amount": 500,
                        "confidence": 3,
                    },
                    {
                        "label": "volunteers",
                        "agency": "residents",
                        "type": "in_kind",
                        "hours": 20,
                        "time_of": "volunteers",
                    },
                ],
                "outcomes": [
                    {
                        "label": "people into work",
                        "unit": "person",
                        "cohort": [100, 100],
                        "engagement": 0.5,
                        "impact": 0.4,
                        "deadweight": 0.25,
                        "displacement": 0.2,
                        "attribution": 0.5,
                        "lag": 0,
                        "persistence": 2,
                        "drop_off": 0.5,
                        "values": [
                            {"type": "fiscal", "agency": "nhs", "value": 100},
                            {"type": "fiscal", "agency": "dwp", "value": 200, "transfer": True},
                            {"type": "economic", "value": 300, "confidence": 2},
                        ],
                    }
                ],
            }
        },
    }


DF = [1.0, 1 / 1.035, 1 / 1.035**2]


def hand():
    """The whole appraisal of base_file() with the arithmetic written out."""
    costs_public = [3000 * (1 + 0.24 * 0.5) + 500 * 1.10, 500 * 1.10, 500 * 1.10]
    costs_time = [20 * 10.0] * 3
    # outcomes: 100 x 0.5 x 0.4 x 0.75 x 0.8 x 0.5 = 6 per cohort; persistence 2, drop-off 50%
    net = 100 * 0.5 * 0.4 * (1 - 0.25) * (1 - 0.2) * (1 - 0.5)
    units = [net, net + net * 0.5, net * 0.5]
    fiscal_nhs = [u * 100 for u in units]
    transfer = [u * 200 for u in units]
    economic = [u * 300 * (1 - 0.05) for u in units]
    pv = lambda xs: sum(x * d for x, d in zip(xs, DF, strict=True))  # noqa: E731
    pv_public = pv(costs_public)
    pv_costs = pv_public + pv(costs_time)
    fiscal = pv(fiscal_nhs) + pv(transfer)
    pv_value = pv(fiscal_nhs) + pv(economic)
    return {
        "units": units,
        "pv_costs": pv_costs,
        "pv_public": pv_public,
        "pv_time": pv(costs_time),
        "fiscal": fiscal,
        "transfers": pv(transfer),
        "economic": pv(economic),
        "npv": pv_value - pv_costs,
        "bcr": pv_value / pv_costs,
        "nbpi": fiscal - pv_public,
        "roi": fiscal / pv_public,
        "financial": [
            f + t - c for f, t, c in zip(fiscal_nhs, transfer, costs_public, strict=True)
        ],
    }


def test_full_appraisal_by_hand():
    h = hand()
    assert h["units"] == pytest.approx([6, 9, 3])
    r = appraise(base_file())
    o = r.options["pilot"]
    d = r.to_dict()["options"]["pilot"]
    assert d["pv_costs"] == pytest.approx(h["pv_costs"], rel=1e-12)
    assert d["pv_public_costs"] == pytest.approx(h["pv_public"], rel=1e-12)
    assert d["pv_time_costs"] == pytest.approx(h["pv_time"], rel=1e-12)
    assert d["pv_benefits"]["fiscal"] == pytest.approx(h["fiscal"], rel=1e-12)
    assert d["pv_benefits"]["transfers"] == pytest.approx(h["transfers"], rel=1e-12)
    assert d["pv_benefits"]["economic"] == pytest.approx(h["economic"], rel=1e-12)
    assert d["pv_benefits"]["social"] == 0
    assert d["npv_public_value"] == pytest.approx(h["npv"], rel=1e-12)
    assert d["benefit_cost_ratio"] == pytest.approx(h["bcr"], rel=1e-12)
    assert d["net_present_budget_impact"] == pytest.approx(h["nbpi"], rel=1e-12)
    assert d["fiscal_roi"] == pytest.approx(h["roi"], rel=1e-12)
    # by agency: who pays, who gains
    assert d["by_agency"]["council"]["pv_costs"] == pytest.approx(h["pv_public"])
    assert d["by_agency"]["dwp"]["pv_fiscal_benefits"] == pytest.approx(h["transfers"])
    assert d["by_agency"]["residents"]["pv_costs"] == pytest.approx(h["pv_time"])
    # payback (financial case): cumulative fiscal less public costs by year
    fin = h["financial"]  # [1800 - 3910, 2700 - 550, 900 - 550] = [-2110, 2150, 350]
    assert fin == pytest.approx([-2110, 2150, 350])
    # undiscounted: -2110 + 2150 = 40 >= 0 in year 1; discounted: -2110 + 2150/1.035 < 0,
    # then + 350/1.035**2 > 0 in year 2
    assert fin[0] + fin[1] / 1.035 < 0 < fin[0] + fin[1] / 1.035 + fin[2] / 1.035**2
    assert d["payback_year"] == {"discounted": 2, "undiscounted": 1}
    assert o.payback == {"discounted": 2, "undiscounted": 1}
    assert d["payback"]["discounted"]["label"] == "2027"
    # wrong pocket: the council pays every public pound, so it 'buys' all fiscal benefits
    assert d["wrong_pocket"]["council"]["nhs"] == pytest.approx(h["fiscal"] - h["transfers"])


def test_sroi_drop_off_and_discounting_by_hand():
    """SROI guide: 100 people x £1,000 proxy, deadweight 20%, displacement 10%, attribution
    25%, then drop-off 30% a year over 3 years, discounted at 3.5%."""
    f = base_file()
    f["options"]["pilot"]["costs"] = [
        {
            "label": "inputs",
            "agency": "council",
            "type": "revenue",
            "amount": 10000,
            "from_year": 0,
            "to_year": 0,
        }
    ]
    f["options"]["pilot"]["outcomes"] = [
        {
            "label": "outcome",
            "cohort": [100],
            "deadweight": 0.2,
            "displacement": 0.1,
            "attribution": 0.25,
            "persistence": 3,
            "drop_off": 0.3,
            "values": [{"type": "social", "value": 1000}],
        }
    ]
    impact = 100 * 1000 * 0.8 * 0.9 * 0.75  # 54,000 in year 0
    year = [impact, impact * 0.7, impact * 0.7 * 0.7]  # 54,000; 37,800; 26,460
    pv = year[0] + year[1] / 1.035 + year[2] / 1.035**2
    d = appraise(f).to_dict()["options"]["pilot"]
    assert d["pv_benefits"]["social"] == pytest.approx(pv, rel=1e-12)
    assert d["benefit_cost_ratio"] == pytest.approx(pv / 10000, rel=1e-12)  # SROI ratio


def test_lag_delays_benefits():
    f = base_file()
    f["options"]["pilot"]["outcomes"][0].update(lag=1, persistence=1)
    cf = appraise(f).options["pilot"].cash_flows
    assert cf["fiscal_benefits"].tolist()[0] == 0
    assert cf["fiscal_benefits"].tolist()[1] == pytest.approx(6 * 300)


def test_zero_spread_distributions_reproduce_the_deterministic_result():
    f = base_file()
    g = copy.deepcopy(f)
    o = g["options"]["pilot"]
    o["costs"][1]["amount"] = {"dist": "normal", "mean": 500, "sd": 0}
    o["outcomes"][0]["impact"] = {"dist": "normal", "mean": 0.4, "sd": 0}
    o["outcomes"][0]["values"][0]["value"] = {"dist": "lognormal", "mean": 100, "sd": 0}
    det = appraise(f)
    mc = appraise(g, draws=500, seed=3)
    u = mc.options["pilot"].uncertainty
    npv = det.options["pilot"].figures["npv_public_value"]
    assert u["intervals"]["npv_public_value"] == pytest.approx([npv, npv], rel=1e-12)
    assert u["mean"]["benefit_cost_ratio"] == pytest.approx(
        det.options["pilot"].figures["benefit_cost_ratio"], rel=1e-12
    )
    assert u["prob_npv_positive"] == (1.0 if npv > 0 else 0.0)


def test_monte_carlo_is_reproducible_and_sensible():
    f = base_file()
    f["options"]["pilot"]["outcomes"][0]["impact"] = {"dist": "beta", "alpha": 4, "beta": 6}
    a = appraise(f, draws=4000, seed=11)
    b = appraise(f, draws=4000, seed=11)
    assert a.npv_draws["pilot"].tobytes() == b.npv_draws["pilot"].tobytes()
    # NPV is linear in impact, so the mean over draws is the NPV at the mean impact (0.4),
    # within 5 standard errors
    x = a.npv_draws["pilot"]
    det = appraise(base_file()).options["pilot"].figures["npv_public_value"]
    assert abs(x.mean() - det) < 5 * x.std() / np.sqrt(x.size)
    assert 0 < a.options["pilot"].uncertainty["prob_npv_positive"] < 1


def test_switching_values_really_switch():
    r = appraise(base_file())
    o = r.options["pilot"]
    sv = {s.key: s for s in o.switching}
    # scaling the running cost by its switching multiplier brings NPV to zero
    s = sv["options.pilot.costs[1]"]
    f = base_file()
    f["options"]["pilot"]["costs"][1]["amount"] = 500 * s.multiplier
    assert appraise(f).options["pilot"].figures["npv_public_value"] == pytest.approx(0, abs=1e-6)
    # and the impact switching value
    s = sv["options.pilot.outcomes[0]"]
    f = base_file()
    f["options"]["pilot"]["outcomes"][0]["impact"] = s.switching_value
    assert appraise(f).options["pilot"].figures["npv_public_value"] == pytest.approx(0, abs=1e-6)


def test_time_valuation_zero_against_replacement_cost():
    f = base_file()
    with_time = appraise(f)
    zero = appraise(f, time_valuation="zero")
    h = hand()
    assert zero.options["pilot"].figures["pv_time_costs"] == 0
    assert zero.options["pilot"].figures["npv_public_value"] == pytest.approx(
        h["npv"] + h["pv_time"], rel=1e-12
    )
    tv = with_time.options["pilot"].time_valuation
    assert tv["zero"]["npv"] - tv["replacement_cost"]["npv"] == pytest.approx(h["pv_time"])
    text = " ".join(with_time.summary())
    assert "Valuing that time at replacement cost" in text and "instead of leaving it out" in text
