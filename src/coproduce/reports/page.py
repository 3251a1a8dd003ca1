"""The self-contained HTML page every report is built on.

A report is one HTML file that opens without a network: styles inline, charts either as our own
SVG or as plotly figures with plotly.js embedded from the installed ``plotly`` package (never a
CDN), and the data behind every chart downloadable as CSV from a ``data:`` link.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from datetime import date

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("coproduce.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def csv_link(frame: pd.DataFrame, filename: str, label: str = "Download the data (CSV)") -> str:
    """An ``<a download>`` carrying ``frame`` as CSV inside the page. Text a spreadsheet
    could take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is
    written as text (:func:`~coproduce.reports.model_files.csv_safe`); numbers stay numbers."""
    from .model_files import csv_safe

    buf = io.StringIO()
    csv_safe(frame).to_csv(buf, index=False)
    payload = base64.b64encode(buf.getvalue().encode("utf-8")).decode("ascii")
    return (
        f'<a class="csv" download="{esc(filename)}" '
        f'href="data:text/csv;base64,{payload}">{esc(label)}</a>'
    )


def plotly_div(fig, *, div_id: str | None = None) -> str:
    """A plotly figure as a ``<div>``; plotly.js itself is embedded once by :func:`render_page`."""
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_page(
    title: str,
    sections: Sequence[tuple[str, str]],
    *,
    summary: str | None = None,
    subtitle: str | None = None,
    with_plotly: bool = False,
) -> str:
    """A whole report page: ``sections`` are (heading, HTML body) pairs, already escaped.

    A section's own scripts (plain ``<script>`` elements) run once the whole page is built,
    so that a script in one section can reach the elements of a later one (the map's script
    and the rows of the pathway table that choose what it highlights)."""
    bodies, scripts = [], []
    for heading, body in sections:
        scripts.extend(_SCRIPT.findall(body))
        bodies.append((heading, _SCRIPT.sub("", body)))
    return _env.get_template("page.html").render(
        title=title,
        subtitle=subtitle,
        summary=summary,
        sections=bodies,
        scripts=scripts,
        plotly_js=plotly_js() if with_plotly else None,
        generated=date.today().isoformat(),
    )


_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def table_html(
    frame: pd.DataFrame, *, numeric_format: str = "{:,.2f}", classes: str = "data"
) -> str:
    """A plain, readable HTML table; numbers right-aligned."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for v in row:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                txt = "–" if pd.isna(v) else numeric_format.format(v)
                cells.append(f'<td class="num">{esc(txt)}</td>')
            else:
                cells.append(f"<td>{esc('' if v is None else v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="{classes}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
