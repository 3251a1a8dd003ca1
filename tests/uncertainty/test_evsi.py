"""EVSI by regression on simulated study summaries, against voi's own test value, a closed
form, and the designs' relations to each other; EVPPI of groups never below their members."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import coproduce as cp
from coproduce import voi
from coproduce.voi.study import evsi

PARS = ["p_side_effects_t1", "p_side_effects_t2"]
VOI_TEST_EVSI = 242.13  # voi's tests: evsi(chemo_nb, chemo_pars, study="trial_binary",
#                          pars=c("p_side_effects_t1", "p_side_effects_t2"), n=100)


def test_chemo_trial_binary_agrees_with_voi(chemo_nb, chemo_pars):
    nb = chemo_nb.to_numpy()
    points = [
        evsi(nb, chemo_pars, study="trial_binary", pars=PARS, n=100, seed=s, se=True)[0]
        for s in (1, 2, 3, 4)
    ]
    for p in points:  # each seed within three standard errors of the package's value
        assert abs(p.value - VOI_TEST_EVSI) <= 3 * p.se, p
    assert np.mean([p.value for p in points]) == pytest.approx(VOI_TEST_EVSI, rel=0.03)


def test_evsi_rises_with_n_and_stays_below_evppi(chemo_nb, chemo_pars):
    nb = chemo_nb.to_numpy()
    values = evsi(nb, chemo_pars, study="trial_binary", pars=PARS, n=[10, 100, 1000, 10000])
    assert np.all(np.diff(values) > 0)
    assert values[-1] <= voi.evppi(nb, chemo_pars[PARS])


def _normal_case(draws=40_000, mu0=0.5, sd0=1.0, seed=3):
    theta = np.random.default_rng(seed).normal(mu0, sd0, draws)
    nb = np.column_stack([np.zeros(draws), theta])  # option 2 gains θ over option 1
    return nb, pd.DataFrame({"theta": theta})


def test_normal_known_matches_the_preposterior_closed_form():
    # prior θ ~ N(0.5, 1); study: n = 16 observations with sd 2, so the sample mean has
    # variance 4/16 = 0.25. The posterior mean m is normal with mean 0.5 and variance
    # v = 1 − 1·0.25/(1 + 0.25) = 0.8, and EVSI = E[max(0, m)] − max(0, 0.5)
    #       = 0.5 Φ(0.5/√v) + √v φ(0.5/√v) − 0.5.
    v = 1 - 0.25 / 1.25
    exact = (
        0.5 * stats.norm.cdf(0.5 / np.sqrt(v)) + np.sqrt(v) * stats.norm.pdf(0.5 / np.sqrt(v)) - 0.5
    )
    nb, inputs = _normal_case()
    got = evsi(nb, inputs, study="normal_known", pars=["theta"], n=16, aux={"sd": 2}, se=True)[0]
    assert abs(got.value - exact) <= max(3 * got.se, 0.01 * exact), (got, exact)


def test_designs_agree_where_they_are_the_same_study(chemo_nb, chemo_pars):
    nb = chemo_nb.to_numpy()
    one = evsi(nb, chemo_pars, study="binary", pars=["p_side_effects_t2"], n=50, seed=7)
    # a resident survey of a rate is a one-arm binary study of it
    assert evsi(nb, chemo_pars, study="survey", pars=["p_side_effects_t2"], n=50, seed=7) == one

    # a user's own data-generating function reproduces the built-in design
    def counts(inputs, n, rng):
        return stats.binom.ppf(
            rng.random((len(inputs), 1)), n, inputs[["p_side_effects_t2"]].to_numpy()
        )

    assert evsi(nb, chemo_pars, study=None, datagen_fn=counts, n=50, seed=7) == pytest.approx(
        one, rel=1e-12
    )
    nbn, theta = _normal_case(draws=5000)
    # a pilot measuring one effect with a stated sd is a normal study with known sd
    assert evsi(nbn, theta, study="pilot", pars=["theta"], n=9, aux={"sd": 3}) == evsi(
        nbn, theta, study="normal_known", pars=["theta"], n=9, aux={"sd": 3}
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"study": "cohort", "pars": PARS}, "unknown study design 'cohort'"),
        ({"study": "trial_binary", "pars": PARS[:1]}, "informs 2 inputs"),
        ({"study": "binary", "pars": ["c_home_care"]}, "between 0 and 1"),
        ({"study": "pilot", "pars": ["u_recovery"]}, "standard deviation"),
        ({"study": "binary", "pars": ["nope"]}, "no input named nope"),
        ({"study": "binary", "pars": PARS[:1], "n": 0}, "study size of 1 or more"),
    ],
)
def test_bad_studies_say_what_is_wrong(chemo_nb, chemo_pars, kwargs, message):
    with pytest.raises(ValueError, match=message):
        evsi(chemo_nb.to_numpy(), chemo_pars, **kwargs)


@pytest.mark.parametrize(
    "example, target, wtp",
    [
        ("example:older-people", ("admissions_avoided", 40), 20_000),
        ("example:neighbourhood-safety", ("crimes_prevented", 100), 5_000),
    ],
)
def test_a_group_is_never_worth_less_than_its_member(example, target, wtp):
    table = cp.simulate(cp.load_model(example), target, draws=4000, seed=2)
    nb = wtp * table.effect - table.cost
    # the model's own groups, and the effects out of each intervention taken together
    groups = dict(table.groups)
    for iid in cp.load_model(example).interventions:
        cols = [c for c in table.inputs.columns if c.startswith(f"links[{iid}->")]
        if len(cols) >= 2:
            groups[f"effects of {iid}"] = cols
    assert groups
    for name, cols in groups.items():
        group, se = voi.evppi(nb, table.inputs[list(cols)], se=True)
        for c in cols:
            member = voi.evppi(nb, table.inputs[[c]])
            # (plus a millionth of EVPI: inputs worth nothing differ only by rounding)
            assert group >= member - se - 1e-6 * voi.evpi(nb), (name, c, group, member, se)


def test_chemo_groups_are_never_worth_less_than_their_members(chemo_nb, chemo_pars):
    nb = chemo_nb.to_numpy()
    for cols in (
        PARS,
        ["u_recovery", "u_home_care", "u_hospital"],
        ["lambda_home", "lambda_hosp", "rate_longterm", "p_died"],
    ):
        group, se = voi.evppi(nb, chemo_pars[cols], se=True)
        assert all(group >= voi.evppi(nb, chemo_pars[[c]]) - se for c in cols)


def test_enbs_by_hand():
    from coproduce.voi.enbs import best_size, enbs, pilot_sd
    from coproduce.voi.study import EvsiPoint

    # EVSI £10 and £14 per decision; 1,000 decisions a year for 3 years at 3.5%:
    # 1000 × (1 + 1/1.035 + 1/1.035²) = 2,899.69; study £5,000 + £100 a participant
    factor = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2)
    curve = enbs(
        [EvsiPoint(50, 10.0, 1.0), EvsiPoint(200, 14.0, 1.0)],
        1000,
        3,
        fixed_cost=5000,
        cost_per_participant=100,
    )
    assert curve[0].enbs == pytest.approx(10 * factor - 10_000)
    assert curve[1].enbs == pytest.approx(14 * factor - 25_000)
    assert curve[0].low == pytest.approx(10 * factor - 10_000 - 1.959964 * factor)
    assert best_size(curve).n == 50  # 18,997 against 15,596
    assert best_size(enbs([EvsiPoint(50, 1.0)], 10, 1, fixed_cost=100)) is None
    assert pilot_sd(0.2, 3) == pytest.approx(0.2 * 10)  # grade 3: read as 100 participants


def test_research_agenda_on_older_people():
    from coproduce.voi.agenda import research_agenda

    m = cp.load_model("example:older-people")
    table = cp.simulate(m, ("independent_years", 40), draws=2000, seed=1)
    nb = 30_000 * table.effect - table.cost
    agenda = research_agenda(
        m,
        nb,
        table.inputs,
        population=1,
        horizon=5,
        fixed_cost=20_000,
        cost_per_participant=150,
        sizes=(50, 200, 800),
    )
    # only weakly evidenced links (grade 2 or below, or ungraded) appear, each once
    assert set(agenda["grade"].dropna()) <= {1, 2}
    assert len(agenda) == len(set(zip(agenda["from"], agenda["to"], strict=True)))
    top = agenda.iloc[0]
    # the loneliness effect of peer support groups is where evidence pays (EVPPI above)
    assert (top["from"], top["to"]) == ("peer_support_groups", "loneliness_free_years")
    assert top["best_enbs"] > 0 and top["evsi_at_best"] <= top["evppi"] * 1.05
    # the study's cost is what was asked: £20,000 plus £150 a participant
    assert top["cost"] == 20_000 + 150 * top["best_n"]
    # a link whose EVPPI cannot repay the cheapest study gets no study
    assert agenda["best_n"].isna().sum() >= len(agenda) - 2
