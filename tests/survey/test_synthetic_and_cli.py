"""The bundled synthetic survey: reproducible, recovers its generating parameters, and drives
every command of ``coproduce survey`` through the entry point (in this process; ``estimate``
also through a real interpreter)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.clirun import cli, cli_process

from coproduce.survey import load_survey, synthetic
from coproduce.survey.examples import DATA

FORMULA = (
    "{y} ~ age + gender + education + employed + urban + gov_performance + gov_informs"
    " + self_efficacy + country"
)
TRUE_TERMS = {
    "age": "age",
    "gender[T.woman]": "woman",
    "education[T.medium]": "edu_medium",
    "education[T.high]": "edu_high",
    "employed[T.in work]": "employed",
    "urban[T.city or large town]": "urban",
    "gov_performance": "gov_performance",
    "gov_informs": "gov_informs",
    "self_efficacy": "self_efficacy",
}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.fixture(scope="module")
def design(survey):
    return survey.design()


def test_bundled_file_is_exactly_what_the_script_makes():
    bundled = pd.read_csv(DATA / "five_nation_synthetic.csv")
    pd.testing.assert_frame_equal(synthetic.generate(), bundled, check_dtype=False)
    assert synthetic.generate(seed=7).equals(synthetic.generate(seed=7))


@pytest.mark.parametrize(
    "item,family",
    [("env_recycle", "ordinal"), ("safety_group", "ordinal"), ("health_feedback", "binomial")],
)
def test_models_recover_the_generating_parameters(design, item, family):
    """Each item follows an ordered logit exactly (Gaussian copula keeps the margins), so the
    survey-weighted fit must find the stated slopes: a joint Wald test of all nine slopes
    against the truth, and at least 8 of 9 true values inside their 95% intervals."""
    type_ = synthetic.ITEMS[item][1]
    y = f"{item}__label" if family == "ordinal" else f"{item}__any"
    fit = design.glm(FORMULA.format(y=y), family=family)
    frame = fit.to_frame().set_index("term")
    truth = np.array([synthetic.BETA[type_][v] for v in TRUE_TERMS.values()])
    idx = [fit.terms.index(t) for t in TRUE_TERMS]
    diff = fit.coef[idx] - truth
    wald = diff @ np.linalg.solve(fit.vcov[np.ix_(idx, idx)], diff)
    assert stats.chi2.sf(wald, len(idx)) > 0.01
    inside = (frame.loc[list(TRUE_TERMS), "low"].to_numpy() <= truth) & (
        truth <= frame.loc[list(TRUE_TERMS), "high"].to_numpy()
    )
    assert inside.sum() >= 8
    # and the country effects relative to the Czech Republic
    shift = synthetic.COUNTRY_SHIFT
    for code, name in synthetic.COUNTRIES.items():
        if code == 1:
            continue
        row = frame.loc[f"country[T.{name}]"]
        true = shift[code] - shift[1]
        assert row["low"] - 2 * row["se"] <= true <= row["high"] + 2 * row["se"]


def test_country_index_ordered_as_published(design):
    """UK > Germany > Czech Republic > France > Denmark, as the 2008 overall index."""
    table = design.mean("index_all", by="country")
    order = [r.domain["country"] for r in sorted(table, key=lambda r: -r.value)]
    assert order == ["United Kingdom", "Germany", "Czech Republic", "France", "Denmark"]


def test_raking_hits_the_codebook_margins(survey, design):
    margins = survey.codebook.margins.variables["gender"]
    for country, counts in margins.items():
        for sex, n in counts.items():
            mask = (survey.data["country"] == country) & (survey.data["gender"] == sex)
            assert design.weights[mask.to_numpy()].sum() == pytest.approx(n, rel=1e-4)


def _run(*args):
    return cli("survey", *args)


def test_cli_estimate_json_and_report(tmp_path):
    out = tmp_path / "estimate.html"
    proc = cli_process("survey", "estimate", "--json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["synthetic"] is True and data["by"] == "country"
    cells = [c for c in data["prevalence"] if c["group"] == "health_collective"]
    assert len(cells) == 5 and all(0 < c["value"] < 1 for c in cells)
    page = out.read_text()
    assert "Synthetic data" in page and "prevalence.csv" in page and "Heatmap" in page
    # the suppressed cells say which count was too small (nearly everyone recycles, so the few
    # who don't are fewer than 10 in some countries)
    suppressed = [c for c in data["prevalence"] if c["suppressed"]]
    assert suppressed and "Suppressed cells and why" in page
    for c in suppressed:
        assert f"of {c['n']} respondents do not take part" in c["note"]


def test_cli_correlates_and_capacity(tmp_path):
    out = tmp_path / "correlates.xlsx"
    proc = _run("correlates", "--outcome", "takes_part_collective", "--json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    terms = [c["term"] for c in data["coefficients"]]
    assert terms[0] == "Intercept" and "self_efficacy" in terms
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"about", "coefficients", "marginal_effects"} <= set(sheets)
    html = tmp_path / "capacity.html"
    new_model = tmp_path / "safety_by_area.yaml"
    proc = _run(
        "capacity",
        "--fix",
        "country=United Kingdom",
        "--hours",  # the old name of --hours-per-participant
        "20",
        "--hours-source",
        "a test figure",
        "--draws",
        "200",
        "--json",
        "--out",
        str(html),
        "--to-model",
        "example:neighbourhood-safety",
        "--resource",
        "volunteer_hour",
        "--out-model",
        str(new_model),
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    areas = {a["area"]: a for a in data["areas"]}
    assert set(areas) == set(synthetic.AREAS)
    for a in areas.values():  # hours = participants × 20 (fixed hours: same draws)
        assert a["rate_low"] <= a["rate"] <= a["rate_high"]
        assert a["participants"] == pytest.approx(a["rate"] * a["adults"])
    assert set(data["available"]) == set(synthetic.AREAS)
    # the figure is said, with its source, never assumed
    assert data["hours_basis"]["basis"] == "given"
    assert data["hours_basis"]["source"] == "a test figure"
    assert data["hours_basis"]["mean"] == 20
    assert "capacity.csv" in html.read_text()
    _check_model_hand_off(new_model, areas, data["to_model"])


def _check_model_hand_off(path, areas, to_model):
    """The written model loads; each area's scenario sets volunteer_hour.available to that
    area's simulated hours (rounded to 0.1), which is also, by a second route, about 20 hours ×
    the expected participants (the mean of expit over coefficient draws is close to expit at the
    estimate, within 3% here); and ``coproduce map`` runs with it."""
    from coproduce.model import load_model
    from coproduce.survey.to_model import area_identifier

    model = load_model(path)
    assert {s["scenario"] for s in to_model["scenarios"]} == {area_identifier(a) for a in areas}
    for name, a in areas.items():
        ident = "area_" + name.lower().replace(" ", "_")  # by hand: "Old Town" -> area_old_town
        assert ident in model.scenarios
        res = load_model(path, scenarios=[ident]).resources["volunteer_hour"]
        assert res.available.mean == pytest.approx(round(a["hours"], 1))
        assert res.available.sd == pytest.approx(round(a["hours_sd"], 1))
        assert res.available.mean == pytest.approx(20 * a["participants"], rel=0.03)
    assert model.resources["volunteer_hour"].available == 12000  # baseline as it was
    proc = cli("map", str(path), "--scenario", "area_old_town", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenarios"] == ["area_old_town"]
