"""How amounts and quantities are written in tables and sentences (CLI, reports, summaries).

One place, so a figure reads the same in `coproduce map`, `coproduce plan` and their reports:
whole units from 100 up, two decimals below; a minus sign before the currency symbol.
"""

from __future__ import annotations

import math

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def money(x: float | None, currency: str = "GBP") -> str:
    """£1,234 for large amounts, £12.34 for small ones, -£5 for negative; '–' when missing.
    Currencies without a symbol are written after the figure (1,234 NOK)."""
    if _missing(x):
        return "–"
    sign = "-" if x < 0 else ""
    body = f"{abs(x):,.0f}" if abs(x) >= 100 else f"{abs(x):,.2f}"
    sym = _SYMBOLS.get(currency)
    return f"{sign}{sym}{body}" if sym else f"{sign}{body} {currency}"


def quantity(x: float | None) -> str:
    """1,234 from 100 up or for whole numbers, 12.34 otherwise; '–' when missing."""
    if _missing(x):
        return "–"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"
