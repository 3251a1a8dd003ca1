"""The correlates of co-production: pooled and per-country models, average marginal effects.

A model is given as a formula (``"safety_group__any ~ age + gender + self_efficacy"``) or built
from the codebook: an outcome (an item, an index or a "takes part" indicator) on every declared
covariate, with country fixed effects when the codebook names a country. Average marginal
effects (AME) are the design-weighted mean change in the expected outcome — the mean for a
linear model, the probability for a logistic one, the probability of answering above the lowest
category for an ordered one — for one more unit of a numeric covariate (a numerical derivative)
or for each category against the reference (a discrete change). Their standard errors come
from the delta method with the model's design-based covariance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import special, stats

from ..model.errors import Issue, ModelError
from .design import Design
from .glm import GlmFit, fit_glm
from .recode import PreparedSurvey


def default_formula(survey: PreparedSurvey, outcome: str, *, exclude: tuple[str, ...] = ()) -> str:
    """``outcome ~`` every covariate of the codebook (an age band only if age is absent),
    country last as fixed effects."""
    cb = survey.codebook
    country = cb.design.country
    names = [n for n in cb.covariates if n not in exclude and n != country]
    if "age" in names and "age_band" in names:
        names.remove("age_band")
    rhs = " + ".join(names + ([country] if country else []))
    return f"{outcome} ~ {rhs or '1'}"


def outcome_family(survey: PreparedSurvey, outcome: str) -> str:
    """The natural model for an outcome: items are ordered, indicators binary, indices linear."""
    if outcome.endswith("__label"):
        return "ordinal"
    if outcome.startswith("takes_part_") or outcome.endswith("__any"):
        return "binomial"
    if outcome in survey.codebook.items:
        return "ordinal"
    return "gaussian"


def resolve_outcome(survey: PreparedSurvey, outcome: str) -> str:
    """An item name means its ordered answer; other names are columns as they are."""
    if outcome in survey.codebook.items:
        return f"{outcome}__label"
    if outcome not in survey.data.columns:
        from ..model.errors import did_you_mean

        choices = [
            *survey.codebook.items,
            *[c for c in survey.data.columns if c.startswith(("index_", "takes_part_"))],
        ]
        raise ModelError(
            [
                Issue(
                    "outcome",
                    f"unknown outcome '{outcome}'"
                    f"{did_you_mean(outcome, choices)}; use an item, index_GROUP "
                    "or takes_part_GROUP",
                )
            ]
        )
    return outcome


# ----------------------------------------------------------------------------- AME
def _factor_names(fit: GlmFit) -> list[str]:
    info = fit.extras["design_info"]
    names = []
    for term in info.terms:
        for factor in term.factors:
            name = factor.name()
            if name.startswith("C(") and name.endswith(")"):
                name = name[2:-1].split(",")[0].strip()
            if name not in names:
                names.append(name)
    return names


def _expected(fit: GlmFit, x: np.ndarray, coef: np.ndarray) -> np.ndarray:
    if fit.family == "gaussian":
        return x @ coef
    if fit.family == "binomial":
        return special.expit(x @ coef)
    ncut = len(fit.levels) - 1
    p = len(coef) - ncut
    return special.expit(x[:, 1:] @ coef[:p] - coef[p])  # P(above the lowest category)


@dataclass(frozen=True)
class MarginalEffects:
    rows: tuple[dict, ...]
    quantity: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.rows))

    def to_dict(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "effects": list(self.rows)}


def average_marginal_effects(fit: GlmFit, *, level: float = 0.95) -> MarginalEffects:
    """Average marginal effect of every covariate of ``fit`` with delta-method SEs."""
    info = fit.extras["design_info"]
    data: pd.DataFrame = fit.extras["data"]
    w = fit.extras["weights"]
    w = w / w.sum()

    def matrix(frame: pd.DataFrame) -> np.ndarray:
        (x,) = patsy.build_design_matrices([info], frame, NA_action="raise")
        return np.asarray(x)

    contrasts = []  # (variable, contrast label, x1, x0, per-unit divisor)
    for var in _factor_names(fit):
        if var not in data.columns:
            continue
        col = data[var]
        if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
            levels = (
                list(col.cat.categories)
                if isinstance(col.dtype, pd.CategoricalDtype)
                else sorted(col.dropna().unique(), key=str)
            )
            base = data.copy()
            base[var] = (
                pd.Categorical([levels[0]] * len(data), categories=levels)
                if isinstance(col.dtype, pd.CategoricalDtype)
                else levels[0]
            )
            x0 = matrix(base)
            for lev in levels[1:]:
                alt = data.copy()
                alt[var] = (
                    pd.Categorical([lev] * len(data), categories=levels)
                    if isinstance(col.dtype, pd.CategoricalDtype)
                    else lev
                )
                contrasts.append((var, f"{lev} vs {levels[0]}", matrix(alt), x0, 1.0))
        else:
            h = 1e-4 * max(float(np.nanstd(col.to_numpy(dtype=float))), 1.0)
            up, dn = data.copy(), data.copy()
            up[var] = col + h / 2
            dn[var] = col - h / 2
            contrasts.append((var, "per unit", matrix(up), matrix(dn), h))

    def ames(coef: np.ndarray) -> np.ndarray:
        return np.array(
            [
                w @ (_expected(fit, x1, coef) - _expected(fit, x0, coef)) / d
                for _, _, x1, x0, d in contrasts
            ]
        )

    est = ames(fit.coef)
    grad = np.zeros((len(est), len(fit.coef)))
    for j in range(len(fit.coef)):
        step = 1e-6 * max(1.0, abs(fit.coef[j]))
        up, dn = fit.coef.copy(), fit.coef.copy()
        up[j] += step
        dn[j] -= step
        grad[:, j] = (ames(up) - ames(dn)) / (2 * step)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", grad, fit.vcov, grad), 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    quantity = {
        "gaussian": "mean",
        "binomial": "probability",
        "ordinal": f"probability of an answer above '{fit.levels[0]}'"
        if fit.levels
        else "probability",
    }[fit.family]
    rows = tuple(
        {
            "variable": v,
            "contrast": c,
            "ame": float(e),
            "se": float(s),
            "low": float(e - z * s),
            "high": float(e + z * s),
        }
        for (v, c, *_), e, s in zip(contrasts, est, se, strict=True)
    )
    return MarginalEffects(rows, quantity)


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class CorrelatesResult:
    """Pooled model (with country fixed effects), per-group models and AMEs."""

    outcome: str
    formula: str
    family: str
    pooled: GlmFit
    effects: MarginalEffects
    by: str | None
    groups: dict[str, GlmFit]
    synthetic: bool = False

    def coefficients(self) -> pd.DataFrame:
        """Tidy table: one row per model and term (model 'pooled' or the group's name)."""
        frames = [self.pooled.to_frame().assign(model="pooled")]
        frames += [fit.to_frame().assign(model=name) for name, fit in self.groups.items()]
        out = pd.concat(frames, ignore_index=True)
        return out[["model", *[c for c in out.columns if c != "model"]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "formula": self.formula,
            "family": self.family,
            "synthetic": self.synthetic,
            "n": self.pooled.n,
            "df": self.pooled.df,
            "coefficients": self.coefficients().to_dict(orient="records"),
            "marginal_effects": self.effects.to_dict(),
            "by": self.by,
        }


def _drop_term(formula: str, name: str) -> str:
    lhs, rhs = formula.split("~", 1)
    terms = [t.strip() for t in rhs.split("+")]
    keep = [t for t in terms if t not in (name, f"C({name})")]
    return f"{lhs.strip()} ~ {' + '.join(keep) or '1'}"


def correlates(
    survey: PreparedSurvey,
    design: Design,
    outcome: str,
    *,
    formula: str | None = None,
    family: str | None = None,
    by: str | None = None,
    min_group: int = 30,
) -> CorrelatesResult:
    """Fit the pooled model and, with ``by`` (e.g. country), one model per group (its own
    fixed effect dropped). Groups with fewer than ``min_group`` respondents are skipped."""
    column = resolve_outcome(survey, outcome)
    family = family or outcome_family(survey, column)
    formula = formula or default_formula(survey, column)
    pooled = fit_glm(design, formula, family)
    effects = average_marginal_effects(pooled)
    groups: dict[str, GlmFit] = {}
    if by:
        if by not in design.data.columns:
            raise ModelError([Issue("by", f"no variable '{by}' in the data")])
        sub_formula = _drop_term(formula, by)
        for level in pd.Series(design.data[by]).dropna().unique():
            mask = (design.data[by] == level).to_numpy()
            if mask.sum() < min_group:
                continue
            groups[str(level)] = fit_glm(design.subset(mask), sub_formula, family)
        groups = dict(sorted(groups.items()))
    return CorrelatesResult(
        outcome=outcome,
        formula=formula,
        family=family,
        pooled=pooled,
        effects=effects,
        by=by,
        groups=groups,
        synthetic=survey.codebook.synthetic,
    )
