"""Stored runs: the list, each run's page (live progress while it runs), cancel, reports, CSV."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ...store import NotFound
from ...store.runs import FINISHED
from ..runner import REGISTRY
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)


def run_version(store, actor, run):
    """The model version a run used (None for analyses without a model)."""
    if run.model_version_id is None:
        return None
    from ...store.tables import ModelVersion

    with store.transaction() as s:
        v = s.get(ModelVersion, run.model_version_id)
    if v is None or v.org_id != actor.org_id:
        raise NotFound("the run's model version is gone")
    return v


@router.get("/runs")
def runs_page(request: Request, c: Caller = Depends(caller)):
    return render(request, "runs.html", runs=request.app.state.store.list_runs(c.actor, limit=200))


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    run = store.get_run(c.actor, run_id)
    analysis = REGISTRY.get(run.kind)
    version = run_version(store, c.actor, run)
    model_row = store.get_model(c.actor, version.model_id) if version else None
    context = {"run": run, "analysis": analysis, "version": version, "m": model_row,
               "result": run.result, "finished": run.status in FINISHED}
    template = "run.html"
    if run.status == "done" and analysis is not None:
        template = analysis.template
        if analysis.view is not None:
            context.update(analysis.view(request, run, run.result, version))
    return render(request, template, **context)


@router.get("/runs/{run_id}/status")
def run_status(request: Request, run_id: int, c: Caller = Depends(caller)):
    run = request.app.state.store.get_run(c.actor, run_id)
    return {"id": run.id, "status": run.status, "progress": run.progress, "stage": run.stage,
            "error": run.error}


@router.post("/runs/{run_id}/cancel")
def cancel(request: Request, run_id: int, c: Caller = Depends(analyst)):
    request.app.state.store.cancel_run(c.actor, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}/report.{suffix}")
def report(request: Request, run_id: int, suffix: str, c: Caller = Depends(caller)):
    store = request.app.state.store
    run = store.get_run(c.actor, run_id)
    analysis = REGISTRY.get(run.kind)
    rep = next((r for r in (analysis.reports if analysis else ()) if r.suffix == suffix), None)
    if rep is None or run.status != "done":
        raise NotFound(f"run {run_id} has no {suffix} report")
    run_version(store, c.actor, run)
    ctx = request.app.state.worker.context(run.id)
    body = rep.build(ctx, run.result)
    name = f"coproduce-{run.kind}-run{run.id}.{suffix}"
    disposition = "inline" if suffix == "html" else "attachment"
    return Response(body, media_type=rep.media_type,
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


@router.get("/runs/{run_id}/data/{table}.csv")
def csv_data(request: Request, run_id: int, table: str, c: Caller = Depends(caller)):
    """The data behind each chart and table of a run, as CSV."""
    from importlib import import_module

    run = request.app.state.store.get_run(c.actor, run_id)
    if run.status != "done":
        raise NotFound(f"run {run_id} has not finished")
    module = {"map": "backwards", "evaluate": "evaluate", "appraisal": "appraisal",
              "survey": "survey", "uncertainty": "uncertainty", "plan": "planning"}.get(run.kind)
    tables = getattr(import_module(f".{module}", __package__), "CSV_TABLES", {}) if module \
        else {}
    if table not in tables:
        raise NotFound(f"no table '{table}' for this run; tables: {', '.join(tables)}")
    frame = tables[table](run.result)
    return Response(frame.to_csv(index=False), media_type="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="run{run.id}-{table}.csv"'})


@router.get("/runs/{run_id}/result.json")
def result_json(request: Request, run_id: int, c: Caller = Depends(caller)):
    run = request.app.state.store.get_run(c.actor, run_id)
    return Response(json.dumps(run.result, indent=2), media_type="application/json",
                    headers={"Content-Disposition":
                             f'attachment; filename="run{run.id}-result.json"'})
