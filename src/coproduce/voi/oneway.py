"""One-way sensitivity (tornado) read from the draws: E[net benefit | input at its 10th or
90th percentile], for every option, by the same regression as EVPPI.

Reading only the draws table (not re-running a model) keeps it usable on draws made
elsewhere; the other inputs keep their uncertainty (averaged over, not fixed at their means).
Each bar reports the net benefit of the option preferred on current evidence at both ends and
which option would be preferred there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .core import _nb
from .smoother import SplineFit, fit_spline


@dataclass(frozen=True)
class TornadoBar:
    """One input's bar: its 10th and 90th percentiles, the expected net benefit of the
    preferred option there (money), and the option favoured at each end."""

    input: str
    low_value: float
    high_value: float
    nb_low: float
    nb_high: float
    favours_low: str
    favours_high: str

    @property
    def swing(self) -> float:
        return abs(self.nb_high - self.nb_low)

    def to_dict(self) -> dict:
        return {
            "input": self.input,
            "low_value": self.low_value,
            "high_value": self.high_value,
            "nb_low": self.nb_low,
            "nb_high": self.nb_high,
            "favours_low": self.favours_low,
            "favours_high": self.favours_high,
            "swing": self.swing,
        }


def tornado(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame,
    options: list[str] | tuple[str, ...],
    low: float = 10,
    high: float = 90,
) -> list[TornadoBar]:
    """Bars for every varying column of ``inputs``, widest swing first."""
    nb = _nb(net_benefit)
    preferred = int(np.argmax(nb.mean(axis=0)))
    bars = []
    for col in inputs.columns:
        x = inputs[col].to_numpy(dtype=float)
        if np.ptp(x) == 0:
            continue
        lo, hi = np.percentile(x, [low, high])
        fit = fit_spline(x, nb)
        bars.append(_bar(str(col), lo, hi, fit.predict(np.array([[lo], [hi]])), preferred, options))
    return sorted(bars, key=lambda b: -b.swing)


def _bar(
    name: str, lo: float, hi: float, at: np.ndarray, preferred: int, options: Sequence[str]
) -> TornadoBar:
    """A tornado bar from each option's net benefit predicted at the input's low and high
    values (``at``: 2 × options)."""
    return TornadoBar(
        name,
        float(lo),
        float(hi),
        float(at[0, preferred]),
        float(at[1, preferred]),
        options[int(np.argmax(at[0]))],
        options[int(np.argmax(at[1]))],
    )


def singles(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame,
    options: list[str] | tuple[str, ...],
    low: float = 10,
    high: float = 90,
    fits: dict[str, SplineFit] | None = None,
) -> tuple[dict[str, float], list[TornadoBar]]:
    """Single-input EVPPI and tornado bars from one fit per input: the incremental net
    benefits (for EVPPI, as :func:`.partial.evppi`) and each option's net benefit (for the
    tornado) share the basis and its decomposition, each column with its own smoothing.
    ``fits``, when given, receives each input's fit of the incremental net benefits alone
    (exactly :func:`.analysis.evppi_fit`'s: one input's columns are smoothed one by one)."""
    nb = _nb(net_benefit)
    m = nb.shape[1]
    preferred = int(np.argmax(nb.mean(axis=0)))
    values: dict[str, float] = {}
    bars = []
    for col in inputs.columns:
        x = inputs[col].to_numpy(dtype=float)
        if np.ptp(x) == 0:
            continue
        fit = fit_spline(x, np.column_stack([nb[:, 1:] - nb[:, :1], nb]))
        fitted = np.column_stack([np.zeros(len(x)), fit.fitted[:, : m - 1]])
        values[str(col)] = float(max(fitted.max(axis=1).mean() - fitted.mean(axis=0).max(), 0))
        if fits is not None:
            fits[str(col)] = fit.columns(m - 1)
        lo, hi = np.percentile(x, [low, high])
        at = fit.predict(np.array([[lo], [hi]]))[:, m - 1 :]
        bars.append(_bar(str(col), lo, hi, at, preferred, options))
    return values, sorted(bars, key=lambda b: -b.swing)
