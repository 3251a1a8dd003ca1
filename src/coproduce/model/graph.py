"""Topological order of a map's nodes, vectorised (Kahn's algorithm, one layer at a time).

Used to reject cycles at load time and to number nodes so that every link points forward.
"""

from __future__ import annotations

import numpy as np


def topological_order(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """Node indices 0..n-1 ordered so every edge src -> dst goes forward, or None when the
    edges contain a cycle. Within a layer nodes keep their index order (deterministic)."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    indeg = np.bincount(dst, minlength=n)
    order_by_src = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    frontier = np.flatnonzero(indeg == 0)
    out = []
    seen = 0
    while len(frontier):
        out.append(frontier)
        seen += len(frontier)
        starts = offsets[frontier]
        lens = offsets[frontier + 1] - starts
        total = int(lens.sum())
        if total == 0:
            break
        pos = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        targets = dst[order_by_src[pos]]
        dec = np.bincount(targets, minlength=n)
        touched = np.flatnonzero(dec)
        indeg[touched] -= dec[touched]
        frontier = touched[indeg[touched] == 0]
    if seen != n:
        return None
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
