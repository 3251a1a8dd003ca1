"""The largest routes from every intervention to one outcome, by a k-best dynamic programme.

Working back from the target in reverse topological order, each node keeps the ``k`` routes to
the target with the largest absolute effect (the product of link effects along the route) and a
pointer to how each continues. A node's list is built from its successors' lists only, so the
work is O(links × k log k) however many routes exist — never listing them all. The same sweep
records whether *any* route from a node passes through a contested, weakly evidenced or
ungraded link or a complex outcome.
"""

from __future__ import annotations

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
        out = []
        for j in range(self.k):
            if self.value[node, j] <= 0:
                break
            nodes, links = [node], []
            n, r = node, j
            while n != self.target:
                lk = int(self.link[n, r])
                r = int(self.rank[n, r])
                n = int(cm.link_dst[lk])
                nodes.append(n)
                links.append(lk)
            out.append((nodes, links, float(self.sign[node, j] * self.value[node, j])))
        return out


def _reaching(cm: CompiledModel, target: int, absval: np.ndarray) -> np.ndarray:
    """Which nodes reach ``target`` along links of non-zero effect: one compiled
    breadth-first search over the in-links (scipy.sparse.csgraph), not a loop of levels."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    n = cm.n_nodes
    in_off, in_order = cm.in_links
    # a zero-effect link becomes a loop on the target (already reached): no edge at all
    src = np.where(absval[in_order] > 0, cm.link_src[in_order], target)
    graph = csr_matrix((np.ones(len(src)), src, in_off), shape=(n, n))
    reaches = np.zeros(n, dtype=bool)
    reaches[breadth_first_order(graph, target, directed=True, return_predecessors=False)] = True
    return reaches


def _chunks(mind: np.ndarray, top: int) -> list[tuple[int, int]]:
    """Node ranges [a, b), from ``top`` down to 0, none holding both ends of a link: each
    node's successors lie in ranges already done. ``mind[s]`` is the lowest end of the links
    leaving s (> s; past the last node when none). Nodes are numbered topologically (Kahn's
    layers, kept in order), so the ranges are about as few as the map's layers."""
    out = []
    b = top
    while b > 0:
        width = 256
        while True:
            lo = max(b - width, 0)
            hit = np.flatnonzero(mind[lo:b] < b)
            if len(hit):
                a = lo + int(hit[-1]) + 1
                break
            if lo == 0:
                a = 0
                break
            width *= 4
        out.append((a, b))
        b = a
    return out


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
    successor route. To find them, each candidate's absolute value is read as an unsigned
    integer (which orders like a non-negative float) with its lowest bits replaced by the
    inverted column ``slot × k + j`` of the candidate in its node's row: one row-wise
    partition and a k-wide sort of integers then give the top k and where each came from.
    Values closer than 2^-(52 - bits) relative (bits = log2 of the widest row: about 1e-13 on
    ordinary maps) count as tied. The values kept are the candidates' own products, exactly.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    n = cm.n_nodes
    eff = cm.link_effect if effect is None else np.asarray(effect, dtype=float)
    absval = np.abs(eff)
    complex_bits = (COMPLEX * cm.node_complex).astype(np.int64)
    reaches = _reaching(cm, target, absval)

    # links that lie on some route (both ends reach the target, non-zero effect), grouped by
    # their start and in link order within a node (the tie-break)
    _, out_order = cm.out_links
    ls = out_order[(reaches[cm.link_src] & reaches[cm.link_dst] & (absval > 0))[out_order]]
    src, dst = cm.link_src[ls], cm.link_dst[ls]
    counts = np.bincount(src, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    active = np.flatnonzero(counts)  # nodes with a link on a route: rows 0..n_act-1
    n_act = len(active)
    row_of = np.full(n, n_act + 1, dtype=np.int64)  # other nodes: an empty row
    row_of[active] = np.arange(n_act)
    row_of[target] = n_act  # the target has a row of its own
    first = offsets[active]  # each row's first link
    link_row = np.repeat(np.arange(n_act), counts[active])
    slot = np.arange(len(ls)) - first[link_row]
    mind = np.full(n, n, dtype=np.int64)  # each node's nearest successor on a route
    if len(ls):
        mind[active] = np.minimum.reduceat(dst, first)

    # ranges of rows [ra, rb) with links [p, q); a row of the block holds a node's links
    # (at most ``width`` of them) × its successors' k routes
    chunks = []
    cell = np.zeros(len(ls), dtype=np.int64)  # each link's row in its range's block
    row_p = np.zeros(n_act, dtype=np.int64)
    for a, b in _chunks(mind, target):
        ra, rb = int(np.searchsorted(active, a)), int(np.searchsorted(active, b))
        if ra == rb:
            continue
        p, q = int(offsets[a]), int(offsets[b])
        width = int(counts[active[ra:rb]].max())
        cell[p:q] = (link_row[p:q] - ra) * width + slot[p:q]
        row_p[ra:rb] = p
        chunks.append((ra, rb, p, q, width * k))
    bits = max(int(int(counts.max(initial=1)) * k - 1).bit_length(), 1)
    low = np.uint64((1 << bits) - 1)
    tiny = np.array([np.finfo(float).tiny]).view(np.uint64)[0]
    slot_k = (slot * k).astype(np.uint64)[:, None]
    ranks = np.arange(k, dtype=np.uint64)
    row_base = ((first - row_p) * k)[:, None]  # a row's first candidate in its range
    signed = eff[ls][:, None]
    succ_row = row_of[dst]
    flagged = (
        cm.link_contested.view(np.uint8) * np.uint8(CONTESTED)
        | cm.link_weak.view(np.uint8) * np.uint8(WEAK)
        | cm.link_ungraded.view(np.uint8) * np.uint8(UNGRADED)
    )
    bits_of = flagged[ls].astype(np.int64) | complex_bits[dst]

    routes = np.zeros((n_act + 2, k))  # signed route effects by row
    routes[n_act, 0] = 1.0
    pick = np.full((n_act + 2, k), -1, dtype=np.int64)  # chosen: link position × k + j
    row_flags = np.zeros(n_act + 2, dtype=np.int64)
    for ra, rb, p, q, width in chunks:
        succ = succ_row[p:q]
        cand = signed[p:q] * routes[succ]  # links × k
        key = (np.abs(cand).view(np.uint64) | low) - slot_k[p:q]
        key -= ranks
        block = np.zeros(((rb - ra) * width // k, k), dtype=np.uint64)
        block[cell[p:q]] = key
        block = block.reshape(rb - ra, width)
        if k < width:
            block = np.partition(block, width - k, axis=1)[:, width - k :]
        best = np.sort(block, axis=1)[:, ::-1]
        kept = best >= tiny
        at = row_base[ra:rb] + (low - (best & low)).astype(np.int64)
        routes[ra:rb] = np.where(kept, cand.ravel().take(at, mode="clip"), 0.0)
        pick[ra:rb] = np.where(kept, at + p * k, -1)
        # flags: any route through a flagged link or a flagged successor
        row_flags[ra:rb] = np.bitwise_or.reduceat(bits_of[p:q] | row_flags[succ], first[ra:rb] - p)

    full = routes[row_of]
    value = np.abs(full)
    sign = np.where(full < 0, np.int8(-1), np.int8(1))
    pick = pick[row_of]
    chosen = pick >= 0
    link = (
        np.where(chosen, ls.take(pick // k, mode="clip"), -1)
        if len(ls)
        else np.full((n, k), -1, dtype=np.int64)
    )
    rank = np.where(chosen, pick % k, 0)
    flags = row_flags[row_of]
    flags[reaches] |= complex_bits[reaches]
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
