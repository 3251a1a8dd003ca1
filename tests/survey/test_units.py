"""Hand-worked checks: SRS formulas, Cronbach's alpha, disclosure control, readers, calibration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.survey import Design, cronbach_alpha, load_survey, read_survey
from coproduce.survey.estimates import Estimate
from coproduce.survey.measures import suppress


def test_simple_random_sample_by_hand():
    """y = 1..10, N = 100: mean 5.5; s² = 55/6; SE = sqrt((1 - 10/100) s² / 10)."""
    frame = pd.DataFrame({"y": np.arange(1.0, 11.0), "w": 10.0, "N": 100.0})
    est = Design(frame, weights="w", fpc="N").mean("y")
    assert est.value == pytest.approx(5.5)
    assert est.se == pytest.approx(math.sqrt(0.9 * (55 / 6) / 10))
    total = Design(frame, weights="w", fpc="N").total("y")
    assert total.value == pytest.approx(550) and total.se == pytest.approx(100 * est.se)
    assert est.deff == pytest.approx(1.0)


def test_cronbach_alpha_by_hand():
    """Items a=(1,2,3,4), b=(2,2,3,5): var a = 5/3, var b = 6/3 = 2, a+b = (3,4,6,9) with
    var 21/3 = 7; alpha = 2 * (1 - (5/3 + 2) / 7) = 20/21."""
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 5]})
    alpha, n = cronbach_alpha(frame)
    assert n == 4
    assert alpha == pytest.approx(20 / 21)


def test_small_cells_are_suppressed():
    est = Estimate("mean", "x", 0.5, 0.1, 0.3, 0.7, n=9)
    row = suppress(est, 10)
    assert row["suppressed"] and row["value"] is None and "fewer than 10" in row["note"]
    row = suppress(Estimate("mean", "x", 0.01, 0.01, 0, 0.03, n=500), 10, taking_part=4)
    assert row["suppressed"]
    row = suppress(Estimate("mean", "x", 0.4, 0.02, 0.36, 0.44, n=500), 10, taking_part=200)
    assert not row["suppressed"] and row["value"] == 0.4


@pytest.mark.parametrize(
    "n,yes,words",
    [
        (9, None, "only 9 respondent(s) behind this cell, fewer than 10"),
        (500, 4, "only 4 of 500 respondents take part, fewer than 10"),
        (1000, 994, "only 6 of 1000 respondents do not take part, fewer than 10"),  # 1000 - 994
    ],
)
def test_suppression_note_names_the_count_that_was_too_small(n, yes, words):
    row = suppress(Estimate("mean", "x", 0.5, 0.01, 0.48, 0.52, n=n), 10, taking_part=yes)
    assert row["suppressed"] and words in row["note"]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.5, 20), min_size=12, max_size=40),
    st.lists(st.floats(10, 1000), min_size=3, max_size=3),
)
def test_poststratified_counts_equal_population(weights, pops):
    """After post-stratification the weighted count of every cell is its population count,
    and its estimated total has (almost) no variance."""
    n = len(weights)
    frame = pd.DataFrame(
        {"w": weights, "g": [["a", "b", "c"][i % 3] for i in range(n)], "psu": np.arange(n) // 2}
    )
    design = Design(frame, weights="w", clusters="psu").poststratify(
        "g", dict(zip("abc", pops, strict=True))
    )
    for row, pop in zip(design.total("g"), pops, strict=True):
        assert row.value == pytest.approx(pop)
        assert row.se == pytest.approx(0, abs=1e-6 * pop)


def test_readers_carry_value_labels(tmp_path):
    survey = load_survey()
    raw = pd.read_csv(survey.file).head(50)
    labels = {
        "env_recycle": {
            1.0: "never",
            2.0: "occasionally",
            3.0: "regularly",
            8.0: "don't know",
            9.0: "refused",
        }
    }
    sav, dta = tmp_path / "s.sav", tmp_path / "s.dta"
    pyreadstat.write_sav(raw, str(sav), variable_value_labels=labels)
    pyreadstat.write_dta(raw, str(dta), variable_value_labels=labels)
    for path in (sav, dta):
        read = read_survey(path)
        assert read.labels["env_recycle"][3] == "regularly"
        assert read.frame["env_recycle"].tolist() == raw["env_recycle"].tolist()
    # parquet and xlsx with answers written out as labels are decoded back to codes
    text = raw.assign(
        env_recycle=raw["env_recycle"].map(
            {1: "never", 2: "occasionally", 3: "regularly", 8: "don't know", 9: "refused"}
        )
    )
    pq, xl = tmp_path / "s.parquet", tmp_path / "s.xlsx"
    text.assign(env_recycle=text["env_recycle"].astype("category")).to_parquet(pq)
    text.to_excel(xl, index=False, sheet_name="data")
    cb = "example:five-nation"
    for path in (pq, xl, sav):
        prepared = load_survey(path, cb)
        got = prepared.data["env_recycle__label"].astype(str).tolist()
        want = raw["env_recycle"].map({1: "never", 2: "occasionally", 3: "regularly"})
        assert got == want.fillna("nan").astype(str).tolist()
