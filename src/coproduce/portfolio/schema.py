"""The portfolio file, format version 1, as typed objects.

A portfolio lists several programme maps (services), each its own model file or bundled
example with its targets, the community resources they share (pools of hours, per area when
given) and the budgets the joint plan must respect::

    coproduce_portfolio: 1
    name: City services
    services:
      older:  {model: older.yaml, targets: {independent_years: 40}}  # relative to this file
      safety: {model: "example:neighbourhood-safety"}                # the model's own targets
    pools:        # a pool replaces each listed resource's own `available`
      volunteers: {resources: {older: volunteer_hour, safety: volunteer_hour}, available: 50000}
    budgets: {public: 2500000, enabling: 400000}

Checks that need the models (outcomes, resources, sectors) live in :mod:`.load`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..model.schema import ID_PATTERN

Id = Annotated[str, Field(pattern=ID_PATTERN)]

POOL_KINDS = ("individual", "collective")
BUDGET_KEYS_EXTRA = ("full", "enabling")
"""Budget keys beyond the models' sectors: ``full`` (every sector) and ``enabling`` (public
money on the inputs co-produced interventions declare as enabling them)."""


def _finite_non_negative(v: float, what: str) -> float:
    if not (v >= 0 and v != float("inf")):
        raise ValueError(f"{what} must be a finite amount of 0 or more (got {v})")
    return v


class Service(BaseModel):
    """One programme map in the portfolio.

    ``model``: a model file (relative to the portfolio file) or ``example:NAME``; ``targets``
    (outcome -> amount, read as increases over what today's services achieve, as ``map`` and
    ``plan`` read them; default the model's own); ``outcome``: the target the co-produced and
    professional pathways are compared on (default the first target); ``scenarios`` applied to
    the model in order; ``area``: the area the service runs in, for pools given by area;
    ``wtp``: the value of one unit of ``outcome`` for the value of information (default the
    model's value of it, else the dearer pathway's cost per unit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str
    label: str | None = None
    targets: dict[str, float] | None = None
    outcome: str | None = None
    scenarios: list[str] = Field(default_factory=list)
    area: str | None = None
    wtp: float | None = None
    notes: str | None = None

    @field_validator("targets")
    @classmethod
    def _targets(cls, v):
        if v is not None:
            for o, a in v.items():
                _finite_non_negative(a, f"target {o}")
        return v

    @field_validator("wtp")
    @classmethod
    def _wtp(cls, v):
        return v if v is None else _finite_non_negative(v, "a willingness to pay")


class Pool(BaseModel):
    """Community time shared by services: ``resources`` names, per service, the resource (or
    resources) drawing on it; ``available`` is the most a period, a number or one per area
    (``{north: 20000, south: 30000}``: each service then names its ``area``); ``kind``:
    ``individual`` or ``collective`` co-production, where the data say which."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str | None = None
    resources: dict[Id, Id | list[Id]]
    available: float | dict[str, float]
    kind: Literal["individual", "collective"] | None = None
    source: str | None = None
    notes: str | None = None

    @field_validator("available")
    @classmethod
    def _available(cls, v):
        if isinstance(v, dict):
            if not v:
                raise ValueError("give the hours of at least one area, or one number")
            for area, x in v.items():
                _finite_non_negative(x, f"the hours of area '{area}'")
            return v
        return _finite_non_negative(v, "availability")

    def resource_lists(self) -> dict[str, list[str]]:
        """Per service, the resources drawing on this pool."""
        return {s: [r] if isinstance(r, str) else list(r) for s, r in self.resources.items()}


class PortfolioFile(BaseModel):
    """A whole portfolio file (format 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    coproduce_portfolio: Literal[1]
    name: str
    description: str | None = None
    source: str | None = None
    notes: str | None = None
    time_value: str | None = None
    services: dict[Id, Service]
    pools: dict[Id, Pool] = Field(default_factory=dict)
    budgets: dict[str, float] = Field(default_factory=dict)

    @field_validator("services")
    @classmethod
    def _services(cls, v):
        if not v:
            raise ValueError("list at least one service: {name: {model: FILE}}")
        return v

    @field_validator("budgets")
    @classmethod
    def _budgets(cls, v):
        for k, x in v.items():
            _finite_non_negative(x, f"budget '{k}'")
        return v


CLASSES = {"": PortfolioFile, "services": Service, "pools": Pool}
