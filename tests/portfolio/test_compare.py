"""Each service's comparison is backwards mapping run service by service, and the kinds of
co-production load, sort and default as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import coproduce as cp
from coproduce.model.errors import ModelError
from coproduce.portfolio import analyse_portfolio, cheaper_ranges, load_portfolio
from coproduce.portfolio.compare import compare_service


@pytest.fixture(scope="module")
def city():
    return load_portfolio("example:city-portfolio")


def test_the_advantage_is_map_run_service_by_service(city):
    for name, svc in city.services.items():
        comp = compare_service(svc, city.pooled(name))
        bmap = cp.backwards_map(svc.model, svc.outcome, svc.targets[svc.outcome])
        kinds = {iid: itv.coproduction for iid, itv in svc.model.interventions.items()}
        co = [p for p in bmap.pathways if kinds[p.intervention] in ("individual", "collective")]
        prof = [p for p in bmap.pathways if kinds[p.intervention] == "none"]
        assert comp.best_coproduced == co[0].intervention, name
        assert comp.best_professional == prof[0].intervention, name
        for key, attr in (("full", "cost_per_outcome_full"), ("public", "cost_per_outcome_public")):
            a = comp.advantage[key]
            assert a["coproduced"] == pytest.approx(getattr(co[0], attr)), (name, key)
            assert a["professional"] == pytest.approx(getattr(prof[0], attr)), (name, key)
            assert a["ratio"] == pytest.approx(getattr(prof[0], attr) / getattr(co[0], attr))
            assert a["difference"] == pytest.approx(getattr(prof[0], attr) - getattr(co[0], attr))
            assert a["saving"] == pytest.approx(a["difference"] * bmap.amount)
        # every pathway of the map is there, in the map's order
        assert [p["intervention"] for p in comp.pathways] == [p.intervention for p in bmap.pathways]


def test_the_hand_built_comparison(files):
    pf = load_portfolio(files / "two.yaml")
    comp = compare_service(pf.services["a"], pf.pooled("a"))
    assert comp.advantage["full"]["coproduced"] == pytest.approx(40.0)  # 20 + 2 × £10
    assert comp.advantage["full"]["professional"] == pytest.approx(100.0)
    assert comp.advantage["public"]["saving"] == pytest.approx(800.0)  # (100 − 20) × 10
    # a + b w: co-produced 20 + 2w, professional 100: co-production cheaper below £40 an hour
    assert comp.cheaper_when_time_valued == ((0.0, pytest.approx(40.0)),)
    assert comp.pathway("a_co")["pool_hours"] == {"volunteers": pytest.approx(20.0)}
    assert comp.pathway("a_co")["evidence"]["grade"] == pytest.approx(2.0)


def test_cheaper_ranges_are_exact():
    # one co-produced line 10 + 2w against professional 30 + 0w: cheaper below w = 10
    assert cheaper_ranges([(10.0, 2.0)], [(30.0, 0.0)]) == ((0.0, 10.0),)
    # dearer at w = 0 but flatter: cheaper from w = 5
    assert cheaper_ranges([(40.0, 1.0)], [(30.0, 3.0)]) == ((5.0, None),)
    # always cheaper; never cheaper
    assert cheaper_ranges([(1.0, 0.0)], [(2.0, 1.0)]) == ((0.0, None),)
    assert cheaper_ranges([(3.0, 1.0)], [(2.0, 0.5)]) == ()
    # two professional lines: the envelope bends; cheaper between 2.5 and 7
    got = cheaper_ranges([(10.0, 2.0)], [(24.0, 0.0), (5.0, 4.0)])  # min(24, 5 + 4w)
    assert got == ((pytest.approx(2.5), pytest.approx(7.0)),)


def test_monte_carlo_is_reproducible_and_sane(files):
    pf = load_portfolio("example:city-portfolio")
    a = compare_service(pf.services["conditions"], pf.pooled("conditions"), draws=300, seed=4)
    b = compare_service(pf.services["conditions"], pf.pooled("conditions"), draws=300, seed=4)
    assert a.uncertainty == b.uncertainty
    u = a.uncertainty
    assert 0.0 <= u["prob_coproduction_cheaper"]["full"] <= 1.0
    assert u["evpi"] >= 0
    assert u["wtp_basis"] == "outcome_value" and u["wtp"] == pytest.approx(70000.0)


def test_kinds_are_optional_and_old_files_load_unchanged():
    m = cp.load_model("example:older-people")
    assert m.interventions["befriending"].coproduction == "collective"
    data = cp.model.model_to_data(m)
    for itv in data["interventions"].values():
        itv.pop("coproduction", None)
    bare = cp.load_model(data)
    assert all(i.coproduction is None and i.stages == [] for i in bare.interventions.values())
    assert "stages" not in cp.model.model_to_data(bare)["interventions"]["befriending"]


def test_stages_are_checked_and_kept_in_service_order():
    data = cp.model.model_to_data(cp.load_model("example:long-term-conditions"))
    data["interventions"]["self_management_course"]["stages"] = ["co_delivery", "co_design"]
    m = cp.load_model(data)
    assert m.interventions["self_management_course"].stages == ["co_design", "co_delivery"]
    data["interventions"]["self_management_course"]["stages"] = ["co_delivery", "co_delivery"]
    data["interventions"]["peer_support_group"]["coproduction"] = "collectve"
    with pytest.raises(ModelError) as exc:
        cp.load_model(data)
    paths = {i.path for i in exc.value.issues}
    assert {
        "interventions.self_management_course.stages",
        "interventions.peer_support_group.coproduction",
    } <= paths


def test_bundled_portfolios_are_apart_from_bundled_models():
    from coproduce.portfolio import example_names as portfolios

    models = cp.example_names()
    assert {"local-environment", "long-term-conditions"} <= set(models)
    assert "city-portfolio" not in models and "city-portfolio" in portfolios()
    with pytest.raises(ModelError):
        cp.load_model("example:city-portfolio")


def test_untagged_interventions_count_by_their_inputs(files):
    from coproduce.portfolio.kinds import is_coproduced, kind_of

    data = cp.model.model_to_data(cp.load_model(files / "service_a.yaml"))
    for itv in data["interventions"].values():
        itv.pop("coproduction")
    cm = cp.compile_model(cp.load_model(data))
    assert kind_of(cm, "a_co") == "unstated" and is_coproduced(cm, "a_co")
    assert not is_coproduced(cm, "a_prof")


def test_the_ranking_and_its_reasons(files):
    r = analyse_portfolio(files / "two.yaml", draws=0)
    tiers = {x["service"]: x["tier"] for x in r.ranking}
    # A: cheaper in full (£40 a unit against £100) but graded 2: test first. B: 10 + 4 × £10
    # = £50 a unit against £60: cheaper, graded 3, saving £100 for 40 hours: first
    assert tiers == {"a": "test_first", "b": "coproduce_first"}
    assert [x["service"] for x in r.ranking] == ["b", "a"]
    assert r.ranking[0]["saving_per_hour"] == pytest.approx((60 - 50) * 10 / 40)


def test_untagged_maps_and_a_service_with_nothing_to_compare(tmp_path):
    """The diamond map tags nothing: b (volunteers and users) counts as co-produced, a as
    professional, and the worked example of docs/method.md is the comparison. Targeting y,
    which only a reaches, leaves nothing to compare."""
    root = Path(__file__).resolve().parents[1] / "models" / "diamond.yaml"
    (tmp_path / "p.yaml").write_text(
        "coproduce_portfolio: 1\nname: Diamond\nservices:\n"
        f"  d: {{model: '{root}'}}\n"
        f"  y: {{model: '{root}', targets: {{y: 5}}}}\n"
    )
    r = analyse_portfolio(tmp_path / "p.yaml", draws=50)
    d = r.services["d"]
    assert (d.best_coproduced, d.best_professional) == ("b", "a")
    assert d.advantage["full"]["coproduced"] == pytest.approx(15333.33 / 10, rel=1e-4)
    assert d.advantage["full"]["professional"] == pytest.approx(325.0)
    # b's full cost a unit 200 + 125 w against a's 325: co-production cheaper below £1 an hour
    assert d.cheaper_when_time_valued == ((0.0, pytest.approx(1.0)),)
    y = r.services["y"]
    assert y.best_coproduced is None and y.advantage is None
    tiers = {x["service"]: x["tier"] for x in r.ranking}
    assert tiers == {"d": "professional", "y": "no_comparison"}
    d_json = r.to_dict()
    assert d_json["services"]["y"]["best_coproduced"] is None
    from coproduce.portfolio.words import recommendation_words

    assert any("no co-produced pathway reaches" in t for t in recommendation_words(r))
