"""The portfolio in the workspace: a portfolio of the organisation's stored maps, run in the
background like the other analyses, its report built once and kept with the run, its tables
from the stored result; and the same for every analysis: a download never recomputes."""

from __future__ import annotations

import pytest

import coproduce as cp

from .conftest import example_data, wait_for_run

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)

# two of the organisation's maps, by name, sharing a pool of 20,000 volunteer hours
OURS = """coproduce_portfolio: 1
name: Two services
services:
  older: {model: "Our older people map"}
  safety: {model: "Our safety map"}
pools:
  volunteers:
    resources: {older: volunteer_hour, safety: volunteer_hour}
    available: 20000
"""
# the same portfolio from the bundled files the maps were copied from
BUNDLED = OURS.replace('"Our older people map"', '"example:older-people"').replace(
    '"Our safety map"', '"example:neighbourhood-safety"'
)


def _stored_maps(world):
    a = world.actor("a", "analyst")
    world.store.create_model(a, "Our older people map", example_data("older-people"))
    world.store.create_model(a, "Our safety map", example_data("neighbourhood-safety"))
    return a


@SQLITE_ONLY
def test_a_portfolio_of_stored_maps_runs_and_agrees_with_the_library(world, web_factory):
    import yaml

    a = _stored_maps(world)
    w = web_factory("a", "analyst")
    page = w.get("/portfolios")
    assert page.status_code == 200 and "Our older people map" in page.text  # the starter file
    r = w.form(
        "/portfolios",
        {"source": "file", "text": OURS, "objective": "public", "draws": "0", "seed": "1"},
    )
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    run = wait_for_run(world.store, a, run_id, 60)
    assert run.status == "done", run.error
    # a second method: the library on the bundled files the stored maps were copied from
    expected = cp.portfolio.analyse_portfolio(yaml.safe_load(BUNDLED), draws=0).to_dict()
    got = run.result
    assert got["plan"]["status"] == expected["plan"]["status"] == "optimal"
    assert got["plan"]["cost"]["public"] == pytest.approx(expected["plan"]["cost"]["public"])
    assert got["plan"]["shadow_prices"]["pools"]["volunteers"] == pytest.approx(
        expected["plan"]["shadow_prices"]["pools"]["volunteers"]
    )
    for name in ("older", "safety"):
        for basis in ("full", "public"):
            assert got["services"][name]["advantage"][basis] == pytest.approx(
                expected["services"][name]["advantage"][basis]
            )
    # the page shows the services by their labels and the pool, never an id
    html = w.get(f"/runs/{run_id}").text
    assert "Where co-production pays first" in html and "peer_support_groups" not in html
    # the tables: the CSV download and the API give the same rows
    csv = w.get(f"/runs/{run_id}/data/services.csv")
    assert csv.status_code == 200 and len(csv.text.strip().splitlines()) == 1 + 2
    plan_rows = w.get(f"/runs/{run_id}/data/joint-plan.csv").text.strip().splitlines()
    planned = {
        (s, i)
        for s, vols in got["plan"]["volumes"].items()
        for i, v in vols.items()
        if v or got["plan"]["baseline"][s].get(i)
    }
    assert len(plan_rows) == 1 + len(planned)
    # an intervention that reaches no target is still named by the map, not from its id
    plan_csv = "\n".join(plan_rows)
    assert "Residential care placement" in plan_csv and "Residential placement" not in plan_csv


@SQLITE_ONLY
def test_a_portfolio_naming_a_map_that_does_not_exist_is_refused_and_stores_nothing(
    world, web_factory
):
    a = _stored_maps(world)
    w = web_factory("a", "analyst")
    w.get("/portfolios")
    bad = OURS.replace("Our safety map", "Our safty map")
    r = w.form("/portfolios", {"source": "file", "text": bad, "draws": "0", "seed": "1"})
    assert r.status_code == 422
    assert "services.safety.model" in r.text and "Our safty map" in r.text
    assert world.store.list_runs(a, kind="portfolio") == []
    # and through the API, located the same way
    _tok, plain = world.store.create_token(a, "t")
    import yaml

    r = w.post(
        "/api/portfolios",
        json={"portfolio": yaml.safe_load(bad), "draws": 0},
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert r.status_code == 422
    assert "services.safety.model" in [i["path"] for i in r.json()["issues"]]


@SQLITE_ONLY
def test_reports_are_kept_with_the_run_and_a_download_never_recomputes(
    world, web_factory, monkeypatch
):
    """A background run's reports come from what the worker wrote when it finished, and a
    quick run's from the answer the worker still holds: with the engine made to fail after
    the runs finished, every download still answers."""
    import coproduce.engine.backwards as backwards
    import coproduce.engine.simulate as simulate

    a = world.actor("a", "analyst")
    m, _v = world.store.create_model(a, "A map", example_data())
    w = web_factory("a", "analyst")
    w.get(f"/models/{m.id}")
    r = w.form(f"/models/{m.id}/map", {"outcome": "independent_years", "amount": "300"})
    map_id = int(r.headers["location"].rsplit("/", 1)[1])
    w.get(f"/models/{m.id}/uncertainty")
    r = w.form(
        f"/models/{m.id}/uncertainty",
        {"outcome": "independent_years", "amount": "300", "wtp": "20000", "draws": "200"},
    )
    unc_id = int(r.headers["location"].rsplit("/", 1)[1])
    for run_id in (map_id, unc_id):
        assert wait_for_run(world.store, a, run_id, 60).status == "done"
    # the background run's report was written when it finished; the quick run's is not yet
    assert world.store.run_file(a, unc_id, "report.html") is not None
    assert world.store.run_file(a, map_id, "report.html") is None

    def broken(*_a, **_k):
        raise AssertionError("a download recomputed the analysis")

    monkeypatch.setattr(backwards, "backwards_map", broken)
    monkeypatch.setattr(simulate, "simulate", broken)
    for url in (
        f"/runs/{map_id}/report.html",
        f"/runs/{map_id}/report.xlsx",
        f"/runs/{unc_id}/report.html",
        f"/runs/{map_id}/data/pathways.csv",
        f"/runs/{unc_id}/data/options.csv",
    ):
        assert w.get(url).status_code == 200, url
    # and the quick run's reports are kept from now on
    assert world.store.run_file(a, map_id, "report.xlsx") is not None


@SQLITE_ONLY
def test_a_quick_run_s_report_is_written_from_its_stored_inputs_when_first_asked_for(
    world, web_factory
):
    """A map run stored by another process (or before reports were kept) is mapped again
    from its stored inputs and model version: the report's figures are the stored ones."""
    a = world.actor("a", "analyst")
    _m, v = world.store.create_model(a, "A map", example_data())
    run = world.store.create_run(
        a, "map", {"outcome": "independent_years", "amount": 300}, model_version_id=v.id
    )
    result = cp.backwards_map(cp.load_model("example:older-people"), "independent_years", 300)
    world.store.finish_run(run.id, status="done", result=result.to_dict())
    w = web_factory("a", "viewer")
    html = w.get(f"/runs/{run.id}/report.html")
    assert html.status_code == 200
    best = result.to_dict()["pathways"][0]
    assert best["label"] in html.text
    from coproduce.formatting import money

    assert money(best["cost_per_outcome"]["full"], "GBP") in html.text


@SQLITE_ONLY
def test_a_background_run_stored_before_reports_were_kept_says_to_run_it_again(world, web_factory):
    a = world.actor("a", "analyst")
    _m, v = world.store.create_model(a, "A map", example_data())
    run = world.store.create_run(
        a,
        "uncertainty",
        {"outcome": "independent_years", "amount": 300, "wtp": 20000, "draws": 100},
        model_version_id=v.id,
        seed=1,
    )
    world.store.finish_run(run.id, status="done", result={"options": [], "summary": {}})
    w = web_factory("a", "viewer")
    r = w.get(f"/runs/{run.id}/report.html")
    assert r.status_code == 404 and "run it again" in r.text


@SQLITE_ONLY
def test_the_api_lists_the_analyses_and_serves_a_run_s_tables(world, web_factory):
    a = world.actor("a", "analyst")
    m, _v = world.store.create_model(a, "A map", example_data())
    _tok, plain = world.store.create_token(a, "t")
    h = {"Authorization": f"Bearer {plain}"}
    w = web_factory()
    listed = {x["name"]: x for x in w.get("/api/analyses", headers=h).json()}
    assert {"map", "evaluate", "plan", "uncertainty", "appraisal", "survey", "portfolio"} <= set(
        listed
    )
    assert "pathways" in listed["map"]["tables"] and "xlsx" in listed["map"]["reports"]
    run = w.post(
        f"/api/models/{m.id}/map", json={"outcome": "independent_years", "amount": 300}, headers=h
    ).json()
    rows = w.get(f"/api/runs/{run['id']}/tables/pathways", headers=h).json()
    # one row per pathway, in rank order, as the result lists them
    assert [r["intervention"] for r in rows] == [
        p["intervention"] for p in run["result"]["pathways"]
    ]
    assert w.get(f"/api/runs/{run['id']}/tables/nosuch", headers=h).status_code == 422
