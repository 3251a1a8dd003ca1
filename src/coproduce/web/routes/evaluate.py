"""Evaluation: the cost, outcomes and who pays / who gains of a programme at chosen volumes,
with the caveats of those volumes and the basis on which users' and communities' time is
valued (chosen on the form, as ``--time-value`` / ``--time-value-per-hour`` do)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...analyses.evaluate import cost_frame, outcome_frame, who_pays_frame
from ...engine.evaluate import caveat_words
from ...model.errors import Issue, ModelError
from ...model.time_value import AS_STATED, bases, choose_time_value
from ..lanes import in_heavy_lane
from ..modelcache import loaded, open_version
from ..runner import register_page
from ..security import Caller, analyst, caller
from ..templating import render
from .models import map_svg

router = APIRouter(include_in_schema=False)


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, cm = loaded(version)
    # results stored before caveats travelled with every answer have none: say nothing
    caveats = result.get("caveats")
    return {
        "model": model,
        "svg": map_svg(cm, version.model_id, version.number),
        "costs": cost_frame(result),
        "outcomes": outcome_frame(result),
        "who_pays": who_pays_frame(result),
        "caveat_lines": caveat_words(caveats, model) if caveats else [],
        "has_caveats": caveats is not None,
    }


register_page("evaluate", "run_evaluate.html", view)


def time_value_choices(model) -> dict[str, str]:
    """The bases a form offers: each resource as stated, then the model's named bases."""
    from ..templating import time_value_choice

    out = {AS_STATED: "As stated for each resource in the model file"}
    for name, tv in bases(model).items():
        out[name] = time_value_choice(model, name, tv)
    return out


def parse_time_value(model, form: dict[str, str]) -> dict[str, Any]:
    """The valuation of time chosen on the form, checked against the model (raises
    :class:`ModelError` naming the field)."""
    name = form.get("time_value", "").strip() or None
    text = form.get("time_value_per_hour", "").strip()
    per_hour = None
    if text:
        try:
            per_hour = float(text)
        except ValueError:
            raise ModelError([Issue("time_value_per_hour", f"'{text}' is not a number")]) from None
    choose_time_value(model, name, per_hour)  # raises for an unknown basis or a bad value
    return {
        k: v for k, v in (("time_value", name), ("time_value_per_hour", per_hour)) if v is not None
    }


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
        if not math.isfinite(x) or x < 0:
            issues.append(Issue(f"volumes.{iid}", "cannot be negative"))
        vols[iid] = x
    if issues:
        raise ModelError(issues)
    return vols


@router.get("/models/{model_id}/evaluate")
def evaluate_form(
    request: Request, model_id: int, version: int | None = None, c: Caller = Depends(caller)
):
    m, v, model, _cm = open_version(request.app.state.store, c.actor, model_id, version)
    return render(
        request,
        "evaluate.html",
        m=m,
        v=v,
        model=model,
        time_values=time_value_choices(model),
        chosen_time_value=model.time_value or AS_STATED,
    )


@router.post("/models/{model_id}/evaluate")
async def evaluate_run(request: Request, model_id: int, c: Caller = Depends(analyst)):
    form = {k: str(x) for k, x in (await request.form()).items()}
    return await in_heavy_lane(_evaluate_run, request, model_id, c, form)


def _evaluate_run(request: Request, model_id: int, c: Caller, form: dict[str, str]):
    store = request.app.state.store
    m, v, model, _cm = open_version(store, c.actor, model_id, _version_of(form))
    vols = parse_volumes(model, form)
    time_value = parse_time_value(model, form)
    run = request.app.state.worker.quick(
        c.actor,
        "evaluate",
        {"volumes": vols, "model_name": m.name, "version": v.number, **time_value},
        v,
    )
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


def _version_of(form) -> int | None:
    """The form's model version: a whole number of 1 or more, else the latest."""
    text = str(form.get("version") or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None
