"""All the analyses of one draws table, in one result object (what ``--json`` prints)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.draws import DrawsTable
from . import core
from .icers import IcerRow, icers
from .oneway import TornadoBar, singles
from .partial import evppi_table

EVPPI_METHOD = ("cubic regression splines (natural, knots at quantiles, ∫f''² penalty), "
                "tensor products for groups of up to 4 inputs, smoothing by GCV — the smoother "
                "of voi's default mgcv::gam(te(..., bs='cr')) (Strong, Oakley & Brennan 2014)")


def default_grid(wtp: float, points: int = 41) -> list[float]:
    """λ grid for the acceptability curve: 0 to twice ``wtp`` (``wtp`` itself included)."""
    top = 2 * wtp if wtp > 0 else 1.0
    return [float(v) for v in np.linspace(0, top, points)]


@dataclass(frozen=True)
class UncertaintyResult:
    """Probabilistic results for each option at willingness to pay ``wtp`` (money per unit of
    the target outcome). Money in ``currency`` at ``price_year`` prices."""

    wtp: float
    options: tuple[str, ...]
    n_draws: int
    net_benefit: dict[str, tuple[float, float, float]]
    prob_best: dict[str, float]
    effect: dict[str, tuple[float, float, float]] | None
    cost: dict[str, tuple[float, float, float]] | None
    cost_per_outcome: dict[str, tuple[float, float, float]] | None
    evpi: float
    evppi: dict[str, float]
    groups: dict[str, tuple[str, ...]]
    ceac_grid: list[float]
    ceac: np.ndarray | None
    ceaf: list[str]
    frontier: list[IcerRow]
    tornado: list[TornadoBar]
    population_evpi: float | None
    population: dict[str, Any] | None
    sobol: dict[str, float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def best_option(self) -> str:
        """The option with the highest expected net benefit."""
        return max(self.options, key=lambda o: self.net_benefit[o][0])

    @property
    def top_input(self) -> str | None:
        """The input (or group) whose EVPPI is largest, if any is above zero."""
        singles = {k: v for k, v in self.evppi.items() if k not in self.groups}
        if not singles or max(singles.values()) <= 0:
            return None
        return max(singles, key=lambda k: singles[k])

    def to_dict(self) -> dict[str, Any]:
        def trio(t: tuple[float, float, float]) -> dict[str, float]:
            return {"mean": t[0], "low": t[1], "high": t[2]}

        summary: dict[str, Any] = {}
        for o in self.options:
            entry: dict[str, Any] = {"net_benefit": trio(self.net_benefit[o]),
                                     "prob_best": self.prob_best[o]}
            if self.effect is not None and self.cost is not None:
                entry["effect"] = trio(self.effect[o])
                entry["cost"] = trio(self.cost[o])
            if self.cost_per_outcome is not None:
                entry["cost_per_outcome"] = trio(self.cost_per_outcome[o])
            summary[o] = entry
        ceac = [] if self.ceac is None else [
            {"wtp": lam, "prob_best": {o: float(p) for o, p in zip(self.options, row,
                                                                   strict=True)},
             "best_expected": self.ceaf[k]}
            for k, (lam, row) in enumerate(zip(self.ceac_grid, self.ceac, strict=True))]
        return {
            **self.meta,
            "wtp": self.wtp,
            "n_draws": self.n_draws,
            "options": list(self.options),
            "best_option": self.best_option,
            "summary": summary,
            "evpi": self.evpi,
            "evppi": self.evppi,
            "evppi_groups": {k: list(v) for k, v in self.groups.items()},
            "evppi_method": EVPPI_METHOD,
            "most_valuable_input": self.top_input,
            "population_evpi": self.population_evpi,
            "population": self.population,
            "ceac": ceac,
            "frontier": [r.to_dict() for r in self.frontier],
            "tornado": [b.to_dict() for b in self.tornado],
            **({"sobol": self.sobol} if self.sobol is not None else {}),
        }


def analyse(table: DrawsTable, wtp: float, *, grid: Sequence[float] | None = None,
            groups: dict[str, Sequence[str]] | None = None, evppi: bool = True,
            population: float | Sequence[float] | None = None, horizon: int = 10,
            rate: float = core.GREEN_BOOK_RATE, with_tornado: bool = True,
            sobol: bool = False) -> UncertaintyResult:
    """Every analysis of ``table`` at willingness to pay ``wtp``.

    ``groups`` adds named sets of inputs to those in the table; ``population`` (people or
    decisions a year, for ``horizon`` years discounted at ``rate``) gives population EVPI;
    ``sobol`` adds first-order Sobol indices (SALib)."""
    nb = table.net_benefit(wtp)
    opts = table.options
    all_groups = {**table.groups, **{k: tuple(v) for k, v in (groups or {}).items()}}
    nbs = {o: core.interval(nb[:, j]) for j, o in enumerate(opts)}
    pb = dict(zip(opts, (float(p) for p in core.prob_best(nb)), strict=True))
    effect = cost = cpo = None
    ceac_arr = None
    ceaf: list[str] = []
    frontier: list[IcerRow] = []
    grid_list = list(grid) if grid is not None else default_grid(wtp)
    if table.has_effects:
        assert table.effect is not None and table.cost is not None
        effect = {o: core.interval(table.effect[:, j]) for j, o in enumerate(opts)}
        cost = {o: core.interval(table.cost[:, j]) for j, o in enumerate(opts)}
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = table.cost / table.effect
        cpo = {o: core.interval(ratio[:, j]) if np.all(np.isfinite(ratio[:, j]))
               else (float("nan"),) * 3 for j, o in enumerate(opts)}
        ceac_arr = core.ceac(table.effect, table.cost, grid_list)
        ceaf = [opts[k] for k in core.ceaf(table.effect, table.cost, grid_list)]
        frontier = icers(table.cost.mean(axis=0), table.effect.mean(axis=0), opts)
    value = core.evpi(nb)
    inputs = table.inputs
    ev: dict[str, float] = {}
    bars: list[TornadoBar] = []
    if len(inputs.columns) and (evppi or with_tornado):
        single, all_bars = singles(nb, inputs, opts)
        if evppi:
            ev = {**single, **evppi_table(nb, inputs.iloc[:, :0], all_groups, inputs)}
            ev = dict(sorted(ev.items(), key=lambda kv: -kv[1]))
        if with_tornado:
            bars = all_bars
    pop = None
    pop_info = None
    if population is not None:
        pop = core.population_evpi(value, population, horizon, rate)
        pop_info = {"per_year": population if np.ndim(population) == 0 else list(population),
                    "horizon_years": horizon, "discount_rate": rate}
    return UncertaintyResult(
        wtp=float(wtp), options=opts, n_draws=table.n_draws, net_benefit=nbs, prob_best=pb,
        effect=effect, cost=cost, cost_per_outcome=cpo, evpi=value, evppi=ev,
        groups=all_groups, ceac_grid=grid_list, ceac=ceac_arr, ceaf=ceaf, frontier=frontier,
        tornado=bars, population_evpi=pop, population=pop_info,
        sobol=_sobol(nb, inputs) if sobol and len(inputs.columns) else None,
        meta=dict(table.meta))


def _sobol(nb: np.ndarray, inputs: Any) -> dict[str, float]:
    from .sobol import sobol_first_order

    return sobol_first_order(nb, inputs)
