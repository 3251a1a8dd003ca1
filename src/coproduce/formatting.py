"""How figures are written for readers: one formatter for money, quantities, shares, units.

Every table, sentence, report, web page and CLI line writes numbers through here, so a figure
reads the same wherever it appears:

- money in tables: the currency's symbol before the figure (a currency without one after it:
  ``1,234 NOK``), whole units from 100 up, pence below (``£12.34``), ``£0`` for nothing, and an
  ASCII minus before the symbol (``-£8,797``), decided after rounding so ``-0.3`` is ``£0``;
- money in sentences (:func:`money_words`): compact from ten thousand (``£350k``, ``£1.17m``);
- an hourly rate (:func:`rate`): always pence (``£11.44``);
- quantities: whole from 100 up or when whole, else three significant figures (``0.35``,
  ``12.5``), never trailing zeros (``40``, not ``40.00``);
- shares (:func:`percent`): ``61%``, and ``under 1%`` / ``over 99%`` rather than a misleading
  ``0%`` or ``100%``;
- units in words, singular or plural (:func:`count`: ``1 hour``, ``2,449 people``).
"""

from __future__ import annotations

import math
import re

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
MISSING = "–"


def currency_of(unit: str | None) -> str | None:
    """The currency code a unit names (``GBP`` for ``"gbp "``), or None when the unit is not
    money: a resource counted in money is written as an amount, not as a count of units."""
    code = (unit or "").strip().upper()
    return code if code in _SYMBOLS else None


def currency_sign(currency: str) -> str:
    """The symbol written before amounts: ``£``; other codes as they are."""
    return _SYMBOLS.get(currency, currency)


def in_unit(n: float | None, unit: str) -> str:
    """So much of something in its unit: ``2,449 people``, or an amount when the unit is a
    currency (``£1,034,294``, not ``1,034,294 GBP``)."""
    code = currency_of(unit)
    return money(n, code) if code else count(n, unit)


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def _with_currency(body: str, negative: bool, currency: str) -> str:
    sign = "-" if negative else ""
    sym = _SYMBOLS.get(currency)
    return f"{sign}{sym}{body}" if sym else f"{sign}{body} {currency}"


def money(x: float | None, currency: str = "GBP") -> str:
    """An amount for a table: ``£1,234``, ``£12.34``, ``-£5``, ``£0``; '–' when missing."""
    if _missing(x):
        return MISSING
    a = abs(float(x))
    body = f"{a:,.0f}" if a >= 100 or a < 0.005 else f"{a:,.2f}"
    negative = x < 0 and body.strip("0.,") != ""
    return _with_currency(body, negative, currency)


def money_words(x: float | None, currency: str = "GBP") -> str:
    """An amount for a sentence: ``£350k``, ``-£1.17m``, ``£9,950``; '–' when missing."""
    if _missing(x):
        return MISSING
    a = abs(float(x))
    if a >= 1e6:
        body = f"{a / 1e6:,.2f}".rstrip("0").rstrip(".") + "m"  # £1m, £1.5m, £1.17m
    elif a >= 1e4:
        body = f"{a / 1e3:,.0f}k"
    else:
        body = f"{a:,.0f}" if a >= 100 or a < 0.005 else f"{a:,.2f}"
    negative = x < 0 and body.strip("0.,mk") != ""
    return _with_currency(body, negative, currency)


def rate(x: float | None, currency: str = "GBP") -> str:
    """An hourly (or other per-unit) rate, always to the penny: ``£11.44``."""
    if _missing(x):
        return MISSING
    body = f"{abs(float(x)):,.2f}"
    return _with_currency(body, x < 0 and body != "0.00", currency)


def quantity(x: float | None) -> str:
    """``1,234`` from 100 up or when whole, else three significant figures (``0.35``, ``12.5``,
    ``0.00735``); '–' when missing."""
    if _missing(x):
        return MISSING
    x = float(x)
    if abs(x) >= 100 or x.is_integer():
        text = f"{x:,.0f}"
        return "0" if text == "-0" else text
    text = f"{x:.3g}"
    if "e" in text:  # very small: plain decimals, still three significant figures
        text = f"{x:.{max(2 - math.floor(math.log10(abs(x))), 0)}f}"
    return text


def percent(p: float | None) -> str:
    """A share or probability: ``61%``; ``under 1%`` and ``over 99%`` at the ends; a share
    within 1e-9 of 0 or 1 (a ratio of sums missing it by rounding) is ``0%`` or ``100%``."""
    if _missing(p):
        return MISSING
    # a share computed as a ratio of sums can miss 0 or 1 by rounding (1 - 2e-16): that is
    # 0% or 100%, not "under 1%" or "over 99%"
    if abs(p) < 1e-9:
        p = 0.0
    elif abs(p - 1) < 1e-9:
        p = 1.0
    if 0 < p < 0.005:
        return "under 1%"
    if 0.995 < p < 1:
        return "over 99%"
    return f"{p:.0%}"


_IRREGULAR = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "match": "matches",
    "family": "families",
    "property": "properties",
    "activity": "activities",
    "study": "studies",
    "day": "days",
    "key": "keys",
}


def plural(unit: str) -> str:
    """The plural of a unit in words: ``hour`` → ``hours``, ``person`` → ``people``,
    ``befriending match (about a year)`` → ``befriending matches (about a year)``,
    ``person-year`` → ``person-years``; units already plural or symbols are kept."""
    text = unit.strip()
    m = re.match(r"^(.*?)(\s*\(.*\))?$", text)
    head, tail = (m.group(1), m.group(2) or "") if m else (text, "")
    words = head.split(" ")
    last = words[-1]
    parts = last.split("-")
    word = parts[-1]
    low = word.lower()
    if not low or not low[-1].isalpha() or low in ("gbp", "eur", "usd", "£"):
        return text
    if word.isupper() and len(word) > 1:  # an acronym: QALY -> QALYs
        new = word + "s"
    elif low in _IRREGULAR:
        new = _IRREGULAR[low]
    elif low.endswith("s") and not low.endswith("ss"):
        new = word
    elif low.endswith(("ch", "sh", "ss", "x")):
        new = word + "es"
    elif low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        new = word[:-1] + "ies"
    else:
        new = word + "s"
    parts[-1] = new
    words[-1] = "-".join(parts)
    return " ".join(words) + tail


def count(n: float | None, unit: str) -> str:
    """A number of units in words: ``1 hour``, ``2,449 people``, ``0.5 hours``."""
    if _missing(n):
        return MISSING
    return f"{quantity(n)} {unit if float(n) == 1 else plural(unit)}"


def share_of_variance(r2: float | None) -> str:
    """A regression's R² (0–1) for readers: two decimals, ``0`` when it rounds to nothing,
    ``1`` when it rounds to all."""
    if _missing(r2):
        return MISSING
    text = f"{float(r2):.2f}"
    return {"0.00": "0", "-0.00": "0", "1.00": "1"}.get(text, text)
