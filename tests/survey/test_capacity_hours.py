"""Capacity by area split into individual and collective co-production and by sector, with the
hours per participant always from a named source: the survey's own hours question, a figure the
user gives with its source, or (the bundled example only) a published figure in a data file.

Every expected value is worked out by hand on a tiny survey of eight answer patterns:

===  ======  ==========  =========  =========  =====  ======
     gender  safety rep  safety gp  health gp  hours  weight
===  ======  ==========  =========  =========  =====  ======
m1   man     yes         yes        no         10     2
m2   man     yes         no         no         0      2
m3   man     no          yes        yes        30     2
m4   man     yes         no         no         0      2
w1   woman   yes         no         yes        20     1
w2   woman   no          no         yes        40     1
w3   woman   yes         yes        yes        60     1
w4   woman   no          no         no         0      1
===  ======  ==========  =========  =========  =====  ======

Each pattern is answered by 200 respondents, which leaves every share below as it is and
makes the coefficients' sampling spread small (the draws' mean then sits within a fraction of
a per cent of the value at the estimate). A logistic model on sex alone is saturated, so the
probability of taking part is each sex's share:

* collective (safety or health group): men 2/4 = 0.5 (m1, m3), women 3/4 = 0.75 (w1-w3);
* safety, collective: men 0.5 (m1, m3), women 0.25 (w3);
* health, collective: men 0.25 (m3), women 0.75 (w1-w3);
* individual (reporting, the only individual item, in safety): men 0.75, women 0.5.

Cells: North 100 men and 300 women, South 300 men and 200 women. Participants:

* collective: North 100 × 0.5 + 300 × 0.75 = 275 (rate 275/400 = 0.6875), South 150 + 150 = 300;
* safety, collective: North 50 + 75 = 125, South 150 + 50 = 200;
* health, collective: North 25 + 225 = 250, South 75 + 150 = 225;
* individual: North 75 + 150 = 225, South 225 + 100 = 325.

The hours question (collective activities, a year): the weighted mean answer of those taking
part in a collective activity, (2·10 + 2·30 + 20 + 40 + 60) / (2 + 2 + 1 + 1 + 1) = 200/7 hours.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tests.clirun import cli

from coproduce.model.errors import ModelError

R = 200
PATTERNS = [
    # gender, safety_report, safety_group, health_group, vol_hours, weight (1 no, 2 yes)
    (1, 2, 2, 1, 10, 2.0),
    (1, 2, 1, 1, 0, 2.0),
    (1, 1, 2, 2, 30, 2.0),
    (1, 2, 1, 1, 0, 2.0),
    (2, 2, 1, 2, 20, 1.0),
    (2, 1, 1, 2, 40, 1.0),
    (2, 2, 2, 2, 60, 1.0),
    (2, 1, 1, 1, 0, 1.0),
]
CODEBOOK = {
    "codebook": 1,
    "title": "Tiny test survey",
    "sectors": {"safety": "Public safety", "health": "Health"},
    "scales": {"yesno": {"codes": {1: "no", 2: "yes"}}},
    "items": {
        "safety_report": {
            "text": "Report crime",
            "sector": "safety",
            "type": "individual",
            "scale": "yesno",
        },
        "safety_group": {
            "text": "Safety group",
            "sector": "safety",
            "type": "collective",
            "scale": "yesno",
        },
        "health_group": {
            "text": "Health group",
            "sector": "health",
            "type": "collective",
            "scale": "yesno",
        },
    },
    "covariates": {"gender": {"type": "categorical", "codes": {1: "man", 2: "woman"}}},
    "design": {"weight": "weight"},
    "hours": {
        "vol_hours": {
            "text": "About how many hours a year do you give to these groups?",
            "type": "collective",
        }
    },
}
CELLS = "area,gender,adults\nNorth,man,100\nNorth,woman,300\nSouth,man,300\nSouth,woman,200\n"
SURVEY_HOURS = 200 / 7
PARTICIPANTS = {
    "collective": {"North": 275, "South": 300},
    "safety_collective": {"North": 125, "South": 200},
    "health_collective": {"North": 250, "South": 225},
    "individual": {"North": 225, "South": 325},
    "safety_individual": {"North": 225, "South": 325},
}
ADULTS = {"North": 400, "South": 500}


def _survey(tmp: Path, *, hours=True, edit=None) -> tuple[Path, Path, Path]:
    rows = [
        {
            "id": i + 1,
            "gender": p[0],
            "safety_report": p[1],
            "safety_group": p[2],
            "health_group": p[3],
            "vol_hours": p[4],
            "weight": p[5],
        }
        for i, p in enumerate(PATTERNS * R)
    ]
    data = tmp / "tiny.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    cb = yaml.safe_load(yaml.safe_dump(CODEBOOK))
    if not hours:
        cb.pop("hours")
    if edit is not None:
        edit(cb)
    codebook = tmp / "tiny.yaml"
    codebook.write_text(yaml.safe_dump(cb, sort_keys=False))
    cells = tmp / "cells.csv"
    cells.write_text(CELLS)
    return data, codebook, cells


def _run(tmp, *extra, hours=True, edit=None, draws="4000"):
    data, codebook, cells = _survey(tmp, hours=hours, edit=edit)
    return cli(
        "survey",
        "capacity",
        str(data),
        "--codebook",
        str(codebook),
        "--cells",
        str(cells),
        "--draws",
        draws,
        *extra,
    )


def _rows(out: dict) -> dict[tuple[str, str], dict]:
    return {(r["group"], r["area"]): r for r in out["split"]["areas"]}


# ----------------------------------------------------------------------------- the survey's hours
def test_hours_from_the_survey_question(tmp_path):
    r = _run(tmp_path, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    basis = out["hours_basis"]
    assert basis["basis"] == "survey" and basis["item"] == "vol_hours"
    assert basis["mean"] == pytest.approx(SURVEY_HOURS, rel=1e-9)
    assert basis["respondents"] == 5 * R  # m1, m3, w1, w2, w3 take part and answered
    assert "About how many hours a year" in basis["source"]
    # the outcome (collective), as today's keys
    for a in out["areas"]:
        name = a["area"]
        assert a["adults"] == ADULTS[name]
        assert a["participants"] == pytest.approx(PARTICIPANTS["collective"][name], rel=1e-9)
        assert a["rate"] == pytest.approx(PARTICIPANTS["collective"][name] / ADULTS[name])
        hand = PARTICIPANTS["collective"][name] * SURVEY_HOURS  # 7,857.1 and 8,571.4
        assert a["hours"] == pytest.approx(hand, rel=0.01)
    assert set(out["available"]) == {"North", "South"}
    rows = _rows(out)
    for name in ("North", "South"):
        # the split's collective row is the outcome's own, draw for draw
        main = next(a for a in out["areas"] if a["area"] == name)
        assert rows[("collective", name)]["hours"] == main["hours"]
        for group in ("safety_collective", "health_collective", "individual"):
            assert rows[(group, name)]["participants"] == pytest.approx(
                PARTICIPANTS[group][name], rel=1e-9
            )
        # sectors share their kind's hours in proportion to participants, so they add up to it
        safety, health = rows[("safety_collective", name)], rows[("health_collective", name)]
        assert safety["hours"] + health["hours"] == pytest.approx(main["hours"], rel=1e-12)
        assert safety["hours_from"] == health["hours_from"] == "shared"
        # no hours question for individual co-production and no figure given: no hours
        assert rows[("individual", name)]["hours"] is None
    # North: 7,857.1 × 125 / 375 = 2,619.0; South: 8,571.4 × 200 / 425 = 4,033.6
    assert rows[("safety_collective", "North")]["hours"] == pytest.approx(
        275 * SURVEY_HOURS * 125 / 375, rel=0.01
    )
    assert rows[("safety_collective", "South")]["hours"] == pytest.approx(
        300 * SURVEY_HOURS * 200 / 425, rel=0.01
    )
    assert any("no hours per participant for individual activities" in n for n in out["notes"])
    groups = {g["group"]: g for g in out["split"]["groups"]}
    assert groups["collective"]["hours_from"] == "survey"
    assert groups["individual"]["hours_from"] is None


def test_hours_asked_a_month_are_made_a_year(tmp_path):
    def monthly(cb):
        cb["hours"]["vol_hours"]["period"] = "month"

    r = _run(tmp_path, "--json", edit=monthly, draws="50")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hours_basis"]["mean"] == pytest.approx(12 * SURVEY_HOURS)


# ----------------------------------------------------------------------------- figures given
def test_no_hours_and_no_figure_exits_2_saying_what_to_give(tmp_path):
    r = _run(tmp_path, hours=False)
    assert r.returncode == 2
    err = " ".join(r.stderr.split())
    assert "no hours per participant for taking part in collective activities" in err
    assert "--hours-per-participant 20 --hours-source" in err
    assert "hours question in the codebook" in err


@pytest.mark.parametrize(
    "args,words",
    [
        (["--hours-per-participant", "20"], "needs --hours-source"),
        (["--hours", "20"], "needs --hours-source"),  # the old name, no source: refused too
        (["--hours-source", "somewhere"], "--hours-source goes with --hours-per-participant"),
        (
            ["--hours-per-participant", "colective=20", "--hours-source", "x"],
            "did you mean 'collective'",
        ),
        (["--hours-per-participant", "lots", "--hours-source", "x"], "give a number of hours"),
        (
            [
                "--hours-per-participant",
                "20",
                "--hours-per-participant",
                "30",
                "--hours-source",
                "x",
            ],
            "two figures",
        ),
    ],
)
def test_bad_hours_options_exit_2(tmp_path, args, words):
    r = _run(tmp_path, *args, hours=False, draws="50")
    assert r.returncode == 2
    assert words in " ".join(r.stderr.split())


def test_a_figure_given_with_its_source(tmp_path):
    r = _run(
        tmp_path,
        "--json",
        "--hours-per-participant",
        "20",
        "--hours-source",
        "our volunteer centre, 2024",
        hours=False,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["hours_basis"] == {
        "basis": "given",
        "source": "our volunteer centre, 2024",
        "group": None,
        "per_participant": 20,
        "mean": 20,
        "item": None,
        "respondents": None,
        "se": None,
    }
    assert out["hours_per_participant"] == 20
    rows = _rows(out)
    for name in ("North", "South"):
        ind = rows[("individual", name)]
        # a fixed figure: every draw's hours are its participants × 20, quantiles too
        assert ind["hours_low"] == pytest.approx(20 * ind["participants_low"], rel=1e-12)
        assert ind["hours_high"] == pytest.approx(20 * ind["participants_high"], rel=1e-12)
        assert ind["hours_from"] == "given"
    assert rows[("individual", "North")]["hours"] == pytest.approx(225 * 20, rel=0.01)  # 4,500
    assert rows[("collective", "South")]["hours"] == pytest.approx(300 * 20, rel=0.01)  # 6,000
    # safety is the only sector with individual items: all of the individual hours
    assert rows[("safety_individual", "South")]["hours"] == pytest.approx(
        rows[("individual", "South")]["hours"], rel=1e-12
    )


def test_a_figure_for_one_sector_and_the_rest_shared(tmp_path):
    r = _run(
        tmp_path,
        "--json",
        "--hours-per-participant",
        "20",
        "--hours-per-participant",
        "safety_collective=50",
        "--hours-source",
        "a test",
        hours=False,
    )
    assert r.returncode == 0, r.stderr
    rows = _rows(json.loads(r.stdout))
    north = {
        g: rows[(g, "North")] for g in ("collective", "safety_collective", "health_collective")
    }
    assert north["safety_collective"]["hours_from"] == "given"
    assert north["safety_collective"]["hours"] == pytest.approx(125 * 50, rel=0.01)  # 6,250
    # health has no figure of its own: its share of the collective hours (275 × 20 = 5,500)
    # in proportion to participants, 250 / (125 + 250)
    assert north["health_collective"]["hours_from"] == "shared"
    assert north["health_collective"]["hours"] == pytest.approx(5500 * 250 / 375, rel=0.01)


def test_your_figure_comes_before_the_survey_question(tmp_path):
    r = _run(
        tmp_path, "--json", "--hours-per-participant", "20", "--hours-source", "mine", draws="50"
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["hours_basis"]["basis"] == "given" and out["hours_basis"]["mean"] == 20
    # the safety sector has no question of its own: still a share of the (given) collective
    assert _rows(out)[("safety_collective", "North")]["hours_from"] == "shared"


def test_the_text_output_says_where_the_hours_come_from(tmp_path):
    r = _run(tmp_path, draws="50")
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "Hours per participant: 28.6 hours a year" in text  # 200/7
    assert "the mean answer of the 1,000 respondents taking part who answered it" in text
    assert "By kind of co-production" in text and "By sector" in text
    assert "a share of the hours of collective activities" in text


# ----------------------------------------------------------------------------- the library
def test_capacity_never_assumes_hours(tmp_path):
    from coproduce.survey import capacity, fit_glm, load_survey

    data, codebook, cells = _survey(tmp_path)
    prepared = load_survey(str(data), str(codebook))
    fit = fit_glm(prepared.design(), "takes_part_collective ~ gender", "binomial")
    frame = pd.read_csv(cells)
    with pytest.raises(ModelError, match="no hours per participant"):
        capacity(fit, frame)
    with pytest.raises(ModelError, match="say where the hours per participant come from"):
        capacity(fit, frame, hours_per_participant=20)
    result = capacity(fit, frame, hours_per_participant=20, hours_source="a test", draws=50)
    assert result.hours_figure.basis == "given" and result.to_dict()["hours_basis"]["source"]


def test_survey_hours_by_hand(tmp_path):
    from coproduce.survey import load_survey
    from coproduce.survey.areas import survey_hours

    data, codebook, _ = _survey(tmp_path)
    prepared = load_survey(str(data), str(codebook))
    figures, notes = survey_hours(prepared, prepared.design())
    assert set(figures) == {"collective"} and notes == []
    f = figures["collective"]
    assert (f.basis, f.item, f.respondents) == ("survey", "vol_hours", 5 * R)
    assert f.mean == pytest.approx(SURVEY_HOURS, rel=1e-9)
    assert f.se > 0 and f.value.dist == "gamma"  # non-negative, with its sampling spread


# ----------------------------------------------------------------------------- the example
def test_the_example_names_its_published_figure(tmp_path):
    from coproduce.survey.examples import EXAMPLE_HOURS, example_hours

    written = example_hours()
    assert set(written) == {"collective"}  # none for individual co-production
    # ONS 2015: 15.7 (women) and 11.3 (men) minutes a day; (15.7 + 11.3) / 2 × 365 / 60
    assert written["collective"]["value"] == round((15.7 + 11.3) / 2 * 365 / 60, 1) == 82.1
    assert "ONS" in written["collective"]["source"]
    r = cli("survey", "capacity", "--json", "--draws", "50")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    basis = out["hours_basis"]
    assert basis["basis"] == "example" and basis["mean"] == 82.1
    assert "ONS (2017)" in basis["source"] and EXAMPLE_HOURS.name in basis["source"]
    assert all(r["hours"] is None for r in out["split"]["areas"] if r["type"] == "individual")
    r = cli("survey", "capacity", "--draws", "50")
    text = " ".join(r.stdout.split())
    assert "a published figure bundled for the example only: ONS (2017)" in text


def test_the_example_has_no_figure_for_individual_co_production():
    r = cli("survey", "capacity", "--outcome", "takes_part_individual", "--draws", "50")
    assert r.returncode == 2
    err = " ".join(r.stderr.split())
    assert "no hours per participant for taking part in individual activities" in err
    assert "covers collective co-production only" in err


# ----------------------------------------------------------------------------- the codebook
def _bad(tmp, edit) -> str:
    r = _run(tmp, edit=edit, draws="50")
    assert r.returncode == 2, r.stdout[-500:]
    return " ".join(r.stderr.split())


@pytest.mark.parametrize(
    "edit,words",
    [
        (
            lambda cb: cb["hours"]["vol_hours"].update(sector="saftey"),
            ["hours.vol_hours.sector", "unknown sector 'saftey'", "did you mean 'safety'"],
        ),
        (
            lambda cb: cb["hours"]["vol_hours"].update(sector="health", type="individual"),
            ["hours.vol_hours", "no item is an individual activity for health"],
        ),
        (
            lambda cb: cb["hours"].update(
                more_hours={"text": "x", "type": "collective", "column": "vol_hours"}
            ),
            ["hours.more_hours", "'vol_hours' already gives the hours of collective"],
        ),
        (
            lambda cb: cb["hours"].update(safety_group={"text": "x", "type": "collective"}),
            ["hours.safety_group", "also an item"],
        ),
        (
            lambda cb: cb["hours"]["vol_hours"].update(perod="month"),
            ["unknown field 'perod'", "did you mean 'period'"],
        ),
        (
            lambda cb: cb["hours"]["vol_hours"].update(period="fortnight"),
            ["hours.vol_hours.period", "'fortnight' is not allowed"],
        ),
        (
            lambda cb: cb["hours"]["vol_hours"].update(column="vol_hrs"),
            ["hours.vol_hours", "column 'vol_hrs' is not in the data file", "'vol_hours'"],
        ),
        (
            lambda cb: cb["hours"]["vol_hours"].update(max=50),
            # w3's 60, the 7th pattern (index 6: data row 8 after the header), every 8 rows
            ["hours.vol_hours.max", "hours above max 50 at data row(s) 8, 16, 24 and 197 more"],
        ),
    ],
)
def test_bad_hours_questions_exit_2_located(tmp_path, edit, words):
    err = _bad(tmp_path, edit)
    for w in words:
        assert w in err, err
    assert "tiny.yaml:" in err  # the codebook's file and line


def test_bad_hours_answers_exit_2_with_their_rows(tmp_path):
    data, codebook, cells = _survey(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[1, "vol_hours"] = -3  # data row 3 (after the header)
    frame["vol_hours"] = frame["vol_hours"].astype(object)
    frame.loc[4, "vol_hours"] = "lots"  # data row 6
    frame.to_csv(data, index=False)
    r = cli("survey", "capacity", str(data), "-c", str(codebook), "--cells", str(cells))
    assert r.returncode == 2
    assert "not numbers at data row(s) 6" in " ".join(r.stderr.split())
    frame.loc[4, "vol_hours"] = 20
    frame.to_csv(data, index=False)
    r = cli("survey", "capacity", str(data), "-c", str(codebook), "--cells", str(cells))
    assert r.returncode == 2
    assert "hours below 0 at data row(s) 3" in " ".join(r.stderr.split())


def test_missing_codes_of_an_hours_question_are_left_out(tmp_path):
    # w3 answers 999 (refused): the mean among collective participants who answered becomes
    # (2·10 + 2·30 + 20 + 40) / (2 + 2 + 1 + 1) = 140/6
    data, codebook, _ = _survey(
        tmp_path, edit=lambda cb: cb["hours"]["vol_hours"].update(missing=[999])
    )
    frame = pd.read_csv(data)
    frame.loc[frame["vol_hours"] == 60, "vol_hours"] = 999
    frame.to_csv(data, index=False)
    from coproduce.survey import load_survey
    from coproduce.survey.areas import survey_hours

    prepared = load_survey(str(data), str(codebook))
    figures, _ = survey_hours(prepared, prepared.design())
    assert figures["collective"].mean == pytest.approx(140 / 6, rel=1e-9)
    assert figures["collective"].respondents == 4 * R


def test_the_workbook_says_it_cannot_carry_hours_questions(tmp_path):
    _, codebook, _ = _survey(tmp_path)
    r = cli("survey", "template", str(tmp_path / "c.xlsx"), "--codebook", str(codebook))
    assert r.returncode == 0, r.stderr
    assert "hours questions (vol_hours) are not in the workbook" in " ".join(r.stderr.split())
