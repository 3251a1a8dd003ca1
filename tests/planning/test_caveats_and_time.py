"""The caveats a plan carries (flag_shares), the range of hourly valuations of users' and
communities' time over which it funds the same interventions, and --min-evidence; worked by
hand."""

from __future__ import annotations

import pytest

import coproduce as cp
from coproduce.model import load_model
from coproduce.model.time_value import choose_time_value

from .models import base, edit


def graded() -> dict:
    """The two-intervention model with grades: a → x → y graded 4 but x → y contested; b → y
    graded 2 (weak)."""
    data = base()
    data["links"] = [
        {"from": "a", "to": "x", "effect": 1.0, "evidence": 4},
        {"from": "x", "to": "y", "effect": 1.0, "evidence": 4, "contested": True},
        {"from": "b", "to": "y", "effect": 0.5, "evidence": 2},
    ]
    return data


def test_flag_shares_by_hand():
    # The plan (as test_hand_lp): a = 50 gives 50 y through the contested x → y; b = 100
    # gives 50 y through the weak b → y. Of the 100 y planned, half rests on each kind.
    # b uses volunteer hours (co-production) with public staff time but declares no enabling
    # input: flagged no_public_input (none declared).
    p = cp.plan(load_model(graded()), targets={"y": 100})
    assert p.volumes == pytest.approx({"a": 50.0, "b": 100.0})
    assert list(p.flag_shares) == ["y"]
    assert p.flag_shares["y"] == pytest.approx({"contested": 0.5, "weak_evidence": 0.5})
    assert set(p.flags) == {"contested", "weak_evidence", "no_public_input"}
    assert p.caveats["no_public_input"] == {"b": "none_declared"}
    d = p.to_dict()
    assert d["flag_shares"]["y"] == pytest.approx({"contested": 0.5, "weak_evidence": 0.5})
    assert d["caveats"]["flags"] == list(p.flags)
    words = p.caveat_words()
    assert (
        "50% of the planned effect on y rests on weakly evidenced links (grade 2 or below)."
        in words
    )
    assert any(
        w.startswith("b: co-produced, but the model declares no enabling input") for w in words
    )
    assert "Caveats: " in p.summary()


def test_flags_follow_what_is_funded():
    # Least full cost funds a alone (£20 against £34 per y): all of the effect rests on the
    # contested link, none on the weak one, and nothing co-produced is funded.
    p = cp.plan(load_model(graded()), targets={"y": 100}, objective="full")
    assert p.volumes == pytest.approx({"a": 100.0, "b": 0.0})
    assert list(p.flag_shares) == ["y"]
    assert p.flag_shares["y"] == pytest.approx({"contested": 1.0})
    assert p.flags == ("contested",)


def three_way(per_hour: float) -> cp.Model:
    """Target 100 y; every hour of users' and communities' time valued at ``per_hour``.

    a: £20 of staff per y, unlimited.
    b: 0.5 staff hours (£5) + 1 volunteer hour per unit, 0.5 y: full cost per y 10 + 2h;
       at most 100 units (50 y) by the 100 volunteer hours.
    c: £1 of grant + 2 user hours per unit, 0.5 y: full cost per y 2 + 4h; at most 40 units
       (20 y) by the 80 user hours.
    b and c together give at most 70 y, so a always runs. Least full cost funds c while
    2 + 4h < 20 (h < 4.5) and b while 10 + 2h < 20 (h < 5): {a, b, c} below £4.50 an hour,
    {a, b} from £4.50 to £5, {a} above £5.
    """
    data = edit(
        base(100, 100),
        resources__grant={"unit": "GBP", "sector": "public", "unit_cost": 1},
        resources__user_time={"unit": "hour", "sector": "user", "unit_cost": 7, "available": 80},
        interventions__c={"unit": "place", "inputs": {"grant": 1, "user_time": 2}},
    )
    data["links"].append({"from": "c", "to": "y", "effect": 0.5})
    return choose_time_value(load_model(data), per_hour=per_hour)


@pytest.mark.parametrize(
    "h,funded,low,high",
    [
        (4.8, {"a", "b"}, 4.5, 5.0),
        (12.0, {"a"}, 5.0, None),
        (0.0, {"a", "b", "c"}, 0.0, 4.5),
        (3.0, {"a", "b", "c"}, 0.0, 4.5),
    ],
)
def test_same_choice_range_by_hand(h, funded, low, high):
    p = cp.plan(three_way(h), targets={"y": 100}, objective="full")
    assert {k for k, v in p.volumes.items() if v > 0} == funded
    got_low, got_high = p.same_choice_when_time_valued
    assert got_low == pytest.approx(low, rel=1e-5, abs=1e-9)
    if high is None:
        assert got_high is None
    else:
        assert got_high == pytest.approx(high, rel=1e-5)
    d = p.to_dict()
    assert d["time_value"]["name"] == "custom" and d["time_value"]["per_hour"] == h
    assert len(d["same_choice_when_time_valued"]) == 2


def test_volumes_at_a_valuation_by_hand():
    # at £4.80 an hour: b to its limit (100 units, 50 y), a the other 50 y. Full cost
    # 50 × £20 + 100 × (£5 + £4.80) = £1,980; the summary gives the range in words.
    p = cp.plan(three_way(4.8), targets={"y": 100}, objective="full")
    assert p.volumes == pytest.approx({"a": 50.0, "b": 100.0, "c": 0.0})
    assert p.cost["full"] == pytest.approx(1980.0)
    assert "valued at £4.80 an hour" in p.summary()
    assert "while that time is valued between £4.50 and £5.00 an hour" in p.summary()


def test_public_cost_does_not_depend_on_the_valuation():
    p = cp.plan(three_way(4.8), targets={"y": 100}, objective="public")
    assert p.same_choice_when_time_valued == (0.0, None)
    assert "does not depend on that valuation (public cost leaves it out)" in p.summary()


def test_a_full_budget_makes_the_valuation_enter():
    # Most y (valued £1 each) within a full budget of £1,000, time at £3 an hour. Per £ of
    # full cost: c 0.5 / (1 + 2h) = 1/14, b 0.5 / (5 + h) = 1/16, a 1/20. Greedy (one budget,
    # caps per intervention): c to its 40 units (£280), then b with the other £720: 90 units;
    # nothing left for a. y = 20 + 45 = 65. Funded {b, c}.
    # Lower edge: b and c at their limits cost 40 (1 + 2h) + 100 (5 + h) = 540 + 180h; below
    # h = 460 / 180 = 23/9 money is left for a. Upper edge: c beats a while 1 + 2h < 10
    # (h < 4.5); above, the money left after b goes to a instead (b beats c from h = 4 on, and
    # b at its limit costs 100 (5 + h) < £1,000 up to h = 5). Range [23/9, 4.5].
    p = cp.plan(three_way(3.0), budget={"full": 1000}, values={"y": 1})
    assert p.volumes == pytest.approx({"a": 0.0, "b": 90.0, "c": 40.0})
    assert p.objective_value == pytest.approx(65.0)
    low, high = p.same_choice_when_time_valued
    assert low == pytest.approx(23 / 9, rel=1e-5)
    assert high == pytest.approx(4.5, rel=1e-5)
    # a public budget leaves the valuation out
    public = cp.plan(three_way(3.0), budget=500, values={"y": 1})
    assert public.same_choice_when_time_valued == (0.0, None)


def test_min_evidence_by_hand():
    # Without links graded below 3, b → y (grade 2) goes: b reaches nothing, so the 100 y
    # come from a alone: a = 100. The plan funded {a, b}: it does not survive.
    p = cp.plan(load_model(graded()), targets={"y": 100}, min_evidence=3)
    assert p.volumes == pytest.approx({"a": 50.0, "b": 100.0})
    me = p.min_evidence
    assert me["grade"] == 3 and me["links_dropped"] == ["b->y"]
    assert me["survives"] is False and me["status"] == "optimal"
    assert me["volumes_without_weak_links"] == pytest.approx({"a": 100.0, "b": 0.0})
    assert me["cost_without_weak_links"]["public"] == pytest.approx(2000.0)
    assert (
        "Without the 1 link graded below 3, the plan funds different interventions" in p.summary()
    )
    # grade 2 drops nothing: the plan survives as it is
    same = cp.plan(load_model(graded()), targets={"y": 100}, min_evidence=2)
    assert same.min_evidence["links_dropped"] == [] and same.min_evidence["survives"] is True
    # least full cost funds a alone with or without b → y: it survives
    full = cp.plan(load_model(graded()), targets={"y": 100}, objective="full", min_evidence=3)
    assert full.min_evidence["survives"] is True
    assert full.to_dict()["min_evidence"]["links_dropped"] == ["b->y"]


def test_min_evidence_when_nothing_reaches_the_target_any_more():
    # Grade 5 drops every link: no plan reaches y, so the plan rests on that evidence.
    p = cp.plan(load_model(graded()), targets={"y": 100}, min_evidence=5)
    assert p.min_evidence["status"] == "infeasible" and p.min_evidence["survives"] is False
    assert "no plan reaches the targets: the plan rests on that evidence" in p.summary()


def test_the_range_can_be_skipped():
    p = cp.plan(three_way(4.8), targets={"y": 100}, objective="full", same_choice=False)
    assert p.same_choice_when_time_valued is None
    assert p.to_dict()["same_choice_when_time_valued"] is None
    assert "valued at £4.80 an hour" in p.summary() and "same interventions" not in p.summary()
