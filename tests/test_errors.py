"""One error tree: every deliberate error is bad input (exit 2, HTTP 422) or no answer (exit 1,
HTTP 409), whatever domain raised it."""

from __future__ import annotations

import pytest

import coproduce as cp
from coproduce.engine.draws import DrawsError
from coproduce.engine.planning import PlanningError, SolverFailed
from coproduce.errors import BadInput, Issue, NoAnswer
from coproduce.model.errors import ModelError
from coproduce.scale.executors import SchedulerError


@pytest.mark.parametrize("cls", [ModelError, PlanningError, DrawsError, SchedulerError])
def test_bad_input_errors_share_one_base(cls):
    assert issubclass(cls, BadInput)
    assert cls.exit_code == 2 and cls.http_status == 422


def test_no_answer():
    assert issubclass(SolverFailed, NoAnswer)
    assert SolverFailed.exit_code == 1 and SolverFailed.http_status == 409
    assert NoAnswer("no pathway reaches it").to_dict() == {
        "error": "no answer",
        "message": "no pathway reaches it",
    }


def test_a_message_is_one_issue_and_issues_keep_their_places():
    e = PlanningError("budget public=-1: give a finite amount of 0 or more")
    assert str(e) == "budget public=-1: give a finite amount of 0 or more"
    assert e.issues == [Issue("", "budget public=-1: give a finite amount of 0 or more")]
    with pytest.raises(BadInput) as info:
        cp.load_model(
            {
                "coproduce": 1,
                "name": "x",
                "price_year": 2024,
                "links": [{"from": "a", "to": "b", "effect": 1}],
            }
        )
    assert isinstance(info.value, ModelError)
    assert str(info.value).startswith("2 problems found:")
    assert all(i.path.startswith("links[0]") for i in info.value.issues)
    assert info.value.to_dict()["error"] == "invalid input"
