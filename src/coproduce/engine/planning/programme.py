"""The planning programme, assembled sparse from a compiled strategy map.

Decision variables, in column order:

- ``s`` — one per cost band of each intervention: the volume delivered in that band. An
  intervention without a ``cost_curve`` has one band with multiplier 1. Its volume is the sum
  of its bands, ``v = P s``.
- ``y`` — one binary per intervention with fixed inputs: 1 when it runs (its fixed inputs, the
  set-up cost, are then paid), linked by ``v ≤ M y``.
- ``z`` — binaries that make bands fill in order when marginal cost falls somewhere along the
  curve (economies of scale); rising marginal cost fills in order by itself, so needs none.

Every constraint is a row of ``A x ≤ b`` with a tag ``(kind, key)`` naming it: targets
(``-T v ≤ -(A + T b)`` when targets are increases over what the baseline volumes ``b`` already
achieve, ``-T v ≤ -A`` when they are total levels), resource availability, budgets,
capacities, least volumes (``min_volume``, or what ``max_decrease`` keeps of today's volume),
set-up links and band order. Money is in the model's currency and price year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ...model.compile import CompiledModel
from ..effects import weighted_effects

if TYPE_CHECKING:  # scipy loads when a plan is built, not at start-up
    import scipy.sparse as sp

# Constraint kinds a user can relax; the others (setup, band) are how the model is written.
RELAXABLE = ("target", "resource", "budget", "capacity", "min_volume", "max_decrease")


@dataclass(frozen=True)
class Spec:
    """What to plan. ``targets``: outcome -> amount (outcome units); ``cost_sectors``: which
    sectors the cost objective counts (public or all); ``budgets``: sector (or ``full``) ->
    most spend; ``weights``: currency per unit of each outcome (mode: most value) or None
    (mode: least cost); ``target_offset``: per target, the level today's volumes already
    reach (outcome units), added to the amount when targets are read as increases (None:
    total levels)."""

    targets: dict[str, float]
    cost_sectors: np.ndarray  # bool per sector
    budgets: dict[str, float]
    weights: np.ndarray | None  # (n_outcomes,) or None
    target_offset: np.ndarray | None = None
    _rows: dict = field(default_factory=dict, repr=False, compare=False)

    def target_rows(self, cm: CompiledModel) -> np.ndarray:
        """T[o, :] of each target (targets × interventions), worked out once for the map's
        links and these targets (a plan asks for them several times, and re-solving at another
        valuation of time keeps the links)."""
        links = (cm.link_src, cm.link_dst, cm.link_effect, cm.n_interventions)
        seen = self._rows.get("links")
        if (
            seen is None
            or any(a is not b for a, b in zip(seen, links, strict=True))
            or self._rows.get("targets") != tuple(self.targets)
        ):
            self._rows.update(links=links, targets=tuple(self.targets))
            self._rows["rows"] = target_effects(cm, self.targets)
        return self._rows["rows"]

    def required(self) -> np.ndarray:
        """The total level each target needs, in the order of ``targets`` (outcome units)."""
        amounts = np.array(list(self.targets.values()), dtype=float)
        return amounts if self.target_offset is None else amounts + self.target_offset


def least_volumes(cm: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """The least volume a plan may give each intervention (volume units per period) and
    whether it comes from ``max_decrease`` rather than ``min_volume``: the larger of the
    statutory or contractual floor and the part of today's volume that may not stop in one
    period, ``volume × (1 − max_decrease)``. Without ``max_decrease`` (1) a service may stop
    altogether."""
    keep = cm.volume * (1.0 - cm.max_decrease)
    return np.maximum(cm.min_volume, keep), keep > cm.min_volume


@dataclass(frozen=True)
class Bands:
    """Cost bands of every intervention, flattened. ``start``/``end`` in volume units."""

    owner: np.ndarray  # intervention index of each band
    start: np.ndarray
    end: np.ndarray  # +inf for the open last band
    multiplier: np.ndarray
    ordered: np.ndarray  # bool per intervention: bands need binaries to fill in order


def bands_of(cm: CompiledModel) -> Bands:
    """Every intervention's bands, dropping those that start at or beyond its capacity."""
    n = cm.n_interventions
    ordered = np.zeros(n, dtype=bool)
    curves = cm.cost_curves or (None,) * n
    if all(c is None for c in curves):  # one band each: no loop over thousands of them
        return Bands(
            np.arange(n, dtype=np.int64), np.zeros(n), np.full(n, np.inf), np.ones(n), ordered
        )
    owner: list[int] = []
    start: list[float] = []
    end: list[float] = []
    mult: list[float] = []
    for i in range(n):
        curve = curves[i]
        ends, mults = (np.array([np.inf]), np.array([1.0])) if curve is None else curve
        starts = np.concatenate([[0.0], ends[:-1]])
        keep = starts < cm.capacity[i]
        keep[0] = True
        ends, mults, starts = ends[keep], mults[keep], starts[keep]
        ends = ends.copy()
        ends[-1] = np.inf  # the last kept band is bounded by capacity, not by its breakpoint
        ordered[i] = len(mults) > 1 and bool(np.any(np.diff(mults) < 0))
        owner.extend([i] * len(ends))
        start.extend(starts)
        end.extend(ends)
        mult.extend(mults)
    return Bands(
        np.array(owner, dtype=np.int64),
        np.array(start, dtype=float),
        np.array(end, dtype=float),
        np.array(mult, dtype=float),
        ordered,
    )


def input_scale(bands: Bands, n: int, volumes: np.ndarray) -> np.ndarray:
    """∫₀^v m(x) dx per intervention: the per-unit inputs used at ``volumes`` are
    ``inputs × input_scale`` (equal to ``v`` without a cost curve)."""
    v = np.asarray(volumes, dtype=float)[bands.owner]
    inside = np.clip(v - bands.start, 0.0, bands.end - bands.start)
    return np.bincount(bands.owner, weights=inside * bands.multiplier, minlength=n)


def effect_rows(cm: CompiledModel, weights: np.ndarray) -> np.ndarray:
    """Σ_o weights[o] T[o, i] for every intervention (:func:`weighted_effects` of one kind):
    one backward triangular solve on the map, none when every weight is zero."""
    if not np.any(weights):
        return np.zeros(cm.n_interventions)
    return weighted_effects(cm, weights)


def target_effects(cm: CompiledModel, targets: dict[str, float]) -> np.ndarray:
    """T[o, :] for each target outcome, in the order of ``targets`` (targets × interventions):
    one backward triangular solve per target, all in one call."""
    n_i, n_o = cm.n_interventions, len(cm.outcome_ids)
    if not targets:
        return np.zeros((0, n_i))
    w = np.zeros((n_o, len(targets)))
    for k, oid in enumerate(targets):
        w[cm.index[oid] - n_i, k] = 1.0
    return np.ascontiguousarray(weighted_effects(cm, w).T)


@dataclass(frozen=True)
class Programme:
    """``min c·x`` s.t. ``A x ≤ b``, ``lb ≤ x ≤ ub``, ``x[integer]`` whole."""

    c: np.ndarray
    A: sp.csr_matrix
    b: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray  # bool per column
    tags: tuple[tuple[str, str], ...]
    bands: Bands
    n_s: int
    setup_of: np.ndarray  # intervention index of each y column
    cost_full: np.ndarray  # full cost per unit of each column
    cost_public: np.ndarray  # public cost per unit of each column
    cost_objective: np.ndarray  # cost per unit in the objective's sectors
    value: np.ndarray  # objective value per unit of each column (mode b), else 0

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def volumes(self, x: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(self.bands.owner, weights=x[: self.n_s], minlength=n)


def upper_volumes(
    cm: CompiledModel, spec: Spec, bands: Bands, t_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A volume no plan needs to exceed, per intervention (the M of ``v ≤ M y``), and whether
    it is only a working guess (no capacity, resource or budget bounds it). Guesses are
    checked after solving and enlarged if a volume reaches one."""
    n = cm.n_interventions
    floor, _ = least_volumes(cm)
    m = cm.capacity.copy()
    min_mult = np.full(n, np.inf)
    np.minimum.at(min_mult, bands.owner, bands.multiplier)
    avail = np.array([_available(cm, r) for r in range(len(cm.resource_ids))])
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = cm.inputs * min_mult[:, None]
        bound = np.where(per_unit > 0, avail[None, :] / per_unit, np.inf)
        m = np.minimum(m, bound.min(axis=1, initial=np.inf))
        for key, amount in spec.budgets.items():
            mask = _sector_mask(cm, key)
            unit = (cm.inputs[:, mask] * cm.unit_cost[mask]).sum(axis=1) * min_mult
            m = np.minimum(m, np.where(unit > 0, amount / np.where(unit > 0, unit, 1), np.inf))
    guess = ~np.isfinite(m)
    if guess.any():
        reach = np.zeros(n)
        for k, amount in enumerate(spec.required()):
            with np.errstate(divide="ignore", invalid="ignore"):
                need = np.where(t_rows[k] > 0, amount / np.where(t_rows[k] > 0, t_rows[k], 1), 0.0)
            reach = np.maximum(reach, need)
        finite = m[np.isfinite(m)]
        base = max(
            1.0,
            float(finite.max()) if finite.size else 1.0,
            float(reach.max()) if reach.size else 1.0,
            float(floor.max(initial=0)),
        )
        m = np.where(guess, 4.0 * np.maximum(base, reach), m)
    m = np.maximum(m, floor)
    return m, guess


def _available(cm: CompiledModel, r: int) -> float:
    q = cm.model.resources[cm.resource_ids[r]].available
    if q is None:
        return np.inf
    from ...model.distributions import mean_of

    return float(mean_of(q))


def availability(cm: CompiledModel) -> np.ndarray:
    """``available`` of every resource (+inf when not limited), resource units per period."""
    return np.array([_available(cm, r) for r in range(len(cm.resource_ids))], dtype=float)


def _sector_mask(cm: CompiledModel, key: str) -> np.ndarray:
    """Resources whose cost counts in sector ``key`` (``full``: every resource)."""
    if key == "full":
        return np.ones(len(cm.resource_ids), dtype=bool)
    return cm.resource_sector == cm.sector_ids.index(key)


def build(cm: CompiledModel, spec: Spec, big_m: np.ndarray) -> Programme:
    """Assemble the programme (sparse) for ``spec``; ``big_m`` bounds each volume where a
    binary needs it (set-up costs, falling marginal cost)."""
    import scipy.sparse as sp

    n = cm.n_interventions
    bands = bands_of(cm)
    n_s = len(bands.owner)
    has_setup = (cm.fixed_inputs > 0).any(axis=1)
    setup_of = np.flatnonzero(has_setup)
    n_y = len(setup_of)
    # binaries for the bands of interventions whose marginal cost falls somewhere
    owner = bands.owner
    z_band = np.flatnonzero(bands.ordered[owner[:-1]] & (owner[1:] == owner[:-1])).tolist()
    n_z = len(z_band)
    n_x = n_s + n_y + n_z

    # band widths: open last bands of ordered interventions are closed at M
    width = bands.end - bands.start
    last_open = ~np.isfinite(width)
    ordered_band = bands.ordered[bands.owner]
    width = np.where(
        last_open & ordered_band, np.maximum(big_m[bands.owner] - bands.start, 0.0), width
    )

    # resource use per unit of each column: bands scale per-unit inputs, y carries fixed inputs
    use_s = sp.csr_matrix(cm.inputs[bands.owner].T * bands.multiplier[None, :])
    use_y = sp.csr_matrix(cm.fixed_inputs[setup_of].T)
    use = sp.hstack([use_s, use_y, sp.csr_matrix((len(cm.resource_ids), n_z))], format="csr")
    public = _sector_mask(cm, "public")
    unit_cost = cm.unit_cost
    cost_full = np.asarray(use.T @ unit_cost).ravel()
    cost_public = np.asarray(use.T @ (unit_cost * public)).ravel()
    cost_obj = np.asarray(use.T @ (unit_cost * spec.cost_sectors[cm.resource_sector])).ravel()

    # v = P s, as a sparse map from band columns to interventions
    P = sp.csr_matrix((np.ones(n_s), (bands.owner, np.arange(n_s))), shape=(n, n_x))

    blocks: list[sp.csr_matrix] = []
    rhs: list[np.ndarray] = []
    tags: list[tuple[str, str]] = []

    t_rows = spec.target_rows(cm)
    if spec.targets:
        blocks.append(-sp.csr_matrix(t_rows) @ P)
        rhs.append(-spec.required())
        tags.extend(("target", o) for o in spec.targets)
    avail = availability(cm)
    limited = np.flatnonzero(np.isfinite(avail))
    if limited.size:
        blocks.append(use[limited])
        rhs.append(avail[limited])
        tags.extend(("resource", cm.resource_ids[r]) for r in limited)
    for key, amount in spec.budgets.items():
        mask = _sector_mask(cm, key)
        blocks.append(sp.csr_matrix(np.asarray(use.T @ (unit_cost * mask)).ravel()[None, :]))
        rhs.append(np.array([amount], dtype=float))
        tags.append(("budget", key))
    ids = cm.intervention_ids
    capped = np.flatnonzero(np.isfinite(cm.capacity))
    if capped.size:
        blocks.append(P[capped])
        rhs.append(cm.capacity[capped])
        tags.extend([("capacity", ids[i]) for i in capped.tolist()])
    least, kept = least_volumes(cm)
    floor = np.flatnonzero(least > 0)
    if floor.size:
        blocks.append(-P[floor])
        rhs.append(-least[floor])
        tags.extend(("max_decrease" if kept[i] else "min_volume", ids[i]) for i in floor)
    if n_y:
        link = P[setup_of].tolil()
        for j, i in enumerate(setup_of):
            link[j, n_s + j] = -big_m[i]
        blocks.append(link.tocsr())
        rhs.append(np.zeros(n_y))
        tags.extend(("setup", ids[i]) for i in setup_of)
    if n_z:
        # band k full before band k+1 starts: w_k z ≤ s_k and s_{k+1} ≤ w_{k+1} z
        rows, cols, vals = [], [], []
        for j, k in enumerate(z_band):
            zc = n_s + n_y + j
            rows += [2 * j, 2 * j, 2 * j + 1, 2 * j + 1]
            cols += [zc, k, k + 1, zc]
            vals += [width[k], -1.0, 1.0, -width[k + 1]]
        blocks.append(sp.csr_matrix((vals, (rows, cols)), shape=(2 * n_z, n_x)))
        rhs.append(np.zeros(2 * n_z))
        tags.extend(("band", ids[bands.owner[k]]) for k in z_band for _ in range(2))
    A = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, n_x))
    b = np.concatenate(rhs) if rhs else np.zeros(0)

    lb = np.zeros(n_x)
    ub = np.concatenate([width, np.ones(n_y + n_z)])
    integer = np.concatenate([np.zeros(n_s, bool), np.ones(n_y + n_z, bool)])
    value = np.zeros(n_x)
    if spec.weights is not None:
        value[:n_s] = effect_rows(cm, spec.weights)[bands.owner]
    c = -value if spec.weights is not None else cost_obj
    return Programme(
        c=c,
        A=A,
        b=b,
        lb=lb,
        ub=ub,
        integer=integer,
        tags=tuple(tags),
        bands=bands,
        n_s=n_s,
        setup_of=setup_of,
        cost_full=cost_full,
        cost_public=cost_public,
        cost_objective=cost_obj,
        value=value,
    )
