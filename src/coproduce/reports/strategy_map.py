"""The strategy map drawn as SVG, by our own layered layout (no graph-drawing dependency).

Resources sit in the first column, interventions in the second, outcomes in columns by their
longest distance from an intervention. Within a column, nodes are ordered by repeated
barycentre sweeps to reduce crossings. Nodes are filled with the sector mix of the inputs that
reach them; links are as wide as their effect is large (log scale), dashed when evidence is
weak (grade ≤ 2), dotted when ungraded, marked with "!" when contested; complex outcomes are
hatched. The same renderer serves the HTML reports and the web app.

The SVG is not an image: when the map links each box and arrow to a page, each is a focusable
link with a name, and the boxes and arrows are also given beside the SVG as a list. A big map is
never drawn whole: past ``FOCUS_AT`` boxes it becomes a focus view around the highlighted routes
(or the targets), saying how many boxes are hidden, with a control to widen it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..engine.costs import resource_costs
from ..engine.effects import effects_from
from ..formatting import currency_of, in_unit, money, quantity
from ..model.compile import CompiledModel
from ..model.distributions import mean_of
from ..presentation.labels import Labels
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

FOCUS_AT = 150  # a map with more boxes than this is drawn as a focus view
WIDER = 2  # the widened view holds up to this many times as many boxes
WHOLE_MAP_AT_MOST = 600  # ...or is the whole map, when the map has no more boxes than this
HIGHLIGHT_AT_MOST = 400  # highlighted boxes drawn at most (long routes on a huge map)
MIN_SCALE = 0.65  # a map is shrunk to fit the page at most this far, then scrolls
SCROLLS_PAST = 1000  # ...and a keyboard can scroll it when it may scroll on a page this narrow


def sector_colour(sector_ids: Iterable[str]) -> dict[str, str]:
    out = {}
    extra = iter(_EXTRA_COLOURS * 4)
    for sid in sector_ids:
        out[sid] = SECTOR_COLOURS.get(sid) or next(extra)
    return out


def _tint(hex_colour: str, amount: float = 0.72) -> str:
    """Mix a colour with white so dark text stays readable on it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
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
    costs = resource_costs(cm, v)  # interventions × resources
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
                columns[c].sort(
                    key=lambda nid, cur=current, b=bary: (
                        b(nid) if b(nid) != math.inf else cur[nid],
                        cur[nid],
                    )
                )


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


@dataclass(frozen=True)
class _Graph:
    """Every box that may be drawn and its neighbours (either direction), with the strength of
    the arrow between them: the size of a link's effect; 0 for a resource feeding an
    intervention, so effects are followed first."""

    ids: list[str]
    nbrs: dict[str, list[tuple[str, float]]]
    order: dict[str, int]


def _graph(cm: CompiledModel, show_resources: bool) -> _Graph:
    m = cm.model
    ids = [*(m.resources if show_resources else ()), *cm.node_ids]
    nbrs: dict[str, list[tuple[str, float]]] = {i: [] for i in ids}
    for lk, e in zip(m.links, np.abs(cm.link_effect).tolist(), strict=True):
        nbrs[lk.from_].append((lk.to, e))
        nbrs[lk.to].append((lk.from_, e))
    for a, b in _input_edges(cm, nbrs):
        nbrs[a].append((b, 0.0))
        nbrs[b].append((a, 0.0))
    return _Graph(ids, nbrs, {nid: k for k, nid in enumerate(ids)})


def _input_edges(cm: CompiledModel, among) -> list[tuple[str, str]]:
    """(resource, intervention) pairs of the inputs, for the boxes in ``among``."""
    return [
        (r, iid)
        for iid, itv in cm.model.interventions.items()
        if iid in among
        for r in dict.fromkeys((*itv.inputs, *itv.fixed_inputs))
        if r in among
    ]


def _neighbourhood(g: _Graph, seeds: list[str], steps: int, budget: int) -> tuple[list[str], bool]:
    """The seeds and the boxes within ``steps`` arrows of them, at most ``budget`` boxes: each
    step adds the boxes joined by the strongest arrows first. Also says whether the budget cut
    a step short."""
    shown = dict.fromkeys(seeds)
    frontier = list(seeds)
    cut = False
    for _ in range(steps):
        candidates: dict[str, float] = {}
        for n in frontier:
            for x, e in g.nbrs[n]:
                if x not in shown and e > candidates.get(x, -1.0):
                    candidates[x] = e
        room = budget - len(shown)
        if not candidates or room <= 0:
            cut = cut or bool(candidates)
            break
        ranked = sorted(candidates, key=lambda x: (-candidates[x], g.order[x]))
        frontier = ranked[:room]
        cut = cut or len(ranked) > room
        shown.update(dict.fromkeys(frontier))
    return list(shown), cut


def _seeds(
    ctx: _Context, g: _Graph, focus: Iterable[str] | None, budget: int
) -> tuple[list[str], str]:
    """The boxes a focus view centres on, and what they are in words."""
    m, highlight = ctx.cm.model, ctx.highlight

    def ordered(ids: Iterable[str]) -> list[str]:
        return sorted({i for i in ids if i in g.order}, key=g.order.__getitem__)

    if focus is not None and ordered(focus):
        return ordered(focus), "the chosen boxes"
    if highlight.nodes and ordered(highlight.nodes):
        return ordered(highlight.nodes), "the highlighted boxes and routes"
    if ordered(m.targets):
        return ordered(m.targets), "the map's targets"
    finals = ordered(o for o, x in m.outcomes.items() if x.final)
    if finals:
        return finals[: max(1, budget // 3)], "the map's final outcomes"
    # else the most downstream outcomes, those with most arrows first: where the map leads
    sinks = set(m.outcomes) - {lk.from_ for lk in m.links}
    depth = ctx.depths
    ends = sorted(
        (o for o in sinks if o in g.order), key=lambda o: (-depth[o], -len(g.nbrs[o]), g.order[o])
    )[:3]
    return ordered(ends), "the outcomes at the end of the map"


def render_svg(
    cm: CompiledModel,
    *,
    highlight: Highlight | None = None,
    href: Callable[[str, str], str | None] | None = None,
    show_resources: bool = True,
    focus: Iterable[str] | None = None,
    max_nodes: int = FOCUS_AT,
) -> str:
    """The map as HTML: an SVG with, beside it, its boxes and arrows as a list.

    ``href(kind, id)`` may give a link for each node or link (kind 'node' or 'link'; a link's id
    is 'FROM->TO'): each box and arrow is then a focusable, labelled link, in the SVG and in the
    list. A map of more than ``max_nodes`` boxes (or any map given ``focus``, box ids to centre
    on) is drawn as a focus view: the highlighted boxes (else ``focus``, the targets, the final
    outcomes) and their neighbours one arrow away, strongest arrows first, with a caption saying
    how many boxes are hidden and a control to widen the view by one more step, or to the whole
    map when that is small enough to read. No script is needed for any of it.
    """
    highlight = highlight or Highlight()
    g = _graph(cm, show_resources)
    ctx = _Context(
        cm, highlight, href, len(g.ids), _prefix(cm, highlight, focus), sector_mix(cm), _depths(cm)
    )
    total = len(g.ids)
    if focus is None and total <= max_nodes:
        return f'<div class="map-views">{_view(ctx, g.ids, 0)}</div>'
    seeds, what = _seeds(ctx, g, focus, max_nodes)
    seeds = seeds[: max(max_nodes, HIGHLIGHT_AT_MOST)]
    many = total > max_nodes
    near, cut = _neighbourhood(g, seeds, 1, max_nodes)
    caption = _focus_caption(len(near), total, what, 1, cut and len(near) > len(seeds), many)
    first = _view(ctx, near, 1, caption)
    if total <= WHOLE_MAP_AT_MOST:
        wider, wider_caption = g.ids, f"The whole map: {total:,} boxes."
        more = f"Show the whole map ({total:,} boxes)"
    else:
        wider, cut2 = _neighbourhood(g, seeds, 2, max_nodes * WIDER)
        wider_caption = _focus_caption(len(wider), total, what, 2, cut2, many)
        more = f"Show one more step ({len(wider):,} of {total:,} boxes)"
    if len(wider) <= len(near):
        return f'<div class="map-views">{first}</div>'
    return (
        f'<div class="map-views">{first}<details class="map-widen"><summary>'
        f'<span class="when-closed">{esc(more)}</span><span class="when-open">Show the '
        f"nearer view again ({len(near):,} boxes)</span></summary>"
        f"{_view(ctx, wider, 2, wider_caption)}</details></div>"
    )


def _focus_caption(
    shown: int, total: int, what: str, steps: int, cut: bool, many: bool = True
) -> str:
    reach = (
        " and the boxes nearest them, strongest arrows first"
        if cut
        else " and the boxes one arrow away"
        if steps == 1
        else " and the boxes up to two arrows away"
    )
    return (
        f"This map has {total:,} boxes{', too many to read at once' if many else ''}. Shown: "
        f"{shown:,} of them, {what}{reach}; {total - shown:,} are hidden. A number such as +3 "
        "on a box counts its arrows to hidden boxes."
    )


@dataclass(frozen=True)
class _Context:
    cm: CompiledModel
    highlight: Highlight
    href: Callable[[str, str], str | None] | None
    total: int
    prefix: str
    mix: dict[str, np.ndarray]
    depths: dict[str, int]

    @property
    def labels(self) -> Labels:
        """The model's labels, built once per map (a big map has thousands of boxes)."""
        cached = self.__dict__.get("_labels")
        if cached is None:
            cached = Labels(self.cm.model)
            object.__setattr__(self, "_labels", cached)
        return cached


def _prefix(cm: CompiledModel, highlight: Highlight, focus) -> str:
    """A prefix for the SVG's ids, so that several maps can share one page."""
    key = repr(
        (
            cm.model.name,
            cm.n_nodes,
            sorted(highlight.nodes),
            sorted(highlight.links),
            sorted(focus) if focus is not None else None,
        )
    )
    return f"sm{zlib.crc32(key.encode()):08x}"


def _depths(cm: CompiledModel) -> dict[str, int]:
    """Each box's column in the whole map: resources 0, interventions 1, outcomes by their
    longest distance from an intervention (at least 2)."""
    n_i = cm.n_interventions
    depth = [1 if k < n_i else 0 for k in range(cm.n_nodes)]
    src, dst = cm.link_src.tolist(), cm.link_dst.tolist()
    # nodes are in topological order: links taken in order of their targets suffice
    for k in np.argsort(cm.link_dst, kind="stable").tolist():
        d = depth[src[k]] + 1
        if d > depth[dst[k]]:
            depth[dst[k]] = d
    layer = {r: 0 for r in cm.model.resources}
    for k, nid in enumerate(cm.node_ids):
        layer[nid] = 1 if k < n_i else max(depth[k], 2)
    return layer


def _layers_of(shown: Iterable[str], depths: dict[str, int]) -> dict[str, int]:
    """The columns of the boxes shown, numbered in order of their columns in the whole map
    with the columns that hold none of them closed up (so a focus view keeps the map's
    left-to-right order without gaps)."""
    used = sorted({depths[nid] for nid in shown})
    rank = {c: k for k, c in enumerate(used)}
    return {nid: rank[depths[nid]] for nid in shown}


def _view(ctx: _Context, ids: list[str], level: int, caption: str | None = None) -> str:
    """One view: the caption, the SVG of the boxes ``ids`` and the same boxes as a list."""
    cm, m = ctx.cm, ctx.cm.model
    shown = set(ids)
    prefix = f"{ctx.prefix}-{level}"
    layer = _layers_of(ids, ctx.depths)
    columns: dict[int, list[str]] = {}
    for nid in ids:
        columns.setdefault(layer[nid], []).append(nid)
    kinds = {layer[nid]: ctx.depths[nid] for nid in ids}  # column -> its column in the map
    input_edges = _input_edges(cm, shown)
    links = [(k, lk) for k, lk in enumerate(m.links) if lk.from_ in shown and lk.to in shown]
    _order_columns(columns, input_edges + [(lk.from_, lk.to) for _, lk in links])
    height_rows = max((len(v) for v in columns.values()), default=1)
    n_cols = max(columns, default=0) + 1
    width = MARGIN * 2 + (n_cols - 1) * COL_GAP + NODE_W
    height = MARGIN * 2 + height_rows * ROW_GAP + 62
    pos: dict[str, tuple[float, float]] = {}
    for c, nids in columns.items():
        offset = (height_rows - len(nids)) * ROW_GAP / 2
        for k, nid in enumerate(nids):
            pos[nid] = (MARGIN + c * COL_GAP, MARGIN + 30 + offset + k * ROW_GAP)
    hidden = _hidden_arrows(cm, shown) if len(shown) < ctx.total else {}

    colours = sector_colour(cm.sector_ids)
    mix = ctx.mix
    linked = ctx.href is not None
    name = f"Strategy map of {m.name}: {len(ids):,} boxes and {len(links):,} arrows"
    role = 'role="group"' if linked else 'role="img"'
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strategy-map" width="{width}" '
        f'height="{height}" style="max-width:100%;min-width:{MIN_SCALE * width:.0f}px;height:auto" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" {role} '
        f'aria-label="{esc(name)}{"" if linked else ", listed below the map"}">',
        "<defs>"
        f'<pattern id="{prefix}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#555" '
        'stroke-width="1.2" stroke-opacity="0.35"/></pattern>'
        f'<marker id="{prefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#55606b"/></marker>'
        f'<marker id="{prefix}-arrow-hi" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#d4440f"/></marker>'
        "%GRADIENTS%</defs>",
    ]
    headings = {0: "Resources", 1: "Interventions"}
    first_outcomes = min((c for c in columns if kinds[c] >= 2), default=None)
    for c in sorted(columns):
        title = headings.get(kinds[c], "Outcomes" if c == first_outcomes else "")
        if title:
            parts.append(
                f'<text x="{MARGIN + c * COL_GAP + NODE_W / 2}" y="{MARGIN + 8}" '
                f'text-anchor="middle" font-size="13" font-weight="600" '
                f'fill="#52616f">{title}</text>'
            )

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
        parts.append(
            _curve(
                x1 + NODE_W,
                y1 + NODE_H / 2,
                x2,
                y2 + NODE_H / 2,
                stroke="#b8c2cc",
                width=1.0,
                extra='stroke-opacity="0.8"',
            )
        )
    for k, lk in links:
        (x1, y1), (x2, y2) = pos[lk.from_], pos[lk.to]
        e = float(cm.link_effect[k])
        hi_link = (lk.from_, lk.to) in ctx.highlight.links
        colour = "#d4440f" if hi_link else ("#b3541e" if e < 0 else "#55606b")
        dash = ""
        if lk.evidence is not None and lk.evidence <= 2:
            dash = 'stroke-dasharray="7 5"'
        elif lk.evidence is None:
            dash = 'stroke-dasharray="2 4"'
        marker = f"{prefix}-arrow-hi" if hi_link else f"{prefix}-arrow"
        path = _curve(
            x1 + NODE_W,
            y1 + NODE_H / 2,
            x2 - 2,
            y2 + NODE_H / 2,
            stroke=colour,
            width=width_of(e) + (1 if hi_link else 0),
            extra=f'{dash} marker-end="url(#{marker})" fill="none"',
            title=_link_text(cm, k, ctx.labels),
        )
        target = ctx.href("link", f"{lk.from_}->{lk.to}") if ctx.href else None
        group = f'<g class="link" data-from="{esc(lk.from_)}" data-to="{esc(lk.to)}">{path}'
        if lk.contested:
            mx, my = (x1 + NODE_W + x2) / 2, (y1 + y2) / 2 + NODE_H / 2
            group += (
                f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="8" fill="#c0392b"/>'
                f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="12" '
                f'font-weight="700" fill="white">!</text>'
            )
        group += "</g>"
        if target:
            label = (
                f"Arrow from {m.label_of(lk.from_)} to {m.label_of(lk.to)}: effect "
                f"{_effect_words(cm, k)}"
                + (", highlighted" if hi_link else "")
                + (", contested" if lk.contested else "")
            )
            group = f'<a href="{esc(target)}" aria-label="{esc(label)}">{group}</a>'
        parts.append(group)

    gradients: dict[str, str] = {}
    for nid in ids:
        x, y = pos[nid]
        parts.append(
            _node(ctx, nid, x, y, mix[nid], colours, gradients, prefix, hidden.get(nid, 0))
        )

    # legend: sectors on one row, line styles on the next
    ly = height - 40
    lx = MARGIN
    for sid in cm.sector_ids:
        label = m.sectors[sid].label
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{_tint(colours[sid], 0.35)}" stroke="#0003"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12" fill="#33414e">'
            f"{esc(label)}</text>"
        )
        lx += 30 + 7.5 * len(label)
    ly += 20
    lx = MARGIN
    legend_bits = [
        ("- - -", "weak evidence (≤ 2)"),
        ("· · ·", "no evidence grade"),
        ("!", "contested"),
        ("///", "complex outcome"),
    ]
    if hidden:
        legend_bits.append(("+3", "arrows to hidden boxes"))
    for sym, text in legend_bits:
        parts.append(
            f'<text x="{lx}" y="{ly}" font-size="12" fill="#33414e">'
            f'<tspan font-weight="700">{esc(sym)}</tspan> {esc(text)}</text>'
        )
        lx += 40 + 7.5 * len(text)
    parts.append("</svg>")
    defs = "".join(
        f'<linearGradient id="{gid}" x1="0" x2="1" y1="0" y2="0">{stops}</linearGradient>'
        for stops, gid in gradients.items()
    )
    svg = "".join(parts).replace("%GRADIENTS%", defs, 1)
    head = f'<p class="map-caption">{esc(caption)}</p>' if caption else ""
    # a map too wide for the page scrolls on its own, and a keyboard can scroll it too
    scroll = (
        f' tabindex="0" role="region" aria-label="{esc(name)} (scrolls sideways)"'
        if MIN_SCALE * width > SCROLLS_PAST
        else ""
    )
    return (
        f'<div class="map-view">{head}<div class="map-scroll"{scroll}>{svg}</div>'
        f"{_as_list(ctx, ids, columns, links, input_edges, hidden)}</div>"
    )


def _hidden_arrows(cm: CompiledModel, shown: set[str]) -> dict[str, int]:
    """For each box shown, how many of its arrows lead to boxes not shown."""
    out: dict[str, int] = {}
    for lk in cm.model.links:
        a, b = lk.from_ in shown, lk.to in shown
        if a != b:
            key = lk.from_ if a else lk.to
            out[key] = out.get(key, 0) + 1
    return out


def _link_text(cm: CompiledModel, k: int, labels: Labels) -> str:
    m = cm.model
    lk = m.links[k]
    return (
        f"{m.label_of(lk.from_)} → {m.label_of(lk.to)}: effect {_effect_words(cm, k)}; "
        "evidence "
        f"{lk.evidence if lk.evidence is not None else 'not graded'}"
        + ("; CONTESTED" if lk.contested else "")
        + (f"; source: {labels.in_words(lk.source)}" if lk.source else "")
    )


def _effect_words(cm: CompiledModel, k: int) -> str:
    m = cm.model
    lk = m.links[k]
    return f"{quantity(float(cm.link_effect[k]))} {m.unit_of(lk.to)} per {m.unit_of(lk.from_)}"


_KIND_WORDS = {0: "Resources", 1: "Interventions"}


def _as_list(
    ctx: _Context,
    ids: list[str],
    columns: dict[int, list[str]],
    links,
    input_edges: list[tuple[str, str]],
    hidden: dict[str, int],
) -> str:
    """The boxes of a view as a list, column by column, each with the arrows out of it: the
    map for keyboard and screen-reader users (links when the map has them)."""
    cm, m = ctx.cm, ctx.cm.model
    out_of: dict[str, list[int]] = {}
    for k, lk in links:
        out_of.setdefault(lk.from_, []).append(k)
    inputs_of: dict[str, list[str]] = {}
    for r, iid in input_edges:
        inputs_of.setdefault(iid, []).append(r)

    def name(kind: str, ident: str, text: str) -> str:
        target = ctx.href(kind, ident) if ctx.href else None
        return f'<a href="{esc(target)}">{esc(text)}</a>' if target else esc(text)

    groups = []
    for c in sorted(columns):
        title = _KIND_WORDS.get(c, "Outcomes" if c == 2 else f"Outcomes, {c - 1} steps on")
        items = []
        for nid in columns[c]:
            bits = []
            if nid in ctx.highlight.nodes:
                bits.append("highlighted")
            if hidden.get(nid):
                n = hidden[nid]
                bits.append(f"{n} arrow{'s' if n != 1 else ''} to hidden boxes")
            if inputs_of.get(nid):
                bits.append("uses " + ", ".join(m.label_of(r) for r in inputs_of[nid]))
            arrows = "".join(
                f"<li>{name('link', f'{m.links[k].from_}->{m.links[k].to}', '→ ' + m.label_of(m.links[k].to))}"  # noqa: E501
                f": effect {esc(_effect_words(cm, k))}"
                + (
                    f", evidence {m.links[k].evidence}"
                    if m.links[k].evidence is not None
                    else ", evidence not graded"
                )
                + (
                    ", highlighted"
                    if (m.links[k].from_, m.links[k].to) in ctx.highlight.links
                    else ""
                )
                + (", contested" if m.links[k].contested else "")
                + "</li>"
                for k in out_of.get(nid, [])
            )
            items.append(
                f"<li>{name('node', nid, m.label_of(nid))}"
                + (f' <span class="muted">({esc("; ".join(bits))})</span>' if bits else "")
                + (f"<ul>{arrows}</ul>" if arrows else "")
                + "</li>"
            )
        groups.append(f"<li>{esc(title)}<ul>{''.join(items)}</ul></li>")
    return (
        f'<details class="map-list"><summary>The map as a list: {len(ids):,} boxes and '
        f"{len(links):,} arrows</summary><ul>{''.join(groups)}</ul></details>"
    )


def _curve(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str,
    width: float,
    extra: str = "",
    title: str | None = None,
) -> str:
    dx = max(40.0, (x2 - x1) / 2)
    d = f"M{x1:.1f},{y1:.1f} C{x1 + dx:.1f},{y1:.1f} {x2 - dx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    t = f"<title>{esc(title)}</title>" if title else ""
    return (
        f'<path d="{d}" stroke="{stroke}" stroke-width="{width:.2f}" fill="none" {extra}>{t}</path>'
    )


def _node(
    ctx: _Context,
    nid: str,
    x: float,
    y: float,
    shares: np.ndarray,
    colours: dict[str, str],
    gradients: dict[str, str],
    prefix: str,
    hidden: int,
) -> str:
    cm, m = ctx.cm, ctx.cm.model
    kind = m.node_kind(nid)
    label = m.label_of(nid)
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
            stops.append(f'<stop offset="{acc:.3g}" stop-color="{c}"/>')
            acc += share
            stops.append(f'<stop offset="{min(acc, 1.0):.3g}" stop-color="{c}"/>')
    gid = gradients.setdefault("".join(stops), f"{prefix}-f{len(gradients)}")
    hi = nid in ctx.highlight.nodes
    stroke = "#d4440f" if hi else "#6b7884"
    sw = 2.6 if hi else 1.0
    rx = 4 if kind == "resource" else (12 if kind == "outcome" else 6)
    tip = [f"{label} ({kind})"]
    if kind == "resource":
        r = m.resources[nid]
        cost = (
            "money, counted at face value"
            if currency_of(r.unit)
            else f"{money(mean_of(r.unit_cost), m.currency)} per {r.unit}"
        )
        tip.append(f"{m.sectors[r.sector].label}; {cost}")
        if r.available is not None:
            tip.append(f"available: {in_unit(mean_of(r.available), r.unit)} a period")
        src, notes = r.source, r.notes
    elif kind == "intervention":
        itv = m.interventions[nid]
        unit = itv.unit or "unit"
        tip.append(
            f"today: {in_unit(mean_of(itv.volume), unit)} a period"
            + (f"; capacity {quantity(mean_of(itv.capacity))}" if itv.capacity is not None else "")
        )
        src, notes = itv.source, itv.notes
    else:
        o = m.outcomes[nid]
        tip.append(
            f"unit: {o.unit or 'unit'}"
            + ("; final outcome" if o.final else "")
            + ("; COMPLEX: figures indicative" if o.complex else "")
        )
        src, notes = o.source, o.notes
    share_text = ", ".join(
        f"{m.sectors[sid].label} {shares[s] / total:.0%}"
        for s, sid in enumerate(cm.sector_ids)
        if total > 0 and shares[s] > 0
    )
    if share_text:
        tip.append("sector mix: " + share_text)
    if hidden:
        tip.append(f"{hidden} arrow{'s' if hidden != 1 else ''} to boxes not shown")
    if src:
        tip.append(f"source: {ctx.labels.in_words(src)}")
    if notes:
        tip.append(f"notes: {ctx.labels.in_words(notes)}")
    lines = _wrap(label)
    text_y = y + NODE_H / 2 - (len(lines) - 1) * 7 + 4
    weight = ' font-weight="600"' if kind == "outcome" and m.outcomes[nid].final else ""
    text = "".join(
        f'<text x="{x + NODE_W / 2:.1f}" y="{text_y + 14 * k:.1f}"{weight}>{esc(line)}</text>'
        for k, line in enumerate(lines)
    )
    # the labels take their size, colour and centring from the group
    body = (
        f'<g class="node {kind}" data-id="{esc(nid)}" font-size="12" fill="#1f2a36" '
        'text-anchor="middle">'
        f"<title>{esc(chr(10).join(tip))}</title>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" '
        f'fill="url(#{gid})" stroke="{stroke}" stroke-width="{sw}"/>'
    )
    if kind == "outcome" and m.outcomes[nid].complex:
        body += (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" '
            f'fill="url(#{prefix}-hatch)"/>'
        )
    if hidden:
        body += (
            f'<text x="{x + NODE_W - 4:.1f}" y="{y + 11:.1f}" text-anchor="end" '
            f'font-size="10" font-weight="700" fill="#33414e">+{hidden}</text>'
        )
    body += text + "</g>"
    target = ctx.href("node", nid) if ctx.href else None
    if not target:
        return body
    words = (
        f"{label} ({kind})"
        + (", highlighted" if hi else "")
        + (f", {hidden} arrow{'s' if hidden != 1 else ''} to hidden boxes" if hidden else "")
    )
    return f'<a href="{esc(target)}" aria-label="{esc(words)}">{body}</a>'
