"""Tables for the reports, every figure written by the one formatter.

:func:`data_table` is :func:`coproduce.reports.page.table_html` with a formatter per column:
numbers are never printed with a fixed ``{:,.2f}`` (no ``40.00``, no ``257,875.40`` without its
currency), ``True``/``False`` become yes/no and missing values a dash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..formatting import MISSING, quantity
from .page import esc

Format = Callable[[Any], str]


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def cell(v: Any, fmt: Format | None = None) -> tuple[str, bool]:
    """A value as table text, and whether it is a figure (right-aligned)."""
    if _missing(v):
        return MISSING, fmt is not None
    if isinstance(v, bool) or (hasattr(v, "dtype") and str(getattr(v, "dtype", "")) == "bool"):
        return ("yes" if bool(v) else "no"), False
    if fmt is not None:
        return fmt(v), True
    if isinstance(v, (int, float)) or (hasattr(v, "item") and isinstance(v.item(), (int, float))):
        x = float(v)
        return (quantity(x) if math.isfinite(x) else MISSING), True
    return str(v), False


def data_table(
    frame: pd.DataFrame | Sequence[Mapping[str, Any]],
    formats: Mapping[str, Format] | None = None,
    *,
    classes: str = "data",
    caption: str | None = None,
) -> str:
    """An HTML table of ``frame`` (or of a list of row dicts): each column through its
    formatter in ``formats`` (money, percent, rate, count ...), other numbers through
    :func:`coproduce.formatting.quantity`; figures right-aligned."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(list(frame))
    formats = formats or {}
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for col, v in zip(frame.columns, record, strict=True):
            text, num = cell(v, formats.get(col))
            cls = ' class="num"' if num else ""
            cells.append(f"<td{cls}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (
        f'<table class="{classes}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def paragraphs(texts: Sequence[str], cls: str | None = None) -> str:
    """Sentences as paragraphs."""
    c = f' class="{cls}"' if cls else ""
    return "".join(f"<p{c}>{esc(t)}</p>" for t in texts if t)


def bullet_list(texts: Sequence[str]) -> str:
    return ("<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts if t) + "</ul>") if texts else ""
