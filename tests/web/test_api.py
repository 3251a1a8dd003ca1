"""The workspace in-process (httpx ASGI transport) on SQLite and PostgreSQL: sign-in, CSRF,
roles, tokens, organisation scoping, uploads, edits and conflicts, analyses."""

from __future__ import annotations

import copy
import json
import time

import pytest
import yaml

import coproduce as cp
from coproduce.model.serialise import model_to_data

from .conftest import PASSWORD, example_data

# HTTP behaviour that does not depend on the database runs on SQLite only (to keep the suite
# quick); everything that reads or writes partnership data runs on both databases
SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


def _bearer(world, org: str, role: str) -> dict[str, str]:
    _tok, plain = world.store.create_token(world.actor(org, role), f"{org}-{role}")
    return {"Authorization": f"Bearer {plain}"}


@SQLITE_ONLY
def test_pages_need_a_session_and_the_api_a_token(web_factory):
    w = web_factory()
    r = w.get("/models/1")
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    assert w.get("/api/models").status_code == 401
    assert (
        w.get("/api/models", headers={"Authorization": "Bearer cpt_not-a-token"}).status_code == 401
    )


@SQLITE_ONLY
def test_session_cookie_is_secure_http_only_and_same_site(web_factory, world):
    w = web_factory()
    w.get("/login")
    r = w.form("/login", {"email": world.users[("a", "analyst")], "password": PASSWORD})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "coproduce_session=" in cookie
    for attribute in ("httponly", "secure", "samesite=lax"):
        assert attribute in cookie


@SQLITE_ONLY
def test_wrong_password_is_refused_and_then_rate_limited(web_factory, world):
    w = web_factory()
    email = world.users[("a", "viewer")]
    for _ in range(5):
        w.get("/login")
        assert w.form("/login", {"email": email, "password": "nope nope nope"}).status_code == 401
    w.get("/login")
    r = w.form("/login", {"email": email, "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers


@SQLITE_ONLY
def test_forms_without_the_csrf_token_are_refused(web_factory, world):
    w = web_factory("a", "analyst")
    r = w.post("/examples/older-people", data={})
    assert r.status_code == 403
    r = w.post("/examples/older-people", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert world.store.list_models(world.actor("a", "analyst")) == []
    # the sign-in form itself is protected too
    w2 = web_factory()
    r = w2.post("/login", data={"email": world.users[("a", "analyst")], "password": PASSWORD})
    assert r.status_code == 403
    # and JSON calls made with the cookie need the header
    assert w.post("/api/models", json={"model": example_data()}).status_code == 403
    ok = w.post("/api/models", json={"model": example_data()}, headers={"X-CSRF-Token": w.csrf})
    assert ok.status_code == 201


@SQLITE_ONLY
def test_sign_out_ends_the_session(web_factory):
    w = web_factory("a", "viewer")
    assert w.get("/").status_code == 200
    assert w.form("/logout").status_code == 303
    assert w.get("/").status_code == 303


def test_upload_an_example_file_see_the_map_and_map_backwards(web_factory, world):
    w = web_factory("a", "analyst")
    text = (cp.model.load.example_path("older-people")).read_text()
    r = w.form("/models", files={"file": ("older-people.yaml", text.encode(), "text/yaml")})
    assert r.status_code == 303
    page = w.get(r.headers["location"])
    assert page.status_code == 200
    assert "<svg" in page.text and "strategy-map" in page.text
    model_id = int(r.headers["location"].split("/")[2].split("?")[0])
    # nodes of the map link to their details and edit forms
    assert f'href="/models/{model_id}/nodes/falls_classes"' in page.text
    r = w.form(
        f"/models/{model_id}/map", {"outcome": "independent_years", "amount": "300", "by": "full"}
    )
    assert r.status_code == 303
    run_page = w.get(r.headers["location"])
    assert run_page.status_code == 200
    expected = cp.backwards_map(cp.load_model("example:older-people"), "independent_years", 300)
    best = expected.pathways[0]
    assert best.label in run_page.text
    # the stored result is the library's result object, as `coproduce map --json` prints it
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    stored = w.get(f"/runs/{run_id}/result.json").json()
    assert stored == json.loads(json.dumps(expected.to_dict()))
    # report downloads and the chart's data
    assert w.get(f"/runs/{run_id}/report.html").text.startswith("<!doctype html>")
    assert w.get(f"/runs/{run_id}/report.xlsx").content[:2] == b"PK"
    csv = w.get(f"/runs/{run_id}/data/cost-by-sector.csv").text.splitlines()
    assert csv[0] == "pathway,sector,cost_per_outcome"
    # cost per outcome by sector of the best pathway = its sector cost / 300 (by hand)
    first = {
        line.split(",")[1]: float(line.split(",")[2])
        for line in csv[1:]
        if line.startswith(best.label + ",")
    }
    for sector, cost in best.cost.by_sector.items():
        assert first[sector] == pytest.approx(cost / 300)
    # valuing time at zero and checking without weak links: the form's choices reach the
    # library, and the page says which valuation and whether the leader survives
    r = w.form(
        f"/models/{model_id}/map",
        {
            "outcome": "admissions_avoided",
            "amount": "40",
            "by": "full",
            "time_value": "zero",
            "min_evidence": "3",
        },
    )
    assert r.status_code == 303
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    stored = w.get(f"/runs/{run_id}/result.json").json()
    zero = cp.backwards_map(
        cp.load_model("example:older-people", time_value="zero"),
        "admissions_avoided",
        40,
        min_evidence=3,
    )
    assert stored == json.loads(json.dumps(zero.to_dict()))
    assert stored["time_value"]["name"] == "zero"
    page = w.get(r.headers["location"]).text
    assert "Without the 14 links graded below 3" in page
    assert "Cheapest in full when time is valued at" in page
    bad = w.form(
        f"/models/{model_id}/map",
        {"outcome": "admissions_avoided", "amount": "40", "time_value": "gold"},
    )
    assert bad.status_code == 422 and "unknown valuation of time" in bad.text


def test_an_invalid_upload_stores_nothing_and_names_each_field(web_factory, world):
    w = web_factory("a", "analyst")
    data = example_data()
    data["links"][1]["to"] = "fals_avoided"
    data["resources"]["physio_hour"]["sector"] = "pubic"
    r = w.form(
        "/models", files={"file": ("broken.yaml", yaml.safe_dump(data).encode(), "text/yaml")}
    )
    assert r.status_code == 422
    assert "links[1].to" in r.text and "resources.physio_hour.sector" in r.text
    assert "did you mean" in r.text
    r = w.form("/models", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 422 and "not a model file" in r.text
    assert world.store.list_models(world.actor("a", "admin")) == []
    api = _bearer(world, "a", "analyst")
    r = w.post("/api/models", json={"model": data}, headers=api)
    assert r.status_code == 422
    paths = {i["path"] for i in r.json()["issues"]}
    assert {"links[1].to", "resources.physio_hour.sector"} <= paths
    assert world.store.list_models(world.actor("a", "admin")) == []


@SQLITE_ONLY
def test_xlsx_upload_round_trips(web_factory, world, tmp_path):
    from coproduce.reports.model_files import write_model_xlsx

    path = tmp_path / "m.xlsx"
    write_model_xlsx(cp.load_model("example:older-people"), path)
    w = web_factory("a", "analyst")
    r = w.form("/models", files={"file": ("m.xlsx", path.read_bytes(), "application/octet-stream")})
    assert r.status_code == 303
    m = world.store.list_models(world.actor("a", "viewer"))[0]
    stored = world.store.get_version(world.actor("a", "viewer"), m.id).data
    assert stored == example_data()


@SQLITE_ONLY
def test_every_download_format(web_factory, world):
    a = world.actor("a", "analyst")
    m, _v = world.store.create_model(a, "", example_data())
    w = web_factory("a", "viewer")
    y = w.get(f"/models/{m.id}/download/yaml")
    assert model_to_data(cp.load_model(yaml.safe_load(y.text))) == example_data()
    j = w.get(f"/models/{m.id}/download/json")
    assert model_to_data(cp.load_model(j.json())) == example_data()
    for fmt in ("xlsx", "elements-xlsx"):
        r = w.get(f"/models/{m.id}/download/{fmt}")
        assert r.status_code == 200 and r.content[:2] == b"PK"
        assert "attachment" in r.headers["content-disposition"]


def test_edit_table_saves_a_version_and_a_stale_edit_gets_a_conflict(web_factory, world):
    a = world.actor("a", "analyst")
    m, _v = world.store.create_model(a, "", example_data())
    w1, w2 = web_factory("a", "analyst"), web_factory("a", "admin")
    form1 = w1.get(f"/models/{m.id}/edit/interventions")
    form2 = w2.get(f"/models/{m.id}/edit/interventions")
    assert 'name="base_version" value="1"' in form1.text and form2.status_code == 200
    fields1 = _form_fields(form1.text)
    row = next(k for k, v in fields1.items() if v == "falls_classes" and k.endswith("-id"))
    k = row.split("-")[0]
    fields1[f"{k}-volume"] = "450"
    r = w1.post(f"/models/{m.id}/edit/interventions", data=fields1)
    assert r.status_code == 303
    assert (
        world.store.get_version(a, m.id, 2).data["interventions"]["falls_classes"]["volume"] == 450
    )
    # the second editor still has version 1 open
    fields2 = _form_fields(form2.text)
    fields2[f"{k}-volume"] = "300"
    r = w2.post(f"/models/{m.id}/edit/interventions", data=fields2)
    assert r.status_code == 409
    assert "someone else changed this map" in r.text
    assert 'value="300"' in r.text  # their typing is not lost
    assert world.store.get_model(a, m.id).head == 2
    assert (
        world.store.get_version(a, m.id, 2).data["interventions"]["falls_classes"]["volume"] == 450
    )


@SQLITE_ONLY
def test_edit_errors_are_shown_against_the_cell_and_nothing_is_saved(web_factory, world):
    a = world.actor("a", "analyst")
    m, _v = world.store.create_model(a, "", example_data())
    w = web_factory("a", "analyst")
    fields = _form_fields(w.get(f"/models/{m.id}/edit/interventions").text)
    row = next(k for k, v in fields.items() if v == "falls_classes" and k.endswith("-id"))
    k = row.split("-")[0]
    fields[f"{k}-volume"] = "-5"
    fields[f"{k}-capacity"] = "lots"
    r = w.post(f"/models/{m.id}/edit/interventions", data=fields)
    assert r.status_code == 422
    assert f'name="{k}-capacity" value="lots" aria-label="Capacity" class="invalid"' in r.text
    assert "is not a number" in r.text
    fields[f"{k}-capacity"] = ""
    r = w.post(f"/models/{m.id}/edit/interventions", data=fields)
    assert r.status_code == 422
    assert f'name="{k}-volume" value="-5" aria-label="Volume now" class="invalid"' in r.text
    assert world.store.get_model(a, m.id).head == 1


@SQLITE_ONLY
def test_links_table_edit_changes_only_that_link(web_factory, world):
    a = world.actor("a", "analyst")
    data = example_data()
    m, _v = world.store.create_model(a, "", data)
    w = web_factory("a", "analyst")
    fields = _form_fields(w.get(f"/models/{m.id}/edit/links").text)
    fields["r1-effect"] = "{dist: normal, mean: 0.2, sd: 0.05}"
    fields["r2-delete"] = "on"
    r = w.post(f"/models/{m.id}/edit/links", data=fields)
    assert r.status_code == 303, r.text[:2000]
    new = world.store.get_version(a, m.id, 2).data
    expected = copy.deepcopy(data["links"])
    expected[1]["effect"] = {"dist": "normal", "mean": 0.2, "sd": 0.05}
    del expected[2]
    assert new["links"] == expected


def test_api_conflict_and_versions_diff(world, web_factory):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    created = w.post(
        "/api/models", json={"model": example_data(), "name": "Falls"}, headers=h
    ).json()
    mid = created["id"]
    edited = example_data()
    edited["interventions"]["falls_classes"]["volume"] = 420
    r = w.post(f"/api/models/{mid}/versions", json={"base_version": 1, "model": edited}, headers=h)
    assert r.status_code == 201 and r.json()["version"] == 2
    r = w.post(f"/api/models/{mid}/versions", json={"base_version": 1, "model": edited}, headers=h)
    assert r.status_code == 409 and r.json()["head"] == 2
    d = w.get(f"/api/models/{mid}/diff?a=1&b=2", headers=h).json()
    assert d["changes"] == [
        {
            "kind": "changed",
            "section": "interventions",
            "key": "falls_classes",
            "field": "volume",
            "before": 400,
            "after": 420,
        }
    ]


def test_api_map_returns_the_cli_json(world, web_factory):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    mid = w.post("/api/models", json={"model": example_data()}, headers=h).json()["id"]
    r = w.post(
        f"/api/models/{mid}/map",
        json={"outcome": "independent_years", "amount": 300, "by": "public"},
        headers=h,
    )
    assert r.status_code == 200
    expected = cp.backwards_map(
        cp.load_model("example:older-people"), "independent_years", 300, by="public"
    ).to_dict()
    assert r.json()["result"] == json.loads(json.dumps(expected))
    r = w.post(f"/api/models/{mid}/map", json={"outcome": "nope", "amount": 3}, headers=h)
    assert r.status_code == 422 and r.json()["issues"][0]["path"] == "outcome"
    r = w.post(
        f"/api/models/{mid}/map",
        json={
            "outcome": "admissions_avoided",
            "amount": 40,
            "time_value": "national_living_wage",
            "min_evidence": 3,
        },
        headers=h,
    )
    assert r.status_code == 200
    nlw = cp.load_model("example:older-people", time_value="national_living_wage")
    expected = cp.backwards_map(nlw, "admissions_avoided", 40, min_evidence=3).to_dict()
    assert r.json()["result"] == json.loads(json.dumps(expected))
    assert r.json()["result"]["time_value"]["per_hour"] == 11.44
    r = w.post(
        f"/api/models/{mid}/plan", json={"targets_as": "total", "time_value": "zero"}, headers=h
    )
    assert r.status_code == 200, r.text
    planned = cp.plan(cp.load_model("example:older-people", time_value="zero"), targets_as="total")
    assert r.json()["result"]["volumes"] == pytest.approx(planned.to_dict()["volumes"])
    assert r.json()["result"]["targets_as"] == "total"


@SQLITE_ONLY
def test_api_evaluate_matches_the_library(world, web_factory):
    w = web_factory()
    h = _bearer(world, "a", "analyst")
    mid = w.post("/api/models", json={"model": example_data()}, headers=h).json()["id"]
    r = w.post(f"/api/models/{mid}/evaluate", json={"volumes": {"falls_classes": 10}}, headers=h)
    expected = cp.evaluate(cp.load_model("example:older-people"), {"falls_classes": 10})
    assert r.json()["result"] == json.loads(json.dumps(expected.to_dict()))


@SQLITE_ONLY
def test_a_revoked_token_stops_working(world, web_factory):
    w = web_factory()
    h = _bearer(world, "a", "viewer")
    assert w.get("/api/me", headers=h).json()["role"] == "viewer"
    tokens = w.get("/api/tokens", headers=h).json()
    assert w.request("DELETE", f"/api/tokens/{tokens[0]['id']}", headers=h).status_code == 204
    assert w.get("/api/me", headers=h).status_code == 401


def test_organisation_b_cannot_see_or_touch_organisation_a(world, web_factory):
    a = world.actor("a", "analyst")
    m, v = world.store.create_model(a, "Secret budget map", example_data())
    run = world.store.create_run(
        a, "map", {"outcome": "independent_years", "amount": 1}, model_version_id=v.id
    )
    w = web_factory("b", "admin")
    h = _bearer(world, "b", "admin")
    assert "Secret budget map" not in w.get("/").text
    assert w.get("/api/models", headers=h).json() == []
    assert w.get("/api/runs", headers=h).json() == []
    assert "Secret" not in w.get("/runs").text
    for url in (
        f"/models/{m.id}",
        f"/models/{m.id}/download/yaml",
        f"/runs/{run.id}",
        f"/api/models/{m.id}",
        f"/api/runs/{run.id}",
        f"/runs/{run.id}/status",
    ):
        r = w.get(url, headers=h if url.startswith("/api") else None)
        assert r.status_code == 404, url
        assert "Secret" not in r.text


@SQLITE_ONLY
def test_a_background_run_reports_progress_and_can_be_cancelled(world, web_factory):
    import threading

    from coproduce.web.runner import REGISTRY, Analysis, register

    gate = threading.Event()

    def slow(ctx):
        ctx.progress(0.25, "a quarter of the way")
        gate.wait(5)
        ctx.progress(0.5, "half way")
        return {"never": True}

    register(Analysis(name="slow-test", title="Slow", run=slow, needs_model=False))
    try:
        a = world.actor("a", "analyst")
        run = world.store.create_run(a, "slow-test", {})
        w = web_factory("a", "analyst")
        w.app.state.worker.submit(run.id, wait=0.3)
        status = w.get(f"/runs/{run.id}/status").json()
        assert status == {
            "id": run.id,
            "status": "running",
            "progress": 0.25,
            "stage": "a quarter of the way",
            "error": "",
        }
        page = w.get(f"/runs/{run.id}")
        assert 'http-equiv="refresh"' in page.text and "Cancel this run" in page.text
        assert w.form(f"/runs/{run.id}/cancel").status_code == 303
        gate.set()
        w.app.state.worker.pool.submit(lambda: None).result()
        for _ in range(200):  # up to 10 s: the gate is open, so sleep, don't wait on it
            if world.store.get_run(a, run.id).status != "running":
                break
            time.sleep(0.05)
        got = world.store.get_run(a, run.id)
        assert got.status == "cancelled" and got.result is None
    finally:
        REGISTRY.pop("slow-test", None)


@SQLITE_ONLY
def test_appraisal_and_survey_pages_run(world, web_factory):
    w = web_factory("a", "analyst")
    r = w.form("/appraisals", {"example": "falls-prevention", "draws": "0", "seed": "1"})
    assert r.status_code == 303
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    stored = w.get(f"/api/runs/{run_id}", headers=_bearer(world, "a", "viewer")).json()
    expected = cp.appraisal.appraise("example:falls-prevention").to_dict()
    assert stored["status"] == "done"
    assert stored["result"]["options"] == json.loads(json.dumps(expected["options"]))
    page = w.get(f"/runs/{run_id}")
    assert "Headline figures" in page.text
    bad = w.form(
        "/appraisals",
        {"example": ""},
        files={"file": ("a.yaml", b"name: x\noptions: 3\n", "text/yaml")},
    )
    assert bad.status_code == 422
    assert len(world.store.list_runs(world.actor("a", "admin"), kind="appraisal")) == 1


def _form_fields(html: str) -> dict[str, str]:
    """The named inputs and selected options of the first POST form with a CSRF field."""
    import re

    start = html.index('<form method="post" action="/models/')
    end = html.index("</form>", start)
    form = html[start:end]
    fields: dict[str, str] = {}
    for m in re.finditer(r'<input type="(?:hidden|text)" name="([^"]+)" value="([^"]*)"', form):
        fields[m.group(1)] = _unescape(m.group(2))
    for m in re.finditer(r'<input type="checkbox" name="([^"]+)"[^>]*?( checked)?>', form):
        if m.group(2):
            fields[m.group(1)] = "on"
    for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[m.group(1)] = _unescape(m.group(2))
    for m in re.finditer(r'<select name="([^"]+)".*?</select>', form, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(0))
        if sel:
            fields[m.group(1)] = _unescape(sel.group(1))
    return fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
