"""Scenarios: named, composable edits of the baseline model, applied in order.

Like a reform of a tax-benefit baseline, a scenario is a short list of changes — set a value,
scale a quantity, remove or add a link, add or remove an intervention. Several scenarios stack:
``--scenario a --scenario b`` applies a's changes, then b's. The result is validated like any
model file, so a scenario can never produce an invalid model silently.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from . import schema as s
from .changes import apply_change, apply_scenario_changes
from .errors import Issue, ModelError
from .paths import QuantityPathError, resolve_link_index, split_path
from .serialise import model_to_data
from .validate import validate_data

__all__ = ["apply_change", "apply_scenarios", "apply_settings", "drop_weak_links"]


def apply_scenarios(model: s.Model, names: Sequence[str]) -> s.Model:
    """The model with the named scenarios applied in order (a new, validated model)."""
    if not names:
        return model
    data = model_to_data(model)
    issues = apply_scenario_changes(data, model.scenarios, names)
    if issues:
        raise ModelError(issues)
    data = copy.deepcopy(data)
    try:
        return validate_data(data, check_scenarios=False)
    except ModelError as exc:
        label = " + ".join(names)
        raise ModelError(
            [Issue(i.path, f"{i.message} (after scenario {label})") for i in exc.issues]
        ) from None


def apply_settings(
    model: s.Model, settings: Mapping[str, Any], scale: Mapping[str, float] | None = None
) -> s.Model:
    """The model with each quantity path in ``settings`` set to its value — a number or a
    distribution, in the units of that field — and each path in ``scale`` multiplied by its
    factor (a distribution's parameters scale with it). A new, validated model; ``model`` is
    unchanged. Raises :class:`ModelError` naming each path that names nothing or each value
    the model refuses."""
    if not settings and not scale:
        return model
    data = model_to_data(model)
    issues: list[Issue] = []
    changes: list[tuple[str, Any]] = [
        *((path, s.SetChange(set=path, value=value)) for path, value in settings.items()),
        *((path, s.ScaleChange(scale=path, by=by)) for path, by in (scale or {}).items()),
    ]
    for path, change in changes:
        try:
            apply_change(data, change)
        except QuantityPathError as exc:
            issues.append(Issue(path, str(exc)))
    if issues:
        raise ModelError(issues)
    # no deepcopy (unlike apply_scenarios): model_to_data builds fresh containers and each
    # set or scale writes a new value, so nothing here is shared with the model
    return validate_data(data, check_scenarios=False)


def drop_weak_links(model: s.Model, min_evidence: int) -> tuple[s.Model, list[str]]:
    """The model without the links graded below ``min_evidence`` (ungraded links count as
    grade 1, opinion), and the dropped links as ``from->to``. Correlations that name a dropped
    link are dropped with it; the others are rewritten to name links by their ends."""
    if not 1 <= min_evidence <= 5:
        raise ModelError(
            [Issue("min_evidence", f"an evidence grade is 1 to 5 (got {min_evidence})")]
        )
    keep = [(lk.evidence or 1) >= min_evidence for lk in model.links]
    if all(keep):
        return model, []
    dropped = [f"{lk.from_}->{lk.to}" for lk, k in zip(model.links, keep, strict=True) if not k]
    links = [lk for lk, k in zip(model.links, keep, strict=True) if k]

    def by_ends(path: str) -> str | None:
        if not path.startswith("links"):
            return path
        parts = split_path(path)
        k = resolve_link_index(model.links, parts[1], path)
        if not keep[k]:
            return None
        lk = model.links[k]
        return f"links[{lk.from_}->{lk.to}]." + ".".join(str(p) for p in parts[2:])

    correlations = []
    for c in model.correlations:
        a, b = by_ends(c.between[0]), by_ends(c.between[1])
        if a is not None and b is not None:
            correlations.append(c.model_copy(update={"between": (a, b)}))
    return model.model_copy(update={"links": links, "correlations": correlations}), dropped
