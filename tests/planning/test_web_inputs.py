"""The planning page's input checks for the new choices (no server needed)."""

from __future__ import annotations

import pytest

from coproduce.analyses.plan import check as check_inputs
from coproduce.analyses.plan import flag_shares_frame, volumes_frame
from coproduce.errors import BadInput
from coproduce.model import load_model

from .models import base


def inputs(**extra) -> dict:
    return {"targets": {"y": 100.0}, "objective": "public", "budget": None, "frontier": 0, **extra}


def test_good_choices_pass():
    check_inputs(
        load_model(base()),
        inputs(targets_as="total", time_value="zero", time_value_per_hour=4.5, min_evidence=3),
    )


@pytest.mark.parametrize(
    "extra,path",
    [
        ({"targets_as": "more"}, "targets_as"),
        ({"time_value": "wage"}, "time_value"),
        ({"time_value_per_hour": -1.0}, "time_value_per_hour"),
        ({"min_evidence": 6}, "min_evidence"),
    ],
)
def test_bad_choices_name_their_field(extra, path):
    with pytest.raises(BadInput) as exc:
        check_inputs(load_model(base()), inputs(**extra))
    assert [i.path for i in exc.value.issues] == [path]


def test_run_page_frames_show_the_change_and_the_flags():
    import coproduce as cp

    data = base()
    data["interventions"]["a"]["volume"] = 30
    p = cp.plan(load_model(data), targets={"y": 100})
    result = p.to_dict()
    frame = volumes_frame(result)
    row = frame.set_index("intervention").loc["a"]
    # y ≥ 100 + 30: b = 100 (50 y), a = 80; a grows by 50
    assert row["current_volume"] == 30 and row["planned_volume"] == pytest.approx(80.0)
    assert row["change"] == pytest.approx(50.0)
    shares = flag_shares_frame(result)
    # the base model's links carry no grade: all of the effect on y is ungraded
    assert set(shares["kind"]) == {"ungraded_evidence"}
    assert shares["share"].tolist() == pytest.approx([1.0])


def _ctx(inputs: dict):
    from coproduce.analyses import Job
    from coproduce.model.serialise import model_to_data

    data = base()
    data["interventions"]["a"]["volume"] = 30
    return Job(1, inputs, model_to_data(load_model(data)))


def compute(job) -> dict:
    from coproduce.analyses import get

    return get("plan").compute(job)


def html_report(job, _result) -> bytes:
    from coproduce.analyses import get

    plan = get("plan")
    return plan.reports[0].build(plan.run(job), job)


def test_a_run_plans_with_the_stored_choices():

    # increase (a new run always stores it): y ≥ 100 + 30 — b = 100, a = 80 (as above)
    r = compute(_ctx(inputs(targets_as="increase")))
    assert r["targets_as"] == "increase" and r["volumes"]["a"] == pytest.approx(80.0)
    # a run stored before the reading existed keeps the total reading: a = 50, b = 100
    old = compute(_ctx(inputs()))
    assert old["targets_as"] == "total" and old["volumes"]["a"] == pytest.approx(50.0)
    # volunteer time at £4 an hour, least full cost: b (£18 per y) before a (£20): the choice
    # holds from 0 to £5 an hour
    full = compute(
        _ctx(
            inputs(objective="full", targets_as="increase", time_value_per_hour=4.0, min_evidence=2)
        )
    )
    assert full["time_value"]["per_hour"] == 4.0
    assert full["same_choice_when_time_valued"][1] == pytest.approx(5.0, rel=1e-5)
    assert full["min_evidence"]["grade"] == 2
    html = html_report(_ctx(inputs(targets_as="increase")), r).decode()
    assert "Changes from today" in html and "Caveats of what the plan funds" in html
