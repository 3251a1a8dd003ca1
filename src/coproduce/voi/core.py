"""Expected value of perfect information, acceptability and net-benefit summaries.

Every function reads net benefit as an array (draws × options) in money; nothing here draws
random numbers, so results depend only on the draws given.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GREEN_BOOK_RATE = 0.035  # HM Treasury Green Book discount rate for years 0-30


def _nb(net_benefit: np.ndarray) -> np.ndarray:
    nb = np.asarray(net_benefit, dtype=float)
    if nb.ndim != 2 or nb.shape[1] < 1 or nb.shape[0] < 2:
        raise ValueError("net benefit must be an array of draws × options (at least 2 draws)")
    if not np.all(np.isfinite(nb)):
        raise ValueError("net benefit contains missing or infinite values")
    return nb


def evpi(net_benefit: np.ndarray) -> float:
    """EVPI = E[max over options of net benefit] − max over options of E[net benefit].

    ``net_benefit``: draws × options, money per decision. Never negative (up to rounding)."""
    nb = _nb(net_benefit)
    return float(nb.max(axis=1).mean() - nb.mean(axis=0).max())


def prob_best(net_benefit: np.ndarray) -> np.ndarray:
    """Share of draws in which each option has the highest net benefit (ties to the first)."""
    nb = _nb(net_benefit)
    winners = nb.argmax(axis=1)
    return np.bincount(winners, minlength=nb.shape[1]) / nb.shape[0]


def ceac(effects: np.ndarray, costs: np.ndarray, wtp_grid: Sequence[float]) -> np.ndarray:
    """Cost-effectiveness acceptability curve: for each λ in ``wtp_grid`` the probability that
    each option has the highest net benefit λ·effect − cost. Returns (len(grid) × options)."""
    e = np.asarray(effects, dtype=float)
    c = np.asarray(costs, dtype=float)
    return np.array([prob_best(lam * e - c) for lam in wtp_grid])


def ceaf(effects: np.ndarray, costs: np.ndarray, wtp_grid: Sequence[float]) -> list[int]:
    """Cost-effectiveness acceptability frontier: at each λ, the option with the highest
    *expected* net benefit (the one to choose on current evidence)."""
    e = np.asarray(effects, dtype=float).mean(axis=0)
    c = np.asarray(costs, dtype=float).mean(axis=0)
    return [int(np.argmax(lam * e - c)) for lam in wtp_grid]


def evpi_curve(effects: np.ndarray, costs: np.ndarray, wtp_grid: Sequence[float]) -> np.ndarray:
    """EVPI at each λ of ``wtp_grid`` (money per decision)."""
    e = np.asarray(effects, dtype=float)
    c = np.asarray(costs, dtype=float)
    return np.array([evpi(lam * e - c) for lam in wtp_grid])


def interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, lower, upper) of draws ``x``: the central ``level`` interval by percentiles."""
    x = np.asarray(x, dtype=float)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(x, [tail, 100 - tail])
    return float(x.mean()), float(lo), float(hi)


def population_evpi(
    per_decision: float,
    population: float | Sequence[float],
    horizon: int,
    rate: float = GREEN_BOOK_RATE,
) -> float:
    """EVPI for everyone the decision affects over ``horizon`` years: per-decision EVPI ×
    Σ_{t=0}^{horizon−1} population_t / (1 + rate)^t. ``population`` is people (or decisions)
    per year, one number for every year or one per year; ``rate`` defaults to the Green Book
    3.5%. Money in the currency of ``per_decision``, present value."""
    if horizon < 1:
        raise ValueError("horizon must be at least 1 year")
    pop = (
        np.broadcast_to(np.asarray(population, dtype=float), (horizon,))
        if np.ndim(population) == 0
        else np.asarray(population, dtype=float)
    )
    if len(pop) != horizon:
        raise ValueError(f"population has {len(pop)} years but horizon is {horizon}")
    factors = (1 + rate) ** -np.arange(horizon)
    return float(per_decision * (pop * factors).sum())
