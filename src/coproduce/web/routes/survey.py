"""Surveys of co-production: design-based prevalence by country, sector and type, in the
background, on the bundled (synthetic) five-nation survey."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ... import formatting as fmt
from ...analyses.survey import EXAMPLE_TITLES, EXAMPLES, prevalence_frame
from ...model.errors import Issue, ModelError
from ..runner import register_page
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)


def group_words(sector: str, kind: str) -> str:
    """A survey cell's group in words: 'Any co-production', 'Safety, collective'."""
    if sector == "all":
        return "Any co-production" if kind == "all" else f"Any {kind} co-production"
    name = sector.replace("_", " ").capitalize()
    return f"{name}, any kind" if kind == "all" else f"{name}, {kind}"


def hidden_words(note: str | None, n: int, min_cell: int) -> tuple[str, str]:
    """Why a share is not shown, as a cell says it and as a sentence: the count that was too
    small is often the people who did NOT take part (when nearly everyone does)."""
    note = note or ""
    if "do not take part" in note:
        return (
            "nearly all (not shown)",
            f"fewer than {min_cell} of the {fmt.quantity(n)} respondents do not take part: "
            "nearly everyone does, and the few who don't could be recognised",
        )
    if "take part" in note:
        return (
            "very few (not shown)",
            f"fewer than {min_cell} of the {fmt.quantity(n)} respondents take part, and "
            "they could be recognised",
        )
    return (
        "too few answers (not shown)",
        f"fewer than {min_cell} respondents answered, too few to publish a share",
    )


_GROUP_ORDER = {"all": 0, "individual": 1, "collective": 2}


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    frame = prevalence_frame(result)
    by = result.get("by")
    min_cell = int(result.get("min_cell") or 10)
    if len(frame):
        frame = frame.assign(
            words=[group_words(a, b) for a, b in zip(frame["sector"], frame["type"], strict=True)],
            sector_order=[s != "all" for s in frame["sector"]],
            type_order=[_GROUP_ORDER.get(t, 3) for t in frame["type"]],
        )
        frame = frame.sort_values(["sector_order", "sector", "type_order"], kind="stable")
    rows = []
    for _, r in frame.iterrows():
        cell, why = (
            hidden_words(r.get("note"), int(r["n"]), min_cell) if r["suppressed"] else ("", "")
        )
        rows.append(
            {
                "by": r[by] if by else "",
                "group": r["words"],
                "suppressed": bool(r["suppressed"]),
                "value": r["value"],
                "low": r["low"],
                "high": r["high"],
                "deff": r["deff"],
                "n": r["n"],
                "cell": cell,
                "why": why,
            }
        )
    table = None
    if by and len(frame):
        columns = list(dict.fromkeys(frame[by]))
        table = {"columns": columns, "rows": []}
        for group in dict.fromkeys(frame["words"]):
            part = {r["by"]: r for r in rows if r["group"] == group}
            table["rows"].append((group, [part.get(c) for c in columns]))
    hidden = [r for r in rows if r["suppressed"]]
    kinds: dict[str, int] = {}
    for r in hidden:
        kinds[r["cell"]] = kinds.get(r["cell"], 0) + 1
    return {
        "rows": rows,
        "table": table,
        "hidden": hidden,
        "hidden_kinds": kinds,
        "by_words": (by or "").replace("_", " ").capitalize(),
        "min_cell": min_cell,
    }


register_page("survey", "run_survey.html", view)


@router.get("/surveys")
def surveys(request: Request, c: Caller = Depends(caller)):
    runs = request.app.state.store.list_runs(c.actor, kind="survey")
    return render(
        request,
        "surveys.html",
        examples={e: EXAMPLE_TITLES.get(e, e) for e in EXAMPLES},
        runs=runs,
        issues=None,
    )


@router.post("/surveys")
def start(
    request: Request,
    example: str = Form("five-nation"),
    by: str = Form("country"),
    min_cell: int = Form(10),
    c: Caller = Depends(analyst),
):
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
    run = store.create_run(c.actor, "survey", {"example": example, "by": by, "min_cell": min_cell})
    request.app.state.worker.submit(run.id, wait=0.3)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
