"""The regression behind EVPPI: cubic regression splines chosen by GCV (as ``mgcv`` does).

EVPPI by nonparametric regression (Strong, Oakley & Brennan 2014, *Medical Decision Making*
34:311-326) needs a smooth estimate of E[net benefit | inputs of interest]. We fit the same
smoother the R package ``voi`` uses by default — ``mgcv::gam(y ~ te(x1, ..., bs = "cr"))`` — in
numpy/scipy:

- each input gets a **cubic regression spline**: a natural cubic spline with ``k`` knots at
  evenly spaced quantiles of the input's distinct values (5 knots, or 4 when a group has four
  or more inputs, as ``voi``'s default formula), parameterised by its values at the knots, with
  the penalty ∫ f''(x)² dx;
- a group of 2 to 4 inputs gets the **tensor product** of those bases with penalties
  ``I ⊗ S_j``; by default one smoothing parameter is shared (the inputs are on comparable
  quantile-knot scales), and ``refine=True`` optimises one per input as ``te()`` does
  (within 0.5% of mgcv on voi's chemotherapy groups worth more than noise, ``refine`` closer);
- a group of 5 inputs or more gets an **additive** model (a sum of one-input splines), which
  ignores interactions between the inputs and can therefore understate the group's EVPPI (a
  tensor product of 5+ inputs needs more draws than a council model usually has).

Smoothing parameters minimise generalised cross-validation, GCV = n·RSS / (n − edf)² (mgcv's
default criterion), over a fine grid of a common parameter (one eigendecomposition scores
the whole grid), optionally refined per input by Powell's method. After the basis is built all
work is on p × p matrices.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg as sl
from scipy.interpolate import BSpline
from scipy.optimize import minimize

_DEGREE = 3
_RIDGE = 1e-10  # relative ridge: keeps rank-deficient bases (additive models) solvable
_GAUSS = np.polynomial.legendre.leggauss(3)
_GRID = np.arange(-20.0, 16.0001, 0.02)  # log smoothing parameters scored by GCV


def knots_for(x: np.ndarray, k: int) -> np.ndarray:
    """``k`` knots at evenly spaced positions through the sorted distinct values (mgcv's rule)."""
    ux = np.unique(x)
    if len(ux) <= k:
        return ux
    idx = np.linspace(0, len(ux) - 1, k)
    return np.interp(idx, np.arange(len(ux)), ux)


@dataclass(frozen=True)
class CubicRegressionSpline:
    """A natural cubic spline basis with coefficients = values at the knots."""

    knots: np.ndarray
    _bknots: np.ndarray
    _to_cardinal: np.ndarray  # (k + 2) × k: B-spline coefficients of each cardinal function

    @classmethod
    def build(cls, knots: np.ndarray) -> CubicRegressionSpline:
        kn = np.asarray(knots, dtype=float)
        t = np.concatenate([[kn[0]] * (_DEGREE + 1), kn[1:-1], [kn[-1]] * (_DEGREE + 1)])
        nb = len(t) - _DEGREE - 1
        ends = np.array([kn[0], kn[-1]])
        second = np.column_stack(
            [BSpline(t, np.eye(nb)[j], _DEGREE).derivative(2)(ends) for j in range(nb)]
        )
        z = sl.null_space(second)  # natural: f'' = 0 at both end knots
        at_knots = BSpline.design_matrix(kn, t, _DEGREE).toarray() @ z
        return cls(knots=kn, _bknots=t, _to_cardinal=z @ np.linalg.inv(at_knots))

    @property
    def size(self) -> int:
        return len(self.knots)

    def basis(self, x: np.ndarray) -> np.ndarray:
        x = np.clip(np.asarray(x, dtype=float), self.knots[0], self.knots[-1])
        b = BSpline.design_matrix(x, self._bknots, _DEGREE, extrapolate=False)
        return np.asarray(b @ self._to_cardinal)

    def penalty(self) -> np.ndarray:
        """S with θᵀSθ = ∫ f''(x)² dx over the knot range (exact: Gauss-Legendre per interval)."""
        nb = len(self._bknots) - _DEGREE - 1
        xs, ws = [], []
        for a, b in zip(self.knots[:-1], self.knots[1:], strict=True):
            xs.append((b - a) / 2 * _GAUSS[0] + (a + b) / 2)
            ws.append((b - a) / 2 * _GAUSS[1])
        x, w = np.concatenate(xs), np.concatenate(ws)
        d2 = (
            np.column_stack(
                [BSpline(self._bknots, np.eye(nb)[j], _DEGREE).derivative(2)(x) for j in range(nb)]
            )
            @ self._to_cardinal
        )
        return d2.T @ (w[:, None] * d2)


def _row_kron(blocks: list[np.ndarray]) -> np.ndarray:
    out = blocks[0]
    for b in blocks[1:]:
        out = (out[:, :, None] * b[:, None, :]).reshape(out.shape[0], -1)
    return out


@dataclass(frozen=True)
class SplineFit:
    """A fitted smoother: E[y | x] for each column of y; ``predict`` at new inputs."""

    margins: tuple[CubicRegressionSpline, ...]
    additive: bool
    coef: np.ndarray  # (p, n_outputs)
    fitted: np.ndarray  # (n, n_outputs)
    # for standard errors: the design, and per output the posterior covariance of the
    # coefficients as σ² Tᵀ diag(shrink) T (mgcv's Bayesian Vp at the chosen smoothing)
    basis: np.ndarray | None = None
    to_eigen: np.ndarray | None = None  # T (p × p)
    shrink: np.ndarray | None = None  # (n_outputs × p)
    sigma2: np.ndarray | None = None  # (n_outputs,)

    def value_se(self, rng: np.random.Generator, samples: int = 200) -> float:
        """Standard error of the value of information this fit implies (EVPPI or EVSI):
        the spread of mean(max fitted) − max(mean fitted) over coefficient vectors drawn from
        their posterior (Strong, Oakley & Brennan 2014, section 3.4). Money per decision."""
        if (
            self.basis is None
            or self.to_eigen is None
            or self.shrink is None
            or self.sigma2 is None
        ):
            raise ValueError("this fit kept no posterior: refit with fit_spline")
        p, m = self.coef.shape
        z = rng.standard_normal((samples, p, m))
        scale = np.sqrt(self.shrink.T * self.sigma2)
        values = np.empty(samples)
        chunk = 25  # coefficient draws at once: bounds memory at draws × options × 25
        for a in range(0, samples, chunk):
            beta = self.coef[None] + np.einsum(
                "pq,spm->sqm", self.to_eigen, scale[None] * z[a : a + chunk]
            )
            fitted = np.einsum("np,spm->snm", self.basis, beta, optimize=True)
            # the first option's incremental net benefit is 0 by construction
            values[a : a + chunk] = np.maximum(fitted.max(axis=2), 0).mean(axis=1) - np.maximum(
                fitted.mean(axis=1).max(axis=1), 0
            )
        return float(values.std(ddof=1))

    def columns(self, m: int) -> SplineFit:
        """The fit of the first ``m`` outputs alone (each output is smoothed on its own)."""
        return replace(
            self,
            coef=self.coef[:, :m],
            fitted=self.fitted[:, :m],
            shrink=None if self.shrink is None else self.shrink[:m],
            sigma2=None if self.sigma2 is None else self.sigma2[:m],
        )

    def design(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        blocks = [m.basis(x[:, j]) for j, m in enumerate(self.margins)]
        return np.hstack(blocks) if self.additive else _row_kron(blocks)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """E[y | x] at rows of ``x`` (m × inputs) -> (m × outputs)."""
        return self.design(x) @ self.coef


def _penalties(margins: list[CubicRegressionSpline], additive: bool) -> list[np.ndarray]:
    sizes = [m.size for m in margins]
    out = []
    for j, m in enumerate(margins):
        if additive:
            p = np.zeros((sum(sizes), sum(sizes)))
            start = sum(sizes[:j])
            p[start : start + m.size, start : start + m.size] = m.penalty()
        else:
            p = np.ones((1, 1))
            for i, s in enumerate(sizes):
                p = np.kron(p, m.penalty() if i == j else np.eye(s))
        out.append(p / max(np.abs(p).max(), 1e-300))
    return out


class _Problem:
    """Penalised least squares on a fixed basis: G = XᵀX and the penalties, shared by every
    output; the common-smoothing-parameter GCV of any output is O(p) per λ after one
    generalised eigendecomposition (G + λS = L(I + λD)Lᵀ in the eigenbasis)."""

    def __init__(self, g: np.ndarray, pens: list[np.ndarray], n: int) -> None:
        p = len(g)
        self.n, self.pens = n, pens
        self.g = g
        self.gs = g + _RIDGE * np.trace(g) / p * np.eye(p)
        self.scale = np.trace(self.gs) / p
        lc = np.linalg.cholesky(self.gs)
        s_all = sum(pens)
        li = np.linalg.inv(lc)  # p is small (≤ 256): one inverse beats repeated solves
        m = li @ s_all @ li.T
        d, u = np.linalg.eigh((m + m.T) / 2)
        self.d = np.clip(d, 0, None)
        # T maps Xᵀy to eigen-coordinates: w = Uᵀ L⁻¹ b, and β = Tᵀ (shrink ∘ w)
        self.t = u.T @ li

    def common(self, b: np.ndarray, yy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every output at once (``b``: p × m, ``yy``: m): coefficients (p × m), log λ and
        GCV score (m) at the best common smoothing parameter of each output."""
        w = self.t @ b  # p × m, coordinates in the eigenbasis
        w2 = w**2
        shrink = 1.0 / (1.0 + np.exp(_GRID)[:, None] * self.scale * self.d[None, :])  # g × p
        rss = np.clip(yy[None, :] - 2 * (shrink @ w2) + (shrink**2) @ w2, 0, None)  # g × m
        edf = shrink.sum(1)[:, None]
        n = self.n
        # where edf < n − 1, n − edf > 1: the floor of 1 only keeps the other cells finite
        score = np.where(edf < n - 1, n * rss / np.maximum(n - edf, 1.0) ** 2, np.inf)
        k = np.argmin(score, axis=0)
        beta = self.t.T @ (shrink[k].T * w)
        cols = np.arange(len(k))
        self.last_shrink = shrink[k]  # m × p
        self.last_sigma2 = rss[k, cols] / np.maximum(n - edf[k, 0], 1.0)
        return beta, _GRID[k], score[k, cols]

    def solve(
        self, b: np.ndarray, yy: float, log_lam: np.ndarray
    ) -> tuple[np.ndarray, float, float]:
        """(coefficients, GCV score, edf) with one smoothing parameter per penalty."""
        a = self.gs + sum(
            np.exp(ll) * self.scale * s for ll, s in zip(log_lam, self.pens, strict=True)
        )
        try:
            c = sl.cho_factor(a, lower=True, check_finite=False)
        except np.linalg.LinAlgError:
            return np.zeros(len(a)), np.inf, 0.0
        beta = sl.cho_solve(c, b, check_finite=False)
        rss = max(yy - 2 * beta @ b + beta @ self.g @ beta, 0.0)
        edf = float(np.trace(sl.cho_solve(c, self.g, check_finite=False)))
        if edf >= self.n - 1:
            return beta, np.inf, edf
        return beta, self.n * rss / (self.n - edf) ** 2, edf


def _gcv_fit(problem: _Problem, b: np.ndarray, yy: np.ndarray, refine: bool) -> np.ndarray:
    """Coefficients (p × m) minimising GCV = n·RSS / (n − edf)² for each output: a fine grid
    on a common smoothing parameter, then (several penalties, ``refine``) each refined by
    Powell's method from there."""
    beta, log_lam, score = problem.common(b, yy)
    k = len(problem.pens)
    if k == 1 or not refine:
        return beta
    bounds = [(float(_GRID[0]), float(_GRID[-1]))] * k
    for col in range(b.shape[1]):
        bc, yc = b[:, col], float(yy[col])
        # Powell's line searches reach the optimum mgcv's own optimiser finds (on voi's
        # chemotherapy groups: two to 4 figures, the others within 0.2%). A Nelder-Mead of
        # 12 steps a parameter stopped short on flat GCV surfaces, so whether it improved on
        # the common parameter at all turned on the last bits of the BLAS (a group worth
        # 1.57 came out 0.86 on one CPU)
        # a smoothing so weak that edf reaches n − 1 scores inf: the line search's
        # arithmetic on it is harmless (such a point is never the minimum), so not warned of
        with np.errstate(invalid="ignore"):
            res = minimize(
                lambda v, bc=bc, yc=yc: problem.solve(bc, yc, v)[1],
                np.full(k, log_lam[col]),
                method="Powell",
                bounds=bounds,
                options={"xtol": 0.1, "ftol": 1e-8},
            )
        if np.isfinite(res.fun) and res.fun < score[col]:
            beta[:, col] = problem.solve(bc, yc, res.x)[0]
    return beta


def margin_size(n_inputs: int) -> int:
    """Knots per input: 5, or 4 for groups of four or more inputs (voi's default formula)."""
    return 4 if n_inputs >= 4 else 5


_CONTROLLER: list = []  # threadpoolctl's view of the loaded BLAS libraries, made once


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """A context limiting BLAS to one thread, if threadpoolctl is installed.

    The fits are many small matrix products; on a busy machine a multi-threaded BLAS spends
    more time synchronising its threads than computing (measured: 10× slower under load).
    threadpoolctl finds the loaded BLAS libraries once (numpy's and scipy's are loaded when
    this module is), not on every fit: that search was a few milliseconds a fit."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: results are the same, only slower on a busy machine
        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def fit_spline(x: np.ndarray, y: np.ndarray, refine: bool = False) -> SplineFit:
    """Fit E[y | x] by cubic regression splines (see the module docstring).

    ``x``: (n × d) inputs; ``y``: (n,) or (n × m) outputs, each with its own smoothing
    parameters. An input with fewer distinct values than knots gets one knot per value.
    For groups, one smoothing parameter is shared by the inputs unless ``refine`` (then each
    input's is optimised, as ``te()`` does: closer to mgcv, about ten times slower).
    """
    with _one_blas_thread():
        return _fit_spline(x, y, refine)


def _fit_spline(x: np.ndarray, y: np.ndarray, refine: bool) -> SplineFit:
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n, d = x.shape
    additive = d > 4
    k = margin_size(d)
    margins = [CubicRegressionSpline.build(knots_for(x[:, j], k)) for j in range(d)]
    blocks = [m.basis(x[:, j]) for j, m in enumerate(margins)]
    design = np.hstack(blocks) if additive else _row_kron(blocks)
    pens = _penalties(margins, additive)
    problem = _Problem(design.T @ design, pens, n)
    coef = _gcv_fit(problem, design.T @ y, np.einsum("ij,ij->j", y, y), refine)
    return SplineFit(
        margins=tuple(margins),
        additive=additive,
        coef=coef,
        fitted=design @ coef,
        basis=design,
        to_eigen=problem.t,
        shrink=problem.last_shrink,
        sigma2=problem.last_sigma2,
    )
