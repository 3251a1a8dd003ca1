"""The largest routes from every intervention to one outcome, by a k-best dynamic programme.

Working back from the target in reverse topological order, each node keeps the ``k`` routes to
the target with the largest absolute effect (the product of link effects along the route) and a
pointer to how each continues. A node's list is built from its successors' lists only, so the
work is O(links × k log k) however many routes exist — never listing them all. The same sweep
records whether *any* route from a node passes through a contested, weakly evidenced or
ungraded link or a complex outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.compile import CompiledModel

# bits of the route flags
CONTESTED = 1
WEAK = 2
UNGRADED = 4
COMPLEX = 8


@dataclass(frozen=True)
class RouteTable:
    """Top-k routes to ``target`` for every node that reaches it.

    ``value[n, j]`` is the absolute effect of node n's j-th best route (0 where there are fewer
    than j+1 routes), ``sign[n, j]`` its sign, and ``link[n, j]``, ``rank[n, j]`` where it
    continues: along link ``link`` to that link's end, then that node's route ``rank``.
    ``flags[n]`` ORs the flag bits of every route from n, ``reaches[n]`` says whether any route
    exists.
    """

    target: int
    k: int
    value: np.ndarray
    sign: np.ndarray
    link: np.ndarray
    rank: np.ndarray
    flags: np.ndarray
    reaches: np.ndarray

    def routes(self, cm: CompiledModel, node: int) -> list[tuple[list[int], list[int], float]]:
        """The best routes from ``node`` as (node indices, link indices, signed effect),
        largest first."""
        walks = self.walk(cm, [node])
        return [
            (nodes, links, eff)
            for nodes, links, eff in zip(walks.nodes, walks.links, walks.effect, strict=True)
        ]

    def walk(self, cm: CompiledModel, nodes: Sequence[int] | np.ndarray) -> Walks:
        """Every best route from each of ``nodes``, rebuilt in one vectorised walk: all routes
        take their next link together, as many steps as the longest route has links."""
        start = np.asarray(nodes, dtype=np.int64).reshape(-1)
        positive = self.value.take(start, axis=0) > 0
        count = np.cumprod(positive, axis=1).sum(axis=1)  # up to the first empty rank
        owner = np.repeat(np.arange(len(start)), count)
        rank = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
        at = start.take(owner)
        effect = (self.sign[at, rank] * self.value[at, rank]).tolist()
        node_steps, link_steps = [at.copy()], []
        moving = np.flatnonzero(at != self.target)
        while len(moving):
            here, r = at.take(moving), rank.take(moving)
            lk = self.link[here, r]
            rank[moving] = self.rank[here, r]
            nxt = cm.link_dst.take(lk)
            at[moving] = nxt
            step_links = np.full(len(owner), -1, dtype=np.int64)
            step_links[moving] = lk
            step_nodes = np.full(len(owner), -1, dtype=np.int64)
            step_nodes[moving] = nxt
            link_steps.append(step_links)
            node_steps.append(step_nodes)
            moving = moving[nxt != self.target]
        node_table = np.stack(node_steps, axis=1)
        link_table = (
            np.stack(link_steps, axis=1) if link_steps else np.zeros((len(owner), 0), np.int64)
        )
        length = (link_table >= 0).sum(axis=1)
        return Walks(owner, rank, node_table, link_table, length, effect)


def link_flags(cm: CompiledModel) -> np.ndarray:
    """Each link's flag bits (CONTESTED, WEAK, UNGRADED), one byte a link."""
    return (
        cm.link_contested.view(np.uint8) * np.uint8(CONTESTED)
        | cm.link_weak.view(np.uint8) * np.uint8(WEAK)
        | cm.link_ungraded.view(np.uint8) * np.uint8(UNGRADED)
    )


@dataclass(frozen=True)
class Walks:
    """Routes rebuilt by :meth:`RouteTable.walk`: route r starts at the ``owner[r]``-th node
    asked for and is its ``rank[r]``-th best; ``node_table[r, :length[r] + 1]`` are its nodes
    and ``link_table[r, :length[r]]`` its links (−1 after its end); ``effect[r]`` is signed."""

    owner: np.ndarray
    rank: np.ndarray
    node_table: np.ndarray
    link_table: np.ndarray
    length: np.ndarray
    effect: list[float]

    @property
    def nodes(self) -> list[list[int]]:
        return [
            row[: n + 1]
            for row, n in zip(self.node_table.tolist(), self.length.tolist(), strict=True)
        ]

    @property
    def links(self) -> list[list[int]]:
        return [
            row[:n] for row, n in zip(self.link_table.tolist(), self.length.tolist(), strict=True)
        ]

    def bits(self, cm: CompiledModel) -> np.ndarray:
        """The flag bits of each route: its links' (contested, weak, ungraded) and COMPLEX
        when it passes through a complex outcome."""
        link_bits = link_flags(cm).astype(np.int64)
        on = self.link_table >= 0
        bits = (
            np.bitwise_or.reduce(
                np.where(on, link_bits.take(self.link_table, mode="clip"), 0), axis=1
            )
            if self.link_table.shape[1]
            else np.zeros(len(self.owner), dtype=np.int64)
        )
        cplx = (cm.node_complex.take(self.node_table, mode="clip") & (self.node_table >= 0)).any(
            axis=1
        )
        return bits | np.where(cplx, COMPLEX, 0)


def _reaching(cm: CompiledModel, target: int, nonzero: np.ndarray) -> np.ndarray:
    """Which nodes reach ``target`` along links of non-zero effect: one compiled
    breadth-first search over the in-links (scipy.sparse.csgraph), not a loop of levels."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n = cm.n_nodes
    in_off, in_order = cm.in_links
    src = cm.link_src.take(in_order)
    if not nonzero.all():  # a zero-effect link becomes a loop on the target (already reached)
        src[~nonzero.take(in_order)] = target
    graph = csr_matrix((np.ones(len(src)), src, in_off), shape=(n, n))
    reaches = np.zeros(n, dtype=bool)
    reaches[breadth_first_order(graph, target, directed=True, return_predecessors=False)] = True
    return reaches


def _chunks(mind: np.ndarray, top: int) -> list[tuple[int, int]]:
    """Node ranges [a, b), from ``top`` down to 0, none holding both ends of a link: each
    node's successors lie in ranges already done. ``mind[s]`` is the lowest end of the links
    leaving s (> s; past the last node when none). Nodes are numbered topologically (Kahn's
    layers, kept in order), so the ranges are about as few as the map's layers.

    The range ending at b starts after the last node s with a link into [s + 1, b), the
    last s with ``mind[s] < b`` (as mind[s] > s): a running maximum over ``mind``'s values,
    looked up once a range."""
    n = len(mind)
    last = np.full(n + 1, -1, dtype=np.int64)
    np.maximum.at(last, mind, np.arange(n))  # the last node s with mind[s] = v
    np.maximum.accumulate(last, out=last)  # ... with mind[s] <= v
    out = []
    b = top
    while b > 0:
        a = int(last[b - 1]) + 1
        out.append((a, b))
        b = a
    return out


def _groups(deg: np.ndarray, bounds: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Split each range's rows in two by their number of links: rows with at most ``cut``
    links (padded to ``cut``) and the rest (padded to the range's most), ``cut`` chosen per
    range to sort the fewest cells, a second group costing about ``_GROUP_CELLS`` cells.
    ``deg``: links of each active node, node order; ``bounds``: each range's first active
    node (ranges in ascending order, then the end). Returns each range's cut and its most."""
    n_r = len(bounds) - 1
    top = int(deg.max(initial=1))
    rid = np.repeat(np.arange(n_r), np.diff(bounds))
    hist = np.bincount(rid * (top + 1) + deg, minlength=n_r * (top + 1)).reshape(n_r, top + 1)
    widest = top - np.argmax(hist[:, ::-1] > 0, axis=1)  # the most links of a row, per range
    at_most = np.cumsum(hist, axis=1)  # rows with at most t links, t = 0..top
    rows = at_most[:, -1:]
    t = np.arange(top + 1)
    cells = at_most * t + (rows - at_most) * widest[:, None]  # link slots sorted, per cut
    cells += np.where(rows > at_most, _GROUP_CELLS // k, 0)
    cells[:, 0] = np.iinfo(np.int64).max  # a cut of 0 is no cut
    cut = np.argmin(cells, axis=1)
    return np.minimum(cut, widest), widest


_GROUP_CELLS = 6000  # the cost of sorting a second group of rows, in cells of candidates


def route_table(
    cm: CompiledModel, target: int, k: int = 10, effect: np.ndarray | None = None
) -> RouteTable:
    """Build the k-best route table to node ``target`` (see :class:`RouteTable`).

    Nodes after the target cannot reach it (links run forward); those before it are done in
    ranges of consecutive nodes with no link inside (:func:`_chunks`), highest first, each in a
    fixed handful of whole-array steps: the work is O(links × k), in a number of numpy calls
    that grows with the map's depth, not its size.

    A node's candidates are (link, j): the link's effect times its successor's j-th route.
    The best k are the largest in absolute value, ties to the earlier link, then the better
    successor route. To find them, a range's candidates are laid out in a block, a row a node
    (its links × k, padded), and each read as an integer (which orders like a non-negative
    float) with its sign bit cleared and its lowest bits replaced by the inverted column
    ``slot × k + j`` of the candidate in its row: one row-wise sort of integers then gives the
    top k and where each came from. A range's rows are sorted in two blocks, rows with few
    links and rows with many (:func:`_groups`), so that little padding is sorted.
    Values closer than 2^-(52 - bits) relative (bits = log2 of the widest row: about 1e-13 on
    ordinary maps) count as tied. The values kept are the candidates' own products, exactly.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    n = cm.n_nodes
    eff = cm.link_effect if effect is None else np.asarray(effect, dtype=float)
    nonzero = eff != 0
    reaches = _reaching(cm, target, nonzero)
    complex_bits = cm.node_complex.view(np.uint8) * np.uint8(COMPLEX)

    # links that lie on some route (both ends reach the target, non-zero effect), grouped by
    # their start and in link order within a node (the tie-break)
    _, out_order = cm.out_links
    on = reaches.take(cm.link_src) & reaches.take(cm.link_dst) & nonzero
    ls = out_order[on.take(out_order)]
    n_l = len(ls)
    src, dst = cm.link_src.take(ls), cm.link_dst.take(ls)
    counts = np.bincount(src, minlength=n)
    active = np.flatnonzero(counts)  # nodes with a link on a route, in node order
    n_act = len(active)
    deg = counts.take(active)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    first = offsets.take(active)  # each active node's first link
    mind = np.full(n, n, dtype=np.int64)  # each node's nearest successor on a route
    if n_l:
        mind[active] = np.minimum.reduceat(dst, first)
    starts = np.array([*(a for a, _ in _chunks(mind, target)[::-1]), target], dtype=np.int64)
    bounds = np.searchsorted(active, starts)  # each range's first active node
    keep = np.flatnonzero(np.diff(bounds) > 0)
    starts = np.append(starts[keep], target)
    bounds = np.append(bounds[keep], n_act)
    n_r = len(keep)

    # A range's block of candidates holds its rows with few links first, then those with
    # many (segments), each row a node's links × k candidates, padded to the segment's width.
    # ``seg_node``: the rows of every segment, ranges from the highest.
    cut, widest = _groups(deg, bounds, k) if n_act else (np.zeros(0, np.int64),) * 2
    rid = np.repeat(np.arange(n_r), np.diff(bounds))
    many = deg > cut.take(rid)
    seg_of = ((n_r - 1 - rid) * 2 + many).astype(np.int16 if n_r < 16_000 else np.int64)
    order = np.argsort(seg_of, kind="stable")
    seg_node = active.take(order)
    seg_key = seg_of.take(order)
    seg_at = np.flatnonzero(np.diff(seg_key, prepend=-1))
    seg_rows = np.diff(np.append(seg_at, n_act))
    seg_r = (n_r - 1 - seg_key.take(seg_at) // 2).astype(np.int64)  # each segment's range
    seg_width = np.where(seg_key.take(seg_at) % 2 == 1, widest.take(seg_r), cut.take(seg_r))
    seg_cells = seg_rows * seg_width  # link slots
    range_seg = np.searchsorted(seg_r[::-1], np.arange(n_r + 1))  # ranges' segments
    range_seg = len(seg_at) - range_seg[::-1]  # ... in processing order (range n_r - 1 first)
    seg_base = np.zeros(len(seg_at) + 1, dtype=np.int64)
    np.cumsum(seg_cells, out=seg_base[1:])
    row_seg = np.repeat(np.arange(len(seg_at)), seg_rows)
    row_cell = seg_base.take(row_seg) + (np.arange(n_act) - seg_at.take(row_seg)) * (
        seg_width.take(row_seg)
    )
    row_cell -= seg_base.take(range_seg.take(n_r - 1 - seg_r.take(row_seg)))  # in the range
    cell_of = np.empty(n_act, dtype=np.int64)  # each active node's first cell, node order
    cell_of[order] = row_cell
    # each link's k-wide cell in its range's block: its row's first, plus its place among
    # its node's links
    link_cell = np.repeat(cell_of - first, deg) + np.arange(n_l)

    bits = max(int(int(counts.max(initial=1)) * k - 1).bit_length(), 1)
    low = (1 << bits) - 1
    keep_bits = np.int64(0x7FFFFFFFFFFFFFFF & ~low)  # |x| with its lowest bits cleared
    tiny = np.array([np.finfo(float).tiny]).view(np.int64)[0]
    # a row's first candidate in its range's, plus low: the key's low bits count back from it
    row_at = ((first - offsets.take(starts.take(rid))) * k + low).take(order)[:, None]
    signed = eff.take(ls)[:, None]
    bits_of = link_flags(cm).take(ls) | complex_bits.take(dst)

    routes = np.zeros((n, k))  # signed route effects by node
    routes[target, 0] = 1.0
    best = np.zeros((n, k), dtype=np.int64)  # the chosen keys by node
    node_flags = np.zeros(n, dtype=np.uint8)
    void = np.dtype((np.void, 8 * k))  # a row of k numbers as one item
    routes_rows = routes.view(void).reshape(-1)
    best_rows = best.view(void).reshape(-1)
    columns = {}  # low - (slot × k + j) along a row of each width
    for w in set(seg_width.tolist()):
        columns[w] = low - np.arange(w * k, dtype=np.int64)
    segs = list(zip(seg_rows.tolist(), (seg_width * k).tolist(), strict=True))
    p_of, ab = offsets.take(starts).tolist(), bounds.tolist()
    range_seg_l, seg_at_l = range_seg.tolist(), seg_at.tolist()
    block_size = np.diff(seg_base.take(range_seg))[::-1].tolist()  # link slots, per range
    take, put, bit_and, bit_or = np.take, np.put, np.bitwise_and, np.bitwise_or
    for r in range(n_r - 1, -1, -1):
        p, q = p_of[r], p_of[r + 1]  # links
        ra, rb = ab[r], ab[r + 1]  # active nodes, node order
        s_a, s_b = range_seg_l[n_r - 1 - r], range_seg_l[n_r - r]  # segments
        row_a = seg_at_l[s_a]  # rows, segment order
        row_b = row_a + rb - ra
        d = dst[p:q]
        cand = take(routes, d, axis=0, mode="clip")
        cand *= signed[p:q]
        block = np.zeros(block_size[r] * k, dtype=np.int64)  # pads: 0
        put(block.view(void), link_cell[p:q], cand.view(void))
        bit_and(block, keep_bits, out=block)
        kb = np.empty((rb - ra, k), dtype=np.int64)  # the best keys, rows in segment order
        at = row = 0
        for rows, wk in segs[s_a:s_b]:
            blk = block[at : at + rows * wk].reshape(rows, wk)
            blk |= columns[wk // k]
            if k == 1:  # the largest
                blk.max(axis=1, out=kb[row : row + rows, 0])
            elif wk > k:
                blk.sort(axis=1)
                kb[row : row + rows] = blk[:, : -k - 1 : -1]
            else:  # one link: its candidates are in order already
                kb[row : row + rows] = blk
            at += rows * wk
            row += rows
        vals = take(cand, row_at[row_a:row_b] - bit_and(kb, low), mode="clip")
        vals[kb < tiny] = 0.0
        nodes = seg_node[row_a:row_b]
        put(routes_rows, nodes, vals.view(void))
        put(best_rows, nodes, kb.view(void))
        # flags: any route through a flagged link or a flagged successor
        put(
            node_flags,
            active[ra:rb],
            bit_or.reduceat(bits_of[p:q] | take(node_flags, d), first[ra:rb] - p),
        )

    sign = np.subtract(np.int8(1), np.signbit(routes).view(np.int8) * np.int8(2))
    value = np.abs(routes, out=routes)
    # where each route continues: along its node's link at ``column // k`` (its slot), then
    # the successor's route ``column % k``; tables of both, as integer division is slow
    dropped = best < tiny
    np.bitwise_and(best, low, out=best)
    np.subtract(low, best, out=best)  # the column
    rank = (np.arange(low + 1) % k).take(best)
    rank[dropped] = 0
    if n_l:
        slots = (np.arange(low + 1) // k).take(best)
        slots += offsets[:n, None]
        link = ls.take(slots, mode="clip")
        link[dropped] = -1
    else:
        link = np.full((n, k), -1, dtype=np.int64)
    flags = node_flags.astype(np.int64)
    np.bitwise_or(flags, complex_bits, out=flags, where=reaches)
    return RouteTable(
        target=target,
        k=k,
        value=value,
        sign=sign,
        link=link,
        rank=rank,
        flags=flags,
        reaches=reaches,
    )
