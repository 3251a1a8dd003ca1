"""A loaded model written back as plain data (for YAML, JSON, XLSX and scenarios)."""

from __future__ import annotations

from typing import Any

from .schema import DEFAULT_SECTORS, Model


def _prune(obj: Any) -> Any:
    """Drop empty and default-false fields so exported files stay as short as hand-written ones."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            v = _prune(v)
            if v is None or v is False or v == {} or v == []:
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
    data = _prune(data)
    # keep the format version first and explicit
    ordered = {"coproduce": 1}
    ordered.update({k: v for k, v in data.items() if k != "coproduce"})
    for iid, itv in ordered.get("interventions", {}).items():
        if "volume" not in itv:
            itv["volume"] = 0
        ordered["interventions"][iid] = itv
    return ordered
