"""The bundled examples plan; tighter volunteer hours cost public money, and the plan says so."""

from __future__ import annotations

import pytest

import coproduce as cp
from coproduce.model import load_model
from coproduce.model.serialise import model_to_data


def test_older_people_targets_plan():
    m = load_model("example:older-people")
    p = cp.plan(m, targets=dict(m.targets))
    assert p.status == "optimal"
    for o, a in m.targets.items():  # read as increases over what runs today
        assert p.outcomes[o] - p.baseline_outcomes[o] >= a * (1 - 1e-9)
        assert p.outcome_changes[o] >= a * (1 - 1e-9)
    total = cp.plan(m, targets=dict(m.targets), targets_as="total")
    for o, a in m.targets.items():
        assert total.outcomes[o] >= a * (1 - 1e-9)
    for iid, v in p.volumes.items():
        cap = m.interventions[iid].capacity
        if cap is not None:
            assert v <= cap + 1e-6
    assert p.resource_use["volunteer_hour"]["used"] <= 30000 + 1e-6
    assert "volunteer_hour" in p.shadow_prices["resources"]
    assert p.binding
    assert any("volunteer hour" in w.lower() for w in p.explanations)


def test_tighter_volunteer_hours_raise_public_cost():
    m = load_model("example:older-people")
    p = cp.plan(m)
    used = p.resource_use["volunteer_hour"]["used"]
    data = model_to_data(m)
    data["resources"]["volunteer_hour"]["available"] = used * 0.8
    tight = cp.plan(load_model(data))
    assert tight.status == "optimal"
    assert tight.cost["public"] > p.cost["public"] + 1
    assert "volunteer_hour" in tight.binding
    # the saving per hour bounds the cost rise from below over the cut (the value function is
    # convex in availability for an LP with these set-up decisions; a MIP may do better still)
    assert tight.shadow_prices["resources"]["volunteer_hour"] > 0
    assert "would save" in " ".join(tight.explanations)


def test_neighbourhood_safety_plans():
    m = load_model("example:neighbourhood-safety")
    target = next(iter(m.targets.items())) if m.targets else None
    p = cp.plan(m, targets=dict([target]) if target else None)
    assert p.status in ("optimal", "infeasible")
    if p.status == "optimal":
        assert (
            p.outcomes[target[0]] == pytest.approx(target[1], rel=1e-6)
            or p.outcomes[target[0]] > target[1]
        )


def test_budget_mode_on_example():
    # the budget caps the whole planned services, so it must cover what may not be cut:
    # give £1m more than the least-cost plan of the targets spends
    m = load_model("example:older-people")
    budget = cp.plan(m).cost["public"] + 1_000_000
    p = cp.plan(m, budget=budget)
    assert p.status == "optimal"
    assert p.cost["public"] <= budget + 1e-3
    assert p.shadow_prices["budgets"]["public"] > 0


def test_older_people_keeps_what_may_not_stop_and_says_what_it_cuts():
    """Acceptance (issue 12): the plan keeps today's services as far as max_decrease says,
    reports changes from the baseline and carries the flags of what it funds."""
    m = load_model("example:older-people")
    p = cp.plan(m)
    d = p.to_dict()
    assert d["baseline"] == {iid: float(itv.volume) for iid, itv in m.interventions.items()}
    for iid, itv in m.interventions.items():
        assert d["changes"][iid] == pytest.approx(d["volumes"][iid] - itv.volume)
        if itv.max_decrease is not None:
            assert p.volumes[iid] >= itv.volume * (1 - itv.max_decrease) - 1e-6
    cuts = [n for n in p.change_notes() if n["kind"] in ("cut", "stop")]
    for n in cuts:
        assert "a decision that affects the people the service supports today" in n["words"]
        assert n["words"] in p.summary()
    assert set(d["flag_shares"]) == set(m.targets)
    assert d["flags"] and "Caveats: " in p.summary()
    assert "on top of what today's services already achieve" in p.summary()
