"""Appraisal (cost-benefit): a bundled example or an uploaded appraisal file, run in the
background (Monte Carlo when draws > 0), with the HTML report of ``coproduce cba``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...model.errors import Issue, ModelError
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller, off_loop
from ..templating import render
from .models import read_upload, upload_name

router = APIRouter(include_in_schema=False)
EXAMPLES = ("falls-prevention", "balsall-heath")
MAX_DRAWS = 200_000


def _appraise(ctx: RunContext):
    from ...appraisal import appraise

    i = ctx.inputs
    source = i["data"] if i.get("data") is not None else f"example:{i['example']}"
    return appraise(
        source,
        draws=int(i.get("draws", 0)),
        seed=ctx.seed,
        time_valuation=i.get("time_valuation") or None,
    )


def compute(ctx: RunContext) -> dict[str, Any]:
    ctx.progress(
        0.1,
        "appraising the options"
        + (
            f" with {int(ctx.inputs.get('draws', 0)):,} Monte Carlo draws"
            if ctx.inputs.get("draws")
            else ""
        ),
    )
    result = _appraise(ctx)
    ctx.progress(0.95, "storing the result")
    return result.to_dict()


def html_report(ctx: RunContext, _r: dict) -> bytes:
    from ...reports.cba import render_html

    return render_html(_appraise(ctx)).encode("utf-8")


def xlsx_report(ctx: RunContext, _r: dict) -> bytes:
    import tempfile
    from pathlib import Path

    from ...reports.cba_xlsx import write_xlsx

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cba.xlsx"
        write_xlsx(_appraise(ctx), path)
        return path.read_bytes()


def headline_frame(result: dict) -> pd.DataFrame:
    rows = []
    labels = result.get("year_labels") or []
    for name, o in result["options"].items():
        year = (o.get("payback_year") or {}).get("discounted")
        if isinstance(year, int) and 0 <= year < len(labels):
            year = labels[year]  # the result counts years from 0; people read calendar years
        pv = o.get("pv_benefits", {})
        rows.append(
            {
                "option": o.get("label") or name,
                "pv_costs": o.get("pv_costs"),
                "pv_fiscal_benefits": pv.get("fiscal"),
                "pv_economic_benefits": pv.get("economic"),
                "pv_social_benefits": pv.get("social"),
                "npv_public_value": o.get("npv_public_value"),
                "benefit_cost_ratio": o.get("benefit_cost_ratio"),
                "fiscal_roi": o.get("fiscal_roi"),
                "payback_year": year,
            }
        )
    return pd.DataFrame(rows)


def by_agency_frame(result: dict) -> pd.DataFrame:
    """Each option and agency: present value of the costs it bears and of the fiscal
    benefits it gains (who pays and who gains)."""
    agencies = result.get("agencies") or {}
    rows = [
        {
            "option": o.get("label") or name,
            "agency": (agencies.get(a) or {}).get("label") or a.replace("_", " "),
            "pv_costs": x.get("pv_costs", 0.0),
            "pv_fiscal_benefits": x.get("pv_fiscal_benefits", 0.0),
            "net": x.get("pv_fiscal_benefits", 0.0) - x.get("pv_costs", 0.0),
        }
        for name, o in result["options"].items()
        for a, x in (o.get("by_agency") or {}).items()
        if x.get("pv_costs") or x.get("pv_fiscal_benefits")
    ]
    return pd.DataFrame(rows, columns=["option", "agency", "pv_costs", "pv_fiscal_benefits", "net"])


CSV_TABLES = {"headline": headline_frame, "who-pays-who-gains": by_agency_frame}


@lru_cache(maxsize=8)
def example_title(name: str) -> str:
    """The title of a bundled appraisal (its file's name), for drop-downs and run lists."""
    from ...appraisal.loading import load_appraisal

    try:
        return load_appraisal(f"example:{name}").data.name
    except Exception:  # an example that no longer loads is still named
        return name.replace("-", " ")


def input_words(i: dict[str, Any], _model) -> list[str]:
    """The run's inputs in words (see :func:`..runs.inputs_words`)."""
    from ... import formatting as fmt

    words = [
        f"uploaded file “{i['file']}”"
        if i.get("file")
        else f"bundled appraisal “{example_title(i['example'])}”"
    ]
    draws = int(i.get("draws") or 0)
    words.append(f"{fmt.count(draws, 'Monte Carlo draw')}" if draws else "central case only")
    return words


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    return {"headline": headline_frame(result), "by_agency": by_agency_frame(result)}


register(
    Analysis(
        kind="appraisal",
        title="Cost-benefit appraisal",
        compute=compute,
        template="run_appraisal.html",
        view=view,
        needs_model=False,
        reports=(
            Report("html", "text/html", html_report),
            Report(
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx_report,
            ),
        ),
    )
)


def _examples() -> dict[str, str]:
    return {e: example_title(e) for e in EXAMPLES}


@router.get("/appraisals")
def appraisals(request: Request, c: Caller = Depends(caller)):
    runs = request.app.state.store.list_runs(c.actor, kind="appraisal")
    return render(request, "appraisals.html", examples=_examples(), runs=runs, issues=None)


def _check_upload(file) -> tuple[str, dict]:
    """The name and content of an uploaded appraisal file (YAML or JSON), read and checked
    within the bounds of every input file (in a worker thread: see :func:`off_loop`)."""
    from ...appraisal.loading import load_appraisal
    from ...model.files import parse_text

    name = upload_name(file.filename)
    text = read_upload(file)
    try:
        content = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(
            [
                Issue(
                    "file",
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8",
                    file=name,
                )
            ]
        ) from None
    fmt = "json" if Path(name).suffix.lower() == ".json" else "yaml"
    data = parse_text(content, fmt=fmt, file=name)
    if not isinstance(data, dict):
        raise ModelError(
            [Issue("file", "the file must hold a mapping of appraisal fields", file=name)]
        )
    load_appraisal(data)  # validate now so that an invalid file stores nothing
    return name, data


def _check_example(example: str) -> None:
    from ...appraisal.loading import load_appraisal

    load_appraisal(f"example:{example}")


@router.post("/appraisals")
async def start(
    request: Request,
    example: str = Form(""),
    draws: str = Form("0"),
    seed: str = Form("1"),
    file: UploadFile | None = File(None),
    c: Caller = Depends(analyst),
):
    store = request.app.state.store
    c.actor.require("analyst")
    issues: list[Issue] = []
    data = None
    name = ""
    status = 422
    n_draws = _whole(draws, "draws", 0, MAX_DRAWS, issues)
    n_seed = _whole(seed, "seed", 0, 2**31 - 1, issues)
    try:
        if file is not None and file.filename:
            name, data = await off_loop(_check_upload, file)
        elif example not in EXAMPLES:
            issues.append(Issue("example", f"choose one of {', '.join(EXAMPLES)} or upload a file"))
        elif not issues:
            await run_in_threadpool(_check_example, example)
    except ModelError as exc:
        issues.extend(exc.issues)
        status = exc.http_status
    if issues:
        runs = store.list_runs(c.actor, kind="appraisal")
        return render(
            request,
            "appraisals.html",
            status_code=status,
            examples=_examples(),
            runs=runs,
            issues=issues,
        )
    inputs = {
        "example": example if data is None else "",
        "draws": n_draws,
        "file": name if data is not None else "",
    }
    if data is not None:
        inputs["data"] = data
    run = store.create_run(c.actor, "appraisal", inputs, seed=n_seed)
    request.app.state.worker.submit(run.id, wait=0.5 if n_draws else 5.0)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


def _whole(text: str, field: str, low: int, high: int, issues: list[Issue]) -> int:
    """A whole number typed in a form field, between ``low`` and ``high``; else an issue."""
    t = (text or "").strip().replace(",", "")
    if not (t.isdigit() or (t.startswith("-") and t[1:].isdigit())) or len(t) > 12:
        issues.append(Issue(field, f"'{t[:20]}' is not a whole number from {low:,} to {high:,}"))
        return low
    value = int(t)
    if not low <= value <= high:
        issues.append(Issue(field, f"must be between {low:,} and {high:,}"))
        return low
    return value
