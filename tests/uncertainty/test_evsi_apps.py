"""Which study to commission, through the apps: ``coproduce uncertainty --study``, ``coproduce
voi --evsi``, the report's EVSI/ENBS and regression-check sections, and the web form with a
study file. ENBS is recomputed by hand from the JSON's own EVSI and the file's population,
horizon and costs (Green Book 3.5%)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from coproduce.reports.charts import text_boxes
from tests.clirun import cli

from .conftest import read_oracle

GREEN_BOOK = 0.035
POINT_KEYS = {"n", "evsi", "se", "population_evsi", "cost", "enbs", "low", "high"}
STUDY_KEYS = {
    "design",
    "informs",
    "points",
    "best_n",
    "best_enbs",
    "best_low",
    "best_high",
    "evppi",
    "evppi_se",
    "worth_commissioning",
    "fixed_cost",
    "cost_per_participant",
}

OLDER = """\
population: 1        # one commissioning decision a year
horizon: 10
studies:
  pilot_peer_groups:
    design: pilot
    link: peer_support_groups->loneliness_free_years
    n: [50, 100, 200, 400]
    sd: 0.9
    fixed_cost: 20000
    cost_per_participant: 150
  falls_survey:
    design: survey
    rate: falls_avoided->admissions_avoided
    n: [500, 1000]
    fixed_cost: 8000
    cost_per_participant: 6
agenda: {fixed_cost: 20000, cost_per_participant: 150, sizes: [50, 200, 800]}
"""

SAFETY = """\
population: [2, 2, 2, 1, 1]   # decisions a year, one number a year
horizon: 5
studies:
  street_watch_evaluation:
    design: pilot
    label: an evaluation of street watch in three wards
    links: [street_watch->crimes_prevented, street_watch->street_sex_work_reduced]
    n: [30, 60, 120]
    fixed_cost: 40000
    cost_per_participant: 100
agenda: {fixed_cost: 40000, cost_per_participant: 100, sizes: [50, 200]}
"""

EXAMPLES = [
    (
        "example:older-people",
        "independent_years=40",
        "43000",
        OLDER,
        [
            "pilot_peer_groups",
            "falls_survey",
            "peer_support_groups",
            "loneliness_free_years",
            "falls_avoided",
        ],
        "A pilot of Peer support groups with",
    ),
    (
        "example:neighbourhood-safety",
        "crimes_prevented=100",
        "5000",
        SAFETY,
        ["street_watch_evaluation", "street_watch", "crimes_prevented", "street_sex_work_reduced"],
        "An evaluation of street watch in three wards with",
    ),
]


def _scale(population, horizon: int) -> float:
    pops = population if isinstance(population, list) else [population] * horizon
    return sum(p / (1 + GREEN_BOOK) ** t for t, p in enumerate(pops))


def _visible(html: str) -> str:
    """The report as a reader sees it: no CSV payloads (which keep the ids), no markup."""
    html = re.sub(r'href="data:[^"]*"', "", html)
    html = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("example, target, wtp, text, ids, sentence", EXAMPLES)
def test_study_file_through_the_command(tmp_path, example, target, wtp, text, ids, sentence):
    import yaml

    study = tmp_path / "studies.yaml"
    study.write_text(text)
    spec = yaml.safe_load(text)
    out = tmp_path / "report.html"
    r = cli(
        "uncertainty",
        example,
        "--target",
        target,
        "--wtp",
        wtp,
        "--draws",
        "1500",
        "--seed",
        "3",
        "--study",
        str(study),
        "--json",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    # additions only: the contract of a run without studies is all there
    assert {
        "wtp",
        "options",
        "summary",
        "evpi",
        "evppi",
        "ceac",
        "frontier",
        "beliefs",
        "caveats",
    } <= set(d)
    assert {"studies", "research_agenda", "study_settings", "evppi_se", "evppi_r2"} <= set(d)
    # every EVPPI has its standard error and R²
    assert set(d["evppi_se"]) == set(d["evppi"]) == set(d["evppi_r2"])
    assert all(v >= 0 for v in d["evppi_se"].values())
    assert all(v <= 1 + 1e-9 for v in d["evppi_r2"].values())
    assert set(d["studies"]) == set(spec["studies"])
    scale = _scale(spec["population"], spec["horizon"])
    assert d["study_settings"]["horizon_years"] == spec["horizon"]
    assert d["study_settings"]["discount_rate"] == GREEN_BOOK
    for name, st in d["studies"].items():
        want = spec["studies"][name]
        assert set(st) >= STUDY_KEYS
        assert st["design"] == want["design"]
        assert [p["n"] for p in st["points"]] == sorted(want["n"])
        assert st["best_n"] in want["n"]
        for p in st["points"]:
            assert set(p) >= POINT_KEYS
            assert p["se"] is not None and p["se"] >= 0
            cost = want["fixed_cost"] + p["n"] * want["cost_per_participant"]
            assert p["cost"] == pytest.approx(cost)
            assert p["population_evsi"] == pytest.approx(p["evsi"] * scale, rel=1e-9)
            assert p["enbs"] == pytest.approx(p["evsi"] * scale - cost, rel=1e-9, abs=1e-6)
            assert p["low"] <= p["enbs"] <= p["high"]
        best = max(st["points"], key=lambda p: p["enbs"])
        assert st["best_enbs"] == pytest.approx(best["enbs"])
        assert st["worth_commissioning"] == (best["enbs"] > 0)
        # a study never beats learning its inputs exactly by more than the noise
        assert (
            max(p["evsi"] for p in st["points"])
            <= st["evppi"] + 3 * (st["evppi_se"] + max(p["se"] for p in st["points"])) + 1e-6
        )
    agenda = d["research_agenda"]
    assert agenda and {
        "link",
        "from",
        "to",
        "grade",
        "evppi",
        "design",
        "best_n",
        "best_enbs",
        "cost",
        "worth_commissioning",
    } <= set(agenda[0])
    sizes = spec["agenda"]["sizes"]
    for row in agenda:
        assert row["grade"] is None or row["grade"] <= 2
        assert row["best_n"] is None or row["best_n"] in sizes
        if row["best_n"] is not None:
            assert row["cost"] == pytest.approx(
                40000 + 100 * row["best_n"] if "safety" in example else 20000 + 150 * row["best_n"]
            )
    worth = [r["best_enbs"] for r in agenda if r["worth_commissioning"]]
    assert worth == sorted(worth, reverse=True) and worth, agenda
    # the report: the sections, in the model's words, charts that never clip
    html = out.read_text()
    for title in (
        "Which study to commission",
        "The research agenda",
        "Checking the regressions behind EVPPI",
        "Residuals of the regression",
        "What a study would be worth per decision",
        "Expected net benefit of sampling, by size",
    ):
        assert title in html, title
    assert 'download="studies.csv"' in html and 'download="agenda.csv"' in html
    seen = _visible(html)
    assert sentence in seen
    for raw in [*ids, "links[", "interventions.", "outcomes.", "_cost"]:
        assert raw not in seen, raw
    for text_, left, right, top, bottom, w, h in text_boxes(html):
        assert left >= -0.5 and right <= w + 0.5 and top >= -0.5 and bottom <= h + 0.5, text_


def test_the_terminal_says_it_in_words(tmp_path):
    study = tmp_path / "s.yaml"
    study.write_text(OLDER)
    r = cli(
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "43000",
        "--draws",
        "1000",
        "--study",
        str(study),
        env={"COLUMNS": "200"},
    )
    assert r.returncode == 0, r.stderr
    out = " ".join(r.stdout.split())
    assert re.search(
        r"A pilot of Peer support groups with [\d,]+ participants would be worth "
        r"£[\d.,km]+ to the decision and cost £[\d.,km]+: worth commissioning",
        out,
    )
    assert "Research agenda" in out and "± (95%)" in out and "R² of the fit" in out
    assert "pilot_peer_groups" not in out and "peer_support_groups" not in out


BAD = [
    (
        "unknown link",
        "link: peer_support_groups->loneliness_free_years",
        "link: peer_support_groups->lonely_years",
        6,
        "studies.pilot_peer_groups.link",
        "no link peer_support_groups -> lonely_years",
    ),
    (
        "unknown design",
        "design: pilot",
        "design: pilots",
        5,
        "studies.pilot_peer_groups.design",
        "unknown design 'pilots' (did you mean 'pilot'?)",
    ),
    (
        "negative cost",
        "fixed_cost: 20000\n",
        "fixed_cost: -20000\n",
        9,
        "studies.pilot_peer_groups.fixed_cost",
        "cannot be negative",
    ),
    (
        "n below 1",
        "n: [50, 100, 200, 400]",
        "n: [0, 100, 200, 400]",
        7,
        "studies.pilot_peer_groups.n[0]",
        "at least 1 participant",
    ),
    (
        "not a probability",
        "rate: falls_avoided->admissions_avoided",
        "rate: care_home_admissions_avoided->independent_years",
        13,
        "studies.falls_survey.rate",
        "between 0 and 1",
    ),
    (
        "no population",
        "population: 1        # one commissioning decision a year\n",
        "",
        1,
        "population",
        "required",
    ),
]


@pytest.mark.parametrize("why, old, new, line, field, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_study_file_exits_2_located(tmp_path, why, old, new, line, field, message):
    assert old in OLDER
    study = tmp_path / "studies.yaml"
    study.write_text(OLDER.replace(old, new, 1))
    r = cli(
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "43000",
        "--draws",
        "200",
        "--study",
        str(study),
        "--json",
    )
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""  # nothing drawn, nothing printed
    err = " ".join(r.stderr.split())
    assert f"studies.yaml:{line}: {field}:" in err, err
    assert message in err, err


def test_voi_on_imported_draws_with_evsi_and_a_study_file(tmp_path):
    nb = read_oracle("voi_chemo_nb.csv")
    pars = read_oracle("voi_chemo_pars.csv")
    path = tmp_path / "chemo.csv"
    pd.concat([nb.rename(columns=lambda c: f"net_benefit:{c}"), pars], axis=1).to_csv(
        path, index=False
    )
    r = cli(
        "voi",
        str(path),
        "--wtp",
        "20000",
        "--population",
        "1000",
        "--horizon",
        "5",
        "--evsi",
        "trial=trial_binary:p_side_effects_t1,p_side_effects_t2:50,100:20000,50",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    st = d["studies"]["trial"]
    assert d["research_agenda"] is None  # no model: no agenda
    assert st["best_n"] in (50, 100) and st["participants_per_n"] == 2
    at100 = st["points"][1]
    assert abs(at100["evsi"] - 242.13) <= 3 * at100["se"] + 5  # voi's own test value
    scale = _scale(1000, 5)
    for p in st["points"]:  # two arms of n: the cost counts both
        assert p["enbs"] == pytest.approx(p["evsi"] * scale - (20000 + 2 * p["n"] * 50), rel=1e-9)
    # the same through a study file naming the columns
    study = tmp_path / "s.yaml"
    study.write_text(
        "population: 1000\nhorizon: 5\nstudies:\n  trial:\n    design: "
        "trial_binary\n    pars: [p_side_effects_t1, p_side_effects_t2]\n"
        "    n: [50, 100]\n    fixed_cost: 20000\n    cost_per_participant: 50\n"
    )
    r2 = cli("voi", str(path), "--wtp", "20000", "--study", str(study), "--json")
    assert r2.returncode == 0, r2.stderr
    assert json.loads(r2.stdout)["studies"] == d["studies"]
    # an input the draws do not have, and an agenda without a model
    study.write_text(
        "population: 1000\nstudies:\n  t:\n    design: binary\n"
        "    pars: [p_side_effect_t2]\n    n: 10\nagenda: {}\n"
    )
    bad = cli("voi", str(path), "--wtp", "20000", "--study", str(study))
    assert bad.returncode == 2
    err = " ".join(bad.stderr.split())
    assert "s.yaml:5: studies.t.pars[0]: 'p_side_effect_t2': no input of that name" in err
    assert "did you mean 'p_side_effects_t2'" in err
    assert "s.yaml:7: agenda: the research agenda reads the model's links" in err
    r3 = cli("voi", str(path), "--wtp", "20000", "--evsi", "x=binary:p_side_effects_t2:10")
    assert r3.returncode == 2 and "--population" in r3.stderr


# ----- the web ------------------------------------------------------------------------------

from tests.web.conftest import (  # noqa: E402, F401  (fixtures used by name)
    _attach_world,
    _cheap_argon2,
    app,
    example_data,
    store,
    web_factory,
    world,
)
from tests.web.test_uncertainty_planning import _wait  # noqa: E402

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_the_web_form_takes_a_study_file(world, web_factory):  # noqa: F811
    import coproduce as cp
    from coproduce.cli.common import to_json
    from coproduce.voi.analysis import analyse
    from coproduce.voi.studyfile import parse_study_text

    m, _v = world.store.create_model(world.actor("a", "analyst"), "Older people", example_data())
    w = web_factory("a", "analyst")
    form = w.get(f"/models/{m.id}/uncertainty")
    assert 'name="study"' in form.text and 'name="study_file"' in form.text
    assert 'enctype="multipart/form-data"' in form.text
    base = {
        "version": "1",
        "outcome": "independent_years",
        "amount": "40",
        "wtp": "43000",
        "mode": "target",
        "draws": "1000",
        "seed": "2",
        "evidence_priors": "on",
    }
    # a bad file, uploaded: 422, located, nothing stored
    bad = OLDER.replace("design: pilot", "design: pilots", 1)
    r = w.post(
        f"/models/{m.id}/uncertainty",
        data={"csrf_token": w.csrf, **base},
        files={"study_file": ("studies.yaml", bad.encode(), "application/yaml")},
    )
    assert r.status_code == 422, r.text
    assert "<code>study</code>" in r.text and "line 5: studies.pilot_peer_groups.design" in r.text
    assert "unknown design" in r.text
    # a good one, in the text box
    r = w.form(f"/models/{m.id}/uncertainty", {**base, "study": OLDER})
    assert r.status_code == 303, r.text
    run_id = int(r.headers["location"].rsplit("/", 1)[1])
    _tok, plain = world.store.create_token(world.actor("a", "viewer"), "a-viewer")
    got = _wait(w, run_id, {"Authorization": f"Bearer {plain}"}, seconds=60)
    assert got["status"] == "done", got["error"]
    # the stored result is the library's, with the same inputs
    model = cp.load_model("example:older-people")
    table = cp.simulate(model, ("independent_years", 40.0), 1000, 2, evidence_priors=True)
    plan = parse_study_text(OLDER, model, evidence_priors=True)
    expected = json.loads(
        to_json(analyse(table, 43_000.0, studies=plan, model=model, seed=2).to_dict())
    )
    assert got["result"]["studies"] == expected["studies"]
    assert got["result"]["research_agenda"] == expected["research_agenda"]
    assert got["result"] == expected
    page = w.get(f"/runs/{run_id}").text
    assert "Which study to commission" in page and "The research agenda" in page
    assert "A pilot of Peer support groups" in page and 'class="chart"' in page
    assert "studies weighed: a pilot of Peer support groups" in page  # the run's inputs
    text = _visible(page)
    assert "pilot_peer_groups" not in text and "peer_support_groups" not in text
    assert w.get(f"/runs/{run_id}/data/studies.csv").text.startswith("study,design")
    assert w.get(f"/runs/{run_id}/data/agenda.csv").text.startswith("link,from,to")
    assert "se,r2" in w.get(f"/runs/{run_id}/data/evppi.csv").text.splitlines()[0]
    report = w.get(f"/runs/{run_id}/report.html").text
    assert "Which study to commission" in report and "Checking the regressions" in report


def test_the_api_takes_a_study_file():
    """The uncertainty API's request declares the study file the web form takes."""
    from coproduce.web.routes.api import UncertaintyRequest

    body = UncertaintyRequest(
        outcome="independent_years",
        amount=40,
        wtp=43000,
        study="population: 1\nhorizon: 5\nstudies: {}\n",
    )
    assert body.model_dump()["study"].startswith("population: 1")
