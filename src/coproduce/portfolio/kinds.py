"""Kinds of co-production: which interventions rely on users' own contribution
(``individual``), on groups of residents (``collective``) or on neither (``none``), and the
share of effect and of cost that each kind carries in a mix of volumes.

An intervention the model does not tag is ``unstated``: it counts as co-produced when it uses
inputs of a co-production sector (users' or communities' time and money), else as
professionally delivered.
"""

from __future__ import annotations

import numpy as np

from ..engine.costs import resource_quantities
from ..engine.effects import effects_to
from ..model.compile import CompiledModel

KINDS = ("individual", "collective", "none", "unstated")
COPRODUCED = ("individual", "collective")


def kind_of(cm: CompiledModel, iid: str) -> str:
    """The kind an intervention's file gives it, or ``unstated``."""
    return cm.model.interventions[iid].coproduction or "unstated"


def uses_coproduction(cm: CompiledModel, i: int) -> bool:
    """Whether intervention ``i`` uses any input of a co-production sector."""
    coprod = cm.coproduction_sector[cm.resource_sector]
    return bool(((cm.inputs[i] + cm.fixed_inputs[i]) * coprod).sum() > 0)


def is_coproduced(cm: CompiledModel, iid: str) -> bool:
    """Co-produced: tagged individual or collective, or untagged with co-production inputs."""
    kind = kind_of(cm, iid)
    if kind in COPRODUCED:
        return True
    return kind == "unstated" and uses_coproduction(cm, cm.index[iid])


def by_kind(
    cm: CompiledModel, volumes: np.ndarray, targets: list[str], quantities: np.ndarray | None = None
) -> dict[str, dict]:
    """Per kind present (volume above 0): the level it reaches on each target and its share
    of the level all kinds reach, its full and public cost and their shares, and its hours
    of users' and communities' time. Money in the model's currency and price year."""
    v = np.asarray(volumes, dtype=float)
    qty = resource_quantities(cm, v) if quantities is None else quantities
    cost = qty * cm.unit_cost[None, :]
    public = cm.resource_sector == cm.public_sector
    time = cm.time_resource
    full_i = cost.sum(axis=1)
    public_i = cost[:, public].sum(axis=1)
    hours_i = qty[:, time].sum(axis=1)
    effects = {t: effects_to(cm, cm.index[t])[: cm.n_interventions] * v for t in targets}
    kinds = [kind_of(cm, iid) for iid in cm.intervention_ids]
    total_full, total_public = float(full_i.sum()), float(public_i.sum())
    totals = {t: float(e.sum()) for t, e in effects.items()}
    out: dict[str, dict] = {}
    for kind in KINDS:
        mask = np.array([k == kind for k in kinds]) & (v > 0)
        if not mask.any():
            continue
        f, p = float(full_i[mask].sum()), float(public_i[mask].sum())
        level = {t: float(e[mask].sum()) for t, e in effects.items()}
        out[kind] = {
            "interventions": [iid for iid, m in zip(cm.intervention_ids, mask, strict=True) if m],
            "cost_full": f,
            "cost_public": p,
            "cost_share_full": f / total_full if total_full > 0 else 0.0,
            "cost_share_public": p / total_public if total_public > 0 else 0.0,
            "coproduction_hours": float(hours_i[mask].sum()),
            "effect": level,
            "effect_share": {t: (level[t] / totals[t] if totals[t] else 0.0) for t in targets},
        }
    return out
