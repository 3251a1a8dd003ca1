"""The strategy map drawn as SVG, by our own layered layout (no graph-drawing dependency).

Resources sit in the first column, interventions in the second, outcomes in columns by their
longest distance from an intervention. Within a column, nodes are ordered by repeated
barycentre sweeps to reduce crossings. Nodes are filled with the sector mix of the inputs that
reach them; links are as wide as their effect is large (log scale), dashed when evidence is
weak (grade ≤ 2), dotted when ungraded, marked with "!" when contested; complex outcomes are
hatched. The same renderer serves the HTML reports and the web app.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..engine.costs import resource_costs
from ..engine.effects import effects_from
from ..model.compile import CompiledModel
from ..model.distributions import mean_of
from .page import esc

SECTOR_COLOURS = {
    "public": "#4e79a7",
    "private": "#9c755f",
    "third": "#59a14f",
    "user": "#f28e2b",
    "community": "#e15759",
}
_EXTRA_COLOURS = ["#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#bab0ac"]

NODE_W, NODE_H = 176, 48
COL_GAP, ROW_GAP = 250, 64
MARGIN = 24


def sector_colour(sector_ids: Iterable[str]) -> dict[str, str]:
    out = {}
    extra = iter(_EXTRA_COLOURS * 4)
    for sid in sector_ids:
        out[sid] = SECTOR_COLOURS.get(sid) or next(extra)
    return out


def _tint(hex_colour: str, amount: float = 0.72) -> str:
    """Mix a colour with white so dark text stays readable on it."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class Highlight:
    """Nodes and links (as (from, to) id pairs) to draw in the accent colour."""

    nodes: frozenset[str] = frozenset()
    links: frozenset[tuple[str, str]] = frozenset()


def sector_mix(cm: CompiledModel) -> dict[str, np.ndarray]:
    """Share of cost by sector of the inputs reaching each node (resources: their own sector).
    Interventions at volume 0 are costed at one unit so the map still shows their mix."""
    n_i = cm.n_interventions
    v = np.where(cm.volume > 0, cm.volume, 1.0)
    costs = resource_costs(cm, v)                              # interventions × resources
    by_sector = np.zeros((n_i, len(cm.sector_ids)))
    for r in range(len(cm.resource_ids)):
        by_sector[:, cm.resource_sector[r]] += costs[:, r]
    totals = by_sector.sum(axis=1, keepdims=True)
    shares = np.divide(by_sector, totals, out=np.zeros_like(by_sector), where=totals > 0)
    mix: dict[str, np.ndarray] = {}
    for i in range(n_i):
        mix[cm.node_ids[i]] = shares[i]
    if cm.n_nodes > n_i and n_i:
        contrib = np.abs(effects_from(cm, np.arange(n_i))[n_i:, :]) * v[None, :]  # outs × itv
        weighted = contrib @ by_sector
        tot = weighted.sum(axis=1, keepdims=True)
        out_shares = np.divide(weighted, tot, out=np.zeros_like(weighted), where=tot > 0)
        for k, oid in enumerate(cm.outcome_ids):
            mix[oid] = out_shares[k]
    for r, rid in enumerate(cm.resource_ids):
        s = np.zeros(len(cm.sector_ids))
        s[cm.resource_sector[r]] = 1.0
        mix[rid] = s
    return mix


def _layers(cm: CompiledModel) -> dict[str, int]:
    layer: dict[str, int] = {rid: 0 for rid in cm.resource_ids}
    depth = np.zeros(cm.n_nodes, dtype=int)
    depth[: cm.n_interventions] = 1
    # nodes are in topological order, so one pass in link order of targets suffices
    order = np.argsort(cm.link_dst, kind="stable")
    for lk in order:
        s, d = cm.link_src[lk], cm.link_dst[lk]
        depth[d] = max(depth[d], depth[s] + 1)
    for n, nid in enumerate(cm.node_ids):
        layer[nid] = max(int(depth[n]), 2) if n >= cm.n_interventions else 1
    return layer


def _order_columns(columns: dict[int, list[str]], edges: list[tuple[str, str]]) -> None:
    """Barycentre sweeps, left-to-right then right-to-left, a few times."""
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in edges:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)
    cols = sorted(columns)
    for _ in range(4):
        for direction in (1, -1):
            seq = cols[1:] if direction == 1 else cols[-2::-1]
            for c in seq:
                pos = {}
                for neighbour_col in (c - direction,):
                    for k, nid in enumerate(columns.get(neighbour_col, [])):
                        pos[nid] = k
                def bary(nid: str, pos=pos, direction=direction) -> float:
                    nbrs = preds.get(nid, []) if direction == 1 else succs.get(nid, [])
                    ks = [pos[x] for x in nbrs if x in pos]
                    return sum(ks) / len(ks) if ks else math.inf
                current = {nid: k for k, nid in enumerate(columns[c])}
                columns[c].sort(key=lambda nid, cur=current, b=bary: (
                    b(nid) if b(nid) != math.inf else cur[nid], cur[nid]))


def _wrap(text: str, width: int = 24, lines: int = 2) -> list[str]:
    words = text.split()
    out: list[str] = []
    line = ""
    for w in words:
        if len(line) + len(w) + (1 if line else 0) <= width:
            line = f"{line} {w}".strip()
        else:
            if line:
                out.append(line)
            line = w
    if line:
        out.append(line)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return [o if len(o) <= width else o[: width - 1] + "…" for o in out]


def render_svg(
    cm: CompiledModel,
    *,
    highlight: Highlight | None = None,
    href: Callable[[str, str], str | None] | None = None,
    show_resources: bool = True,
) -> str:
    """The map as an SVG string. ``href(kind, id)`` may give a link for each node or link
    (kind 'node' or 'link'; a link's id is 'FROM->TO') so the map is clickable."""
    m = cm.model
    highlight = highlight or Highlight()
    colours = sector_colour(cm.sector_ids)
    mix = sector_mix(cm)
    layer = _layers(cm)
    if not show_resources:
        layer = {k: v for k, v in layer.items() if k not in m.resources}
    columns: dict[int, list[str]] = {}
    for nid, c in layer.items():
        columns.setdefault(c, []).append(nid)
    input_edges = [(r, iid) for iid, itv in m.interventions.items()
                   for r in (*itv.inputs, *itv.fixed_inputs) if r in layer]
    effect_edges = [(lk.from_, lk.to) for lk in m.links]
    _order_columns(columns, input_edges + effect_edges)
    height_rows = max((len(v) for v in columns.values()), default=1)
    n_cols = max(columns, default=0) + 1
    width = MARGIN * 2 + (n_cols - 1) * COL_GAP + NODE_W
    height = MARGIN * 2 + height_rows * ROW_GAP + 62
    pos: dict[str, tuple[float, float]] = {}
    for c, nids in columns.items():
        offset = (height_rows - len(nids)) * ROW_GAP / 2
        for k, nid in enumerate(nids):
            pos[nid] = (MARGIN + c * COL_GAP, MARGIN + 30 + offset + k * ROW_GAP)

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strategy-map" width="{width}" '
        f'height="{height}" style="max-width:100%;height:auto" viewBox="0 0 {width} {height}" '
        'font-family="system-ui, sans-serif" '
        f'role="img" aria-label="Strategy map of {esc(m.name)}">',
        "<defs>"
        '<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#555" '
        'stroke-width="1.2" stroke-opacity="0.35"/></pattern>'
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#55606b"/></marker>'
        '<marker id="arrow-hi" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#d4440f"/></marker>'
        "</defs>",
    ]
    headings = {0: "Resources", 1: "Interventions"}
    for c in sorted(columns):
        title = headings.get(c, "Outcomes" if c == 2 else "")
        if title:
            parts.append(f'<text x="{MARGIN + c * COL_GAP + NODE_W / 2}" y="{MARGIN + 8}" '
                         f'text-anchor="middle" font-size="13" font-weight="600" '
                         f'fill="#5b6b7b">{title}</text>')

    # links first, so nodes sit on top
    effects = np.abs(cm.link_effect[cm.link_effect != 0])
    lo = float(np.log(effects.min())) if len(effects) else 0.0
    hi = float(np.log(effects.max())) if len(effects) else 1.0

    def width_of(e: float) -> float:
        if e == 0 or hi == lo:
            return 2.5
        return 1.2 + 4.8 * (math.log(abs(e)) - lo) / (hi - lo)

    for a, b in input_edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        parts.append(_curve(x1 + NODE_W, y1 + NODE_H / 2, x2, y2 + NODE_H / 2,
                            stroke="#b8c2cc", width=1.0, extra='stroke-opacity="0.8"'))
    for k, lk in enumerate(m.links):
        if lk.from_ not in pos or lk.to not in pos:
            continue
        (x1, y1), (x2, y2) = pos[lk.from_], pos[lk.to]
        e = float(cm.link_effect[k])
        hi_link = (lk.from_, lk.to) in highlight.links
        colour = "#d4440f" if hi_link else ("#b3541e" if e < 0 else "#55606b")
        dash = ""
        if lk.evidence is not None and lk.evidence <= 2:
            dash = 'stroke-dasharray="7 5"'
        elif lk.evidence is None:
            dash = 'stroke-dasharray="2 4"'
        marker = "arrow-hi" if hi_link else "arrow"
        title = (f"{m.label_of(lk.from_)} → {m.label_of(lk.to)}: effect {e:g} "
                 f"{m.unit_of(lk.to)} per {m.unit_of(lk.from_)}; evidence "
                 f"{lk.evidence if lk.evidence is not None else 'not graded'}"
                 + ("; CONTESTED" if lk.contested else "")
                 + (f"; source: {lk.source}" if lk.source else ""))
        path = _curve(x1 + NODE_W, y1 + NODE_H / 2, x2 - 2, y2 + NODE_H / 2, stroke=colour,
                      width=width_of(e) + (1 if hi_link else 0),
                      extra=f'{dash} marker-end="url(#{marker})" fill="none"',
                      title=title)
        link_id = f"{lk.from_}->{lk.to}"
        target = href("link", link_id) if href else None
        group = f'<g class="link" data-from="{esc(lk.from_)}" data-to="{esc(lk.to)}">{path}'
        if lk.contested:
            mx, my = (x1 + NODE_W + x2) / 2, (y1 + y2) / 2 + NODE_H / 2
            group += (f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="8" fill="#c0392b"/>'
                      f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="12" '
                      f'font-weight="700" fill="white">!</text>')
        group += "</g>"
        parts.append(f'<a href="{esc(target)}">{group}</a>' if target else group)

    for nid, (x, y) in pos.items():
        parts.append(_node(cm, nid, x, y, mix[nid], colours, highlight, href))

    # legend: sectors on one row, line styles on the next
    ly = height - 40
    lx = MARGIN
    for sid in cm.sector_ids:
        label = m.sectors[sid].label
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
                     f'fill="{_tint(colours[sid], 0.35)}" stroke="#0003"/>'
                     f'<text x="{lx + 16}" y="{ly}" font-size="12" fill="#33414e">'
                     f'{esc(label)}</text>')
        lx += 30 + 7.5 * len(label)
    ly += 20
    lx = MARGIN
    legend_bits = [("- - -", "weak evidence (≤ 2)"), ("· · ·", "no evidence grade"),
                   ("!", "contested"), ("///", "complex outcome")]
    for sym, text in legend_bits:
        parts.append(f'<text x="{lx}" y="{ly}" font-size="12" fill="#33414e">'
                     f'<tspan font-weight="700">{esc(sym)}</tspan> {esc(text)}</text>')
        lx += 40 + 7.5 * len(text)
    parts.append("</svg>")
    return "".join(parts)


def _curve(x1: float, y1: float, x2: float, y2: float, *, stroke: str, width: float,
           extra: str = "", title: str | None = None) -> str:
    dx = max(40.0, (x2 - x1) / 2)
    d = f"M{x1:.1f},{y1:.1f} C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    t = f"<title>{esc(title)}</title>" if title else ""
    return (f'<path d="{d}" stroke="{stroke}" stroke-width="{width:.2f}" fill="none" {extra}>'
            f"{t}</path>")


def _node(cm: CompiledModel, nid: str, x: float, y: float, shares: np.ndarray,
          colours: dict[str, str], highlight: Highlight,
          href: Callable[[str, str], str | None] | None) -> str:
    m = cm.model
    kind = m.node_kind(nid)
    label = m.label_of(nid)
    gid = f"fill-{nid}"
    stops = []
    acc = 0.0
    total = float(shares.sum())
    if total <= 0:
        stops = ['<stop offset="0" stop-color="#eef1f4"/><stop offset="1" stop-color="#eef1f4"/>']
    else:
        for s, sid in enumerate(cm.sector_ids):
            share = float(shares[s]) / total
            if share <= 0:
                continue
            c = _tint(colours[sid])
            stops.append(f'<stop offset="{acc:.4f}" stop-color="{c}"/>')
            acc += share
            stops.append(f'<stop offset="{acc:.4f}" stop-color="{c}"/>')
    grad = f'<linearGradient id="{esc(gid)}" x1="0" x2="1" y1="0" y2="0">{"".join(stops)}' \
           "</linearGradient>"
    hi = nid in highlight.nodes
    stroke = "#d4440f" if hi else "#6b7884"
    sw = 2.6 if hi else 1.0
    rx = 4 if kind == "resource" else (12 if kind == "outcome" else 6)
    tip = [f"{label} ({kind}, id {nid})"]
    if kind == "resource":
        r = m.resources[nid]
        tip.append(f"{m.sectors[r.sector].label}; {mean_of(r.unit_cost):,.2f} {m.currency} per "
                   f"{r.unit}")
        if r.available is not None:
            tip.append(f"available: {mean_of(r.available):,.0f} {r.unit}s")
        src, notes = r.source, r.notes
    elif kind == "intervention":
        itv = m.interventions[nid]
        tip.append(f"volume {mean_of(itv.volume):,.0f} {itv.unit or 'units'}"
                   + (f", capacity {mean_of(itv.capacity):,.0f}" if itv.capacity is not None
                      else ""))
        src, notes = itv.source, itv.notes
    else:
        o = m.outcomes[nid]
        tip.append(f"unit: {o.unit or 'unit'}" + ("; final outcome" if o.final else "")
                   + ("; COMPLEX: figures indicative" if o.complex else ""))
        src, notes = o.source, o.notes
    share_text = ", ".join(f"{m.sectors[sid].label} {shares[s] / total:.0%}"
                           for s, sid in enumerate(cm.sector_ids) if total > 0 and shares[s] > 0)
    if share_text:
        tip.append("sector mix: " + share_text)
    if src:
        tip.append(f"source: {src}")
    if notes:
        tip.append(f"notes: {notes}")
    lines = _wrap(label)
    text_y = y + NODE_H / 2 - (len(lines) - 1) * 7 + 4
    weight = ' font-weight="600"' if kind == "outcome" and m.outcomes[nid].final else ""
    text = "".join(f'<text x="{x + NODE_W / 2:.1f}" y="{text_y + 14 * k:.1f}" '
                   f'text-anchor="middle" font-size="12" fill="#1f2a36"{weight}>'
                   f"{esc(line)}</text>" for k, line in enumerate(lines))
    body = (f'<g class="node {kind}" id="node-{esc(nid)}" data-id="{esc(nid)}">'
            f"<title>{esc(chr(10).join(tip))}</title>{grad}"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" '
            f'fill="url(#{esc(gid)})" stroke="{stroke}" stroke-width="{sw}"/>')
    if kind == "outcome" and m.outcomes[nid].complex:
        body += (f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" '
                 f'fill="url(#hatch)"/>')
    body += text + "</g>"
    target = href("node", nid) if href else None
    return f'<a href="{esc(target)}">{body}</a>' if target else body
