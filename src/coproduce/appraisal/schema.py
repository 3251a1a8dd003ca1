"""The appraisal file format (version 1) as typed, validated data.

Pure data: parsing and field-level checks. Cross-field checks that need the whole file (known
agencies, year ranges, unit-cost codes, deflator years) live in :mod:`.loading`, which reports
every problem at once with its place in the file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, field_validator
from pydantic import ValidationError as _PydanticError

from ..model.distributions import DISTRIBUTION_NAMES, Distribution, DistributionBase

_DIST = TypeAdapter(Distribution)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

TIME_METHODS = ("replacement_cost", "opportunity_cost", "minimum_wage", "living_wage", "zero")
VALUE_TYPES = ("fiscal", "economic", "social")
SECTORS = ("public", "private", "third", "user", "community")


class UcdRef(BaseModel):
    """A value taken from the bundled GMCA unit-cost library: ``{ucd: HE4.0}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ucd: str


def _quantity(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, DistributionBase | UcdRef):
        return v
    if isinstance(v, str):
        try:
            return float(v.replace(",", ""))
        except ValueError:
            raise ValueError(f"expected a number, got '{v}'") from None
    if isinstance(v, dict):
        if "ucd" in v:
            return UcdRef.model_validate(v)
        if "dist" not in v:
            raise ValueError("expected a number or a distribution {dist: NAME, ...}")
        if v["dist"] not in DISTRIBUTION_NAMES:
            from ..model.errors import did_you_mean

            raise ValueError(
                f"unknown distribution '{v['dist']}'"
                f"{did_you_mean(v['dist'], DISTRIBUTION_NAMES)}; use one of "
                f"{', '.join(DISTRIBUTION_NAMES)}"
            )
        try:
            return _DIST.validate_python(v)
        except _PydanticError as exc:
            parts = []
            for e in exc.errors():
                loc = ".".join(str(p) for p in e["loc"][1:])
                msg = e["msg"].removeprefix("Value error, ")
                parts.append(f"{loc}: {msg}" if loc else msg)
            raise ValueError(f"bad {v['dist']} distribution: {'; '.join(parts)}") from None
    raise ValueError(f"expected a number or a distribution, got {type(v).__name__}")


Quantity = Annotated[Any, BeforeValidator(_quantity)]
"""A plain number, a distribution ``{dist: ...}`` or (where a value is expected) ``{ucd: CODE}``."""


def _year(v: Any) -> str | int:
    from .deflators import normalise_year

    if isinstance(v, bool) or v is None:
        raise ValueError("expected a year such as 2024 or 2015/16")
    kind, start = normalise_year(v)
    return start if kind == "calendar" else f"{start}/{(start + 1) % 100:02d}"


Year = Annotated[Any, BeforeValidator(_year)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agency(_Strict):
    label: str | None = None
    sector: Literal["public", "private", "third", "user", "community"] = "public"


class Band(_Strict):
    from_year: int = Field(ge=1)
    rate: float = Field(gt=-1, lt=1)


class Discounting(_Strict):
    schedule: str = "green-book-2022"
    bands: list[Band] | None = None
    first_year_discounted: bool = False


class GradeOverride(_Strict):
    label: str | None = None
    costs: float = Field(ge=0, le=5)
    benefits: float = Field(ge=0, le=1)


class OptimismBiasSettings(_Strict):
    apply: bool = True
    grades: dict[int, GradeOverride] | None = None


class GenericOptimismBias(_Strict):
    category: str
    mitigated: float = Field(ge=0, le=1)


class TimeRate(_Strict):
    value: Quantity
    price_year: Year
    source: str


class TimeValuation(_Strict):
    method: Literal[
        "replacement_cost", "opportunity_cost", "minimum_wage", "living_wage", "zero"
    ] = "replacement_cost"
    rates: dict[
        Literal["replacement_cost", "opportunity_cost", "minimum_wage", "living_wage"], TimeRate
    ] = Field(default_factory=dict)


class CostLine(_Strict):
    label: str
    agency: str
    type: Literal["capital", "revenue", "in_kind"]
    amount: Quantity | None = None
    by_year: list[Quantity] | None = None
    units: Quantity | None = None
    unit_cost: Quantity | None = None
    hours: Quantity | None = None
    hours_by_year: list[Quantity] | None = None
    time_of: Literal["volunteers", "service_users"] | None = None
    valuation: (
        Literal["replacement_cost", "opportunity_cost", "minimum_wage", "living_wage", "zero"]
        | None
    ) = None
    hourly_value: Quantity | None = None
    from_year: int | None = Field(default=None, ge=0)
    to_year: int | None = Field(default=None, ge=0)
    price_year: Year | None = None
    source: str | None = None
    notes: str | None = None
    confidence: int | None = Field(default=None, ge=1, le=6)
    optimism_bias: GenericOptimismBias | None = None


class ValueLine(_Strict):
    type: Literal["fiscal", "economic", "social"] | None = None
    agency: str | None = None
    value: Quantity | None = None
    ucd: str | None = None
    agency_map: dict[str, str] | None = None
    include: list[Literal["fiscal", "economic", "social"]] | None = None
    price_year: Year | None = None
    source: str | None = None
    confidence: int | None = Field(default=None, ge=1, le=6)
    transfer: bool = False
    schedule: str | None = None
    label: str | None = None


class Outcome(_Strict):
    label: str
    unit: str = "outcome"
    cohort: Quantity | list[Quantity]
    from_year: int | None = Field(default=None, ge=0)
    to_year: int | None = Field(default=None, ge=0)
    engagement: Quantity = 1.0
    impact: Quantity = 1.0
    deadweight: Quantity = 0.0
    displacement: Quantity = 0.0
    attribution: Quantity = 0.0
    lag: int = Field(default=0, ge=0)
    persistence: int = Field(default=1, ge=1)
    drop_off: Quantity = 0.0
    values: list[ValueLine] = Field(default_factory=list)
    source: str | None = None
    notes: str | None = None


class Option(_Strict):
    label: str | None = None
    description: str | None = None
    coproduced: bool = False
    costs: list[CostLine] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)


class Baseline(_Strict):
    label: str = "Business as usual"
    description: str | None = None


class AppraisalFile(_Strict):
    coproduce_appraisal: Literal[1]
    name: str
    description: str | None = None
    currency: str = "GBP"
    price_base: Year
    first_year: int | None = None
    years: int = Field(ge=1, le=500)
    deflator: str = "hmt-2025-12"
    discounting: Discounting = Field(default_factory=Discounting)
    optimism_bias: OptimismBiasSettings = Field(default_factory=OptimismBiasSettings)
    time_valuation: TimeValuation = Field(default_factory=TimeValuation)
    agencies: dict[str, Agency]
    baseline: Baseline = Field(default_factory=Baseline)
    options: dict[str, Option]
    sources: list[str] | None = None
    notes: str | None = None

    @field_validator("agencies", "options")
    @classmethod
    def _ids(cls, v: dict) -> dict:
        bad = [k for k in v if not _ID.match(str(k))]
        if bad:
            raise ValueError(
                f"'{bad[0]}' is not a valid name: use lower-case letters, digits "
                "and _, starting with a letter"
            )
        if not v:
            raise ValueError("give at least one")
        return v
