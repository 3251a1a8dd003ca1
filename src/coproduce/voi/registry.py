"""The methods that read a draws table, found by name (one registry for CLI, API and docs).

Every method has the same signature, ``method(table, wtp, **options) -> value``, reading only
the :class:`~coproduce.engine.draws.DrawsTable`, like SALib's method modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import core, icers

if TYPE_CHECKING:
    from ..engine.draws import DrawsTable


@dataclass(frozen=True)
class Method:
    """A value-of-information or sensitivity method: its name, what it gives, and the call."""

    name: str
    summary: str
    needs_effects: bool
    run: Callable[..., Any]


def _means(table: DrawsTable) -> tuple[np.ndarray, np.ndarray]:
    assert table.effect is not None and table.cost is not None
    return table.cost.mean(axis=0), table.effect.mean(axis=0)


def _evppi_table(t: DrawsTable, wtp: float) -> dict[str, float]:
    from .partial import evppi_table

    return evppi_table(t.net_benefit(wtp), t.inputs, t.groups)


def _tornado(t: DrawsTable, wtp: float) -> list:
    from .oneway import tornado

    return tornado(t.net_benefit(wtp), t.inputs, t.options)


def _sobol(t: DrawsTable, wtp: float) -> dict[str, float]:
    from .sobol import sobol_first_order

    return sobol_first_order(t.net_benefit(wtp), t.inputs)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "evpi",
            "expected value of perfect information: E[max NB] − max E[NB], money per decision",
            False,
            lambda t, wtp, **_: core.evpi(t.net_benefit(wtp)),
        ),
        Method(
            "evppi",
            "expected value of partial perfect information for each input and named "
            "group, by cubic regression splines chosen by GCV (Strong, Oakley & Brennan 2014)",
            False,
            lambda t, wtp, **_: _evppi_table(t, wtp),
        ),
        Method(
            "prob_best",
            "probability that each option has the highest net benefit",
            False,
            lambda t, wtp, **_: core.prob_best(t.net_benefit(wtp)),
        ),
        Method(
            "ceac",
            "cost-effectiveness acceptability curve over a grid of willingness to pay",
            True,
            lambda t, wtp, grid=None, **_: core.ceac(
                t.effect, t.cost, grid if grid is not None else [wtp]
            ),
        ),
        Method(
            "icers",
            "incremental analysis: strong and extended dominance, ICERs along the "
            "cost-effectiveness frontier (as dampack)",
            True,
            lambda t, wtp, **_: icers.icers(*_means(t), t.options),
        ),
        Method(
            "tornado",
            "one-way sensitivity: expected net benefit with each input at its 10th "
            "and 90th percentile, and the option favoured there",
            False,
            lambda t, wtp, **_: _tornado(t, wtp),
        ),
        Method(
            "population_evpi",
            "EVPI for everyone affected over a horizon, discounted (Green Book 3.5% by default)",
            False,
            lambda t, wtp, population=1.0, horizon=1, rate=core.GREEN_BOOK_RATE, **_: (
                core.population_evpi(core.evpi(t.net_benefit(wtp)), population, horizon, rate)
            ),
        ),
        Method(
            "sobol",
            "first-order variance-based (Sobol) index of each input for the "
            "incremental net benefit of the two leading options, RBD-FAST on the draws "
            "(needs SALib)",
            False,
            lambda t, wtp, **_: _sobol(t, wtp),
        ),
    )
}


def method_names() -> list[str]:
    return list(METHODS)
