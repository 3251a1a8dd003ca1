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

    def routes(self, cm: CompiledModel, node: int) -> list[tuple[list[int], float]]:
        """The best routes from ``node`` as (node indices, signed effect), largest first."""
        out = []
        for j in range(self.k):
            if self.value[node, j] <= 0:
                break
            nodes = [node]
            n, r = node, j
            while n != self.target:
                lk = self.link[n, r]
                r = self.rank[n, r]
                n = int(cm.link_dst[lk])
                nodes.append(n)
            out.append((nodes, float(self.sign[node, j] * self.value[node, j])))
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
    reaches = np.zeros(n, dtype=bool)
    reaches[target] = True
    frontier = np.array([target], dtype=np.int64)
    while len(frontier):
        links, _ = _gather(in_off, in_order, frontier)
        links = links[absval[links] > 0]
        src = np.unique(cm.link_src[links])
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
            cand = absval[ls][:, None] * value[succ]          # (links × k)
            cand_sign = np.sign(eff[ls]).astype(np.int8)[:, None] * sign[succ]
            m = len(ls)
            c_owner = np.repeat(owner, k)
            c_val = cand.ravel()
            c_link = np.repeat(ls, k)
            c_rank = np.tile(np.arange(k), m)
            c_sign = cand_sign.ravel()
            live = c_val > 0
            c_owner, c_val, c_link, c_rank, c_sign = (a[live] for a in (c_owner, c_val, c_link,
                                                                        c_rank, c_sign))
            # best first within each owner; ties broken by link order for determinism
            order = np.lexsort((c_rank, c_link, -c_val, c_owner))
            c_owner, c_val, c_link, c_rank, c_sign = (a[order] for a in (c_owner, c_val, c_link,
                                                                          c_rank, c_sign))
            first = np.searchsorted(c_owner, c_owner, side="left")
            pos = np.arange(len(c_owner)) - first
            top = pos < k
            rows = ready[c_owner[top]]
            cols = pos[top]
            value[rows, cols] = c_val[top]
            sign[rows, cols] = c_sign[top]
            link[rows, cols] = c_link[top]
            rank[rows, cols] = c_rank[top]
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
        cand_ready = np.unique(src)
        ready = cand_ready[pending[cand_ready] == 0]
    return RouteTable(target=target, k=k, value=value, sign=sign, link=link, rank=rank,
                      flags=flags, reaches=reaches)
