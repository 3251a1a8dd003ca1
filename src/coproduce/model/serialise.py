"""A loaded model written back as plain data (for YAML, JSON, XLSX and scenarios)."""

from __future__ import annotations

from typing import Any

from .schema import DEFAULT_SECTORS, Model

NODE_SECTIONS = (
    "sectors",
    "agencies",
    "resources",
    "interventions",
    "outcomes",
    "scenarios",
    "time_values",
)
"""The sections that map names to nodes: a node with no fields (``x: {}``) is still a node."""


def _prune(obj: Any, *, nodes: bool = False) -> Any:
    """Drop empty and default-false fields so exported files stay as short as hand-written ones.
    ``nodes``: ``obj`` maps names to nodes, so an entry that prunes to ``{}`` is kept."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            v = _prune(v)
            if v is None or v is False or v == [] or (v == {} and not nodes):
                continue
            out[k] = v
        return out
    if isinstance(obj, list):
        return [_prune(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2**53:
        return int(obj)
    return obj


def model_to_data(model: Model) -> dict:
    """The model as the mapping a model file holds; loading it gives an equal model."""
    data = model.model_dump(mode="json", by_alias=True)
    if model.sectors == DEFAULT_SECTORS:
        data.pop("sectors", None)
    data = {k: _prune(v, nodes=k in NODE_SECTIONS) for k, v in data.items()}
    data = {k: v for k, v in data.items() if not (v is None or v is False or v in ({}, []))}
    # keep the format version first and explicit
    ordered: dict[str, Any] = {"coproduce": 1}
    ordered.update({k: v for k, v in data.items() if k != "coproduce"})
    for iid, itv in ordered.get("interventions", {}).items():
        if "volume" not in itv:
            itv["volume"] = 0
        ordered["interventions"][iid] = itv
    return ordered
