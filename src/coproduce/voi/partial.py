"""EVPPI by nonparametric regression (Strong, Oakley & Brennan 2014).

For inputs φ: EVPPI(φ) = E_φ[max_d E(NB_d | φ)] − max_d E(NB_d). The inner conditional
expectations are estimated by regressing each option's incremental net benefit (against the
first option) on φ across the draws, with the smoother of :mod:`.smoother`; the EVPPI is then
the mean over draws of the largest fitted value (0 for the first option) minus the largest mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, overload

import numpy as np
import pandas as pd

from .core import _nb
from .smoother import SplineFit, fit_spline


def _inputs_matrix(inputs: np.ndarray | pd.DataFrame | pd.Series, n: int) -> np.ndarray:
    x = (
        inputs.to_numpy(dtype=float)
        if isinstance(inputs, (pd.DataFrame, pd.Series))
        else np.asarray(inputs, dtype=float)
    )
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != n:
        raise ValueError(f"inputs must have one row per draw ({n}), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("inputs contain missing or infinite values")
    return x


def fit_incremental(net_benefit: np.ndarray, inputs: np.ndarray | pd.DataFrame) -> SplineFit | None:
    """The regression of incremental net benefit (option k − option 0, k ≥ 1) on ``inputs``.
    None when the inputs do not vary (their EVPPI is zero)."""
    nb = _nb(net_benefit)
    x = _inputs_matrix(inputs, nb.shape[0])
    x = x[:, np.ptp(x, axis=0) > 0]
    if x.shape[1] == 0 or nb.shape[1] < 2:
        return None
    return fit_spline(x, nb[:, 1:] - nb[:, :1])


@overload
def evppi(
    net_benefit: np.ndarray,
    inputs: np.ndarray | pd.DataFrame | pd.Series,
    refine: bool | None = None,
    se: Literal[False] = False,
    seed: int = 1,
) -> float: ...
@overload
def evppi(
    net_benefit: np.ndarray,
    inputs: np.ndarray | pd.DataFrame | pd.Series,
    refine: bool | None = None,
    *,
    se: Literal[True],
    seed: int = 1,
) -> tuple[float, float]: ...
@overload
def evppi(
    net_benefit: np.ndarray,
    inputs: np.ndarray | pd.DataFrame | pd.Series,
    refine: bool | None = None,
    se: bool = False,
    seed: int = 1,
) -> float | tuple[float, float]: ...
def evppi(
    net_benefit: np.ndarray,
    inputs: np.ndarray | pd.DataFrame | pd.Series,
    refine: bool | None = None,
    se: bool = False,
    seed: int = 1,
) -> float | tuple[float, float]:
    """EVPPI of ``inputs`` taken together (draws × k, array or DataFrame), money per decision.

    ``net_benefit``: draws × options. With one column of ``inputs`` this is a single input's
    EVPPI; with several, the EVPPI of learning all of them at once (a group). ``refine``:
    one smoothing parameter per input of a group, as ``mgcv``'s ``te()`` chooses them (the
    default for groups: a shared one can oversmooth the input that matters and put a group
    below its own member). ``se=True``: also its standard error from the regression's
    uncertainty (coefficients drawn from their posterior, ``seed``), as ``(value, se)``."""
    value, fit = evppi_and_fit(net_benefit, inputs, refine)
    if se:
        return value, 0.0 if fit is None else fit.value_se(np.random.default_rng(seed))
    return value


def evppi_and_fit(
    net_benefit: np.ndarray, inputs: np.ndarray | pd.DataFrame | pd.Series, refine: bool | None
) -> tuple[float, SplineFit | None]:
    """:func:`evppi` and the regression behind it (None when nothing varies)."""
    nb = _nb(net_benefit)
    x = _inputs_matrix(inputs, nb.shape[0])
    keep = np.ptp(x, axis=0) > 0
    if not keep.any() or nb.shape[1] < 2:
        return 0.0, None
    refine = bool(keep.sum() > 1) if refine is None else refine
    fit = fit_spline(x[:, keep], nb[:, 1:] - nb[:, :1], refine=refine)
    fitted = np.column_stack([np.zeros(nb.shape[0]), fit.fitted])
    return float(max(fitted.max(axis=1).mean() - fitted.mean(axis=0).max(), 0.0)), fit


def evppi_table(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame,
    groups: Mapping[str, Sequence[str]] | None = None,
    group_inputs: pd.DataFrame | None = None,
    fits: dict[str, SplineFit] | None = None,
) -> dict[str, float]:
    """EVPPI of every column of ``inputs`` alone and of each named group of columns (taken
    from ``group_inputs``, default ``inputs``), largest first. Columns that never vary are
    left out (their EVPPI is zero by definition). ``fits``, when given, receives each
    regression by name (for its standard error and R² without fitting it again)."""
    out: dict[str, float] = {}
    pool = inputs if group_inputs is None else group_inputs
    for col in inputs.columns:
        if np.ptp(inputs[col].to_numpy(dtype=float)) > 0:
            out[str(col)], fit = evppi_and_fit(net_benefit, inputs[[col]], None)
            if fits is not None and fit is not None:
                fits[str(col)] = fit
    for name, cols in (groups or {}).items():
        missing = [c for c in cols if c not in pool.columns]
        if missing:
            raise ValueError(f"group '{name}': no input named {', '.join(missing)}")
        out[name], fit = evppi_and_fit(net_benefit, pool[list(cols)], None)
        if fits is not None and fit is not None:
            fits[name] = fit
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
