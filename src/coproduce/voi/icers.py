"""Incremental analysis: strong and extended dominance, ICERs along the frontier.

The algorithm (as in the R package ``dampack``'s ``calculate_icers``): order options by cost;
remove every option that is *strongly dominated* (another option costs no more and is at least
as effective, one of them strictly); then repeatedly remove options that are *extendedly
dominated* (their ICER against the previous frontier option exceeds that of the next one, so a
mix of the neighbours would do better) until ICERs rise along the frontier.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FRONTIER, DOMINATED, EXTENDED = "frontier", "dominated", "extendedly dominated"


@dataclass(frozen=True)
class IcerRow:
    """One option: its cost and effect, and on the frontier the increments and ICER against the
    previous frontier option (None for the first and for dominated options)."""

    option: str
    cost: float
    effect: float
    inc_cost: float | None
    inc_effect: float | None
    icer: float | None
    status: str

    def to_dict(self) -> dict:
        return {
            "option": self.option,
            "cost": self.cost,
            "effect": self.effect,
            "inc_cost": self.inc_cost,
            "inc_effect": self.inc_effect,
            "icer": self.icer,
            "status": self.status,
        }


def icers(
    costs: Sequence[float] | npt.NDArray[np.floating],
    effects: Sequence[float] | npt.NDArray[np.floating],
    names: Sequence[str],
) -> list[IcerRow]:
    """Incremental analysis of options with mean ``costs`` (money) and ``effects`` (outcome
    units). Returns the frontier first (cheapest first, ICERs rising), then extendedly
    dominated, then dominated options, each group ordered by cost — dampack's order."""
    c = np.asarray(costs, dtype=float)
    e = np.asarray(effects, dtype=float)
    names = list(names)
    if not (len(c) == len(e) == len(names)) or len(names) == 0:
        raise ValueError("costs, effects and names must have the same, non-zero length")
    if len(set(names)) != len(names):
        raise ValueError("option names must be unique")
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(e))):
        raise ValueError("costs and effects must be finite")
    order = sorted(range(len(c)), key=lambda i: (c[i], -e[i]))
    status = dict.fromkeys(range(len(c)), FRONTIER)
    # strong dominance: another option costs no more and is at least as effective
    for i in order:
        for j in order:
            if j != i and c[j] <= c[i] and e[j] >= e[i] and (c[j] < c[i] or e[j] > e[i]):
                status[i] = DOMINATED
                break
    front = [i for i in order if status[i] == FRONTIER]
    # identical cost and effect: keep the first, the others are dominated by it
    dedup: list[int] = []
    for i in front:
        if dedup and c[i] == c[dedup[-1]] and e[i] == e[dedup[-1]]:
            status[i] = DOMINATED
        else:
            dedup.append(i)
    front = dedup
    changed = True
    while changed and len(front) > 2:
        changed = False
        ratios = [(c[b] - c[a]) / (e[b] - e[a]) for a, b in itertools.pairwise(front)]
        for k in range(len(ratios) - 1):
            if ratios[k] > ratios[k + 1]:
                status[front[k + 1]] = EXTENDED
                front.pop(k + 1)
                changed = True
                break
    rows: list[IcerRow] = []
    for k, i in enumerate(front):
        if k == 0:
            rows.append(IcerRow(names[i], float(c[i]), float(e[i]), None, None, None, FRONTIER))
        else:
            p = front[k - 1]
            dc, de = float(c[i] - c[p]), float(e[i] - e[p])
            rows.append(IcerRow(names[i], float(c[i]), float(e[i]), dc, de, dc / de, FRONTIER))
    for group in (EXTENDED, DOMINATED):
        rows.extend(
            IcerRow(names[i], float(c[i]), float(e[i]), None, None, None, group)
            for i in order
            if status[i] == group
        )
    return rows
