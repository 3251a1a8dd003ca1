"""The expected value of sample information (EVSI): what a study of a given design and size
would be worth before the decision is taken.

EVSI by nonparametric regression on summary statistics (Strong, Oakley, Brennan & Breeze 2015,
*Medical Decision Making* 35:570-583), the default method of the R package ``voi``: for every
draw of the uncertain inputs, simulate the data the study would collect if those inputs were
true and reduce it to summary statistics T; regress each option's incremental net benefit on T
with the same smoother as EVPPI; then

    EVSI = E_T[max_d E(NB_d | T)] − max_d E(NB_d),

the value of deciding after seeing the study's results instead of now. It rises with the
study's size n towards the EVPPI of the inputs the study informs, and never exceeds it.

Built-in designs (argument names follow ``voi::evsi``; ``pars`` names the inputs the study
informs, in order):

- ``trial_binary``: two arms of ``n`` people each, a binary outcome; ``pars`` = the outcome's
  probability in arm 1 and arm 2; T = the two counts;
- ``binary``: one arm of ``n``; ``pars`` = one probability; T = the count;
- ``normal_known``: ``n`` observations of a continuous outcome with known standard deviation
  ``aux["sd"]`` (default 1); ``pars`` = its mean; T = the sample mean;
- ``pilot``: a pilot of an intervention on ``n`` participants measuring one or more of its
  links' effects; ``pars`` = the effects; each effect's per-participant standard deviation is
  ``aux["sd"]`` (one number, or one per effect); T = the estimated effects;
- ``survey``: a survey of ``n`` residents measuring a participation rate; ``pars`` = the rate
  (a share, 0–1); T = the number taking part.

Any other design: ``datagen_fn(inputs, n, rng) -> summaries`` (a DataFrame or an array, one row
per draw). Draws of the study data reuse the same underlying random numbers for every n (a
binomial count by inversion of one uniform, a mean from one standard normal), so EVSI moves
smoothly with n.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast, overload

import numpy as np
import pandas as pd
from scipy import stats

from .core import _nb

# a study's own data generator: (inputs, sample size, generator) -> summary statistics
DataGenerator = Callable[
    [pd.DataFrame | np.ndarray, int, np.random.Generator], pd.DataFrame | np.ndarray
]

STUDIES = ("trial_binary", "binary", "normal_known", "pilot", "survey")
_N_PARS = {"trial_binary": 2, "binary": 1, "normal_known": 1, "survey": 1}


@dataclass(frozen=True)
class EvsiPoint:
    """EVSI at one study size: ``value`` (money per decision) and its standard error from the
    uncertainty of the regression (``se``; None when not asked for)."""

    n: int
    value: float
    se: float | None = None

    def to_dict(self) -> dict:
        return {"n": self.n, "evsi": self.value, "se": self.se}


def _pars_matrix(
    inputs: pd.DataFrame | np.ndarray, pars: Sequence[str] | None, rows: int
) -> np.ndarray:
    if isinstance(inputs, pd.DataFrame):
        if not pars:
            raise ValueError("name the inputs the study informs: pars=[...]")
        missing = [p for p in pars if p not in inputs.columns]
        if missing:
            raise ValueError(
                f"pars: no input named {', '.join(missing)}; inputs: "
                f"{', '.join(map(str, inputs.columns[:12]))}"
            )
        x = inputs[list(pars)].to_numpy(dtype=float)
    else:
        x = np.asarray(inputs, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
    if x.shape[0] != rows:
        raise ValueError(f"inputs must have one row per draw ({rows}), got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("the study's inputs contain missing or infinite values")
    return x


def _probabilities(x: np.ndarray, what: str) -> np.ndarray:
    if np.any((x < 0) | (x > 1)):
        raise ValueError(f"{what} must be probabilities between 0 and 1")
    return x


def _sds(aux: Mapping | None, k: int, default: float | None) -> np.ndarray:
    sd = (aux or {}).get("sd", default)
    if sd is None:
        raise ValueError("give the per-participant standard deviation: aux={'sd': ...}")
    sds = (
        np.broadcast_to(np.asarray(sd, dtype=float), (k,)).copy()
        if np.ndim(sd) == 0
        else np.asarray(sd, dtype=float)
    )
    if sds.shape != (k,) or np.any(~(sds > 0)):
        raise ValueError(f"aux['sd'] must be one positive number or {k}, one per input")
    return sds


def summaries(
    study: str, pars: np.ndarray, n: int, rng: np.random.Generator, aux: Mapping | None = None
) -> np.ndarray:
    """Summary statistics (draws × s) of a study of size ``n`` for each draw of its inputs
    ``pars`` (draws × k), by the built-in design ``study`` (see the module docstring)."""
    k = pars.shape[1]
    if study in _N_PARS and k != _N_PARS[study]:
        raise ValueError(
            f"study '{study}' informs {_N_PARS[study]} input"
            f"{'s' if _N_PARS[study] > 1 else ''}; pars names {k}"
        )
    if study in ("trial_binary", "binary", "survey"):
        p = _probabilities(
            pars, "a binary study's inputs" if study != "survey" else "a participation rate"
        )
        u = rng.random(p.shape)
        return stats.binom.ppf(u, n, p)
    if study in ("normal_known", "pilot"):
        sds = _sds(aux, k, 1.0 if study == "normal_known" else None)
        z = rng.standard_normal(pars.shape)
        return pars + z * sds[None, :] / np.sqrt(n)
    raise ValueError(
        f"unknown study design '{study}'; built in: {', '.join(STUDIES)}, or pass datagen_fn"
    )


def _evsi_once(
    nb: np.ndarray, t: np.ndarray, se: bool, rng: np.random.Generator
) -> tuple[float, float | None]:
    from .smoother import fit_spline

    keep = np.ptp(t, axis=0) > 0
    if not keep.any() or nb.shape[1] < 2:
        return 0.0, 0.0 if se else None
    # one smoothing parameter per summary, as for a group's EVPPI (mgcv's te())
    fit = fit_spline(t[:, keep], nb[:, 1:] - nb[:, :1], refine=bool(keep.sum() > 1))
    fitted = np.column_stack([np.zeros(nb.shape[0]), fit.fitted])
    value = float(max(fitted.max(axis=1).mean() - fitted.mean(axis=0).max(), 0.0))
    return value, (fit.value_se(rng) if se else None)


@overload
def evsi(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame | np.ndarray,
    study: str | None = "trial_binary",
    pars: Sequence[str] | None = None,
    n: int = 100,
    seed: int = 1,
    aux: Mapping | None = None,
    datagen_fn: DataGenerator | None = None,
    se: Literal[False] = False,
) -> float: ...
@overload
def evsi(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame | np.ndarray,
    study: str | None = "trial_binary",
    pars: Sequence[str] | None = None,
    n: Sequence[int] = ...,
    seed: int = 1,
    aux: Mapping | None = None,
    datagen_fn: DataGenerator | None = None,
    se: Literal[False] = False,
) -> np.ndarray: ...
@overload
def evsi(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame | np.ndarray,
    study: str | None = "trial_binary",
    pars: Sequence[str] | None = None,
    n: int | Sequence[int] = 100,
    seed: int = 1,
    aux: Mapping | None = None,
    datagen_fn: DataGenerator | None = None,
    *,
    se: Literal[True],
) -> list[EvsiPoint]: ...
@overload
def evsi(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame | np.ndarray,
    study: str | None = "trial_binary",
    pars: Sequence[str] | None = None,
    n: int | Sequence[int] = 100,
    seed: int = 1,
    aux: Mapping | None = None,
    datagen_fn: DataGenerator | None = None,
    se: bool = False,
) -> float | np.ndarray | list[EvsiPoint]: ...
def evsi(
    net_benefit: np.ndarray,
    inputs: pd.DataFrame | np.ndarray,
    study: str | None = "trial_binary",
    pars: Sequence[str] | None = None,
    n: int | Sequence[int] = 100,
    seed: int = 1,
    aux: Mapping | None = None,
    datagen_fn: DataGenerator | None = None,
    se: bool = False,
) -> float | np.ndarray | list[EvsiPoint]:
    """EVSI of a study of size ``n`` (money per decision): a float for one n, an array for a
    list of n — or, with ``se=True``, a list of :class:`EvsiPoint` with standard errors.

    ``net_benefit``: draws × options; ``inputs``: the draws of the uncertain inputs (a
    DataFrame with columns named as in ``pars``, or an array of the study's inputs);
    ``study``: a built-in design (:data:`STUDIES`) or None with ``datagen_fn``; ``aux``: the
    design's other settings (``sd`` for ``normal_known`` and ``pilot``); ``seed``: the study
    data's random numbers (the same numbers serve every n)."""
    nb = _nb(net_benefit)
    # np.ndim tells a single size (an int, a numpy integer) from a list or array of them
    sizes = [int(cast(int, n))] if np.ndim(n) == 0 else [int(v) for v in cast(Sequence[int], n)]
    if not sizes or any(v < 1 for v in sizes):
        raise ValueError("n must be a study size of 1 or more (or a list of them)")
    if datagen_fn is None and study is None:
        raise ValueError("give a study design or a datagen_fn")
    x = None if datagen_fn is not None else _pars_matrix(inputs, pars, nb.shape[0])
    out: list[EvsiPoint] = []
    for size in sizes:
        rng = np.random.default_rng(seed)  # common random numbers across sizes
        if datagen_fn is not None:
            t = datagen_fn(inputs, size, rng)
            t = (
                t.to_numpy(dtype=float)
                if isinstance(t, pd.DataFrame)
                else np.asarray(t, dtype=float)
            )
            t = t[:, None] if t.ndim == 1 else t
            if t.shape[0] != nb.shape[0]:
                raise ValueError(
                    f"datagen_fn must give one row of summaries per draw "
                    f"({nb.shape[0]}), got {t.shape[0]}"
                )
        else:
            assert x is not None  # the study's inputs, set above whenever datagen_fn is None
            t = summaries(str(study), x, size, rng, aux)
        value, err = _evsi_once(nb, t, se, np.random.default_rng([seed, size]))
        out.append(EvsiPoint(size, value, err))
    if se:
        return out
    values = np.array([p.value for p in out])
    return float(values[0]) if np.ndim(n) == 0 else values
