"""Appraisal (cost-benefit): a bundled example or an uploaded appraisal file, run in the
background (Monte Carlo when draws > 0), with the HTML report of ``coproduce cba``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...analyses.appraisal import (
    EXAMPLES,
    MAX_DRAWS,
    by_agency_frame,
    example_title,
    headline_frame,
)
from ...errors import BadInput
from ...model.errors import Issue, ModelError
from ..runner import register_page
from ..security import Caller, analyst, caller, off_loop
from ..templating import render
from .models import read_upload, upload_name

router = APIRouter(include_in_schema=False)


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    return {"headline": headline_frame(result), "by_agency": by_agency_frame(result)}


register_page("appraisal", "run_appraisal.html", view)


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
    except BadInput as exc:
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
