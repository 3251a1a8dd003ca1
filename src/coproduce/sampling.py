"""Drawing samples of the model format's uncertain quantities.

One function, :func:`sample`, turns a quantity (a plain number or a distribution of
:mod:`coproduce.model.distributions`) into ``n`` draws, vectorised with numpy. The
parameterisations are exactly those documented there: ``lognormal`` and ``gamma`` are given by
the mean and standard deviation of the variable itself; ``pert`` is beta-PERT with weight 4 on
the mode. Randomness is passed in as a :class:`numpy.random.Generator`; there is no module-level
generator, so the same generator state gives the same draws, bit for bit.

Shared by every domain (appraisal, engine) and therefore imports only from ``model``.
"""

from __future__ import annotations

import numpy as np

from .model.distributions import (
    Beta,
    DistributionBase,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)

__all__ = [
    "analytic_moments",
    "copula_factor",
    "correlated_uniforms",
    "normal_correlation",
    "ppf",
    "sample",
]


def sample(q: float | DistributionBase, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of quantity ``q`` as a float array of shape ``(n,)``.

    A plain number (or ``fixed``) gives a constant array and consumes no random numbers, so
    adding a fixed quantity to a model does not change the draws of the others.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not isinstance(q, DistributionBase):
        return np.full(n, float(q))
    if isinstance(q, Fixed):
        return np.full(n, float(q.value))
    if isinstance(q, Normal):
        if q.sd == 0:
            return np.full(n, float(q.mean))
        return rng.normal(q.mean, q.sd, n)
    if isinstance(q, LogNormal):
        if q.sd == 0:
            return np.full(n, float(q.mean))
        mu, sigma = q.log_params()
        return rng.lognormal(mu, sigma, n)
    if isinstance(q, Triangular):
        return rng.triangular(q.low, q.mode, q.high, n)
    if isinstance(q, Pert):
        a, b = q.beta_params()
        return q.low + (q.high - q.low) * rng.beta(a, b, n)
    if isinstance(q, Uniform):
        return rng.uniform(q.low, q.high, n)
    if isinstance(q, Beta):
        return rng.beta(q.alpha, q.beta, n)
    if isinstance(q, Gamma):
        k, theta = q.shape_scale()
        return rng.gamma(k, theta, n)
    raise TypeError(f"cannot sample {type(q).__name__}")  # pragma: no cover


def analytic_moments(q: float | DistributionBase) -> tuple[float, float]:
    """(mean, variance) of ``q`` from its closed form; used to check :func:`sample`."""
    if not isinstance(q, DistributionBase):
        return float(q), 0.0
    if isinstance(q, Fixed):
        return q.value, 0.0
    if isinstance(q, (Normal, LogNormal, Gamma)):
        return q.mean, q.sd**2
    if isinstance(q, Triangular):
        a, c, b = q.low, q.mode, q.high
        return (a + b + c) / 3, (a * a + b * b + c * c - a * b - a * c - b * c) / 18
    if isinstance(q, Pert):
        a, b = q.beta_params()
        span = q.high - q.low
        return q.mean, span**2 * a * b / ((a + b) ** 2 * (a + b + 1))
    if isinstance(q, Uniform):
        return q.mean, (q.high - q.low) ** 2 / 12
    if isinstance(q, Beta):
        a, b = q.alpha, q.beta
        return q.mean, a * b / ((a + b) ** 2 * (a + b + 1))
    raise TypeError(f"no moments for {type(q).__name__}")  # pragma: no cover


# ----- inverse CDFs and the Gaussian copula (rank correlations) --------------------------


def ppf(q: float | DistributionBase, u: np.ndarray) -> np.ndarray:
    """The quantile function of ``q`` at probabilities ``u`` (same shape as ``u``).

    Used by the Gaussian copula: a correlated uniform ``u`` becomes a draw of ``q`` with
    exactly ``q``'s marginal distribution. (scipy.special, not scipy.stats: much quicker to
    import.)"""
    from scipy.special import betaincinv, gammaincinv, ndtri

    u = np.asarray(u, dtype=float)
    if not isinstance(q, DistributionBase):
        return np.full(u.shape, float(q))
    if isinstance(q, Fixed):
        return np.full(u.shape, float(q.value))
    if isinstance(q, Normal):
        return q.mean + q.sd * ndtri(u) if q.sd > 0 else np.full(u.shape, q.mean)
    if isinstance(q, LogNormal):
        if q.sd == 0:
            return np.full(u.shape, float(q.mean))
        mu, sigma = q.log_params()
        return np.exp(mu + sigma * ndtri(u))
    if isinstance(q, Triangular):
        a, c, b = q.low, q.mode, q.high
        if b == a:
            return np.full(u.shape, float(a))
        cut = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < cut, left, right)
    if isinstance(q, Pert):
        a, b = q.beta_params()
        return q.low + (q.high - q.low) * betaincinv(a, b, u)
    if isinstance(q, Uniform):
        return q.low + (q.high - q.low) * u
    if isinstance(q, Beta):
        return betaincinv(q.alpha, q.beta, u)
    if isinstance(q, Gamma):
        k, theta = q.shape_scale()
        return theta * gammaincinv(k, u)
    raise TypeError(f"no quantile function for {type(q).__name__}")  # pragma: no cover


def normal_correlation(rank_rho: np.ndarray) -> np.ndarray:
    """The correlation of the underlying normals that gives Spearman rank correlation
    ``rank_rho`` under a Gaussian copula: r = 2 sin(π ρ / 6) (exact for the normal copula)."""
    r = 2 * np.sin(np.pi * np.asarray(rank_rho, dtype=float) / 6)
    np.fill_diagonal(r, 1.0)
    return r


def copula_factor(rank_corr: np.ndarray) -> np.ndarray:
    """A matrix L with L Lᵀ = the normal-scale correlation for ``rank_corr`` (k × k); the
    eigen-decomposition is used so that a singular (ρ = ±1) matrix still works."""
    r = normal_correlation(rank_corr)
    w, v = np.linalg.eigh((r + r.T) / 2)
    return v * np.sqrt(np.clip(w, 0, None))


def correlated_uniforms(factor: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """(k × n) uniforms whose normal scores have correlation ``factor @ factor.T``."""
    from scipy.special import ndtr

    z = factor @ rng.standard_normal((factor.shape[1], n))
    return np.clip(ndtr(z), 1e-15, 1 - 1e-15)
