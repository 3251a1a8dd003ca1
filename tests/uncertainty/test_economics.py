"""The economics a commissioner can trust, in `uncertainty`: beliefs are sensitivity analyses,
never options; enabling inputs act in every draw; each option carries its caveats and fit;
cost curves; the valuation of time and its switching values; the evidence standard."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coproduce as cp
from coproduce.engine.simulate import belief_names
from coproduce.model.distributions import mean_of
from coproduce.model.errors import ModelError
from coproduce.model.validate import validate_data
from coproduce.reports.uncertainty import summary_text
from coproduce.voi.analysis import analyse

# ----- small models ------------------------------------------------------------------------


def two_way(**over) -> cp.Model:
    """Two ways to reach o: a (professional: 100 public a unit) and b (co-produced: 20 public
    and 10 volunteer hours a unit); each unit gives one o. A decision scenario and a belief."""
    data = {
        "coproduce": 1,
        "name": "two ways",
        "price_year": 2024,
        "resources": {
            "staff": {"unit": "GBP", "sector": "public", "unit_cost": 1},
            "vol": {"unit": "hour", "sector": "community", "unit_cost": 5, "available": 1000},
        },
        "interventions": {
            "a": {"inputs": {"staff": 100}, "volume": 10},
            "b": {"inputs": {"staff": 20, "vol": 10}, "volume": 10},
        },
        "outcomes": {"o": {"unit": "case"}},
        "links": [
            {"from": "a", "to": "o", "effect": 1, "evidence": 4},
            {"from": "b", "to": "o", "effect": 1, "evidence": 1},
        ],
        "scenarios": {
            "more_b": {
                "kind": "decision",
                "changes": [{"scale": "interventions.b.volume", "by": 2}],
            },
            "b_half_as_good": {
                "kind": "belief",
                "label": "b works half as well",
                "changes": [{"set": "links[b->o].effect", "value": 0.5}],
            },
        },
    }
    data.update(over)
    return validate_data(data)


def one_link(enabling: dict, staff=5.0, effect=2.0) -> cp.Model:
    """x -> o (effect), staff per unit of x (unit cost 10), staff declared as enabling."""
    return validate_data(
        {
            "coproduce": 1,
            "name": "one link",
            "price_year": 2024,
            "resources": {"staff": {"unit": "hour", "sector": "public", "unit_cost": 10}},
            "interventions": {"x": {"inputs": {"staff": staff}, "enabling": {"staff": enabling}}},
            "outcomes": {"o": {"unit": "case"}},
            "links": [{"from": "x", "to": "o", "effect": effect, "evidence": 3}],
        }
    )


# ----- 1. beliefs are never options --------------------------------------------------------


@pytest.fixture(scope="module")
def older():
    return cp.load_model("example:older-people")


def test_beliefs_never_appear_as_options_on_the_example(older):
    assert older.scenarios["telecare_upper_ci"].kind == "belief"
    beliefs = belief_names(older)
    assert "telecare_upper_ci" in beliefs
    d = cp.simulate(older, ("independent_years", 40), 512, 1, mode="scenarios")
    assert "telecare_upper_ci" not in d.options and not set(beliefs) & set(d.options)
    decisions = [k for k, s in older.scenarios.items() if s.kind != "belief"]
    assert d.options == ("baseline", *decisions)
    with pytest.raises(ModelError, match="'telecare_upper_ci' is a belief") as exc:
        cp.simulate(
            older,
            ("independent_years", 40),
            512,
            1,
            mode="scenarios",
            scenarios=["telecare_upper_ci"],
        )
    assert "sensitivity analysis" in str(exc.value)
    # every belief runs as a sensitivity analysis of the same options
    r = analyse(d, 43_000).to_dict()
    assert set(r["beliefs"]) == set(beliefs)
    for b in r["beliefs"].values():
        assert set(b["summary"]) == set(d.options)
        assert {"label", "summary", "most_likely_best", "changes_most_likely_best"} <= set(b)
        assert b["changes_most_likely_best"] == (b["most_likely_best"] != r["most_likely_best"])
        assert sum(s["prob_best"] for s in b["summary"].values()) == pytest.approx(1)


def test_a_belief_changes_the_answer_on_a_hand_model():
    m = two_way()
    # at 5 an hour b costs 20 + 50 = 70 a unit, a 100: b is best in every draw
    d = cp.simulate(m, ("o", 10), 64, 1)
    assert d.options == ("a", "b")
    r = analyse(d, 200).to_dict()
    assert r["most_likely_best"] == "b"
    b = r["beliefs"]["b_half_as_good"]
    assert b["label"] == "b works half as well"
    # the same volumes (10 of b) now give 5 of o: NB_b = 200 × 5 − 700 = 300 < NB_a = 1000
    assert b["summary"]["b"]["net_benefit"]["mean"] == pytest.approx(300)
    assert b["summary"]["a"]["net_benefit"]["mean"] == pytest.approx(1000)
    assert b["most_likely_best"] == "a" and b["changes_most_likely_best"] is True
    assert d.beliefs["b_half_as_good"].meta["volumes"] == d.meta["volumes"]
    # portfolios: the decision is an option, the belief never is
    p = cp.simulate(m, ("o", 10), 64, 1, mode="scenarios")
    assert p.options == ("baseline", "more_b")
    assert set(p.beliefs) == {"b_half_as_good"}
    with pytest.raises(ModelError, match="'b_half_as_good' is a belief"):
        cp.simulate(m, ("o", 10), 64, 1, mode="scenarios", scenarios=["b_half_as_good"])
    # no beliefs asked for: none run
    assert cp.simulate(m, ("o", 10), 64, 1, beliefs=()).beliefs == {}


def test_beliefs_share_draws_and_do_not_depend_on_the_chunk(older):
    kw = dict(draws=3000, seed=4, evidence_priors=True)
    a = cp.simulate(older, ("independent_years", 40), chunk=512, **kw)
    b = cp.simulate(older, ("independent_years", 40), chunk=2048, **kw)
    assert a.beliefs.keys() == b.beliefs.keys() and a.beliefs
    for name in a.beliefs:
        assert np.array_equal(a.beliefs[name].effect, b.beliefs[name].effect)
        assert np.array_equal(a.beliefs[name].cost, b.beliefs[name].cost)
    assert analyse(a, 43_000).to_dict() == analyse(b, 43_000).to_dict()
    # common random numbers: a belief about telecare's effects leaves every cost draw as is
    t = a.beliefs["telecare_upper_ci"]
    np.testing.assert_array_equal(t.extra["cost_full"], a.extra["cost_full"])
    # and the main table is the one a run without beliefs gives, bit for bit
    alone = cp.simulate(older, ("independent_years", 40), chunk=512, beliefs=(), **kw)
    assert np.array_equal(alone.effect, a.effect) and np.array_equal(alone.cost, a.cost)


def test_cli_refuses_a_belief_as_a_portfolio(capsys):
    from coproduce.cli.main import run

    with pytest.raises(SystemExit) as exc:
        run(
            [
                "uncertainty",
                "example:older-people",
                "--target",
                "independent_years=40",
                "--wtp",
                "100",
                "--draws",
                "64",
                "--portfolios",
                "--portfolio",
                "telecare_upper_ci",
            ]
        )
    assert exc.value.code == 2
    assert "is a belief" in capsys.readouterr().err


# ----- 3. enabling inputs in the draws -----------------------------------------------------

HAND = 0.2 + 0.8 * math.sqrt(0.5)  # declared 10, used 5, elasticity 0.5, floor 0.2


def _spend_run(m: cp.Model, draws: int = 256) -> cp.DrawsTable:
    # 1,000 of public spend at 5 staff hours × 10 a unit: 20 units of x, whatever the effect
    d = cp.simulate(m, ("o", 1), draws, 7, mode="spend", spend=1000, beliefs=())
    assert d.meta["volumes"] == {"x": {"x": pytest.approx(20)}}
    return d


def test_enabling_multiplier_by_hand():
    assert pytest.approx(0.7656854249492381, rel=1e-15) == HAND
    d = _spend_run(one_link({"level": 10, "elasticity": 0.5, "floor": 0.2}))
    # 20 units × effect 2 × 0.7657 = 30.627
    np.testing.assert_allclose(d.effect[:, 0], 20 * 2 * HAND, rtol=1e-12)
    assert d.effect[0, 0] == pytest.approx(30.627416997969522, rel=1e-12)


def test_a_drawn_effect_keeps_its_enabling_multiplier():
    m = one_link(
        {"level": 10, "elasticity": 0.5, "floor": 0.2},
        effect={"dist": "normal", "mean": 2, "sd": 0.5},
    )
    d = _spend_run(m)
    e = d.inputs["links[x->o].effect"].to_numpy()
    np.testing.assert_allclose(d.effect[:, 0], 20 * e * HAND, rtol=1e-12)


def test_uncertain_elasticity_and_floor_by_draw():
    m = one_link(
        {
            "level": 10,
            "elasticity": {"dist": "uniform", "low": 0.25, "high": 0.75},
            "floor": {"dist": "uniform", "low": 0.1, "high": 0.3},
        }
    )
    d = _spend_run(m)
    e = d.inputs["interventions.x.enabling.staff.elasticity"].to_numpy()
    f = d.inputs["interventions.x.enabling.staff.floor"].to_numpy()
    assert e.std() > 0 and f.std() > 0
    np.testing.assert_allclose(d.effect[:, 0], 40 * (f + (1 - f) * 0.5**e), rtol=1e-12)


def test_an_uncertain_input_below_its_level_is_drawn_against_it():
    # staff uniform(2, 8): mean 5 against the declared 10, so the ratio is drawn / 10
    m = one_link(
        {"level": 10, "elasticity": 0.5, "floor": 0.2},
        staff={"dist": "uniform", "low": 2, "high": 8},
    )
    d = _spend_run(m)
    s = d.inputs["interventions.x.inputs.staff"].to_numpy()
    np.testing.assert_allclose(d.effect[:, 0], 40 * (0.2 + 0.8 * np.sqrt(s / 10)), rtol=1e-12)


def test_an_uncertain_input_at_its_level_is_fully_supported():
    # no level given: the loader declares the mean (5); draws below 5 are not a shortfall
    m = one_link(
        {"elasticity": 0.5, "floor": 0.2},
        staff={"dist": "triangular", "low": 2, "mode": 5, "high": 8},
    )
    assert m.interventions["x"].enabling["staff"].level == 5
    d = _spend_run(m)
    assert (d.inputs["interventions.x.inputs.staff"] < 5).any()
    np.testing.assert_array_equal(d.effect[:, 0], np.full(d.n_draws, 40.0))


@settings(max_examples=25, deadline=None)
@given(
    level=st.floats(1, 20),
    low=st.floats(0, 15),
    width=st.floats(0.5, 15),
    elasticity=st.floats(0, 3),
    floor=st.floats(0, 1),
)
def test_effect_is_monotone_in_the_enabling_input(level, low, width, elasticity, floor):
    staff = {"dist": "uniform", "low": low, "high": low + width}
    if math.isclose(low + width / 2, level, rel_tol=1e-6):
        return  # mean at the declared level: fully supported (tested above)
    m = one_link({"level": level, "elasticity": elasticity, "floor": floor}, staff=staff)
    d = cp.simulate(m, ("o", 1), 300, 3, beliefs=(), caveats=False)
    s = d.inputs["interventions.x.inputs.staff"].to_numpy()
    order = np.argsort(s, kind="stable")
    eff = d.effect[order, 0]
    assert np.all(np.diff(eff) >= -1e-12 * np.abs(eff[1:]))  # non-decreasing in the input
    # and never above the fully supported effect, never below the floor's share
    v = d.meta["volumes"]["x"]["x"]
    assert eff.max() <= 2 * v * (1 + 1e-12) and eff.min() >= 2 * v * floor * (1 - 1e-12)


# ----- 2. each option's caveats and fit ----------------------------------------------------


def test_option_flags_on_the_example(older):
    # by hand from the model file: peer support groups reach independent years through
    # loneliness-free years (triangular 0, 0.08, 0.2: mean 0.28/3), care home admissions
    # avoided (triangular 0, 0.01, 0.03: mean 0.04/3) and one year each (pert 0.5, 1, 1.5)
    links = {(lk.from_, lk.to): lk.effect for lk in older.links}
    a = links["peer_support_groups", "loneliness_free_years"]
    b = links["loneliness_free_years", "care_home_admissions_avoided"]
    c = links["care_home_admissions_avoided", "independent_years"]
    assert (a.low, a.mode, a.high) == (0, 0.08, 0.2)
    assert (b.low, b.mode, b.high) == (0, 0.01, 0.03)
    assert (c.low, c.mode, c.high) == (0.5, 1.0, 1.5)
    hours = older.interventions["peer_support_groups"].inputs["volunteer_hour"]
    assert (hours.low, hours.mode, hours.high) == (3, 6, 10)
    volume = 40 / (0.28 / 3 * 0.04 / 3 * 1.0)  # 32,142.86 member-years
    needed = volume * 19 / 3  # 203,571.4 volunteer hours
    assert needed == pytest.approx(203_571.43, abs=0.01)
    assert mean_of(older.resources["volunteer_hour"].available) == 30_000

    d = cp.simulate(older, ("independent_years", 40), 1024, 1)
    r = analyse(d, 43_000)
    out = r.to_dict()
    cav = out["caveats"]["peer_support_groups"]
    assert cav["resources_short"]["volunteer_hour"]["needed"] == pytest.approx(needed, rel=1e-9)
    assert cav["resources_short"]["volunteer_hour"]["available"] == 30_000
    s = out["summary"]["peer_support_groups"]
    assert s["fits"] is False and "over_available" in s["flags"] and "complex" in s["flags"]
    for o in r.options:  # every option: flags and fit, the same as its caveats say
        assert out["summary"][o]["flags"] == out["caveats"][o]["flags"]
        assert out["summary"][o]["fits"] == (
            not {"over_capacity", "over_available"} & set(out["caveats"][o]["flags"])
        )
    fitting = [o for o in r.options if out["summary"][o]["fits"]]
    assert out["best_that_fits"] == max(
        fitting, key=lambda o: (r.prob_best[o], -r.options.index(o))
    )
    # the summary never calls an option that does not fit "best" without the mark
    text = summary_text(r)
    for o in r.options:
        if not out["summary"][o]["fits"] and o in (r.best_option, r.most_likely_best):
            i = text.index(o.replace("_", " "))
            assert "does not fit" in text[i : i + 120]
    if not out["summary"][r.best_option]["fits"]:
        assert (
            "needs 203,571 of volunteer hour against 30,000 available" in text
            or r.best_option != "peer_support_groups"
        )


# ----- 4. cost curves ----------------------------------------------------------------------


def curved(**over) -> cp.Model:
    """x: 1 staff hour (10) a unit, 100 running today; the curve doubles the inputs of every
    unit beyond 150. One unit of x gives one o."""
    data = {
        "coproduce": 1,
        "name": "curve",
        "price_year": 2024,
        "resources": {"staff": {"unit": "hour", "sector": "public", "unit_cost": 10}},
        "interventions": {
            "x": {
                "inputs": {"staff": 1},
                "volume": 100,
                "cost_curve": [{"up_to": 150, "multiplier": 1}, {"multiplier": 2}],
            }
        },
        "outcomes": {"o": {"unit": "case"}},
        "links": [{"from": "x", "to": "o", "effect": 1}],
        "scenarios": {
            "grow": {
                "kind": "decision",
                "changes": [{"set": "interventions.x.volume", "value": 200}],
            }
        },
    }
    data.update(over)
    return validate_data(data)


def test_cost_curves_above_today_and_from_zero():
    m = curved()
    # 100 more units above today's 100: 50 at ×1 and 50 at ×2 = 150 hours = 1,500
    d = cp.simulate(m, ("o", 100), 16, 1)
    np.testing.assert_allclose(d.extra["cost_full"][:, 0], 1500, rtol=1e-12)
    # portfolios are whole services, costed from 0: 100 -> 1,000; 200 -> 150 + 100 = 2,500
    p = cp.simulate(m, ("o", 100), 16, 1, mode="scenarios")
    np.testing.assert_allclose(p.extra["cost_full"].mean(axis=0), [1000, 2500], rtol=1e-12)
    # the same spend finds the volume on the curve: 1,500 buys 100 more units
    s = cp.simulate(m, ("o", 100), 16, 1, mode="spend", spend=1500)
    assert s.meta["volumes"]["x"]["x"] == pytest.approx(100)
    np.testing.assert_allclose(s.extra["cost_public"][:, 0], 1500, rtol=1e-12)


# ----- 5. the value of time ----------------------------------------------------------------


def test_time_value_basis_and_hours_in_the_table():
    m = two_way()
    d = cp.simulate(m, ("o", 10), 32, 1)
    assert d.meta["time_value"] == {
        "name": "as_stated",
        "label": "as stated for each resource in the model file",
        "per_hour": None,
        "source": None,
    }
    # b: 10 units × 10 volunteer hours at 5 an hour
    np.testing.assert_array_equal(d.extra["coproduction_hours"][:, 1], 100.0)
    np.testing.assert_array_equal(d.extra["coproduction_time_cost"][:, 1], 500.0)
    np.testing.assert_array_equal(d.extra["coproduction_hours"][:, 0], 0.0)
    valued = cp.load_model(m.model_dump(mode="json", by_alias=True), time_value_per_hour=12)
    r = analyse(cp.simulate(valued, ("o", 10), 32, 1), 200).to_dict()
    assert r["time_value"]["per_hour"] == 12 and r["time_value"]["name"] == "custom"
    assert r["most_likely_best"] == "a"  # 20 + 120 = 140 a unit against 100


def test_switching_value_of_time_by_hand():
    # NB_a = 10λ − 1,000; NB_b = 10λ − 200 − 100 w: b is best while w < 8 an hour
    r = analyse(cp.simulate(two_way(), ("o", 10), 64, 1), 200).to_dict()
    assert r["most_likely_best"] == "b"
    assert r["most_likely_best_when_time_valued"] == pytest.approx([0.0, 8.0], rel=1e-12)
    sw = r["time_value_switching"]
    assert sw["reference_per_hour"] == 5.0
    assert [(iv["option"], iv["low"], iv["high"]) for iv in sw["most_likely_best"]] == [
        ("b", 0.0, pytest.approx(8.0, rel=1e-12)),
        ("a", pytest.approx(8.0, rel=1e-12), None),
    ]
    assert [iv["option"] for iv in sw["best_expected"]] == ["b", "a"]
    # valued at 12 an hour, a is best; its range starts at 8
    valued = cp.load_model(two_way().model_dump(mode="json", by_alias=True), time_value_per_hour=12)
    r2 = analyse(cp.simulate(valued, ("o", 10), 64, 1), 200).to_dict()
    assert r2["most_likely_best"] == "a"
    assert r2["most_likely_best_when_time_valued"][0] == pytest.approx(8.0, rel=1e-12)
    assert r2["most_likely_best_when_time_valued"][1] is None


def test_switching_value_of_time_with_uncertain_hours_against_brute_force():
    # b's hours per unit uniform(5, 15): b wins a draw while w < 80 / h; most likely best
    # while more than half the draws have h < 80 / w, i.e. w below about 8
    m = two_way(
        interventions={
            "a": {"inputs": {"staff": 100}, "volume": 10},
            "b": {
                "inputs": {"staff": 20, "vol": {"dist": "uniform", "low": 5, "high": 15}},
                "volume": 10,
            },
        }
    )
    d = cp.simulate(m, ("o", 10), 2001, 3)
    r = analyse(d, 200).to_dict()
    sw = r["time_value_switching"]
    h = d.inputs["interventions.b.inputs.vol"].to_numpy()
    # the expected best is exact: 800 / (10 × mean hours)
    assert sw["best_expected"][0]["high"] == pytest.approx(80 / h.mean(), rel=1e-12)
    high = r["most_likely_best_when_time_valued"][1]
    assert high == pytest.approx(8, rel=0.05)

    def leader(w: float) -> str:
        nb = (
            200 * d.effect
            - d.cost
            + d.extra["coproduction_time_cost"]
            - w * d.extra["coproduction_hours"]
        )
        return d.options[int(np.argmax(cp.voi.prob_best(nb)))]

    # brute force on either side of the switch, and on a grid: the tiling is right
    assert leader(high * (1 - 1e-9)) == "b" and leader(high * (1 + 1e-9)) == "a"
    tiling = sw["most_likely_best"]
    assert tiling[0]["low"] == 0 and tiling[-1]["high"] is None
    for prev, nxt in itertools.pairwise(tiling):
        assert prev["high"] == nxt["low"]
    for w in np.linspace(0, 30, 61):
        inside = next(
            iv for iv in tiling if iv["low"] <= w and (iv["high"] is None or w < iv["high"])
        )
        assert leader(float(w)) == inside["option"]


# ----- the evidence standard ---------------------------------------------------------------


def test_min_evidence_reruns_without_weak_links():
    m = two_way()
    d = cp.simulate(m, ("o", 10), 64, 1, min_evidence=2)
    r = analyse(d, 200).to_dict()
    ev = r["min_evidence"]
    assert ev["grade"] == 2 and ev["links_dropped"] == ["b->o"]
    # without b's opinion-graded link only a reaches o: the recommendation (b) does not survive
    assert ev["most_likely_best"] == "a" and ev["survives"] is False
    assert set(ev["summary"]) == {"a"}
    same = analyse(cp.simulate(m, ("o", 10), 64, 1, min_evidence=1), 200).to_dict()
    assert same["min_evidence"]["links_dropped"] == []
    assert same["min_evidence"]["survives"] is True


def test_the_report_marks_what_does_not_fit_and_shows_the_beliefs(tmp_path, older):
    from coproduce.reports.uncertainty import write_report

    d = cp.simulate(older, ("independent_years", 40), 512, 1, min_evidence=3)
    r = analyse(d, 43_000)
    out = tmp_path / "u.html"
    write_report(r, d, out)
    html = out.read_text()
    assert "[does not fit]" in html
    assert "Beliefs: the same options under other readings of the evidence" in html
    assert "The value of users&#39; and communities&#39; time" in html
    assert "The evidence standard" in html


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(2, 40), k=st.integers(1, 5))
def test_time_value_tiling_matches_brute_force(data, n, k):
    # random tables, with ties (small integers): the exact tiling names, at every value of an
    # hour off its breakpoints, the option a direct count of draws won names
    from coproduce.engine.draws import DrawsTable
    from coproduce.voi.analysis import time_value_ranges

    ints = st.integers(0, 6)

    def arr() -> np.ndarray:
        rows = st.lists(st.lists(ints, min_size=k, max_size=k), min_size=n, max_size=n)
        return np.array(data.draw(rows), dtype=float)

    effect, cost, hours = arr(), arr() * 10, arr()
    table = DrawsTable(
        options=tuple(f"o{j}" for j in range(k)),
        effect=effect,
        cost=cost,
        extra={"coproduction_hours": hours, "coproduction_time_cost": np.zeros_like(hours)},
    )
    got = time_value_ranges(table, 7.0, "o0")
    for name in ("most_likely_best", "best_expected"):
        tiling = got[name]
        assert tiling[0]["low"] == 0 and tiling[-1]["high"] is None
        for prev, nxt in itertools.pairwise(tiling):
            assert prev["high"] == nxt["low"] and prev["option"] != nxt["option"]
    cuts = sorted({iv["low"] for t in ("most_likely_best", "best_expected") for iv in got[t]})
    # probes well inside each interval (off breakpoints closer together than rounding)
    probes = [
        c + 0.37 * ((cuts[i + 1] - c) if i + 1 < len(cuts) else 1.0)
        for i, c in enumerate(cuts)
        if i + 1 == len(cuts) or cuts[i + 1] - c > 1e-6
    ]
    for w in probes:
        nb = 7.0 * effect - cost - w * hours
        likely = table.options[int(np.argmax(cp.voi.prob_best(nb)))]
        # the first option of the highest mean; means equal in exact arithmetic (options with
        # the same mean effect, cost and hours) can differ in their last bit, so they tie here
        means = nb.mean(axis=0)
        top = means.max()
        expected = table.options[int(np.flatnonzero(means >= top - 1e-9 * max(1.0, abs(top)))[0])]
        for name, want in (("most_likely_best", likely), ("best_expected", expected)):
            at = next(
                iv["option"]
                for iv in got[name]
                if iv["low"] <= w and (iv["high"] is None or w < iv["high"])
            )
            assert at == want, (name, w, got)


def test_extra_runs_are_the_same_in_a_process_pool():
    from coproduce.scale.executors import ProcessPool

    m = two_way(
        interventions={
            "a": {"inputs": {"staff": 100}, "volume": 10},
            "b": {
                "inputs": {"staff": 20, "vol": {"dist": "uniform", "low": 5, "high": 15}},
                "volume": 10,
            },
        }
    )
    kw = dict(draws=3000, seed=5, chunk=1024, min_evidence=2)
    here = cp.simulate(m, ("o", 10), **kw)
    with ProcessPool(2) as pool:
        there = cp.simulate(m, ("o", 10), executor=pool, **kw)
    for a, b in [
        (here, there),
        (here.beliefs["b_half_as_good"], there.beliefs["b_half_as_good"]),
        (here.min_evidence, there.min_evidence),
    ]:
        assert np.array_equal(a.effect, b.effect) and np.array_equal(a.cost, b.cost)
        assert a.meta == b.meta
    assert analyse(here, 200).to_dict() == analyse(there, 200).to_dict()
