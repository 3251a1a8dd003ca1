"""Strategy maps: list, upload, bundled examples, the map, versions, diffs, downloads, nodes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ...model import example_names, load_model
from ...model.errors import Issue, ModelError
from ...model.serialise import model_to_data
from ...model.time_value import bases
from ...reports.strategy_map import Highlight, render_svg
from ...store import diff_models, text_diff
from ..modelcache import loaded, open_version, version_of
from ..security import Caller, admin, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)

UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
MAX_UPLOAD = 10 * 1024 * 1024
DOWNLOADS = {
    "yaml": ("model.yaml", "application/yaml", "YAML model file"),
    "json": ("model.json", "application/json", "JSON model file"),
    "xlsx": ("model.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "Excel workbook (one sheet per section)"),
    "elements-xlsx": ("elements.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      "Elements and connections workbook (network-mapping tools)"),
}


def parse_upload(filename: str, content: bytes) -> dict:
    """The model data of an uploaded file (validated; raises ModelError naming each problem)."""
    name = Path(filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ModelError([Issue("file", f"'{name}' is not a model file: upload .yaml, .yml, "
                                        ".json or .xlsx", file=name)])
    if len(content) > MAX_UPLOAD:
        raise ModelError([Issue("file", "the file is larger than 10 MB", file=name)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        model = load_model(path)
    return model_to_data(model)


def model_href(model_id: int, version: int | None = None):
    tail = f"?version={version}" if version else ""

    def href(kind: str, ident: str) -> str:
        if kind == "node":
            return f"/models/{model_id}/nodes/{quote(ident)}{tail}"
        a, b = ident.split("->", 1)
        return f"/models/{model_id}/links/{quote(a)}/{quote(b)}{tail}"

    return href


_SVG_CACHE: dict[tuple, tuple[object, str]] = {}


def map_svg(cm, model_id: int, version: int | None, highlight: Highlight | None = None) -> str:
    """The clickable SVG map of a compiled model (cached: a version's map never changes)."""
    hl = highlight or Highlight()
    key = (id(cm), model_id, version, hl.nodes, hl.links)
    hit = _SVG_CACHE.get(key)
    if hit is not None and hit[0] is cm:  # the same object, not a reused id
        return hit[1]
    svg = render_svg(cm, highlight=hl, href=model_href(model_id, version))
    if len(_SVG_CACHE) > 256:
        _SVG_CACHE.clear()
    _SVG_CACHE[key] = (cm, svg)
    return svg


@router.get("/")
def home(request: Request, c: Caller = Depends(caller)):
    store = request.app.state.store
    return render(request, "home.html", models=store.list_models(c.actor),
                  examples=example_names(), issues=None, upload_name="")


@router.post("/models")
async def upload(request: Request, file: UploadFile = File(...), name: str = Form(""),
                 c: Caller = Depends(analyst)):
    store = request.app.state.store
    c.actor.require("analyst")
    content = await file.read()
    try:
        data = parse_upload(file.filename or "", content)
        m, _v = store.create_model(c.actor, name, data, source=file.filename or "")
    except ModelError as exc:
        return render(request, "home.html", status_code=422, models=store.list_models(c.actor),
                      examples=example_names(), issues=exc.issues,
                      upload_name=file.filename or "")
    return RedirectResponse(f"/models/{m.id}?created=1", status_code=303)


@router.post("/examples/{name}")
def copy_example(request: Request, name: str, c: Caller = Depends(analyst)):
    store = request.app.state.store
    data = model_to_data(load_model(f"example:{name}"))
    m, _v = store.create_model(c.actor, "", data, source=f"example:{name}")
    return RedirectResponse(f"/models/{m.id}?created=1", status_code=303)


@router.get("/models/{model_id}")
def model_page(request: Request, model_id: int, version: int | None = None,
               c: Caller = Depends(caller)):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    runs = store.list_runs(c.actor, model_id=model_id, limit=10)
    return render(request, "model.html", m=m, v=v, model=model,
                  svg=map_svg(cm, m.id, version), runs=runs, downloads=DOWNLOADS,
                  latest=v.number == m.head, created=request.query_params.get("created"),
                  saved=request.query_params.get("saved"), time_value_bases=bases(model))


@router.get("/models/{model_id}/versions")
def versions(request: Request, model_id: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    return render(request, "versions.html", m=m, versions=store.list_versions(c.actor, model_id))


@router.get("/models/{model_id}/diff")
def diff(request: Request, model_id: int, a: int, b: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    va, vb = store.get_version(c.actor, model_id, a), store.get_version(c.actor, model_id, b)
    changes = diff_models(va.data, vb.data)
    text = text_diff(va.data, vb.data, names=(f"version {a}", f"version {b}"))
    return render(request, "diff.html", m=m, a=va, b=vb, changes=changes, text=text)


@router.get("/models/{model_id}/download/{fmt}")
def download(request: Request, model_id: int, fmt: str, version: int | None = None,
             c: Caller = Depends(caller)):
    from ...reports.model_files import model_json, model_yaml, write_elements_xlsx, write_model_xlsx

    store = request.app.state.store
    m, v = version_of(store, c.actor, model_id, version)
    if fmt not in DOWNLOADS:
        from ...store import NotFound

        raise NotFound(f"no download format '{fmt}'; formats: {', '.join(DOWNLOADS)}")
    model, _cm = loaded(v)
    filename, media, _label = DOWNLOADS[fmt]
    if fmt == "yaml":
        body = model_yaml(model).encode("utf-8")
    elif fmt == "json":
        body = model_json(model).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / filename
            (write_model_xlsx if fmt == "xlsx" else write_elements_xlsx)(model, path)
            body = path.read_bytes()
    stem = "".join(ch if ch.isalnum() else "-" for ch in m.name.lower()).strip("-")[:60]
    out = f"{stem or 'model'}-v{v.number}-{filename}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{out}"'})


@router.get("/models/{model_id}/nodes/{node_id}")
def node_page(request: Request, model_id: int, node_id: str, version: int | None = None,
              c: Caller = Depends(caller)):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    section = next((s for s in ("interventions", "outcomes", "resources")
                    if node_id in getattr(model, s)), None)
    if section is None:
        from ...store import NotFound

        raise NotFound(f"no node '{node_id}' in this model")
    node = v.data[section][node_id]
    incoming = [lk for lk in v.data.get("links", []) if lk["to"] == node_id]
    outgoing = [lk for lk in v.data.get("links", []) if lk["from"] == node_id]
    uses = {}
    if section == "resources":
        uses = {iid: itv for iid, itv in v.data.get("interventions", {}).items()
                if node_id in (itv.get("inputs") or {}) or node_id in (itv.get("fixed_inputs")
                                                                       or {})}
    hl = Highlight(frozenset({node_id}), frozenset(
        (lk["from"], lk["to"]) for lk in incoming + outgoing))
    return render(request, "node.html", m=m, v=v, model=model, node_id=node_id, node=node,
                  section=section, incoming=incoming, outgoing=outgoing, uses=uses,
                  svg=map_svg(cm, m.id, version, hl), label=model.label_of(node_id))


@router.get("/models/{model_id}/links/{src}/{dst}")
def link_page(request: Request, model_id: int, src: str, dst: str, version: int | None = None,
              c: Caller = Depends(caller)):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    found = [(k, lk) for k, lk in enumerate(v.data.get("links", []))
             if lk["from"] == src and lk["to"] == dst]
    if not found:
        from ...store import NotFound

        raise NotFound(f"no link {src} -> {dst} in this model")
    index, link = found[0]
    hl = Highlight(frozenset({src, dst}), frozenset({(src, dst)}))
    return render(request, "link.html", m=m, v=v, model=model, link=link, index=index,
                  svg=map_svg(cm, m.id, version, hl))


@router.post("/models/{model_id}/rename")
def rename(request: Request, model_id: int, name: str = Form(...),
           c: Caller = Depends(analyst)):
    request.app.state.store.rename_model(c.actor, model_id, name)
    return RedirectResponse(f"/models/{model_id}", status_code=303)


@router.post("/models/{model_id}/delete")
def delete(request: Request, model_id: int, c: Caller = Depends(admin)):
    request.app.state.store.delete_model(c.actor, model_id)
    return RedirectResponse("/", status_code=303)
