"""What one row of each analysis gives: the records of ``map`` (one per pathway),
``uncertainty`` (one per option), ``plan`` (one per intervention) and ``coproduction`` (one:
the best co-produced against the best professional pathway, as the portfolio compares each
service), each with the flag columns of what it describes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...engine.flags import FEASIBILITY_FLAGS, FLAG_KINDS
from ...model.errors import Issue, ModelError
from ...model.schema import Model
from .job import SweepJob
from .rows import SweepRow

FLAG_COLUMNS = tuple(f"flag_{k}" for k in FLAG_KINDS)
"""One boolean column per kind of caveat, in :data:`~coproduce.engine.flags.FLAG_KINDS`
order."""


def _float(v: Any) -> float:
    """A float column's value: NaN for none, so every partition has the same type."""
    return math.nan if v is None else float(v)


def _target(job: SweepJob, row: SweepRow, model: Model) -> tuple[str, float]:
    if job.target is not None:
        outcome, amount = job.target
        if f"targets.{outcome}" in row.settings:  # the row's own target for this outcome
            amount = row.settings[f"targets.{outcome}"]
        return outcome, amount
    if not model.targets:
        raise ModelError(
            [Issue("target", "the model has no targets; give --target OUTCOME=AMOUNT")]
        )
    return next(iter(model.targets.items()))


def _map_records(job: SweepJob, row: SweepRow, model: Model) -> list[dict[str, Any]]:
    from ...engine.backwards import backwards_map

    outcome, amount = _target(job, row, model)
    result = backwards_map(model, outcome, amount, by=job.by, paths=1, co_benefits=0)
    out = []
    for rank, p in enumerate(result.pathways, start=1):
        out.append(
            {
                "target_outcome": outcome,
                "target_amount": float(amount),
                "rank": rank,
                "intervention": p.intervention,
                "volume": p.volume,
                "cost_full": p.cost.full,
                "cost_public": p.cost.public,
                "cost_per_outcome_full": p.cost_per_outcome_full,
                "cost_per_outcome_public": p.cost_per_outcome_public,
                "coproduction_share": p.coproduction_share,
                # by hours, which valuing time at £0 cannot hide (NaN: no hours)
                "coproduction_share_hours": _float(getattr(p, "coproduction_share_hours", None)),
                "within_capacity": p.within_capacity,
                # the pathway's own flags, as backwards mapping gives them
                **flag_columns(p.flags, p.within_capacity),
            }
        )
    return out


def _coproduction_records(job: SweepJob, row: SweepRow, model: Model) -> list[dict[str, Any]]:
    """The co-production advantage in this row's area: the cheapest co-produced and the
    cheapest professional pathway to the target by full cost a unit, and how much cheaper
    co-production is (money in the model's currency a unit of the target; NaN where there is
    no pathway of a kind). The flag columns are the co-produced pathway's."""
    from ...engine.backwards import backwards_map
    from ...model.compile import compile_model
    from ...portfolio.kinds import is_coproduced, kind_of

    outcome, amount = _target(job, row, model)
    cm = compile_model(model)
    result = backwards_map(cm, outcome, amount, by="full", paths=1, co_benefits=0)
    co = next((p for p in result.pathways if is_coproduced(cm, p.intervention)), None)
    prof = next((p for p in result.pathways if not is_coproduced(cm, p.intervention)), None)

    def per_unit(p, key: str) -> float:
        if p is None:
            return math.nan
        return p.cost_per_outcome_full if key == "full" else p.cost_per_outcome_public

    record: dict[str, Any] = {
        "target_outcome": outcome,
        "target_amount": float(amount),
        "coproduced": co.intervention if co else "",
        "coproduced_kind": kind_of(cm, co.intervention) if co else "",
        "professional": prof.intervention if prof else "",
        "coproduction_hours": _float(co.time_hours) if co else math.nan,
    }
    for key in ("full", "public"):
        c, p = per_unit(co, key), per_unit(prof, key)
        record[f"coproduced_cost_per_outcome_{key}"] = c
        record[f"professional_cost_per_outcome_{key}"] = p
        # how many times dearer the professional pathway is a unit (above 1: co-production
        # is cheaper) and the saving a unit of the target
        record[f"advantage_ratio_{key}"] = p / c if c > 0 and not math.isnan(p) else math.nan
        record[f"saving_per_outcome_{key}"] = p - c
    record["coproduction_cheaper_full"] = bool(
        co is not None and prof is not None and record["saving_per_outcome_full"] > 0
    )
    record.update(flag_columns(co.flags, co.within_capacity) if co else flag_columns(None))
    return [record]


def flag_columns(flags: Sequence[str] | None, fits: bool | None = None) -> dict[str, Any]:
    """The flag columns of a row: ``flags`` (kinds joined with ``;``, in the order given),
    ``flag_KIND`` for each kind of :data:`FLAG_KINDS`, and ``fits`` (given, else: no
    feasibility flag). ``flags`` None (nothing to deliver: a plan with no solution) leaves the
    booleans False and ``fits`` False. Always booleans, never null: every partition of a
    sweep must have the same column types to be read as one table."""
    present = list(flags or ())
    if fits is None:
        fits = flags is not None and not any(f in FEASIBILITY_FLAGS for f in present)
    return {
        "flags": ";".join(present),
        **{col: kind in present for col, kind in zip(FLAG_COLUMNS, FLAG_KINDS, strict=True)},
        "fits": bool(fits),
    }


def _caveats_of(model: Model, targets: Sequence[str], volumes: Mapping[str, float]):
    """The engine's caveats of ``volumes`` on ``model``: for an analysis whose result does not
    carry them (yet)."""
    from ...engine.flags import CaveatContext, volumes_of
    from ...model.compile import compile_model

    cm = compile_model(model)
    return CaveatContext(cm, [t for t in targets if t in cm.index]).for_volumes(
        volumes_of(cm, {k: v for k, v in volumes.items() if k in cm.index})
    )


def _uncertainty_records(job: SweepJob, row: SweepRow, model: Model) -> list[dict[str, Any]]:
    from ...engine.simulate import simulate
    from ...voi.analysis import analyse

    outcome, amount = _target(job, row, model)
    wtp = row.wtp if row.wtp is not None else job.wtp
    if wtp is None or wtp < 0:
        raise ModelError([Issue("wtp", "give a willingness to pay: --wtp or a wtp column")])
    # beliefs are sensitivity analyses of one run; a sweep row is already one of many
    table = simulate(
        model, (outcome, amount), job.draws, job.seed, keep_inputs=job.evppi, beliefs=()
    )
    res = analyse(table, wtp, evppi=job.evppi, with_tornado=False, evppi_se=False)
    top = res.top_input
    flags = _option_flags(res, model, outcome)
    best = flags.get(res.best_option, flag_columns(None))
    out = []
    for o in res.options:
        eff = res.effect[o] if res.effect else (math.nan,) * 3
        cost = res.cost[o] if res.cost else (math.nan,) * 3
        cpo = res.cost_per_outcome[o] if res.cost_per_outcome else (math.nan,) * 3
        nb = res.net_benefit[o]
        out.append(
            {
                "target_outcome": outcome,
                "target_amount": float(amount),
                "wtp": float(wtp),
                "draws": job.draws,
                "seed": job.seed,
                "option": o,
                "net_benefit_mean": nb[0],
                "net_benefit_low": nb[1],
                "net_benefit_high": nb[2],
                "prob_best": res.prob_best[o],
                "effect_mean": eff[0],
                "cost_mean": cost[0],
                "cost_per_outcome_mean": cpo[0],
                "best_option": res.best_option,
                "evpi": res.evpi,
                "most_valuable_input": top or "",
                "evppi_top": res.evppi[top] if top else math.nan,
                **flags.get(o, flag_columns(None)),
                # a best option that does not fit is never reported without its mark
                "best_option_flags": best["flags"],
                "best_option_fits": best["fits"],
            }
        )
    return out


def _option_flags(res: Any, model: Model, outcome: str) -> dict[str, dict[str, Any]]:
    """Each option's flag columns: from the analysis's own ``summary{option: {flags,
    fits}}`` where it gives them, else the engine's caveats of the option's volumes."""
    summary = res.to_dict().get("summary") or {}
    volumes = (getattr(res, "meta", None) or {}).get("volumes") or {}
    out = {}
    for o in res.options:
        entry = summary.get(o) or {}
        if entry.get("flags") is not None:
            out[o] = flag_columns(entry["flags"], entry.get("fits"))
        elif o in volumes:
            c = _caveats_of(model, [outcome], volumes[o])
            out[o] = flag_columns(c.flags, c.fits)
        else:
            out[o] = flag_columns(None)
    return out


def _plan_records(job: SweepJob, row: SweepRow, model: Model) -> list[dict[str, Any]]:
    from ...engine.planning import plan

    # as the library: without a budget, reach the model's targets (a row's targets.X columns
    # included); with one, the most valuable mix, bound only by targets the row sets itself
    targets: dict[str, float] | None = None
    if job.target is not None:
        outcome, amount = _target(job, row, model)
        targets = {outcome: amount}
    elif row.budget:
        targets = {o: a for o, a in model.targets.items() if f"targets.{o}" in row.settings} or None
    # the range of valuations that keep the choice costs tens of solves: not per row
    p = plan(
        model,
        targets=targets,
        objective=job.objective,
        budget=row.budget or None,
        same_choice=False,
    )
    common = {
        "status": p.status,
        "objective": p.objective,
        **_plan_flags(p, model, targets),
        "plan_cost_full": p.cost.get("full", math.nan) if p.status == "optimal" else math.nan,
        "plan_cost_public": p.cost.get("public", math.nan) if p.status == "optimal" else math.nan,
        "binding": ";".join(p.binding),
        "relaxation": json.dumps(p.relaxation, sort_keys=True),
    }
    return [
        {
            **common,
            "intervention": iid,
            "volume": p.volumes.get(iid, math.nan) if p.status == "optimal" else math.nan,
        }
        for iid in model.interventions
    ]


def _plan_flags(p: Any, model: Model, targets: Mapping[str, float] | None) -> dict[str, Any]:
    """The plan's flag columns: from the plan's own ``flags`` (and ``fits``) where it gives
    them, else the engine's caveats of its volumes; none for a plan with no solution."""
    if p.status != "optimal":
        return flag_columns(None)
    d = p.to_dict()
    if d.get("flags") is not None:
        return flag_columns(d["flags"], d.get("fits"))
    c = _caveats_of(model, list(targets or p.targets or model.targets), p.volumes)
    return flag_columns(c.flags, c.fits)


ANALYSIS_RECORDS: dict[str, Callable[[SweepJob, SweepRow, Model], list[dict[str, Any]]]] = {
    "map": _map_records,
    "uncertainty": _uncertainty_records,
    "plan": _plan_records,
    "coproduction": _coproduction_records,
}
