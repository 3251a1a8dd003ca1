"""The portfolio's question per area: a sweep's ``coproduction`` column compares the best
co-produced with the best professional pathway in each row, worked by hand on a small map."""

from __future__ import annotations

import math

import pytest

from coproduce.model import load_model
from coproduce.scale import read_sweep, sweep
from coproduce.scale.sweep.results import summarise
from tests.planning.models import base


def test_each_row_compares_the_best_co_produced_and_professional_pathway(tmp_path):
    # a (professional): 2 staff hours at £10 a unit, effect 1 on x and x on y: £20 a year of y
    # b (co-produced): £5 of staff and 1 volunteer hour a unit, effect 0.5 on y:
    #   full (5 + 12) / 0.5 = £34 a year of y, public 5 / 0.5 = £10
    #   with a volunteer hour valued at £2: full (5 + 2) / 0.5 = £14
    areas = tmp_path / "areas.csv"
    areas.write_text("area,resources.vol.unit_cost\nas stated,12\ncheap time,2\n")
    sweep(load_model(base()), analysis="coproduction", areas=areas, out=tmp_path / "out")
    df = read_sweep(tmp_path / "out").set_index("area")
    first, second = df.loc["as stated"], df.loc["cheap time"]
    assert first["coproduced"] == "b" and first["professional"] == "a"
    assert first["coproduced_cost_per_outcome_full"] == pytest.approx(34.0)
    assert first["professional_cost_per_outcome_full"] == pytest.approx(20.0)
    assert first["advantage_ratio_full"] == pytest.approx(20 / 34)
    assert first["saving_per_outcome_full"] == pytest.approx(-14.0)
    assert not first["coproduction_cheaper_full"]
    # on public money alone co-production is half the price
    assert first["advantage_ratio_public"] == pytest.approx(2.0)
    assert first["saving_per_outcome_public"] == pytest.approx(10.0)
    # 100 years of y need 200 units of b: 200 volunteer hours
    assert first["coproduction_hours"] == pytest.approx(200.0)
    assert second["coproduced_cost_per_outcome_full"] == pytest.approx(14.0)
    assert second["advantage_ratio_full"] == pytest.approx(20 / 14)
    assert second["coproduction_cheaper_full"]
    # the co-produced pathway's caveats: 200 hours needed where 100 are available
    assert first["flag_over_available"] and not first["fits"]
    line = summarise(read_sweep(tmp_path / "out"), "coproduction").set_index("area")
    assert line.loc["cheap time", "advantage_ratio_full"] == pytest.approx(20 / 14)


def test_a_map_with_no_co_produced_pathway_gives_empty_columns(tmp_path):
    data = base()
    del data["interventions"]["b"]
    data["links"] = [lk for lk in data["links"] if lk["from"] != "b"]
    del data["resources"]["vol"]
    areas = tmp_path / "areas.csv"
    areas.write_text("area,resources.staff.unit_cost\none,10\n")
    sweep(load_model(data), analysis="coproduction", areas=areas, out=tmp_path / "out")
    row = read_sweep(tmp_path / "out").iloc[0]
    assert row["coproduced"] == "" and row["professional"] == "a"
    assert math.isnan(row["advantage_ratio_full"]) and not row["coproduction_cheaper_full"]
