"""Planning on a stored map: the least-cost change from today's services that reaches outcome
targets (read as increases over what runs today, or as total levels) within capacities and the
community's finite time, or the most value within a public budget (``coproduce plan``);
today's, planned and changed volumes, the caveats of what it funds, the valuation of users'
and communities' time, shadow prices in words and, when no plan is possible, what would have
to give."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...analyses.plan import (
    MAX_FRONTIER,
    flag_shares_frame,
    relaxation_frame,
    sector_frame,
    volumes_frame,
)
from ...analyses.plan import check as check_inputs
from ...errors import BadInput
from ...model.errors import Issue
from ...model.time_value import AS_STATED, bases
from ...reports.strategy_map import sector_colour
from ..lanes import in_heavy_lane
from ..modelcache import loaded, open_version
from ..runner import register_page
from ..security import Caller, analyst, caller
from ..templating import render, time_value_choice

router = APIRouter(include_in_schema=False)
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


register_page("plan", "run_plan.html", view)


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
    form = {k: str(x) for k, x in (await request.form()).items()}
    return await in_heavy_lane(_plan_run, request, model_id, c, form)


def _plan_run(request: Request, model_id: int, c: Caller, form: dict[str, str]):
    store = request.app.state.store
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
        except BadInput as exc:
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
