"""Evaluation: the cost, outcomes and who pays / who gains of a programme at chosen volumes."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...engine.evaluate import evaluate
from ...model.errors import Issue, ModelError
from ..modelcache import loaded, open_version
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller
from ..templating import render
from .models import map_svg

router = APIRouter(include_in_schema=False)


def _result(ctx: RunContext):
    model = ctx.model()
    return model, evaluate(model, ctx.inputs.get("volumes") or {})


def compute(ctx: RunContext) -> dict[str, Any]:
    ctx.progress(0.3, "evaluating")
    return _result(ctx)[1].to_dict()


def html_report(ctx: RunContext, _r: dict) -> bytes:
    from ...reports.map_report import evaluation_report

    model, ev = _result(ctx)
    return evaluation_report(model, ev).encode("utf-8")


def cost_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{"intervention": i, "volume": r["volume"], "full_cost": r["cost"]["full"],
                          "public_cost": r["cost"]["public"]}
                         for i, r in result["interventions"].items()])


def outcome_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{"outcome": r.get("label") or o,
                          "level": r["level"], "unit": r.get("unit", ""),
                          "value": r["value"]["total"],
                          "note": "complex: indicative" if r.get("complex") else ""}
                         for o, r in result["outcomes"].items()])


CSV_TABLES = {"costs": cost_frame, "outcomes": outcome_frame}


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, cm = loaded(version)
    return {"model": model, "svg": map_svg(cm, version.model_id, version.number),
            "costs": cost_frame(result), "outcomes": outcome_frame(result)}


register(Analysis(kind="evaluate", title="Evaluation at chosen volumes", compute=compute,
                  template="run_evaluate.html", view=view,
                  reports=(Report("html", "text/html", html_report),)))


def parse_volumes(model, form: dict[str, str]) -> dict[str, float]:
    vols, issues = {}, []
    for iid in model.interventions:
        text = form.get(f"volume-{iid}", "").strip()
        if text == "":
            continue
        try:
            x = float(text)
        except ValueError:
            issues.append(Issue(f"volumes.{iid}", f"'{text}' is not a number"))
            continue
        if x < 0 or x != x:
            issues.append(Issue(f"volumes.{iid}", "cannot be negative"))
        vols[iid] = x
    if issues:
        raise ModelError(issues)
    return vols


@router.get("/models/{model_id}/evaluate")
def evaluate_form(request: Request, model_id: int, version: int | None = None,
                  c: Caller = Depends(caller)):
    m, v, model, _cm = open_version(request.app.state.store, c.actor, model_id, version)
    return render(request, "evaluate.html", m=m, v=v, model=model)


@router.post("/models/{model_id}/evaluate")
async def evaluate_run(request: Request, model_id: int, c: Caller = Depends(analyst)):
    store = request.app.state.store
    form = {k: str(x) for k, x in (await request.form()).items()}
    m, v, model, _cm = open_version(store, c.actor, model_id,
                                    int(form.get("version") or 0) or None)
    vols = parse_volumes(model, form)
    run = store.create_run(c.actor, "evaluate", {"volumes": vols, "model_name": m.name,
                                                 "version": v.number},
                           model_version_id=v.id)
    request.app.state.worker.run_now(run.id)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
