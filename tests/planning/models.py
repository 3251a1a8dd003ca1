"""Small planning models, each solvable by hand (the working is in the tests)."""

from __future__ import annotations

import copy


def base(target: float = 100.0, vol_available: float = 100.0) -> dict:
    """Two interventions reaching outcome y.

    a: 2 staff hours (£10, public) per unit, effect 1 on x, x -> y effect 1: £20 public per y.
    b: 0.5 staff hours + 1 volunteer hour (£12, community) per unit, effect 0.5 on y:
       £5 public per unit, £10 public per y; limited by volunteer hours.
    """
    return {
        "coproduce": 1,
        "name": "hand",
        "price_year": 2024,
        "resources": {
            "staff": {"unit": "hour", "sector": "public", "unit_cost": 10},
            "vol": {
                "unit": "hour",
                "sector": "community",
                "unit_cost": 12,
                "available": vol_available,
            },
        },
        "interventions": {
            "a": {"unit": "place", "inputs": {"staff": 2}},
            "b": {"unit": "place", "inputs": {"staff": 0.5, "vol": 1}},
        },
        "outcomes": {"x": {"unit": "thing"}, "y": {"unit": "year"}},
        "links": [
            {"from": "a", "to": "x", "effect": 1.0},
            {"from": "x", "to": "y", "effect": 1.0},
            {"from": "b", "to": "y", "effect": 0.5},
        ],
        "targets": {"y": target},
    }


def edit(data: dict, **changes) -> dict:
    out = copy.deepcopy(data)
    for path, value in changes.items():
        obj = out
        parts = path.split("__")
        for p in parts[:-1]:
            obj = obj.setdefault(p, {})
        obj[parts[-1]] = value
    return out
