"""The baseline: targets as increases over what today's volumes achieve (the default) or as
total levels, max_decrease, and what the plan says about cuts — every figure worked by hand."""

from __future__ import annotations

import pytest

import coproduce as cp
from coproduce.engine.planning import PlanningError
from coproduce.model import load_model

from .models import base, edit


def with_today(a: float, b: float, **changes) -> dict:
    """The two-intervention model (a: £20 public per y, b: £10 public per y, b ≤ 100 units by
    the 100 volunteer hours) with today's volumes a and b."""
    return edit(base(), interventions__a__volume=a, interventions__b__volume=b, **changes)


def test_increase_reading_by_hand():
    # Today a = 30, b = 40 reach y = 30 + 0.5 × 40 = 50. A target of 100 more needs y ≥ 150.
    # b is cheaper per y (£10 against £20) and runs to the volunteer limit, counted on the
    # whole planned use: b = 100 (50 y, £500); a gives the other 100 y: a = 100 (£2,000).
    # Public cost £2,500 (the whole planned volumes); changes a +70, b +60.
    # Duals as in the total reading: one more y from a, £20; one more volunteer hour moves
    # one b in (+0.5 y, +£5) and half an a out (−£10): saves £5.
    p = cp.plan(load_model(with_today(30, 40)), targets={"y": 100})
    assert p.targets_as == "increase"
    assert p.volumes == pytest.approx({"a": 100.0, "b": 100.0})
    assert p.baseline == {"a": 30.0, "b": 40.0}
    assert p.changes == pytest.approx({"a": 70.0, "b": 60.0})
    assert p.cost["public"] == pytest.approx(2500.0)
    assert p.outcomes["y"] == pytest.approx(150.0)
    assert p.baseline_outcomes["y"] == pytest.approx(50.0)
    assert p.outcome_changes["y"] == pytest.approx(100.0)
    assert p.shadow_prices["targets"]["y"] == pytest.approx(20.0)
    assert p.shadow_prices["resources"]["vol"] == pytest.approx(5.0)
    target = next(c for c in p.constraints if c.kind == "target")
    assert target.limit == pytest.approx(100.0) and target.level == pytest.approx(100.0)
    assert "more than today" in target.words
    d = p.to_dict()
    assert d["baseline"] == {"a": 30.0, "b": 40.0}
    assert d["changes"] == pytest.approx({"a": 70.0, "b": 60.0})
    assert d["targets_as"] == "increase"
    assert "on top of what today's services already achieve" in p.summary()


def test_total_reading_reproduces_the_old_answers():
    # Read as a total level, today's volumes do not enter (no max_decrease: a service may
    # stop): the answer of test_hand_lp's least public cost case, a = 50, b = 100, £1,500,
    # target price £20, volunteer hour £5 — whatever runs today.
    for a, b in ((0, 0), (30, 40), (500, 0)):
        p = cp.plan(load_model(with_today(a, b)), targets={"y": 100}, targets_as="total")
        assert p.volumes == pytest.approx({"a": 50.0, "b": 100.0})
        assert p.cost["public"] == pytest.approx(1500.0)
        assert p.cost["full"] == pytest.approx(2700.0)
        assert p.shadow_prices["targets"]["y"] == pytest.approx(20.0)
        assert p.shadow_prices["resources"]["vol"] == pytest.approx(5.0)
        assert p.changes == pytest.approx({"a": 50.0 - a, "b": 100.0 - b})
        assert "in total, counted from nothing" in p.summary()
    # and the full-cost case: a £20 per y, b £34 per y: a = 100, £2,000
    p = cp.plan(
        load_model(with_today(30, 40)), targets={"y": 100}, objective="full", targets_as="total"
    )
    assert p.volumes == pytest.approx({"a": 100.0, "b": 0.0})
    assert p.cost["full"] == pytest.approx(2000.0)


def test_a_plan_without_max_decrease_may_cut_and_says_so():
    # Today a = 80 (y = 80). 10 more: y ≥ 90. b runs to the volunteers' 100 hours (50 y,
    # £500) and a gives the other 40 y (£800): £1,300 — a falls from 80 to 40.
    p = cp.plan(load_model(with_today(80, 0)), targets={"y": 10})
    assert p.volumes == pytest.approx({"a": 40.0, "b": 100.0})
    assert p.cost["public"] == pytest.approx(1300.0)
    assert p.changes == pytest.approx({"a": -40.0, "b": 100.0})
    words = p.change_words()
    assert (
        "a falls from 80 to 40 places (the model sets no largest cut for it, so the plan "
        "may stop it altogether): a decision that affects the people the service supports "
        "today."
    ) in words
    assert "b starts at 100 places." in words
    assert [n["kind"] for n in p.change_notes()] == ["cut", "start"]
    assert "a decision that affects the people the service supports today" in p.summary()


def test_max_decrease_binds_by_hand():
    # Same, but only 25% of a may stop in a period: a ≥ 80 × 0.75 = 60 (60 y, £1,200). The
    # other 30 y come from b: b = 60 (£300; 60 volunteer hours, not all 100). £1,500.
    # Keeping a at 60 costs, per unit, £20 less the 2 units of b it spares (£10): £10.
    # One more y now comes from b (volunteers to spare): £10.
    data = with_today(80, 0, interventions__a__max_decrease=0.25)
    p = cp.plan(load_model(data), targets={"y": 10})
    assert p.volumes == pytest.approx({"a": 60.0, "b": 60.0})
    assert p.cost["public"] == pytest.approx(1500.0)
    assert p.least_volumes == pytest.approx({"a": 60.0})
    assert p.shadow_prices["max_decreases"]["a"] == pytest.approx(10.0)
    assert p.shadow_prices["targets"]["y"] == pytest.approx(10.0)
    assert p.shadow_prices["resources"]["vol"] == pytest.approx(0.0)
    assert "a.max_decrease" in p.binding
    assert (
        "a falls from 80 to 60 places (as far as the model lets it fall: at most 25% of "
        "today's volume may stop in a period): a decision that affects the people the service "
        "supports today."
    ) in p.change_words()
    # a looser max_decrease (60% may stop: a ≥ 32) does not bind: the £1,300 plan again
    loose = cp.plan(
        load_model(with_today(80, 0, interventions__a__max_decrease=0.6)), targets={"y": 10}
    )
    assert loose.volumes == pytest.approx({"a": 40.0, "b": 100.0})
    assert "a.max_decrease" not in loose.binding
    # min_volume above what max_decrease keeps is the floor that binds (a ≥ 70): b gives
    # the other 20 y, b = 40; 70 × £20 + 40 × £5 = £1,600
    both = cp.plan(
        load_model(
            with_today(80, 0, interventions__a__max_decrease=0.25, interventions__a__min_volume=70)
        ),
        targets={"y": 10},
    )
    assert both.volumes == pytest.approx({"a": 70.0, "b": 40.0})
    assert both.cost["public"] == pytest.approx(1600.0)
    assert "a.min_volume" in both.binding


def test_max_decrease_applies_to_total_targets_too():
    # Total y ≥ 10 alone would need only b = 20 (£100), but a may fall only to 60: a = 60
    # already gives 60 y, so b = 0 and the cost is 60 × £20 = £1,200.
    data = with_today(80, 0, interventions__a__max_decrease=0.25)
    p = cp.plan(load_model(data), targets={"y": 10}, targets_as="total")
    assert p.volumes == pytest.approx({"a": 60.0, "b": 0.0})
    assert p.cost["public"] == pytest.approx(1200.0)


def test_budget_caps_the_whole_planned_spend_and_values_the_change():
    # Value £30 per y, public budget £1,000 for the whole planned services; today a = 20.
    # As in test_hand_lp: b = 100 (£500, 50 y), a = 25 (£500, 25 y): y = 75. Today's y = 20,
    # so the value of the change is (75 − 20) × 30 = £1,650 (total reading: £2,250).
    data = with_today(20, 0)
    p = cp.plan(load_model(data), budget=1000, values={"y": 30})
    assert p.volumes == pytest.approx({"a": 25.0, "b": 100.0})
    assert p.objective_value == pytest.approx(1650.0)
    assert p.changes == pytest.approx({"a": 5.0, "b": 100.0})
    total = cp.plan(load_model(data), budget=1000, values={"y": 30}, targets_as="total")
    assert total.volumes == pytest.approx({"a": 25.0, "b": 100.0})
    assert total.objective_value == pytest.approx(2250.0)


def test_a_budget_below_what_must_be_kept_is_infeasible_by_hand():
    # a may not fall at all (max_decrease 0): a ≥ 20 costs £400, above a budget of £300.
    # Alone, either would do: £100 more budget, or let a fall 5 further (20a ≤ 300: a ≤ 15).
    data = with_today(20, 0, interventions__a__max_decrease=0.0)
    p = cp.plan(load_model(data), budget=300, values={"y": 30})
    assert p.status == "infeasible"
    assert p.relaxation == pytest.approx({"budget.public": 100.0, "a.max_decrease": 5.0})
    assert "let a fall further from today's volume: 5 lower, to 15 instead of 20" in p.message
    d = p.to_dict()
    assert d["baseline"] == {"a": 20.0, "b": 0.0} and d["changes"] == {}


def test_an_infeasible_increase_speaks_in_increases():
    # Today a = 50 (y = 50); a has capacity 100 and the volunteers allow b = 100 (50 y): the
    # most y is 150, so at most 100 more. Asking 120 more: lower the target by 20, from 120
    # to 100.
    data = with_today(50, 0, interventions__a__capacity=100)
    p = cp.plan(load_model(data), targets={"y": 120})
    assert p.status == "infeasible"
    assert p.relaxation["y"] == pytest.approx(20.0)
    assert "by 20 years, from 120 to 100" in p.message
    assert "targets read as increases over what today's services achieve" in p.message


def test_bad_reading_and_grade():
    m = load_model(base())
    with pytest.raises(PlanningError, match="targets_as 'more'"):
        cp.plan(m, targets_as="more")
    with pytest.raises(PlanningError, match="min_evidence 7"):
        cp.plan(m, min_evidence=7)
