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
from .distributions import DistributionBase, quantity_to_data
from .errors import Issue, ModelError, did_you_mean, format_path
from .paths import QuantityPathError, resolve_link_index, split_path
from .serialise import model_to_data

_SCALABLE = {
    "fixed": ("value",),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "uniform": ("low", "high"),
}


def _scale(value: Any, factor: float, where: str) -> Any:
    if isinstance(value, bool) or value is None:
        raise QuantityPathError(f"'{where}' is not a number")
    if isinstance(value, (int, float)):
        return value * factor
    if isinstance(value, dict) and "dist" in value:
        params = _SCALABLE.get(value["dist"])
        if params is None:
            raise QuantityPathError(f"'{where}' is a {value['dist']} distribution, which cannot "
                                    "be scaled; use set instead")
        out = dict(value)
        for p in params:
            out[p] = value[p] * factor
        return out
    raise QuantityPathError(f"'{where}' is not a number")


def _navigate(data: dict, parts: list, text: str, *, create: bool) -> tuple[Any, Any]:
    """The container holding the last part of a path, and that part's key."""
    head = parts[0]
    if head == "links":
        links = data.setdefault("links", [])
        if len(parts) < 3:
            raise QuantityPathError(f"'{text}': name a link field, e.g. links[a->b].effect")
        idx = resolve_link_index(links, parts[1], text)
        obj: Any = links[idx]
        rest = parts[2:]
    else:
        if head not in ("resources", "interventions", "outcomes", "targets", "agencies",
                        "sectors"):
            raise QuantityPathError(
                f"'{text}': paths start with links, resources, interventions, outcomes or "
                "targets" + did_you_mean(str(head), ["links", "resources", "interventions",
                                                     "outcomes", "targets"]))
        obj = data.setdefault(head, {})
        rest = parts[1:]
        if head != "targets" and rest and rest[0] not in obj:
            raise QuantityPathError(f"'{text}': unknown {head[:-1]} '{rest[0]}'"
                                    + did_you_mean(str(rest[0]), obj))
    for p in rest[:-1]:
        if not isinstance(obj, dict):
            raise QuantityPathError(f"'{text}' names nothing in the model")
        if p not in obj:
            if not create:
                raise QuantityPathError(f"'{text}': no '{p}' here" + did_you_mean(str(p), obj))
            obj[p] = {}
        obj = obj[p]
    if not isinstance(obj, dict):
        raise QuantityPathError(f"'{text}' names nothing in the model")
    return obj, rest[-1] if rest else None


def apply_change(data: dict, change: Any) -> None:
    """Apply one typed change to raw model data, in place. Raises QuantityPathError."""
    if isinstance(change, s.SetChange):
        parts = split_path(change.set)
        obj, key = _navigate(data, parts, change.set, create=True)
        if key is None:
            raise QuantityPathError(f"'{change.set}': name a field to set")
        value = change.value
        obj[key] = quantity_to_data(value) if isinstance(value, (int, float, DistributionBase)) \
            else value
    elif isinstance(change, s.ScaleChange):
        parts = split_path(change.scale)
        obj, key = _navigate(data, parts, change.scale, create=False)
        if key not in obj:
            raise QuantityPathError(f"'{change.scale}': not set in the model, so it cannot be "
                                    "scaled" + did_you_mean(str(key), obj))
        obj[key] = _scale(obj[key], change.by, change.scale)
    elif isinstance(change, s.RemoveLinkChange):
        links = data.get("links", [])
        ref = change.remove_link
        idx = resolve_link_index(links, f"{ref.from_}->{ref.to}", "remove_link")
        del links[idx]
    elif isinstance(change, s.AddInterventionChange):
        new = change.add_intervention.model_dump(mode="json", by_alias=True, exclude_none=True)
        node_id = new.pop("id")
        for section in ("resources", "interventions", "outcomes"):
            if node_id in data.get(section, {}):
                raise QuantityPathError(f"'{node_id}' already exists in {section}")
        data.setdefault("interventions", {})[node_id] = new
    elif isinstance(change, s.RemoveInterventionChange):
        node_id = change.remove_intervention
        itvs = data.get("interventions", {})
        if node_id not in itvs:
            raise QuantityPathError(f"unknown intervention '{node_id}'"
                                    + did_you_mean(node_id, itvs))
        del itvs[node_id]
        data["links"] = [lk for lk in data.get("links", []) if lk.get("from") != node_id]
    elif isinstance(change, s.AddLinkChange):
        data.setdefault("links", []).append(
            change.add_link.model_dump(mode="json", by_alias=True, exclude_none=True))
    else:  # pragma: no cover - the schema admits only the kinds above
        raise QuantityPathError(f"unknown change {change!r}")


def apply_scenarios(model: s.Model, names: Sequence[str]) -> s.Model:
    """The model with the named scenarios applied in order (a new, validated model)."""
    if not names:
        return model
    from .validate import validate_data

    data = model_to_data(model)
    issues: list[Issue] = []
    for name in names:
        if name not in model.scenarios:
            choices = list(model.scenarios)
            known = ", ".join(choices) if choices else "none are defined"
            issues.append(Issue("scenario", f"unknown scenario '{name}'"
                                f"{did_you_mean(name, choices)}; scenarios: {known}"))
            continue
        for k, change in enumerate(model.scenarios[name].changes):
            try:
                apply_change(data, change)
            except QuantityPathError as exc:
                path = format_path(("scenarios", name, "changes", k))
                issues.append(Issue(path, str(exc)))
    if issues:
        raise ModelError(issues)
    data = copy.deepcopy(data)
    try:
        return validate_data(data, check_scenarios=False)
    except ModelError as exc:
        label = " + ".join(names)
        raise ModelError([Issue(i.path, f"{i.message} (after scenario {label})")
                          for i in exc.issues]) from None


def apply_settings(model: s.Model, settings: Mapping[str, Any],
                   scale: Mapping[str, float] | None = None) -> s.Model:
    """The model with each quantity path in ``settings`` set to its value — a number or a
    distribution, in the units of that field — and each path in ``scale`` multiplied by its
    factor (a distribution's parameters scale with it). A new, validated model; ``model`` is
    unchanged. Raises :class:`ModelError` naming each path that names nothing or each value
    the model refuses."""
    if not settings and not scale:
        return model
    from .validate import validate_data

    data = model_to_data(model)
    issues: list[Issue] = []
    changes: list[tuple[str, Any]] = [
        *((path, s.SetChange(set=path, value=value)) for path, value in settings.items()),
        *((path, s.ScaleChange(scale=path, by=by)) for path, by in (scale or {}).items())]
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
        raise ModelError([Issue("min_evidence", f"an evidence grade is 1 to 5 (got "
                                                f"{min_evidence})")])
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
