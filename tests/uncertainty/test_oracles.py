"""Agreement with the R packages voi, BCEA and dampack on their own example data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coproduce import voi
from coproduce.engine.draws import DrawsTable

# EVPPI of the chemotherapy example by the smoother voi uses by default: mgcv::gam(y ~ te(x,
# bs = "cr")) (k = 4 per input for 4+ inputs), y = NB(Novel) − NB(SoC), EVPPI = mean(max(0,
# fitted)) − max(0, mean(fitted)) — run here with R 4.2.2 and mgcv 1.8-41 on the oracle files
# (voi itself is not installable offline; this is its `fitted_gam` + `evppi` arithmetic).
MGCV_EVPPI = {
    "p_side_effects_t1": 26.754625,
    "p_side_effects_t2": 262.110882,
    "c_home_care": 1.439684,
    "c_hospital": 0.0,
    "c_death": 0.103460,
    "u_recovery": 0.966777,
    "u_home_care": 100.556967,
    "u_hospital": 4.671009,
    "logor_side_effects": 331.867581,
    "p_hospitalised_total": 29.331923,
    "p_died": 55.036036,
    "lambda_home": 15.028886,
    "lambda_hosp": 15.019358,
    "rate_longterm": 37.715342,
}
MGCV_GROUPS = {
    ("p_side_effects_t1", "p_side_effects_t2"): 333.451566,
    ("c_home_care", "c_hospital"): 1.570834,
    ("u_recovery", "u_home_care", "u_hospital"): 101.653981,
    ("lambda_home", "lambda_hosp", "rate_longterm", "p_died"): 74.911950,
}
CHEMO_EVPI = 368.6051  # voi README: evpi(chemo_nb)


def _close(ours: float, ref: float, evpi: float) -> bool:
    # 1% of the reference, or 0.1% of EVPI for inputs worth next to nothing (pure noise)
    return abs(ours - ref) <= max(0.01 * abs(ref), 0.001 * evpi)


def test_chemo_evpi_matches_voi(chemo_nb):
    assert voi.evpi(chemo_nb.to_numpy()) == pytest.approx(CHEMO_EVPI, abs=5e-5)


def test_chemo_evpi_across_wtp(chemo_cea):
    e = chemo_cea[["e1", "e2"]].to_numpy()
    c = chemo_cea[["c1", "c2"]].to_numpy()
    grid = [10_000, 20_000, 30_000, 40_000, 50_000]
    ours = voi.evpi_curve(e, c, grid)
    for lam, value in zip(grid, ours, strict=True):
        nb = lam * e - c  # the definition, written out: E[max NB] − max E[NB]
        expected = np.mean(np.maximum(nb[:, 0], nb[:, 1])) - max(nb[:, 0].mean(), nb[:, 1].mean())
        assert value == pytest.approx(expected, rel=1e-12)
    assert ours[1] == pytest.approx(CHEMO_EVPI, rel=1e-6)  # chemo_nb is chemo_cea at λ=20k


@pytest.mark.parametrize("name", list(MGCV_EVPPI))
def test_chemo_single_evppi_matches_mgcv(chemo_nb, chemo_pars, name):
    ours = voi.evppi(chemo_nb.to_numpy(), chemo_pars[[name]])
    assert _close(ours, MGCV_EVPPI[name], CHEMO_EVPI), (name, ours, MGCV_EVPPI[name])


@pytest.mark.parametrize("group", list(MGCV_GROUPS), ids=lambda g: "+".join(g))
def test_chemo_group_evppi_matches_mgcv(chemo_nb, chemo_pars, group):
    ours = voi.evppi(chemo_nb.to_numpy(), chemo_pars[list(group)], refine=True)
    assert _close(ours, MGCV_GROUPS[group], CHEMO_EVPI), (group, ours)


def test_vaccine_matches_bcea_quantities(vaccine):
    # BCEA: bcea(e, c, ref = 2) — vaccination against status quo, k = 25,000
    k = 25_000
    e = vaccine[["eff_status_quo", "eff_vaccination"]].to_numpy()
    c = vaccine[["cost_status_quo", "cost_vaccination"]].to_numpy()
    table = DrawsTable(options=("status_quo", "vaccination"), effect=e, cost=c)
    result = voi.analyse(table, k, grid=[0, 12_500, k, 50_000])
    delta_e = e[:, 1] - e[:, 0]
    delta_c = c[:, 1] - c[:, 0]
    eib = np.mean(k * delta_e - delta_c)  # expected incremental benefit
    icer = delta_c.mean() / delta_e.mean()
    ceac = np.mean(k * delta_e - delta_c > 0)
    nb = k * e - c
    evpi = np.mean(nb.max(axis=1)) - nb.mean(axis=0).max()
    nb_means = {o: v[0] for o, v in result.net_benefit.items()}
    assert nb_means["vaccination"] - nb_means["status_quo"] == pytest.approx(eib, rel=1e-10)
    front = {r.option: r for r in result.frontier}
    assert front["vaccination"].icer == pytest.approx(icer, rel=1e-10)
    assert icer == pytest.approx(20097.59, abs=0.01)  # BCEA's printed ICER for Vaccine
    assert result.ceac[2][1] == pytest.approx(ceac, abs=1e-12)
    assert result.evpi == pytest.approx(evpi, rel=1e-10)
    assert result.evpi == pytest.approx(2.4145, abs=1e-4)  # BCEA's EVPI at k = 25,000


def test_cdiff_frontier_exactly_as_dampack(cdiff):
    rows = voi.icers(cdiff["Cost"], cdiff["Effect"], cdiff["Strategy"])
    status = {"ND": "frontier", "ED": "extendedly dominated", "D": "dominated"}
    assert [r.option for r in rows] == list(cdiff["Strategy"])
    for r, (_, ref) in zip(rows, cdiff.iterrows(), strict=True):
        assert r.status == status[ref["Status"]]
        if pd.isna(ref["ICER"]):
            assert r.icer is None
        else:
            assert r.icer == pytest.approx(ref["ICER"], rel=1e-9)
            assert r.inc_cost == pytest.approx(ref["Inc_Cost"], rel=1e-9)
            assert r.inc_effect == pytest.approx(ref["Inc_Effect"], rel=1e-9)


def test_analytic_two_option_evpi():
    # NB_A = 0, NB_B ~ N(μ, σ²): EVPI = E[max(0, X)] − max(0, μ) = μΦ(μ/σ) + σφ(μ/σ) − max(0, μ)
    mu, sigma, n = 30.0, 100.0, 400_000
    rng = np.random.default_rng(11)
    x = rng.normal(mu, sigma, n)
    nb = np.column_stack([np.zeros(n), x])
    z = mu / sigma
    closed = (
        mu * 0.5 * (1 + math.erf(z / math.sqrt(2)))
        + sigma * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        - max(0.0, mu)
    )
    se = np.std(np.maximum(x, 0)) / math.sqrt(n)
    assert abs(voi.evpi(nb) - closed) < 4 * se
