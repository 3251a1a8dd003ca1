"""The result of a portfolio analysis: what ``coproduce portfolio --json`` prints."""

from __future__ import annotations

from dataclasses import dataclass

from .compare import ServiceComparison
from .joint import JointPlan
from .load import Portfolio


@dataclass(frozen=True)
class PortfolioResult:
    """Per service the comparison of its best co-produced and professional pathways
    (``services``), the joint plan across services (``plan``), the ranked recommendation
    (``ranking``: service, tier, rank and the figures behind it) and the ranking at each
    valuation of time every model names (``sensitivity``). Money in ``currency`` at
    ``price_year`` prices, a period."""

    portfolio: Portfolio
    objective: str
    services: dict[str, ServiceComparison]
    plan: JointPlan
    ranking: tuple[dict, ...]
    sensitivity: tuple[dict, ...] = ()

    @property
    def name(self) -> str:
        return self.portfolio.name

    @property
    def currency(self) -> str:
        return self.portfolio.currency

    @property
    def price_year(self) -> int:
        return self.portfolio.price_year

    def labels(self, service: str):
        """The labels of one service's model (:class:`coproduce.presentation.labels.Labels`)."""
        from ..presentation.labels import Labels

        return Labels(self.portfolio.services[service].model)

    def service_label(self, service: str) -> str:
        return self.portfolio.services[service].label

    def pool_label(self, key: str) -> str:
        """A pool (or ``pool.area``) in words."""
        name, _, area = key.partition(".")
        pool = self.portfolio.pools.get(name)
        label = pool.label if pool else name.replace("_", " ")
        return f"{label} ({area.replace('_', ' ')})" if area else label

    def to_dict(self) -> dict:
        pf = self.portfolio
        plan = self.plan.to_dict()
        services = {}
        for name, comp in self.services.items():
            d = comp.to_dict()
            rank = next(r for r in self.ranking if r["service"] == name)
            d["recommendation"] = {k: v for k, v in rank.items() if k != "service"}
            if self.plan.status == "optimal":
                model = pf.services[name].model
                d["plan"] = {
                    # every intervention the plan names, in words (not only the pathways)
                    "labels": {i: model.label_of(i) for i in self.plan.volumes.get(name, {})},
                    "volumes": self.plan.volumes.get(name, {}),
                    "changes": self.plan.changes.get(name, {}),
                    "cost": self.plan.cost["by_service"].get(name),
                    "by_kind": self.plan.by_kind.get(name, {}),
                    "enabling_spend": self.plan.enabling_spend.get(name, {}),
                    "flags": self.plan.flags.get(name, []),
                    "shadow_prices": {
                        "targets": self.plan.shadow_prices["targets"].get(name, {}),
                        "resources": self.plan.shadow_prices["resources"].get(name, {}),
                    },
                }
            services[name] = d
        from .words import summary_parts

        parts = summary_parts(self)
        return {
            "portfolio": pf.name,
            "file": pf.file,
            "currency": pf.currency,
            "price_year": pf.price_year,
            "objective": self.objective,
            "time_value": pf.time_value or "as_stated",
            "services": services,
            "plan": plan,
            "pools": {
                p.name: {
                    "label": p.label,
                    "kind": p.kind,
                    "unit": p.unit,
                    "available": p.available,
                    "total": p.total,
                    "resources": p.resources,
                    "models_assume": p.model_available,
                    "source": p.source,
                }
                for p in pf.pools.values()
            },
            "budgets": pf.budgets,
            "recommendation": list(self.ranking),
            "time_value_sensitivity": list(self.sensitivity),
            "warnings": list(pf.warnings),
            "summary": " ".join(parts),
            "summary_parts": parts,
        }

    def summary(self) -> str:
        from .words import summary_parts

        return " ".join(summary_parts(self))
