"""Pathways, costs and (later) uncertainty and planning on compiled strategy maps."""

from .backwards import BackwardsMap, Pathway, Route, backwards_map
from .costs import CostBreakdown, breakdown, resource_costs
from .effects import effects_from, effects_to, node_levels, outcome_levels, total_effects
from .routes import RouteTable, route_table

__all__ = [
    "BackwardsMap",
    "CostBreakdown",
    "Pathway",
    "Route",
    "RouteTable",
    "backwards_map",
    "breakdown",
    "effects_from",
    "effects_to",
    "node_levels",
    "outcome_levels",
    "resource_costs",
    "route_table",
    "total_effects",
]
