"""The public API, pinned: ``coproduce.__all__`` as it stands, and every name and call of the
"Public API and result contracts" section of DESIGN.md, written as it is documented there.

Renaming or removing one of these names breaks users' code: change this file only together
with the documentation and a note in the changelog. (Adding a name to ``coproduce.__all__``
also means adding it here, on purpose.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import coproduce as cp

ALL = {
    "BackwardsMap",
    "CompiledModel",
    "DrawsTable",
    "Evaluation",
    "Model",
    "ModelError",
    "Pathway",
    "Plan",
    "Route",
    "__version__",
    "backwards_map",
    "compile_model",
    "evaluate",
    "example_names",
    "load_model",
    "plan",
    "simulate",
}
SUBPACKAGES = ("appraisal", "scale", "survey", "voi")
APPRAISAL = Path(cp.__file__).parent / "appraisal" / "examples" / "balsall_heath.yaml"


def test_all_is_pinned_and_every_name_is_there():
    assert set(cp.__all__) == ALL
    assert len(cp.__all__) == len(ALL)  # no name twice
    for name in cp.__all__:
        assert getattr(cp, name) is not None, name


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_domain_packages_load_on_first_use(name):
    module = getattr(cp, name)
    assert module.__name__ == f"coproduce.{name}"
    for exported in module.__all__:
        assert getattr(module, exported) is not None, f"coproduce.{name}.{exported}"


@pytest.fixture(scope="module")
def model():
    return cp.load_model("example:older-people")


def test_load_model_and_its_error(tmp_path):
    assert isinstance(cp.load_model("example:older-people"), cp.Model)
    bad = tmp_path / "model.yaml"
    bad.write_text("coproduce: 1\nname: x\nprice_year: 2024\nlinks: [{from: a, to: b}]\n")
    with pytest.raises(cp.ModelError):
        cp.load_model(str(bad))


def test_backwards_map_as_documented(model):
    result = cp.backwards_map(model, "independent_years", 300, by="full", paths=10)
    assert isinstance(result, cp.BackwardsMap)
    d = result.to_dict()
    assert {"target", "currency", "price_year", "pathways", "unreachable"} <= set(d)
    assert d["target"]["outcome"] == "independent_years" and d["target"]["amount"] == 300
    for key in (
        "intervention",
        "volume",
        "cost",
        "cost_per_outcome",
        "coproduction_share",
        "coproduction_share_hours",
        "first_on_full_cost_when_time_valued",
        "within_capacity",
        "co_benefits",
        "flags",
        "flag_shares",
        "paths",
    ):
        assert key in d["pathways"][0], key
    assert {"full", "public", "by_sector", "by_resource"} <= set(d["pathways"][0]["cost"])


def test_simulate_as_documented(model):
    draws = cp.simulate(model, target=("independent_years", 300), draws=200, seed=1)
    assert isinstance(draws, cp.DrawsTable)
    assert draws.n_draws == 200


def test_plan_as_documented(model):
    plan = cp.plan(model, targets={"independent_years": 300}, objective="public")
    assert isinstance(plan, cp.Plan)
    d = plan.to_dict()
    assert d["status"] in ("optimal", "infeasible")
    assert {"status", "volumes", "baseline", "changes"} <= set(d)


def test_voi_as_documented():
    # two options over 4 draws: E[max] = (3 + 2 + 4 + 5) / 4 = 3.5, max E = max(2.5, 3) = 3
    nb = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 4.0], [4.0, 5.0]])
    assert cp.voi.evpi(nb) == pytest.approx(0.5)
    inputs = pd.DataFrame({"x": np.linspace(0, 1, 200)})
    wide = np.column_stack([inputs["x"] * 10, np.full(200, 5.0)])
    value = cp.voi.evppi(wide, inputs)
    assert isinstance(value, float) and value >= 0
    # a -> b: £100 for 1 more; b -> c: £200 for 1 more; all on the frontier
    rows = cp.voi.icers([0.0, 100.0, 300.0], [0.0, 1.0, 2.0], ["a", "b", "c"])
    assert [(r.option, r.status) for r in rows] == [
        ("a", "frontier"),
        ("b", "frontier"),
        ("c", "frontier"),
    ]
    assert [r.icer for r in rows][1:] == pytest.approx([100.0, 200.0])


def test_evsi_as_documented():
    # a function (its module is coproduce.voi.study, so importing it never shadows the name)
    import coproduce.voi.study  # noqa: F401
    from tests.conftest import read_reference_csv

    chemo_nb, chemo_pars = (
        read_reference_csv("voi_chemo_nb.csv"),
        read_reference_csv("voi_chemo_pars.csv"),
    )
    assert "evsi" in cp.voi.__all__
    assert callable(cp.voi.evsi)
    value = cp.voi.evsi(
        chemo_nb.to_numpy(),
        chemo_pars,
        study="trial_binary",
        pars=["p_side_effects_t1", "p_side_effects_t2"],
        n=100,
        seed=1,
    )
    assert isinstance(value, float) and 200 < value < 300  # voi's own test: 242.13


def test_appraisal_as_documented():
    factors = cp.appraisal.discount_factors(range(5), schedule="green-book")
    assert isinstance(factors, np.ndarray) and factors[0] == 1
    assert factors[1] == pytest.approx(1 / 1.035)  # the Green Book's 3.5% in year 1
    result = cp.appraisal.appraise(str(APPRAISAL))
    assert isinstance(result, cp.appraisal.Appraisal)
    assert result.to_dict()


@pytest.fixture(scope="module")
def design():
    # 2 strata of 4 schools; every school stands for 10 (weight 10), so estimates are plain
    # means and sums × 10
    frame = pd.DataFrame(
        {
            "stype": ["E"] * 4 + ["H"] * 4,
            "dnum": [1, 1, 2, 2, 3, 3, 4, 4],
            "pw": [10.0] * 8,
            "fpc": [40.0] * 8,
            "api00": [600.0, 640, 700, 660, 500, 540, 580, 620],
            "enroll": [300.0, 320, 280, 300, 900, 1000, 1100, 1000],
            "ell": [10.0, 20, 5, 15, 30, 25, 20, 10],
            "meals": [40.0, 50, 20, 30, 60, 55, 45, 35],
            "sch_wide": ["Yes", "No", "Yes", "Yes", "No", "No", "Yes", "No"],
        }
    )
    return cp.survey.Design(frame, weights="pw", strata="stype", clusters=["dnum"], fpc=["fpc"])


def test_survey_design_as_documented(design):
    mean, total = design.mean("api00"), design.total("enroll")
    assert mean.value == pytest.approx(605.0)  # (2600 + 2240) / 8
    assert total.value == pytest.approx(52_000)  # 5200 × 10
    assert mean.se > 0 and total.se > 0
    fit = design.glm("api00 ~ ell + meals", family="gaussian")
    frame = fit.to_frame()
    assert list(frame["term"]) == ["Intercept", "ell", "meals"]
    assert {"estimate", "se"} <= set(frame.columns)
    post = design.poststratify("stype", {"E": 50, "H": 30})
    assert post.weights[:4].sum() == pytest.approx(50) and post.weights[4:].sum() == pytest.approx(
        30
    )
    raked = design.rake({"stype": {"E": 50, "H": 30}, "sch_wide": {"Yes": 45, "No": 35}})
    assert raked.weights.sum() == pytest.approx(80, rel=1e-3)
