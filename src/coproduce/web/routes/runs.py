"""Stored runs: the list, each run's page (live progress while it runs), cancel, reports, CSV.

Every run is described in words wherever it is listed or opened: each analysis module says
what its inputs mean (``input_words(inputs, model)``, with the model's labels and the one
formatter), so a reader sees "willingness to pay £20,000 per person-year", never
"wtp 20000.0".
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ... import formatting as fmt
from ...store import NotFound
from ...store.runs import FINISHED
from ..lanes import heavy
from ..runner import PAGES, analysis_of
from ..security import Caller, analyst, caller
from ..templating import labels, render, templates

router = APIRouter(include_in_schema=False)
STATUS_WORDS = {
    "queued": "waiting",
    "running": "running",
    "done": "done",
    "failed": "failed",
    "cancelled": "cancelled",
}


def run_model(request: Request, run, version=None):
    """The model a run used (loaded and cached), or None for analyses without one;
    ``version``: the run's model version, when the caller has read it already."""
    if run.model_version_id is None:
        return None
    cache = getattr(request.state, "run_models", None)
    if cache is None:
        cache = request.state.run_models = {}
    if run.model_version_id not in cache:
        from ...store.tables import ModelVersion
        from ..modelcache import loaded

        v = version
        if v is None or v.id != run.model_version_id:
            with request.app.state.store.transaction() as s:
                v = s.get(ModelVersion, run.model_version_id)
        cache[run.model_version_id] = loaded(v)[0] if v is not None else None
    return cache[run.model_version_id]


def inputs_words(run, model=None) -> list[str]:
    """A run's inputs in words: the analysis's own, then its scenarios and seed."""
    analysis = analysis_of(run.kind)
    words_of = analysis.input_words if analysis else None
    inputs = dict(run.inputs or {})
    words: list[str] = []
    if words_of is not None:
        try:
            words = list(words_of(inputs, model))
        except (KeyError, TypeError, ValueError):  # an old run with other inputs
            words = []
    if not words:
        shown = {k: v for k, v in inputs.items() if k not in ("data", "model_name", "volumes")}
        words = [f"{k.replace('_', ' ')}: {_value(v)}" for k, v in shown.items()]
    if run.scenario:
        lab = labels(model)
        names = [lab(s) for s in run.scenario.split(",") if s]
        words.append(
            ("scenario " if len(names) == 1 else "scenarios ") + "; ".join(f"“{n}”" for n in names)
        )
    if run.seed is not None:
        words.append(f"seed {run.seed}")
    return words


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (int, float)):
        return fmt.quantity(v)
    if v is None or v == "":
        return "none"
    if isinstance(v, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_value(x)}" for k, x in v.items())
    return str(v)


def run_inputs(request: Request, run) -> list[str]:
    """For templates: a run's inputs in words (its model's labels when it has one)."""
    try:
        model = run_model(request, run)
    except Exception:  # a run whose model version is gone still lists
        model = None
    return inputs_words(run, model)


def analysis_title(kind: str) -> str:
    a = analysis_of(kind)
    return a.title if a else kind.replace("_", " ")


templates.env.globals.update(
    run_inputs=run_inputs, analysis_title=analysis_title, status_words=STATUS_WORDS
)


@router.get("/runs")
def runs_page(request: Request, c: Caller = Depends(caller)):
    return render(request, "runs.html", runs=request.app.state.store.list_runs(c.actor, limit=200))


@router.get("/runs/{run_id}")
@heavy
def run_page(request: Request, run_id: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    run, version, model_row = store.get_run_with_model(c.actor, run_id)
    analysis = analysis_of(run.kind)
    context = {
        "run": run,
        "analysis": analysis,
        "version": version,
        "m": model_row,
        "result": run.result,
        "finished": run.status in FINISHED,
        "inputs_words": inputs_words(run, run_model(request, run, version)),
    }
    template = "run.html"
    page = PAGES.get(run.kind)
    if run.status == "done" and analysis is not None and page is not None:
        template = page.template
        if page.view is not None:
            context.update(page.view(request, run, run.result, version))
    return render(request, template, **context)


@router.get("/runs/{run_id}/status")
def run_status(request: Request, run_id: int, c: Caller = Depends(caller)):
    run = request.app.state.store.get_run(c.actor, run_id)
    return {
        "id": run.id,
        "status": run.status,
        "progress": run.progress,
        "stage": run.stage,
        "error": run.error,
    }


@router.post("/runs/{run_id}/cancel")
def cancel(request: Request, run_id: int, c: Caller = Depends(analyst)):
    request.app.state.store.cancel_run(c.actor, run_id)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}/report.{suffix}")
@heavy
def report(request: Request, run_id: int, suffix: str, c: Caller = Depends(caller)):
    """A report of a finished run, as the worker wrote it when the run finished (a download
    never recomputes a background run); a quick run's reports are written when first asked
    for, then kept."""
    store = request.app.state.store
    run, _version, _model = store.get_run_with_model(c.actor, run_id)  # 404 if the map is gone
    analysis = analysis_of(run.kind)
    rep = next((r for r in (analysis.reports if analysis else ()) if r.suffix == suffix), None)
    if rep is None or run.status != "done":
        raise NotFound(f"run {run_id} has no {suffix} report")
    name = f"report.{suffix}"
    stored = store.run_file(c.actor, run.id, name)
    if stored is None and analysis.quick:
        request.app.state.worker.write_files(run.id)
        stored = store.run_file(c.actor, run.id, name)
    if stored is None:
        raise NotFound(
            f"run {run_id} has no {suffix} report kept with it (runs stored before reports were "
            "kept with them have none): run it again for its report"
        )
    if stored.error:
        raise NotFound(
            f"the {suffix} report of run {run_id} could not be written ({stored.error}); "
            "the run's figures stand: see its page and its data downloads"
        )
    filename = f"coproduce-{run.kind}-run{run.id}.{suffix}"
    disposition = "inline" if suffix == "html" else "attachment"
    return Response(
        stored.body,
        media_type=stored.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


@router.get("/runs/{run_id}/data/{table}.csv")
@heavy
def csv_data(request: Request, run_id: int, table: str, c: Caller = Depends(caller)):
    """The data behind each chart and table of a run, as CSV (from the stored result, with
    text that a spreadsheet would read as a formula written as text)."""
    from ...analyses import Result
    from ...reports.model_files import csv_safe

    run = request.app.state.store.get_run(c.actor, run_id)
    if run.status != "done":
        raise NotFound(f"run {run_id} has not finished")
    analysis = analysis_of(run.kind)
    if analysis is None or table not in analysis.tables:
        tables = ", ".join(analysis.tables) if analysis else ""
        raise NotFound(f"no table '{table}' for this run; tables: {tables}")
    frame = Result(analysis, run.result).frame(table)
    return Response(
        csv_safe(frame).to_csv(index=False),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="run{run.id}-{table}.csv"'},
    )


@router.get("/runs/{run_id}/result.json")
@heavy
def result_json(request: Request, run_id: int, c: Caller = Depends(caller)):
    run = request.app.state.store.get_run(c.actor, run_id)
    return Response(
        json.dumps(run.result, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="run{run.id}-result.json"'},
    )
