"""The bundled GMCA unit-cost library against the database workbook itself."""

from __future__ import annotations

import pytest

from coproduce.appraisal import ATTRIBUTION, get_unit_cost, search
from coproduce.appraisal.unit_costs import library

from .conftest import UCD_XLSX, need_reference

THEMES = {"crime", "health", "social_care", "housing", "employment", "education", "fire"}


def test_at_least_100_entries_across_every_theme_with_attribution():
    lib = library()
    assert len(lib) >= 100
    assert {e.theme for e in lib.values()} == THEMES
    for e in lib.values():
        assert e.attribution == ATTRIBUTION == "GMCA Unit Cost Database v1.4, CC BY 4.0"
        assert e.values and e.original_source and e.unit and e.rag in ("R", "A", "G")


def test_uprating_to_2015_16_reproduces_the_database():
    """Every bundled value, uprated with the database's own index, equals its 'updated' cell."""
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(need_reference(UCD_XLSX), data_only=True, read_only=True)
    cols = {"fiscal": (7, 9), "economic": (10, 12), "social": (13, 15)}  # value, updated
    checked = 0
    lib = library()
    for sheet in (
        "Crime",
        "Education & Skills",
        "Employment & Economy",
        "Fire",
        "Health",
        "Housing",
        "Social Services",
    ):
        for row in wb[sheet].iter_rows(min_row=3, values_only=True):
            code = (row[2] or "").strip() if isinstance(row[2], str) else row[2]
            if code not in lib:
                continue
            for kind, (vi, ui) in cols.items():
                if kind not in lib[code].values or not isinstance(row[ui], (int, float)):
                    continue
                assert row[vi] == pytest.approx(lib[code].values[kind][0])
                assert lib[code].uprated(kind, "2015/16") == pytest.approx(row[ui], rel=1e-9), (
                    code,
                    kind,
                )
                checked += 1
    assert checked >= 100


def test_agency_split_sums_to_headline():
    # E&E1.0: JSA claimant into work, £9,800 (2012/13) = £9,234 DWP/HMT + £566 NHS (facts.md)
    split = get_unit_cost("E&E1.0").fiscal_split()
    assert split == {"dwp": 9234.0, "nhs": 566.0}
    assert sum(split.values()) == 9800.0
    # CR8.5 common assault: 140 police + 19 probation + 77 courts + 15 prison + 58 other CJS +
    # 146 NHS = 455
    split = get_unit_cost("CR8.5").fiscal_split()
    assert split["police"] == 140 and split["nhs"] == 146
    assert sum(split.values()) == pytest.approx(455.0)
    # a headline whose constituents miss a code keeps the remainder with its own agency
    assert sum(get_unit_cost("CR8.0").fiscal_split().values()) == pytest.approx(609.0)


def test_search():
    codes = [e.code for e in search("A&E")]
    assert "HE4.0" in codes
    assert search("he4.0")[0].code == "HE4.0"
    assert search("hip fracture")[0].code == "HE7.10"
    assert search("no such thing at all") == []
    with pytest.raises(KeyError, match="did you mean"):
        get_unit_cost("HE4.00")
