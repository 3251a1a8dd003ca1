"""The caveats a careful reader must see beside a figure, computed once for any set of volumes.

Backwards mapping flags each pathway; a plan, an uncertainty option, an appraisal built from a
model and a sweep row carry the same flags for their own mix of volumes, so a caveat never
vanishes after ``map``:

- evidence: the share of the effect on a target that rests on contested, weakly evidenced
  (grade 2 or below) or ungraded links, or passes through a complex outcome (figures there are
  indicative only);
- practice: co-production with no public enabling input (none is paid for, or none is
  declared in ``enabling``); an enabling input cut below the level its effects were measured
  at (the effect falls with it);
- feasibility: a volume above capacity; more of a resource than is available (volunteer hours).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..model.compile import CompiledModel
from ..model.distributions import mean_of
from .costs import resource_quantities
from .effects import effects_to
from .routes import COMPLEX, CONTESTED, UNGRADED, WEAK, route_table

EVIDENCE_FLAGS = ("contested", "weak_evidence", "ungraded_evidence", "complex")
FLAG_KINDS = (
    *EVIDENCE_FLAGS,
    "no_public_input",
    "enabling_shortfall",
    "over_capacity",
    "over_available",
)
"""Every flag, in the order readers see them. Names are part of the ``--json`` contracts."""

FLAG_BITS = {
    "contested": CONTESTED,
    "weak_evidence": WEAK,
    "ungraded_evidence": UNGRADED,
    "complex": COMPLEX,
}

# Do not fit: an option, plan or pathway with one of these cannot be delivered as it stands.
FEASIBILITY_FLAGS = ("over_capacity", "over_available")


def flag_names(bits: int) -> list[str]:
    """Evidence flag names from route flag bits."""
    return [name for name in EVIDENCE_FLAGS if bits & FLAG_BITS[name]]


@dataclass(frozen=True)
class Caveats:
    """The flags of a set of volumes.

    ``flags``: kinds present, in :data:`FLAG_KINDS` order. ``flag_shares{target: {kind:
    share}}``: the share of the effect on each target resting on links of each evidence kind
    (0–1). ``short{resource: {needed, available}}`` in resource units;
    ``over_capacity{intervention: {volume, capacity}}``; ``no_public_input{intervention:
    reason}`` (``none_paid`` or ``none_declared``); ``enabling{intervention: {multiplier,
    inputs{resource: {actual, declared}}}}`` for interventions whose effect is cut."""

    flags: tuple[str, ...]
    flag_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    short: dict[str, dict[str, float]] = field(default_factory=dict)
    over_capacity: dict[str, dict[str, float]] = field(default_factory=dict)
    no_public_input: dict[str, str] = field(default_factory=dict)
    enabling: dict[str, dict] = field(default_factory=dict)

    @property
    def fits(self) -> bool:
        """Deliverable as it stands: within every capacity and every resource available."""
        return not any(f in self.flags for f in FEASIBILITY_FLAGS)

    def to_dict(self) -> dict:
        return {
            "flags": list(self.flags),
            "flag_shares": self.flag_shares,
            "resources_short": self.short,
            "over_capacity": self.over_capacity,
            "no_public_input": self.no_public_input,
            "enabling_shortfall": self.enabling,
        }


class CaveatContext:
    """What the flags of any volumes on one compiled model need, computed once: per target,
    each intervention's total effect with and without each kind of flagged link."""

    def __init__(self, cm: CompiledModel, targets: Iterable[str] = ()) -> None:
        self.cm = cm
        self.targets = tuple(targets)

    @cached_property
    def available(self) -> dict[int, float]:
        out = {}
        for r, rid in enumerate(self.cm.resource_ids):
            q = self.cm.model.resources[rid].available
            if q is not None:
                out[r] = float(mean_of(q))
        return out

    @cached_property
    def coproduction_resource(self) -> np.ndarray:
        cm = self.cm
        return (
            cm.coproduction_sector[cm.resource_sector]
            if len(cm.resource_ids)
            else np.zeros(0, dtype=bool)
        )

    def total_effects(self, target: str) -> np.ndarray:
        """Every intervention's total effect on ``target`` (target units per unit)."""
        return self._effects(target)[0]

    def _effects(self, target: str) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        cache = self.__dict__.setdefault("_cache", {})
        if target not in cache:
            cm = self.cm
            t = cm.index[target]
            n_i = cm.n_interventions
            g = effects_to(cm, t)[:n_i]
            without: dict[str, np.ndarray] = {}
            complex_links = cm.node_complex[cm.link_dst] | cm.node_complex[cm.link_src]
            for name, mask in (
                ("contested", cm.link_contested),
                ("weak_evidence", cm.link_weak),
                ("ungraded_evidence", cm.link_ungraded),
                ("complex", complex_links),
            ):
                if not mask.any():
                    continue
                if name == "complex" and cm.node_complex[t]:
                    without[name] = np.zeros(n_i)  # all of a complex target is indicative
                    continue
                without[name] = effects_to(cm, t, np.where(mask, 0.0, cm.link_effect))[:n_i]
            bits = route_table(cm, t, k=1).flags[:n_i]
            cache[target] = (g, without, bits)
        return cache[target]

    def shares(self, target: str, volumes: np.ndarray) -> dict[str, float]:
        """Share of the effect of ``volumes`` on ``target`` resting on each evidence kind, for
        the kinds their routes pass through."""
        g, without, bits = self._effects(target)
        v = np.asarray(volumes, dtype=float)
        active = v > 0
        total = float(v @ g)
        present = int(np.bitwise_or.reduce(bits[active])) if active.any() else 0
        out = {}
        for name in EVIDENCE_FLAGS:
            if not present & FLAG_BITS[name] or name not in without:
                continue
            share = float(v @ (g - without[name])) / total if total > 0 else 0.0
            out[name] = min(max(share, 0.0), 1.0)
        return out

    def for_volumes(
        self,
        volumes: np.ndarray,
        *,
        targets: Iterable[str] | None = None,
        quantities: np.ndarray | None = None,
    ) -> Caveats:
        """The caveats of running every intervention at ``volumes`` at once (one pathway: a
        vector with one non-zero). ``quantities`` (interventions × resources) may replace the
        straight-line resource use (a cost curve)."""
        cm = self.cm
        v = np.asarray(volumes, dtype=float)
        active = np.flatnonzero(v > 0)
        qty = resource_quantities(cm, v) if quantities is None else quantities
        flag_shares = {t: self.shares(t, v) for t in (self.targets if targets is None else targets)}
        kinds = {k for s in flag_shares.values() for k in s}
        public = cm.resource_sector == cm.public_sector
        declared = {i for i, *_ in cm.enabling}
        no_public: dict[str, str] = {}
        enabling: dict[str, dict] = {}
        over_cap: dict[str, dict[str, float]] = {}
        for i in active:
            iid = cm.node_ids[i]
            coproduced = bool((qty[i] * self.coproduction_resource).sum() > 0)
            if coproduced and not (qty[i][public] * cm.unit_cost[public]).sum() > 0:
                no_public[iid] = "none_paid"
            elif coproduced and i not in declared:
                no_public[iid] = "none_declared"
            if cm.enabling_multiplier[i] < 1:
                enabling[iid] = enabling_shortfall(cm, int(i))
            if v[i] > cm.capacity[i] * (1 + 1e-12):
                over_cap[iid] = {"volume": float(v[i]), "capacity": float(cm.capacity[i])}
        used = qty.sum(axis=0)
        short = {
            cm.resource_ids[r]: {"needed": float(used[r]), "available": a}
            for r, a in self.available.items()
            if used[r] > a * (1 + 1e-12)
        }
        present = set(kinds)
        if no_public:
            present.add("no_public_input")
        if enabling:
            present.add("enabling_shortfall")
        if over_cap:
            present.add("over_capacity")
        if short:
            present.add("over_available")
        return Caveats(
            flags=tuple(k for k in FLAG_KINDS if k in present),
            flag_shares=flag_shares,
            short=short,
            over_capacity=over_cap,
            no_public_input=no_public,
            enabling=enabling,
        )


def enabling_shortfall(cm: CompiledModel, i: int) -> dict:
    """How far intervention ``i``'s enabling inputs fall short: its multiplier and, per
    input, the quantity used and the quantity declared (per unit, or per period when fixed)."""
    inputs = {}
    for j, r, fixed_input, level, _, _ in cm.enabling:
        if j != i:
            continue
        actual = float(cm.fixed_inputs[i, r] if fixed_input else cm.inputs[i, r])
        inputs[cm.resource_ids[r]] = {
            "actual": actual,
            "declared": level,
            "per": "period" if fixed_input else "unit",
        }
    return {"multiplier": float(cm.enabling_multiplier[i]), "inputs": inputs}


def enabling_shortfalls(cm: CompiledModel) -> dict[str, dict]:
    """Every intervention whose effect is cut because an enabling input falls short."""
    return {
        cm.node_ids[i]: enabling_shortfall(cm, i)
        for i in range(cm.n_interventions)
        if cm.enabling_multiplier[i] < 1
    }


def volumes_of(cm: CompiledModel, volumes: Mapping[str, float]) -> np.ndarray:
    """A volume vector (interventions,) from ``{intervention: volume}`` (others 0)."""
    v = np.zeros(cm.n_interventions)
    for iid, x in volumes.items():
        v[cm.index[iid]] = x
    return v
