"""The model file, format version 1, as typed objects.

These classes say what each field is and check what can be checked field by field (types,
signs, ranges). Checks that need the whole model (references between sections, cycles,
correlations naming real quantities) live in :mod:`coproduce.model.validate`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from .distributions import Quantity, is_uncertain

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
ID_RE = re.compile(ID_PATTERN)

Id = Annotated[str, Field(pattern=ID_PATTERN)]


def _non_negative(value: Any, what: str) -> Any:
    """Quantities other than effects and values cannot be negative, even in a distribution."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{what} cannot be negative (got {value})")
    elif is_uncertain(value) or hasattr(value, "support"):  # a distribution
        low = value.support[0]
        if low < 0:
            raise ValueError(
                f"{what} cannot be negative, but this {value.dist} distribution reaches {low}; "
                "use a lognormal, gamma, or a distribution bounded at 0"
            )
    return value


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = None
    source: str | None = None
    notes: str | None = None


class Sector(BaseModel):
    """Who provides a resource: public, private, third sector, service users, community."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    coproduction: bool = False


DEFAULT_SECTORS: dict[str, Sector] = {
    "public": Sector(label="Public sector"),
    "private": Sector(label="Private sector"),
    "third": Sector(label="Third sector"),
    "user": Sector(label="Service users", coproduction=True),
    "community": Sector(label="Community", coproduction=True),
}


class Agency(BaseModel):
    """A paying or gaining organisation (council, NHS, police ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str


class Resource(_Node):
    """An input bought or given: ``unit_cost`` is currency per ``unit`` in the model's price year;
    ``available`` is the most that can be had per period (e.g. volunteer hours a year)."""

    unit: str
    sector: Id
    agency: Id | None = None
    unit_cost: Quantity
    available: Quantity | None = None

    @field_validator("unit_cost")
    @classmethod
    def _cost(cls, v):
        return _non_negative(v, "a unit cost")

    @field_validator("available")
    @classmethod
    def _available(cls, v):
        return v if v is None else _non_negative(v, "availability")


class CostBand(BaseModel):
    """One band of a piecewise-linear cost curve: volume up to ``up_to`` (from the previous
    band's ``up_to``, or 0) uses ``multiplier`` × the per-unit ``inputs``. The last band has no
    ``up_to``: it runs on without limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    up_to: float | None = None
    multiplier: float

    @field_validator("up_to")
    @classmethod
    def _up_to(cls, v):
        if v is not None and not v > 0:
            raise ValueError(f"a band must end at a volume above 0 (got {v:g})")
        return v

    @field_validator("multiplier")
    @classmethod
    def _multiplier(cls, v):
        if not v >= 0 or v == float("inf"):
            raise ValueError(
                f"a multiplier cannot be negative or infinite (got {v:g}); 1 uses "
                "the intervention's own inputs, 0.8 a fifth less, 1.3 a third more"
            )
        return v


class EnablingInput(BaseModel):
    """How strongly an intervention's effect depends on one of its inputs (an organiser,
    training, a venue): below the declared ``level`` the effect of every link out of the
    intervention is multiplied by ``floor + (1 − floor) × (actual / level)^elasticity``.

    ``level`` is the input per unit of volume (per period for a fixed input) at which the
    effects were estimated; when the file leaves it out, the loader fills in the input as the
    file states it, so scenarios and sweeps that cut the input are measured against it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    elasticity: Quantity = 1.0
    floor: Quantity = 0.0
    level: float | None = None

    @field_validator("elasticity")
    @classmethod
    def _elasticity(cls, v):
        return _non_negative(v, "an elasticity")

    @field_validator("floor")
    @classmethod
    def _floor(cls, v):
        _non_negative(v, "a floor")
        high = v if isinstance(v, (int, float)) else v.support[1]
        if high > 1:
            raise ValueError(
                f"a floor is a share of the effect kept with no support at all, "
                f"from 0 to 1 (got {high:g})"
            )
        return v

    @field_validator("level")
    @classmethod
    def _level(cls, v):
        if v is not None and not (v >= 0 and v != float("inf")):
            raise ValueError(f"a declared level must be a finite number of 0 or more (got {v})")
        return v


COPRODUCTION_KINDS = ("individual", "collective", "none")
"""The kinds of co-production an intervention may rely on: ``individual`` (a user's own
contribution: self-management, home exercise), ``collective`` (groups of residents: a street
watch, peer groups) or ``none`` (professionally delivered)."""

COPRODUCTION_STAGES = ("co_commissioning", "co_design", "co_delivery", "co_assessment")
"""The stages of a service in which users and communities may take part (Loeffler & Bovaird
2020), in the order a service runs through them."""

CoproductionKind = Literal["individual", "collective", "none"]
CoproductionStage = Literal["co_commissioning", "co_design", "co_delivery", "co_assessment"]


class Intervention(_Node):
    """Something the partnership does, at a ``volume`` of ``unit`` per period.

    ``volume`` is what runs today (the baseline). ``min_volume`` is the least volume a plan
    must keep (a contract, a statutory duty); ``max_decrease`` the share of today's volume that
    may stop in one period (placements that end naturally); ``cost_curve`` scales the per-unit
    inputs band by band (economies or diseconomies of scale). ``enabling`` names the inputs
    whose effect depends on them (see :class:`EnablingInput`). ``coproduction`` is the kind
    of co-production it relies on (:data:`COPRODUCTION_KINDS`; unset: not stated) and
    ``stages`` the stages of the service it involves users in (:data:`COPRODUCTION_STAGES`)."""

    unit: str | None = None
    volume: Quantity = 0.0
    capacity: Quantity | None = None
    min_volume: Quantity | None = None
    max_decrease: float | None = Field(default=None, ge=0, le=1)
    inputs: dict[str, Quantity] = Field(default_factory=dict)
    fixed_inputs: dict[str, Quantity] = Field(default_factory=dict)
    enabling: dict[str, EnablingInput] = Field(default_factory=dict)
    cost_curve: list[CostBand] | None = None
    coproduction: CoproductionKind | None = None
    stages: list[CoproductionStage] = Field(default_factory=list)

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: list):
        if len(set(v)) != len(v):
            twice = sorted({s for s in v if v.count(s) > 1})
            raise ValueError(f"give each stage once: {', '.join(twice)} is given twice")
        return sorted(v, key=COPRODUCTION_STAGES.index)

    @field_validator("volume")
    @classmethod
    def _volume(cls, v):
        return _non_negative(v, "a volume")

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, v):
        return v if v is None else _non_negative(v, "a capacity")

    @field_validator("min_volume")
    @classmethod
    def _min_volume(cls, v):
        return v if v is None else _non_negative(v, "a minimum volume")

    @field_validator("inputs", "fixed_inputs")
    @classmethod
    def _inputs(cls, v: dict):
        for key, q in v.items():
            _non_negative(q, f"input '{key}'")
        return v


class OutcomeValue(BaseModel):
    """What one unit of an outcome is worth, by kind: fiscal (by gaining agency), economic and
    social, each in currency per outcome unit. A negative value is a cost borne by society."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fiscal: dict[str, Quantity] = Field(default_factory=dict)
    economic: Quantity | None = None
    social: Quantity | None = None


class Outcome(_Node):
    """A change the programme seeks; ``final`` outcomes are ends in themselves, ``complex``
    ones behave as complex adaptive systems, so figures through them are indicative only."""

    unit: str | None = None
    final: bool = False
    complex: bool = False
    value: OutcomeValue | None = None


class Link(BaseModel):
    """Cause and effect: ``effect`` is the change in ``to`` per unit of ``from``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from")
    to: str
    effect: Quantity
    evidence: int | None = Field(default=None, ge=1, le=5)
    contested: bool = False
    source: str | None = None
    notes: str | None = None


class Correlation(BaseModel):
    """A rank correlation between two uncertain quantities named by path."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    between: tuple[str, str]
    rho: float = Field(ge=-1, le=1)


# ----- scenarios: small, named edits of the baseline, applied in order ---------------------


class SetChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    set: str
    value: Quantity | None


class ScaleChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scale: str
    by: float = Field(ge=0)


class LinkRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from")
    to: str


class RemoveLinkChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    remove_link: LinkRef


class NewIntervention(Intervention):
    id: Id


class AddInterventionChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    add_intervention: NewIntervention


class RemoveInterventionChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    remove_intervention: str


class AddLinkChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    add_link: Link


CHANGE_KINDS = (
    "set",
    "scale",
    "remove_link",
    "add_intervention",
    "remove_intervention",
    "add_link",
)


def _change_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        kinds = [k for k in CHANGE_KINDS if k in value]
        return kinds[0] if len(kinds) == 1 else None
    for kind, cls in zip(CHANGE_KINDS, _CHANGE_CLASSES, strict=True):
        if isinstance(value, cls):
            return kind
    return None


_CHANGE_CLASSES = (
    SetChange,
    ScaleChange,
    RemoveLinkChange,
    AddInterventionChange,
    RemoveInterventionChange,
    AddLinkChange,
)

Change = Annotated[
    Annotated[SetChange, Tag("set")]
    | Annotated[ScaleChange, Tag("scale")]
    | Annotated[RemoveLinkChange, Tag("remove_link")]
    | Annotated[AddInterventionChange, Tag("add_intervention")]
    | Annotated[RemoveInterventionChange, Tag("remove_intervention")]
    | Annotated[AddLinkChange, Tag("add_link")],
    Discriminator(
        _change_kind,
        custom_error_type="change_kind",
        custom_error_message="each change needs exactly one of: " + ", ".join(CHANGE_KINDS),
    ),
]


class Scenario(BaseModel):
    """A named, composable change to the baseline. ``kind``: ``decision`` (something the
    partnership can choose: compared as an option) or ``belief`` (another reading of the
    evidence: a sensitivity analysis, never an option); unset counts as a decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str | None = None
    kind: Literal["decision", "belief"] | None = None
    notes: str | None = None
    changes: list[Change] = Field(default_factory=list)


class TimeValue(BaseModel):
    """A named basis for valuing users' and communities' time: ``per_hour`` in the model's
    currency and price year, applied to every resource of a co-production sector whose unit
    is an hour."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str | None = None
    per_hour: Quantity
    source: str | None = None
    notes: str | None = None

    @field_validator("per_hour")
    @classmethod
    def _per_hour(cls, v):
        return _non_negative(v, "a value of time")


class VolunteerWellbeing(BaseModel):
    """The benefit regular volunteering brings the volunteers themselves: ``per_hour`` of
    volunteering (currency of the model's price year) for the hours of ``resources`` (default:
    every resource of the ``community`` sector measured in hours). An optional co-benefit, off
    unless an analysis asks for it, and always shown apart from the programme's outcomes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str | None = None
    per_hour: Quantity
    resources: list[Id] | None = None
    source: str | None = None
    notes: str | None = None

    @field_validator("per_hour")
    @classmethod
    def _per_hour(cls, v):
        return _non_negative(v, "a wellbeing value")


class Model(BaseModel):
    """A whole strategy map (model file format 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coproduce: Literal[1]
    name: str
    description: str | None = None
    currency: str = "GBP"
    price_year: int = Field(ge=1900, le=2200)
    source: str | None = None
    notes: str | None = None
    sectors: dict[Id, Sector] = Field(default_factory=lambda: dict(DEFAULT_SECTORS))
    agencies: dict[Id, Agency] = Field(default_factory=dict)
    resources: dict[Id, Resource] = Field(default_factory=dict)
    interventions: dict[Id, Intervention] = Field(default_factory=dict)
    outcomes: dict[Id, Outcome] = Field(default_factory=dict)
    links: list[Link] = Field(default_factory=list)
    correlations: list[Correlation] = Field(default_factory=list)
    scenarios: dict[Id, Scenario] = Field(default_factory=dict)
    targets: dict[str, float] = Field(default_factory=dict)
    time_values: dict[Id, TimeValue] = Field(default_factory=dict)
    time_value: Id | None = None
    volunteer_wellbeing: VolunteerWellbeing | None = None

    # set by the loader: where the model came from, for messages; not part of the file
    def node_kind(self, node_id: str) -> str | None:
        if node_id in self.interventions:
            return "intervention"
        if node_id in self.outcomes:
            return "outcome"
        if node_id in self.resources:
            return "resource"
        return None

    def label_of(self, node_id: str) -> str:
        for section in (self.interventions, self.outcomes, self.resources):
            if node_id in section:
                return section[node_id].label or node_id
        return node_id

    def labels(self) -> dict[str, str]:
        """:meth:`label_of` of every intervention, outcome and resource, in one pass (for
        callers that label many)."""
        named: dict[str, str] = {}
        # in reverse of label_of's order, so that an intervention's label wins, as there
        for section in (self.resources, self.outcomes, self.interventions):
            named.update({nid: node.label or nid for nid, node in section.items()})
        return named

    def unit_of(self, node_id: str) -> str:
        for section in (self.interventions, self.outcomes, self.resources):
            if node_id in section:
                return section[node_id].unit or "unit"
        return "unit"
