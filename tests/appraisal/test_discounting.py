"""Discount factors against hand-computed band-by-band compounding (Green Book)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.appraisal import discount_factors, get_schedule


def test_standard_schedule_by_hand():
    df = discount_factors(200, "green-book")
    assert df[0] == 1.0
    assert df[1] == pytest.approx(1 / 1.035, rel=1e-15)
    df30 = 1 / 1.035**30
    assert df[30] == pytest.approx(df30, rel=1e-13)
    assert df[31] == pytest.approx(df30 / 1.03, rel=1e-13)  # band 2 starts in year 31
    df75 = df30 / 1.03**45
    assert df[75] == pytest.approx(df75, rel=1e-13)
    assert df[76] == pytest.approx(df75 / 1.025, rel=1e-13)  # band 3 starts in year 76
    assert df[126] == pytest.approx(df75 / 1.025**50 / 1.02, rel=1e-12)
    assert df[30] == pytest.approx(0.356278, abs=5e-7)  # Green Book tables: 0.3563


def test_health_schedule_by_hand():
    df = discount_factors([0, 30, 31, 76], "green-book-health")
    df30 = 1 / 1.015**30
    assert df[1] == pytest.approx(df30, rel=1e-13)
    assert df[2] == pytest.approx(df30 / 1.0129, rel=1e-13)
    assert df[3] == pytest.approx(df30 / 1.0129**45 / 1.0107, rel=1e-13)


def test_aliases_point_at_versioned_names():
    assert get_schedule("green-book").name == "green-book-2022"
    assert get_schedule("green-book-health").name == "green-book-health-2022"
    assert np.array_equal(discount_factors(50), discount_factors(50, "green-book-2022"))


def test_first_year_discounted_shifts_by_one():
    a = discount_factors(10, first_year_discounted=True)
    b = discount_factors(11)
    assert np.array_equal(a, b[1:])
    assert a[0] == pytest.approx(1 / 1.035)


def test_custom_and_constant_schedules():
    df = discount_factors(5, [(1, 0.10), (3, 0.0)])
    assert df.tolist() == pytest.approx([1, 1 / 1.1, 1 / 1.21, 1 / 1.21, 1 / 1.21])
    assert discount_factors(3, 0.05)[2] == pytest.approx(1 / 1.05**2)
    with pytest.raises(ValueError, match="unknown discount schedule"):
        discount_factors(3, "green-bok")


@given(st.integers(0, 400))
def test_factors_compound(t):
    df = discount_factors(t + 2)
    rate = get_schedule("green-book").rate_of_year(np.array([t + 1]))[0]
    assert df[t + 1] == pytest.approx(df[t] / (1 + rate), rel=1e-12)
    assert df[t + 1] < df[t]
