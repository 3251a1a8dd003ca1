"""Monte Carlo propagation of a strategy map's uncertainty into a draws table.

**Options.** A council commissions a *volume* (places, sessions, matches), not an outcome, so
each option's volumes are fixed at the deterministic (mean) solution and the uncertainty shows
in what that commitment achieves and costs — including whether the target is reached:

- ``mode="target"`` (default): each intervention that reaches the target alone, at the volume
  that reaches it on mean effects, ``A / T̄[target, i]`` (the backwards-mapping volume);
- ``mode="spend"``: each such intervention at the volume whose mean public cost is ``spend``;
- ``mode="scenarios"``: named portfolios — the model's current volumes (``baseline``) and each
  named **decision** scenario applied to it (its volumes, and any other changes it makes).

Re-solving the volume per draw would assume the council knows the true effect before it
commissions, i.e. perfect information built into the options; it would hide outcome
uncertainty in cost and misstate the value of information.

**Beliefs are never options.** A scenario of ``kind: belief`` is another reading of the
evidence, not something the partnership can choose: it is run as a sensitivity analysis of
the same options (the same volumes, on the model with the belief applied), with the same seed
and common random numbers, and the result says whether it changes the option most likely to be
best. ``min_evidence`` re-runs the analysis on the map without its weakly evidenced links.

**Net benefit** of an option in a draw, at willingness to pay λ per unit of the target
outcome: ``λ × target reached + value of the other valued outcomes − full cost``. The draws
table stores ``effect`` (target reached) and ``cost`` = full cost − value of other outcomes,
so net benefit is ``λ × effect − cost`` and λ can vary afterwards (acceptability curve). It
also keeps, per option and draw, the hours of users' and communities' time
(``coproduction_hours``) and their cost at the drawn valuation (``coproduction_time_cost``):
net benefit is linear in the value of an hour, so the analysis can say over which hourly
valuations the answer holds.

**Costs** follow each intervention's cost curve (economies and diseconomies of scale): in the
target and spend modes an option's volume is *added* to what runs today, so its per-unit
inputs are ∫ m(x) dx from today's volume; a portfolio's volumes are whole, from 0.

**Enabling inputs.** Each link's effect carries its intervention's enabling multiplier
(:mod:`coproduce.model.enabling`). It varies by draw when an ``elasticity`` or ``floor`` is a
distribution, or when the enabling input is itself uncertain *and* its mean differs from the
declared level (then the ratio is drawn input ÷ level). An uncertain input whose mean is the
declared level counts as fully supported in every draw: uncertainty about how much support is
needed is not a shortfall.

**Propagation** is vectorised over a draw axis in chunks: per chunk, the total effect on the
target of every intervention, and the value of everything else it causes, are one backward
substitution over the map's levels (reverse topological generations) with two right-hand
sides a draw — the target alone when nothing else is valued — O(links × draws), never listing
paths. Memory is bounded by the chunk (links × chunk numbers); within a chunk the sweep runs
on slices of draws small enough for its work arrays to stay in cache, reused slice after slice.
Random numbers come in fixed stream blocks (:mod:`.uncertain`), and every sum is taken in a
fixed order, so results do not depend on the chunk size (nor on the slices).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.enabling import multiplier as enabling_multiplier
from ..model.errors import Issue, ModelError, did_you_mean
from ..model.paths import canonical_path, link_position, resolve_link_index, split_path
from ..model.scenarios import apply_scenarios, drop_weak_links
from ..model.schema import Model
from ..model.time_value import basis_of
from .costs import input_scale
from .draws import DrawsTable
from .effects import effects_to
from .uncertain import (
    EVIDENCE_CV,
    BlockSampler,
    JoinedSampler,
    UncertainQuantity,
    as_slice,
    uncertain_quantities,
)

if TYPE_CHECKING:
    from .flags import CaveatContext

MODES = ("target", "spend", "scenarios")
_LINK_BUDGET = 2**24  # default chunk: (links + nodes) × chunk numbers ≈ 128 MB per array
_EXTRA_STREAM = 1  # stream of the quantities only an extra run (a belief, min-evidence) has
# the backward sweep's work arrays hold about this many numbers (1 MiB: they stay in cache),
# on slices of at least _SWEEP_MIN_DRAWS draws (fewer passes over a large map's levels)
_SWEEP_NUMBERS = 2**17
_FEW_LINKS = 2_000  # up to this many links, a map's heights are found in one Python pass
_SWEEP_MIN_DRAWS = 1024


@dataclass(frozen=True)
class _Slot:
    """Where a drawn quantity goes in a compiled model's arrays."""

    kind: str  # link, input, fixed, unit_cost, value, elasticity, floor
    i: int
    j: int = 0
    mean: float = 0.0  # the compiled (mean) value the draw replaces


@dataclass(frozen=True)
class _EnablingTerm:
    """One enabling input of an intervention whose multiplier varies by draw: the draw rows
    of the input (−1: its mean ``actual`` is used), of the elasticity and of the floor."""

    input_row: int
    actual: float  # per unit (or per period when fixed), at the mean
    level: float  # declared
    e_row: int
    e_mean: float
    f_row: int
    f_mean: float


@dataclass(frozen=True)
class _PerDraw:
    """An intervention whose enabling multiplier varies by draw: its outgoing links, their
    effects before any multiplier (means; ``link_rows`` ≥ 0 where drawn) and its terms."""

    links: np.ndarray
    raw: np.ndarray
    link_rows: np.ndarray
    terms: tuple[_EnablingTerm, ...]


@dataclass(frozen=True, eq=False)
class _OptionModel:
    """A compiled model with its adjoint schedule and the quantities it takes from the draws."""

    cm: CompiledModel
    target: int
    slots: list[tuple[int, _Slot]]  # (row in the draws, slot) of every quantity but links'
    sweep: _Sweep
    per_draw: tuple[_PerDraw, ...] = ()
    link_draws: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    """(rows in the draws, link indices) of the drawn link effects: arrays, as a map may have
    10^5 of them."""

    def __getstate__(self) -> dict[str, Any]:
        # sent to every worker: the compiled arrays are all a chunk needs, not the model they
        # came from (for a 100k-link map, 12 MiB of pydantic objects, slow to unpickle)
        state = dict(self.__dict__)
        state["cm"] = dataclasses.replace(self.cm, model=None)  # type: ignore[arg-type]
        return state

    @cached_property
    def sweep_draws(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """For the sweep's links in its order: the draw row of each effect (−1: not drawn),
        the enabling multiplier at the means (None: all 1) and the compiled effect."""
        cm, links = self.cm, self.sweep.links
        rows, idx, _ = self.rows_of("link")
        row_of = np.full(len(cm.link_effect), -1, dtype=np.int64)
        row_of[idx] = rows
        mult: np.ndarray | None = cm.link_multiplier.take(links)
        if np.all(mult == 1.0):  # x × 1 is x: no pass over the draws
            mult = None
        return row_of.take(links), mult, cm.link_effect.take(links)

    @cached_property
    def drawn_rows(self) -> dict[int, slice]:
        """By the first link of a generation of the sweep: the rows of the draws its links'
        effects are in, when every one is drawn and they follow one another (a view)."""
        drawn = self.sweep_draws[0]
        out = {}
        for a, b, _, _, _ in self.sweep.steps:
            view = as_slice(drawn[a:b])
            if view is not None and drawn[a] >= 0:
                out[a] = view
        return out

    @cached_property
    def input_slots(self) -> list[tuple[int, _Slot]]:
        return [(r, s) for r, s in self.slots if s.kind in ("input", "fixed")]

    def rows_of(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(draw rows, array indices, means) of the slots of one kind, for fancy indexing."""
        cached = self.__dict__.setdefault("_by_kind", {})
        if kind == "link" and kind not in cached:
            rows, idx = self.link_draws
            cached[kind] = (rows, idx, self.cm.link_effect[idx])
        if kind not in cached:
            sel = [(r, s.i, s.mean) for r, s in self.slots if s.kind == kind]
            cached[kind] = (
                np.array([r for r, _, _ in sel], dtype=np.int64),
                np.array([i for _, i, _ in sel], dtype=np.int64),
                np.array([m for _, _, m in sel], dtype=float),
            )
        return cached[kind]


def _path_by_index(model: Model, path: str) -> str:
    """The path as :func:`quantity_paths` writes it (links by position)."""
    if path.startswith("links"):
        parts = split_path(path)
        return f"links[{resolve_link_index(model.links, parts[1], path)}].effect"
    return ".".join(str(p) for p in split_path(path))


def _slot(cm: CompiledModel, path: str) -> _Slot:
    model = cm.model
    k = link_position(path)
    if k is not None:
        return _Slot("link", k, 0, float(cm.link_effect[k]))
    parts = split_path(path)
    r_index = {r: k for k, r in enumerate(cm.resource_ids)}
    if parts[0] == "links":
        k = resolve_link_index(model.links, parts[1], path)
        return _Slot("link", k, 0, float(cm.link_effect[k]))
    if parts[0] == "resources":
        r = r_index[parts[1]]  # type: ignore[index]
        return _Slot("unit_cost", r, 0, float(cm.unit_cost[r]))
    if parts[0] == "interventions":
        i, r = cm.index[parts[1]], r_index[parts[3]]  # type: ignore[index]
        if parts[2] == "enabling":  # interventions.ID.enabling.R.elasticity | .floor
            e = next(t for t in cm.enabling if t[0] == i and t[1] == r)
            return _Slot(str(parts[4]), i, r, e[4] if parts[4] == "elasticity" else e[5])
        if parts[2] == "inputs":
            return _Slot("input", i, r, float(cm.inputs[i, r]))
        return _Slot("fixed", i, r, float(cm.fixed_inputs[i, r]))
    o = cm.index[parts[1]] - cm.n_interventions  # type: ignore[index]  # outcomes.ID.value...
    if parts[3] == "fiscal":
        mean = float(cm.value_fiscal[o, cm.agency_ids.index(parts[4])])
    else:
        mean = float(cm.value_economic[o] if parts[3] == "economic" else cm.value_social[o])
    return _Slot("value", o, 0, mean)


def _heights(cm: CompiledModel) -> np.ndarray:
    """Each node's height: 0 with no outgoing link, else 1 + the highest of its links' ends."""
    n, src, dst = cm.n_nodes, cm.link_src, cm.link_dst
    if len(src) <= _FEW_LINKS and bool(np.all(src < dst)):
        # nodes are numbered topologically (every link points forward): one pass from the
        # last node back, in Python, is quicker than whole-array passes for a small map
        height = [0] * n
        order = np.argsort(src, kind="stable")[::-1]
        for s, d in zip(src[order].tolist(), dst[order].tolist(), strict=True):
            height[s] = max(height[s], height[d] + 1)
        return np.array(height, dtype=np.int64)
    h = np.zeros(n, dtype=np.int64)
    while True:  # one whole-array pass per level of the map
        new = np.zeros(n, dtype=np.int64)
        if len(src):
            np.maximum.at(new, src, h[dst] + 1)
        if np.array_equal(new, h):
            return h
        h = new


def _generations(cm: CompiledModel) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Reverse-topological generations: height 0 = no outgoing link; a node of height h has
    all its links' ends at heights < h, so one generation is one vectorised step. Per
    generation: its links by start (then file order), where each start's links begin, and
    the starts."""
    h = _heights(cm)
    src = cm.link_src
    link_h = h[src]
    order = np.lexsort((src, link_h))  # by height, then start; stable: then file order
    src_by = src[order]
    h_by = link_h[order]
    first = np.ones(len(order), dtype=bool)  # where a start's links begin
    first[1:] = (src_by[1:] != src_by[:-1]) | (h_by[1:] != h_by[:-1])
    node_at = np.flatnonzero(first)
    top = int(h.max(initial=0))
    bounds = np.searchsorted(h_by, np.arange(1, top + 2)).tolist()  # generation g: links
    node_bounds = np.searchsorted(node_at, bounds).tolist()
    out = []
    for g in range(top):
        lo, hi = bounds[g], bounds[g + 1]
        begins = node_at[node_bounds[g] : node_bounds[g + 1]]
        out.append((order[lo:hi], begins - lo, src_by[begins]))
    return out


@dataclass(frozen=True)
class _Sweep:
    """The backward sweep over a map's generations (:func:`_generations`), laid out for
    whole-array steps: nodes renumbered by height (``at[node]``), so that the nodes a
    generation's links start from are one slice; its links one slice of ``links``, with
    their ends' new numbers (``ends``) and where each start's links begin (``starts``; None
    when every node of the generation has one link: no sum to take)."""

    at: np.ndarray  # node -> place in the sweep's order
    links: np.ndarray  # links, generation by generation, by start
    ends: np.ndarray  # place of each of those links' end
    steps: tuple[
        tuple[int, int, int, int, np.ndarray | None], ...
    ]  # (links a:b, nodes c:d, starts)

    @cached_property
    def end_rows(self) -> list[slice | None]:
        """Per generation: its links' ends as a slice of the sweep's order when they follow
        one another (read as a view), else None (gathered)."""
        return [as_slice(self.ends[a:b]) for a, b, _, _, _ in self.steps]

    @cached_property
    def adders(self) -> list[Any]:
        """Per generation (None: one link a node): how to add each node's links up exactly as
        numpy's ``add.reduceat`` does — its first link plus the sum of the others, summed one
        after another when there are fewer than 8 of them (pairwise, 8 at a time, from 8 on)
        — but several times faster over rows of draws: a sparse 0/1 matrix (starts × links)
        adds the others of the nodes with at most 8 links, in link order; the few nodes with
        more keep ``add.reduceat`` on their own links. Returns (matrix, nodes with more,
        their links, where each of them starts among those)."""
        import scipy.sparse as sp

        out: list[Any] = []
        for a, b, c, d, starts in self.steps:
            if starts is None:
                out.append(None)
                continue
            count = np.diff(np.append(starts, b - a))  # links of each node
            long = count > 8
            later = np.ones(b - a, dtype=bool)
            later[starts] = False  # a node's first link is added to the others' sum
            later[np.repeat(long, count)] = False  # and the longer sums by reduceat
            rest = np.where(long, 0, count - 1)
            indptr = np.concatenate([[0], np.cumsum(rest)])
            adder = sp.csr_array(
                (np.ones(int(indptr[-1])), np.flatnonzero(later), indptr), shape=(d - c, b - a)
            )
            long_nodes = np.flatnonzero(long)
            long_links = np.flatnonzero(np.repeat(long, count))
            long_starts = np.concatenate([[0], np.cumsum(count[long])[:-1]]).astype(np.int64)
            out.append((adder, long_nodes, long_links, long_starts))
        return out


def _sweep(cm: CompiledModel) -> _Sweep:
    gens = _generations(cm)
    in_gen = np.zeros(cm.n_nodes, dtype=bool)
    for _, _, srcs in gens:
        in_gen[srcs] = True
    order = np.concatenate([np.flatnonzero(~in_gen), *(srcs for _, _, srcs in gens)])
    at = np.empty(cm.n_nodes, dtype=np.int64)
    at[order] = np.arange(cm.n_nodes)
    links = np.concatenate([lk for lk, _, _ in gens]) if gens else np.zeros(0, np.int64)
    steps = []
    lo, node = 0, int((~in_gen).sum())
    for lk, starts, srcs in gens:
        steps.append(
            (lo, lo + len(lk), node, node + len(srcs), None if len(srcs) == len(lk) else starts)
        )
        lo += len(lk)
        node += len(srcs)
    return _Sweep(at, links, at[cm.link_dst[links]], tuple(steps))


class _SweepWork:
    """Work arrays of the backward sweep for slices of up to ``width`` draws, reused from
    slice to slice: fresh ones would cost a page fault per 4 KiB, slice after slice."""

    def __init__(self, sweep: _Sweep, n_nodes: int, sides: int, width: int) -> None:
        widest = max((b - a for a, b, _, _, _ in sweep.steps), default=0)
        self.lead = (n_nodes, 2) if sides == 2 else (n_nodes,)
        self.mid = (2,) if sides == 2 else ()
        self.widest = widest
        self._rhs = np.empty(n_nodes * sides * width)
        self._products = np.empty(widest * sides * width)
        self._effects = np.empty(widest * width)

    def rhs(self, m: int) -> np.ndarray:
        """Zeros, nodes × (sides ×) ``m`` draws."""
        out = self._rhs[: math.prod(self.lead) * m].reshape(*self.lead, m)
        out.fill(0.0)
        return out

    def scratch(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The products (links × (sides ×) ``m``) and effects (links × ``m``) arrays."""
        size = self.widest * math.prod(self.mid) * m
        return (
            self._products[:size].reshape(self.widest, *self.mid, m),
            self._effects[: self.widest * m].reshape(self.widest, m),
        )


def _backward(
    sweep: _Sweep,
    effect: Callable[[int, int, np.ndarray], np.ndarray],
    rhs: np.ndarray,
    work: _SweepWork | None = None,
) -> None:
    """x = (I − A)^-T rhs for every draw, in place: ``rhs`` (nodes in sweep order × ...
    draws) becomes x; ``effect(a, b, out)`` gives the effects of the sweep's links a:b (links
    × draws), in ``out`` or a view. Each generation adds its links' effect × their end's x to
    their start's x, in link order (the sums do not depend on how many draws are taken
    together). ``work``: the scratch arrays to use (else made here)."""
    x = rhs
    wide = x.ndim == 3  # several right-hand sides (target, value) for each draw
    # one scratch array for every generation's products and one for its effects: fresh
    # arrays of draws would cost a page fault per 4 KiB, generation after generation
    if work is not None:
        products, effects = work.scratch(x.shape[-1])
    else:
        widest = max((b - a for a, b, _, _, _ in sweep.steps), default=0)
        products = np.empty((widest, *x.shape[1:]))
        effects = np.empty((widest, x.shape[-1]))
    for (a, b, c, d, starts), adder, ends in zip(
        sweep.steps, sweep.adders, sweep.end_rows, strict=True
    ):
        contrib = products[: b - a]
        eff = effect(a, b, effects[: b - a])
        by = eff[:, None, :] if wide else eff
        if ends is not None:  # the ends follow one another: their product straight in place
            np.multiply(x[ends], by, out=contrib)
        else:
            x.take(sweep.ends[a:b], axis=0, out=contrib, mode="clip")  # clip: unbuffered
            contrib *= by
        if adder is None:  # one link from each node: nothing to add up
            x[c:d] += contrib
        else:  # each node's first link + the sum of its others, as add.reduceat gives it
            matrix, long_nodes, long_links, long_starts = adder
            total = (matrix @ contrib.reshape(b - a, -1)).reshape(d - c, *x.shape[1:])
            total += contrib.take(starts, axis=0)  # type: ignore[arg-type]
            if len(long_nodes):
                total[long_nodes] = np.add.reduceat(
                    contrib.take(long_links, axis=0), long_starts, axis=0
                )
            x[c:d] += total


def _per_draw_enabling(
    cm: CompiledModel, slots: list[tuple[int, _Slot]], link_draws: tuple[np.ndarray, np.ndarray]
) -> tuple[_PerDraw, ...]:
    """The interventions whose enabling multiplier varies by draw (see the module docstring);
    the others keep the multiplier at the means that ``cm.link_effect`` already carries."""
    if not cm.enabling:
        return ()
    row_of = {
        (s.kind, s.i, s.j): row
        for row, s in slots
        if s.kind in ("input", "fixed", "elasticity", "floor")
    }
    link_row = dict(zip(link_draws[1].tolist(), link_draws[0].tolist(), strict=True))
    terms: dict[int, list[_EnablingTerm]] = {}
    varies: set[int] = set()
    for i, r, fixed_input, level, e_mean, f_mean in cm.enabling:
        actual = float(cm.fixed_inputs[i, r] if fixed_input else cm.inputs[i, r])
        in_row = row_of.get(("fixed" if fixed_input else "input", i, r), -1)
        # an uncertain input whose mean is the declared level is fully supported in every
        # draw: uncertainty about how much support is needed is not a shortfall (levels
        # filled in at load keep 12 significant figures, hence the tolerance)
        full = (
            level <= 0 or actual >= level or math.isclose(actual, level, rel_tol=1e-9, abs_tol=0.0)
        )
        if in_row >= 0 and full:
            in_row = -1
        if in_row < 0 and full:
            continue  # the multiplier of this input is 1 in every draw
        t = _EnablingTerm(
            in_row,
            actual,
            level,
            row_of.get(("elasticity", i, r), -1),
            e_mean,
            row_of.get(("floor", i, r), -1),
            f_mean,
        )
        terms.setdefault(i, []).append(t)
        if t.input_row >= 0 or t.e_row >= 0 or t.f_row >= 0:
            varies.add(i)
    out = []
    model = cm.model
    for i in sorted(varies):
        links = np.flatnonzero(cm.link_src == i)
        raw = np.array([float(mean_of(model.links[k].effect)) for k in links], dtype=float)
        rows = np.array([link_row.get(int(k), -1) for k in links], dtype=np.int64)
        out.append(_PerDraw(links, raw, rows, tuple(terms[i])))
    return tuple(out)


def _option_model(model: Model, target: str, slots_of: list[tuple[str, int]]) -> _OptionModel:
    """``slots_of``: (path, draw row) of each uncertain quantity of ``model``."""
    cm = compile_model(model)
    slots = []
    link_rows, link_idx = [], []
    for path, row in slots_of:
        k = link_position(path)  # 'links[k].effect': most quantities of a large map
        if k is None:
            sl = _slot(cm, path)
            if sl.kind != "link":
                slots.append((row, sl))
                continue
            k = sl.i
        link_rows.append(row)
        link_idx.append(k)
    draws = (np.array(link_rows, dtype=np.int64), np.array(link_idx, dtype=np.int64))
    return _OptionModel(
        cm,
        cm.index[target],
        slots,
        _sweep(cm),
        _per_draw_enabling(cm, slots, draws),
        draws,
    )


@dataclass(frozen=True)
class Option:
    """A decision option: a name, the model it runs on, its volume per intervention, and
    ``scale``: what each intervention's per-unit inputs are multiplied by (the volume on a
    straight line; ∫ m(x) dx along a cost curve; None: the volume)."""

    name: str
    model_index: int
    volumes: np.ndarray
    scale: np.ndarray | None = None

    @property
    def input_scale(self) -> np.ndarray:
        return self.volumes if self.scale is None else self.scale


def _volume_for_scale(cm: CompiledModel, i: int, s: float, above: float) -> float:
    """The volume added above ``above`` whose per-unit inputs come to ``s`` units along
    intervention ``i``'s cost curve (inverse of :func:`input_scale`); inf if none does."""
    curve = cm.cost_curves[i] if cm.cost_curves else None
    if curve is None:
        return s
    ends, mults = curve
    starts = np.concatenate([[0.0], ends[:-1]])
    left = s
    for lo, hi, m in zip(starts, ends, mults, strict=True):
        if hi <= above:
            continue
        lo = max(lo, above)
        room = (hi - lo) * m
        if left <= room and m > 0:
            return float(lo + left / m - above)
        left -= room
    return math.inf


def _options(
    cms: list[CompiledModel],
    target: str,
    amount: float,
    mode: str,
    spend: float | None,
    names: Sequence[str],
    t_bar: np.ndarray | None = None,
) -> tuple[list[Option], list[dict]]:
    """The options, and notes on the interventions left out or marked, structured
    (``{kind, intervention, ...}``: :func:`coproduce.presentation.words.simulation_note`
    says them). ``t_bar``: each intervention's total effect on ``target`` at the means
    (target units per unit), when already known."""
    notes: list[dict] = []
    if mode == "scenarios":  # whole portfolios: per-unit inputs along any curve from 0
        return [
            Option(name, k, cms[k].volume.copy(), input_scale(cms[k], cms[k].volume))
            for k, name in enumerate(names)
        ], notes
    cm = cms[0]
    if t_bar is None:
        t_bar = effects_to(cm, cm.index[target])[: cm.n_interventions]
    opts = []
    public = cm.resource_sector == cm.public_sector
    for i, iid in enumerate(cm.intervention_ids):
        if t_bar[i] <= 0:
            notes.append(
                {
                    "kind": "no_effect",
                    "intervention": iid,
                    "outcome": target,
                    "total_effect": float(t_bar[i]),
                }
            )
            continue
        v = np.zeros(cm.n_interventions)
        if mode == "target":
            v[i] = amount / t_bar[i]
        else:
            per_unit = float((cm.inputs[i] * cm.unit_cost)[public].sum())
            fixed = float((cm.fixed_inputs[i] * cm.unit_cost)[public].sum())
            if per_unit <= 0 or spend is None or spend <= fixed:
                notes.append(
                    {"kind": "no_public_cost", "intervention": iid}
                    if per_unit <= 0
                    else {
                        "kind": "fixed_cost_exceeds_spend",
                        "intervention": iid,
                        "fixed": fixed,
                        "currency": cm.model.currency,
                    }
                )
                continue
            # the volume whose per-unit inputs, added to today's along any cost curve, cost
            # the spend (on a straight line: (spend − fixed) / per_unit)
            v[i] = _volume_for_scale(cm, i, (spend - fixed) / per_unit, float(cm.volume[i]))
            if not math.isfinite(v[i]):
                notes.append({"kind": "curve_never_reaches", "intervention": iid})
                continue
        if v[i] > cm.capacity[i]:
            notes.append(
                {
                    "kind": "over_capacity",
                    "intervention": iid,
                    "volume": float(v[i]),
                    "capacity": float(cm.capacity[i]),
                    "unit": cm.model.interventions[iid].unit or "unit",
                }
            )
        # added to what runs today: per-unit inputs along the cost curve from today's volume
        opts.append(Option(iid, 0, v, input_scale(cm, v, cm.volume)))
    return opts, notes


def _groups(model: Model, names: list[str]) -> dict[str, tuple[str, ...]]:
    """Named groups of inputs analysed together: all uncertain inputs of one intervention,
    and the valuation of co-production time (unit costs of resources in co-production
    sectors)."""
    groups: dict[str, tuple[str, ...]] = {}
    # each name under its intervention, in one pass over the names (a map has tens of
    # thousands of link names, none under an intervention); ids have no dot in them
    members: dict[str, list[str]] = {iid: [] for iid in model.interventions}
    head = "interventions."
    for n in names:
        if n.startswith(head):
            iid = n[len(head) :].partition(".")[0]
            if iid in members:
                members[iid].append(n)
    for iid, found in members.items():
        if len(found) >= 2:
            groups[f"all inputs of {iid}"] = tuple(found)
    coprod = {s for s, sec in model.sectors.items() if sec.coproduction}
    valuations = tuple(
        n
        for n in names
        if n.startswith("resources.")
        and n.endswith(".unit_cost")
        and model.resources[n.split(".")[1]].sector in coprod
    )
    if len(valuations) >= 2:
        groups["valuation of co-production time"] = valuations
    return groups


class ChunkRunner(Protocol):
    """Where chunks of draws run (see :mod:`coproduce.scale.executors`): ``map(fn, shared,
    items)`` calls ``fn(shared, item)`` for each item, anywhere, and yields ``(item, result)``
    pairs as they complete, in any order. ``shared`` is sent to each worker once."""

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]
    ) -> Iterable[tuple[Any, Any]]: ...


def _run_chunk(sim: Simulation, span: tuple[int, int]) -> dict[str, np.ndarray]:
    return sim.run_chunk(*span)


@dataclass(frozen=True, eq=False)
class Simulation:
    """A prepared Monte Carlo run: everything needed to propagate any range of draws, so that
    chunks can be computed in any order, in any process, and assembled into the same
    :class:`DrawsTable`, bit for bit. Made by :func:`prepare_simulation`; picklable."""

    sampler: BlockSampler | JoinedSampler
    option_models: tuple[_OptionModel, ...]
    options: tuple[Option, ...]
    labels: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    draws: int
    step: int
    keep_inputs: bool
    meta: dict[str, Any]

    @property
    def sectors(self) -> tuple[str, ...]:
        return self.option_models[0].cm.sector_ids

    def chunks(self) -> list[tuple[int, int]]:
        """The (start, stop) draw ranges of the run; each a whole number of stream blocks."""
        return [(a, min(self.draws, a + self.step)) for a in range(0, self.draws, self.step)]

    def run_chunk(
        self, start: int, stop: int, x: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Draws ``start`` to ``stop - 1``: arrays of shape (draws × options) named
        ``effect``, ``cost_full``, ``cost_public``, ``value_other``, ``cost_sector_S``,
        ``coproduction_hours``, ``coproduction_time_cost``, and ``inputs`` (draws × uncertain
        quantities, empty without ``keep_inputs``). ``x``: the sampler's draws for that range,
        when already made."""
        if x is None:
            x = self.sampler.draws(start, stop)
        n_opt = len(self.options)
        # zeros: a column that stays 0 (a sector with no resources, no co-production) is
        # never written, and its pages are never touched unless someone reads them
        out = {k: np.zeros((stop - start, n_opt)) for k in _columns(self.sectors)}
        for om_index, om in enumerate(self.option_models):
            mine = [j for j, o in enumerate(self.options) if o.model_index == om_index]
            if len(mine) == n_opt:  # every option on this model: written straight in place
                into = {key: arr.T for key, arr in out.items()}
                _propagate(om, x, list(self.options), self.sectors, into, zeroed=True)
            elif mine:
                res = _propagate(om, x, [self.options[j] for j in mine], self.sectors)
                for key, arr in res.items():
                    out[key][:, mine] = arr.T
        n_in = len(self.labels) if self.keep_inputs else 0
        # an extra run's own quantities (rows after the main run's) are not inputs of its table
        out["inputs"] = x[:n_in].T if self.keep_inputs else np.empty((stop - start, 0))
        return out

    def run(
        self,
        executor: ChunkRunner | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> DrawsTable:
        """Every chunk, in this process or on ``executor``, assembled into the draws table.
        Each chunk's numbers do not depend on where it ran, so neither does the table."""
        chunks = self.chunks()
        if executor is None and len(chunks) == 1:  # one chunk here: its arrays are the table's
            ((start, stop),) = chunks
            whole = self.run_chunk(start, stop)
            if progress is not None:
                progress(stop - start, self.draws)
            return self._table(whole, owned=True)
        out = self._buffers()
        parts: Iterable[tuple[Any, Any]] = (
            ((span, _run_chunk(self, span)) for span in chunks)
            if executor is None
            else executor.map(_run_chunk, self, chunks)
        )
        done = 0
        for (start, stop), part in parts:
            for key, arr in part.items():
                out[key][start:stop] = arr
            done += stop - start
            if progress is not None:
                progress(done, self.draws)
        return self._table(out, owned=True)

    def _buffers(self) -> dict[str, np.ndarray]:
        """Whole-run arrays for the chunks to fill (the keys :meth:`run_chunk` returns); the
        inputs (draws × quantities) are a transposed view of a (quantities × draws) array,
        the layout the inputs frame keeps, so a chunk's rows of draws are copied whole."""
        out = {k: np.empty((self.draws, len(self.options))) for k in _columns(self.sectors)}
        out["inputs"] = np.empty((len(self.labels) if self.keep_inputs else 0, self.draws)).T
        return out

    def assemble(self, out: dict[str, np.ndarray]) -> DrawsTable:
        """The draws table from whole-run arrays (the keys :meth:`run_chunk` returns)."""
        return self._table(out, owned=False)

    def _table(self, out: dict[str, np.ndarray], owned: bool) -> DrawsTable:
        """:meth:`assemble`; ``owned``: the arrays are this run's own, so the inputs frame
        may hold them without a copy when they are already in its layout."""
        import pandas as pd  # loaded on first use: `import coproduce` stays quick

        cost = out["cost_full"] - out["value_other"]
        extra = {k: v for k, v in out.items() if k not in ("effect", "inputs")}
        values = out["inputs"]
        # pandas copies an array into a (quantities × draws) C-ordered block; one already in
        # that layout is the same block, so ours is kept as it is (the frame is the same)
        keep = owned and values.shape[1] > 0 and values.T.flags.c_contiguous
        inputs = pd.DataFrame(
            values,
            columns=list(self.labels) if self.keep_inputs else [],
            copy=False if keep else None,
        )
        return DrawsTable(
            options=tuple(o.name for o in self.options),
            effect=out["effect"],
            cost=cost,
            extra=extra,
            inputs=inputs,
            groups=self.groups if self.keep_inputs else {},
            meta=dict(self.meta),
        )


def _columns(sectors: tuple[str, ...]) -> list[str]:
    return [
        "effect",
        "cost_full",
        "cost_public",
        "value_other",
        *(f"cost_sector_{s}" for s in sectors),
        "coproduction_hours",
        "coproduction_time_cost",
    ]


# ----- preparing runs ----------------------------------------------------------------------


def _check_request(
    model: Model,
    outcome: str,
    amount: float,
    mode: str,
    draws: int,
    spend: float | None,
    evidence_cv: Mapping[int, float],
    min_evidence: int | None,
) -> None:
    issues = []
    if outcome not in model.outcomes:
        issues.append(
            Issue("target", f"unknown outcome '{outcome}'" + did_you_mean(outcome, model.outcomes))
        )
    if mode not in MODES:
        issues.append(Issue("mode", f"unknown mode '{mode}'; use one of {', '.join(MODES)}"))
    if not np.isfinite(amount) or amount <= 0:
        issues.append(Issue("target", f"the target amount must be positive, got {amount}"))
    if draws < 2:
        issues.append(Issue("draws", f"need at least 2 draws, got {draws}"))
    if mode == "spend" and (spend is None or not np.isfinite(spend) or spend <= 0):
        issues.append(Issue("spend", "mode 'spend' needs a positive public spend per option"))
    if set(evidence_cv) != set(EVIDENCE_CV) or any(v < 0 for v in evidence_cv.values()):
        issues.append(
            Issue(
                "evidence_cv",
                "give a non-negative coefficient of variation for each evidence grade 1 to 5",
            )
        )
    if min_evidence is not None and not 1 <= min_evidence <= 5:
        issues.append(Issue("min_evidence", f"an evidence grade is 1 to 5 (got {min_evidence})"))
    if issues:
        raise ModelError(issues)


def is_belief(model: Model, name: str) -> bool:
    """True for a scenario of ``kind: belief`` (unset counts as a decision)."""
    sc = model.scenarios.get(name)
    return sc is not None and sc.kind == "belief"


def belief_names(model: Model, beliefs: Sequence[str] | None = None) -> list[str]:
    """The belief scenarios to run as sensitivity analyses: ``None`` every belief of the
    model, in file order; else those named (each must be a belief)."""
    if beliefs is None:
        return [name for name in model.scenarios if is_belief(model, name)]
    issues = []
    for name in beliefs:
        if name not in model.scenarios:
            issues.append(
                Issue(
                    "beliefs",
                    f"unknown scenario '{name}'" + did_you_mean(name, list(model.scenarios)),
                )
            )
        elif not is_belief(model, name):
            issues.append(
                Issue(
                    "beliefs",
                    f"'{name}' is a decision, not a belief: compare "
                    "it as an option (mode 'scenarios')",
                )
            )
    if issues:
        raise ModelError(issues)
    return list(dict.fromkeys(beliefs))


def _decisions(
    model: Model, mode: str, scenarios: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """The decision scenarios compared as portfolios (mode ``scenarios``) and their option
    names (``baseline`` first). A belief asked for as an option is bad input."""
    if mode != "scenarios":
        return [], []
    if scenarios:
        chosen = list(scenarios)
        beliefs = [s for s in chosen if is_belief(model, s)]
        if beliefs:
            raise ModelError(
                [
                    Issue(
                        "scenarios",
                        f"'{b}' is a belief (another reading of the "
                        "evidence), not a decision: it cannot be an option; use "
                        "it as a sensitivity analysis (every belief of the model "
                        "is run as one)",
                    )
                    for b in beliefs
                ]
            )
    else:
        chosen = [s for s in model.scenarios if not is_belief(model, s)]
        if not chosen:
            why = (
                "its scenarios are all beliefs, which are sensitivity analyses, not options; "
                if model.scenarios
                else ""
            )
            raise ModelError(
                [
                    Issue(
                        "scenarios",
                        "the model defines no decision scenarios to "
                        f"compare; {why}add a scenario of kind decision or use "
                        "mode 'target'",
                    )
                ]
            )
    return chosen, ["baseline", *chosen]


@dataclass
class _Quantities:
    """The uncertain quantities of a run: ``items`` in draw-row order, each model's (path,
    row) pairs, and the rows by (canonical path, distribution, sign) for matching the
    quantities of extra runs (whose links may sit at other positions)."""

    items: list[UncertainQuantity] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    per_model: list[list[tuple[str, int]]] = field(default_factory=list)
    by_label: dict[tuple, int] = field(default_factory=dict)


def _gather(
    models: list[Model], names: list[str], evidence_priors: bool, evidence_cv: Mapping[int, float]
) -> _Quantities:
    """The union of uncertain quantities over the option models, keyed by (path,
    distribution): a quantity a scenario leaves unchanged shares its draws."""
    q = _Quantities()
    rows: dict[tuple, int] = {}
    seen: set[str] = set()
    for k, m in enumerate(models):
        mine = []
        for u in uncertain_quantities(m, evidence_priors, evidence_cv):
            label = canonical_path(m, u.path)
            key = u.key  # hashed once or twice, not four times (10^5 distributions)
            row = rows.get(key)
            if row is None:
                row = rows[key] = len(q.items)
                q.items.append(u)
                q.labels.append(label if k == 0 or label not in seen else f"{label} [{names[k]}]")
                seen.add(q.labels[-1])
            q.by_label.setdefault((label, u.dist, u.sign), row)
            mine.append((u.path, row))
        q.per_model.append(mine)
    return q


def _gather_against(
    models: list[Model], base: _Quantities, evidence_priors: bool, evidence_cv: Mapping[int, float]
) -> tuple[list[UncertainQuantity], list[list[tuple[str, int]]]]:
    """An extra run's quantities: those the main run has (same quantity, same distribution)
    take its rows; the others (``extra``) get rows after them."""
    extra: list[UncertainQuantity] = []
    extra_rows: dict[tuple, int] = {}
    n_base = len(base.items)
    per_model = []
    for m in models:
        mine = []
        for u in uncertain_quantities(m, evidence_priors, evidence_cv):
            key = (canonical_path(m, u.path), u.dist, u.sign)
            row = base.by_label.get(key)
            if row is None:
                if key not in extra_rows:
                    extra_rows[key] = n_base + len(extra)
                    extra.append(u)
                row = extra_rows[key]
            mine.append((u.path, row))
        per_model.append(mine)
    return extra, per_model


def _step(oms: list[_OptionModel], block: int, chunk: int | None) -> int:
    biggest = max(len(om.cm.link_src) + om.cm.n_nodes for om in oms)
    step = chunk or max(_LINK_BUDGET // max(biggest, 1), 1)
    return max(block, (step // block) * block)


def _caveats(
    oms: list[_OptionModel],
    options: Sequence[Option],
    outcome: str,
    contexts: dict[int, CaveatContext] | None = None,
) -> dict[str, dict]:
    """Each option's flags (engine/flags.py) for its volumes on its own model, with its
    resource use along any cost curve. ``contexts``: by model, those already made."""
    from .flags import CaveatContext

    contexts = {} if contexts is None else contexts
    out = {}
    for o in options:
        cm = oms[o.model_index].cm
        if o.model_index not in contexts:
            contexts[o.model_index] = CaveatContext(cm, [outcome])
        ctx = contexts[o.model_index]
        qty = (
            cm.inputs * o.input_scale[:, None]
            + cm.fixed_inputs * (o.volumes > 0).astype(float)[:, None]
        )
        out[o.name] = ctx.for_volumes(o.volumes, quantities=qty).to_dict()
    return out


def _remap(
    options: Sequence[Option], source: list[CompiledModel], dest: list[CompiledModel], mode: str
) -> tuple[list[Option], list[dict]]:
    """The same options (volumes by intervention id) on other compiled models."""
    notes = []
    out = []
    for o in options:
        a, b = source[o.model_index], dest[o.model_index]
        v = np.zeros(b.n_interventions)
        for iid, x in zip(a.intervention_ids, o.volumes, strict=True):
            if x == 0:
                continue
            if iid in b.index:
                v[b.index[iid]] = x
            else:
                notes.append({"kind": "not_in_model", "intervention": iid, "option": o.name})
        out.append(
            Option(
                o.name,
                o.model_index,
                v,
                input_scale(b, v, None if mode == "scenarios" else b.volume),
            )
        )
    return out, notes


def _simulation(
    sampler: BlockSampler | JoinedSampler,
    oms: list[_OptionModel],
    options: Sequence[Option],
    labels: list[str],
    groups: dict,
    draws: int,
    chunk: int | None,
    keep_inputs: bool,
    meta: dict,
) -> Simulation:
    return Simulation(
        sampler=sampler,
        option_models=tuple(oms),
        options=tuple(options),
        labels=tuple(labels),
        groups=groups if keep_inputs else {},
        draws=draws,
        step=_step(oms, sampler.block, chunk),
        keep_inputs=keep_inputs,
        meta=meta,
    )


@dataclass(frozen=True, eq=False)
class Runs:
    """The main run and the extra runs made with it: each belief (a sensitivity analysis of
    the same options) and the map without its weakly evidenced links (``min_evidence``).
    ``evidence`` holds what the min-evidence rerun left out (grade, links dropped) and, when
    it could not run, why."""

    main: Simulation
    beliefs: dict[str, Simulation] = field(default_factory=dict)
    min_evidence: Simulation | None = None

    @property
    def all(self) -> list[Simulation]:
        return [
            self.main,
            *self.beliefs.values(),
            *([self.min_evidence] if self.min_evidence is not None else []),
        ]

    def run_chunk(self, start: int, stop: int) -> list[dict[str, np.ndarray]]:
        """Draws ``start`` to ``stop - 1`` of every run (as :meth:`Simulation.run_chunk`), in
        the order of :attr:`all`: the main run's draws are made once and shared."""
        x = self.main.sampler.draws(start, stop)
        out = [self.main.run_chunk(start, stop, x)]
        for sim in self.all[1:]:
            # an extra run's own quantities come after the main run's (JoinedSampler)
            xs = (
                np.concatenate([x, sim.sampler.second.draws(start, stop)])
                if isinstance(sim.sampler, JoinedSampler)
                else x
            )
            out.append(sim.run_chunk(start, stop, xs))
        return out

    def run(
        self,
        executor: ChunkRunner | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> DrawsTable:
        """Every run, chunk by chunk (one task per chunk computes all the runs, so each is
        bit-reproducible wherever it ran): the main draws table, with the extra runs' tables
        attached (``beliefs``, ``min_evidence``). ``progress(done, total)`` counts draws."""
        sims = self.all
        if len(sims) == 1:
            return self.main.run(executor, progress)
        outs = [sim._buffers() for sim in sims]
        chunks = self.main.chunks()
        parts: Iterable[tuple[Any, Any]] = (
            ((span, _run_all_chunk(self, span)) for span in chunks)
            if executor is None
            else executor.map(_run_all_chunk, self, chunks)
        )
        done = 0
        for (start, stop), per_run in parts:
            for out, part in zip(outs, per_run, strict=True):
                for key, arr in part.items():
                    out[key][start:stop] = arr
            done += stop - start
            if progress is not None:
                progress(done, self.main.draws)
        tables = [sim._table(out, owned=True) for sim, out in zip(sims, outs, strict=True)]
        beliefs = dict(zip(self.beliefs, tables[1 : 1 + len(self.beliefs)], strict=True))
        evidence = tables[-1] if self.min_evidence is not None else None
        return dataclasses.replace(tables[0], beliefs=beliefs, min_evidence=evidence)


def _run_all_chunk(runs: Runs, span: tuple[int, int]) -> list[dict[str, np.ndarray]]:
    return runs.run_chunk(*span)


def prepare_runs(
    model: Model,
    target: tuple[str, float],
    draws: int = 10_000,
    seed: int = 1,
    *,
    mode: str = "target",
    spend: float | None = None,
    scenarios: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] = EVIDENCE_CV,
    chunk: int | None = None,
    keep_inputs: bool = True,
    beliefs: Sequence[str] | None = None,
    min_evidence: int | None = None,
    caveats: bool = True,
) -> Runs:
    """Check the request and prepare the main run and its extra runs (arguments as
    :func:`simulate`); raises :class:`ModelError` naming each bad argument."""
    outcome, amount = target
    _check_request(model, outcome, amount, mode, draws, spend, evidence_cv, min_evidence)
    chosen, names = _decisions(model, mode, scenarios)
    belief_list = belief_names(model, beliefs)
    models = [model] + [apply_scenarios(model, [s]) for s in chosen]

    q = _gather(models, names, evidence_priors, evidence_cv)
    correlations = [
        (_path_by_index(model, c.between[0]), _path_by_index(model, c.between[1]), c.rho)
        for c in model.correlations
    ]
    sampler = BlockSampler(q.items, seed, correlations)

    oms = []
    for m, slots_of in zip(models, q.per_model, strict=True):
        if outcome not in m.outcomes:
            raise ModelError([Issue("target", f"outcome '{outcome}' is missing after a scenario")])
        oms.append(_option_model(m, outcome, slots_of))
    cms = [om.cm for om in oms]
    contexts: dict[int, CaveatContext] = {}
    t_bar = None
    if caveats and mode != "scenarios":
        from .flags import CaveatContext

        # the caveats need the total effects on the target that choose the volumes: solved once
        contexts[0] = CaveatContext(cms[0], [outcome])
        t_bar = contexts[0].total_effects(outcome)
    options, notes = _options(cms, outcome, amount, mode, spend, names, t_bar)
    from ..presentation.labels import Labels
    from ..presentation.words import simulation_notes

    words = Labels(model)
    if not options:
        raise ModelError(
            [Issue("target", f"no intervention raises '{outcome}': there is nothing to compare")]
        )

    meta: dict[str, Any] = {
        "model": model.name,
        "currency": model.currency,
        "price_year": model.price_year,
        "target": {
            "outcome": outcome,
            "amount": amount,
            "unit": model.outcomes[outcome].unit or "unit",
        },
        "mode": mode,
        "spend": spend,
        "draws": draws,
        "seed": seed,
        "evidence_priors": evidence_priors,
        "evidence_cv": {str(k): v for k, v in evidence_cv.items()} if evidence_priors else None,
        "stream_block": sampler.block,
        "volumes": {
            o.name: {
                iid: float(v)
                for iid, v in zip(cms[o.model_index].intervention_ids, o.volumes, strict=True)
                if v > 0
            }
            for o in options
        },
        "uncertain_inputs": len(q.items),
        "notes": [],  # in words, filled in below from notes_data
        "notes_data": notes,
        "time_value": basis_of(model).to_dict(),
    }
    if caveats:
        meta["caveats"] = _caveats(oms, options, outcome, contexts)
    main = _simulation(
        sampler, oms, options, q.labels, _groups(model, q.labels), draws, chunk, keep_inputs, meta
    )

    def extra_run(
        run_models: list[Model],
        run_options: Callable[[list[CompiledModel]], tuple[list[Option], list[dict]]],
        run_meta: dict,
    ) -> Simulation | str:
        """A run sharing the main run's draws where it has the same quantities; a string
        (why not) when it cannot be run."""
        if any(outcome not in m.outcomes for m in run_models):
            return f"it leaves no outcome '{outcome}'"
        extra, per_model = _gather_against(run_models, q, evidence_priors, evidence_cv)
        joined = (
            sampler
            if not extra
            else JoinedSampler(sampler, BlockSampler(extra, seed, stream=_EXTRA_STREAM))
        )
        run_oms = [_option_model(m, outcome, s) for m, s in zip(run_models, per_model, strict=True)]
        run_opts, run_notes = run_options([om.cm for om in run_oms])
        if not run_opts:
            return f"no intervention raises '{outcome}'"
        run_meta = {
            **run_meta,
            "notes": simulation_notes(run_notes, words),
            "notes_data": run_notes,
            "volumes": {
                o.name: {
                    iid: float(v)
                    for iid, v in zip(
                        run_oms[o.model_index].cm.intervention_ids, o.volumes, strict=True
                    )
                    if v > 0
                }
                for o in run_opts
            },
        }
        if caveats:
            run_meta["caveats"] = _caveats(run_oms, run_opts, outcome)
        # no inputs kept: an extra run answers "which option is best", not where evidence pays
        return _simulation(joined, run_oms, run_opts, [], {}, draws, chunk, False, run_meta)

    belief_runs: dict[str, Simulation] = {}
    for b in belief_list:
        sc = model.scenarios[b]
        try:
            b_models = [apply_scenarios(model, [b])] + [
                apply_scenarios(model, [s, b]) for s in chosen
            ]
        except ModelError as exc:
            notes.append(
                {
                    "kind": "belief_not_run",
                    "belief": b,
                    "reason": "; ".join(i.message for i in exc.issues),
                }
            )
            continue
        run = extra_run(
            b_models,
            lambda b_cms: _remap(options, cms, b_cms, mode),
            {"belief": b, "label": sc.label or b.replace("_", " "), "notes_of_belief": sc.notes},
        )
        if isinstance(run, str):
            notes.append({"kind": "belief_not_run", "belief": b, "reason": run})
        else:
            belief_runs[b] = run
    meta["beliefs"] = list(belief_runs)
    meta["notes"] = simulation_notes(notes, words)

    evidence_run = None
    if min_evidence is not None:
        reduced, dropped = drop_weak_links(model, min_evidence)
        info: dict[str, Any] = {"grade": min_evidence, "links_dropped": dropped}
        if not dropped:  # nothing left out: the main run is the answer
            meta["min_evidence"] = info
            return Runs(main, belief_runs, None)
        try:
            r_models = [reduced] + [apply_scenarios(reduced, [s]) for s in chosen]
            run = extra_run(
                r_models,
                lambda r_cms: _options(r_cms, outcome, amount, mode, spend, names),
                {"min_evidence": info},
            )
        except ModelError as exc:
            run = "; ".join(i.message for i in exc.issues)
        if isinstance(run, str):
            info["not_run"] = run
        else:
            evidence_run = run
        meta["min_evidence"] = info
    return Runs(main, belief_runs, evidence_run)


def prepare_simulation(
    model: Model,
    target: tuple[str, float],
    draws: int = 10_000,
    seed: int = 1,
    *,
    mode: str = "target",
    spend: float | None = None,
    scenarios: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] = EVIDENCE_CV,
    chunk: int | None = None,
    keep_inputs: bool = True,
    caveats: bool = True,
) -> Simulation:
    """Check the request and prepare the main run alone, without beliefs (arguments as
    :func:`simulate`); raises :class:`ModelError` naming each bad argument."""
    return prepare_runs(
        model,
        target,
        draws,
        seed,
        mode=mode,
        spend=spend,
        scenarios=scenarios,
        evidence_priors=evidence_priors,
        evidence_cv=evidence_cv,
        chunk=chunk,
        keep_inputs=keep_inputs,
        beliefs=(),
        caveats=caveats,
    ).main


def simulate(
    model: Model,
    target: tuple[str, float],
    draws: int = 10_000,
    seed: int = 1,
    *,
    mode: str = "target",
    spend: float | None = None,
    scenarios: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] = EVIDENCE_CV,
    chunk: int | None = None,
    keep_inputs: bool = True,
    progress: Callable[[int, int], None] | None = None,
    executor: ChunkRunner | None = None,
    beliefs: Sequence[str] | None = None,
    min_evidence: int | None = None,
    caveats: bool = True,
) -> DrawsTable:
    """Draw every uncertain quantity of ``model`` and propagate it to each decision option.

    ``target``: (outcome id, amount in the outcome's units). ``mode``: ``target``, ``spend``
    (with ``spend``, money of public cost per option) or ``scenarios`` (``scenarios``: names of
    the model's decision scenarios, default all of them; a belief is refused). ``chunk``: draws
    propagated at once (memory bound; results do not depend on it). ``keep_inputs=False``
    leaves the input draws out of the table (no EVPPI; memory then grows with options, not
    with the map's size). ``progress(done, total)`` is called after each chunk (every run
    advances together, chunk by chunk). ``executor``: where the chunks run
    (:func:`coproduce.scale.executor`: in this process by default, a process pool, a Dask
    cluster); the table is the same, bit for bit, wherever they run.

    ``beliefs``: belief scenarios run as sensitivity analyses of the same options (default:
    every belief of the model; ``()`` none), attached as ``table.beliefs``. ``min_evidence``:
    also run on the map without links graded below it (``table.min_evidence``). ``caveats``:
    each option's flags in ``table.meta["caveats"]``.
    Returns the :class:`DrawsTable`; money in the model's currency and price year."""
    runs = prepare_runs(
        model,
        target,
        draws,
        seed,
        mode=mode,
        spend=spend,
        scenarios=scenarios,
        evidence_priors=evidence_priors,
        evidence_cv=evidence_cv,
        chunk=chunk,
        keep_inputs=keep_inputs,
        beliefs=beliefs,
        min_evidence=min_evidence,
        caveats=caveats,
    )
    return runs.run(executor, progress)


def _enabling_multipliers(om: _OptionModel, x: np.ndarray, effect: np.ndarray) -> None:
    """Replace the effects of links out of interventions whose enabling multiplier varies by
    draw: effect before any multiplier (drawn or mean) × the product of its terms."""
    n = x.shape[1]
    for pd_ in om.per_draw:
        m = np.ones(n)
        for t in pd_.terms:
            e = t.e_mean if t.e_row < 0 else x[t.e_row]
            f = t.f_mean if t.f_row < 0 else x[t.f_row]
            if t.input_row < 0:
                m = m * enabling_multiplier(t.actual, t.level, e, f)
            else:
                actual = x[t.input_row]
                # exactly 1 where the drawn input reaches the declared level
                m = m * np.where(actual >= t.level, 1.0, enabling_multiplier(actual, t.level, e, f))
        base = np.repeat(pd_.raw[:, None], n, axis=1)
        drawn = pd_.link_rows >= 0
        if drawn.any():
            base[drawn] = x[pd_.link_rows[drawn]]
        effect[pd_.links] = base * m


def _sum_rows(a: np.ndarray) -> np.ndarray:
    """Σ of ``a``'s rows (its first axis), added one row after another in their order: the
    same sums however many draws the other axes hold (numpy's own sum adds in pairs along a
    contiguous axis, as a chunk of one draw makes it)."""
    acc = a[0].copy()
    for row in a[1:]:
        acc += row
    return acc


def _sum_rows_into(
    out: np.ndarray, a: np.ndarray, rows: Sequence[int] | np.ndarray, zeroed: bool = False
) -> None:
    """``out[:] =`` Σ over ``rows`` of ``a`` (options × rows × draws, or one draw broadcast)
    along its middle axis, as :func:`_sum_rows` adds them; 0 with no rows (left as it is
    when ``zeroed``: ``out`` holds 0 already)."""
    if len(rows) == 0:
        if not zeroed:
            out[:] = 0.0
        return
    out[:] = a[:, rows[0]]
    for r in rows[1:]:
        out += a[:, r]


class _Costs:
    """Money by option, resource and draw — ``quantities`` (options × resources × draws, or
    one draw broadcast) × ``unit_cost`` (resources × draws) — summed over sets of resources
    without making the whole array: each product is the number the whole array would hold,
    and the sums add them in the same order (:func:`_sum_rows_into`)."""

    def __init__(self, quantities: np.ndarray, unit_cost: np.ndarray, zeroed: bool) -> None:
        self.quantities = quantities
        self.unit_cost = unit_cost
        self.zeroed = zeroed
        self._spare: np.ndarray | None = None

    def sum_into(self, out: np.ndarray, rows: Sequence[int] | np.ndarray) -> None:
        """``out[:] =`` the sum of the costs of resources ``rows`` (0 with none)."""
        if len(rows) == 0:
            if not self.zeroed:
                out[:] = 0.0
            return
        q, u = self.quantities, self.unit_cost
        np.multiply(q[:, rows[0]], u[rows[0]], out=out)
        for r in rows[1:]:
            if self._spare is None:  # one array for every later product, made once
                self._spare = np.empty(out.shape)
            np.multiply(q[:, r], u[r], out=self._spare)
            out += self._spare


def _take_rows(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``a[rows]``: a view when the rows follow one another (nothing copied), else a copy."""
    view = as_slice(rows)
    return a.take(rows, axis=0) if view is None else a[view]


def _link_effects(om: _OptionModel, x: np.ndarray) -> Callable[[int, int, np.ndarray], np.ndarray]:
    """The effects of the sweep's links a:b in this chunk's draws (links × draws), written
    into ``out`` (or a view): a drawn effect keeps its intervention's enabling multiplier at
    the means (1 unless an enabling input falls short); the others are the compiled means."""
    cm, n = om.cm, x.shape[1]
    if om.per_draw:  # multipliers that vary by draw: the whole effect array first
        rows, idx, _ = om.rows_of("link")
        effect = np.repeat(cm.link_effect[:, None], n, axis=1)
        effect[idx] = x[rows] * cm.link_multiplier[idx, None]
        _enabling_multipliers(om, x, effect)
        in_sweep = effect.take(om.sweep.links, axis=0)
        return lambda a, b, out: in_sweep[a:b]
    drawn, mult, base = om.sweep_draws
    views = om.drawn_rows

    def effect_of(a: int, b: int, out: np.ndarray) -> np.ndarray:
        rows = drawn[a:b]
        view = views.get(a)
        if view is not None:  # every link drawn, in consecutive rows of the draws
            if mult is None:
                return x[view]
            np.multiply(x[view], mult[a:b, None], out=out)
            return out
        if rows.min(initial=0) >= 0:  # every link drawn
            x.take(rows, axis=0, out=out, mode="clip")  # clip: unbuffered, rows are valid
            if mult is not None:
                out *= mult[a:b, None]
            return out
        out[:] = base[a:b, None]
        some = np.flatnonzero(rows >= 0)
        out[some] = x[rows[some]] if mult is None else x[rows[some]] * mult[a:b][some, None]
        return out

    return effect_of


def _alone_into(
    res: dict[str, np.ndarray],
    js: np.ndarray,
    its: np.ndarray,
    vols: np.ndarray,
    to_target: np.ndarray,
    to_value: np.ndarray,
    zeroed: bool,
    part: slice,
) -> None:
    """Options ``js`` of one intervention each (``its``, at volumes ``vols``): the target
    reached and the value of the rest, volume × the intervention's total effects
    (interventions × the draws ``part``), written into those draws of ``res``."""
    if np.array_equal(js, np.arange(len(res["effect"]))):  # every option: made in place
        np.multiply(vols, _take_rows(to_target, its), out=res["effect"][:, part])
    else:
        res["effect"][js, part] = vols * to_target[its]
    other = vols * to_value[its]
    # +0 in every draw, which zeroed arrays already hold (−0 and NaN are written)
    if not (zeroed and not np.any(other) and not np.signbit(other).any()):
        res["value_other"][js, part] = other


def _sweep_effects(
    om: _OptionModel,
    x: np.ndarray,
    unit_value: np.ndarray | None,
    work: _SweepWork | None = None,
) -> np.ndarray:
    """Each intervention's total effect on the target, per draw of ``x`` (interventions ×
    draws), and with ``unit_value`` (money per unit of each outcome, at the means) the value
    of everything else it causes (interventions × 2 × draws): one backward sweep. ``work``:
    its arrays (the result is then a view of them, good until the next slice)."""
    cm, n_i, n = om.cm, om.cm.n_interventions, x.shape[1]
    at = om.sweep.at
    if unit_value is not None:
        v_rows, v_idx, v_means = om.rows_of("value")
        value = np.repeat(unit_value[:, None], n, axis=1)
        np.add.at(value, v_idx, x[v_rows] - v_means[:, None])
        value[om.target - n_i] = 0.0
        rhs = np.zeros((cm.n_nodes, 2, n)) if work is None else work.rhs(n)
        rhs[at[om.target], 0] = 1.0
        rhs[at[n_i:], 1] = value
    else:
        rhs = np.zeros((cm.n_nodes, n)) if work is None else work.rhs(n)
        rhs[at[om.target]] = 1.0
    _backward(om.sweep, _link_effects(om, x), rhs, work)
    return _take_rows(rhs, at[:n_i])


def _propagate(
    om: _OptionModel,
    x: np.ndarray,
    options: list[Option],
    sectors: tuple[str, ...],
    into: dict[str, np.ndarray] | None = None,
    zeroed: bool = False,
) -> dict[str, np.ndarray]:
    """Per option (rows) and draw (columns): target reached, costs and value of the rest,
    written into ``into`` when given (arrays of that shape, any strides; ``zeroed``: all 0,
    so zeros need not be written). The target and the value of everything else are one
    backward sweep (two right-hand sides a draw), or the target alone when nothing else is
    valued."""
    cm = om.cm
    n_i = cm.n_interventions
    n = x.shape[1]
    rows, idx, _ = om.rows_of("unit_cost")
    if np.array_equal(idx, np.arange(len(cm.unit_cost))):  # every unit cost drawn
        unit_cost = _take_rows(x, rows)
    else:
        unit_cost = np.repeat(cm.unit_cost[:, None], n, axis=1)
        unit_cost[idx] = x[rows]
    unit_value = cm.value_fiscal.sum(axis=1) + cm.value_economic + cm.value_social
    unit_value[om.target - n_i] = 0.0  # the target is valued at λ, not twice
    v_idx = om.rows_of("value")[1]  # valued outcomes drawn (one part: fiscal, economic, social)
    valued = bool(np.any(unit_value) or np.any(v_idx != om.target - n_i))
    sides = 2 if valued else 1
    k = len(options)
    res = into if into is not None else {key: np.empty((k, n)) for key in _columns(sectors)}
    # what each option reaches and the value of the rest: one intervention's volume × its
    # total effects, or the sum over its interventions (in their order, row by row)
    alone = [
        (j, int(np.flatnonzero(o.volumes)[0]))
        for j, o in enumerate(options)
        if np.count_nonzero(o.volumes) == 1
    ]
    js = np.array([j for j, _ in alone], dtype=np.int64)
    its = np.array([i for _, i in alone], dtype=np.int64)
    vols = np.array([options[j].volumes[i] for j, i in alone])[:, None]
    nothing = np.zeros((n_i, 1))  # nothing valued: 0 exactly in every draw (one column)
    # the sweep runs on slices of the draws (each draw is its own sum, so the numbers do not
    # change): its work arrays, nodes × draws, then stay small and in cache, and are reused
    width = max(_SWEEP_NUMBERS // (cm.n_nodes * sides), _SWEEP_MIN_DRAWS)
    if width >= n:  # one slice: its results as they come
        effects = _sweep_effects(om, x, unit_value if valued else None)
        to_target = effects[:, 0] if valued else effects
        to_value = effects[:, 1] if valued else nothing
    elif len(alone) == k:  # every option one intervention: written slice by slice
        to_target = to_value = nothing  # not needed whole
        work = _SweepWork(om.sweep, cm.n_nodes, sides, width)
        for lo in range(0, n, width):
            part = slice(lo, min(n, lo + width))
            effects = _sweep_effects(om, x[:, part], unit_value if valued else None, work)
            by_target, by_value = (effects[:, 0], effects[:, 1]) if valued else (effects, nothing)
            _alone_into(res, js, its, vols, by_target, by_value, zeroed, part)
    else:
        to_target = np.empty((n_i, n))
        to_value = np.empty((n_i, n)) if valued else nothing
        work = _SweepWork(om.sweep, cm.n_nodes, sides, width)
        for lo in range(0, n, width):
            part = slice(lo, min(n, lo + width))
            effects = _sweep_effects(om, x[:, part], unit_value if valued else None, work)
            to_target[:, part] = effects[:, 0] if valued else effects
            if valued:
                to_value[:, part] = effects[:, 1]
    if alone and not (width < n and len(alone) == k):  # (else written slice by slice)
        _alone_into(res, js, its, vols, to_target, to_value, zeroed, slice(None))
    lone = {j for j, _ in alone}
    for j, opt in enumerate(options):
        if j in lone:
            continue
        v = opt.volumes
        active = np.flatnonzero(v)
        if len(active) == 0:
            res["effect"][j] = 0.0
            res["value_other"][j] = 0.0
            continue
        res["effect"][j] = _sum_rows(v[active, None] * to_target[active])
        res["value_other"][j] = _sum_rows(v[active, None] * to_value[active])

    # costs: each option's resource use (mean quantities, then the drawn deviations of
    # uncertain inputs), at the drawn unit costs; sums over resources in their order
    running = np.stack([(o.volumes > 0).astype(float) for o in options])
    scale = np.stack([o.input_scale for o in options])
    qty = np.stack(
        [cm.inputs.T @ s + cm.fixed_inputs.T @ r for s, r in zip(scale, running, strict=True)]
    )  # options × resources (mean quantities)
    # the same quantities in every draw (one column, broadcast) unless an input is drawn
    qty_draws = np.repeat(qty[:, :, None], n, axis=2) if om.input_slots else qty[:, :, None]
    for row, sl in om.input_slots:
        per = (running if sl.kind == "fixed" else scale)[:, sl.i]
        on = np.flatnonzero(per)
        if len(on):
            qty_draws[on, sl.j] += per[on, None] * (x[row] - sl.mean)[None, :]
    # each resource's cost (quantity × unit cost) is made where a sum needs it, never all
    # of them at once (options × resources × draws)
    cost = _Costs(qty_draws, unit_cost, zeroed)
    for si, sec in enumerate(sectors):
        cost.sum_into(res[f"cost_sector_{sec}"], np.flatnonzero(cm.resource_sector == si))
    cost.sum_into(res["cost_full"], range(qty.shape[1]))
    res["cost_public"][:] = res[f"cost_sector_{sectors[cm.public_sector]}"]
    # users' and communities' hours and their cost at the drawn valuation: net benefit is
    # linear in the value of an hour (the analysis finds where the answer switches)
    time_rows = np.flatnonzero(cm.time_resource)
    _sum_rows_into(res["coproduction_hours"], qty_draws, time_rows, zeroed)
    cost.sum_into(res["coproduction_time_cost"], time_rows)
    return res
