"""Every headline figure of the bundled examples, recomputed by hand from the figures in the
example files, the GMCA entries they cite and the HM Treasury deflator indices typed in here."""

from __future__ import annotations

import pytest

from coproduce.appraisal import appraise

# HM Treasury GDP deflator, December 2025 QNA, calendar years, 2024 = 100
IDX = {1995: 50.7097, 2008: 66.89, 2010: 69.1217, 2012: 71.9294, 2013: 73.4795, 2024: 100.0}


def up(year: int) -> float:
    """Factor from `year` prices to 2024 prices (financial year YYYY/YY read as YYYY)."""
    return IDX[2024] / IDX[year]


def pv(flows, years=None):
    years = range(len(flows)) if years is None else years
    return sum(x / 1.035**t for x, t in zip(flows, years, strict=True))


# replacement cost per hour: ONS/NCVO £11.30 in 2012/13, stated once in 2024/25 prices (x1.3977)
# so that a map and an appraisal value the same hour alike; 2024/25 is read as 2024
RC = 15.79


def balsall_hand():
    T = 5
    # CR8.0 average crime, 2010/11: fiscal 609, economic 676, social 1,648
    per_crime = {k: v * up(2010) for k, v in (("fiscal", 609), ("economic", 676), ("social", 1648))}
    enf_cost = (350_000 + 200 * 5_000) * up(1995) * 1.25  # confidence grade 5: +25%
    enf_crimes = 1500 * 0.05  # uniform(0, 0.10) mean
    enf = {"pv_costs": pv([enf_cost] * T), "pv_public": pv([enf_cost] * T)}
    for k, v in per_crime.items():
        enf[k] = pv([enf_crimes * v] * T)
    picket = [14600 * RC] * 3 + [0, 0]
    groups = [5400 * RC] * T
    police = [2000 * 30.41 * up(2013) * 1.15] * T  # CR9.2, grade 4
    organiser = [1650 * 30 * up(2013) * 1.15] * T  # SS18.10, grade 4
    cabin = [10_000 * up(1995) * 1.24, 0, 0, 0, 0]  # standard building, 0% mitigated
    cop = {"pv_time": pv(picket) + pv(groups), "pv_public": pv(police) + pv(cabin)}
    cop["pv_costs"] = cop["pv_time"] + cop["pv_public"] + pv(organiser)
    cop_crimes = 1500 * (0.16 + 0.26) / 2 * (1 - 0.2)  # 252 a year
    for k, v in per_crime.items():
        cop[k] = pv([cop_crimes * v] * T)
    for d in (enf, cop):
        d.setdefault("pv_time", 0.0)
        benefits = d["fiscal"] + d["economic"] + d["social"]
        d["npv"] = benefits - d["pv_costs"]
        d["bcr"] = benefits / d["pv_costs"]
        d["nbpi"] = d["fiscal"] - d["pv_public"]
        d["roi"] = d["fiscal"] / d["pv_public"]
    return {"enforcement": enf, "coproduced": cop}


def falls_hand():
    instr = [650 * 44 * up(2013) * 1.10] * 3 + [0, 0]  # SS18.8, grade 3
    support = [27 * (100 + 245 + 390) / 3 * up(2012) * 1.15] * 3 + [0, 0]  # grade 4
    time = [2484 * RC] * 3 + [0, 0]
    net = 500 * 0.65 * (0.0072 + 0.0098 + 0.0123) / 3  # admissions avoided a year
    units = [net, net * 1.5, net * 1.5, net * 0.5, 0]  # persistence 2, drop-off 50%
    fiscal = [u * 12_700 * up(2008) for u in units]  # HE7.10 (NHS + council)
    public = [a + b for a, b in zip(instr, support, strict=True)]
    d = {"pv_public": pv(public), "pv_time": pv(time), "fiscal": pv(fiscal)}
    d["pv_costs"] = d["pv_public"] + d["pv_time"]
    d["npv"] = d["fiscal"] - d["pv_costs"]
    d["bcr"] = d["fiscal"] / d["pv_costs"]
    d["nbpi"] = d["fiscal"] - d["pv_public"]
    d["roi"] = d["fiscal"] / d["pv_public"]
    d["npv_time_zero"] = d["fiscal"] - d["pv_public"]
    d["nhs_share"] = 10_000 / 12_700
    fin = [f - c for f, c in zip(fiscal, public, strict=True)]
    d["fin"] = fin
    return d


def _check(o, h, economic=True):
    f = o.figures
    assert f["pv_costs"] == pytest.approx(h["pv_costs"], rel=1e-9)
    assert f["pv_public_costs"] == pytest.approx(h["pv_public"], rel=1e-9)
    assert f["pv_time_costs"] == pytest.approx(h["pv_time"], rel=1e-9, abs=1e-9)
    assert f["pv_fiscal"] == pytest.approx(h["fiscal"], rel=1e-9)
    if economic:
        assert f["pv_economic"] == pytest.approx(h["economic"], rel=1e-9)
        assert f["pv_social"] == pytest.approx(h["social"], rel=1e-9)
    assert f["npv_public_value"] == pytest.approx(h["npv"], rel=1e-9)
    assert f["benefit_cost_ratio"] == pytest.approx(h["bcr"], rel=1e-9)
    assert f["net_present_budget_impact"] == pytest.approx(h["nbpi"], rel=1e-9)
    assert f["fiscal_roi"] == pytest.approx(h["roi"], rel=1e-9)


def test_balsall_heath_headlines_by_hand():
    r = appraise("example:balsall-heath")
    h = balsall_hand()
    _check(r.options["enforcement"], h["enforcement"])
    _check(r.options["coproduced"], h["coproduced"])
    # enforcement never pays back; the co-produced option's fiscal benefits exceed its public
    # costs from the first year
    assert r.options["enforcement"].payback == {"discounted": None, "undiscounted": None}
    assert r.options["coproduced"].payback == {"discounted": 0, "undiscounted": 0}
    assert r.options["coproduced"].time_hours == 14600 * 3 + 5400 * 5


def test_balsall_heath_time_valuation_changes_the_economic_case():
    r = appraise("example:balsall-heath")
    h = balsall_hand()["coproduced"]
    tv = r.options["coproduced"].time_valuation
    assert tv["zero"]["npv"] == pytest.approx(h["npv"] + h["pv_time"], rel=1e-9)
    assert tv["replacement_cost"]["npv"] == pytest.approx(h["npv"], rel=1e-9)
    assert tv["zero"]["npv"] - tv["replacement_cost"]["npv"] > 1e6  # over £1m: visible
    text = " ".join(r.summary())
    assert "Co-produced with residents relies on 70,800 hours" in text
    assert "instead of leaving it out (zero)" in text


def test_falls_prevention_headlines_by_hand():
    r = appraise("example:falls-prevention")
    h = falls_hand()
    o = r.options["classes"]
    _check(o, h, economic=False)
    assert o.figures["pv_economic"] == 0 and o.figures["pv_social"] == 0
    # NHS gains 10,000/12,700 of the fiscal benefit (HE7.10 split); the council pays it all
    assert o.by_agency["nhs"]["pv_fiscal_benefits"] == pytest.approx(h["fiscal"] * h["nhs_share"])
    assert o.by_agency["council"]["pv_costs"] == pytest.approx(h["pv_public"])
    fin = h["fin"]
    assert fin[0] > 0  # pays back in the first year
    assert o.payback == {"discounted": 0, "undiscounted": 0}
    # valuing volunteers' time turns a positive NPV negative: the verdict changes
    assert h["npv_time_zero"] > 0 > h["npv"]
    assert o.time_valuation["zero"]["npv"] == pytest.approx(h["npv_time_zero"], rel=1e-9)
    assert "enough to change the verdict" in " ".join(r.summary())


def test_every_file_field_is_documented():
    """docs/appraisal.md names every field of the appraisal file format."""
    from pathlib import Path

    from coproduce.appraisal import schema

    doc = (Path(__file__).resolve().parents[2] / "docs" / "appraisal.md").read_text()
    models = [
        schema.AppraisalFile,
        schema.Discounting,
        schema.OptimismBiasSettings,
        schema.GradeOverride,
        schema.TimeValuation,
        schema.TimeRate,
        schema.Agency,
        schema.Band,
        schema.Baseline,
        schema.Option,
        schema.CostLine,
        schema.GenericOptimismBias,
        schema.Outcome,
        schema.ValueLine,
    ]
    missing = [
        f"{m.__name__}.{f}"
        for m in models
        for f in m.model_fields
        if f"{f}:" not in doc and f"`{f}`" not in doc
    ]
    assert not missing, missing
