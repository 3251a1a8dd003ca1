"""Which quantities of a model are uncertain, and their draws in reproducible blocks.

Draws come in **stream blocks** of a fixed number of draws, a function of the model only: block
``b`` draws from its own generator, ``SeedSequence(seed, spawn_key=(b,))`` (the ``b``-th child
of ``SeedSequence(seed).spawn``). Draw ``j`` is therefore always position ``j % B`` of block
``j // B``, so the same seed gives the same numbers, bit for bit, whatever the chunk size used
to propagate them, the number of workers, or the total number of draws asked for.

Quantities that appear in ``correlations`` are drawn together with a Gaussian copula on ranks
(correlated normal scores turned into each quantity's own distribution by its quantile
function); the others are drawn by family, one vectorised numpy call per family and block.

``--evidence-priors``: a link effect written as a plain number gets a lognormal around it
(sign kept) whose coefficient of variation is set by the link's evidence grade —
:data:`EVIDENCE_CV` (a convention, overridable); ungraded links count as grade 1 (opinion).

Extra runs (a belief scenario, the map without its weakly evidenced links) share the draws of
every quantity they have in common with the main run (common random numbers, so a change in
the answer is the belief's and not sampling noise); the quantities only they have come from a
second stream of the same seed (``stream``), so the main run's numbers never change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..model.distributions import (
    DistributionBase,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
)
from ..model.paths import get_quantity, quantity_paths
from ..model.schema import Model
from ..sampling import copula_factor, correlated_uniforms, ppf

EVIDENCE_CV: dict[int, float] = {1: 0.75, 2: 0.5, 3: 0.35, 4: 0.2, 5: 0.1}
"""Coefficient of variation of an evidence prior by grade: 1 opinion ... 5 replicated
experimental evidence. A convention, not an estimate: override it for your field."""

# Quantities that change what an option costs or achieves. Volumes and capacities are the
# decision (each option fixes them) and `available` is a planning constraint, so none of
# those is propagated.
_PROPAGATED = ("unit_cost", "inputs", "fixed_inputs", "value", "effect", "enabling")
_ENABLING_FIELDS = ("elasticity", "floor")
_FAMILIES = ("normal", "lognormal", "triangular", "pert", "uniform", "beta", "gamma")


@dataclass(frozen=True)
class UncertainQuantity:
    """One uncertain quantity: its path, its distribution, and a sign (−1 for the evidence
    prior of a harmful effect, drawn as −lognormal)."""

    path: str
    dist: DistributionBase
    sign: float = 1.0
    prior: bool = False

    @property
    def key(self) -> tuple:
        """Identity across option models: same path, same distribution, same sign."""
        return (self.path, self.dist, self.sign)  # distributions are frozen, hence hashable

    @property
    def mean(self) -> float:
        return self.sign * float(self.dist.mean)


def _propagated(path: str) -> bool:
    if path.startswith("links["):
        return True
    parts = path.split(".")
    return len(parts) >= 3 and parts[2] in _PROPAGATED


def enabling_paths(model: Model) -> list[str]:
    """``interventions.ID.enabling.RESOURCE.elasticity`` and ``.floor`` of every declared
    enabling input, in file order (both may be distributions)."""
    return [
        f"interventions.{iid}.enabling.{rid}.{f}"
        for iid, itv in model.interventions.items()
        for rid in itv.enabling
        for f in _ENABLING_FIELDS
    ]


def evidence_prior(
    effect: float, grade: int | None, table: Mapping[int, float] = EVIDENCE_CV
) -> tuple[LogNormal, float] | None:
    """The lognormal (and sign) an unqualified effect gets under ``--evidence-priors``; None
    for a zero effect (nothing to spread)."""
    if effect == 0:
        return None
    cv = table[grade if grade is not None else 1]
    m = abs(float(effect))
    return LogNormal(mean=m, sd=cv * m), (1.0 if effect > 0 else -1.0)


def uncertain_quantities(
    model: Model, evidence_priors: bool = False, evidence_cv: Mapping[int, float] = EVIDENCE_CV
) -> list[UncertainQuantity]:
    """The model's uncertain quantities that are propagated, in file order."""
    out = []
    # links directly (a large map has 10^5 of them); other quantities by path
    paths = [p for p in quantity_paths(model) if _propagated(p) and not p.startswith("links[")]
    # the elasticity and floor of enabling inputs, unless the model's own list has them
    known = set(paths)
    paths += [p for p in enabling_paths(model) if p not in known]
    pairs = [(p, get_quantity(model, p)) for p in paths]
    pairs += [(f"links[{k}].effect", lk.effect) for k, lk in enumerate(model.links)]
    for path, q in pairs:
        if isinstance(q, DistributionBase) and not isinstance(q, Fixed):
            if _degenerate(q):
                continue
            out.append(UncertainQuantity(path, q))
        elif evidence_priors and path.startswith("links["):
            k = int(path[len("links[") : -len("].effect")])
            value = float(q.value if isinstance(q, Fixed) else q)
            prior = evidence_prior(value, model.links[k].evidence, evidence_cv)
            if prior is not None:
                out.append(UncertainQuantity(path, prior[0], prior[1], prior=True))
    return out


def _degenerate(q: DistributionBase) -> bool:
    lo, hi = q.support
    if isinstance(q, (Normal, LogNormal, Gamma)):
        return q.sd == 0
    return lo == hi


def stream_block(n_quantities: int) -> int:
    """Draws per stream block: 1,024 for small models, fewer for large ones so a block of
    draws (quantities × block) stays near 2^21 numbers (16 MB); a power of two ≥ 16."""
    size = 1024
    while size > 16 and size * max(n_quantities, 1) > 2**21:
        size //= 2
    return size


class BlockSampler:
    """Draws of ``quantities`` (rows) in stream blocks; ``draws(start, stop)`` gives the
    (quantities × (stop − start)) array for those draw indices."""

    def __init__(
        self,
        quantities: Sequence[UncertainQuantity],
        seed: int,
        correlations: Sequence[tuple[str, str, float]] = (),
        stream: int | None = None,
    ) -> None:
        quantities = list(quantities)
        # stream None: block b is the b-th child of the seed (the main run); stream k: blocks
        # of an independent family (k, b) of the same seed, for quantities only an extra run has
        self.stream = stream
        # only arrays and the copula's distributions are kept: a sampler is sent to every
        # worker, and 10^5 distribution objects would make it slow to pickle
        self.n = len(quantities)
        self.seed = int(seed)
        self.block = stream_block(self.n)
        row_of: dict[str, int] = {}
        for k, q in enumerate(quantities):  # the first (base model's) of each path
            row_of.setdefault(q.path, k)
        pairs = [
            (row_of[a], row_of[b], rho) for a, b, rho in correlations if a in row_of and b in row_of
        ]
        corr_rows = sorted({r for a, b, _ in pairs for r in (a, b)})
        self.copula_rows = np.array(corr_rows, dtype=np.int64)
        self.factor = None
        if corr_rows:
            pos = {r: k for k, r in enumerate(corr_rows)}
            m = np.eye(len(corr_rows))
            for a, b, rho in pairs:
                m[pos[a], pos[b]] = m[pos[b], pos[a]] = rho
            self.factor = copula_factor(m)
        in_copula = set(corr_rows)
        self.copula_dists = [quantities[r].dist for r in corr_rows]
        self.families: list[tuple[str, np.ndarray | slice, list[np.ndarray]]] = []
        for fam in _FAMILIES:
            rows = [
                k for k, q in enumerate(quantities) if q.dist.dist == fam and k not in in_copula
            ]
            if rows:
                self.families.append(
                    (fam, _rows(rows), _params(fam, [quantities[k].dist for k in rows]))
                )
        self.signs = np.array([q.sign for q in quantities])
        self.negative = np.flatnonzero(self.signs < 0)
        self.widest = max((_count(rows) for _, rows, _ in self.families), default=0)

    def _rng(self, b: int) -> np.random.Generator:
        """The generator of stream block ``b`` (see the module docstring)."""
        key = (b,) if self.stream is None else (self.stream, b)
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )

    def _fill(self, b: int, out: np.ndarray) -> None:
        """Block ``b`` written into ``out`` (quantities × block draws, any strides): the
        copula's quantities, then each family's in :data:`_FAMILIES` order, one call each."""
        rng = self._rng(b)
        n = self.block
        if self.factor is not None:
            u = correlated_uniforms(self.factor, rng, n)
            for k, row in enumerate(self.copula_rows):
                out[row] = ppf(self.copula_dists[k], u[k])
        # one scratch array for every family (numpy's generator needs a contiguous output);
        # a family in consecutive rows is scaled from it straight into its place
        scratch = np.empty((self.widest, n))
        for fam, rows, params in self.families:
            work = scratch[: _count(rows)]
            if isinstance(rows, slice):
                _draw_into(fam, params, rng, work, out[rows])
            else:
                _draw_into(fam, params, rng, work, work)
                out[rows] = work
        if len(self.negative):
            out[self.negative] *= -1

    def _block(self, b: int) -> np.ndarray:
        out = np.empty((self.n, self.block))
        self._fill(b, out)
        return out

    def draws(self, start: int, stop: int) -> np.ndarray:
        """Draws ``start`` to ``stop - 1`` of every quantity (quantities × draws)."""
        out = np.empty((self.n, stop - start))
        b = start // self.block
        while b * self.block < stop:
            lo, hi = b * self.block, (b + 1) * self.block
            a, z = max(lo, start), min(hi, stop)
            if (a, z) == (lo, hi):  # a whole block: drawn straight into place
                self._fill(b, out[:, a - start : z - start])
            else:
                out[:, a - start : z - start] = self._block(b)[:, a - lo : z - lo]
            b += 1
        return out


def as_slice(rows: Sequence[int] | np.ndarray) -> slice | None:
    """``rows`` as a slice when they follow one another (1, 2, 3 ...), else None: a view of
    them reads the same numbers as gathering them, without the copy."""
    n = len(rows)
    if n == 0:
        return None
    first = int(rows[0])
    if int(rows[-1]) - first != n - 1:
        return None
    if n <= 2 or np.array_equal(rows, np.arange(first, first + n)):
        return slice(first, first + n)
    return None


def _rows(rows: list[int]) -> np.ndarray | slice:
    """Row indices as a slice when they are consecutive, else as an index array."""
    view = as_slice(rows)
    return np.array(rows, dtype=np.int64) if view is None else view


def _count(rows: np.ndarray | slice) -> int:
    return rows.stop - rows.start if isinstance(rows, slice) else len(rows)


class JoinedSampler:
    """The rows of ``first`` (the main run's quantities, the same numbers bit for bit), then
    those of ``second`` (quantities only an extra run has, from their own stream)."""

    def __init__(self, first: BlockSampler, second: BlockSampler) -> None:
        self.first = first
        self.second = second
        self.n = first.n + second.n
        self.block = first.block

    def draws(self, start: int, stop: int) -> np.ndarray:
        """Draws ``start`` to ``stop - 1`` of every quantity (quantities × draws)."""
        return np.concatenate([self.first.draws(start, stop), self.second.draws(start, stop)])


def _params(fam: str, dists: list) -> list[np.ndarray]:
    def col(values: list[float]) -> np.ndarray:
        return np.array(values, dtype=float)[:, None]

    if fam == "normal":
        return [col([d.mean for d in dists]), col([d.sd for d in dists])]
    if fam == "lognormal":
        lp = [d.log_params() for d in dists]
        return [col([m for m, _ in lp]), col([s for _, s in lp])]
    if fam in ("triangular",):
        return [
            col([d.low for d in dists]),
            col([d.mode for d in dists]),
            col([d.high for d in dists]),
        ]
    if fam == "pert":
        bp = [d.beta_params() for d in dists]
        return [
            col([a for a, _ in bp]),
            col([b for _, b in bp]),
            col([d.low for d in dists]),
            col([d.high - d.low for d in dists]),
        ]
    if fam == "uniform":
        return [col([d.low for d in dists]), col([d.high for d in dists])]
    if fam == "beta":
        return [col([d.alpha for d in dists]), col([d.beta for d in dists])]
    if fam == "gamma":
        ss = [d.shape_scale() for d in dists]
        shapes = [k for k, _ in ss]
        # one shape for every row: a 0-d array, which numpy's gamma draws in its scalar loop
        # (quicker than broadcasting a column; the same numbers)
        shape = np.array(shapes[0]) if len(set(shapes)) == 1 else col(shapes)
        return [shape, col([t for _, t in ss])]
    raise ValueError(fam)  # pragma: no cover


def _draw_into(
    fam: str, p: list[np.ndarray], rng: np.random.Generator, work: np.ndarray, out: np.ndarray
) -> None:
    """One family's draws (rows × draws) written into ``out`` (any strides; it may be
    ``work``, a contiguous array of its shape, used on the way), in the numbers numpy's own
    sampler for the family gives: normals and gammas are drawn standard into ``work`` and
    scaled into ``out`` (``loc + scale × z``, ``scale × z``, as numpy computes them, bit for
    bit, without broadcasting the parameters number by number)."""
    if fam == "normal":
        rng.standard_normal(out=work)
        work *= p[1]
        np.add(work, p[0], out=out)
    elif fam == "gamma":
        rng.standard_gamma(p[0], out=work)
        np.multiply(work, p[1], out=out)
    else:
        out[...] = _draw(fam, p, rng, work.shape)


def _draw(
    fam: str, p: list[np.ndarray], rng: np.random.Generator, size: tuple[int, ...]
) -> np.ndarray:
    if fam == "lognormal":
        return rng.lognormal(p[0], p[1], size)
    if fam == "triangular":
        return rng.triangular(p[0], p[1], p[2], size)
    if fam == "pert":
        return p[2] + p[3] * rng.beta(p[0], p[1], size)
    if fam == "uniform":
        return rng.uniform(p[0], p[1], size)
    if fam == "beta":
        return rng.beta(p[0], p[1], size)
    raise ValueError(fam)  # pragma: no cover


__all__ = [
    "EVIDENCE_CV",
    "BlockSampler",
    "JoinedSampler",
    "UncertainQuantity",
    "enabling_paths",
    "evidence_prior",
    "stream_block",
    "uncertain_quantities",
]
