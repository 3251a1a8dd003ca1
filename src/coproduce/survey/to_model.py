"""The capacity hand-off: each area's community hours written into a strategy-map model.

:func:`capacity_to_model` takes a :class:`~coproduce.survey.areas.CapacityResult` and a model
and returns the model's data with one scenario per area, each setting the chosen resource's
``available`` to that area's hours::

    scenarios:
      area_riverside:
        label: "Riverside: community hours from the survey"
        changes:
          - {set: resources.volunteer_hour.available, value: {dist: gamma, mean: ..., sd: ...}}

so that ``coproduce map NEW.yaml --scenario area_riverside`` and planning use that area's hours.

Choices (docs/survey.md, "Capacity into a model"):

* **Gamma, not normal.** The model format refuses an availability whose distribution reaches
  below zero, which a normal does; a gamma with the simulated mean and standard deviation has
  the same first two moments and stays non-negative.
* **Only co-production resources.** Survey hours are citizens' own time; writing them as the
  availability of a public, private or third-sector resource would be wrong, so it is refused
  (sectors marked ``coproduction: true``; by default ``user`` and ``community``). The resource's
  unit must be an hour.
* **Scenario names**: ``area_`` + the area's name in lower case with every run of other
  characters turned into ``_`` (accents dropped): "Old Town" → ``area_old_town``,
  "St. Ann's" → ``area_st_ann_s``. Two areas giving the same name get ``_2``, ``_3`` in the
  order the areas come in the cell file. A scenario of the model with the same name is
  replaced (so the command can be re-run on its own output), and said so in the notes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..model import Model, load_model, model_to_data
from ..model.errors import Issue, ModelError, did_you_mean
from .areas import CapacityResult

PREFIX = "area_"


def area_identifier(name: str, prefix: str = PREFIX) -> str:
    """A model identifier (lower-case letters, digits, ``_``) for an area name."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return f"{prefix}{slug}" if slug else prefix.rstrip("_") or "area"


def area_identifiers(names: list[str], prefix: str = PREFIX) -> dict[str, str]:
    """Identifiers for areas in order, clashes numbered ``_2``, ``_3``, ... (deterministic)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = area_identifier(name, prefix)
        ident, k = base, 1
        while ident in used:
            k += 1
            ident = f"{base}_{k}"
        used.add(ident)
        out[name] = ident
    return out


@dataclass(frozen=True)
class ModelHandOff:
    """The model data with the area scenarios, and what was done (for messages and JSON)."""

    model: dict
    resource: str
    scenarios: tuple[dict, ...]  # {area, scenario, mean, sd} — hours per period
    notes: tuple[str, ...]
    warnings: tuple[dict, ...] = ()  # {area, survey_hours, model_hours, ratio}

    def to_dict(self, *, with_model: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource": self.resource,
            "scenarios": list(self.scenarios),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }
        if with_model:
            out["model"] = self.model
        return out


def check_resource(model: Model, resource: str) -> None:
    """Refuse (ModelError) a resource the model lacks, outside a co-production sector, or not
    counted in hours — before any fitting is done."""
    issues = _resource_issues(model, resource)
    if issues:
        raise ModelError(issues)


def _resource_issues(model: Model, resource: str) -> list[Issue]:
    if resource not in model.resources:
        choices = [
            r
            for r, res in model.resources.items()
            if model.sectors.get(res.sector) and model.sectors[res.sector].coproduction
        ]
        return [
            Issue(
                "resource",
                f"the model has no resource '{resource}'"
                f"{did_you_mean(resource, model.resources)}; co-production resources in "
                f"it: {', '.join(choices) or 'none'}",
            )
        ]
    res = model.resources[resource]
    issues = []
    sector = model.sectors.get(res.sector)
    if sector is None or not sector.coproduction:
        coprod = [s for s, sec in model.sectors.items() if sec.coproduction]
        issues.append(
            Issue(
                "resource",
                f"'{resource}' is in sector '{res.sector}', which is "
                "not a co-production sector; survey hours are citizens' own time, "
                "so write them to a resource in a sector marked coproduction: true "
                f"({', '.join(coprod) or 'none in this model'})",
            )
        )
    if "hour" not in res.unit.lower():
        issues.append(
            Issue(
                "resource",
                f"'{resource}' is counted in '{res.unit}', but the "
                "survey capacity is in hours; choose a resource whose unit is an "
                "hour",
            )
        )
    return issues


def capacity_to_model(
    result: CapacityResult,
    model: Model,
    resource: str,
    *,
    prefix: str = PREFIX,
    source: str | None = None,
) -> ModelHandOff:
    """Model data with a scenario per area setting ``resources.RESOURCE.available`` to the
    area's hours per ``result.period`` (gamma with the simulated mean and sd, rounded to 0.1
    hour); validated by the model loader before it is returned.

    ``source`` (e.g. the survey file name) is written into each scenario's notes.
    """
    check_resource(model, resource)
    data = model_to_data(model)
    scenarios = data.setdefault("scenarios", {})
    ids = area_identifiers([r["area"] for r in result.rows], prefix)
    notes: list[str] = []
    made = []
    available = result.available()
    replaced = []
    synthetic = "SYNTHETIC survey data — demonstration only. " if result.synthetic else ""
    level = round(100 * result.level)
    basis = _basis_words(result)
    for row in result.rows:
        ident = ids[row["area"]]
        if ident in scenarios:
            replaced.append(ident)
        value = available[row["area"]]
        mean, sd = (value["mean"], value["sd"]) if isinstance(value, dict) else (value, 0.0)
        scenarios[ident] = {
            "label": f"{row['area']}: community hours from the survey",
            "notes": (
                f"{synthetic}Survey capacity estimate{f' from {source}' if source else ''}"
                f": {100 * row['rate']:.1f}% of {row['adults']:,.0f} adults co-producing "
                f"({level}% interval {100 * row['rate_low']:.1f}–"
                f"{100 * row['rate_high']:.1f}%), {row['hours']:,.0f} hours per "
                f"{result.period} ({level}% interval {row['hours_low']:,.0f}–"
                f"{row['hours_high']:,.0f}); model {result.formula}.{basis}"
            ),
            "changes": [{"set": f"resources.{resource}.available", "value": value}],
        }
        made.append({"area": row["area"], "scenario": ident, "mean": mean, "sd": sd})
    warnings = _far_from_model(model, resource, made)
    for w in warnings:
        how = "more than three times" if w["ratio"] > 1 else "less than a third of"
        notes.append(
            f"{w['area']}: the survey gives {w['survey_hours']:,.0f} hours, {how} the "
            f"{w['model_hours']:,.0f} hours the model assumes for "
            f"{model.label_of(resource)}; check the hours per participant"
            f"{_figure_short(result)} and the adults counted before using it"
        )
    renamed = [f"'{a}' → {i}" for a, i in ids.items() if i != f"{prefix}{a}"]
    if renamed:
        notes.append("area names made into identifiers: " + ", ".join(renamed))
    if replaced:
        notes.append("replaced the model's existing scenario(s) " + ", ".join(replaced))
    notes.append(
        f"hours are per {result.period}; the model reads available as units per "
        "period, so keep the model's period the same"
    )
    try:
        load_model(data)  # the loader checks every scenario applied alone to the baseline
    except ModelError as exc:  # pragma: no cover - a bug here, not the user's input
        raise ModelError(
            [
                Issue("to-model", f"the model with the area scenarios does not validate: {i}")
                for i in exc.issues
            ]
        ) from None
    return ModelHandOff(
        model=data,
        resource=resource,
        scenarios=tuple(made),
        notes=tuple(notes),
        warnings=tuple(warnings),
    )


def _basis_words(result: CapacityResult) -> str:
    """' Hours per participant: ...' — where the figure comes from, for a scenario's notes."""
    f = result.hours_figure
    if f is None:
        return ""
    return (
        f" Hours per participant: {f.mean:,.1f} a {result.period}, {_WHAT[f.basis]}: "
        f"{f.source.strip().rstrip('.')}."
    )


_WHAT = {
    "given": "given with its source",
    "survey": "from the survey",
    "example": "a published figure bundled for the example",
}


def _figure_short(result: CapacityResult) -> str:
    f = result.hours_figure
    if f is None:
        return ""
    return f" ({f.mean:,.1f} a {result.period}, {_WHAT[f.basis]})"


ESTIMATE_RATIO = 3.0
"""A survey estimate more than this many times, or less than its inverse, what the model
already assumes is said so, naming both figures."""


def _far_from_model(model: Model, resource: str, made: list[dict]) -> list[dict]:
    """Areas whose survey hours are far from the resource's own ``available`` in the model."""
    from ..model.distributions import mean_of

    own = model.resources[resource].available
    if own is None:
        return []
    base = float(mean_of(own))
    if not base > 0:
        return []
    out = []
    for m in made:
        ratio = m["mean"] / base
        if ratio > ESTIMATE_RATIO or ratio < 1 / ESTIMATE_RATIO:
            out.append(
                {
                    "area": m["area"],
                    "survey_hours": float(m["mean"]),
                    "model_hours": base,
                    "ratio": ratio,
                }
            )
    return out
