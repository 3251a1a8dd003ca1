"""Co-production capacity by area: a fitted participation model poststratified to census cells.

For each area, ``rate = sum_c N_c p_c / sum_c N_c`` where ``N_c`` is the number of adults in
cell ``c`` (area × age band × sex × whatever else the model uses) and ``p_c`` the model's
probability of taking part for that cell; expected participants are ``sum_c N_c p_c`` and
available hours ``participants × hours per participant``. Uncertainty: coefficients drawn from
their design-based sampling distribution (multivariate normal) and hours per participant from
its own distribution (any of the model file's distributions), ``draws`` times with ``seed``;
the result reports the mean and the central interval. Each area's hours can be written later as
a resource's ``available`` value for planning (:meth:`CapacityResult.available`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import special

from ..model.distributions import parse_quantity, quantity_to_data
from ..model.errors import Issue, ModelError, did_you_mean
from .glm import GlmFit


def _sample(q, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of a model-file quantity (a number or one of its distributions)."""
    if isinstance(q, (int, float)):
        return np.full(size, float(q))
    name = q.dist
    if name == "fixed":
        return np.full(size, q.value)
    if name == "normal":
        return rng.normal(q.mean, q.sd, size)
    if name == "lognormal":
        mu, sigma = q.log_params()
        return rng.lognormal(mu, sigma, size)
    if name == "triangular":
        return rng.triangular(q.low, q.mode, q.high, size)
    if name == "pert":
        a, b = q.beta_params()
        return q.low + (q.high - q.low) * rng.beta(a, b, size)
    if name == "uniform":
        return rng.uniform(q.low, q.high, size)
    if name == "beta":
        return rng.beta(q.alpha, q.beta, size)
    if name == "gamma":
        shape, scale = q.shape_scale()
        return rng.gamma(shape, scale, size)
    raise ValueError(f"cannot sample distribution '{name}'")  # pragma: no cover


@dataclass(frozen=True)
class CapacityResult:
    """Per area: adults, expected co-production rate, participants and hours, with intervals."""

    rows: tuple[dict, ...]
    outcome: str
    formula: str
    hours_per_participant: Any
    period: str
    draws: int
    seed: int
    level: float
    synthetic: bool = False

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.rows))

    def available(self) -> dict[str, dict | float]:
        """Hours available per area per ``period`` as model-file quantities, ready to become a
        resource's ``available``: a gamma with the simulated mean and sd (rounded to 0.1 hour).
        Not a normal: the model format refuses an availability that can fall below zero. With
        no spread at all (sd 0) the plain mean."""
        out: dict[str, dict | float] = {}
        for r in self.rows:
            mean, sd = round(r["hours"], 1), round(r["hours_sd"], 1)
            q = {"dist": "gamma", "mean": mean, "sd": sd} if mean > 0 and sd > 0 else mean
            out[r["area"]] = quantity_to_data(parse_quantity(q))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "formula": self.formula,
            "hours_per_participant": quantity_to_data(self.hours_per_participant),
            "period": self.period,
            "draws": self.draws,
            "seed": self.seed,
            "level": self.level,
            "synthetic": self.synthetic,
            "areas": list(self.rows),
            "available": self.available(),
        }


def capacity(
    fit: GlmFit,
    cells: pd.DataFrame,
    *,
    area: str = "area",
    count: str = "adults",
    hours_per_participant: Any = 20.0,
    period: str = "year",
    fixed: dict | None = None,
    draws: int = 2000,
    seed: int = 1,
    level: float = 0.9,
    synthetic: bool = False,
) -> CapacityResult:
    """Poststratify a logistic participation ``fit`` to ``cells``.

    ``cells`` has one row per area × cell with the count of adults in ``count`` and a column for
    every variable the model uses; variables the cells lack can be held at a value with
    ``fixed`` (e.g. ``{"country": "United Kingdom"}``, ``{"self_efficacy": 3}``).
    """
    if fit.family != "binomial":
        raise ModelError(
            [
                Issue(
                    "family",
                    "capacity needs a logistic participation model "
                    "(a takes_part_... or item__any outcome)",
                )
            ]
        )
    hours = parse_quantity(hours_per_participant)
    issues = []
    for col in (area, count):
        if col not in cells.columns:
            issues.append(
                Issue(
                    col, f"the cell counts have no column '{col}'{did_you_mean(col, cells.columns)}"
                )
            )
    frame = cells.copy()
    for k, v in (fixed or {}).items():
        frame[k] = v
    info = fit.extras["design_info"]
    data = fit.extras["data"]
    for factor in {f.name() for t in info.terms for f in t.factors}:
        var = factor[2:-1].split(",")[0].strip() if factor.startswith("C(") else factor
        if var not in frame.columns:
            issues.append(
                Issue(
                    var,
                    f"the model uses '{var}' but the cell counts have no such "
                    f"column; add it or hold it fixed (--fix {var}=VALUE)",
                )
            )
        elif isinstance(data[var].dtype, pd.CategoricalDtype):
            cats = list(data[var].cat.categories)
            bad = sorted(set(frame[var].astype(str)) - {str(c) for c in cats})
            if bad:
                issues.append(
                    Issue(
                        var,
                        f"cell value(s) {bad[:3]} of '{var}' are not "
                        f"categories of the survey ({', '.join(map(str, cats))})",
                    )
                )
            else:
                frame[var] = pd.Categorical(frame[var].astype(str), categories=cats)
    if not issues:
        n = pd.to_numeric(frame[count], errors="coerce")
        if n.isna().any() or (n < 0).any():
            issues.append(Issue(count, f"'{count}' must hold non-negative numbers"))
    if issues:
        raise ModelError(issues)
    (x,) = patsy.build_design_matrices([info], frame, NA_action="raise")
    x = np.asarray(x)
    n = frame[count].to_numpy(dtype=float)
    areas = pd.factorize(frame[area], sort=False)
    codes, names = areas[0], list(areas[1])
    rng = np.random.default_rng(seed)
    beta = rng.multivariate_normal(fit.coef, fit.vcov, size=draws, method="cholesky")
    p = special.expit(x @ beta.T)  # cells × draws
    hours_draws = _sample(hours, draws, rng)
    p_hat = special.expit(x @ fit.coef)
    tail = (1 - level) / 2
    rows = []
    for a, name in enumerate(names):
        sel = codes == a
        adults = n[sel].sum()
        if adults <= 0:
            continue
        participants = n[sel] @ p[sel]  # draws
        rate = participants / adults
        h = participants * hours_draws
        rows.append(
            {
                "area": str(name),
                "adults": float(adults),
                "rate": float(n[sel] @ p_hat[sel] / adults),
                "rate_low": float(np.quantile(rate, tail)),
                "rate_high": float(np.quantile(rate, 1 - tail)),
                "participants": float(n[sel] @ p_hat[sel]),
                "participants_low": float(np.quantile(participants, tail)),
                "participants_high": float(np.quantile(participants, 1 - tail)),
                "hours": float(h.mean()),
                "hours_sd": float(h.std(ddof=1)),
                "hours_low": float(np.quantile(h, tail)),
                "hours_high": float(np.quantile(h, 1 - tail)),
            }
        )
    if not rows or not all(math.isfinite(r["rate"]) for r in rows):
        raise ModelError([Issue(count, "no area has adults to poststratify to")])
    return CapacityResult(
        tuple(rows),
        outcome=fit.formula.split("~")[0].strip(),
        formula=fit.formula,
        hours_per_participant=hours,
        period=period,
        draws=draws,
        seed=seed,
        level=level,
        synthetic=synthetic,
    )
