"""Planning on a stored map: the least-cost mix that reaches outcome targets within capacities
and the community's finite time, or the most value within a public budget (``coproduce plan``);
shadow prices in words and, when no plan is possible, what would have to give."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...model.errors import Issue, ModelError, did_you_mean
from ..modelcache import loaded, open_version
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)
MAX_FRONTIER = 50


def check_inputs(model, i: dict[str, Any]) -> None:
    """Raise ModelError naming every field of ``i`` that cannot be planned on ``model``."""
    issues = []
    for oid, amount in (i.get("targets") or {}).items():
        if oid not in model.outcomes:
            issues.append(Issue(f"targets.{oid}", "unknown outcome"
                                + did_you_mean(oid, model.outcomes)))
        elif not (isinstance(amount, (int, float)) and math.isfinite(amount) and amount >= 0):
            issues.append(Issue(f"targets.{oid}", "give a finite amount of 0 or more"))
    if i.get("objective") not in ("public", "full"):
        issues.append(Issue("objective", "use 'public' or 'full'"))
    budget = i.get("budget")
    if budget is not None and not (isinstance(budget, (int, float)) and math.isfinite(budget)
                                   and budget >= 0):
        issues.append(Issue("budget", "give a finite public budget of 0 or more, or leave it "
                            "blank"))
    frontier = i.get("frontier", 0)
    if not (isinstance(frontier, int) and (frontier == 0 or 2 <= frontier <= MAX_FRONTIER)):
        issues.append(Issue("frontier", f"give 0 (no frontier) or 2 to {MAX_FRONTIER} points"))
    if not i.get("targets") and budget is None:
        issues.append(Issue("targets", "nothing to plan: give at least one target or a budget"))
    if issues:
        raise ModelError(issues)


def _plan(ctx: RunContext):
    from ...engine.planning import plan

    i = ctx.inputs
    model = ctx.model()
    return model, plan(model, targets=i.get("targets") or None, objective=i["objective"],
                       budget=i.get("budget"), frontier=int(i.get("frontier") or 0))


def compute(ctx: RunContext) -> dict[str, Any]:
    ctx.progress(0.2, "solving the programme" + (
        f" and {ctx.inputs['frontier']} points of the frontier"
        if ctx.inputs.get("frontier") else ""))
    _model, result = _plan(ctx)
    ctx.progress(0.95, "storing the result")
    return result.to_dict()


def html_report(ctx: RunContext, _r: dict) -> bytes:
    from ...reports.plan import plan_report

    model, result = _plan(ctx)  # deterministic: the same figures as the stored result
    return plan_report(model, result).encode("utf-8")


def volumes_frame(result: dict) -> pd.DataFrame:
    rows = []
    for iid, v in result["volumes"].items():
        current = result["current_volumes"].get(iid, 0.0)
        if v == 0 and current == 0:
            continue
        c = result["intervention_costs"].get(iid, {})
        rows.append({"intervention": iid, "current_volume": current, "planned_volume": v,
                     "full_cost": c.get("full", 0.0), "public_cost": c.get("public", 0.0)})
    return pd.DataFrame(rows, columns=["intervention", "current_volume", "planned_volume",
                                       "full_cost", "public_cost"])


def sector_frame(result: dict) -> pd.DataFrame:
    by = result["cost"].get("by_sector", {})
    full = result["cost"]["full"] or 1.0
    return pd.DataFrame([{"sector": s, "cost": c, "share": c / full} for s, c in by.items()],
                        columns=["sector", "cost", "share"])


def constraints_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{k: c[k] for k in ("key", "kind", "label", "unit", "limit", "level",
                                            "binding", "shadow_price", "words")}
                         for c in result["constraints"]],
                        columns=["key", "kind", "label", "unit", "limit", "level", "binding",
                                 "shadow_price", "words"])


def relaxation_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{"target_or_limit": k, "relax_by": v}
                         for k, v in (result.get("relaxation") or {}).items()],
                        columns=["target_or_limit", "relax_by"])


CSV_TABLES = {"volumes": volumes_frame, "cost-by-sector": sector_frame,
              "constraints": constraints_frame, "relaxation": relaxation_frame}


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, _cm = loaded(version)
    cons = [c for c in result["constraints"] if c["binding"] or c["kind"] == "target"]
    return {"model": model, "volumes": volumes_frame(result), "sectors": sector_frame(result),
            "binding": cons, "relaxation": relaxation_frame(result),
            "sector_labels": {s: model.sectors[s].label for s in model.sectors}}


register(Analysis(kind="plan", title="Planning", compute=compute, template="run_plan.html",
                  view=view, reports=(Report("html", "text/html", html_report),)))


def start(request: Request, c: Caller, model_id: int, version: int | None,
          inputs: dict[str, Any]):
    """Check the inputs, store the run and run it (a plan takes well under a second; with a
    frontier it goes to the queue); nothing is stored when the inputs are invalid."""
    store = request.app.state.store
    c.actor.require("analyst")
    m, v, model, _cm = open_version(store, c.actor, model_id, version)
    check_inputs(model, inputs)
    stored = {"targets": inputs["targets"], "objective": inputs["objective"],
              "budget": inputs.get("budget"), "frontier": inputs.get("frontier", 0),
              "model_name": m.name, "version": v.number}
    run = store.create_run(c.actor, "plan", stored, model_version_id=v.id)
    request.app.state.worker.submit(run.id, wait=5.0)
    return run


def _form(request: Request, m, v, model, issues, values: dict, status: int = 200):
    defaults = {"targets": {o: a for o, a in model.targets.items()}, "objective": "public",
                "budget": "", "frontier": 0}
    return render(request, "plan.html", status_code=status, m=m, v=v, model=model,
                  issues=issues, bad={i.path for i in issues or ()},
                  values={**defaults, **values}, max_frontier=MAX_FRONTIER)


@router.get("/models/{model_id}/plan")
def plan_form(request: Request, model_id: int, version: int | None = None,
              c: Caller = Depends(caller)):
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
    inputs = {"targets": targets, "objective": form.get("objective", "public"),
              "budget": budget, "frontier": frontier}
    if not issues:
        try:
            check_inputs(model, inputs)
        except ModelError as exc:
            issues.extend(exc.issues)
    if issues:
        return _form(request, m, v, model, issues, {
            "targets": raw_targets, "objective": inputs["objective"],
            "budget": form.get("budget", ""), "frontier": form.get("frontier", "")},
            status=422)
    run = start(request, c, model_id, v.number, inputs)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
