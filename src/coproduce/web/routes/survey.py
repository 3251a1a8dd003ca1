"""Surveys of co-production: design-based prevalence by country, sector and type, in the
background, on the bundled (synthetic) five-nation survey."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...model.errors import Issue, ModelError
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)
EXAMPLES = ("five-nation",)


def _estimate(ctx: RunContext):
    from ...survey import estimate, load_survey

    i = ctx.inputs
    ctx.progress(0.1, "reading and recoding the survey")
    prepared = load_survey(f"example:{i['example']}", None)
    ctx.progress(0.4, "estimating prevalence with design-based standard errors")
    return estimate(prepared, prepared.design(), by=i.get("by") or None,
                    min_cell=i.get("min_cell"))


def compute(ctx: RunContext) -> dict[str, Any]:
    return _estimate(ctx).to_dict()


def _report(suffix: str):
    def build(ctx: RunContext, _r: dict) -> bytes:
        from ...reports.survey import write_report

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"survey.{suffix}"
            write_report(_estimate(ctx), "estimate", path)
            return path.read_bytes()

    return build


def prevalence_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(result["prevalence"])


CSV_TABLES = {"prevalence": prevalence_frame}


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    frame = prevalence_frame(result)
    by = result.get("by")
    table = None
    if by and len(frame):
        shown = frame.assign(cell=[None if s else v for s, v in zip(frame["suppressed"],
                                                                     frame["value"],
                                                                     strict=True)])
        table = shown.pivot_table(index="group", columns=by, values="cell", aggfunc="first")
    return {"frame": frame, "table": table}


register(Analysis(kind="survey", title="Survey: who co-produces", compute=compute,
                  template="run_survey.html", view=view, needs_model=False,
                  reports=(Report("html", "text/html", _report("html")),
                           Report("xlsx", "application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet", _report("xlsx")))))


@router.get("/surveys")
def surveys(request: Request, c: Caller = Depends(caller)):
    runs = request.app.state.store.list_runs(c.actor, kind="survey")
    return render(request, "surveys.html", examples=EXAMPLES, runs=runs, issues=None)


@router.post("/surveys")
def start(request: Request, example: str = Form("five-nation"), by: str = Form("country"),
          min_cell: int = Form(10), c: Caller = Depends(analyst)):
    store = request.app.state.store
    issues = []
    if example not in EXAMPLES:
        issues.append(Issue("example", f"choose one of {', '.join(EXAMPLES)}"))
    if by not in ("country", ""):
        issues.append(Issue("by", "choose 'country' or none"))
    if min_cell < 1:
        issues.append(Issue("min_cell", "must be 1 or more"))
    if issues:
        raise ModelError(issues)
    run = store.create_run(c.actor, "survey", {"example": example, "by": by,
                                               "min_cell": min_cell})
    request.app.state.worker.submit(run.id, wait=0.3)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
