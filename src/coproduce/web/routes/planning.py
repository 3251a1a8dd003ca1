"""Planning on a stored map: the least-cost change from today's services that reaches outcome
targets (read as increases over what runs today, or as total levels) within capacities and the
community's finite time, or the most value within a public budget (``coproduce plan``);
today's, planned and changed volumes, the caveats of what it funds, the valuation of users'
and communities' time, shadow prices in words and, when no plan is possible, what would have
to give."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...engine.planning import TARGET_READINGS
from ...model.errors import Issue, ModelError, did_you_mean
from ...model.time_value import AS_STATED, bases
from ...reports.strategy_map import sector_colour
from ..modelcache import loaded, open_version
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller
from ..templating import render, time_value_choice

router = APIRouter(include_in_schema=False)
MAX_FRONTIER = 50
FORM_FIELDS = {
    "targets": "Targets",
    "targets_as": "Targets are",
    "objective": "Least cost to whom",
    "time_value": "Value of users' and communities' time",
    "time_value_per_hour": "Value an hour",
    "min_evidence": "Evidence check",
    "budget": "Public budget",
    "frontier": "Frontier points",
}


def check_inputs(model, i: dict[str, Any]) -> None:
    """Raise ModelError naming every field of ``i`` that cannot be planned on ``model``."""
    issues = []
    for oid, amount in (i.get("targets") or {}).items():
        if oid not in model.outcomes:
            issues.append(
                Issue(f"targets.{oid}", "unknown outcome" + did_you_mean(oid, model.outcomes))
            )
        elif not (isinstance(amount, (int, float)) and math.isfinite(amount) and amount >= 0):
            issues.append(Issue(f"targets.{oid}", "give a finite amount of 0 or more"))
    if i.get("objective") not in ("public", "full"):
        issues.append(Issue("objective", "use 'public' or 'full'"))
    budget = i.get("budget")
    if budget is not None and not (
        isinstance(budget, (int, float)) and math.isfinite(budget) and budget >= 0
    ):
        issues.append(
            Issue("budget", "give a finite public budget of 0 or more, or leave it blank")
        )
    frontier = i.get("frontier", 0)
    if not (isinstance(frontier, int) and (frontier == 0 or 2 <= frontier <= MAX_FRONTIER)):
        issues.append(Issue("frontier", f"give 0 (no frontier) or 2 to {MAX_FRONTIER} points"))
    if not i.get("targets") and budget is None:
        issues.append(Issue("targets", "nothing to plan: give at least one target or a budget"))
    if i.get("targets_as", "increase") not in TARGET_READINGS:
        issues.append(
            Issue("targets_as", "use 'increase' (over what today's services achieve) or 'total'")
        )
    tv = i.get("time_value")
    if tv is not None and tv != AS_STATED and tv not in bases(model):
        issues.append(
            Issue(
                "time_value",
                f"unknown valuation of time '{tv}'" + did_you_mean(tv, [*bases(model), AS_STATED]),
            )
        )
    per_hour = i.get("time_value_per_hour")
    if per_hour is not None and not (
        isinstance(per_hour, (int, float)) and math.isfinite(per_hour) and per_hour >= 0
    ):
        issues.append(
            Issue(
                "time_value_per_hour",
                "give a finite amount of 0 or more an hour, or leave it blank",
            )
        )
    grade = i.get("min_evidence")
    if grade is not None and not (isinstance(grade, int) and 1 <= grade <= 5):
        issues.append(
            Issue("min_evidence", "give an evidence grade from 1 to 5, or leave it blank")
        )
    if issues:
        raise ModelError(issues)


def _plan(ctx: RunContext):
    from ...engine.planning import plan
    from ...model import load_model

    i = ctx.inputs
    if i.get("time_value") is not None or i.get("time_value_per_hour") is not None:
        # load afresh: the cached model has the map's own basis applied, which a choice of
        # "as_stated" could not undo
        model = load_model(
            ctx.model_data or {},
            scenarios=ctx.scenarios,
            time_value=i.get("time_value"),
            time_value_per_hour=i.get("time_value_per_hour"),
        )
    else:
        model = ctx.model()
    # runs stored before targets could be read as increases planned total levels: keep
    # their figures (new runs always store the reading)
    return model, plan(
        model,
        targets=i.get("targets") or None,
        objective=i["objective"],
        budget=i.get("budget"),
        frontier=int(i.get("frontier") or 0),
        targets_as=i.get("targets_as", "total"),
        min_evidence=i.get("min_evidence"),
    )


def compute(ctx: RunContext) -> dict[str, Any]:
    ctx.progress(
        0.2,
        "solving the programme"
        + (
            f" and {ctx.inputs['frontier']} points of the frontier"
            if ctx.inputs.get("frontier")
            else ""
        ),
    )
    _model, result = _plan(ctx)
    ctx.progress(0.95, "storing the result")
    return result.to_dict()


def html_report(ctx: RunContext, _r: dict) -> bytes:
    from ...reports.plan import plan_report

    model, result = _plan(ctx)  # deterministic: the same figures as the stored result
    return plan_report(model, result).encode("utf-8")


def volumes_frame(result: dict) -> pd.DataFrame:
    """Today's, planned and changed volume and the cost of each intervention that runs."""
    rows = []
    for iid, v in result["volumes"].items():
        current = result["current_volumes"].get(iid, 0.0)
        if v == 0 and current == 0:
            continue
        c = result["intervention_costs"].get(iid, {})
        rows.append(
            {
                "intervention": iid,
                "current_volume": current,
                "planned_volume": v,
                "change": v - current,
                "full_cost": c.get("full", 0.0),
                "public_cost": c.get("public", 0.0),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "intervention",
            "current_volume",
            "planned_volume",
            "change",
            "full_cost",
            "public_cost",
        ],
    )


def flag_shares_frame(result: dict) -> pd.DataFrame:
    """Share of the planned effect on each target resting on links of each kind."""
    return pd.DataFrame(
        [
            {"target": t, "kind": k, "share": x}
            for t, shares in (result.get("flag_shares") or {}).items()
            for k, x in shares.items()
        ],
        columns=["target", "kind", "share"],
    )


def sector_frame(result: dict) -> pd.DataFrame:
    by = result["cost"].get("by_sector", {})
    full = result["cost"]["full"] or 1.0
    return pd.DataFrame(
        [{"sector": s, "cost": c, "share": c / full} for s, c in by.items()],
        columns=["sector", "cost", "share"],
    )


def constraints_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                k: c[k]
                for k in (
                    "key",
                    "kind",
                    "label",
                    "unit",
                    "limit",
                    "level",
                    "binding",
                    "shadow_price",
                    "words",
                )
            }
            for c in result["constraints"]
        ],
        columns=[
            "key",
            "kind",
            "label",
            "unit",
            "limit",
            "level",
            "binding",
            "shadow_price",
            "words",
        ],
    )


def relaxation_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"target_or_limit": k, "relax_by": v}
            for k, v in (result.get("relaxation") or {}).items()
        ],
        columns=["target_or_limit", "relax_by"],
    )


def input_words(i: dict[str, Any], model) -> list[str]:
    """The run's inputs in words (see :func:`..runs.inputs_words`): "targets: 40 more
    emergency hospital admissions avoided; least public cost; no budget"."""
    from ... import formatting as fmt
    from ..templating import evidence_input, target_words, time_value_input

    currency = getattr(model, "currency", "GBP")
    increase = i.get("targets_as", "total") == "increase"
    targets = i.get("targets") or {}
    words = []
    if targets:
        words.append(
            "targets: "
            + ", ".join(target_words(o, a, model, more=increase) for o, a in targets.items())
            + ("" if increase else " in total")
        )
    else:
        words.append("no targets")
    words.append(
        "least public cost" if i.get("objective") == "public" else "least full cost (every sector)"
    )
    budget = i.get("budget")
    words.append("no budget" if budget is None else f"public budget {fmt.money(budget, currency)}")
    if i.get("frontier"):
        words.append(f"frontier of {fmt.count(i['frontier'], 'point')}")
    words += [w for w in (time_value_input(i, model), evidence_input(i.get("min_evidence"))) if w]
    return words


CSV_TABLES = {
    "volumes": volumes_frame,
    "cost-by-sector": sector_frame,
    "constraints": constraints_frame,
    "relaxation": relaxation_frame,
    "flag-shares": flag_shares_frame,
}


def relax_words(key: str, amount: float, model, currency: str) -> tuple[str, str]:
    """A target or limit of a plan and the change that would make a plan possible, in words:
    ('Target for falls avoided', 'lower it by 409 falls')."""
    from ... import formatting as fmt
    from ..templating import labels, lower_first

    lab = labels(model)
    if key in model.outcomes:
        return (
            f"Target for {lower_first(lab(key))}",
            f"lower it by {fmt.count(amount, model.outcomes[key].unit or 'unit')}",
        )
    if key in model.resources:
        return (
            f"{lab(key)} available",
            f"make {fmt.count(amount, model.resources[key].unit or 'unit')} more available",
        )
    if key == "budget":
        return ("Public budget", f"raise it by {fmt.money(amount, currency)}")
    node, _, what = key.rpartition(".")
    unit = (model.interventions[node].unit if node in model.interventions else None) or "unit"
    if what == "capacity":
        return (f"Capacity of {lab(node)}", f"raise it by {fmt.count(amount, unit)}")
    if what == "min_volume":
        return (f"Least volume of {lab(node)}", f"lower it by {fmt.count(amount, unit)}")
    if what == "max_decrease":
        return (
            f"Largest cut of {lab(node)} in a period",
            f"let it fall {fmt.count(amount, unit)} further",
        )
    return (lab.path(key), f"relax it by {fmt.quantity(amount)}")


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, _cm = loaded(version)
    cons = [c for c in result["constraints"] if c["binding"] or c["kind"] == "target"]
    cur = result.get("currency", model.currency)
    return {
        "model": model,
        "volumes": volumes_frame(result),
        "sectors": sector_frame(result),
        "binding": cons,
        "relaxation": relaxation_frame(result),
        "relax_alone": [
            relax_words(k, x, model, cur) for k, x in (result.get("relaxation") or {}).items()
        ],
        "relax_together": [
            relax_words(k, x, model, cur)
            for k, x in (result.get("relaxation_together") or {}).items()
        ],
        "flag_shares": flag_shares_frame(result),
        "cuts": [
            n["words"] for n in result.get("change_notes") or () if n["kind"] in ("cut", "stop")
        ],
        "sector_colours": sector_colour(model.sectors),
    }


register(
    Analysis(
        kind="plan",
        title="Planning",
        compute=compute,
        template="run_plan.html",
        view=view,
        reports=(Report("html", "text/html", html_report),),
    )
)


def start(request: Request, c: Caller, model_id: int, version: int | None, inputs: dict[str, Any]):
    """Check the inputs, store the run and run it (a plan takes well under a second; with a
    frontier it goes to the queue); nothing is stored when the inputs are invalid."""
    store = request.app.state.store
    c.actor.require("analyst")
    m, v, model, _cm = open_version(store, c.actor, model_id, version)
    check_inputs(model, inputs)
    stored = {
        "targets": inputs["targets"],
        "objective": inputs["objective"],
        "budget": inputs.get("budget"),
        "frontier": inputs.get("frontier", 0),
        "targets_as": inputs.get("targets_as", "increase"),
        "time_value": inputs.get("time_value"),
        "time_value_per_hour": inputs.get("time_value_per_hour"),
        "min_evidence": inputs.get("min_evidence"),
        "model_name": m.name,
        "version": v.number,
    }
    run = store.create_run(c.actor, "plan", stored, model_version_id=v.id)
    request.app.state.worker.submit(run.id, wait=5.0)
    return run


def _form(request: Request, m, v, model, issues, values: dict, status: int = 200):
    defaults = {
        "targets": {o: a for o, a in model.targets.items()},
        "objective": "public",
        "budget": "",
        "frontier": 0,
        "targets_as": "increase",
        "time_value": model.time_value or AS_STATED,
        "time_value_per_hour": "",
        "min_evidence": "",
    }
    return render(
        request,
        "plan.html",
        status_code=status,
        m=m,
        v=v,
        model=model,
        issues=issues,
        bad={i.path for i in issues or ()},
        values={**defaults, **values},
        max_frontier=MAX_FRONTIER,
        time_bases={
            AS_STATED: "as stated for each resource in the map",
            **{k: time_value_choice(model, k, b) for k, b in bases(model).items()},
        },
        fields=FORM_FIELDS,
    )


@router.get("/models/{model_id}/plan")
def plan_form(
    request: Request, model_id: int, version: int | None = None, c: Caller = Depends(caller)
):
    m, v, model, _cm = open_version(request.app.state.store, c.actor, model_id, version)
    return _form(request, m, v, model, None, {})


@router.post("/models/{model_id}/plan")
async def plan_run(request: Request, model_id: int, c: Caller = Depends(analyst)):
    store = request.app.state.store
    form = {k: str(x) for k, x in (await request.form()).items()}
    try:
        number = int(form.get("version") or 0) or None
    except ValueError:
        number = None
    m, v, model, _cm = open_version(store, c.actor, model_id, number)
    issues: list[Issue] = []
    targets: dict[str, Any] = {}
    raw_targets: dict[str, str] = {}
    for oid in model.outcomes:
        text = form.get(f"target-{oid}", "").strip()
        raw_targets[oid] = text
        if text == "":
            continue
        try:
            targets[oid] = float(text)
        except ValueError:
            issues.append(Issue(f"targets.{oid}", f"'{text}' is not a number"))
    budget: float | None = None
    if form.get("budget", "").strip():
        try:
            budget = float(form["budget"])
        except ValueError:
            issues.append(Issue("budget", f"'{form['budget']}' is not a number"))
    frontier: Any = 0
    if form.get("frontier", "").strip():
        try:
            frontier = int(form["frontier"])
        except ValueError:
            issues.append(Issue("frontier", f"'{form['frontier']}' is not a whole number"))
    per_hour: float | None = None
    if form.get("time_value_per_hour", "").strip():
        try:
            per_hour = float(form["time_value_per_hour"])
        except ValueError:
            issues.append(
                Issue("time_value_per_hour", f"'{form['time_value_per_hour']}' is not a number")
            )
    grade: Any = None
    if form.get("min_evidence", "").strip():
        try:
            grade = int(form["min_evidence"])
        except ValueError:
            issues.append(Issue("min_evidence", f"'{form['min_evidence']}' is not a grade"))
    inputs = {
        "targets": targets,
        "objective": form.get("objective", "public"),
        "budget": budget,
        "frontier": frontier,
        "targets_as": form.get("targets_as", "increase"),
        "time_value": form.get("time_value") or None,
        "time_value_per_hour": per_hour,
        "min_evidence": grade,
    }
    if not issues:
        try:
            check_inputs(model, inputs)
        except ModelError as exc:
            issues.extend(exc.issues)
    if issues:
        return _form(
            request,
            m,
            v,
            model,
            issues,
            {
                "targets": raw_targets,
                "objective": inputs["objective"],
                "budget": form.get("budget", ""),
                "frontier": form.get("frontier", ""),
                "targets_as": inputs["targets_as"],
                "time_value": inputs["time_value"] or AS_STATED,
                "time_value_per_hour": form.get("time_value_per_hour", ""),
                "min_evidence": form.get("min_evidence", ""),
            },
            status=422,
        )
    run = start(request, c, model_id, v.number, inputs)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
