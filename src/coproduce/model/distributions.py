"""Uncertain quantities as typed objects.

Anywhere the model file expects a number it accepts either a plain number (fixed) or a mapping
``{dist: NAME, ...}``. Each distribution knows its parameters, checks them, and gives its mean,
which is what deterministic analyses use. Sampling lives in the engine (it needs a random
generator); here the distributions are pure data.
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal, overload

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    if TYPE_CHECKING:
        # every concrete distribution declares its ``dist`` tag as a Literal field; declared
        # here for the type checker only, so that pydantic's fields are left as they are
        dist: str

    @property
    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take."""
        return (-math.inf, math.inf)

    def to_data(self) -> dict:
        return self.model_dump(mode="json")


class Fixed(_Dist):
    """A known value written as a distribution (``{dist: fixed, value: 3}``)."""

    dist: Literal["fixed"] = "fixed"
    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)


class _MeanSd(_Dist):
    """Distributions written by the mean and standard deviation of the variable itself."""

    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    def to_data(self) -> dict:
        return {"dist": self.dist, "mean": self.mean_, "sd": self.sd}


class Normal(_MeanSd):
    dist: Literal["normal"] = "normal"


class LogNormal(_MeanSd):
    """Lognormal given by the mean and standard deviation of the variable itself."""

    dist: Literal["lognormal"] = "lognormal"
    mean_: float = Field(alias="mean", gt=0)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return (math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2))


class _ThreePoint(_Dist):
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high:
            raise ValueError(
                f"needs low <= mode <= high, got low={self.low}, mode={self.mode}, high={self.high}"
            )
        if self.low == self.high:
            raise ValueError("low equals high: write the plain number instead")
        return self

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Triangular(_ThreePoint):
    dist: Literal["triangular"] = "triangular"

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Pert(_ThreePoint):
    """Beta-PERT with the usual shape weight 4 on the mode."""

    dist: Literal["pert"] = "pert"

    @property
    def mean(self) -> float:
        return (self.low + 4 * self.mode + self.high) / 6

    def beta_params(self) -> tuple[float, float]:
        """(alpha, beta) of the beta distribution on [low, high]."""
        span = self.high - self.low
        return (
            1 + 4 * (self.mode - self.low) / span,
            1 + 4 * (self.high - self.mode) / span,
        )


class Uniform(_Dist):
    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)


class Beta(_Dist):
    """Beta on [0, 1] (a proportion)."""

    dist: Literal["beta"] = "beta"
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)


class Gamma(_MeanSd):
    """Gamma given by its mean and standard deviation."""

    dist: Literal["gamma"] = "gamma"
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    @property
    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def shape_scale(self) -> tuple[float, float]:
        """(shape k, scale theta): mean = k theta, variance = k theta^2."""
        k = (self.mean_ / self.sd) ** 2
        return (k, self.mean_ / k)


Distribution = Annotated[
    Fixed | Normal | LogNormal | Triangular | Pert | Uniform | Beta | Gamma,
    Field(discriminator="dist"),
]
"""Any distribution of the model format, told apart by its ``dist`` key."""

DISTRIBUTION_NAMES = (
    "fixed",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "uniform",
    "beta",
    "gamma",
)


@overload
def mean_of(q: float | _Dist) -> float: ...
@overload
def mean_of(q: None) -> None: ...
@overload
def mean_of(q: float | _Dist | None) -> float | None: ...
def mean_of(q: float | _Dist | None) -> float | None:
    """The value deterministic analyses use: the number itself, or the distribution's mean."""
    if q is None:
        return None
    if isinstance(q, _Dist):
        return q.mean
    return float(q)


def is_uncertain(q: object) -> bool:
    """True when ``q`` is a distribution with any spread."""
    return isinstance(q, _Dist) and not isinstance(q, Fixed)


def quantity_to_data(q: float | _Dist) -> float | dict:
    """How a quantity is written back to a model file."""
    if isinstance(q, _Dist):
        return q.to_data()
    return _plain(q)


def _plain(x: float) -> float | int:
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


DistributionBase = _Dist


_CLASSES: dict[str, type[_Dist]] = {
    "fixed": Fixed,
    "normal": Normal,
    "lognormal": LogNormal,
    "triangular": Triangular,
    "pert": Pert,
    "uniform": Uniform,
    "beta": Beta,
    "gamma": Gamma,
}
_PARAMS = {
    "fixed": ("value",),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "beta": ("alpha", "beta"),
    "gamma": ("mean", "sd"),
}


def parse_quantity(value: object) -> float | _Dist:
    """Read a quantity as written in an input file: a number, or ``{dist: NAME, ...}``.

    Raises ``ValueError`` with a message that says what is wrong and how to write it instead.
    """
    if isinstance(value, _Dist):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a number or a distribution, got {value!r}")
    if isinstance(value, (int, float)):
        return _finite(value)
    if isinstance(value, str):
        text = value.replace(",", "").strip()
        try:
            x = float(text) if len(text) <= MAX_CHARS else math.nan
        except ValueError:
            x = math.nan
        if x != x and text.lower() not in ("nan", "+nan", "-nan"):
            raise ValueError(
                f"'{_short(value)}' is not a number; write a number or "
                "{dist: normal, mean: .., sd: ..}"
            ) from None
        return _finite(x)
    if isinstance(value, dict):
        name = value.get("dist")
        if name is None:
            raise ValueError(
                "a distribution needs 'dist' (one of " + ", ".join(DISTRIBUTION_NAMES) + ")"
            )
        if not isinstance(name, str):
            raise ValueError(
                f"'dist' must be the name of a distribution (one of "
                f"{', '.join(DISTRIBUTION_NAMES)}), not {_kind(name)}"
            )
        if name not in _CLASSES:
            close = difflib.get_close_matches(str(name), DISTRIBUTION_NAMES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(
                f"unknown distribution '{name}'{hint}; use one of " + ", ".join(DISTRIBUTION_NAMES)
            )
        params = _PARAMS[name]
        unknown = [str(k) for k in value if k != "dist" and k not in params]
        missing = [k for k in params if k not in value]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append("unknown parameter " + ", ".join(f"'{k}'" for k in unknown))
            if missing:
                parts.append("missing " + ", ".join(f"'{k}'" for k in missing))
            raise ValueError(
                f"{name} distribution: "
                + "; ".join(parts)
                + f" ({name} takes "
                + ", ".join(params)
                + ")"
            )
        for k in params:
            v = value[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(
                    f"{name} distribution: '{k}' must be a finite number, got {_kind(v)}"
                )
            try:
                _finite(v)
            except ValueError as exc:
                raise ValueError(f"{name} distribution: '{k}' {exc}") from None
        try:
            return _CLASSES[name].model_validate(value)
        except ValidationError as exc:
            msgs = []
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"] if p != "mean_")
                msg = err["msg"].removeprefix("Value error, ")
                msgs.append(f"'{where}' {msg}" if where else msg)
            raise ValueError(f"{name} distribution: " + "; ".join(msgs)) from None
    raise ValueError(f"expected a number or a distribution, got {_kind(value)}")


MAX_CHARS = 100
"""The most characters a number written as text may have."""
MAX_MAGNITUDE = 1e15
"""The largest size of a quantity: beyond it sums and products of costs and effects could
overflow (the model files' limit, :data:`coproduce.model.validate.MAX_NUMBER`)."""


def _finite(value: float) -> float:
    """``value`` as a float, or ``ValueError`` when it is not finite or is too large."""
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(
            "must be a finite number of at most 10^15, got a number of "
            f"{int(abs(value)).bit_length() * 3 // 10 + 1:,} digits"
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"must be a finite number, got {value}")
    if abs(x) > MAX_MAGNITUDE:
        raise ValueError(f"must be a number of at most 10^15 in size, got {x:.3g}")
    return x


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(_short(value))
    if isinstance(value, int) and abs(value).bit_length() > 100:
        return "a very large number"
    if isinstance(value, (bool, int, float)):
        return repr(value)
    return type(value).__name__


Quantity = Annotated[
    Any,
    BeforeValidator(parse_quantity),
    PlainSerializer(quantity_to_data, return_type=Any),
]
"""A plain number or a distribution, as a pydantic field type (parsed by parse_quantity)."""
