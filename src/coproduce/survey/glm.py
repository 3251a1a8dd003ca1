"""Survey-weighted regression: linear, logistic and ordered logistic, with design-based SEs.

Point estimates maximise the weighted (pseudo-)likelihood: statsmodels' IRLS for the linear and
logistic models, a BFGS-then-Newton fit of the proportional-odds model for ordered outcomes.
Standard errors are the sandwich ``A⁻¹ B A⁻¹`` where ``A`` is the weighted information and ``B``
the design-based variance of the total of the scores — :meth:`Design.variance` applied to the
influence functions ``score_i · A⁻¹`` (Binder 1983; R ``svyglm``/``svyolr``), so strata,
clusters, finite population corrections and calibration all count. Replicate designs refit the
model with each set of replicate weights instead.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
from scipy import optimize, special, stats

from ..model.errors import Issue, ModelError


class SurveyDesign(Protocol):
    """What a model fit needs of a survey design (:class:`.design.Design` provides it); named
    here so that this module does not import the design, which imports it to offer ``glm``."""

    data: pd.DataFrame
    weights: np.ndarray
    replicates: np.ndarray | None

    @property
    def n(self) -> int: ...

    @property
    def is_replicate(self) -> bool: ...

    @property
    def degf(self) -> int: ...

    def variance(self, scores: np.ndarray) -> np.ndarray: ...

    def replicate_vcov(self, thetas: np.ndarray, full: np.ndarray) -> np.ndarray: ...


FAMILIES = ("gaussian", "binomial", "ordinal")


@dataclass(frozen=True)
class GlmFit:
    """A fitted survey-weighted model: coefficient table, covariance and what produced it.

    ``terms`` are the coefficient names, intercept first (for ``ordinal``: the terms, then the
    cut-points ``"low|medium"``); ``vcov`` the design-based covariance; ``df`` the residual design
    degrees of freedom used for t statistics and intervals (R ``svyglm``: design df minus the
    number of coefficients other than cut-points, plus one).
    """

    formula: str
    family: str
    terms: tuple[str, ...]
    coef: np.ndarray
    vcov: np.ndarray
    df: int
    n: int
    population: float
    levels: tuple[str, ...] = ()
    level: float = 0.95
    extras: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vcov), 0, None))

    def to_frame(self) -> pd.DataFrame:
        """One row per term: estimate, se, statistic, p_value, low, high (t on ``df``), and
        for logistic models the odds ratio."""
        se = self.se
        tstat = self.coef / np.where(se > 0, se, np.nan)
        dfree = max(self.df, 1)
        p = 2 * stats.t.sf(np.abs(tstat), dfree)
        q = stats.t.ppf(0.5 + self.level / 2, dfree)
        frame = pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.coef,
                "se": se,
                "statistic": tstat,
                "p_value": p,
                "low": self.coef - q * se,
                "high": self.coef + q * se,
            }
        )
        if self.family in ("binomial", "ordinal"):
            with np.errstate(over="ignore"):
                frame["odds_ratio"] = np.exp(frame["estimate"].to_numpy())
        if self.family == "ordinal":
            frame["kind"] = ["cut-point" if "|" in t else "term" for t in self.terms]
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "family": self.family,
            "n": self.n,
            "population": self.population,
            "df": self.df,
            "levels": list(self.levels),
            "coefficients": self.to_frame().to_dict(orient="records"),
        }

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Expected outcome for new rows: the mean (linear), the probability of 1 (logistic), or
        the probability of each category, rows × categories (ordinal)."""
        return _predict(self, self.coef, frame)


# ----------------------------------------------------------------------------- helpers
def C(data: Any, contrast: Any = None, levels: Any = None) -> Any:
    """patsy's ``C()`` as formulas here see it (a formula's names are looked up in this module
    before patsy's own): a pandas Categorical with no other argument is passed through as it
    is, so patsy reads its codes at once rather than testing every value of a boxed column
    one by one. The design matrix, its column names and the levels are the same."""
    if (
        contrast is None
        and levels is None
        and isinstance(getattr(data, "dtype", None), pd.CategoricalDtype)
    ):
        return data
    return patsy.builtins.C(data, contrast, levels)


def _categorical_text(data: pd.DataFrame, rhs: str) -> pd.DataFrame:
    """``data`` with each complete text column the formula names held as a pandas
    Categorical (its categories sorted, as patsy sorts the levels of text): patsy then reads
    the integer codes at once instead of testing every value of a text column one by one (a
    million respondents took tens of seconds). The design matrix is the same; columns with
    missing values or mixed types are left as they are."""
    import re

    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", rhs))
    changed = {}
    for name in names & set(map(str, data.columns)):
        col = data[name]
        if (
            isinstance(col.dtype, pd.CategoricalDtype)
            or pd.api.types.is_numeric_dtype(col)
            or pd.api.types.is_bool_dtype(col)
        ):
            continue
        if col.isna().any() or pd.api.types.infer_dtype(col, skipna=False) != "string":
            continue  # missing values or mixed types: as patsy reads them
        codes, uniques = pd.factorize(col, sort=False)
        levels = [str(u) for u in uniques]
        order = sorted(range(len(levels)), key=levels.__getitem__)  # Python's sort of text
        recode = np.empty(len(levels), dtype=codes.dtype)
        recode[order] = np.arange(len(levels))
        changed[name] = pd.Categorical.from_codes(
            recode[codes], categories=[levels[k] for k in order]
        )
    if not changed:
        return data
    return data.assign(**changed)


def _matrices(design: SurveyDesign, formula: str, family: str):
    data = design.data
    if "~" not in formula:
        raise ModelError([Issue("formula", f"'{formula}' has no '~'; write 'outcome ~ x + z'")])
    lhs, rhs = formula.split("~", 1)
    try:
        x = patsy.dmatrix(
            rhs,
            _categorical_text(data, rhs),
            NA_action=patsy.NAAction(NA_types=["None", "NaN"]),
            return_type="dataframe",
        )
    except Exception as exc:
        msg = str(exc).splitlines()[0]
        raise ModelError(
            [Issue("formula", f"cannot read the right-hand side of '{formula}': {msg}")]
        ) from None
    yname = lhs.strip()
    if yname not in data.columns:
        from ..model.errors import did_you_mean

        raise ModelError(
            [
                Issue(
                    "formula",
                    f"outcome '{yname}' is not a column of the data"
                    f"{did_you_mean(yname, data.columns)}",
                )
            ]
        )
    info = x.design_info
    rows = x.index.to_numpy()
    y_raw = data[yname].iloc[rows]
    keep = y_raw.notna().to_numpy()
    if keep.all() and len(rows) == len(data):
        # every row kept: no copy of the matrix or the outcome (a million rows: hundreds of MiB)
        return data[yname], x, rows, info
    rows = rows[keep]
    x = x.loc[rows]
    return data[yname].iloc[rows], x, rows, info


def _binary(y: pd.Series) -> np.ndarray:
    if isinstance(y.dtype, pd.CategoricalDtype):
        cats = list(y.cat.categories)
        if len(cats) != 2:
            raise ModelError(
                [
                    Issue(
                        "formula",
                        f"a logistic model needs a 0/1 outcome; "
                        f"'{y.name}' has {len(cats)} categories",
                    )
                ]
            )
        return (y == cats[1]).to_numpy(dtype=float)
    vals = pd.to_numeric(y, errors="coerce")
    v = vals.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(v).any() or not np.all((v == 0.0) | (v == 1.0)):  # (no sort, as unique did)
        raise ModelError(
            [Issue("formula", f"a logistic model needs a 0/1 outcome; '{y.name}' has other values")]
        )
    return v


def _ordinal(y: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(y.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in y.cat.categories]
        codes = y.cat.codes.to_numpy()
    else:
        values = np.sort(pd.unique(y))
        cats = [str(v) for v in values]
        codes = np.searchsorted(values, y.to_numpy())
    if len(cats) < 3:
        raise ModelError(
            [
                Issue(
                    "formula",
                    f"an ordered model needs 3 or more categories; '{y.name}' has {len(cats)}",
                )
            ]
        )
    return codes, tuple(cats)


def _glm_fit(y: np.ndarray, x: np.ndarray, w: np.ndarray, family: str) -> np.ndarray:
    fam = sm.families.Gaussian() if family == "gaussian" else sm.families.Binomial()
    keep = w > 0
    if not keep.all():  # (every weight positive: the arrays as they are, not copies)
        y, x, w = y[keep], x[keep], w[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.GLM(y, x, family=fam, var_weights=w / w.mean()).fit(tol=1e-12, maxiter=100)
    return np.asarray(res.params)


def _ordinal_parts(params, x, codes, ncut):
    p = x.shape[1]
    beta, zeta = params[:p], params[p:]
    eta = x @ beta
    cuts = np.concatenate([[-np.inf], zeta, [np.inf]])
    upper, lower = cuts[codes + 1] - eta, cuts[codes] - eta
    return beta, zeta, eta, upper, lower


def _ordinal_scores(params, x, codes, ncut) -> np.ndarray:
    """Per-row gradient of the log-likelihood with respect to (beta, zeta)."""
    _, _, _, upper, lower = _ordinal_parts(params, x, codes, ncut)
    fu, fl = special.expit(upper), special.expit(lower)
    du, dl = fu * (1 - fu), fl * (1 - fl)
    pr = np.clip(fu - fl, 1e-300, None)
    g_beta = x * (-(du - dl) / pr)[:, None]
    g_zeta = np.zeros((len(codes), ncut))
    rows = np.arange(len(codes))
    has_up = codes < ncut
    has_lo = codes > 0
    g_zeta[rows[has_up], codes[has_up]] += du[has_up] / pr[has_up]
    g_zeta[rows[has_lo], codes[has_lo] - 1] -= dl[has_lo] / pr[has_lo]
    return np.hstack([g_beta, g_zeta])


def _ordinal_loglik(params, x, codes, ncut, w) -> float:
    _, zeta, _, upper, lower = _ordinal_parts(params, x, codes, ncut)
    if np.any(np.diff(zeta) <= 0):
        return -np.inf
    pr = special.expit(upper) - special.expit(lower)
    if np.any(pr <= 0):
        return -np.inf
    return float(w @ np.log(pr))


def _ordinal_fit(codes, x, w, ncut) -> tuple[np.ndarray, np.ndarray]:
    """(params, Hessian of the weighted log-likelihood) of the proportional-odds model."""
    p = x.shape[1]
    wn = w / w.mean()
    # start: logistic fit of "above the middle" for beta, evenly spaced cut-points (as svyolr)
    mid = (ncut + 1) // 2
    start_b = _glm_fit(
        (codes >= mid).astype(float), np.hstack([np.ones((len(codes), 1)), x]), wn, "binomial"
    )
    spacing = special.logit(np.arange(1, ncut + 1) / (ncut + 1))
    gam = -start_b[0] + spacing - spacing[mid - 1]
    theta0 = np.concatenate([start_b[1:], [gam[0]], np.log(np.diff(gam))])

    def to_params(th):
        return np.concatenate([th[:p], np.cumsum(np.concatenate([[th[p]], np.exp(th[p + 1 :])]))])

    def nll(th):
        val = _ordinal_loglik(to_params(th), x, codes, ncut, wn)
        return -val if np.isfinite(val) else 1e300

    def grad(th):
        par = to_params(th)
        g = _ordinal_scores(par, x, codes, ncut).T @ wn
        jac = np.eye(len(th))
        # d zeta_k / d theta_j: 1 for j = first cut; exp(theta_j) for k >= j
        jac[p:, p:] = 0
        jac[p:, p] = 1
        for j in range(1, ncut):
            jac[p + j :, p + j] = np.exp(th[p + j])
        return -(g @ jac)

    res = optimize.minimize(
        nll, theta0, jac=grad, method="BFGS", options={"gtol": 1e-10, "maxiter": 2000}
    )
    params = to_params(res.x)
    # polish by Newton in (beta, zeta) with a finite-difference Hessian of the exact gradient
    for _ in range(20):
        g = _ordinal_scores(params, x, codes, ncut).T @ wn
        hess = _numeric_hessian(params, x, codes, ncut, wn)
        step = np.linalg.solve(hess, g)
        params = params - step
        if np.max(np.abs(step)) < 1e-10:
            break
    return params, _numeric_hessian(params, x, codes, ncut, w)


def _numeric_hessian(params, x, codes, ncut, w) -> np.ndarray:
    k = len(params)
    hess = np.zeros((k, k))
    for j in range(k):
        h = 1e-6 * max(1.0, abs(params[j]))
        up, dn = params.copy(), params.copy()
        up[j] += h
        dn[j] -= h
        hess[:, j] = (
            _ordinal_scores(up, x, codes, ncut).T @ w - _ordinal_scores(dn, x, codes, ncut).T @ w
        ) / (2 * h)
    return (hess + hess.T) / 2


def _predict(fit: GlmFit, coef: np.ndarray, frame: pd.DataFrame) -> np.ndarray:
    info = fit.extras["design_info"]
    (x,) = patsy.build_design_matrices([info], frame, NA_action="raise")
    x = np.asarray(x)
    if fit.family == "gaussian":
        return x @ coef
    if fit.family == "binomial":
        return special.expit(x @ coef)
    ncut = len(fit.levels) - 1
    p = len(coef) - ncut
    eta = x[:, 1:] @ coef[:p]
    cum = special.expit(coef[p:][None, :] - eta[:, None])
    cum = np.hstack([np.zeros((len(eta), 1)), cum, np.ones((len(eta), 1))])
    return np.diff(cum, axis=1)


# ----------------------------------------------------------------------------- entry point
def fit_glm(
    design: SurveyDesign,
    formula: str,
    family: str = "gaussian",
    *,
    maxiter: int = 100,
    level: float = 0.95,
) -> GlmFit:
    """Fit ``formula`` to ``design`` by weighted pseudo-likelihood with design-based SEs.

    ``family``: ``gaussian`` (linear, identity link), ``binomial`` (logistic; R's
    ``quasibinomial``), ``ordinal`` (proportional-odds logistic, R ``svyolr``). Categorical
    covariates and fixed effects are written in the formula (``C(country)``).
    """
    if family not in FAMILIES:
        raise ModelError([Issue("family", f"'{family}' is not one of {', '.join(FAMILIES)}")])
    y_series, xframe, rows, info = _matrices(design, formula, family)
    x = xframe.to_numpy(dtype=float)
    w_all = design.weights
    w = w_all[rows]
    n_all = design.n
    if (w > 0).sum() <= x.shape[1]:
        raise ModelError(
            [
                Issue(
                    "formula",
                    f"only {(w > 0).sum()} respondents with weight for {x.shape[1]} coefficients",
                )
            ]
        )
    rank = np.linalg.matrix_rank(x if (w > 0).all() else x[w > 0])
    if rank < x.shape[1]:
        raise ModelError(
            [
                Issue(
                    "formula",
                    "the covariates are collinear (a term is a "
                    "combination of others, or a category is empty); drop one",
                )
            ]
        )

    levels: tuple[str, ...] = ()
    if family == "ordinal":
        codes, levels = _ordinal(y_series)
        ncut = len(levels) - 1
        if xframe.columns[0] != "Intercept":
            raise ModelError(
                [
                    Issue(
                        "formula",
                        "an ordered model needs the intercept (the "
                        "cut-points replace it); remove '- 1' or '+ 0'",
                    )
                ]
            )
        xs = x[:, 1:]  # the cut-points take the place of the intercept
        params, hess = _ordinal_fit(codes, xs, w, ncut)
        scores = _ordinal_scores(params, xs, codes, ncut) * w[:, None]
        bread = np.linalg.inv(-hess)
        names = [*xframe.columns[1:], *[f"{a}|{b}" for a, b in itertools.pairwise(levels)]]
        coef = params

        def refit(wr):
            return _ordinal_fit(codes, xs, wr, ncut)[0]
    else:
        y = y_series.to_numpy(dtype=float) if family == "gaussian" else _binary(y_series)
        coef = _glm_fit(y, x, w, family)
        mu = x @ coef if family == "gaussian" else special.expit(x @ coef)
        var_mu = np.ones_like(mu) if family == "gaussian" else mu * (1 - mu)
        scores = x * (w * (y - mu))[:, None]
        bread = np.linalg.inv((x * (w * var_mu)[:, None]).T @ x)
        del mu, var_mu
        names = list(xframe.columns)

        def refit(wr):
            return _glm_fit(y, x, wr, family)

    if design.is_replicate:
        thetas = np.vstack(
            [refit(design.replicates[rows, r]) for r in range(design.replicates.shape[1])]
        )
        vcov = design.replicate_vcov(thetas, coef)
    else:
        if len(rows) == n_all:  # every respondent in the fit: their rows in order
            infl = scores @ bread
        else:
            infl = np.zeros((n_all, len(coef)))
            infl[rows] = scores @ bread
        del scores
        vcov = design.variance(infl)
    n_terms = len(coef) - (len(levels) - 1 if levels else 0)
    df = design.degf - n_terms + (1 if family != "ordinal" else 0)
    return GlmFit(
        formula=formula,
        family=family,
        terms=tuple(str(t) for t in names),
        coef=np.asarray(coef, dtype=float),
        vcov=vcov,
        df=int(df),
        n=int((w > 0).sum()),
        population=float(w.sum()),
        levels=levels,
        level=level,
        extras={
            "design_info": info,
            "rows": rows,
            "weights": w,
            "data": (design.data.iloc[:] if len(rows) == n_all else design.data.iloc[rows]),
        },
    )
