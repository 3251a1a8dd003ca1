"""Backwards mapping: from a desired outcome back to every pathway that reaches it.

For a target ``(o*, A)`` each intervention i with total effect ``T[o*, i] > 0`` reaches the
target alone at volume ``v = A / T[o*, i]``. At that volume we cost it by sector and resource,
divide by A for the cost per outcome unit, check capacity, list what else it produces on the
way (co-benefits and their value), name its largest routes, and flag what a careful reader must
know: contested, weakly evidenced or ungraded links, complex outcomes, co-production without
any public enabling input. Pathways are ranked by full (or public) cost per outcome unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model.compile import CompiledModel, compile_model
from ..model.schema import Model
from ..model.time_value import basis_of
from .costs import CostBreakdown, breakdown, resource_quantities
from .effects import effects_from, weighted_effects
from .flags import CaveatContext, Caveats, enabling_shortfalls, flag_names
from .routes import route_table


def _flag_text() -> dict[str, str]:
    from ..presentation.flags import FLAGS

    return {k: w.sentence for k, w in FLAGS.items()}


FLAG_TEXT = _flag_text()
"""Each flag as a clause (the one vocabulary, :mod:`coproduce.presentation.flags`); kept here
for callers that import it."""


@dataclass(frozen=True)
class Route:
    """One route from an intervention to the target: its nodes, effect (target units per unit
    of the intervention) and share of the intervention's total effect."""

    nodes: tuple[str, ...]
    effect: float
    share: float
    flags: tuple[str, ...] = ()
    links: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "nodes": list(self.nodes),
            "effect": self.effect,
            "share": self.share,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class Pathway:
    """An intervention scaled to reach the target on its own. Money in the model's currency
    and price year; ``volume`` in the intervention's unit per period. The co-benefit lists
    (``co_benefits``, ``co_benefit_values``, ``co_benefits_omitted``) and the notes
    (``note_data``, ``notes``) are worked out when first read: a map of many pathways costs
    only the solves of the pathways shown."""

    intervention: str
    label: str
    unit: str
    total_effect: float
    volume: float
    cost: CostBreakdown
    cost_per_outcome_full: float
    cost_per_outcome_public: float
    capacity: float | None
    co_benefit_value: dict
    flags: tuple[str, ...]
    paths: tuple[Route, ...]
    flag_shares: dict[str, float] = field(default_factory=dict)
    resources_short: dict[str, dict[str, float]] = field(default_factory=dict)
    coproduction_share_hours: float | None = None
    time_hours: float = 0.0
    first_on_full_cost_when_time_valued: tuple[float, float | None] | None = None
    enabling_shortfall: dict = field(default_factory=dict)
    volunteer_wellbeing: dict | None = None
    later: _Later | None = field(default=None, repr=False, compare=False)
    """What is worked out only when read (the co-benefit lists, the notes): see
    :class:`_Later`."""

    @property
    def co_benefits(self) -> dict[str, float]:
        """Other outcomes it moves at its volume (outcome units), valued ones first, largest
        value first, then the rest by level; at most the ``co_benefits`` asked for."""
        return self.later.co_benefits(self.intervention)[0] if self.later else {}

    @property
    def co_benefit_values(self) -> dict[str, float]:
        """The value of each valued co-benefit listed (currency)."""
        return self.later.co_benefits(self.intervention)[1] if self.later else {}

    @property
    def co_benefits_omitted(self) -> int:
        """How many other outcomes it moves that the list leaves out."""
        return self.later.co_benefits(self.intervention)[2] if self.later else 0

    @property
    def note_data(self) -> tuple[dict, ...]:
        """The caveats behind ``notes``, structured: ``{kind, share?, links?, outcomes?,
        ...}`` with identifiers (:func:`coproduce.presentation.words.pathway_note` says
        them)."""
        return self.later.note_data(self) if self.later else ()

    @property
    def notes(self) -> tuple[str, ...]:
        """Each caveat in a sentence."""
        return self.later.notes(self) if self.later else ()

    @property
    def within_capacity(self) -> bool:
        """The volume fits the intervention's capacity and every resource's availability."""
        fits = self.capacity is None or self.volume <= self.capacity * (1 + 1e-12)
        return fits and not self.resources_short

    @property
    def coproduction_share(self) -> float:
        return self.cost.coproduction_share

    def to_dict(self) -> dict:
        return {
            "intervention": self.intervention,
            "label": self.label,
            "unit": self.unit,
            "total_effect": self.total_effect,
            "volume": self.volume,
            "cost": self.cost.to_dict(),
            "cost_per_outcome": {
                "full": self.cost_per_outcome_full,
                "public": self.cost_per_outcome_public,
            },
            "coproduction_share": self.coproduction_share,
            "coproduction_share_hours": self.coproduction_share_hours,
            "coproduction_hours": self.time_hours,
            "first_on_full_cost_when_time_valued": (
                None
                if self.first_on_full_cost_when_time_valued is None
                else list(self.first_on_full_cost_when_time_valued)
            ),
            "enabling_shortfall": self.enabling_shortfall,
            "volunteer_wellbeing": self.volunteer_wellbeing,
            "capacity": self.capacity,
            "within_capacity": self.within_capacity,
            "co_benefits": self.co_benefits,
            "co_benefit_values": self.co_benefit_values,
            "co_benefits_omitted": self.co_benefits_omitted,
            "co_benefit_value": self.co_benefit_value,
            "resources_short": self.resources_short,
            "flags": list(self.flags),
            "flag_shares": self.flag_shares,
            "notes": list(self.notes),
            "notes_data": [dict(n) for n in self.note_data],
            "paths": [r.to_dict() for r in self.paths],
        }


@dataclass(frozen=True)
class BackwardsMap:
    """The result of backwards mapping: ranked pathways to ``amount`` more of ``outcome``."""

    model_name: str
    outcome: str
    outcome_label: str
    outcome_unit: str
    amount: float
    by: str
    currency: str
    price_year: int
    scenarios: tuple[str, ...]
    pathways: tuple[Pathway, ...]
    unreachable: tuple[str, ...]
    no_net_gain: dict[str, float] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    time_value: dict = field(default_factory=dict)
    enabling_shortfall: dict[str, dict] = field(default_factory=dict)
    min_evidence: dict | None = None
    volunteer_wellbeing: dict | None = None

    def to_dict(self) -> dict:
        """What ``coproduce map --json`` prints."""
        return {
            "model": self.model_name,
            "target": {
                "outcome": self.outcome,
                "amount": self.amount,
                "label": self.outcome_label,
                "unit": self.outcome_unit,
            },
            "ranked_by": self.by,
            "currency": self.currency,
            "price_year": self.price_year,
            "scenarios": list(self.scenarios),
            "pathways": [p.to_dict() for p in self.pathways],
            "unreachable": list(self.unreachable),
            "no_net_gain": self.no_net_gain,
            "time_value": self.time_value,
            "enabling_shortfall": self.enabling_shortfall,
            "min_evidence": self.min_evidence,
            "volunteer_wellbeing": self.volunteer_wellbeing,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """The answer in plain language (:meth:`summary_parts` joined)."""
        return " ".join(self.summary_parts())

    def summary_parts(self) -> list[str]:
        """The answer in short paragraphs
        (:func:`coproduce.presentation.words.map_summary_parts`)."""
        from ..presentation.words import map_summary_parts

        return map_summary_parts(self)

    def time_value_words(self) -> str:
        """How the ranking turns on the value put on users' and communities' time."""
        from ..presentation.words import map_time_value_words

        return " " + map_time_value_words(self)


def backwards_map(
    model: Model | CompiledModel,
    outcome: str,
    amount: float,
    *,
    by: str = "full",
    paths: int = 10,
    co_benefits: int | None = 50,
    scenarios: tuple[str, ...] = (),
    min_evidence: int | None = None,
    volunteer_wellbeing: bool = False,
) -> BackwardsMap:
    """Every pathway to ``amount`` more units of ``outcome``, ranked by full (``by="full"``)
    or public (``by="public"``) cost per outcome unit, each with up to ``paths`` routes and
    up to ``co_benefits`` other outcomes (largest value first; ``None`` for all).

    Volume is added to what runs today: along a cost curve it is costed from the baseline
    volume up. ``min_evidence=N`` also maps the model without links graded below N and says
    whether the leading pathway survives (``min_evidence`` in the result).
    ``volunteer_wellbeing=True`` adds, per pathway, the wellbeing its volunteers gain from
    volunteering (the model's ``volunteer_wellbeing``, currency per hour), shown apart from the
    programme's outcomes and never in the ranking."""
    result = _backwards_map(
        model, outcome, amount, by=by, paths=paths, co_benefits=co_benefits, scenarios=scenarios
    )
    if volunteer_wellbeing:
        result = _with_wellbeing(result, model)
    if min_evidence is None:
        return result
    from dataclasses import replace

    from ..model.scenarios import drop_weak_links

    m = model.model if isinstance(model, CompiledModel) else model
    reduced, dropped = drop_weak_links(m, min_evidence)
    without = _backwards_map(
        reduced, outcome, amount, by=by, paths=1, co_benefits=0, scenarios=scenarios
    )
    lead = result.pathways[0].intervention if result.pathways else None
    lead_without = without.pathways[0].intervention if without.pathways else None
    return replace(
        result,
        min_evidence={
            "grade": min_evidence,
            "links_dropped": dropped,
            "leading_pathway": lead_without,
            "survives": lead is not None and lead == lead_without,
            "reachable": [p.intervention for p in without.pathways],
        },
    )


def _backwards_map(
    model: Model | CompiledModel,
    outcome: str,
    amount: float,
    *,
    by: str,
    paths: int,
    co_benefits: int | None,
    scenarios: tuple[str, ...],
) -> BackwardsMap:
    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    m = cm.model
    if by not in ("full", "public"):
        raise ValueError(f"by must be 'full' or 'public', not {by!r}")
    if outcome not in m.outcomes:
        raise KeyError(outcome)
    if not amount > 0:
        raise ValueError("amount must be above 0")
    target = cm.index[outcome]
    n_i = cm.n_interventions
    context = CaveatContext(cm, (outcome,))
    g = context.total_effects(outcome)
    table = route_table(cm, target, k=paths)

    reaching = np.flatnonzero(table.reaches[:n_i])
    positive = reaching[g[reaching] > 0]
    unreachable = tuple(cm.node_ids[i] for i in range(n_i) if not table.reaches[i])
    no_net_gain = {cm.node_ids[i]: float(g[i]) for i in reaching if g[i] <= 0}

    volumes = np.zeros(n_i)
    volumes[positive] = amount / g[positive]
    quantities = resource_quantities(cm, volumes, above=cm.volume)
    costs = quantities * cm.unit_cost[None, :]
    totals = _value_totals(cm, positive, volumes, target)
    later = _Later(cm, target, volumes, co_benefits, positive)
    time_hours = quantities[:, cm.time_resource].sum(axis=1)
    all_hours = quantities[:, cm.hour_resource].sum(axis=1)
    time_cost = costs[:, cm.time_resource].sum(axis=1)

    # every pathway's routes at once, with their flags (contested, weak ... complex)
    walks = table.walk(cm, positive)
    names = np.array(cm.node_ids, dtype=object).take(walks.node_table, mode="clip").tolist()
    route_bits = walks.bits(cm).tolist()
    flag_words: dict[int, tuple[str, ...]] = {}
    per_pathway: list[list[Route]] = [[] for _ in positive]
    for owner, ids, n, links, eff, bits in zip(
        walks.owner.tolist(),
        names,
        walks.length.tolist(),
        walks.links,
        walks.effect,
        route_bits,
        strict=True,
    ):
        if bits not in flag_words:
            flag_words[bits] = tuple(flag_names(bits))
        per_pathway[owner].append(
            Route(
                tuple(ids[: n + 1]), eff, eff / g[positive[owner]], flag_words[bits], tuple(links)
            )
        )

    # the range of valuations of time over which each pathway ranks first on full cost
    breakdowns = [breakdown(cm, costs[i]) for i in positive]
    ranges = switching_ranges(
        [(c.full - time_cost[i]) / amount for c, i in zip(breakdowns, positive, strict=True)],
        [time_hours[i] / amount for i in positive],
        [cm.node_ids[i] for i in positive],
    )
    pathways = []
    for col, i in enumerate(positive):
        iid = cm.node_ids[i]
        itv = m.interventions[iid]
        cost = breakdowns[col]
        alone = np.zeros(n_i)
        alone[i] = volumes[i]
        only = np.zeros_like(quantities)
        only[i] = quantities[i]
        caveats = context.for_volumes(alone, quantities=only)
        routes = per_pathway[col]
        flags = list(caveats.flags)
        shares = caveats.flag_shares[outcome]
        later.caveats[iid] = (flags, routes, shares, caveats.short, caveats)
        capacity = float(cm.capacity[i]) if np.isfinite(cm.capacity[i]) else None
        pathways.append(
            Pathway(
                intervention=iid,
                label=itv.label or iid,
                unit=itv.unit or "unit",
                total_effect=float(g[i]),
                volume=float(volumes[i]),
                cost=cost,
                cost_per_outcome_full=cost.full / amount,
                cost_per_outcome_public=cost.public / amount,
                capacity=capacity,
                co_benefit_value=totals[col],
                flags=tuple(flags),
                paths=tuple(routes),
                flag_shares=shares,
                resources_short=caveats.short,
                coproduction_share_hours=(
                    float(time_hours[i] / all_hours[i]) if all_hours[i] > 0 else None
                ),
                time_hours=float(time_hours[i]),
                first_on_full_cost_when_time_valued=ranges[col],
                enabling_shortfall=caveats.enabling.get(iid, {}),
                later=later,
            )
        )
    key = (
        (lambda p: (p.cost_per_outcome_full, p.intervention))
        if by == "full"
        else (lambda p: (p.cost_per_outcome_public, p.cost_per_outcome_full, p.intervention))
    )
    pathways.sort(key=key)
    later.shown_in([cm.index[p.intervention] for p in pathways])
    out_node = m.outcomes[outcome]
    named = m.labels()
    labels = {nid: named.get(nid, nid) for nid in (*cm.node_ids, *cm.resource_ids)}
    return BackwardsMap(
        model_name=m.name,
        outcome=outcome,
        outcome_label=out_node.label or outcome,
        outcome_unit=out_node.unit or "unit",
        amount=float(amount),
        by=by,
        currency=m.currency,
        price_year=m.price_year,
        scenarios=tuple(scenarios),
        pathways=tuple(pathways),
        unreachable=unreachable,
        no_net_gain=no_net_gain,
        labels=labels,
        time_value=basis_of(m).to_dict(),
        enabling_shortfall=enabling_shortfalls(cm),
    )


def _with_wellbeing(result: BackwardsMap, model: Model | CompiledModel) -> BackwardsMap:
    from dataclasses import replace

    from ..model.distributions import mean_of
    from ..model.errors import Issue, ModelError
    from ..model.time_value import wellbeing_resources

    cm = model if isinstance(model, CompiledModel) else compile_model(model)
    w = cm.model.volunteer_wellbeing
    if w is None:
        raise ModelError(
            [
                Issue(
                    "volunteer_wellbeing",
                    "this model gives no value for the "
                    "wellbeing volunteers gain; add volunteer_wellbeing: {per_hour: "
                    "..., source: ...} to the model file",
                )
            ]
        )
    per_hour = float(mean_of(w.per_hour))
    rows = [cm.resource_ids.index(r) for r in wellbeing_resources(cm.model)]
    pathways = []
    for p in result.pathways:
        i = cm.index[p.intervention]
        v = np.zeros(cm.n_interventions)
        v[i] = p.volume
        hours = float(resource_quantities(cm, v, above=cm.volume)[i, rows].sum())
        pathways.append(replace(p, volunteer_wellbeing={"hours": hours, "value": hours * per_hour}))
    return replace(
        result,
        pathways=tuple(pathways),
        volunteer_wellbeing={
            "label": w.label or "wellbeing from volunteering",
            "per_hour": per_hour,
            "source": w.source,
            "resources": list(wellbeing_resources(cm.model)),
        },
    )


def switching_ranges(
    fixed: list[float], slope: list[float], names: list[str]
) -> list[tuple[float, float | None] | None]:
    """For lines ``fixed[p] + slope[p] × w`` (cost per outcome unit at a valuation of ``w`` a
    unit of time), the range ``(low, high)`` of ``w ≥ 0`` over which each is the lowest — ties
    go to the name first in order, as the ranking does — or None when it never is. ``high`` is
    None when unbounded. The ranges of the lines that are ever lowest tile [0, ∞): each
    breakpoint is where the next line crosses below, found exactly (the lower envelope)."""
    n = len(fixed)
    out: list[tuple[float, float | None] | None] = [None] * n
    if n == 0:
        return out
    a = np.asarray(fixed, dtype=float)
    b = np.asarray(slope, dtype=float)
    order = sorted(range(n), key=lambda p: (a[p], b[p], names[p]))
    current, w = order[0], 0.0
    while True:
        # lines with a smaller slope overtake the current one at w* = Δfixed / Δslope
        steeper = b < b[current]
        if not steeper.any():
            out[current] = (w, None)
            return out
        cross = np.full(n, np.inf)
        with np.errstate(over="ignore"):  # subnormal slope gaps: no crossing in floats
            cross[steeper] = (a[steeper] - a[current]) / (b[current] - b[steeper])
        cross = np.maximum(cross, w)
        w_next = float(cross.min())
        if not np.isfinite(w_next):  # slopes so close that they never cross in floats
            out[current] = (w, None)
            return out
        at = np.flatnonzero(cross <= w_next)
        # beyond the crossing the flattest of the lines meeting there is lowest
        nxt = min(at, key=lambda p: (b[p], names[p]))
        if w_next > w:  # a line lowest at one valuation only has no range
            out[current] = (w, w_next)
        current, w = int(nxt), w_next


def _value_totals(
    cm: CompiledModel, positive: np.ndarray, volumes: np.ndarray, target: int
) -> list[dict]:
    """Each pathway's co-benefit value by kind (fiscal by agency, economic, social) at its
    volume: Σ_o value[o] T[o, i] × volume over the outcomes other than the target, from one
    backward solve per kind of value with any value (not one forward solve per pathway)."""
    n_i = cm.n_interventions
    kinds = np.column_stack([cm.value_fiscal, cm.value_economic, cm.value_social])
    kinds[target - n_i] = 0.0  # the target is what the pathway is for, not a co-benefit
    per_unit = np.zeros((n_i, kinds.shape[1]))
    valued = np.flatnonzero(np.any(kinds != 0, axis=0))
    if len(valued) and len(positive):
        per_unit[:, valued] = weighted_effects(cm, kinds[:, valued])
    at = per_unit[positive] * volumes[positive][:, None]
    n_a = len(cm.agency_ids)
    out = []
    for row in at.tolist():
        total = {
            "fiscal": {a: x for a, x in zip(cm.agency_ids, row[:n_a], strict=True) if x != 0},
            "economic": row[n_a],
            "social": row[n_a + 1],
        }
        total["total"] = float(sum(total["fiscal"].values()) + total["economic"] + total["social"])
        out.append(total)
    return out


class _Later:
    """What a backwards map works out only when it is read, for the pathways read: each
    pathway's co-benefit lists (one forward solve for a block of pathways, in the order
    shown) and its notes (structured, and in words). ``limit``: co-benefits listed (None:
    every one, all worked out at once, as the longest list sets the length of all)."""

    def __init__(
        self,
        cm: CompiledModel,
        target: int,
        volumes: np.ndarray,
        limit: int | None,
        positive: np.ndarray,
    ) -> None:
        self.cm = cm
        self.target = target
        self.volumes = volumes
        self.limit = limit
        self.order = [int(i) for i in positive]  # until the pathways are ranked
        self.caveats: dict[str, tuple] = {}  # what the notes are made of, by intervention
        self._co: dict[str, tuple[dict, dict, int]] = {}
        self._notes: dict[str, tuple[dict, ...]] = {}
        self._words: dict[str, tuple[str, ...]] = {}
        self._labels: Any = None  # presentation's Labels, made when a note is first said

    def shown_in(self, order: list[int]) -> None:
        self.order = order

    def co_benefits(self, iid: str) -> tuple[dict[str, float], dict[str, float], int]:
        if iid not in self._co:
            ids = self.cm.node_ids
            if self.limit is None:
                block = self.order
            else:
                # this pathway and the next ones shown, as many as have been worked out so
                # far (reading them all in order takes a few solves), within _CELLS
                most = max(1, _CELLS // max(len(self.cm.outcome_ids), 1))
                size = min(most, max(_BLOCK, len(self._co)))
                at = self.order.index(self.cm.index[iid])
                block = [j for j in self.order[at:] if ids[j] not in self._co][:size]
            block = sorted(j for j in block if ids[j] not in self._co)
            part = _co_benefit_rows(
                self.cm, np.array(block, dtype=np.int64), self.volumes, self.target, self.limit
            )
            for j, levels, values, omitted in zip(
                block, part.levels, part.values, part.omitted, strict=True
            ):
                self._co[ids[j]] = (levels, values, omitted)
        return self._co[iid]

    def note_data(self, p: Pathway) -> tuple[dict, ...]:
        iid = p.intervention
        if iid not in self._notes:
            flags, routes, shares, short, caveats = self.caveats[iid]
            self._notes[iid] = tuple(_notes(self.cm, flags, routes, shares, short, caveats))
        return self._notes[iid]

    def notes(self, p: Pathway) -> tuple[str, ...]:
        iid = p.intervention
        if iid not in self._words:
            from ..presentation.labels import Labels
            from ..presentation.words import pathway_notes

            if self._labels is None:
                self._labels = Labels(self.cm.model)
            self._words[iid] = tuple(pathway_notes(self.note_data(p), self._labels))
        return self._words[iid]


_BLOCK = 32  # pathways whose co-benefits one forward solve works out, at most
_CELLS = 1 << 22  # and at most this many (pathway, outcome) cells: 32 MiB an array


@dataclass(frozen=True)
class _CoBenefits:
    levels: list[dict[str, float]]
    values: list[dict[str, float]]
    omitted: list[int]


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Column indices of the n largest scores in each row, largest first (rows × n)."""
    if n <= 0 or scores.shape[1] == 0:
        return np.zeros((scores.shape[0], 0), dtype=np.int64)
    n = min(n, scores.shape[1])
    part = (
        np.argpartition(-scores, n - 1, axis=1)[:, :n]
        if n < scores.shape[1]
        else np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    )
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _co_benefit_rows(
    cm: CompiledModel, positive: np.ndarray, volumes: np.ndarray, target: int, limit: int | None
) -> _CoBenefits:
    """Other outcomes each of the pathways ``positive`` produces at its volume — valued
    outcomes first, largest value first, then the rest by level — and how many more it moves.
    Each row is worked out on its own (whatever the pathways taken with it), except that with
    ``limit=None`` (every co-benefit) the lists are as long as the longest."""
    n_i = cm.n_interventions
    out = _CoBenefits([], [], [])
    if len(positive) == 0:
        return out
    levels = np.ascontiguousarray(
        (effects_from(cm, positive)[n_i:, :] * volumes[positive][None, :]).T
    )  # pathways × outs
    levels[:, target - n_i] = 0.0
    unit_value = cm.value_fiscal.sum(axis=1) + cm.value_economic + cm.value_social
    magnitude = np.abs(levels)
    scale = np.maximum(1.0, magnitude.max(axis=1, initial=0.0))
    present = magnitude > 1e-12 * scale[:, None]
    del magnitude
    counts = present.sum(axis=1)
    n_show = int(counts.max(initial=0)) if limit is None else limit
    valued = np.flatnonzero(unit_value != 0)
    unvalued = np.flatnonzero(unit_value == 0)
    if n_show > 0:
        top_valued = valued[_top(np.abs(levels[:, valued] * unit_value[valued]), n_show)]
        top_unvalued = unvalued[_top(np.abs(levels[:, unvalued]), n_show)]
    else:  # no list asked for (counts only): nothing to rank
        top_valued = top_unvalued = np.zeros((len(positive), 0), dtype=np.int64)
    outcome_ids = cm.outcome_ids
    for row in range(len(positive)):
        rows = [o for o in (*top_valued[row], *top_unvalued[row]) if present[row, o]][:n_show]
        out.levels.append({outcome_ids[o]: float(levels[row, o]) for o in rows})
        out.values.append(
            {
                outcome_ids[o]: float(levels[row, o] * unit_value[o])
                for o in rows
                if unit_value[o] != 0
            }
        )
        out.omitted.append(int(counts[row]) - len(rows))
    return out


def _notes(
    cm: CompiledModel,
    flags: list[str],
    routes: list[Route],
    shares: dict[str, float],
    short: dict[str, dict[str, float]],
    caveats: Caveats,
) -> list[dict]:
    """Each flag of a pathway as a structured note: its kind, the share of the effect resting
    on it, and the links (on the largest routes), outcomes or resources that cause it."""
    notes = []
    m = cm.model
    for f in flags:
        note: dict = {"kind": f}
        if f == "no_public_input":
            note["reason"] = next(iter(caveats.no_public_input.values()), "none_paid")
        if f == "enabling_shortfall":
            short_of = next(iter(caveats.enabling.values()), None)
            if short_of:
                note["multiplier"] = short_of["multiplier"]
                note["inputs"] = {
                    r: v for r, v in short_of["inputs"].items() if v["actual"] < v["declared"]
                }
        if f in shares:
            note["share"] = shares[f]
        if f == "over_available":
            note["short"] = dict(short)
        if f in ("contested", "weak_evidence", "ungraded_evidence"):
            mask = {
                "contested": cm.link_contested,
                "weak_evidence": cm.link_weak,
                "ungraded_evidence": cm.link_ungraded,
            }[f]
            named: list[tuple[str, str]] = []
            for r in routes:
                for lk in r.links:
                    if not mask[lk]:  # name a link only when it has the flag
                        continue
                    pair = (cm.node_ids[cm.link_src[lk]], cm.node_ids[cm.link_dst[lk]])
                    if pair not in named:
                        named.append(pair)
            if named:
                note["links"] = [list(x) for x in named[:4]]
                note["more"] = max(len(named) - 4, 0)
        elif f == "complex":
            outs: list[str] = []
            for r in routes:
                for nid in r.nodes:
                    if nid in m.outcomes and m.outcomes[nid].complex and nid not in outs:
                        outs.append(nid)
            if outs:
                note["outcomes"] = outs[:4]
                note["more"] = max(len(outs) - 4, 0)
        notes.append(note)
    return notes
