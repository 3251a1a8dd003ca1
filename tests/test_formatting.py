"""The one way amounts, quantities, shares and units are written (CLI, reports, pages)."""

from __future__ import annotations

import math

from coproduce.formatting import count, money, money_words, percent, plural, quantity, rate


def test_money():
    assert money(3250) == "£3,250"
    assert money(99.5) == "£99.50"
    assert money(-14063738.4) == "-£14,063,738"  # the sign before the symbol
    assert money(1234, "EUR") == "€1,234"
    assert money(1234.5, "NOK") == "1,234 NOK"  # 1,234.5 rounds to even
    assert money(None) == "–" and money(math.nan) == "–"
    assert money(0) == "£0" and money(-0.0) == "£0"
    assert money(-0.3) == "-£0.30"  # pence below £100: never a bare "-£0"
    assert money(-0.004) == "£0"  # rounds to nothing: no sign, no pence
    assert money(1_170_000) == "£1,170,000"  # a table column never switches to "m"


def test_money_in_words_rates_and_shares():
    assert money_words(1_170_000) == "£1.17m"
    assert money_words(-350_400) == "-£350k"
    assert money_words(9_950) == "£9,950"
    assert money_words(-0.001) == "£0"
    assert money_words(1_000_000) == "£1m" and money_words(1_500_000) == "£1.5m"
    assert rate(11.44) == "£11.44" and rate(321) == "£321.00"
    assert percent(0.61) == "61%" and percent(0.003) == "under 1%"
    assert percent(0.998) == "over 99%" and percent(0) == "0%" and percent(1) == "100%"
    # a ratio of sums that misses 1 or 0 by rounding is all or nothing, not "over 99%"
    assert percent(1 - 2e-16) == "100%" and percent(3e-17) == "0%"
    assert percent(0.9999) == "over 99%" and percent(1e-6) == "under 1%"


def test_quantity():
    assert quantity(83.333333) == "83.3"  # three significant figures below 100
    assert quantity(25.0) == "25" and quantity(40.0) == "40"  # never "40.00"
    assert quantity(11662.4) == "11,662"
    assert quantity(0.000735) == "0.000735"
    assert quantity(-0.0) == "0"
    assert quantity(None) == "–"


def test_units_in_words():
    assert count(1, "hour") == "1 hour" and count(38873, "hour") == "38,873 hours"
    assert count(2449, "person") == "2,449 people"
    assert plural("befriending match (about a year)") == "befriending matches (about a year)"
    assert plural("person-year") == "person-years"
    assert plural("warden FTE-year") == "warden FTE-years"
    assert plural("family") == "families" and plural("day") == "days"
    assert plural("GBP") == "GBP"
    assert plural("QALY") == "QALYs"


def test_money_units_are_amounts():
    from coproduce.formatting import currency_of, in_unit

    assert (
        currency_of(" gbp ") == "GBP" and currency_of("hour") is None and currency_of(None) is None
    )
    assert in_unit(1034294, "GBP") == "£1,034,294"  # not "1,034,294 GBP"
    assert in_unit(2449, "person") == "2,449 people"
