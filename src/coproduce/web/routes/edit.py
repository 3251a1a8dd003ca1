"""Edit a model section as a table; a save makes a new version unless the model moved on."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...model.errors import ModelError
from ...store import Conflict, NotFound
from ..lanes import heavy, in_heavy_lane
from ..modelcache import loaded
from ..security import Caller, analyst, reader
from ..tables import BLANK_ROWS, SECTIONS, CellErrors, apply_rows, choices, place_of, rows_of
from ..templating import render

router = APIRouter(include_in_schema=False)


def _section(section: str) -> None:
    if section not in SECTIONS:
        raise NotFound(f"no table '{section}'; tables: {', '.join(SECTIONS)}")


def _page(
    request: Request,
    m,
    v,
    section: str,
    rows,
    *,
    status: int = 200,
    cell_errors: dict | None = None,
    other_errors: list | None = None,
    conflict: Conflict | None = None,
    message: str = "",
):
    title, cols = SECTIONS[section]
    blank = {c.name: "" for c in cols}
    blank["key"] = ""
    return render(
        request,
        "edit.html",
        status_code=status,
        m=m,
        v=v,
        section=section,
        model=loaded(v)[0],
        title=title,
        cols=cols,
        rows=[*rows, *[dict(blank) for _ in range(BLANK_ROWS)]],
        n_existing=len(rows),
        choices=choices(section, v.data),
        cell_errors=cell_errors or {},
        other_errors=other_errors or [],
        conflict=conflict,
        message=message,
        sections=SECTIONS,
    )


@router.get("/models/{model_id}/edit/{section}")
@heavy
def edit_form(
    request: Request, model_id: int, section: str, c: Caller = Depends(reader("analyst"))
):
    _section(section)
    c.actor.require("analyst")
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    v = store.get_version(c.actor, model_id)
    return _page(request, m, v, section, rows_of(section, v.data))


@router.post("/models/{model_id}/edit/{section}")
async def edit_save(request: Request, model_id: int, section: str, c: Caller = Depends(analyst)):
    _section(section)
    c.actor.require("analyst")
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await in_heavy_lane(_edit_save, request, model_id, section, c, form)


def _edit_save(request: Request, model_id: int, section: str, c: Caller, form: dict[str, str]):
    """Validate and store an edited section (a whole model validated: the heavy lane)."""
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    try:
        base = int(form.get("base_version", ""))
    except ValueError:
        raise NotFound("the form did not say which version it edits") from None
    v = store.get_version(c.actor, model_id, base)
    posted = _posted_rows(section, form)
    typed = form.get("message", "").strip()
    message = typed or f"edited {section}"
    try:
        from ..tables import read_form

        rows = read_form(section, form)
        data, places = apply_rows(section, v.data, rows)
        saved = store.save_version(c.actor, model_id, data, base=base, message=message)
    except CellErrors as exc:
        errs = {(e.row, e.column): str(e) for e in exc.errors}
        return _page(request, m, v, section, posted, status=422, cell_errors=errs, message=typed)
    except ModelError as exc:
        errs, other = {}, []
        for issue in exc.issues:
            where = place_of(issue.path, places)
            if where is None:
                other.append(issue)
            else:
                errs.setdefault(where, issue.message)
        return _page(
            request,
            m,
            v,
            section,
            posted,
            status=422,
            cell_errors=errs,
            other_errors=other,
            message=typed,
        )
    except Conflict as exc:
        m = store.get_model(c.actor, model_id)
        return _page(request, m, v, section, posted, status=409, conflict=exc, message=typed)
    return RedirectResponse(f"/models/{model_id}?saved={saved.number}", status_code=303)


def _posted_rows(section: str, form: dict[str, str]) -> list[dict[str, str]]:
    """The rows as the user typed them, to show again with errors (nothing is lost)."""
    cols = SECTIONS[section][1]
    n = int(form.get("rows", "0") or 0)
    rows = []
    for k in range(min(n, 10_000)):
        row = {c.name: form.get(f"r{k}-{c.name}", "") for c in cols}
        for c in cols:
            if c.kind == "bool":
                row[c.name] = "yes" if row[c.name] else ""
        row["key"] = form.get(f"r{k}-key", "")
        row["delete"] = form.get(f"r{k}-delete", "")
        if any(v for key, v in row.items() if key not in ("kind", "sector", "agency")):
            rows.append(row)
    return rows
