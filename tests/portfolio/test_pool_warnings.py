"""A pool far from what its member models assume is said so, naming both figures.

Hand-built portfolio (tests/portfolio/files): service A's model gives its `volunteer_hour`
1,000 hours available, service B's gives its `helper_hour` 1,000 hours; the pool lists both, so
the models assume 1,000 + 1,000 = 2,000 hours. A pool more than 3 × 2,000 = 6,000 hours, or less
than 2,000 / 3 = 666.67 hours, is said so; 6,000 and 667 are not (the bounds are strict, as
`survey capacity --to-model` uses them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coproduce.portfolio import analyse_portfolio, load_portfolio

from ..clirun import cli

PORTFOLIO = """coproduce_portfolio: 1
name: Two services
services:
  a: {model: service_a.yaml}
  b: {model: service_b.yaml, targets: {z: 10}}
pools:
  volunteers:
    label: Shared volunteers
    resources: {a: volunteer_hour, b: helper_hour}
    available: AVAILABLE
"""


def _portfolio(tmp: Path, files: Path, available: str, *, b_states_none=False) -> Path:
    (tmp / "service_a.yaml").write_text((files / "service_a.yaml").read_text())
    b = (files / "service_b.yaml").read_text()
    if b_states_none:
        b = b.replace(", available: 1000}", "}")
    (tmp / "service_b.yaml").write_text(b)
    path = tmp / "p.yaml"
    path.write_text(PORTFOLIO.replace("AVAILABLE", available))
    return path


@pytest.mark.parametrize(
    "available,ratio,how",
    [
        ("30", 30 / 2000, "less than a third of"),
        ("0", 0.0, "less than a third of"),  # no hours at all is far from 2,000
        ("666", 666 / 2000, "less than a third of"),  # 0.333 < 1/3
        ("6001", 6001 / 2000, "more than three times"),  # 3.0005 > 3
        ("20000", 10.0, "more than three times"),
    ],
)
def test_a_pool_far_from_the_models_is_said_so(files, tmp_path, available, ratio, how):
    pf = load_portfolio(_portfolio(tmp_path, files, available))
    [w] = pf.warnings
    assert w["kind"] == "pool_far_from_models" and w["pool"] == "volunteers"
    assert w["available"] == float(available)
    assert w["models_assume"] == 2000  # 1,000 (A) + 1,000 (B)
    assert w["ratio"] == pytest.approx(ratio)
    assert w["by_service"] == {"a": {"volunteer_hour": 1000}, "b": {"helper_hour": 1000}}
    assert w["not_stated"] == [] and w["area"] is None
    from coproduce.portfolio.words import pool_warning_words

    [line] = pool_warning_words(pf)
    assert line == (
        f"Shared volunteers: {int(available):,} hour{'s' if available != '1' else ''} "
        f"available, {how} what the services' own models assume (2,000 hours: 1,000 for "
        "volunteer hour in Service A and 1,000 for helper hour in Service B): check where "
        "each figure comes from."
    )


@pytest.mark.parametrize("available", ["667", "2000", "6000"])  # 0.3335, 1 and exactly 3
def test_a_pool_within_a_factor_of_three_is_not(files, tmp_path, available):
    assert load_portfolio(_portfolio(tmp_path, files, available)).warnings == ()


def test_a_resource_whose_model_states_no_figure_is_named_and_left_out(files, tmp_path):
    # B states no `available`: the models assume A's 1,000 only; 3,001 > 3 × 1,000
    pf = load_portfolio(_portfolio(tmp_path, files, "3001", b_states_none=True))
    [w] = pf.warnings
    assert w["models_assume"] == 1000 and w["ratio"] == pytest.approx(3.001)
    assert w["not_stated"] == ["b.helper_hour"]
    from coproduce.portfolio.words import pool_warning_words

    [line] = pool_warning_words(pf)
    assert "more than three times what the services' own models assume (1,000 hours; " in line
    assert "helper hour in Service B states no figure" in line
    # within a factor of three of A's own figure: nothing to say
    pf = load_portfolio(_portfolio(tmp_path, files, "3000", b_states_none=True))
    assert pf.warnings == ()


def test_a_pool_by_area_is_checked_area_by_area(files, tmp_path):
    path = _portfolio(tmp_path, files, "{north: 300, south: 1500}")
    text = (
        path.read_text()
        .replace("a: {model: service_a.yaml}", "a: {model: service_a.yaml, area: north}")
        .replace("targets: {z: 10}}", "targets: {z: 10}, area: south}")
    )
    path.write_text(text)
    # north: 300 hours for A alone (1,000): 0.3 < 1/3, said; south: 1,500 for B (1,000): 1.5
    # — though the total, 1,800 against 2,000, would pass
    [w] = load_portfolio(path).warnings
    assert (w["area"], w["available"], w["models_assume"]) == ("north", 300, 1000)
    assert w["by_service"] == {"a": {"volunteer_hour": 1000}}
    path.write_text(text.replace("{north: 300, south: 1500}", "{north: 500, south: 3500}"))
    # north 0.5, fine; south 3.5 > 3, said
    [w] = load_portfolio(path).warnings
    assert (w["area"], w["available"], w["ratio"]) == ("south", 3500, 3.5)


def test_the_result_and_the_command_say_it(files, tmp_path):
    path = _portfolio(tmp_path, files, "30")
    result = analyse_portfolio(load_portfolio(path), draws=0)
    out = result.to_dict()
    [w] = out["warnings"]
    assert (w["available"], w["models_assume"]) == (30, 2000)
    assert out["pools"]["volunteers"]["models_assume"] == 2000
    said = (
        "Shared volunteers: 30 hours available, less than a third of what the services' own "
        "models assume (2,000 hours: 1,000 for volunteer hour in Service A and 1,000 for "
        "helper hour in Service B)"
    )
    assert any(said in part for part in out["summary_parts"])
    r = cli("portfolio", str(path), "--draws", "0")
    assert r.returncode == 0, r.stderr
    assert said in " ".join(r.stdout.split())
    r = cli("portfolio", str(path), "--draws", "0", "--json")
    assert json.loads(r.stdout)["warnings"][0]["models_assume"] == 2000
