"""The value of users' and communities' time: a named, visible choice, never a silent default.

Whether a co-produced pathway costs least in full often turns on how an hour given by a
volunteer or a service user is valued (replacement cost, a living wage, the opportunity cost
of non-work time, or nothing). A model names its bases under ``time_values`` and may choose a
default with ``time_value``; every analysis can pick another. A basis sets the unit cost of
every resource of a co-production sector whose unit is an hour; other resources keep theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .distributions import mean_of
from .errors import Issue, ModelError, did_you_mean
from .schema import Model, TimeValue

HOUR_UNITS = frozenset({"hour", "hours", "hr", "hrs", "h"})
AS_STATED = "as_stated"
ZERO = TimeValue(
    label="Not valued (£0 an hour)",
    per_hour=0.0,
    source="A convention: leaves users' and communities' time out of full cost",
)


@dataclass(frozen=True)
class TimeValueBasis:
    """The basis used: ``name`` (``as_stated`` when each resource keeps the unit cost the file
    gives it, ``custom`` for a bare ``per_hour``), ``label``, ``per_hour`` (currency per hour
    at the model's price year; None when as stated) and ``source``."""

    name: str
    label: str
    per_hour: float | None
    source: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "per_hour": self.per_hour,
            "source": self.source,
        }


def time_resources(model: Model) -> list[str]:
    """Resources valued by the basis: in a co-production sector, measured in hours."""
    coprod = {sid for sid, sec in model.sectors.items() if sec.coproduction}
    return [
        rid
        for rid, r in model.resources.items()
        if r.sector in coprod and r.unit.strip().lower() in HOUR_UNITS
    ]


def bases(model: Model) -> dict[str, TimeValue]:
    """The model's named bases, with ``zero`` always available."""
    return {**model.time_values, **({} if "zero" in model.time_values else {"zero": ZERO})}


def basis_of(model: Model) -> TimeValueBasis:
    """The basis a model's co-production hours are valued on (see :func:`choose_time_value`)."""
    name = model.time_value
    if name is None:
        return TimeValueBasis(AS_STATED, "as stated for each resource in the model file", None)
    chosen = bases(model)[name]
    return TimeValueBasis(
        name, chosen.label or name.replace("_", " "), float(mean_of(chosen.per_hour)), chosen.source
    )


def choose_time_value(
    model: Model, name: str | None = None, per_hour: float | None = None
) -> Model:
    """The model with users' and communities' hours valued on one basis, which
    :func:`basis_of` then names.

    ``name``: one of the model's ``time_values``, ``zero``, or ``as_stated`` (each resource
    keeps its own unit cost); ``per_hour``: a bare value in currency per hour (overrides
    ``name``). Neither: the model's own ``time_value``, if any. Raises :class:`ModelError` for
    an unknown name or a negative value."""
    known = bases(model)
    time_values = dict(model.time_values)
    if per_hour is not None:
        if not per_hour >= 0 or per_hour == float("inf"):
            raise ModelError(
                [
                    Issue(
                        "time_value",
                        f"a value of time must be a finite amount of "
                        f"0 or more an hour (got {per_hour})",
                    )
                ]
            )
        name = "custom"
        time_values[name] = TimeValue(
            label=f"{per_hour:,.2f} {model.currency} an hour", per_hour=float(per_hour)
        )
    else:
        name = name or model.time_value
        if name is None or name == AS_STATED:
            return (
                model if model.time_value is None else model.model_copy(update={"time_value": None})
            )
        if name not in known:
            choices = [*known, AS_STATED]
            raise ModelError(
                [
                    Issue(
                        "time_value",
                        f"unknown valuation of time '{name}'"
                        f"{did_you_mean(name, choices)}; choose one of "
                        f"{', '.join(choices)}",
                    )
                ]
            )
        time_values.setdefault(name, known[name])
    value = time_values[name].per_hour
    valued = set(time_resources(model))
    resources = {
        rid: (r.model_copy(update={"unit_cost": value}) if rid in valued else r)
        for rid, r in model.resources.items()
    }
    return model.model_copy(
        update={"resources": resources, "time_values": time_values, "time_value": name}
    )


def wellbeing_resources(model: Model) -> list[str]:
    """The resources whose hours bring volunteers the wellbeing of ``volunteer_wellbeing``:
    those it names, else every ``community`` resource measured in hours."""
    w = model.volunteer_wellbeing
    if w is None:
        return []
    if w.resources is not None:
        return list(w.resources)
    return [
        rid
        for rid, r in model.resources.items()
        if r.sector == "community" and r.unit.strip().lower() in HOUR_UNITS
    ]
