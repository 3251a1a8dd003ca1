"""Design-based variance of estimated totals: Taylor linearisation and replicate weights.

Everything an estimator needs to say how precise it is reduces to one of two operations:

* :func:`linearised_variance` — the variance of a total of *influence scores* under a stratified
  multistage design with finite population corrections (the "ultimate cluster" formula applied
  stage by stage, as in Lumley's ``svyrecvar`` for R's ``survey`` package), after projecting the
  scores on any post-stratification or raking calibrations the weights went through;
* :func:`replicate_variance` — the spread of an estimate recomputed with each column of
  replicate weights, ``scale * sum(rscales * (theta_r - centre)^2)``.

Scores are already weighted: for a total of ``y`` they are ``w * y``; for a mean
``w * (y - mean) / sum(w)``. Rows outside a domain, or dropped for missing values, carry a zero
score but keep their place in the design, which is how domain estimates get the right variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class LonelyPSU(ValueError):
    """A stratum with a single sampled PSU and no rule for it."""


@dataclass(frozen=True)
class Stage:
    """One sampling stage, row-aligned with the data.

    ``stratum`` and ``cluster`` are integer codes already nested in every earlier stage (a cluster
    code identifies stratum and all higher clusters too); ``npsu`` is the number of clusters
    sampled in the row's stratum; ``popsize`` the number in the population (``inf`` when there
    is no finite population correction).
    """

    stratum: np.ndarray
    cluster: np.ndarray
    npsu: np.ndarray
    popsize: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """A post-stratification or one raking margin the weights went through.

    ``groups`` codes the post-strata (one array) or the raking margins (one array each);
    ``weights`` the weights each grouping left (one array per grouping); ``old_weights`` the
    weights before post-stratification. Variance then uses the scores' residuals from their
    group means.
    """

    kind: str  # "poststratify" or "rake"
    groups: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]
    old_weights: np.ndarray | None = None


def _group_mean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Row-aligned unweighted mean of each column of ``values`` within ``codes``."""
    n_groups = int(codes.max()) + 1
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    return (sums / counts[:, None])[codes]


def calibrated_scores(x: np.ndarray, calibrations: tuple[Calibration, ...]) -> np.ndarray:
    """Residuals of weighted scores after each calibration (``svyrecvar``'s postStrata step).

    Post-stratification subtracts, within each post-stratum, ``g * sum(x * w0 / g) / sum(w0)``
    (``w0`` the weights before, ``g`` after); raking subtracts ``g_m * mean_m(x / g_m)`` for each
    margin ``m`` in turn, ten sweeps, with the weights ``g_m`` left by that margin's last
    post-stratification — exactly as R ``survey`` does, so the two agree to rounding.
    """
    for cal in calibrations:
        if cal.kind == "rake":
            for _ in range(10):
                for codes, psw in zip(cal.groups, cal.weights, strict=True):
                    safe = np.where(psw == 0, 1.0, psw)
                    x = x - psw[:, None] * _group_mean(x / safe[:, None], codes)
        else:
            psw = cal.weights[0].copy()
            oldw = np.ones_like(psw) if cal.old_weights is None else cal.old_weights
            zeroes = (psw == 0) & (oldw == 0)
            psw[zeroes] = 1.0
            codes = cal.groups[0]
            n_groups = int(codes.max()) + 1
            sums = np.zeros((n_groups, x.shape[1]))
            safe = np.where(psw == 0, 1.0, psw)
            np.add.at(sums, codes, x * (oldw / safe)[:, None])
            denom = np.bincount(codes, weights=oldw, minlength=n_groups)
            denom = np.where(denom == 0, 1.0, denom)
            x = x - (sums / denom[:, None])[codes] * psw[:, None]
    return x


def _one_stage(x: np.ndarray, stage: Stage, multiplier: np.ndarray, lonely: str) -> np.ndarray:
    """Between-cluster variance of the cluster totals of ``x`` within strata at one stage.

    ``multiplier`` (per row, constant within a stratum) is the product of the sampling fractions
    of the earlier stages, so that later-stage variance is counted at the right size.
    """
    p = x.shape[1]
    n_clusters = int(stage.cluster.max()) + 1
    totals = np.zeros((n_clusters, p))
    np.add.at(totals, stage.cluster, x)
    present = np.bincount(stage.cluster, minlength=n_clusters) > 0
    # stratum, npsu, popsize and multiplier of each cluster (constant within it)
    first = np.full(n_clusters, -1)
    first[stage.cluster[::-1]] = np.arange(len(stage.cluster))[::-1]
    idx = first[present]
    totals = totals[present]
    strat = stage.stratum[idx]
    npsu = stage.npsu[idx].astype(float)
    popsize = stage.popsize[idx].astype(float)
    mult = multiplier[idx]

    n_strata = int(strat.max()) + 1
    sums = np.zeros((n_strata, p))
    np.add.at(sums, strat, totals)
    npsu_h = np.zeros(n_strata)
    npsu_h[strat] = npsu
    pop_h = np.full(n_strata, np.inf)
    pop_h[strat] = popsize
    mult_h = np.zeros(n_strata)
    mult_h[strat] = mult
    with np.errstate(divide="ignore", invalid="ignore"):
        fpc_h = np.where(np.isfinite(pop_h), (pop_h - npsu_h) / pop_h, 1.0)
    # centre on the stratum mean over all sampled PSUs (absent ones have total zero)
    centre = sums / np.where(npsu_h > 0, npsu_h, 1.0)[:, None]
    fpc_h = np.where(fpc_h < 1e-7, 0.0, fpc_h)  # exhaustively sampled: no variance
    lonely_h = (npsu_h == 1) & (fpc_h > 0)
    if lonely_h.any():
        if lonely == "fail":
            raise LonelyPSU(
                f"{int(lonely_h.sum())} stratum(s) have only one sampled PSU at this stage; "
                "set lonely_psu to adjust, remove or certainty, or merge strata"
            )
        if lonely == "adjust":  # a lonely PSU is compared with the overall mean (zero)
            centre[lonely_h] = 0.0
    dev = totals - centre[strat]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale_h = np.where(npsu_h > 1, fpc_h * npsu_h / (npsu_h - 1), 0.0)
    if lonely == "adjust":
        scale_h = np.where(lonely_h, fpc_h, scale_h)
    scale_h = scale_h * mult_h
    weighted = dev * scale_h[strat][:, None]
    return weighted.T @ dev


def linearised_variance(
    x: np.ndarray,
    stages: tuple[Stage, ...],
    calibrations: tuple[Calibration, ...] = (),
    lonely: str = "fail",
) -> np.ndarray:
    """Variance-covariance matrix (p × p) of the column totals of scores ``x`` (n × p)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    x = calibrated_scores(x, calibrations)
    v = np.zeros((x.shape[1], x.shape[1]))
    multiplier = np.ones(x.shape[0])
    for stage in stages:
        v = v + _one_stage(x, stage, multiplier, lonely)
        # the next stage counts only where this one sampled a finite population
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(np.isfinite(stage.popsize), stage.npsu / stage.popsize, 0.0)
        multiplier = multiplier * frac
        if not multiplier.any():
            break
    return v


def replicate_variance(
    thetas: np.ndarray, full: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """Variance (p × p) from replicate estimates ``thetas`` (R × p)."""
    thetas = np.asarray(thetas, dtype=float)
    centre = full if mse else thetas.mean(axis=0)
    dev = thetas - centre
    return scale * (dev * rscales[:, None]).T @ dev


def codes_of(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes 0..k-1 for the combinations of the given row-aligned columns."""
    frame = pd.DataFrame({i: np.asarray(c) for i, c in enumerate(columns)})
    return frame.groupby(list(frame.columns), sort=True, dropna=False).ngroup().to_numpy()
