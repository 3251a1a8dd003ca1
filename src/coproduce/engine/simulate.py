"""Monte Carlo propagation of a strategy map's uncertainty into a draws table.

**Options.** A council commissions a *volume* (places, sessions, matches), not an outcome, so
each option's volumes are fixed at the deterministic (mean) solution and the uncertainty shows
in what that commitment achieves and costs — including whether the target is reached:

- ``mode="target"`` (default): each intervention that reaches the target alone, at the volume
  that reaches it on mean effects, ``A / T̄[target, i]`` (the backwards-mapping volume);
- ``mode="spend"``: each such intervention at the volume whose mean public cost is ``spend``;
- ``mode="scenarios"``: named portfolios — the model's current volumes (``baseline``) and each
  named scenario applied to it (its volumes, and any other changes it makes).

Re-solving the volume per draw would assume the council knows the true effect before it
commissions, i.e. perfect information built into the options; it would hide outcome
uncertainty in cost and misstate the value of information.

**Net benefit** of an option in a draw, at willingness to pay λ per unit of the target
outcome: ``λ × target reached + value of the other valued outcomes − full cost``. The draws
table stores ``effect`` (target reached) and ``cost`` = full cost − value of other outcomes,
so net benefit is ``λ × effect − cost`` and λ can vary afterwards (acceptability curve).

**Propagation** is vectorised over a draw axis in chunks: per chunk, the total effect on the
target of every intervention, and the value of everything else it causes, are two backward
substitutions over the map's levels (reverse topological generations), O(links × draws),
never listing paths. Memory is bounded by the chunk (links × chunk numbers). Random numbers
come in fixed stream blocks (:mod:`.uncertain`), so results do not depend on the chunk size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from ..model.compile import CompiledModel, compile_model
from ..model.errors import Issue, ModelError, did_you_mean
from ..model.paths import canonical_path, link_position, resolve_link_index, split_path
from ..model.scenarios import apply_scenarios
from ..model.schema import Model
from .draws import DrawsTable
from .effects import effects_to
from .uncertain import EVIDENCE_CV, BlockSampler, UncertainQuantity, uncertain_quantities

MODES = ("target", "spend", "scenarios")
_LINK_BUDGET = 2**22  # default chunk: links × chunk numbers ≈ 32 MB per effect array


@dataclass(frozen=True)
class _Slot:
    """Where a drawn quantity goes in a compiled model's arrays."""

    kind: str  # link, input, fixed, unit_cost, value
    i: int
    j: int = 0
    mean: float = 0.0  # the compiled (mean) value the draw replaces


@dataclass(frozen=True, eq=False)
class _OptionModel:
    """A compiled model with its adjoint schedule and the quantities it takes from the draws."""

    cm: CompiledModel
    target: int
    slots: list[tuple[int, _Slot]]  # (row in the draws, slot)
    heights: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per generation: links, starts, srcs

    def __getstate__(self) -> dict[str, Any]:
        # sent to every worker: the compiled arrays are all a chunk needs, not the model they
        # came from (for a 100k-link map, 12 MiB of pydantic objects, slow to unpickle)
        state = dict(self.__dict__)
        state["cm"] = dataclasses.replace(self.cm, model=None)
        return state

    @cached_property
    def input_slots(self) -> list[tuple[int, _Slot]]:
        return [(r, s) for r, s in self.slots if s.kind in ("input", "fixed")]

    def rows_of(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(draw rows, array indices, means) of the slots of one kind, for fancy indexing."""
        cached = self.__dict__.setdefault("_by_kind", {})
        if kind not in cached:
            sel = [(r, s.i, s.mean) for r, s in self.slots if s.kind == kind]
            cached[kind] = (np.array([r for r, _, _ in sel], dtype=np.int64),
                            np.array([i for _, i, _ in sel], dtype=np.int64),
                            np.array([m for _, _, m in sel], dtype=float))
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
        r = r_index[parts[1]]
        return _Slot("unit_cost", r, 0, float(cm.unit_cost[r]))
    if parts[0] == "interventions":
        i, r = cm.index[parts[1]], r_index[parts[3]]
        if parts[2] == "inputs":
            return _Slot("input", i, r, float(cm.inputs[i, r]))
        return _Slot("fixed", i, r, float(cm.fixed_inputs[i, r]))
    o = cm.index[parts[1]] - cm.n_interventions  # outcomes.ID.value.KIND[.AGENCY]
    if parts[3] == "fiscal":
        mean = float(cm.value_fiscal[o, cm.agency_ids.index(parts[4])])
    else:
        mean = float(cm.value_economic[o] if parts[3] == "economic" else cm.value_social[o])
    return _Slot("value", o, 0, mean)


def _generations(cm: CompiledModel) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Reverse-topological generations: height 0 = no outgoing link; a node of height h has
    all its links' ends at heights < h, so one generation is one vectorised step."""
    n = cm.n_nodes
    h = np.zeros(n, dtype=np.int64)
    while True:
        new = np.zeros(n, dtype=np.int64)
        if len(cm.link_src):
            np.maximum.at(new, cm.link_src, h[cm.link_dst] + 1)
        if np.array_equal(new, h):
            break
        h = new
    out = []
    link_h = h[cm.link_src]
    for g in range(1, int(h.max(initial=0)) + 1):
        links = np.flatnonzero(link_h == g)
        links = links[np.argsort(cm.link_src[links], kind="stable")]
        srcs, starts = np.unique(cm.link_src[links], return_index=True)
        out.append((links, starts, srcs))
    return out


def _backward(om: _OptionModel, effect: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """x = (I − A)^-T rhs for every draw: rhs (nodes × n) -> x (nodes × n)."""
    x = rhs.copy()
    dst = om.cm.link_dst
    for links, starts, srcs in om.heights:
        contrib = effect[links] * x[dst[links]]
        x[srcs] += np.add.reduceat(contrib, starts, axis=0)
    return x


def _option_model(model: Model, target: str, keys: list[tuple[str, tuple]],
                  rows: dict[tuple, int]) -> _OptionModel:
    cm = compile_model(model)
    slots = [(rows[key], _slot(cm, path)) for path, key in keys]
    return _OptionModel(cm, cm.index[target], slots, _generations(cm))


@dataclass(frozen=True)
class Option:
    """A decision option: a name, the model it runs on, and its volume per intervention."""

    name: str
    model_index: int
    volumes: np.ndarray


def _options(models: list[Model], cms: list[CompiledModel], target: str, amount: float,
             mode: str, spend: float | None, names: Sequence[str]
             ) -> tuple[list[Option], list[str]]:
    notes: list[str] = []
    if mode == "scenarios":
        return [Option(name, k, cms[k].volume.copy()) for k, name in enumerate(names)], notes
    cm = cms[0]
    t_bar = effects_to(cm, cm.index[target])[: cm.n_interventions]
    opts = []
    public = cm.resource_sector == cm.public_sector
    for i, iid in enumerate(cm.intervention_ids):
        if t_bar[i] <= 0:
            notes.append(f"{iid} does not raise {target} (total effect {t_bar[i]:.4g}), so it "
                         "is not an option")
            continue
        v = np.zeros(cm.n_interventions)
        if mode == "target":
            v[i] = amount / t_bar[i]
        else:
            per_unit = float((cm.inputs[i] * cm.unit_cost)[public].sum())
            fixed = float((cm.fixed_inputs[i] * cm.unit_cost)[public].sum())
            if per_unit <= 0 or spend is None or spend <= fixed:
                why = "it has no public cost per unit" if per_unit <= 0 else \
                    f"its fixed public cost ({fixed:,.0f}) uses the whole budget"
                notes.append(f"{iid} cannot be scaled to the same public spend: {why}")
                continue
            v[i] = (spend - fixed) / per_unit
        if v[i] > cm.capacity[i]:
            notes.append(f"{iid} needs volume {v[i]:,.4g}, above its capacity "
                         f"{cm.capacity[i]:,.4g}")
        opts.append(Option(iid, 0, v))
    return opts, notes


def _groups(model: Model, names: list[str]) -> dict[str, tuple[str, ...]]:
    """Named groups of inputs analysed together: all uncertain inputs of one intervention,
    and the valuation of co-production time (unit costs of resources in co-production
    sectors)."""
    groups: dict[str, tuple[str, ...]] = {}
    for iid in model.interventions:
        members = tuple(n for n in names if n.startswith(f"interventions.{iid}."))
        if len(members) >= 2:
            groups[f"all inputs of {iid}"] = members
    coprod = {s for s, sec in model.sectors.items() if sec.coproduction}
    valuations = tuple(n for n in names if n.startswith("resources.") and n.endswith(".unit_cost")
                       and model.resources[n.split(".")[1]].sector in coprod)
    if len(valuations) >= 2:
        groups["valuation of co-production time"] = valuations
    return groups


class ChunkRunner(Protocol):
    """Where chunks of draws run (see :mod:`coproduce.scale.executors`): ``map(fn, shared,
    items)`` calls ``fn(shared, item)`` for each item, anywhere, and yields ``(item, result)``
    pairs as they complete, in any order. ``shared`` is sent to each worker once."""

    def map(self, fn: Callable[[Any, Any], Any], shared: Any,
            items: Sequence[Any]) -> Iterable[tuple[Any, Any]]: ...


def _run_chunk(sim: Simulation, span: tuple[int, int]) -> dict[str, np.ndarray]:
    return sim.run_chunk(*span)


@dataclass(frozen=True, eq=False)
class Simulation:
    """A prepared Monte Carlo run: everything needed to propagate any range of draws, so that
    chunks can be computed in any order, in any process, and assembled into the same
    :class:`DrawsTable`, bit for bit. Made by :func:`prepare_simulation`; picklable."""

    sampler: BlockSampler
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

    def run_chunk(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Draws ``start`` to ``stop - 1``: arrays of shape (draws × options) named
        ``effect``, ``cost_full``, ``cost_public``, ``value_other``, ``cost_sector_S``, and
        ``inputs`` (draws × uncertain quantities, empty without ``keep_inputs``)."""
        x = self.sampler.draws(start, stop)
        n_opt = len(self.options)
        out = {k: np.empty((stop - start, n_opt)) for k in _columns(self.sectors)}
        for om_index, om in enumerate(self.option_models):
            mine = [j for j, o in enumerate(self.options) if o.model_index == om_index]
            if mine:
                res = _propagate(om, x, [self.options[j].volumes for j in mine], self.sectors)
                for key, arr in res.items():
                    out[key][:, mine] = arr.T
        out["inputs"] = x.T if self.keep_inputs else np.empty((stop - start, 0))
        return out

    def run(self, executor: ChunkRunner | None = None,
            progress: Callable[[int, int], None] | None = None) -> DrawsTable:
        """Every chunk, in this process or on ``executor``, assembled into the draws table.
        Each chunk's numbers do not depend on where it ran, so neither does the table."""
        out = {k: np.empty((self.draws, len(self.options))) for k in _columns(self.sectors)}
        out["inputs"] = np.empty((self.draws, len(self.labels) if self.keep_inputs else 0))
        chunks = self.chunks()
        parts: Iterable[tuple[Any, Any]] = (
            ((span, _run_chunk(self, span)) for span in chunks) if executor is None
            else executor.map(_run_chunk, self, chunks))
        done = 0
        for (start, stop), part in parts:
            for key, arr in part.items():
                out[key][start:stop] = arr
            done += stop - start
            if progress is not None:
                progress(done, self.draws)
        return self.assemble(out)

    def assemble(self, out: dict[str, np.ndarray]) -> DrawsTable:
        """The draws table from whole-run arrays (the keys :meth:`run_chunk` returns)."""
        import pandas as pd  # loaded on first use: `import coproduce` stays quick

        cost = out["cost_full"] - out["value_other"]
        extra = {k: v for k, v in out.items() if k not in ("effect", "inputs")}
        inputs = pd.DataFrame(out["inputs"], columns=list(self.labels) if self.keep_inputs
                              else [])
        return DrawsTable(options=tuple(o.name for o in self.options), effect=out["effect"],
                          cost=cost, extra=extra, inputs=inputs,
                          groups=self.groups if self.keep_inputs else {}, meta=dict(self.meta))


def _columns(sectors: tuple[str, ...]) -> list[str]:
    return ["effect", "cost_full", "cost_public", "value_other",
            *(f"cost_sector_{s}" for s in sectors)]


def prepare_simulation(model: Model, target: tuple[str, float], draws: int = 10_000,
                       seed: int = 1, *, mode: str = "target", spend: float | None = None,
                       scenarios: Sequence[str] | None = None, evidence_priors: bool = False,
                       evidence_cv: Mapping[int, float] = EVIDENCE_CV,
                       chunk: int | None = None, keep_inputs: bool = True) -> Simulation:
    """Check the request and prepare the run (arguments as :func:`simulate`); raises
    :class:`ModelError` naming each bad argument."""
    outcome, amount = target
    issues = []
    if outcome not in model.outcomes:
        issues.append(Issue("target", f"unknown outcome '{outcome}'"
                            + did_you_mean(outcome, model.outcomes)))
    if mode not in MODES:
        issues.append(Issue("mode", f"unknown mode '{mode}'; use one of {', '.join(MODES)}"))
    if not np.isfinite(amount) or amount <= 0:
        issues.append(Issue("target", f"the target amount must be positive, got {amount}"))
    if draws < 2:
        issues.append(Issue("draws", f"need at least 2 draws, got {draws}"))
    if mode == "spend" and (spend is None or not np.isfinite(spend) or spend <= 0):
        issues.append(Issue("spend", "mode 'spend' needs a positive public spend per option"))
    if set(evidence_cv) != set(EVIDENCE_CV) or any(v < 0 for v in evidence_cv.values()):
        issues.append(Issue("evidence_cv", "give a non-negative coefficient of variation for "
                            "each evidence grade 1 to 5"))
    if issues:
        raise ModelError(issues)

    if mode == "scenarios":
        chosen = list(scenarios) if scenarios else list(model.scenarios)
        if not chosen:
            raise ModelError([Issue("scenarios", "the model defines no scenarios to compare; "
                                    "add a 'scenarios' section or use mode 'target'")])
        models = [model] + [apply_scenarios(model, [s]) for s in chosen]
        names = ["baseline", *chosen]
    else:
        models, names = [model], []

    # the union of uncertain quantities over the option models, keyed by (path, distribution)
    quantities: list[UncertainQuantity] = []
    rows: dict[tuple, int] = {}
    labels: list[str] = []
    seen: set[str] = set()
    per_model_keys: list[list[tuple[str, tuple]]] = []
    for k, m in enumerate(models):
        keys = []
        for q in uncertain_quantities(m, evidence_priors, evidence_cv):
            if q.key not in rows:
                rows[q.key] = len(quantities)
                quantities.append(q)
                label = canonical_path(m, q.path)
                labels.append(label if k == 0 or label not in seen else f"{label} [{names[k]}]")
                seen.add(labels[-1])
            keys.append((q.path, q.key))
        per_model_keys.append(keys)
    correlations = [(_path_by_index(model, c.between[0]), _path_by_index(model, c.between[1]),
                     c.rho) for c in model.correlations]
    sampler = BlockSampler(quantities, seed, correlations)

    oms = []
    for m, keys in zip(models, per_model_keys, strict=True):
        if outcome not in m.outcomes:
            raise ModelError([Issue("target", f"outcome '{outcome}' is missing after a "
                                    "scenario")])
        oms.append(_option_model(m, outcome, keys, rows))
    options, notes = _options(models, [om.cm for om in oms], outcome, amount, mode, spend,
                              names)
    if not options:
        raise ModelError([Issue("target", f"no intervention raises '{outcome}': there is "
                                "nothing to compare")])

    biggest = max(len(om.cm.link_src) + om.cm.n_nodes for om in oms)
    step = chunk or max(_LINK_BUDGET // max(biggest, 1), 1)
    step = max(sampler.block, (step // sampler.block) * sampler.block)
    meta = {
        "model": model.name, "currency": model.currency, "price_year": model.price_year,
        "target": {"outcome": outcome, "amount": amount,
                   "unit": model.outcomes[outcome].unit or "unit"},
        "mode": mode, "spend": spend, "draws": draws, "seed": seed,
        "evidence_priors": evidence_priors,
        "evidence_cv": {str(k): v for k, v in evidence_cv.items()} if evidence_priors else None,
        "stream_block": sampler.block,
        "volumes": {o.name: {iid: float(v) for iid, v in
                             zip(oms[o.model_index].cm.intervention_ids, o.volumes, strict=True)
                             if v > 0} for o in options},
        "uncertain_inputs": len(quantities),
        "notes": notes,
    }
    return Simulation(sampler=sampler, option_models=tuple(oms), options=tuple(options),
                      labels=tuple(labels),
                      groups=_groups(model, labels) if keep_inputs else {}, draws=draws,
                      step=step, keep_inputs=keep_inputs, meta=meta)


def simulate(model: Model, target: tuple[str, float], draws: int = 10_000, seed: int = 1, *,
             mode: str = "target", spend: float | None = None,
             scenarios: Sequence[str] | None = None, evidence_priors: bool = False,
             evidence_cv: Mapping[int, float] = EVIDENCE_CV, chunk: int | None = None,
             keep_inputs: bool = True,
             progress: Callable[[int, int], None] | None = None,
             executor: ChunkRunner | None = None) -> DrawsTable:
    """Draw every uncertain quantity of ``model`` and propagate it to each decision option.

    ``target``: (outcome id, amount in the outcome's units). ``mode``: ``target``, ``spend``
    (with ``spend``, money of public cost per option) or ``scenarios`` (``scenarios``: names of
    the model's scenarios, default all). ``chunk``: draws propagated at once (memory bound;
    results do not depend on it). ``keep_inputs=False`` leaves the input draws out of the
    table (no EVPPI; memory then grows with options, not with the map's size).
    ``progress(done, total)`` is called after each chunk. ``executor``: where the chunks run
    (:func:`coproduce.scale.executor`: in this process by default, a process pool, a Dask
    cluster); the table is the same, bit for bit, wherever they run.
    Returns the :class:`DrawsTable`; money in the model's currency and price year."""
    sim = prepare_simulation(model, target, draws, seed, mode=mode, spend=spend,
                             scenarios=scenarios, evidence_priors=evidence_priors,
                             evidence_cv=evidence_cv, chunk=chunk, keep_inputs=keep_inputs)
    return sim.run(executor, progress)


def _propagate(om: _OptionModel, x: np.ndarray, volumes: list[np.ndarray],
               sectors: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per option (rows) and draw (columns): target reached, costs and value of the rest."""
    cm = om.cm
    n = x.shape[1]
    effect = np.repeat(cm.link_effect[:, None], n, axis=1)
    unit_cost = np.repeat(cm.unit_cost[:, None], n, axis=1)
    value = np.repeat((cm.value_fiscal.sum(axis=1) + cm.value_economic
                       + cm.value_social)[:, None], n, axis=1)
    rows, idx, _ = om.rows_of("link")
    effect[idx] = x[rows]
    rows, idx, _ = om.rows_of("unit_cost")
    unit_cost[idx] = x[rows]
    rows, idx, means = om.rows_of("value")  # one part (fiscal, economic, social) of a value
    np.add.at(value, idx, x[rows] - means[:, None])
    input_dev = [(sl.i, sl.j, x[row] - sl.mean, sl.kind == "fixed")
                 for row, sl in om.input_slots]
    value[om.target - cm.n_interventions] = 0.0  # the target is valued at λ, not twice
    rhs = np.zeros((cm.n_nodes, n))
    rhs[om.target] = 1.0
    to_target = _backward(om, effect, rhs)[: cm.n_interventions]
    rhs = np.zeros((cm.n_nodes, n))
    rhs[cm.n_interventions:] = value
    to_value = _backward(om, effect, rhs)[: cm.n_interventions]

    k = len(volumes)
    res = {key: np.empty((k, n)) for key in ("effect", "cost_full", "cost_public",
                                               "value_other")}
    for s in sectors:
        res[f"cost_sector_{s}"] = np.empty((k, n))
    for j, v in enumerate(volumes):
        active = np.flatnonzero(v)
        running = (v > 0).astype(float)
        # sums over interventions and resources row by row (fixed order for every chunk size)
        res["effect"][j] = (v[active, None] * to_target[active]).sum(axis=0)
        res["value_other"][j] = (v[active, None] * to_value[active]).sum(axis=0)
        qty = cm.inputs.T @ v + cm.fixed_inputs.T @ running  # resources (mean quantities)
        qty_draws = np.repeat(qty[:, None], n, axis=1)
        for i, r, dev, fixed in input_dev:
            scale = running[i] if fixed else v[i]
            if scale:
                qty_draws[r] += scale * dev
        cost = qty_draws * unit_cost
        for si, s in enumerate(sectors):
            rows = np.flatnonzero(cm.resource_sector == si)
            res[f"cost_sector_{s}"][j] = cost[rows].sum(axis=0) if len(rows) else 0.0
        res["cost_full"][j] = cost.sum(axis=0)
        res["cost_public"][j] = res[f"cost_sector_{sectors[cm.public_sector]}"][j]
    return res
