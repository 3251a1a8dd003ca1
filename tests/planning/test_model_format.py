"""min_volume and cost_curve load, compile and round-trip through the workbook."""

from __future__ import annotations

import numpy as np

from coproduce.model import compile_model, load_model
from coproduce.reports.model_files import write_model_xlsx

from .models import base, edit

CURVE = [{"up_to": 200, "multiplier": 1.0}, {"up_to": 500, "multiplier": 0.8}, {"multiplier": 1.3}]


def test_compiled_arrays():
    data = edit(base(), interventions__a__cost_curve=CURVE, interventions__b__min_volume=7)
    cm = compile_model(load_model(data))
    ends, mults = cm.cost_curves[0]
    assert list(ends) == [200, 500, np.inf] and list(mults) == [1.0, 0.8, 1.3]
    assert cm.cost_curves[1] is None
    assert list(cm.min_volume) == [0.0, 7.0]


def test_xlsx_round_trip(tmp_path):
    data = edit(
        base(),
        interventions__a__cost_curve=CURVE,
        interventions__b__min_volume=7,
        interventions__b__capacity=90,
    )
    m = load_model(data)
    path = tmp_path / "m.xlsx"
    write_model_xlsx(m, path)
    assert load_model(path) == m
