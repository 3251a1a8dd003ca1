"""Optimism bias (Green Book worked example) and deflators."""

from __future__ import annotations

import pytest

from coproduce.appraisal import generic_uplift, get_deflator, rebase
from coproduce.appraisal.deflators import normalise_year


def test_green_book_worked_example_100m_non_standard_building():
    # 51% upper bound x (1 - 0.92) = 4.08%, so £100m becomes about £104m
    uplift = generic_uplift("non_standard_buildings", 0.92)
    assert uplift == pytest.approx(0.51 * 0.08)
    assert 100e6 * (1 + uplift) == pytest.approx(104.08e6)
    assert round(100 * (1 + uplift)) == 104


def test_unknown_category_and_bad_mitigation():
    with pytest.raises(ValueError, match="unknown optimism-bias category"):
        generic_uplift("bridges", 0.5)
    with pytest.raises(ValueError):
        generic_uplift("standard_buildings", 1.5)


def test_hmt_series_rebases_by_ratio_of_indices():
    # HMT December 2025: 2010 = 69.1217, 2024 = 100
    assert rebase(100.0, 2010, 2024) == pytest.approx(100 * 100 / 69.1217)
    assert rebase(100.0, 2024, 2024) == 100.0
    d = get_deflator("hmt-2025-12")
    assert d.kind == "calendar" and "December 2025" in d.source


def test_gmca_series_reproduces_its_own_example():
    # CR1.0: £500 at 2002/03 -> 673.23 at 2015/16 in the database (index 195.97 / 145.544)
    assert rebase(500, "2002/03", "2015/16", "gmca-ucd-1.4") == pytest.approx(673.2312183, rel=1e-9)


def test_year_forms():
    assert normalise_year("2015/16") == ("financial", 2015)
    assert normalise_year("2015-16") == ("financial", 2015)
    assert normalise_year(2015) == ("calendar", 2015)
    assert normalise_year("1999/00") == ("financial", 1999)
    with pytest.raises(ValueError):
        normalise_year("2015/17")
    with pytest.raises(ValueError, match="outside"):
        rebase(1, 1900, 2024)
