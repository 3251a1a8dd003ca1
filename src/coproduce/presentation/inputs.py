"""A run's inputs in words, for every adapter: "40 more emergency hospital admissions
avoided", "users' and communities' time valued at £15.79 an hour", "pounds (£)"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import formatting as fmt
from .labels import Labels


def _spaced(key: Any) -> str:
    return str(key).replace("_", " ")


_CURRENCY_WORDS = {"GBP": "pounds (£)", "EUR": "euros (€)", "USD": "US dollars ($)"}


def lower_first(label: str) -> str:
    """A label inside a sentence: 'Falls avoided' → 'falls avoided', 'ASB reports' kept."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def outcome_amount(amount: float, label: str, unit: str | None, more: bool = True) -> str:
    """An amount of an outcome in words: ``40 more emergency hospital admissions avoided``,
    ``40 more person-years of residents' confidence`` (the unit is named when the label does
    not already say it); ``more=False`` for a level: ``40 falls avoided``."""
    name = lower_first(label)
    extra = " more" if more else ""
    words = {w.strip("()',.").lower() for w in re.split(r"[\s-]+", name)}
    unit_words = set()
    for part in re.split(r"[\s-]+", unit or ""):
        if part:
            unit_words |= {part.lower(), fmt.plural(part).lower()}
    if not unit or words & unit_words:
        return f"{fmt.quantity(amount)}{extra} {name}"
    unit_text = unit if float(amount) == 1 else fmt.plural(unit)
    return f"{fmt.quantity(amount)}{extra} {unit_text} of {name}"


def currency_words(currency: str) -> str:
    """A currency as a reader names it: ``pounds (£)``; other codes as they are."""
    return _CURRENCY_WORDS.get(currency, currency)


def time_value_input(inputs: Mapping[str, Any], model=None) -> str | None:
    """How a run asked for users' and communities' time to be valued, in words (None when it
    kept the model's own basis)."""
    name, per_hour = inputs.get("time_value"), inputs.get("time_value_per_hour")
    currency = getattr(model, "currency", "GBP")
    if per_hour is not None:
        return f"users' and communities' time valued at {fmt.rate(per_hour, currency)} an hour"
    if not name:
        return None
    if name == "as_stated":
        return "users' and communities' time valued as stated for each resource"
    basis = (getattr(model, "time_values", None) or {}).get(name)
    label = basis.label if basis is not None and basis.label else _spaced(name)
    return f"users' and communities' time valued at {lower_first(label)}"


def evidence_input(grade: Any) -> str | None:
    """A run's evidence standard in words (None when it asked for none)."""
    if grade in (None, ""):
        return None
    return f"evidence check without the links graded below {grade}"


def target_words(outcome: str, amount: Any, model=None, more: bool = True) -> str:
    """An outcome target in words with the model's label and unit."""
    if model is not None and outcome in model.outcomes:
        o = model.outcomes[outcome]
        return outcome_amount(float(amount), o.label or Labels(model)(outcome), o.unit, more)
    return outcome_amount(float(amount), Labels(model)(outcome), None, more)
