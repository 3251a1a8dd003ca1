"""The one result object of planning, and what it says in words."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ...formatting import plural as _plural

MIP_NOTE = (
    "This plan has set-up costs or economies of scale, so it was solved as a mixed-integer "
    "programme. Its shadow prices are those of the linear programme with the integer decisions "
    "(which interventions run, which cost band each reaches) held as the plan chose them: they "
    "hold for small changes, and a larger change may make it worth starting or stopping an "
    "intervention."
)


def plural(unit: str, amount: float) -> str:
    """``unit`` as it reads after ``amount``: 'befriending match (about a year)' becomes
    'befriending matches (about a year)', 'person' 'people', for any amount but 1 (the one
    formatter's :func:`coproduce.formatting.plural`)."""
    if abs(amount) == 1 or not unit:
        return unit
    return _plural(unit)


@dataclass(frozen=True)
class Constraint:
    """One constraint of the plan: its key (``independent_years``, ``volunteer_hour``,
    ``reablement.capacity``, ``budget.public``), kind, limit and level in its own units, and
    its shadow price: for targets and minimum volumes what one unit more costs (least-cost
    plans) or gives up in value (most-value plans); for resources, budgets and capacities what
    one unit more saves or adds in value. Currency of the model's price year. ``words``, the
    constraint in a sentence, is written when first read (``say``: the sentence, or what
    writes it)."""

    key: str
    kind: str
    name: str
    label: str
    unit: str
    limit: float
    level: float
    binding: bool
    shadow_price: float
    say: str | Callable[[], str] = field(default="", repr=False, compare=False)

    @cached_property
    def words(self) -> str:
        return self.say if isinstance(self.say, str) else self.say()

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": self.kind,
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "limit": self.limit,
            "level": self.level,
            "binding": self.binding,
            "shadow_price": self.shadow_price,
            "words": self.words,
        }


class Constraints(Sequence):
    """A plan's constraints, made when first read (a plan with ten thousand capacities need
    not make ten thousand objects and sentences to be solved): a read-only sequence equal to
    the tuple of its :class:`Constraint` objects, pickled as that tuple."""

    def __init__(self, make: Callable[[], tuple[Constraint, ...]]) -> None:
        self._make: Callable[[], tuple[Constraint, ...]] | None = make
        self._items: tuple[Constraint, ...] = ()

    @property
    def items(self) -> tuple[Constraint, ...]:
        if self._make is not None:
            self._items, self._make = tuple(self._make()), None
        return self._items

    def __getitem__(self, k):
        return self.items[k]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Constraint]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Constraints):
            other = other.items
        return isinstance(other, tuple) and self.items == other

    def __hash__(self) -> int:
        return hash(self.items)

    def __repr__(self) -> str:
        return repr(self.items)

    def __reduce__(self):
        return (tuple, (self.items,))


@dataclass(frozen=True)
class FrontierPoint:
    """Best value reachable for a budget (the efficient frontier)."""

    budget: float
    cost_public: float
    cost_full: float
    value: float
    volumes: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "budget": self.budget,
            "cost_public": self.cost_public,
            "cost_full": self.cost_full,
            "value": self.value,
            "volumes": self.volumes,
        }


@dataclass(frozen=True)
class Plan:
    """A plan: the least-cost mix reaching targets, or the most valuable mix within budgets.

    Volumes are per period in each intervention's unit; money in ``currency`` at
    ``price_year`` prices; outcome levels in outcome units. ``status`` is ``optimal`` or
    ``infeasible`` (then ``relaxation`` says, for each target or limit that would make the plan
    feasible if relaxed alone, by how much).

    ``current_volumes`` (also ``baseline``) is what runs today; ``changes`` planned − today.
    ``targets_as``: ``increase`` (targets are increases over what today's volumes achieve) or
    ``total``. ``cost`` is that of the whole planned volumes. ``flags``, ``flag_shares`` and
    ``caveats`` are those of what the plan funds (:mod:`coproduce.engine.flags`);
    ``time_value`` the valuation basis of users' and communities' time used, and
    ``same_choice_when_time_valued`` the range of hourly valuations (currency an hour; high
    None when unbounded) over which the plan funds the same interventions.
    """

    status: str
    mode: str  # least_cost or most_value
    objective: str  # public or full
    model_name: str
    currency: str
    price_year: int
    targets: dict[str, float]
    budgets: dict[str, float]
    weights: dict[str, float]  # value per outcome unit the plan maximised
    volumes: dict[str, float]
    current_volumes: dict[str, float]
    cost: dict[str, Any]
    intervention_costs: dict[str, dict[str, Any]]
    outcomes: dict[str, float]
    value: float  # the model's own valuation of the outcomes
    objective_value: float  # what the solver optimised (cost or value)
    resource_use: dict[str, dict[str, float | None]]
    constraints: Sequence[Constraint]  # a tuple, or Constraints (made when first read)
    mixed_integer: bool
    relaxation: dict[str, float]
    relaxation_together: dict[str, float]
    message: str
    frontier: tuple[FrontierPoint, ...] = ()
    frontier_measure: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    # the baseline: targets read as increases over what today's volumes achieve, or totals
    targets_as: str = "increase"
    units: dict[str, str] = field(default_factory=dict)  # unit of each intervention
    baseline_outcomes: dict[str, float] = field(default_factory=dict)  # levels today
    least_volumes: dict[str, float] = field(default_factory=dict)  # floors above 0
    max_decrease: dict[str, float] = field(default_factory=dict)  # where declared (< 1)
    value_change: float = float("nan")  # model's value of outcomes, planned − today
    # caveats of what the plan funds (engine/flags.py), and the valuation of time it used
    caveats: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    flag_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    time_value: dict[str, Any] = field(default_factory=dict)
    same_choice_when_time_valued: tuple[float, float | None] | None = None
    same_choice_checked: bool = False  # False: the range was not asked for
    min_evidence: dict[str, Any] | None = None

    @property
    def fits(self) -> bool:
        """Deliverable as it stands: no volume over capacity, no resource over what is
        available (always so for an optimal plan; False when no plan is possible)."""
        return self.status == "optimal" and not any(
            f in self.flags for f in ("over_capacity", "over_available")
        )

    @property
    def baseline(self) -> dict[str, float]:
        """Today's volume of every intervention (its ``volume``), per period."""
        return dict(self.current_volumes)

    @property
    def changes(self) -> dict[str, float]:
        """Planned − today's volume per intervention (empty when no plan is possible)."""
        return {iid: v - self.current_volumes.get(iid, 0.0) for iid, v in self.volumes.items()}

    @property
    def outcome_changes(self) -> dict[str, float]:
        """Planned − today's level of every outcome (outcome units)."""
        return {o: lvl - self.baseline_outcomes.get(o, 0.0) for o, lvl in self.outcomes.items()}

    @property
    def binding(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.constraints if c.binding)

    @property
    def shadow_prices(self) -> dict[str, dict[str, float]]:
        groups = {
            "target": "targets",
            "resource": "resources",
            "capacity": "capacities",
            "min_volume": "min_volumes",
            "max_decrease": "max_decreases",
            "budget": "budgets",
        }
        out: dict[str, dict[str, float]] = {g: {} for g in groups.values()}
        for c in self.constraints:
            out[groups[c.kind]][c.name] = c.shadow_price
        return out

    @property
    def explanations(self) -> tuple[str, ...]:
        """Shadow prices and binding limits in plain words, the most telling first."""
        told = [c for c in self.constraints if c.binding or c.kind == "target"]
        told.sort(
            key=lambda c: (
                c.kind != "target",
                -abs(c.shadow_price) if math.isfinite(c.shadow_price) else 0,
            )
        )
        words = [c.words for c in told]
        if self.mixed_integer and self.status == "optimal":
            words.append(MIP_NOTE)
        return tuple(words)

    @property
    def reading(self) -> str:
        """How the targets are read, in words."""
        return (
            "targets are increases over what today's services already achieve"
            if self.targets_as == "increase"
            else "targets are total levels, counted from nothing (not from what runs today)"
        )

    def _label(self, key: str) -> str:
        return self.labels.get(key, key)

    def _units(self, iid: str, v: float) -> str:
        return plural(self.units.get(iid, "unit"), v)

    def change_notes(self) -> tuple[dict[str, Any], ...]:
        """What the plan changes from today, per intervention it starts, grows, cuts or
        stops: ``{intervention, kind (start, grow, cut, stop), current, planned, words}``; a
        cut or stop says it is a decision that affects the people the service supports
        today."""
        from ...presentation import plan_words

        return plan_words.change_notes(self)

    def change_words(self) -> tuple[str, ...]:
        """:meth:`change_notes` as sentences."""
        return tuple(n["words"] for n in self.change_notes())

    def caveat_words(self) -> tuple[str, ...]:
        """The caveats of what the plan funds, in sentences (see :mod:`coproduce.engine.flags`)."""
        from ...presentation import plan_words

        return plan_words.caveat_words(self)

    def time_words(self) -> str:
        """The valuation of users' and communities' time used, and the range over which the
        plan's choice of interventions holds."""
        from ...presentation import plan_words

        return plan_words.time_words(self)

    def evidence_words(self) -> str:
        """Whether the plan survives leaving out weakly evidenced links (``min_evidence``)."""
        from ...presentation import plan_words

        return plan_words.evidence_words(self)

    def summary(self) -> str:
        """The plan in plain language (:meth:`summary_parts` joined)."""
        return " ".join(self.summary_parts())

    def summary_parts(self) -> list[str]:
        """The plan in short paragraphs
        (:func:`coproduce.presentation.words.plan_summary_parts`)."""
        from ...presentation.words import plan_summary_parts

        return plan_summary_parts(self)

    def to_dict(self) -> dict:
        """The ``plan --json`` contract: status, volumes, baseline, changes, targets_as,
        cost{full, public, by_sector} (of the whole planned volumes), outcomes, binding,
        shadow_prices{targets, resources, ...}, flags, flag_shares{target: {kind: share}},
        caveats, time_value, same_choice_when_time_valued, min_evidence, relaxation
        (infeasible)."""
        out: dict[str, Any] = {
            "status": self.status,
            "mode": self.mode,
            "objective": self.objective,
            "model": self.model_name,
            "currency": self.currency,
            "price_year": self.price_year,
            "targets": self.targets,
            "budgets": self.budgets,
            "volumes": self.volumes,
            "cost": self.cost,
            "outcomes": self.outcomes,
            "value": self.value,
            "objective_value": self.objective_value,
            "binding": list(self.binding),
            "shadow_prices": self.shadow_prices,
            "constraints": [c.to_dict() for c in self.constraints],
            "resource_use": self.resource_use,
            "intervention_costs": self.intervention_costs,
            "current_volumes": self.current_volumes,
            "baseline": self.baseline,
            "changes": self.changes,
            "targets_as": self.targets_as,
            "baseline_outcomes": self.baseline_outcomes,
            "outcome_changes": self.outcome_changes,
            "value_change": self.value_change,
            "least_volumes": self.least_volumes,
            "flags": list(self.flags),
            "fits": self.fits,
            "flag_shares": self.flag_shares,
            "caveats": self.caveats,
            "time_value": self.time_value,
            "same_choice_when_time_valued": (
                list(self.same_choice_when_time_valued)
                if self.same_choice_when_time_valued is not None
                else None
            ),
            "min_evidence": self.min_evidence,
            "change_notes": list(self.change_notes()),
            "caveat_words": list(self.caveat_words()),
            "mixed_integer": self.mixed_integer,
            "duals_note": MIP_NOTE
            if self.mixed_integer
            else "Shadow prices are the duals of the linear programme.",
            "explanations": list(self.explanations),
            "summary": self.summary(),
            "message": self.message,
        }
        if self.status != "optimal":
            out["relaxation"] = self.relaxation
            out["relaxation_together"] = self.relaxation_together
        if self.frontier:
            out["frontier"] = [p.to_dict() for p in self.frontier]
            out["frontier_measure"] = self.frontier_measure
        return out
