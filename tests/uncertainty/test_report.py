"""The HTML report: four charts, their data as CSV, and a summary in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coproduce import voi
from coproduce.engine.draws import DrawsTable
from coproduce.reports.uncertainty import chart_frames, describe_input, write_report


def _table() -> DrawsTable:
    # two options; option b's effect depends on input "links[b->o].effect"; a is certain
    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(1.0, 0.3, n)
    effect = np.column_stack([np.full(n, 10.0), 10 * x])
    cost = np.column_stack([np.full(n, 1000.0), np.full(n, 900.0)])
    inputs = pd.DataFrame({"links[b->o].effect": x, "resources.r.unit_cost": rng.normal(5, 1, n)})
    return DrawsTable(
        options=("a", "b"),
        effect=effect,
        cost=cost,
        inputs=inputs,
        meta={
            "currency": "GBP",
            "price_year": 2024,
            "model": "toy",
            "target": {"outcome": "o", "amount": 10, "unit": "case"},
        },
    )


def test_report_has_four_charts_and_a_plain_summary(tmp_path):
    table = _table()
    result = voi.analyse(table, 100)
    out = tmp_path / "r.html"
    write_report(result, table, out)
    html = out.read_text()
    # NB_a = 100 × 10 − 1000 = 0; NB_b = 1000 x − 900, mean 100: b is best when x > 0.9
    p_b = float(np.mean(1000 * table.inputs["links[b->o].effect"] - 900 > 0))
    assert result.best_option == "b"
    assert result.prob_best["b"] == p_b
    assert f"it is the best option in {p_b:.0%}" in html
    assert "The evidence most worth paying for is the effect of b on o" in html
    for title in (
        "Cost-effectiveness plane",
        "How likely each option is to be the best buy",
        "Where better evidence is worth most",
        "One-way sensitivity",
    ):
        assert title in html
    frames = chart_frames(result, table)
    assert set(frames) == {"plane", "ceac", "evppi", "tornado"}
    assert html.count("data:text/csv;base64") == 5  # four charts and the frontier table
    assert "<script src=" not in html  # plotly.js embedded, no CDN


def test_describe_input():
    assert describe_input("links[a->b].effect") == "the effect of a on b"
    assert describe_input("resources.vol.unit_cost") == "the unit cost of vol"
    assert describe_input("interventions.x.inputs.staff") == "the staff needed per unit of x"
    assert describe_input("something else") == "something else"
