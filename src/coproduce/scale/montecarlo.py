"""Long Monte Carlo runs reduced where they run: sums per chunk, merged in chunk order.

A draws table of 10^7 draws keeps every option's effect and costs by sector and every input:
gigabytes on the client. The statistics that are means — expected net benefit, effect and
cost, the probability that each option is best, EVPI = E[max NB] − max E[NB], the
acceptability curve — need only sums, so each worker reduces its chunk to sums over a λ grid
(a few kilobytes) and the client adds them up. Chunks are merged in draw order, whatever order
they arrive in, so the result is the same, bit for bit, in this process, in a process pool or
on a cluster. It agrees with the same statistics of the whole draws table
(:func:`coproduce.voi.analysis.analyse`) to rounding (about 1e-15 relative): the sums are added
in another order.

Quantiles (intervals) and EVPPI need the draws themselves: gather the draws table with
:func:`coproduce.simulate` (``executor=``), ``keep_inputs`` only when EVPPI is wanted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.simulate import Simulation

__all__ = ["DrawSums", "MonteCarloSummary", "summarise"]


@dataclass(frozen=True)
class DrawSums:
    """Sums over some draws, per option (and per willingness to pay λ of a grid). Merge with
    ``+``; the empty sum is ``DrawSums.zero(options, grid)``."""

    n: int
    effect: np.ndarray  # (options,) Σ target reached, outcome units
    cost: np.ndarray  # (options,) Σ cost net of other valued outcomes, money
    net_benefit: np.ndarray  # (grid, options) Σ λ·effect − cost
    best: np.ndarray  # (grid, options) draws in which the option is best (first on ties)
    max_net_benefit: np.ndarray  # (grid,) Σ max over options

    @classmethod
    def of(cls, effect: np.ndarray, cost: np.ndarray, grid: np.ndarray) -> DrawSums:
        """Sums over the draws (rows) of ``effect`` and ``cost`` (draws × options)."""
        k = effect.shape[1]
        nb_sum = np.empty((len(grid), k))
        best = np.empty((len(grid), k), dtype=np.int64)
        max_sum = np.empty(len(grid))
        for g, lam in enumerate(grid):  # one λ at a time: memory of one chunk, not × grid
            nb = lam * effect - cost
            nb_sum[g] = nb.sum(axis=0)
            best[g] = np.bincount(nb.argmax(axis=1), minlength=k)
            max_sum[g] = nb.max(axis=1).sum()
        return cls(
            n=effect.shape[0],
            effect=effect.sum(axis=0),
            cost=cost.sum(axis=0),
            net_benefit=nb_sum,
            best=best,
            max_net_benefit=max_sum,
        )

    def __add__(self, other: DrawSums) -> DrawSums:
        return DrawSums(
            self.n + other.n,
            self.effect + other.effect,
            self.cost + other.cost,
            self.net_benefit + other.net_benefit,
            self.best + other.best,
            self.max_net_benefit + other.max_net_benefit,
        )


@dataclass(frozen=True)
class MonteCarloSummary:
    """Expected values over all draws, at each λ of ``grid`` (money per unit of the target).
    Money in the model's currency and price year."""

    options: tuple[str, ...]
    grid: tuple[float, ...]
    sums: DrawSums
    meta: dict[str, Any]

    @property
    def n_draws(self) -> int:
        return self.sums.n

    def expected_net_benefit(self) -> np.ndarray:
        """(grid × options) E[λ·effect − cost]."""
        return self.sums.net_benefit / self.sums.n

    def prob_best(self) -> np.ndarray:
        """(grid × options) the share of draws in which each option is best: the CEAC."""
        return self.sums.best / self.sums.n

    def evpi(self) -> np.ndarray:
        """(grid,) E[max NB] − max E[NB] at each λ."""
        return self.sums.max_net_benefit / self.sums.n - self.expected_net_benefit().max(axis=1)

    def to_dict(self) -> dict[str, Any]:
        enb, pb, ev = self.expected_net_benefit(), self.prob_best(), self.evpi()
        return {
            **self.meta,
            "n_draws": self.n_draws,
            "options": list(self.options),
            "effect": dict(
                zip(self.options, (self.sums.effect / self.n_draws).tolist(), strict=True)
            ),
            "cost": dict(zip(self.options, (self.sums.cost / self.n_draws).tolist(), strict=True)),
            "by_wtp": [
                {
                    "wtp": lam,
                    "net_benefit": dict(zip(self.options, enb[k].tolist(), strict=True)),
                    "prob_best": dict(zip(self.options, pb[k].tolist(), strict=True)),
                    "best_expected": self.options[int(enb[k].argmax())],
                    "evpi": float(ev[k]),
                }
                for k, lam in enumerate(self.grid)
            ],
        }


def _chunk_sums(shared: tuple[Simulation, np.ndarray], span: tuple[int, int]) -> DrawSums:
    sim, grid = shared
    part = sim.run_chunk(*span)
    return DrawSums.of(part["effect"], part["cost_full"] - part["value_other"], grid)


def summarise(sim: Simulation, wtp: Sequence[float], executor: Any = None) -> MonteCarloSummary:
    """Run ``sim`` (from :func:`coproduce.engine.simulate.prepare_simulation`) reducing each
    chunk to sums where it runs (``executor``: see :func:`coproduce.scale.executor`; this
    process by default), at each willingness to pay in ``wtp``."""
    from .executors import executor as make_executor

    grid = np.asarray(list(wtp), dtype=float)
    if grid.ndim != 1 or not len(grid) or not np.all(np.isfinite(grid)) or (grid < 0).any():
        raise ValueError("wtp: give one or more finite amounts ≥ 0")
    runner = make_executor(executor)
    parts: dict[int, DrawSums] = {}
    try:
        for (start, _stop), sums in runner.map(_chunk_sums, (sim, grid), sim.chunks()):
            parts[start] = sums
    finally:
        if runner is not executor:
            runner.close()
    total = parts[min(parts)]
    for start in sorted(parts)[1:]:  # draw order, whatever order the chunks arrived in
        total = total + parts[start]
    return MonteCarloSummary(
        options=tuple(o.name for o in sim.options),
        grid=tuple(float(v) for v in grid),
        sums=total,
        meta=dict(sim.meta),
    )
