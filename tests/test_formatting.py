"""The one way amounts and quantities are written (CLI tables, reports, summaries)."""

from __future__ import annotations

import math

from coproduce.formatting import money, quantity


def test_money():
    assert money(3250) == "£3,250"
    assert money(99.5) == "£99.50"
    assert money(-14063738.4) == "-£14,063,738"   # the sign before the symbol
    assert money(1234, "EUR") == "€1,234"
    assert money(1234.5, "NOK") == "1,234 NOK"   # 1,234.5 rounds to even
    assert money(None) == "–" and money(math.nan) == "–"


def test_quantity():
    assert quantity(83.333333) == "83.33"
    assert quantity(25.0) == "25"
    assert quantity(11662.4) == "11,662"
    assert quantity(None) == "–"
