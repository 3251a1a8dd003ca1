"""Charts for the reports, drawn as small self-contained SVG (no chart library, no script).

One module draws every chart a report shows: horizontal bars (plain, stacked, diverging, with
intervals), lines and steps, scatter, heat maps and forest plots. Text is measured (an
approximation of a sans-serif face, on the generous side) so that:

- the label column is as wide as the longest label needs, up to a share of the drawing, and
  longer labels wrap onto more lines (a word longer than the column widens the column): a
  label is never cut;
- the figures written beside bars have room kept for them inside the drawing;
- tick labels, legends and notes stay inside the drawing area; the legend wraps.

Every chart is an ``<svg class="chart" role="img">`` with a title for screen readers; the
numbers behind it are offered beside it as CSV by the report. :func:`text_boxes` gives the
extent of every piece of text in a drawing, for tests that nothing falls outside it.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK, MUTED, GRID, AXIS = "#1f2a36", "#4a5866", "#e3e8ee", "#8a96a3"
WIDTH = 760
PALETTE = [
    "#1d5c8c",
    "#c8553d",
    "#2a9d8f",
    "#8a5a9e",
    "#b07d1a",
    "#5b6b7b",
    "#d4668f",
    "#3f7f3f",
    "#7a4f2a",
    "#4a6fd1",
]

# Helvetica advance widths (thousandths of an em) for printable ASCII; system faces run a
# little wider (DejaVu Sans about 17% wider), hence _SLACK.
_W = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        [
            278,
            278,
            355,
            556,
            556,
            889,
            667,
            191,
            333,
            333,
            389,
            584,
            278,
            333,
            278,
            278,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            556,
            278,
            278,
            584,
            584,
            584,
            556,
            1015,
            667,
            667,
            722,
            722,
            667,
            611,
            778,
            722,
            278,
            500,
            667,
            556,
            833,
            722,
            778,
            667,
            778,
            722,
            667,
            611,
            722,
            667,
            944,
            667,
            667,
            611,
            278,
            278,
            278,
            469,
            556,
            333,
            556,
            556,
            500,
            556,
            556,
            278,
            556,
            556,
            222,
            222,
            500,
            222,
            833,
            556,
            556,
            556,
            556,
            333,
            500,
            278,
            556,
            500,
            722,
            500,
            500,
            500,
            334,
            260,
            334,
            584,
        ],
        strict=True,
    )
)
_W.update(
    {
        "£": 556,
        "€": 556,
        "–": 556,
        "—": 1000,
        "’": 222,
        "‘": 222,
        "“": 333,
        "”": 333,
        "×": 584,
        "…": 1000,
        "→": 1000,
        "·": 278,
        "≥": 584,
        "≤": 584,
        "é": 556,
    }
)
_SLACK = 1.25
_IDS = itertools.count(1)


def text_width(text: str, size: float = 12, bold: bool = False) -> float:
    """The width of ``text`` at ``size`` px, erring wide."""
    w = sum(_W.get(c, 640) for c in text) / 1000 * size * _SLACK
    return w * (1.15 if bold else 1.0)


def wrap(text: str, width: float, size: float = 12) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` (a single word wider than
    ``width`` keeps a line of its own: it is never cut)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and text_width(trial, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line or not lines:
        lines.append(line)
    return lines


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
    rotate: bool = False,
) -> str:
    weight = ' font-weight="600"' if bold else ""
    turn = f' transform="rotate(-90 {_f(x)} {_f(y)})"' if rotate else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
        f'fill="{fill}"{weight}{turn}>{esc(text)}</text>'
    )


def _lines(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str = INK,
    lh: float | None = None,
) -> str:
    lh = lh or size * 1.25
    return "".join(
        _text(x, y + k * lh, t, size=size, anchor=anchor, fill=fill) for k, t in enumerate(lines)
    )


def _svg(width: float, height: float, title: str, body: str) -> str:
    w, h = math.ceil(width), math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="{esc(FONT)}" role="img" '
        f'aria-label="{esc(title)}" style="max-width:100%;height:auto">'
        f"<title>{esc(title)}</title>{body}</svg>"
    )


def figure(svg: str, id: str | None = None) -> str:
    """A chart in a block that scrolls sideways on a narrow screen rather than shrinking."""
    ident = f' id="{esc(id)}"' if id else ""
    return f'<div class="chart-box"{ident} style="overflow-x:auto;margin:8px 0">{svg}</div>'


# ----- scales and ticks -------------------------------------------------------------------


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = mag
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if (hi - lo) / step <= n:
            break
    start = math.floor(lo / step + 1e-9) * step
    ticks = []
    k = 0
    while True:
        t = start + k * step
        if t > hi + step * 1e-9 and len(ticks) >= 2 and ticks[-1] >= hi - step * 1e-9:
            break
        ticks.append(0.0 if abs(t) < step * 1e-9 else t)
        k += 1
        if k > 100:
            break
    return ticks


def fitting_ticks(
    lo: float, hi: float, room: float, fmt: Callable[[float], str], size: float, n: int = 6
) -> list[float]:
    """Round ticks over [lo, hi] whose labels, ``fmt``-ed, fit side by side in ``room``
    pixels (fewer ticks rather than labels that touch)."""
    ticks = nice_ticks(lo, hi, n)
    while n > 2:
        ticks = nice_ticks(lo, hi, n)
        widest = max(text_width(fmt(t), size) for t in ticks)
        span = (max(hi, ticks[-1]) - min(lo, ticks[0])) or 1.0
        step = (ticks[1] - ticks[0]) / span * room if len(ticks) > 1 else room
        if step >= widest + 12:
            return ticks
        n -= 1
    return nice_ticks(lo, hi, 2)


@dataclass(frozen=True)
class _Scale:
    lo: float
    hi: float
    a: float  # pixel at lo
    b: float  # pixel at hi

    def __call__(self, v: float) -> float:
        if self.hi == self.lo:
            return self.a
        return self.a + (v - self.lo) / (self.hi - self.lo) * (self.b - self.a)


def _legend(
    items: Sequence[tuple[str, str, str]], x0: float, y0: float, width: float, size: float = 12
) -> tuple[str, float]:
    """Legend entries (name, colour, kind: box, line, dash or dot) in rows that wrap within
    ``width``; returns the SVG and its height."""
    if not items:
        return "", 0.0
    out = []
    x, y = x0, y0
    row_h = size * 1.6
    for name, colour, kind in items:
        lines = wrap(name, width - 24, size)
        w = 20 + max(text_width(t, size) for t in lines) + 16
        if x > x0 and x + w > x0 + width:
            x, y = x0, y + row_h
        if kind == "box":
            out.append(
                f'<rect x="{_f(x)}" y="{_f(y - size * 0.8)}" width="12" height="12" '
                f'fill="{colour}"/>'
            )
        elif kind == "dot":
            out.append(
                f'<circle cx="{_f(x + 6)}" cy="{_f(y - size * 0.35)}" r="4" fill="{colour}"/>'
            )
        else:
            dash = ' stroke-dasharray="4 3"' if kind == "dash" else ""
            out.append(
                f'<line x1="{_f(x)}" x2="{_f(x + 14)}" y1="{_f(y - size * 0.35)}" '
                f'y2="{_f(y - size * 0.35)}" stroke="{colour}" stroke-width="2.5"'
                f"{dash}/>"
            )
        out.append(_lines(x + 20, y, lines, size=size))
        y_extra = (len(lines) - 1) * size * 1.25
        x += w
        if y_extra:
            x, y = x0, y + y_extra + row_h
    return "".join(out), y - y0 + row_h


# ----- horizontal bars --------------------------------------------------------------------


@dataclass
class Segment:
    """One piece of a bar, from ``start`` to ``end`` on the value axis."""

    start: float
    end: float
    colour: str = PALETTE[0]
    title: str = ""


@dataclass
class Row:
    """One bar: its label, pieces, the figure written after its right end (and before its left
    end), and an optional interval drawn as a whisker."""

    label: str
    segments: list[Segment] = field(default_factory=list)
    text: str = ""
    text_left: str = ""
    interval: tuple[float, float] | None = None


def bar(label: str, value: float, text: str = "", colour: str = PALETTE[0], title: str = "") -> Row:
    """A plain bar from 0 to ``value``."""
    return Row(label, [Segment(0.0, value, colour, title or text)], text)


def stacked(label: str, parts: Sequence[tuple[float, str, str]], text: str = "") -> Row:
    """A bar of pieces (value, colour, title) laid end to end from 0 (positive values)."""
    segs, x = [], 0.0
    for value, colour, title in parts:
        if value <= 0:
            continue
        segs.append(Segment(x, x + value, colour, title))
        x += value
    return Row(label, segs, text)


def hbars(
    rows: Sequence[Row],
    *,
    title: str,
    axis: str = "",
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    legend: Sequence[tuple[str, str, str]] = (),
    width: float = WIDTH,
    label_share: float = 0.42,
    size: float = 12,
    zero_line: bool = True,
    note: str = "",
    domain: tuple[float, float] | None = None,
) -> str:
    """Horizontal bars, one row per ``Row``, on a shared value axis."""
    if not rows:
        return ""
    pad = 8.0
    natural = max(text_width(r.label, size) for r in rows)
    col = min(natural, width * label_share)
    longest_word = max((text_width(w, size) for r in rows for w in r.label.split()), default=0)
    col = max(col, longest_word)
    wrapped = [wrap(r.label, col, size) for r in rows]
    col = max(max(text_width(t, size) for t in lines) for lines in wrapped)
    right = max([text_width(r.text, size - 1) for r in rows if r.text] + [0.0])
    left_txt = max([text_width(r.text_left, size - 1) for r in rows if r.text_left] + [0.0])
    values = [v for r in rows for s in r.segments for v in (s.start, s.end)]
    values += [v for r in rows if r.interval for v in r.interval]
    lo = min([0.0, *values]) if domain is None else domain[0]
    hi = max([0.0, *values]) if domain is None else domain[1]
    if hi == lo:
        hi = lo + 1.0
    x0 = pad + col + 10 + (left_txt + 6 if left_txt else 0)
    guess = nice_ticks(lo, hi, 5)
    tick_w = max(text_width(fmt(t), size - 1) for t in guess)
    x1 = width - pad - max(right + 6 if right else 0, tick_w / 2)
    if x1 - x0 < 200:  # too narrow: the drawing grows instead
        width += 200 - (x1 - x0)
        x1 = x0 + 200
    ticks = fitting_ticks(lo, hi, x1 - x0, fmt, size - 1, 6)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    sx = _Scale(lo, hi, x0, x1)
    line_h = size * 1.25
    top = 10.0
    body = []
    y = top
    heights = [max(22.0, len(lines) * line_h + 8) for lines in wrapped]
    plot_top = y
    for r, lines, h in zip(rows, wrapped, heights, strict=True):
        mid = y + h / 2
        ly = mid - (len(lines) - 1) * line_h / 2 + size * 0.35
        body.append(_lines(pad + col, ly, lines, size=size, anchor="end"))
        bh = min(h - 8, 18)
        ends = []
        for s in r.segments:
            a, b = sorted((sx(s.start), sx(s.end)))
            ends.extend((a, b))
            tip = f"<title>{esc(s.title)}</title>" if s.title else ""
            body.append(
                f'<rect x="{_f(a)}" y="{_f(mid - bh / 2)}" width="{_f(max(b - a, 0.5))}" '
                f'height="{_f(bh)}" fill="{s.colour}">{tip}</rect>'
            )
        if r.interval is not None:
            a, b = sx(r.interval[0]), sx(r.interval[1])
            ends.extend((a, b))
            body.append(
                f'<path d="M{_f(a)} {_f(mid)}H{_f(b)}M{_f(a)} {_f(mid - 5)}V{_f(mid + 5)}'
                f'M{_f(b)} {_f(mid - 5)}V{_f(mid + 5)}" stroke="{INK}" '
                'stroke-width="1.3" fill="none"/>'
            )
        if r.text:
            xe = max(ends) if ends else sx(0)
            body.append(_text(xe + 5, mid + size * 0.35, r.text, size=size - 1, fill=MUTED))
        if r.text_left:
            xs = min(ends) if ends else sx(0)
            body.append(
                _text(
                    xs - 5, mid + size * 0.35, r.text_left, size=size - 1, anchor="end", fill=MUTED
                )
            )
        y += h
    plot_bottom = y
    grid = []
    for t in ticks:
        x = sx(t)
        grid.append(
            f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(plot_top)}" y2="{_f(plot_bottom)}" '
            f'stroke="{GRID}"/>'
        )
        grid.append(
            _text(x, plot_bottom + size + 4, fmt(t), size=size - 1, anchor="middle", fill=MUTED)
        )
    if zero_line and lo < 0 < hi:
        grid.append(
            f'<line x1="{_f(sx(0))}" x2="{_f(sx(0))}" y1="{_f(plot_top)}" '
            f'y2="{_f(plot_bottom)}" stroke="{AXIS}"/>'
        )
    y = plot_bottom + size + 8
    if axis:
        lines = wrap(axis, width - 2 * pad, size)
        mid = (x0 + x1) / 2
        half = max(text_width(t, size) for t in lines) / 2
        mid = min(max(mid, pad + half), width - pad - half)
        grid.append(_lines(mid, y + size + 2, lines, size=size, anchor="middle", fill=MUTED))
        y += len(lines) * line_h + 4
    if legend:
        svg, h = _legend(legend, pad, y + size + 6, width - 2 * pad, size)
        grid.append(svg)
        y += h + 4
    if note:
        lines = wrap(note, width - 2 * pad, size - 1)
        grid.append(_lines(pad, y + size + 4, lines, size=size - 1, fill=MUTED))
        y += len(lines) * line_h + 4
    return _svg(width, y + 10, title, "".join(grid) + "".join(body))


# ----- lines, steps and points ---------------------------------------------------------------


@dataclass
class Series:
    """A line (or step line, or cloud of points) through ``xs``, ``ys``."""

    name: str
    xs: Sequence[float]
    ys: Sequence[float]
    colour: str = PALETTE[0]
    dash: bool = False
    step: bool = False
    points: bool = False  # a scatter: small squares, no line
    markers: bool = False  # a line with a dot at each point
    width: float = 2.0


@dataclass
class Marker:
    """A labelled point (``y`` not None) or a labelled vertical line (``y`` None)."""

    x: float
    label: str
    y: float | None = None
    colour: str = MUTED


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_title: str = "",
    y_title: str = "",
    x_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    y_fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    markers: Sequence[Marker] = (),
    width: float = WIDTH,
    height: float = 320,
    size: float = 12,
    legend: bool = True,
    x_labels: Sequence[str] | None = None,
    hline: float | None = None,
) -> str:
    """Lines, steps or points on shared axes; ``x_labels`` names the x positions 0, 1, ...
    (years) instead of numbers. Anything beyond ``y_range`` is cut at the plot's edge."""
    pad = 8.0
    xs = [x for s in series for x in s.xs if x is not None and math.isfinite(x)]
    ys = [y for s in series for y in s.ys if y is not None and math.isfinite(y)]
    ys += [m.y for m in markers if m.y is not None]
    xlo, xhi = x_range if x_range else (min(xs, default=0.0), max(xs, default=1.0))
    ylo, yhi = (
        y_range if y_range else (min([*ys, 0.0] if ys else [0.0]), max([*ys, 0.0] if ys else [1.0]))
    )
    if yhi <= ylo:
        yhi = ylo + 1.0
    if xhi <= xlo:
        xhi = xlo + 1.0
    yt = nice_ticks(ylo, yhi, 5)
    if y_range is None:
        ylo, yhi = yt[0], yt[-1]
    yt = [t for t in yt if ylo - 1e-9 * abs(yhi - ylo) <= t <= yhi + 1e-9 * abs(yhi - ylo)]
    if x_labels is not None:
        step = max(1, math.ceil(len(x_labels) / 10))
        xt = list(range(0, len(x_labels), step))
        xtext = [x_labels[i] for i in xt]
    else:
        room = width - 2 * pad - max(text_width(y_fmt(t), size - 1) for t in yt) - 6
        xt = [
            t
            for t in fitting_ticks(xlo, xhi, room, x_fmt, size - 1, 6)
            if xlo - 1e-9 * abs(xhi - xlo) <= t <= xhi + 1e-9 * abs(xhi - xlo)
        ]
        xtext = [x_fmt(t) for t in xt]
    ytext = [y_fmt(t) for t in yt]
    ytw = max([text_width(t, size - 1) for t in ytext] + [0.0])
    left = pad + ytw + 6
    first_half = text_width(xtext[0], size - 1) / 2 if xtext else 0
    left = max(left, pad + first_half)
    last_half = text_width(xtext[-1], size - 1) / 2 if xtext else 0
    right = width - pad - max(last_half, 6)
    top = 12.0
    head = []
    if y_title:  # above the plot, left-aligned: it never has to fit beside the axis
        lines = wrap(y_title, width - 2 * pad, size)
        head.append(_lines(pad, top + size, lines, size=size, fill=MUTED))
        top += len(lines) * size * 1.25 + 8
    bottom = top + height
    sx = _Scale(xlo, xhi, left, right)
    sy = _Scale(ylo, yhi, bottom, top)
    out = head
    clip = f"clip{next(_IDS)}"
    out.append(
        f'<clipPath id="{clip}"><rect x="{_f(left)}" y="{_f(top)}" '
        f'width="{_f(right - left)}" height="{_f(bottom - top)}"/></clipPath>'
    )
    for t, label in zip(yt, ytext, strict=True):
        y = sy(t)
        out.append(
            f'<line x1="{_f(left)}" x2="{_f(right)}" y1="{_f(y)}" y2="{_f(y)}" stroke="{GRID}"/>'
        )
        out.append(_text(left - 6, y + size * 0.35, label, size=size - 1, anchor="end", fill=MUTED))
    for t, label in zip(xt, xtext, strict=True):
        x = sx(t)
        out.append(
            f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(bottom)}" y2="{_f(bottom + 4)}" '
            f'stroke="{AXIS}"/>'
        )
        out.append(_text(x, bottom + size + 4, label, size=size - 1, anchor="middle", fill=MUTED))
    out.append(
        f'<rect x="{_f(left)}" y="{_f(top)}" width="{_f(right - left)}" '
        f'height="{_f(bottom - top)}" fill="none" stroke="{AXIS}"/>'
    )
    if hline is not None and ylo < hline < yhi:
        out.append(
            f'<line x1="{_f(left)}" x2="{_f(right)}" y1="{_f(sy(hline))}" '
            f'y2="{_f(sy(hline))}" stroke="{AXIS}" stroke-width="1.2"/>'
        )
    paths = []
    for s in series:
        pts = [
            (sx(x), sy(y))
            for x, y in zip(s.xs, s.ys, strict=True)
            if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
        ]
        if not pts:
            continue
        if s.points:
            d = "".join(f"M{_f(x - 1.5)} {_f(y - 1.5)}h3v3h-3z" for x, y in pts)
            paths.append(f'<path d="{d}" fill="{s.colour}" fill-opacity="0.5"/>')
            continue
        d = f"M{_f(pts[0][0])} {_f(pts[0][1])}"
        for _, (xb, yb) in itertools.pairwise(pts):
            d += f"H{_f(xb)}V{_f(yb)}" if s.step else f"L{_f(xb)} {_f(yb)}"
        dash = ' stroke-dasharray="5 4"' if s.dash else ""
        paths.append(
            f'<path d="{d}" fill="none" stroke="{s.colour}" '
            f'stroke-width="{_f(s.width)}"{dash}><title>{esc(s.name)}</title></path>'
        )
        if s.markers:
            paths.extend(
                f'<circle cx="{_f(x)}" cy="{_f(y)}" r="3" fill="{s.colour}"/>' for x, y in pts
            )
    out.append(f'<g clip-path="url(#{clip})">' + "".join(paths) + "</g>")
    placed: list[tuple[float, float, float]] = []  # label boxes: left, right, baseline
    for m in markers:
        x = sx(m.x)
        if not left <= x <= right:
            continue
        if m.y is None:
            out.append(
                f'<line x1="{_f(x)}" x2="{_f(x)}" y1="{_f(top)}" y2="{_f(bottom)}" '
                f'stroke="{m.colour}" stroke-dasharray="3 3"/>'
            )
            ty = top + size + 2
            w = text_width(m.label, size - 1)
            a = x + 4 if x + 4 + w <= right else max(x - 4 - w, left + 4)
            while any(a < r + 6 and l_ < a + w + 6 and abs(ty - b) < size for l_, r, b in placed):
                ty += size * 1.3  # a lower line rather than over another label
            placed.append((a, a + w, ty))
        else:
            y = sy(m.y)
            out.append(
                f'<path d="M{_f(x)} {_f(y - 7)}L{_f(x + 6)} {_f(y)}L{_f(x)} {_f(y + 7)}'
                f'L{_f(x - 6)} {_f(y)}Z" fill="{m.colour}"/>'
            )
            ty = y - 10 if y - 10 > top + size else y + size + 10
        if m.label:
            w = text_width(m.label, size - 1)
            if m.y is None:
                out.append(
                    f'<rect x="{_f(placed[-1][0] - 2)}" y="{_f(ty - size + 1)}" '
                    f'width="{_f(w + 4)}" height="{_f(size + 3)}" fill="white" '
                    'fill-opacity="0.85"/>'
                )
                out.append(_text(placed[-1][0], ty, m.label, size=size - 1, fill=m.colour))
            elif x + 4 + w <= right:
                out.append(_text(x + 4, ty, m.label, size=size - 1, fill=m.colour))
            elif x - 4 - w >= left:
                out.append(_text(x - 4, ty, m.label, size=size - 1, anchor="end", fill=m.colour))
            else:
                out.append(_text(left + 4, ty, m.label, size=size - 1, fill=m.colour))
    y = bottom + size + 8
    if x_title:
        lines = wrap(x_title, right - left, size)
        out.append(
            _lines((left + right) / 2, y + size + 2, lines, size=size, anchor="middle", fill=MUTED)
        )
        y += len(lines) * size * 1.25 + 4
    if legend:
        items = [
            (s.name, s.colour, "dot" if s.points else "dash" if s.dash else "line")
            for s in series
            if s.name
        ]
        svg, h = _legend(items, pad, y + size + 6, width - 2 * pad, size)
        out.append(svg)
        y += h + 4
    return _svg(width, y + 10, title, "".join(out))


# ----- heat map ---------------------------------------------------------------------------------


def heatmap(
    rows: Sequence[str],
    cols: Sequence[str],
    values: Sequence[Sequence[float | None]],
    texts: Sequence[Sequence[str]],
    *,
    title: str,
    lo: float | None = None,
    hi: float | None = None,
    size: float = 12,
    row_title: str = "",
    col_title: str = "",
) -> str:
    """A grid of shaded cells with their figure written in each (missing values: grey)."""
    pad = 8.0
    label_w = max([text_width(r, size) for r in rows] + [text_width(row_title, size, True)])
    cell_w = max(84.0, max((text_width(t, size) for row in texts for t in row), default=0) + 14)
    col_lines = [wrap(c, cell_w - 6, size - 1) for c in cols]
    head_h = max(len(x) for x in col_lines) * (size - 1) * 1.25 + 8 if cols else 0
    head_h += size * 1.4 if col_title else 0
    x0 = pad + label_w + 10
    y0 = 10 + head_h
    cell_h = 30.0
    flat = [v for row in values for v in row if v is not None and math.isfinite(v)]
    lo = min(flat, default=0.0) if lo is None else lo
    hi = max(flat, default=1.0) if hi is None else hi
    out = []
    if col_title:
        out.append(_text(x0, 10 + size, col_title, size=size, fill=MUTED, bold=True))
    for j, lines in enumerate(col_lines):
        cx = x0 + j * cell_w + cell_w / 2
        top = y0 - 6 - (len(lines) - 1) * (size - 1) * 1.25
        out.append(_lines(cx, top, lines, size=size - 1, anchor="middle", fill=MUTED))
    if row_title:
        out.append(_text(pad, y0 - 6, row_title, size=size, fill=MUTED, bold=True))
    for i, r in enumerate(rows):
        y = y0 + i * cell_h
        out.append(_text(pad + label_w, y + cell_h / 2 + size * 0.35, r, size=size, anchor="end"))
        for j in range(len(cols)):
            v = values[i][j]
            x = x0 + j * cell_w
            if v is None or not math.isfinite(v):
                fill, ink = "#eef1f4", MUTED
            else:
                t = 0.0 if hi == lo else (v - lo) / (hi - lo)
                fill = _blue(t)
                ink = "white" if t > 0.55 else INK
            out.append(
                f'<rect x="{_f(x + 1)}" y="{_f(y + 1)}" width="{_f(cell_w - 2)}" '
                f'height="{_f(cell_h - 2)}" fill="{fill}"/>'
            )
            out.append(
                _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + size * 0.35,
                    texts[i][j],
                    size=size,
                    anchor="middle",
                    fill=ink,
                )
            )
    width = (
        max(x0 + len(cols) * cell_w, x0 + (text_width(col_title, size, True) if col_title else 0))
        + pad
    )
    return _svg(width, y0 + len(rows) * cell_h + 10, title, "".join(out))


def _blue(t: float) -> str:
    t = min(max(t, 0.0), 1.0)
    a, b = (239, 245, 251), (8, 69, 148)
    r, g, bl = (round(a[k] + (b[k] - a[k]) * t) for k in range(3))
    return f"#{r:02x}{g:02x}{bl:02x}"


# ----- forest plot --------------------------------------------------------------------------------


def forest(
    rows: Sequence[str],
    groups: Sequence[str],
    estimates: Sequence[Sequence[tuple[float, float, float] | None]],
    *,
    title: str,
    axis: str = "",
    fmt: Callable[[float], str] = lambda v: f"{v:.2g}",
    size: float = 12,
    width: float = WIDTH,
) -> str:
    """Point estimates with intervals: one row per term, one mark per group (model) in each
    row; ``estimates[i][g]`` is (estimate, low, high) or None."""
    pad = 8.0
    natural = max(text_width(r, size) for r in rows) if rows else 0
    col = max(
        min(natural, width * 0.42),
        max((text_width(w, size) for r in rows for w in r.split()), default=0),
    )
    wrapped = [wrap(r, col, size) for r in rows]
    col = max((max(text_width(t, size) for t in lines) for lines in wrapped), default=0)
    vals = [v for row in estimates for e in row if e for v in e if math.isfinite(v)]
    lo, hi = min([0.0, *vals]), max([0.0, *vals])
    ticks = nice_ticks(lo, hi, 6)
    lo, hi = ticks[0], ticks[-1]
    x0 = pad + col + 12
    x1 = width - pad - max(text_width(fmt(t), size - 1) for t in ticks) / 2
    sx = _Scale(lo, hi, x0, x1)
    line_h = size * 1.25
    per = max(len(groups), 1)
    out = []
    y = 10.0
    top = y
    for label_lines, row in zip(wrapped, estimates, strict=True):
        h = max(per * 10 + 12, len(label_lines) * line_h + 8)
        mid = y + h / 2
        out.append(
            _lines(
                pad + col,
                mid - (len(label_lines) - 1) * line_h / 2 + size * 0.35,
                label_lines,
                size=size,
                anchor="end",
            )
        )
        for g, e in enumerate(row):
            if e is None:
                continue
            yy = mid + (g - (per - 1) / 2) * 10
            est, a, b = e
            colour = PALETTE[g % len(PALETTE)]
            out.append(
                f'<line x1="{_f(sx(a))}" x2="{_f(sx(b))}" y1="{_f(yy)}" y2="{_f(yy)}" '
                f'stroke="{colour}" stroke-width="1.6"/>'
            )
            out.append(
                f'<circle cx="{_f(sx(est))}" cy="{_f(yy)}" r="3.5" fill="{colour}">'
                f"<title>{esc(groups[g] if g < len(groups) else '')}: {esc(fmt(est))} "
                f"({esc(fmt(a))} to {esc(fmt(b))})</title></circle>"
            )
        y += h
    bottom = y
    grid = []
    for t in ticks:
        dash = ' stroke-dasharray="3 3"' if t == 0 else ""
        grid.append(
            f'<line x1="{_f(sx(t))}" x2="{_f(sx(t))}" y1="{_f(top)}" '
            f'y2="{_f(bottom)}" stroke="{AXIS if t == 0 else GRID}"{dash}/>'
        )
        grid.append(
            _text(sx(t), bottom + size + 4, fmt(t), size=size - 1, anchor="middle", fill=MUTED)
        )
    y = bottom + size + 8
    if axis:
        lines = wrap(axis, x1 - x0, size)
        grid.append(
            _lines((x0 + x1) / 2, y + size + 2, lines, size=size, anchor="middle", fill=MUTED)
        )
        y += len(lines) * line_h + 4
    if len(groups) > 1:
        svg, h = _legend(
            [(g, PALETTE[k % len(PALETTE)], "dot") for k, g in enumerate(groups)],
            pad,
            y + size + 6,
            width - 2 * pad,
            size,
        )
        grid.append(svg)
        y += h + 4
    return _svg(width, y + 10, title, "".join(grid) + "".join(out))


# ----- for tests ---------------------------------------------------------------------------

_TEXT = re.compile(
    r'<text x="([-\d.]+)" y="([-\d.]+)" font-size="([\d.]+)" '
    r'text-anchor="(\w+)"[^>]*>([^<]*)</text>'
)
_SVG = re.compile(r'<svg [^>]*class="chart" width="(\d+)" height="(\d+)"[^>]*>(.*?)</svg>', re.S)


def text_boxes(page: str) -> list[tuple[str, float, float, float, float, float, float]]:
    """Every piece of text in every chart of ``page`` (rotated text left out) as (text,
    left, right, top, bottom, chart width, chart height), from this module's own measure."""
    out = []
    for m in _SVG.finditer(page):
        w, h = float(m[1]), float(m[2])
        for t in _TEXT.finditer(m[3]):
            if "rotate(" in t[0]:
                continue
            x, y, size, anchor = float(t[1]), float(t[2]), float(t[3]), t[4]
            text = html.unescape(t[5])
            tw = text_width(text, size)
            left = x - tw if anchor == "end" else x - tw / 2 if anchor == "middle" else x
            out.append((text, left, left + tw, y - size, y + size * 0.25, w, h))
    return out
