"""Strategy maps: list, upload, bundled examples, the map, versions, diffs, downloads, nodes."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...model import Model, example_names, load_model
from ...model.errors import Issue, ModelError, TooLarge
from ...model.time_value import bases
from ...reports.strategy_map import Highlight, render_svg
from ...store import diff_models, text_diff
from ..lanes import heavy
from ..modelcache import loaded, open_version, version_of
from ..security import Caller, admin, analyst, caller, off_loop
from ..templating import render

router = APIRouter(include_in_schema=False)

UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
MAX_UPLOAD = 10 * 1024 * 1024
MAX_FILE_NAME = 200  # the length of the store's ``source`` column
MAX_NAME = 200  # a model's name
DOWNLOADS = {
    "yaml": ("model.yaml", "application/yaml", "YAML model file"),
    "json": ("model.json", "application/json", "JSON model file"),
    "xlsx": (
        "model.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel workbook (one sheet per section)",
    ),
    "elements-xlsx": (
        "elements.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Elements and connections workbook (network-mapping tools)",
    ),
}


def upload_name(filename: str | None) -> str:
    """The name of an uploaded file without any folders, refused when it is too long to keep
    (:class:`ModelError` on the ``file`` field)."""
    name = Path((filename or "upload").replace("\\", "/")).name or "upload"
    if len(name) > MAX_FILE_NAME:
        raise ModelError(
            [
                Issue(
                    "file",
                    f"the file name is {len(name):,} characters long; "
                    f"rename the file (at most {MAX_FILE_NAME} characters)",
                    file=name[:40] + "…",
                )
            ]
        )
    return name


def read_upload(file, limit: int = MAX_UPLOAD) -> bytes:
    """The bytes of an uploaded file (a starlette ``UploadFile``), refused past ``limit``."""
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(
            [
                Issue(
                    "file",
                    f"the file is larger than {limit // 1024 // 1024} MB",
                    file=upload_name(file.filename),
                )
            ]
        )
    return content


def parse_upload(filename: str, content: bytes) -> Model:
    """The model of an uploaded file (validated; raises ModelError naming each problem).
    The file is kept under a fixed name: the name given is only shown."""
    name = upload_name(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ModelError(
            [
                Issue(
                    "file",
                    f"'{name}' is not a model file: upload .yaml, .yml, .json or .xlsx",
                    file=name,
                )
            ]
        )
    if len(content) > MAX_UPLOAD:
        raise TooLarge([Issue("file", "the file is larger than 10 MB", file=name)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            model = load_model(path)
        except ModelError as exc:  # say the file's own name, not the temporary one
            raise type(exc)([_renamed(i, str(path), name) for i in exc.issues]) from None
    return model  # validated: the store writes it out without validating it again


def _renamed(issue: Issue, temp: str, name: str) -> Issue:
    if issue.file and temp in issue.file:
        return Issue(issue.path, issue.message, issue.line, issue.file.replace(temp, name))
    return issue


def _read_and_parse(file) -> tuple[str, Model]:
    name = upload_name(file.filename)
    return name, parse_upload(name, read_upload(file))


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


@lru_cache(maxsize=16)
def _example_title(name: str) -> str:
    try:
        return load_model(f"example:{name}").name
    except Exception:  # an example that no longer loads is still offered by its name
        return name.replace("-", " ")


def examples() -> dict[str, str]:
    """The bundled examples: {name: the title of its strategy map}."""
    return {e: _example_title(e) for e in example_names()}


@router.get("/")
def home(request: Request, c: Caller = Depends(caller)):
    store = request.app.state.store
    return render(
        request,
        "home.html",
        models=store.list_models(c.actor),
        examples=examples(),
        issues=None,
        upload_name="",
    )


@router.post("/models")
async def upload(
    request: Request,
    file: UploadFile = File(...),
    name: str = Form(""),
    c: Caller = Depends(analyst),
):
    """Upload a model file: parsed and checked in a worker thread within the time budget (the
    server goes on answering meanwhile), then stored (nothing is stored when it is invalid)."""
    store = request.app.state.store
    c.actor.require("analyst")
    shown = Path((file.filename or "").replace("\\", "/")).name[:MAX_FILE_NAME]
    try:
        if len(name) > MAX_NAME:
            raise ModelError([Issue("name", f"a name has at most {MAX_NAME} characters")])
        source, data = await off_loop(_read_and_parse, file)
        m, _v = await run_in_threadpool(store.create_model, c.actor, name, data, source=source)
    except ModelError as exc:
        return render(
            request,
            "home.html",
            status_code=exc.http_status,
            models=store.list_models(c.actor),
            examples=examples(),
            issues=exc.issues,
            upload_name=shown,
        )
    return RedirectResponse(f"/models/{m.id}?created=1", status_code=303)


@router.post("/examples/{name}")
def copy_example(request: Request, name: str, c: Caller = Depends(analyst)):
    store = request.app.state.store
    model = load_model(f"example:{name}")
    m, _v = store.create_model(c.actor, "", model, source=f"example:{name}")
    return RedirectResponse(f"/models/{m.id}?created=1", status_code=303)


@router.get("/models/{model_id}")
@heavy
def model_page(
    request: Request, model_id: int, version: int | None = None, c: Caller = Depends(caller)
):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    runs = store.list_runs(c.actor, model_id=model_id, limit=10)
    return render(
        request,
        "model.html",
        m=m,
        v=v,
        model=model,
        svg=map_svg(cm, m.id, version),
        runs=runs,
        downloads=DOWNLOADS,
        latest=v.number == m.head,
        created=request.query_params.get("created"),
        saved=request.query_params.get("saved"),
        time_value_bases=bases(model),
    )


@router.get("/models/{model_id}/versions")
def versions(request: Request, model_id: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    return render(
        request,
        "versions.html",
        m=m,
        versions=store.list_versions(c.actor, model_id),
        examples=examples(),
    )


@router.get("/models/{model_id}/diff")
@heavy
def diff(request: Request, model_id: int, a: int, b: int, c: Caller = Depends(caller)):
    store = request.app.state.store
    m = store.get_model(c.actor, model_id)
    va, vb = store.get_version(c.actor, model_id, a), store.get_version(c.actor, model_id, b)
    changes = diff_changes(diff_models(va.data, vb.data), loaded(va)[0], loaded(vb)[0])
    text = text_diff(va.data, vb.data, names=(f"version {a}", f"version {b}"))
    return render(request, "diff.html", m=m, a=va, b=vb, changes=changes, text=text)


_DIFF_SECTIONS = {
    "model": "The map",
    "sectors": "Sectors",
    "agencies": "Agencies",
    "resources": "Resources",
    "interventions": "Interventions",
    "outcomes": "Outcomes",
    "targets": "Targets",
    "scenarios": "Scenarios",
    "links": "Links",
}
_DIFF_FIELDS = {
    "unit_cost": "unit cost",
    "max_decrease": "largest cut in a period",
    "min_volume": "least volume",
    "fixed_inputs": "fixed inputs",
    "cost_curve": "cost curve",
    "time_value": "valuation of time",
    "time_values": "valuations of time",
    "price_year": "price year",
    "volume": "volume now",
}


def diff_changes(changes, model_a, model_b) -> list[dict[str, str]]:
    """The changes between two versions in words: each section, item and field named with
    the versions' labels, each value written as a reader reads it."""
    from ..templating import labels, quantity_words

    la, lb = labels(model_a), labels(model_b)
    known = {
        k
        for mdl in (model_a, model_b)
        for s in (
            "resources",
            "interventions",
            "outcomes",
            "agencies",
            "sectors",
            "scenarios",
            "time_values",
        )
        for k in getattr(mdl, s)
    }

    def name(key: str) -> str:
        return lb(key) if lb(key) != key.replace("_", " ") else la(key)

    def word(key: str) -> str:
        return name(key) if key in known else _DIFF_FIELDS.get(key, key.replace("_", " "))

    def value(v) -> str:
        if isinstance(v, dict) and "dist" not in v:
            return "; ".join(f"{word(str(k))}: {value(x)}" for k, x in v.items())
        if isinstance(v, list):
            return "; ".join(value(x) for x in v)
        if isinstance(v, str) and v in known:
            return name(v)
        return quantity_words(v) if v is not None else "–"

    out = []
    for ch in changes:
        if ch.section == "links":
            a, _, b = ch.key.partition(" -> ")
            item = f"{name(a)} → {name(b)}"
        elif ch.section == "model":
            item = word(ch.key.split(".")[0])
        else:
            item = name(ch.key)
        field = " ".join(word(p) for p in ch.field.split(".")) if ch.field else ""
        if ch.section == "model" and "." in ch.key:
            field = " ".join(word(p) for p in ch.key.split(".")[1:])
        out.append(
            {
                "kind": ch.kind,
                "section": _DIFF_SECTIONS.get(ch.section, ch.section),
                "item": item,
                "field": field,
                "before": value(ch.before),
                "after": value(ch.after),
            }
        )
    return out


@router.get("/models/{model_id}/download/{fmt}")
@heavy
def download(
    request: Request,
    model_id: int,
    fmt: str,
    version: int | None = None,
    c: Caller = Depends(caller),
):
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
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{out}"'}
    )


def node_rows(section: str, node_id: str, model, href: str) -> list[tuple[str, object]]:
    """The fields of a node as (what, value) in words: labels for ids, the formatter for
    figures, distributions in words, money as money, and the modeller's own text as written."""
    from markupsafe import Markup

    from ... import formatting as fmt
    from ..templating import (
        amount_words,
        authored,
        currency_words,
        distribution_words,
        labels,
        money_words_of,
    )

    lab = labels(model)
    node = getattr(model, section)[node_id]
    cur = model.currency
    rows: list[tuple[str, object]] = []
    unit = getattr(node, "unit", None) or "unit"
    if section == "interventions":
        rows.append(("Unit", unit))
        rows.append(("Volume now, each period", amount_words(node.volume, unit)))
        rows.append(
            (
                "Capacity, each period",
                amount_words(node.capacity, unit) if node.capacity is not None else "no limit",
            )
        )
        if node.min_volume is not None:
            rows.append(("Least volume a plan must keep", amount_words(node.min_volume, unit)))
        rows.append(
            (
                "Largest cut in one period",
                f"{fmt.percent(node.max_decrease)} of today's volume"
                if node.max_decrease is not None
                else "not set: a plan may stop it altogether",
            )
        )
        for kind, what in (
            ("inputs", f"Inputs for each {unit}"),
            ("fixed_inputs", "Fixed inputs each period"),
        ):
            items = getattr(node, kind)
            if items:
                rows.append(
                    (
                        what,
                        Markup("<br>").join(
                            Markup('<a href="{}/nodes/{}">{}</a>: {}').format(
                                href, r, lab(r), amount_words(q, _unit_of(model, r))
                            )
                            for r, q in items.items()
                        ),
                    )
                )
        for r, e in node.enabling.items():
            per = (
                "each period"
                if r in node.fixed_inputs and r not in node.inputs
                else f"for each {unit}"
            )
            level = (
                f"less than {amount_words(e.level, _unit_of(model, r))} {per} (the level "
                "its effects were measured at)"
                if e.level is not None
                else "less than the level its effects were measured at"
            )
            rows.append(
                (
                    "Its effects depend on",
                    (
                        f"{lab(r)}: each effect of this intervention falls when it gets "
                        f"{level}, with elasticity {distribution_words(e.elasticity)}; "
                        "with none of it, "
                        f"{_share_words(e.floor)} of the effect is kept"
                    ),
                )
            )
        if node.cost_curve:
            rows.append(("Cost curve", _cost_curve_words(node.cost_curve, unit)))
    elif section == "outcomes":
        rows.append(("Unit", unit))
        rows.append(("Final outcome", "yes: an end in itself" if node.final else "no"))
        rows.append(
            (
                "Complex",
                "yes: figures through it are indicative, not a forecast" if node.complex else "no",
            )
        )
        value = node.value
        parts = []
        if value is not None:
            parts += [f"to {lab(a)} {money_words_of(q, cur)}" for a, q in value.fiscal.items()]
            parts = ["fiscal " + ", ".join(parts)] if parts else []
            if value.economic is not None:
                parts.append(f"economic {money_words_of(value.economic, cur)}")
            if value.social is not None:
                parts.append(f"social {money_words_of(value.social, cur)}")
        rows.append((f"Value of one {unit}", "; ".join(parts) if parts else "not valued"))
    else:
        money_unit = fmt.currency_of(unit) is not None
        rows.append(
            ("Unit", f"money, in {currency_words(unit.strip().upper())}" if money_unit else unit)
        )
        rows.append(("Sector", lab(node.sector)))
        rows.append(("Paying agency", lab(node.agency) if node.agency else "none named"))
        rows.append(
            (
                "Unit cost",
                "face value"
                if money_unit and node.unit_cost == 1
                else f"{money_words_of(node.unit_cost, cur)} per {unit}",
            )
        )
        rows.append(
            (
                "Available each period",
                amount_words(node.available, unit) if node.available is not None else "no limit",
            )
        )
    for field, what in (("source", "Source"), ("notes", "Notes")):
        text = getattr(node, field, None)
        if text:
            rows.append((what, authored(text, model, href)))
    return rows


def _unit_of(model, rid: str) -> str:
    r = model.resources.get(rid)
    return (r.unit if r is not None else None) or "unit"


def _share_words(q) -> str:
    from ... import formatting as fmt
    from ..templating import distribution_words

    if isinstance(q, (int, float)):
        return fmt.percent(q)
    return f"a share of {distribution_words(q)}"


def _cost_curve_words(bands, unit: str) -> str:
    """``up to 200 matches: the inputs as stated; from 200 to 300: 1.2 times; above 300:
    1.5 times``."""
    from ... import formatting as fmt

    parts, start = [], 0.0
    for b in bands:
        times = (
            "the inputs as stated"
            if b.multiplier == 1
            else f"{fmt.quantity(b.multiplier)} times the inputs"
        )
        if b.up_to is None:
            where = f"above {fmt.quantity(start)}" if start else "at any volume"
        elif start:
            where = f"from {fmt.quantity(start)} to {fmt.count(b.up_to, unit)}"
        else:
            where = f"up to {fmt.count(b.up_to, unit)}"
        parts.append(f"{where}: {times}")
        start = b.up_to or start
    return "; ".join(parts)


def link_rows(link, model, href: str) -> list[tuple[str, object]]:
    """A link's fields as (what, value) in words."""
    from markupsafe import Markup

    from ..templating import authored, effect_words, labels

    lab = labels(model)
    rows: list[tuple[str, object]] = [
        ("From", Markup('<a href="{}/nodes/{}">{}</a>').format(href, link.from_, lab(link.from_))),
        ("To", Markup('<a href="{}/nodes/{}">{}</a>').format(href, link.to, lab(link.to))),
        ("Effect", effect_words(link, model)),
        ("Evidence", f"grade {link.evidence} of 5" if link.evidence else "not graded"),
        (
            "Contested",
            "yes: stakeholders dispute whether or how much it works" if link.contested else "no",
        ),
    ]
    for field, what in (("source", "Source"), ("notes", "Notes")):
        text = getattr(link, field, None)
        if text:
            rows.append((what, authored(text, model, href)))
    return rows


_SECTION_WORDS = {
    "interventions": "An intervention",
    "outcomes": "An outcome",
    "resources": "A resource",
}


@router.get("/models/{model_id}/nodes/{node_id}")
@heavy
def node_page(
    request: Request,
    model_id: int,
    node_id: str,
    version: int | None = None,
    c: Caller = Depends(caller),
):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    section = next(
        (s for s in ("interventions", "outcomes", "resources") if node_id in getattr(model, s)),
        None,
    )
    if section is None:
        from ...store import NotFound

        raise NotFound(f"no node '{node_id}' in this model")
    incoming = [lk for lk in model.links if lk.to == node_id]
    outgoing = [lk for lk in model.links if lk.from_ == node_id]
    uses = {}
    if section == "resources":
        uses = {
            iid: itv
            for iid, itv in model.interventions.items()
            if node_id in itv.inputs or node_id in itv.fixed_inputs
        }
    hl = Highlight(frozenset({node_id}), frozenset((lk.from_, lk.to) for lk in incoming + outgoing))
    href = f"/models/{m.id}"
    return render(
        request,
        "node.html",
        m=m,
        v=v,
        model=model,
        node_id=node_id,
        rows=node_rows(section, node_id, model, href),
        section=section,
        kind_words=_SECTION_WORDS[section],
        incoming=incoming,
        outgoing=outgoing,
        uses=uses,
        svg=map_svg(cm, m.id, version, hl),
        label=model.label_of(node_id),
    )


@router.get("/models/{model_id}/links/{src}/{dst}")
@heavy
def link_page(
    request: Request,
    model_id: int,
    src: str,
    dst: str,
    version: int | None = None,
    c: Caller = Depends(caller),
):
    store = request.app.state.store
    m, v, model, cm = open_version(store, c.actor, model_id, version)
    found = [(k, lk) for k, lk in enumerate(model.links) if lk.from_ == src and lk.to == dst]
    if not found:
        from ...store import NotFound

        raise NotFound(f"no link {src} -> {dst} in this model")
    index, link = found[0]
    hl = Highlight(frozenset({src, dst}), frozenset({(src, dst)}))
    return render(
        request,
        "link.html",
        m=m,
        v=v,
        model=model,
        link=link,
        index=index,
        rows=link_rows(link, model, f"/models/{m.id}"),
        svg=map_svg(cm, m.id, version, hl),
    )


@router.post("/models/{model_id}/rename")
def rename(request: Request, model_id: int, name: str = Form(...), c: Caller = Depends(analyst)):
    if len(name.strip()) > MAX_NAME:
        raise ModelError([Issue("name", f"a name has at most {MAX_NAME} characters")])
    request.app.state.store.rename_model(c.actor, model_id, name)
    return RedirectResponse(f"/models/{model_id}", status_code=303)


@router.post("/models/{model_id}/delete")
def delete(request: Request, model_id: int, c: Caller = Depends(admin)):
    request.app.state.store.delete_model(c.actor, model_id)
    return RedirectResponse("/", status_code=303)
