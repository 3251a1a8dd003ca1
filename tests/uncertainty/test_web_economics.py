"""The uncertainty page takes a valuation of time and an evidence standard, and shows each
option's fit and caveats, the beliefs and the range of values of time over which the answer
holds; the stored result equals the library's."""

from __future__ import annotations

import json

import pytest

import coproduce as cp
from coproduce.voi.analysis import analyse
from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    _attach_world,
    _cheap_argon2,
    app,
    example_data,
    store,
    web_factory,
    world,
)
from tests.web.test_uncertainty_planning import _wait

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_page_with_time_value_and_min_evidence(world, web_factory):  # noqa: F811
    from coproduce.cli.common import to_json

    m, _v = world.store.create_model(world.actor("a", "analyst"), "Older people", example_data())
    w = web_factory("a", "analyst")
    form = w.get(f"/models/{m.id}/uncertainty")
    assert 'name="time_value"' in form.text and 'name="min_evidence"' in form.text
    assert "never compared as an option" in form.text
    bad = w.form(
        f"/models/{m.id}/uncertainty",
        {
            "version": "1",
            "outcome": "independent_years",
            "amount": "40",
            "wtp": "43000",
            "mode": "target",
            "draws": "300",
            "seed": "2",
            "time_value": "nope",
        },
    )
    assert bad.status_code == 422 and "<code>time_value</code>" in bad.text
    r = w.form(
        f"/models/{m.id}/uncertainty",
        {
            "version": "1",
            "outcome": "independent_years",
            "amount": "40",
            "wtp": "43000",
            "mode": "target",
            "draws": "300",
            "seed": "2",
            "time_value": "national_living_wage",
            "min_evidence": "3",
        },
    )
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    _tok, plain = world.store.create_token(world.actor("a", "viewer"), "a-viewer")
    got = _wait(w, run_id, {"Authorization": f"Bearer {plain}"})
    assert got["status"] == "done", got["error"]
    # the library, independently, with the same inputs
    model = cp.load_model("example:older-people", time_value="national_living_wage")
    table = cp.simulate(model, ("independent_years", 40.0), 300, 2, min_evidence=3)
    expected = json.loads(to_json(analyse(table, 43_000.0).to_dict()))
    assert got["result"] == expected
    assert got["result"]["time_value"]["name"] == "national_living_wage"
    page = w.get(f"/runs/{run_id}").text
    assert "does not fit" in page
    assert "Beliefs: the same options under other readings of the evidence" in page
    assert "National Living Wage" in page and "The evidence standard" in page
    assert w.get(f"/runs/{run_id}/data/beliefs.csv").text.startswith("belief,label")
    assert "[does not fit]" in w.get(f"/runs/{run_id}/report.html").text
