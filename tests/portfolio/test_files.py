"""Bad portfolio files exit 2 with located messages; pools far from the models are said so."""

from __future__ import annotations

from pathlib import Path

import pytest

from coproduce.portfolio import PortfolioError, load_portfolio

from ..clirun import cli


def _write(tmp: Path, files: Path, text: str) -> Path:
    for name in ("service_a.yaml", "service_b.yaml"):
        (tmp / name).write_text((files / name).read_text())
    path = tmp / "p.yaml"
    path.write_text(text)
    return path


GOOD = """coproduce_portfolio: 1
name: Two services
services:
  a: {model: service_a.yaml}
  b: {model: service_b.yaml, targets: {z: 10}}
pools:
  volunteers:
    resources: {a: volunteer_hour, b: helper_hour}
    available: 30
"""

BAD = {
    "a missing model": (
        GOOD.replace("model: service_a.yaml", "model: servise_a.yaml"),
        4,
        "services.a.model",
        "cannot load 'servise_a.yaml'",
    ),
    "a missing example": (
        GOOD.replace("model: service_a.yaml", "model: 'example:older'"),
        4,
        "services.a.model",
        "unknown example 'older'",
    ),
    "a target on an unknown outcome": (
        GOOD.replace("targets: {z: 10}", "targets: {zz: 10}"),
        5,
        "services.b.targets.zz",
        "unknown outcome 'zz'",
    ),
    "a pool naming a resource the model lacks": (
        GOOD.replace("b: helper_hour", "b: helpers_hour"),
        8,
        "pools.volunteers.resources.b",
        "'helpers_hour' is not a resource of Service B (did you mean 'helper_hour'?)",
    ),
    "a pool naming an unknown service": (
        GOOD.replace("b: helper_hour", "c: helper_hour"),
        8,
        "pools.volunteers.resources.c",
        "unknown service 'c'",
    ),
    "a pool no service uses": (
        GOOD.replace("resources: {a: volunteer_hour, b: helper_hour}", "resources: {}"),
        8,
        "pools.volunteers.resources",
        "no service uses this pool",
    ),
    "an unknown field": (
        GOOD.replace("available: 30", "availble: 30"),
        9,
        "pools.volunteers.availble",
        "unknown field 'availble'",
    ),
    "a wrong version": (
        GOOD.replace("coproduce_portfolio: 1", "coproduce_portfolio: 2"),
        1,
        "coproduce_portfolio",
        "format version must be 1",
    ),
    "an unknown budget": (
        GOOD + "budgets: {pubic: 100}\n",
        10,
        "budgets.pubic",
        "unknown budget 'pubic' (did you mean 'public'?)",
    ),
    "areas without the service's area": (
        GOOD.replace("available: 30", "available: {north: 20, south: 10}"),
        4,
        "services.a",
        "gives hours by area",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_files_exit_2_with_a_located_message(case, files, tmp_path):
    text, line, path, words = BAD[case]
    p = _write(tmp_path, files, text)
    r = cli("portfolio", str(p), "--draws", "0")
    assert r.returncode == 2, (case, r.stdout[-500:], r.stderr[-2000:])
    assert f"{p}:{line}: {path}: " in r.stderr, (case, r.stderr)
    assert words in r.stderr, (case, r.stderr)
    assert "Traceback" not in r.stderr


def test_a_resource_no_intervention_uses(files, tmp_path):
    text = GOOD.replace("b: helper_hour", "b: idle_hour")
    p = _write(tmp_path, files, text)
    (tmp_path / "service_b.yaml").write_text(
        (files / "service_b.yaml")
        .read_text()
        .replace(
            "resources:\n",
            "resources:\n  idle_hour: {unit: hour, sector: community, unit_cost: 10}\n",
        )
    )
    with pytest.raises(PortfolioError) as exc:
        load_portfolio(p)
    [issue] = exc.value.issues
    assert issue.path == "pools.volunteers.resources.b" and issue.line == 8
    assert "no intervention of Service B uses 'idle_hour'" in issue.message


def test_a_bad_model_reports_its_own_problems(files, tmp_path):
    p = _write(tmp_path, files, GOOD)
    (tmp_path / "service_a.yaml").write_text(
        (files / "service_a.yaml")
        .read_text()
        .replace("to: y, effect: 1, evidence: 4", "to: yy, effect: 1, evidence: 4")
    )
    r = cli("portfolio", str(p))
    assert r.returncode == 2
    assert "services.a.model: the model 'service_a.yaml' has 1 problem" in r.stderr
    assert "links[0].to: unknown node 'yy'" in r.stderr


def test_a_pool_far_from_what_the_models_assume_is_said_so(files):
    pf = load_portfolio(files / "two.yaml")
    [w] = pf.warnings
    assert w["available"] == 30 and w["models_assume"] == 2000
    r = cli("portfolio", str(files / "two.yaml"), "--draws", "0")
    assert r.returncode == 0
    assert (
        "30 hours available, less than a third of what the services' own models assume "
        "(2,000 hours" in " ".join(r.stdout.split())
    )


def test_pools_by_area(files, tmp_path):
    text = (
        GOOD.replace("available: 30", "available: {north: 15, south: 50}")
        .replace("a: {model: service_a.yaml}", "a: {model: service_a.yaml, area: north}")
        .replace(
            "b: {model: service_b.yaml, targets: {z: 10}}",
            "b: {model: service_b.yaml, targets: {z: 10}, area: south}",
        )
    )
    from coproduce.portfolio import joint_plan

    p = joint_plan(load_portfolio(_write(tmp_path, files, text)))
    # A has 15 hours in the north: 7.5 co-produced units, each hour saving £40; B has more
    # than its 40 hours in the south: all 10 units co-produced, an hour there saves nothing
    assert p.volumes["a"]["a_co"] == pytest.approx(7.5)
    assert p.volumes["b"]["b_co"] == pytest.approx(10.0)
    assert set(p.shadow_prices["pools"]) == {"volunteers.north", "volunteers.south"}
    assert p.shadow_prices["pools"]["volunteers.north"] == pytest.approx(40.0)
    assert p.shadow_prices["pools"]["volunteers.south"] == pytest.approx(0.0)


def test_models_from_elsewhere_through_a_resolver(files):
    """The web app's stored model versions: a resolver gives each service's model."""
    import coproduce as cp

    models = {
        "v1": cp.load_model(files / "service_a.yaml"),
        "v2": cp.load_model(files / "service_b.yaml"),
    }
    data = {
        "coproduce_portfolio": 1,
        "name": "Stored",
        "services": {"a": {"model": "v1"}, "b": {"model": "v2"}},
        "pools": {
            "volunteers": {
                "resources": {"a": "volunteer_hour", "b": "helper_hour"},
                "available": 30,
            }
        },
    }

    def resolver(ref: str):
        if ref not in models:
            from coproduce.model.errors import Issue, ModelError

            raise ModelError([Issue("", f"unknown example '{ref}'")])
        return models[ref]

    from coproduce.portfolio import joint_plan

    p = joint_plan(load_portfolio(data, resolver=resolver))
    assert p.shadow_prices["pools"]["volunteers"] == pytest.approx(12.5)
    data["services"]["b"]["model"] = "v3"
    with pytest.raises(PortfolioError) as exc:
        load_portfolio(data, resolver=resolver)
    assert exc.value.issues[0].path == "services.b.model"
