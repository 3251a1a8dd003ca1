"""The uncertainty and planning pages and API routes: the stored result equals the library's
``to_dict()`` computed here independently with the same seed; a viewer cannot start a run;
bad inputs are refused naming the field, and store nothing."""

from __future__ import annotations

import json
import time

import pytest

import coproduce as cp
from coproduce.voi.analysis import analyse

from .conftest import example_data

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


def _bearer(world, org: str, role: str) -> dict[str, str]:
    _tok, plain = world.store.create_token(world.actor(org, role), f"{org}-{role}")
    return {"Authorization": f"Bearer {plain}"}


def _wait(w, run_id: int, h: dict, seconds: float = 30) -> dict:
    end = time.monotonic() + seconds
    while True:
        got = w.get(f"/api/runs/{run_id}", headers=h).json()
        if got["status"] in ("done", "failed", "cancelled") or time.monotonic() > end:
            return got
        time.sleep(0.05)


def _json(x):
    """As ``--json`` prints it (the CLI's one serialisation: NaN becomes null)."""
    from coproduce.cli.common import to_json

    return json.loads(to_json(x))


@pytest.fixture
def model_id(world):
    m, _v = world.store.create_model(world.actor("a", "analyst"), "Older people", example_data())
    return m.id


@SQLITE_ONLY
def test_api_uncertainty_stores_the_library_result(world, web_factory, model_id):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    r = w.post(
        f"/api/models/{model_id}/uncertainty",
        headers=h,
        json={
            "outcome": "independent_years",
            "amount": 40,
            "wtp": 43_000,
            "draws": 600,
            "seed": 7,
            "evidence_priors": True,
        },
    )
    assert r.status_code in (200, 202), r.text
    got = _wait(w, r.json()["id"], h)
    assert got["status"] == "done", got["error"]
    assert got["seed"] == 7
    # independently: the library with its default chunking (the page draws 1,024 at a time,
    # which the simulation guarantees does not change a bit of the result)
    model = cp.load_model("example:older-people")
    table = cp.simulate(model, ("independent_years", 40.0), 600, 7, evidence_priors=True)
    expected = analyse(table, 43_000.0).to_dict()
    assert got["result"] == _json(expected)
    assert got["result"]["evppi"]  # evidence priors make the links uncertain: EVPPI exists


@SQLITE_ONLY
def test_api_plan_stores_the_library_result_feasible_and_not(world, web_factory, model_id):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    model = cp.load_model("example:older-people")
    r = w.post(f"/api/models/{model_id}/plan", headers=h, json={})
    assert r.status_code == 200, r.text
    assert r.json()["result"] == _json(cp.plan(model).to_dict())  # the model's own targets
    assert r.json()["result"]["status"] == "optimal"
    big = {"falls_avoided": 1e7}  # beyond every capacity: no plan reaches it
    r = w.post(
        f"/api/models/{model_id}/plan", headers=h, json={"targets": big, "objective": "full"}
    )
    assert r.status_code == 200, r.text
    expected = cp.plan(model, targets=big, objective="full").to_dict()
    assert expected["status"] == "infeasible" and expected["relaxation"]
    assert r.json()["result"] == _json(expected)
    page = web_factory("a", "viewer").get(f"/runs/{r.json()['id']}")
    assert "No plan is possible" in page.text and "What would have to give" in page.text


@SQLITE_ONLY
def test_pages_run_and_show_results_and_reports(world, web_factory, model_id):
    w = web_factory("a", "analyst")
    form = w.get(f"/models/{model_id}")
    assert f"/models/{model_id}/uncertainty" in form.text
    assert f"/models/{model_id}/plan" in form.text
    page = w.get(f"/models/{model_id}/plan")
    # the map's targets are pre-filled: 40, 40 and 60 in the example
    assert 'name="target-independent_years" value="40.0"' in page.text
    r = w.form(
        f"/models/{model_id}/plan",
        {
            "version": "1",
            "target-independent_years": "40",
            "target-loneliness_free_years": "60",
            "target-admissions_avoided": "40",
            "objective": "public",
            "budget": "",
            "frontier": "0",
        },
    )
    assert r.status_code == 303, r.text
    plan_page = w.get(r.headers["location"])
    assert "What binds and what it is worth" in plan_page.text
    assert "Cost by sector" in plan_page.text and "volunteer hour" in plan_page.text
    plan_id = r.headers["location"].rsplit("/", 1)[1]
    assert w.get(f"/runs/{plan_id}/report.html").status_code == 200
    for table in ("volumes", "cost-by-sector", "constraints"):
        assert w.get(f"/runs/{plan_id}/data/{table}.csv").status_code == 200

    w.get(f"/models/{model_id}/uncertainty")
    r = w.form(
        f"/models/{model_id}/uncertainty",
        {
            "version": "1",
            "outcome": "independent_years",
            "amount": "40",
            "wtp": "43000",
            "mode": "target",
            "draws": "300",
            "seed": "2",
            "evidence_priors": "on",
        },
    )
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    got = _wait(w, run_id, _bearer(world, "a", "viewer"))
    assert got["status"] == "done", got["error"]
    page = w.get(f"/runs/{run_id}")
    assert "Where better evidence is worth most" in page.text
    assert "best option in" in page.text
    report = w.get(f"/runs/{run_id}/report.html")
    assert report.status_code == 200 and "Cost-effectiveness plane" in report.text
    csv = w.get(f"/runs/{run_id}/data/options.csv")
    assert csv.status_code == 200 and csv.text.startswith("option,prob_best")
    # probabilities of being best sum to one over the options
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(csv.text))
    assert frame["prob_best"].sum() == pytest.approx(1.0)


@SQLITE_ONLY
def test_a_viewer_cannot_start_either_run(world, web_factory, model_id):
    w = web_factory("a", "viewer")
    assert "Viewers can open stored runs" in w.get(f"/models/{model_id}/uncertainty").text
    good_unc = {"outcome": "independent_years", "amount": 40, "wtp": 1000, "draws": 100}
    assert (
        w.form(
            f"/models/{model_id}/uncertainty", {k: str(x) for k, x in good_unc.items()}
        ).status_code
        == 403
    )
    assert w.form(f"/models/{model_id}/plan", {"target-independent_years": "40"}).status_code == 403
    h = _bearer(world, "a", "viewer")
    assert (
        w.post(f"/api/models/{model_id}/uncertainty", headers=h, json=good_unc).status_code == 403
    )
    assert w.post(f"/api/models/{model_id}/plan", headers=h, json={}).status_code == 403
    assert world.store.list_runs(world.actor("a", "admin")) == []


BAD_UNCERTAINTY = [
    ({"outcome": "nope"}, "outcome"),
    ({"wtp": -1}, "wtp"),
    ({"draws": 0}, "draws"),
    ({"draws": 20_001}, "draws"),
    ({"amount": 0}, "amount"),
    ({"mode": "spend"}, "spend"),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("change", "field"), BAD_UNCERTAINTY)
def test_bad_uncertainty_inputs_name_the_field_and_store_nothing(
    world, web_factory, model_id, change, field
):
    good = {
        "outcome": "independent_years",
        "amount": 40,
        "wtp": 43_000,
        "draws": 100,
        "seed": 1,
        "mode": "target",
    }
    h = _bearer(world, "a", "analyst")
    w = web_factory("a", "analyst")
    r = w.post(f"/api/models/{model_id}/uncertainty", headers=h, json={**good, **change})
    assert r.status_code == 422
    assert field in [i["path"] for i in r.json()["issues"]]
    w.get(f"/models/{model_id}/uncertainty")
    page = w.form(
        f"/models/{model_id}/uncertainty", {k: str(x) for k, x in {**good, **change}.items()}
    )
    assert page.status_code == 422
    assert f"<code>{field}</code>" in page.text and "Not run" in page.text
    assert world.store.list_runs(world.actor("a", "admin")) == []


BAD_PLAN = [
    ({"targets": {"nope": 1}}, "targets.nope"),
    ({"targets": {"independent_years": -5}}, "targets.independent_years"),
    ({"budget": -1}, "budget"),
    ({"frontier": 1}, "frontier"),
    ({"targets": {}}, "targets"),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("body", "field"), BAD_PLAN)
def test_bad_plan_inputs_name_the_field_and_store_nothing(
    world, web_factory, model_id, body, field
):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    r = w.post(f"/api/models/{model_id}/plan", headers=h, json=body)
    assert r.status_code == 422
    assert field in [i["path"] for i in r.json()["issues"]]
    assert world.store.list_runs(world.actor("a", "admin")) == []


@SQLITE_ONLY
def test_plan_form_errors_are_shown_against_the_field(world, web_factory, model_id):
    w = web_factory("a", "analyst")
    w.get(f"/models/{model_id}/plan")
    r = w.form(f"/models/{model_id}/plan", {"target-independent_years": "lots", "frontier": "1"})
    assert r.status_code == 422
    assert "<code>targets.independent_years</code>" in r.text
    assert 'value="lots"' in r.text  # what was typed is kept
    assert world.store.list_runs(world.actor("a", "admin")) == []
