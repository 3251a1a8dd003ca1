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


def _gather(offsets: np.ndarray, order: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """Links of ``nodes`` from a CSR layout: (link indices, position of their node in nodes)."""
    starts = offsets[nodes]
    counts = offsets[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(nodes)), counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return order[starts[owner] + within], owner


def _unique(nodes: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Sorted distinct node indices, via a reusable boolean mask (much faster than np.unique
    on the small arrays of one level)."""
    scratch[nodes] = True
    out = np.flatnonzero(scratch)
    scratch[out] = False
    return out


def _best_k(ready: np.ndarray, ls: np.ndarray, owner: np.ndarray, succ: np.ndarray,
            link_dst: np.ndarray, absval: np.ndarray, eff: np.ndarray, k: int,
            value: np.ndarray, sign: np.ndarray, link: np.ndarray, rank: np.ndarray) -> None:
    """Fill the k best routes of the ``ready`` nodes from their out-links ``ls`` (owned by
    ``ready[owner]``, grouped by owner) and their successors' finished lists."""
    r, m = len(ready), len(ls)
    if m == 0:
        return
    counts = np.bincount(owner, minlength=r)
    width = int(counts.max())
    starts = np.cumsum(counts) - counts
    slot = np.arange(m) - starts[owner]
    cand = absval[ls][:, None] * value[succ]                       # links × k
    if r * width <= 4 * m + 64:
        # padded (owners × width·k) block: a row-wise partial sort is much faster than a
        # global sort, and the padding costs little when degrees are alike
        block = np.zeros((r, width, k))
        block[owner, slot, :] = cand
        block = block.reshape(r, width * k)
        cols_total = width * k
        # the k-th largest value of each row (a value partition is far faster than an
        # arg-partition), then the entries at or above it, best first
        tiny = np.finfo(float).tiny  # a threshold of at least this keeps zero padding out
        if k < cols_total:
            kth = np.partition(block, cols_total - k, axis=1)[:, cols_total - k]
            sel_rows, sel_cols = np.nonzero(block >= np.maximum(kth, tiny)[:, None])
        else:
            sel_rows, sel_cols = np.nonzero(block >= tiny)
        sel_vals = block[sel_rows, sel_cols]
        # best first within each row: one float key (row + 1 - value / row maximum) sorts far
        # faster than a lexicographic sort; values within ~1e-11 of each other may swap
        row_max = block.max(axis=1)
        key = sel_rows + (1.0 - sel_vals / (row_max[sel_rows] * (1 + 1e-9)))
        order = np.argsort(key, kind="stable")
        sel_rows, sel_cols = sel_rows[order], sel_cols[order]
        pos = np.arange(len(sel_rows)) - np.searchsorted(sel_rows, sel_rows, side="left")
        top = pos < k                                   # ties at the k-th value: keep k
        rows, cols, flat = sel_rows[top], pos[top], sel_cols[top]
        link_of_slot = np.full((r, width), -1, dtype=np.int64)
        link_of_slot[owner, slot] = ls
        chosen_link = link_of_slot[rows, flat // k]
        chosen_rank = flat % k
    else:
        # a hub with many more links than its neighbours: sort all candidates instead
        c_owner = np.repeat(owner, k)
        c_val = cand.ravel()
        c_link = np.repeat(ls, k)
        c_rank = np.tile(np.arange(k), m)
        live = c_val > 0
        c_owner, c_val, c_link, c_rank = (x[live] for x in (c_owner, c_val, c_link, c_rank))
        order = np.lexsort((c_rank, c_link, -c_val, c_owner))
        c_owner, c_val, c_link, c_rank = (x[order] for x in (c_owner, c_val, c_link, c_rank))
        pos = np.arange(len(c_owner)) - np.searchsorted(c_owner, c_owner, side="left")
        top = pos < k
        rows, cols = c_owner[top], pos[top]
        chosen_link, chosen_rank = c_link[top], c_rank[top]
    nodes = ready[rows]
    succ_of = link_dst[chosen_link]
    value[nodes, cols] = absval[chosen_link] * value[succ_of, chosen_rank]
    sign[nodes, cols] = np.sign(eff[chosen_link]).astype(np.int8) * sign[succ_of, chosen_rank]
    link[nodes, cols] = chosen_link
    rank[nodes, cols] = chosen_rank


def route_table(cm: CompiledModel, target: int, k: int = 10,
                effect: np.ndarray | None = None) -> RouteTable:
    """Build the k-best route table to node ``target`` (see :class:`RouteTable`)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    n = cm.n_nodes
    eff = cm.link_effect if effect is None else np.asarray(effect, dtype=float)
    absval = np.abs(eff)
    link_bits = (CONTESTED * cm.link_contested + WEAK * cm.link_weak
                 + UNGRADED * cm.link_ungraded).astype(np.int64)
    complex_bits = (COMPLEX * cm.node_complex).astype(np.int64)

    # which nodes reach the target, by a backward sweep over in-links
    in_off, in_order = cm.in_links
    scratch = np.zeros(n, dtype=bool)
    reaches = np.zeros(n, dtype=bool)
    reaches[target] = True
    frontier = np.array([target], dtype=np.int64)
    while len(frontier):
        links, _ = _gather(in_off, in_order, frontier)
        links = links[absval[links] > 0]
        src = _unique(cm.link_src[links], scratch)
        src = src[~reaches[src]]
        reaches[src] = True
        frontier = src

    # links that lie on some route: both ends reach the target, non-zero effect
    useful = reaches[cm.link_src] & reaches[cm.link_dst] & (absval > 0)
    pending = np.bincount(cm.link_src[useful], minlength=n)  # successors not yet done

    value = np.zeros((n, k))
    sign = np.ones((n, k), dtype=np.int8)
    link = np.full((n, k), -1, dtype=np.int64)
    rank = np.zeros((n, k), dtype=np.int64)
    flags = np.zeros(n, dtype=np.int64)
    value[target, 0] = 1.0
    flags[target] = complex_bits[target]

    out_off, out_order = cm.out_links
    ready = np.array([target], dtype=np.int64)
    while len(ready):
        # 1. the nodes now ready take their lists from their (finished) successors
        if not (len(ready) == 1 and ready[0] == target):
            ls, owner = _gather(out_off, out_order, ready)
            keep = useful[ls]
            ls, owner = ls[keep], owner[keep]
            succ = cm.link_dst[ls]
            _best_k(ready, ls, owner, succ, cm.link_dst, absval, eff, k, value, sign, link, rank)
            # flags: any route through a flagged link or a flagged successor
            bits = link_bits[ls] | flags[succ] | complex_bits[succ]
            np.bitwise_or.at(flags, ready[owner], bits)
            flags[ready] |= complex_bits[ready]
        # 2. tell their predecessors
        ls, _ = _gather(in_off, in_order, ready)
        ls = ls[useful[ls]]
        if len(ls) == 0:
            break
        src = cm.link_src[ls]
        np.subtract.at(pending, src, 1)
        cand_ready = _unique(src, scratch)
        ready = cand_ready[pending[cand_ready] == 0]
    return RouteTable(target=target, k=k, value=value, sign=sign, link=link, rank=rank,
                      flags=flags, reaches=reaches)
