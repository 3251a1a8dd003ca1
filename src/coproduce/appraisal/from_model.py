"""An appraisal file built from a strategy map: appraise a scenario (a pathway) in one step.

This is the one place where the appraisal domain imports the strategy-map engine (a sibling
domain): a deliberate, narrow bridge. The rest of the appraisal package knows nothing of
strategy maps; what it receives here is ordinary appraisal-file data, validated by
:func:`coproduce.appraisal.load_appraisal` like any file.

The mapping (documented for analysts in ``docs/appraisal.md``):

- **Option and baseline.** With scenarios, the option is the model with the scenarios applied
  (in order) and the baseline is the model as it stands; without scenarios, the option is the
  model as it stands and the baseline is "do nothing" (every volume zero, so nothing costs and
  nothing changes). The option's flows are the *differences* option - baseline.
- **Years.** The model is per period, a period being a year, so each year 0..N-1 carries the
  same difference: costs and outcome levels are constant over the appraisal period.
- **Costs**, per intervention and resource. An increase is a cost line paid by the resource's
  agency (public resources; ``unassigned`` when a public resource names none) or by the
  resource's sector (private, third sector, users, community). Time given (a resource in a
  sector marked ``coproduction: true`` measured in hours) becomes an in-kind line of ``hours``
  with ``time_of`` volunteers (community) or service users (user), valued at the model's own
  unit cost through ``hourly_value`` - so it is counted, shown, and can be set to zero or to
  another named rate like any time given. A decrease (a scenario that does less of
  something) releases resources: it is a benefit, fiscal to the paying agency for public
  money, economic for private, third-sector and community resources.
- **Outcomes.** The change in each valued outcome's level is an outcome with that cohort every
  year, engagement and impact 1, no deadweight, displacement or attribution (the model's
  effects are already the change the interventions make), lag 0 and persistence 1 (the level
  is per year of running), valued by the model's values per unit: fiscal by agency, economic
  and social. A fall in an outcome is the same outcome with its values negated. Unvalued
  outcomes are listed in the notes.
- **Uncertainty.** The model's distributions are taken at their means (as ``evaluate`` does):
  the appraisal is deterministic. Use ``coproduce uncertainty`` on the model for its
  uncertainty, or edit the written appraisal file to add distributions.
- **Effects and costs as the engine computes them.** Both sides are compiled models, so an
  enabling input cut by a scenario cuts the effect of every link out of its intervention (the
  compiled ``link_effect`` carries the multiplier), and each side's resources follow any cost
  curve from 0 to its whole volumes: the difference is the cost of the change along the curve
  (above the baseline volume when the option adds volume).
- **The value of time** is the model's: users' and communities' hours are valued on the basis
  chosen with :func:`coproduce.model.time_value.choose_time_value` (``time_value`` /
  ``time_value_per_hour``, else the file's own ``time_value``, else each resource as stated),
  and each in-kind line's ``hourly_value`` is the unit cost read from the valued model — the
  same figure ``map`` and ``evaluate`` use, at the model's price year, never uprated again by
  the appraisal's deflator. The appraisal's time method is the basis's own when it has an
  appraisal name (``zero``, ``replacement_cost``, ``minimum_wage`` for the National Living
  Wage, ``living_wage``, ``opportunity_cost``), else ``replacement_cost`` as a label; the
  notes name the basis.
- **Caveats** (:mod:`coproduce.engine.flags`) travel with the option: the evidence and
  enabling-input flags of the interventions the option *changes* (its volume, inputs or
  effects differ from the baseline's; with no scenario, everything that runs), since the
  appraised flows are that change; and the feasibility flags (capacity, resources available)
  of the whole option, since it must be delivered whole. Evidence shares are per target of
  the model (else per final outcome), as ``evaluate`` gives them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.costs import resource_costs, resource_quantities
from ..engine.effects import outcome_levels
from ..engine.evaluate import caveat_words, flag_outcomes
from ..engine.flags import FEASIBILITY_FLAGS, FLAG_KINDS, CaveatContext, Caveats
from ..formatting import count, currency_of, money, rate
from ..model.compile import CompiledModel, compile_model
from ..model.distributions import mean_of
from ..model.errors import Issue, ModelError
from ..model.load import load_model
from ..model.scenarios import apply_scenarios
from ..model.schema import Model
from ..model.time_value import (
    AS_STATED,
    TimeValueBasis,
    bases,
    basis_of,
    choose_time_value,
    time_resources,
)

__all__ = ["ModelAppraisal", "appraisal_from_model", "build_from_model", "time_value_sensitivity"]

_HOURS = re.compile(r"\b(hours?|hrs?)\b", re.IGNORECASE)
_TOL = 1e-9


def _is_hours(unit: str | None) -> bool:
    return bool(unit) and bool(_HOURS.search(unit or ""))


class _Side:
    """One state of the model (baseline or option) at its current volumes, means throughout.
    Costs and quantities follow any cost curve from 0 to the whole volume."""

    def __init__(self, model: Model | None) -> None:
        self.model = model
        self.cm: CompiledModel | None = None
        self.quantities: np.ndarray | None = None
        self.costs: dict[tuple[str, str], float] = {}
        self.qty: dict[tuple[str, str], float] = {}
        self.unit_cost: dict[str, float] = {}
        self.levels: dict[str, float] = {}
        if model is None:  # do nothing: no intervention runs
            return
        cm = self.cm = compile_model(model)
        cost = resource_costs(cm, cm.volume)
        qty = self.quantities = resource_quantities(cm, cm.volume)
        for i, iid in enumerate(cm.intervention_ids):
            for r, rid in enumerate(cm.resource_ids):
                if qty[i, r] != 0 or cost[i, r] != 0:
                    self.costs[(iid, rid)] = float(cost[i, r])
                    self.qty[(iid, rid)] = float(qty[i, r])
        self.unit_cost = {rid: float(cm.unit_cost[r]) for r, rid in enumerate(cm.resource_ids)}
        # the outcome levels evaluate gives (enabling multipliers included), without the
        # caveats evaluate also works out: the option's caveats are scoped below
        self.levels = {
            oid: float(x)
            for oid, x in zip(cm.outcome_ids, outcome_levels(cm, cm.volume), strict=True)
        }

    def values(self, oid: str) -> dict[tuple[str, str | None], float]:
        """Value of one unit of an outcome by (type, agency), means, currency per unit."""
        if self.model is None or oid not in self.model.outcomes:
            return {}
        v = self.model.outcomes[oid].value
        out: dict[tuple[str, str | None], float] = {}
        if v is None:
            return out
        for ag, q in v.fiscal.items():
            out[("fiscal", ag)] = float(mean_of(q))
        if v.economic is not None:
            out[("economic", None)] = float(mean_of(v.economic))
        if v.social is not None:
            out[("social", None)] = float(mean_of(v.social))
        return {k: x for k, x in out.items() if x != 0}


# The appraisal's names for valuations of time, by the names a model may give its bases.
_APPRAISAL_METHOD = {
    "replacement_cost": "replacement_cost",
    "opportunity_cost": "opportunity_cost",
    "minimum_wage": "minimum_wage",
    "national_living_wage": "minimum_wage",
    "living_wage": "living_wage",
    "real_living_wage": "living_wage",
    "zero": "zero",
}


@dataclass(frozen=True)
class ModelAppraisal:
    """An appraisal file built from a strategy map, with what an appraisal file cannot hold.

    ``data``: the appraisal file (a dict, format 1). ``option``: its one option's id.
    ``caveats``: the option's :class:`~coproduce.engine.flags.Caveats` (see the module
    docstring for their scope). ``time_value``: the basis users' and communities' hours are
    valued on. ``flag_outcomes``: what the evidence shares are keyed by (``targets``,
    ``final`` or ``ends``). ``model``: the option's model, for labels."""

    data: dict[str, Any]
    option: str
    caveats: Caveats
    time_value: TimeValueBasis
    flag_outcomes: str
    model: Model
    scenarios: tuple[str, ...] = ()
    time_values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def caveat_lines(self) -> list[str]:
        """The caveats in sentences (see :func:`coproduce.engine.evaluate.caveat_words`)."""
        return caveat_words(self.caveats.to_dict(), self.model)

    def to_dict(self) -> dict[str, Any]:
        """What ``cba --from-model --json`` adds: ``time_value`` (the basis) and, per option,
        ``flags``, ``fits``, ``caveats`` (as ``Caveats.to_dict()``), ``caveats_in_words`` and
        ``time_values`` (the appraisal under each of the model's bases)."""
        return {
            "model": self.model.name,
            "scenarios": list(self.scenarios),
            "time_value": self.time_value.to_dict(),
            "flag_shares_per": self.flag_outcomes,
            "options": {
                self.option: {
                    "flags": list(self.caveats.flags),
                    "fits": self.caveats.fits,
                    "caveats": self.caveats.to_dict(),
                    "caveats_in_words": self.caveat_lines,
                    "time_values": self.time_values,
                }
            },
        }

    def merge_into(self, result: dict[str, Any]) -> dict[str, Any]:
        """An appraisal result's ``to_dict()`` with these additions (no key replaced):
        top-level ``time_value`` and ``from_model``; ``flags``, ``fits``, ``caveats``,
        ``caveats_in_words`` and ``time_values`` in each option built from the model."""
        extra = self.to_dict()
        out = {**result, "time_value": extra["time_value"], "from_model": extra}
        options = dict(out.get("options") or {})
        for oid, add in extra["options"].items():
            if oid in options:
                options[oid] = {**options[oid], **add}
        out["options"] = options
        return out


def appraisal_from_model(
    model: Model | str | Path,
    scenarios: Sequence[str] = (),
    years: int = 10,
    *,
    name: str | None = None,
    time_value: str | None = None,
    time_value_per_hour: float | None = None,
) -> dict[str, Any]:
    """Appraisal-file data (a dict, format version 1) for a strategy-map scenario; see
    :func:`build_from_model` for the arguments. The result passes
    :func:`coproduce.appraisal.load_appraisal`."""
    return build_from_model(
        model,
        scenarios,
        years,
        name=name,
        time_value=time_value,
        time_value_per_hour=time_value_per_hour,
    ).data


def build_from_model(
    model: Model | str | Path,
    scenarios: Sequence[str] = (),
    years: int = 10,
    *,
    name: str | None = None,
    time_value: str | None = None,
    time_value_per_hour: float | None = None,
    with_caveats: bool = True,
) -> ModelAppraisal:
    """The appraisal of a strategy-map scenario, with its caveats and basis of time.

    ``model`` is a loaded :class:`~coproduce.model.schema.Model` *without* the scenarios
    applied, or a path / ``example:NAME``. ``scenarios`` are applied in order to give the
    option; the baseline is the model as it stands (or "do nothing" when no scenario is
    given). ``years`` is the appraisal period: each year carries the model's per-period
    difference in costs and outcome levels. Money stays in the model's currency and price
    year (the appraisal's price base). ``time_value`` (a basis the model names, ``zero`` or
    ``as_stated``) or ``time_value_per_hour`` (currency an hour) values users' and
    communities' hours, as ``map`` does; neither keeps the model's own basis. Raises
    :class:`ModelError` for an unknown scenario or basis, or a bad period.
    """
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 500:
        raise ModelError(
            [Issue("years", f"the appraisal period must be 1 to 500 years, got {years!r}")]
        )
    loaded = model if isinstance(model, Model) else load_model(model)
    # scenarios first, then the valuation of time, as load_model and every command do
    base_model = choose_time_value(loaded, time_value, time_value_per_hour)
    scenarios = tuple(scenarios)
    option_model = (
        choose_time_value(apply_scenarios(base_model, scenarios)) if scenarios else base_model
    )
    basis = basis_of(base_model)
    base = _Side(base_model if scenarios else None)
    opt = _Side(option_model)
    method = _APPRAISAL_METHOD.get(basis.name, "replacement_cost")
    if basis.per_hour == 0:
        method = "zero"  # the appraisal's own zero: hours counted, valued at nothing
    # resources/outcomes/sectors by id, the option's definition first (a scenario may add)
    resources = {**base_model.resources, **option_model.resources}
    sectors = {**base_model.sectors, **option_model.sectors}
    itv_label = {
        k: v.label or k
        for k, v in {**base_model.interventions, **option_model.interventions}.items()
    }
    agencies: dict[str, dict] = {
        a: {"label": v.label, "sector": "public"} for a, v in option_model.agencies.items()
    }
    notes: list[str] = []

    def sector_agency(sid: str) -> str:
        """The appraisal agency standing for a non-public sector (or an unnamed public payer)."""
        key = "unassigned" if sid == "public" else sid
        if key in option_model.agencies:
            key = f"{key}_sector"
        if key not in agencies:
            s = sectors.get(sid)
            kind = (
                sid
                if sid in ("public", "private", "third", "user", "community")
                else ("community" if s is not None and s.coproduction else "private")
            )
            label = s.label if s is not None else sid
            if sid == "public":
                label = "Public sector (no agency named in the model)"
            agencies[key] = {"label": label, "sector": kind}
        return key

    costs: list[dict] = []
    outcomes: list[dict] = []
    currency = base_model.currency
    for key in sorted(set(base.costs) | set(opt.costs), key=_order(option_model, base_model)):
        iid, rid = key
        res = resources[rid]
        sector = sectors.get(res.sector)
        copro = bool(sector is not None and sector.coproduction)
        dc = opt.costs.get(key, 0.0) - base.costs.get(key, 0.0)
        dq = opt.qty.get(key, 0.0) - base.qty.get(key, 0.0)
        uc = opt.unit_cost.get(rid, base.unit_cost.get(rid, 0.0))
        label = f"{itv_label[iid]}: {res.label or rid}"
        src = res.source
        sector_words = (sector.label if sector is not None else res.sector).lower()

        def payer(res=res) -> str:
            if res.sector == "public":
                return res.agency or sector_agency("public")
            return sector_agency(res.sector)

        if copro and _is_hours(res.unit):
            if abs(dq) <= _TOL:
                if abs(dc) > _TOL:
                    notes.append(
                        f"{label}: the scenario changes the value put on an hour, not "
                        "the hours given; a valuation is not an option, so it adds no "
                        "cost here (choose another valuation of time to test valuations)."
                    )
                continue
            time_of = (
                "service_users" if res.sector == "user" or "user" in res.sector else "volunteers"
            )
            if dq > 0:
                costs.append(
                    _drop_none(
                        {
                            "label": label,
                            "agency": payer(),
                            "type": "in_kind",
                            "hours": dq,
                            "time_of": time_of,
                            # the loader refuses an own rate under the zero method: none is needed
                            "hourly_value": None if method == "zero" else uc,
                            "source": src,
                            "notes": f"{count(dq, 'hour')} a year of {res.label or rid} "
                            f"({sector_words}), valued at the model's "
                            f"{rate(uc, currency)} an hour ({basis.label})",
                        }
                    )
                )
            else:
                outcomes.append(
                    _released(
                        f"Time released: {label}",
                        "hour",
                        -dq,
                        "economic",
                        None,
                        uc,
                        src,
                        f"{count(-dq, 'hour')} fewer a year of {res.label or rid} are needed; "
                        f"valued at the model's {rate(uc, currency)} an hour "
                        f"({basis.label})",
                    )
                )
            continue
        if abs(dc) <= _TOL:
            continue
        same_price = abs(uc - base.unit_cost.get(rid, uc)) <= _TOL
        if dc > 0:
            line: dict[str, Any] = {
                "label": label,
                "agency": payer(),
                "type": "in_kind" if copro else "revenue",
            }
            if same_price and uc not in (0.0, 1.0) and dq > 0:
                line.update(units=dq, unit_cost=uc)
            else:
                line["amount"] = dc
            line["source"] = src
            money_unit = currency_of(res.unit) is not None
            line["notes"] = (
                (money(dq, res.unit) if money_unit else count(dq, res.unit))
                + f" a year of {res.label or rid}"
                + ("" if money_unit else f" at {money(uc, currency)} each")
                + f" ({sector_words})"
            )
            costs.append(_drop_none(line))
        else:
            kind = "fiscal" if res.sector == "public" else "economic"
            outcomes.append(
                _released(
                    f"Spending released: {label}",
                    "£",
                    -dc,
                    kind,
                    payer() if kind == "fiscal" else None,
                    1.0,
                    src,
                    f"{money(-dc, currency)} a year less spent on {res.label or rid} "
                    f"({sector_words}): a saving to whoever paid for it",
                )
            )

    unvalued = []
    for oid in [
        *option_model.outcomes,
        *[o for o in base_model.outcomes if o not in option_model.outcomes],
    ]:
        o = option_model.outcomes.get(oid) or base_model.outcomes[oid]
        l1, l0 = opt.levels.get(oid, 0.0), base.levels.get(oid, 0.0)
        v1, v0 = opt.values(oid), base.values(oid)
        dl = l1 - l0
        unit = o.unit or "unit"
        lab = o.label or oid
        if not v1 and not v0:
            if abs(dl) > _TOL:
                unvalued.append(f"{lab} {dl:+,.4g} {unit} a year")
            continue
        if abs(dl) <= _TOL and v1 == v0:
            continue
        note = f"model outcome {oid}: level {l0:,.6g} -> {l1:,.6g} {unit} a year" + (
            "; complex: figures through it are indicative only" if o.complex else ""
        )
        if v1 == v0 or not base.levels:
            sign = 1.0 if dl >= 0 else -1.0
            vals = [_value(t, ag, sign * x, o.source) for (t, ag), x in v1.items()]
            outcomes.append(
                _drop_none(
                    {
                        "label": lab if dl >= 0 else f"{lab} (fewer)",
                        "unit": unit,
                        "cohort": abs(dl),
                        "source": o.source,
                        "notes": note,
                        "values": vals,
                    }
                )
            )
        else:  # the scenario changes what a unit is worth: carry the change in £ directly
            vals = []
            for k in sorted(set(v1) | set(v0), key=str):
                d = l1 * v1.get(k, 0.0) - l0 * v0.get(k, 0.0)
                if abs(d) > _TOL:
                    vals.append(_value(k[0], k[1], d, o.source))
            if vals:
                outcomes.append(
                    _drop_none(
                        {
                            "label": f"{lab}: change in value",
                            "unit": "year of the change",
                            "cohort": 1.0,
                            "source": o.source,
                            "values": vals,
                            "notes": note
                            + "; the scenario changes the value per unit, so the change "
                            "in benefits (level x value) is carried as one amount a year",
                        }
                    )
                )
        if o.complex and abs(dl) > _TOL:
            notes.append(f"{lab} is marked complex in the model: its benefits are indicative.")
    for o in outcomes:
        for v in o["values"]:
            if v["type"] == "fiscal" and v["agency"] not in agencies:
                agencies[v["agency"]] = {"label": v["agency"], "sector": "public"}
    if unvalued:
        notes.append(
            "Changes in outcomes the model does not value (not in the benefits): "
            + "; ".join(unvalued)
            + "."
        )
    if not costs and not outcomes:
        notes.append("The scenario changes nothing that is costed or valued in the model.")

    labels = [option_model.scenarios[s].label or s for s in scenarios] if scenarios else []
    option_id = _option_id(scenarios)
    option = {
        "label": " + ".join(labels) if labels else f"{base_model.name} as modelled",
        "description": (
            f"The strategy map '{base_model.name}' with scenario(s) "
            f"{', '.join(scenarios)} applied, less the map as it stands"
            if scenarios
            else f"The strategy map '{base_model.name}' at its current volumes"
        ),
        "coproduced": any(c.get("time_of") or c["type"] == "in_kind" for c in costs),
        "costs": costs,
        "outcomes": outcomes,
    }
    baseline = (
        {
            "label": f"{base_model.name} as it stands",
            "description": "the strategy map at its current volumes, without the scenario(s)",
        }
        if scenarios
        else {
            "label": "Do nothing",
            "description": "no intervention of the strategy map runs: every volume zero",
        }
    )
    mean_note = (
        "Built from the strategy map by coproduce cba --from-model: the model's "
        "distributions are taken at their means, each year repeats the model's "
        "per-year difference between option and baseline, and outcome effects are "
        "already net of the counterfactual (no deadweight, displacement or "
        "attribution added)."
    )
    time_note = _time_note(base_model, basis)
    caveats = _caveats(opt, base if scenarios else None) if with_caveats else Caveats(flags=())
    rule = flag_outcomes(opt.cm)[1] if opt.cm is not None else "targets"
    built = ModelAppraisal(
        data={},
        option=option_id,
        caveats=caveats,
        time_value=basis,
        flag_outcomes=rule,
        model=option_model,
        scenarios=scenarios,
    )
    caveat_note = (
        ["Caveats carried from the strategy map: " + " ".join(built.caveat_lines)]
        if caveats.flags
        else []
    )
    data: dict[str, Any] = {
        "coproduce_appraisal": 1,
        "name": name or (f"{base_model.name}: {option['label']}" if scenarios else base_model.name),
        "description": base_model.description,
        "currency": base_model.currency,
        "price_base": base_model.price_year,
        "years": years,
        "time_valuation": {"method": method},
        "agencies": agencies,
        "baseline": baseline,
        "options": {option_id: option},
        "notes": "\n".join([mean_note, time_note, *caveat_note, *notes]),
    }
    if base_model.source:
        data["sources"] = [base_model.source]
    return ModelAppraisal(
        data=_drop_none(data),
        option=option_id,
        caveats=caveats,
        time_value=basis,
        flag_outcomes=rule,
        model=option_model,
        scenarios=scenarios,
    )


def _time_note(model: Model, basis: TimeValueBasis) -> str:
    """The basis of time in words, for the appraisal's notes."""
    if basis.per_hour is None:
        cm_rates = [
            f"{model.label_of(r)} "
            f"{rate(float(mean_of(model.resources[r].unit_cost)), model.currency)}"
            for r in time_resources(model)
        ]
        rates = f" ({'; '.join(cm_rates)} an hour)" if cm_rates else ""
        return (
            "Users' and communities' time is valued as each resource states it in the "
            f"strategy map{rates}: the figures coproduce map and evaluate use, at the "
            "model's price year, not uprated again."
        )
    return (
        f"Users' and communities' time is valued on the strategy map's basis "
        f"({basis.label}): {rate(basis.per_hour, model.currency)} an hour"
        + (f" ({basis.source})" if basis.source else "")
        + ": the figure coproduce map and evaluate use, at the model's price year, not "
        "uprated again."
    )


def _per_unit_levels(cm: CompiledModel) -> dict[str, dict[str, float]]:
    """Each intervention's outcome levels per unit of volume, by outcome id."""
    out = {}
    for i, iid in enumerate(cm.intervention_ids):
        e = np.zeros(cm.n_interventions)
        e[i] = 1.0
        lv = outcome_levels(cm, e)
        out[iid] = {o: float(x) for o, x in zip(cm.outcome_ids, lv, strict=True) if x != 0}
    return out


def _per_unit_inputs(cm: CompiledModel, i: int) -> dict[str, tuple[float, float]]:
    return {
        rid: (float(cm.inputs[i, r]), float(cm.fixed_inputs[i, r]))
        for r, rid in enumerate(cm.resource_ids)
        if cm.inputs[i, r] != 0 or cm.fixed_inputs[i, r] != 0
    }


def _close(a: dict, b: dict) -> bool:
    keys = set(a) | set(b)
    return all(np.allclose(a.get(k, 0.0), b.get(k, 0.0), rtol=1e-12, atol=1e-12) for k in keys)


def _caveats(opt: _Side, base: _Side | None) -> Caveats:
    """The option's caveats: evidence and enabling flags of what it changes, feasibility of
    the whole option (see the module docstring)."""
    cm = opt.cm
    assert cm is not None and opt.quantities is not None
    v = cm.volume
    if base is None or base.cm is None:
        scope = v.copy()  # against doing nothing: all that runs
    else:
        bcm = base.cm
        mine, theirs = _per_unit_levels(cm), _per_unit_levels(bcm)
        scope = np.zeros_like(v)
        for i, iid in enumerate(cm.intervention_ids):
            if iid not in bcm.index:
                scope[i] = v[i]
                continue
            j = bcm.index[iid]
            if not np.isclose(v[i], bcm.volume[j], rtol=1e-12, atol=1e-12):
                # the change in volume carries the benefits gained (or lost)
                scope[i] = abs(v[i] - bcm.volume[j])
            elif not _close(_per_unit_inputs(cm, i), _per_unit_inputs(bcm, j)) or not _close(
                mine[iid], theirs[iid]
            ):
                scope[i] = v[i]  # same volume, different inputs or effects
        if not (scope > 0).any():
            scope = v.copy()  # only prices or values change: the whole option's caveats
    outcomes, _ = flag_outcomes(cm)
    ctx = CaveatContext(cm, outcomes)
    changed = ctx.for_volumes(scope, quantities=opt.quantities * (scope > 0)[:, None])
    whole = ctx.for_volumes(v, quantities=opt.quantities)
    present = {f for f in changed.flags if f not in FEASIBILITY_FLAGS} | {
        f for f in whole.flags if f in FEASIBILITY_FLAGS
    }
    return Caveats(
        flags=tuple(k for k in FLAG_KINDS if k in present),
        flag_shares=changed.flag_shares,
        short=whole.short,
        over_capacity=whole.over_capacity,
        no_public_input=changed.no_public_input,
        enabling=changed.enabling,
    )


def time_value_sensitivity(
    model: Model | str | Path,
    scenarios: Sequence[str] = (),
    years: int = 10,
    *,
    per_hour: float | None = None,
) -> dict[str, dict[str, Any]]:
    """The appraisal's headline figures under each of the model's bases for valuing users'
    and communities' time (its ``time_values`` and ``zero``; ``as_stated`` too when the model
    is as the file states it; ``custom`` for ``per_hour``): ``{basis: {label, per_hour,
    source, npv_public_value, benefit_cost_ratio, pv_costs, pv_time_costs}}``, money in the
    model's currency at its price year, present values over ``years``. The same figures per
    hour as ``map`` uses."""
    from .api import appraise

    loaded = model if isinstance(model, Model) else load_model(model)
    names: list[tuple[str, float | None]] = [
        *([(AS_STATED, None)] if loaded.time_value is None else []),
        *((name, None) for name in bases(loaded) if name != "custom"),
        *([("custom", per_hour)] if per_hour is not None else []),
    ]
    out: dict[str, dict[str, Any]] = {}
    for name, hourly in names:
        built = build_from_model(
            loaded,
            scenarios,
            years,
            time_value=name,
            time_value_per_hour=hourly,
            with_caveats=False,
        )
        result = appraise(built.data)
        f = result.options[built.option].figures
        out[name] = {
            **built.time_value.to_dict(),
            "npv_public_value": f["npv_public_value"],
            "benefit_cost_ratio": f["benefit_cost_ratio"],
            "pv_costs": f["pv_costs"],
            "pv_time_costs": f["pv_time_costs"],
        }
        out[name].pop("name", None)
    return out


def _order(*models: Model):
    """Sort (intervention, resource) pairs in file order: interventions, then resources."""
    itv: dict[str, int] = {}
    res: dict[str, int] = {}
    for m in models:
        for k in m.interventions:
            itv.setdefault(k, len(itv))
        for k in m.resources:
            res.setdefault(k, len(res))
    return lambda key: (itv.get(key[0], len(itv)), res.get(key[1], len(res)))


def _option_id(scenarios: tuple[str, ...]) -> str:
    if not scenarios:
        return "programme"
    raw = "_".join(scenarios)
    return raw if len(raw) <= 60 else raw[:60].rstrip("_")


def _value(kind: str, agency: str | None, value: float, source: str | None) -> dict:
    return _drop_none(
        {
            "type": kind,
            "agency": agency,
            "value": value,
            "source": source or "strategy-map outcome value",
        }
    )


def _released(
    label: str,
    unit: str,
    cohort: float,
    kind: str,
    agency: str | None,
    value: float,
    source: str | None,
    notes: str,
) -> dict:
    return _drop_none(
        {
            "label": label,
            "unit": unit,
            "cohort": cohort,
            "source": source,
            "notes": notes,
            "values": [_value(kind, agency, value, source or "model unit cost")],
        }
    )


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}
