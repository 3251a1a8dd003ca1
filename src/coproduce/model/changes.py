"""Changes to a model's raw data: set, scale, remove or add — the edits a scenario or a sweep
setting makes, applied in place, before the edited data are validated again.

Kept apart from :mod:`.scenarios` (which validates what the edits give) so that
:mod:`.validate` can check every scenario of a model file without importing that module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import schema as s
from .distributions import DistributionBase, quantity_to_data
from .errors import Issue, did_you_mean, format_path
from .paths import QuantityPathError, resolve_link_index, split_path

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
            raise QuantityPathError(
                f"'{where}' is a {value['dist']} distribution, which cannot "
                "be scaled; use set instead"
            )
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
        if head not in ("resources", "interventions", "outcomes", "targets", "agencies", "sectors"):
            raise QuantityPathError(
                f"'{text}': paths start with links, resources, interventions, outcomes or "
                "targets"
                + did_you_mean(
                    str(head), ["links", "resources", "interventions", "outcomes", "targets"]
                )
            )
        obj = data.setdefault(head, {})
        rest = parts[1:]
        if head != "targets" and rest and rest[0] not in obj:
            raise QuantityPathError(
                f"'{text}': unknown {head[:-1]} '{rest[0]}'" + did_you_mean(str(rest[0]), obj)
            )
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
        obj[key] = (
            quantity_to_data(value) if isinstance(value, (int, float, DistributionBase)) else value
        )
    elif isinstance(change, s.ScaleChange):
        parts = split_path(change.scale)
        obj, key = _navigate(data, parts, change.scale, create=False)
        if key not in obj:
            raise QuantityPathError(
                f"'{change.scale}': not set in the model, so it cannot be "
                "scaled" + did_you_mean(str(key), obj)
            )
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
            raise QuantityPathError(
                f"unknown intervention '{node_id}'" + did_you_mean(node_id, itvs)
            )
        del itvs[node_id]
        data["links"] = [lk for lk in data.get("links", []) if lk.get("from") != node_id]
    elif isinstance(change, s.AddLinkChange):
        data.setdefault("links", []).append(
            change.add_link.model_dump(mode="json", by_alias=True, exclude_none=True)
        )
    else:  # pragma: no cover - the schema admits only the kinds above
        raise QuantityPathError(f"unknown change {change!r}")


def apply_scenario_changes(
    data: dict, scenarios: Mapping[str, s.Scenario], names: Sequence[str]
) -> list[Issue]:
    """Apply the changes of the named ``scenarios`` to raw model data, in order and in place.
    The issues: each unknown scenario name and each change that names nothing in the model
    (located at ``scenarios.NAME.changes[K]``); the changes that apply are applied."""
    issues: list[Issue] = []
    for name in names:
        if name not in scenarios:
            choices = list(scenarios)
            known = ", ".join(choices) if choices else "none are defined"
            issues.append(
                Issue(
                    "scenario",
                    f"unknown scenario '{name}'{did_you_mean(name, choices)}; scenarios: {known}",
                )
            )
            continue
        for k, change in enumerate(scenarios[name].changes):
            try:
                apply_change(data, change)
            except QuantityPathError as exc:
                path = format_path(("scenarios", name, "changes", k))
                issues.append(Issue(path, str(exc)))
    return issues
