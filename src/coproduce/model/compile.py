"""A validated model compiled once into index arrays for the engine.

Nodes are numbered in a topological order (interventions first, then outcomes so that every
link runs from a lower to a higher index); quantities become their means. Uncertainty analyses
replace these mean arrays with draws of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .distributions import mean_of
from .enabling import multiplier as enabling_multiplier
from .graph import topological_order
from .schema import Model
from .time_value import HOUR_UNITS

if TYPE_CHECKING:  # scipy.sparse loads on first use: not at start-up
    import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Index arrays of a model. Money in the model's currency and price year.

    - ``node_ids``: interventions first (``n_interventions``), then outcomes, topologically
      ordered: every link goes from a lower to a higher node index.
    - ``link_src``, ``link_dst``, ``link_effect``: one entry per link, in file order.
    - ``inputs``, ``fixed_inputs``: (interventions × resources) quantity per unit of volume and
      per period when the intervention runs.
    - ``unit_cost``: per resource; ``resource_sector``, ``resource_agency`` index into
      ``sector_ids`` and ``agency_ids`` (-1: no agency).
    - ``value_fiscal`` (outcomes × agencies), ``value_economic``, ``value_social`` (outcomes):
      currency per outcome unit.
    - ``min_volume`` (interventions), ``cost_curves``: see :mod:`coproduce.engine.planning`.
    - ``link_effect`` already carries each link's **enabling multiplier** (``link_multiplier``,
      1 unless its source intervention uses less of an enabling input than it declares; see
      :mod:`coproduce.model.enabling`); ``enabling`` lists, per declared enabling input,
      (intervention, resource, fixed?, declared level, elasticity, floor) at their means.
    - ``time_resource``: resources of a co-production sector measured in hours (valued by the
      chosen basis for users' and communities' time); ``hour_resource``: every resource
      measured in hours.
    - ``max_decrease`` (interventions): share of today's volume that may stop in a period
      (1 when not set: a service may stop altogether).
    """

    model: Model
    node_ids: tuple[str, ...]
    n_interventions: int
    link_src: np.ndarray
    link_dst: np.ndarray
    link_effect: np.ndarray
    resource_ids: tuple[str, ...]
    sector_ids: tuple[str, ...]
    agency_ids: tuple[str, ...]
    inputs: np.ndarray
    fixed_inputs: np.ndarray
    unit_cost: np.ndarray
    resource_sector: np.ndarray
    resource_agency: np.ndarray
    coproduction_sector: np.ndarray
    volume: np.ndarray
    capacity: np.ndarray
    value_fiscal: np.ndarray
    value_economic: np.ndarray
    value_social: np.ndarray
    link_weak: np.ndarray
    link_contested: np.ndarray
    link_ungraded: np.ndarray
    node_complex: np.ndarray
    # planning: least volume per intervention (0 when not set)
    min_volume: np.ndarray
    link_multiplier: np.ndarray
    enabling_multiplier: np.ndarray
    time_resource: np.ndarray
    hour_resource: np.ndarray
    max_decrease: np.ndarray
    index: dict[str, int] = field(repr=False)
    # each intervention's cost curve as (band ends, multipliers) with the last end +inf, or
    # None for a straight line
    cost_curves: tuple[tuple[np.ndarray, np.ndarray] | None, ...] = ()
    enabling: tuple[tuple[int, int, bool, float, float, float], ...] = ()

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def intervention_ids(self) -> tuple[str, ...]:
        return self.node_ids[: self.n_interventions]

    @property
    def outcome_ids(self) -> tuple[str, ...]:
        return self.node_ids[self.n_interventions :]

    @cached_property
    def effect_matrix(self) -> sp.csr_matrix:
        """A[j, i] = effect of a link i -> j (nodes × nodes, strictly lower triangular)."""
        import scipy.sparse as sp

        n = self.n_nodes
        return sp.csr_matrix((self.link_effect, (self.link_dst, self.link_src)), shape=(n, n))

    @cached_property
    def lower_system(self) -> sp.csr_matrix:
        """I - A: unit lower triangular, so levels are one forward substitution."""
        import scipy.sparse as sp

        return (sp.identity(self.n_nodes, format="csr") - self.effect_matrix).tocsr()

    @cached_property
    def upper_system(self) -> sp.csr_matrix:
        """(I - A) transposed: total effects to one node are one backward substitution."""
        return self.lower_system.T.tocsr()

    @cached_property
    def out_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, link indices) of the links leaving each node, CSR-style."""
        order = np.argsort(self.link_src, kind="stable")
        counts = np.bincount(self.link_src, minlength=self.n_nodes)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return offsets, order

    @cached_property
    def in_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, link indices) of the links entering each node, CSR-style."""
        order = np.argsort(self.link_dst, kind="stable")
        counts = np.bincount(self.link_dst, minlength=self.n_nodes)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return offsets, order

    @cached_property
    def public_sector(self) -> int:
        return self.sector_ids.index("public")


def _topological_outcomes(model: Model) -> list[str]:
    """Outcomes in an order where every outcome-to-outcome link points forward."""
    outcomes = list(model.outcomes)
    pos = {o: i for i, o in enumerate(outcomes)}
    pairs = [(pos[lk.from_], pos[lk.to]) for lk in model.links if lk.from_ in pos]
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    order = topological_order(len(outcomes), src, dst)
    if order is None:  # validation rejects cycles; this is a guard
        raise ValueError("the outcome graph has a cycle")
    return [outcomes[i] for i in order]


def compile_model(model: Model) -> CompiledModel:
    """Compile a validated model (means of every distribution)."""
    interventions = list(model.interventions)
    node_ids = tuple(interventions + _topological_outcomes(model))
    index = {n: i for i, n in enumerate(node_ids)}
    n_i = len(interventions)
    n_o = len(model.outcomes)

    link_src = np.array([index[lk.from_] for lk in model.links], dtype=np.int64)
    link_dst = np.array([index[lk.to] for lk in model.links], dtype=np.int64)
    link_raw = np.array([mean_of(lk.effect) for lk in model.links], dtype=float)

    resource_ids = tuple(model.resources)
    r_index = {r: k for k, r in enumerate(resource_ids)}
    sector_ids = tuple(model.sectors)
    agency_ids = tuple(model.agencies)
    n_r = len(resource_ids)
    inputs = np.zeros((n_i, n_r))
    fixed = np.zeros((n_i, n_r))
    volume = np.zeros(n_i)
    capacity = np.full(n_i, np.inf)
    min_volume = np.zeros(n_i)
    curves: list[tuple[np.ndarray, np.ndarray] | None] = []
    for i, iid in enumerate(interventions):
        itv = model.interventions[iid]
        for r, q in itv.inputs.items():
            inputs[i, r_index[r]] = mean_of(q)
        for r, q in itv.fixed_inputs.items():
            fixed[i, r_index[r]] = mean_of(q)
        volume[i] = mean_of(itv.volume)
        if itv.capacity is not None:
            capacity[i] = mean_of(itv.capacity)
        if itv.min_volume is not None:
            min_volume[i] = mean_of(itv.min_volume)
        if itv.cost_curve:
            ends = np.array(
                [b.up_to if b.up_to is not None else np.inf for b in itv.cost_curve], dtype=float
            )
            curves.append((ends, np.array([b.multiplier for b in itv.cost_curve], dtype=float)))
        else:
            curves.append(None)
    enabling = []
    for i, iid in enumerate(interventions):
        for rid, e in model.interventions[iid].enabling.items():
            fixed_input = rid not in model.interventions[iid].inputs
            enabling.append(
                (
                    i,
                    r_index[rid],
                    fixed_input,
                    float(e.level or 0.0),
                    float(mean_of(e.elasticity)),
                    float(mean_of(e.floor)),
                )
            )
    held = np.ones(n_i)
    for i, ri, fixed_input, level, elasticity, floor in enabling:
        actual = fixed[i, ri] if fixed_input else inputs[i, ri]
        held[i] *= float(enabling_multiplier(actual, level, elasticity, floor))
    max_decrease = np.array(
        [
            1.0
            if model.interventions[iid].max_decrease is None
            else model.interventions[iid].max_decrease
            for iid in interventions
        ],
        dtype=float,
    )
    unit_cost = np.array([mean_of(model.resources[r].unit_cost) for r in resource_ids])
    resource_sector = np.array(
        [sector_ids.index(model.resources[r].sector) for r in resource_ids], dtype=np.int64
    )
    resource_agency = np.array(
        [
            agency_ids.index(model.resources[r].agency) if model.resources[r].agency else -1
            for r in resource_ids
        ],
        dtype=np.int64,
    )
    coproduction = np.array([model.sectors[sid].coproduction for sid in sector_ids], dtype=bool)

    value_fiscal = np.zeros((n_o, len(agency_ids)))
    value_economic = np.zeros(n_o)
    value_social = np.zeros(n_o)
    node_complex = np.zeros(len(node_ids), dtype=bool)
    for k, oid in enumerate(node_ids[n_i:]):
        out = model.outcomes[oid]
        node_complex[n_i + k] = out.complex
        if out.value is None:
            continue
        for a, q in out.value.fiscal.items():
            value_fiscal[k, agency_ids.index(a)] = mean_of(q)
        value_economic[k] = mean_of(out.value.economic) or 0.0
        value_social[k] = mean_of(out.value.social) or 0.0

    link_multiplier = np.ones(len(link_src))
    from_itv = link_src < n_i
    link_multiplier[from_itv] = held[link_src[from_itv]]
    link_effect = link_raw * link_multiplier
    hours = np.array(
        [model.resources[r].unit.strip().lower() in HOUR_UNITS for r in resource_ids], dtype=bool
    )
    time_resource = hours & coproduction[resource_sector] if n_r else hours

    evidence = [lk.evidence for lk in model.links]
    return CompiledModel(
        model=model,
        node_ids=node_ids,
        n_interventions=n_i,
        link_src=link_src,
        link_dst=link_dst,
        link_effect=link_effect,
        resource_ids=resource_ids,
        sector_ids=sector_ids,
        agency_ids=agency_ids,
        inputs=inputs,
        fixed_inputs=fixed,
        unit_cost=unit_cost,
        resource_sector=resource_sector,
        resource_agency=resource_agency,
        coproduction_sector=coproduction,
        volume=volume,
        capacity=capacity,
        value_fiscal=value_fiscal,
        value_economic=value_economic,
        value_social=value_social,
        link_weak=np.array([e is not None and e <= 2 for e in evidence], dtype=bool),
        link_contested=np.array([lk.contested for lk in model.links], dtype=bool),
        link_ungraded=np.array([e is None for e in evidence], dtype=bool),
        node_complex=node_complex,
        index=index,
        min_volume=min_volume,
        cost_curves=tuple(curves),
        link_multiplier=link_multiplier,
        enabling=tuple(enabling),
        enabling_multiplier=held,
        time_resource=time_resource,
        hour_resource=hours,
        max_decrease=max_decrease,
    )
