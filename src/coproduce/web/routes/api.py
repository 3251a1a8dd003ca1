"""The JSON API: the command line's analyses over stored models, with the same result objects
as ``--json``. Authenticate with ``Authorization: Bearer cpt_...``; with the session cookie,
send the page's CSRF token as ``X-CSRF-Token`` on every POST and DELETE."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ...model.errors import Issue, ModelError
from ...store import diff_models
from ..lanes import heavy
from ..modelcache import loaded
from ..security import Caller, analyst, caller, checked_caller, off_loop
from . import backwards, planning, uncertainty

router = APIRouter(prefix="/api", tags=["api"])


class ModelSummary(BaseModel):
    id: int
    name: str
    head: int = Field(description="number of the latest version")
    updated_at: datetime


class VersionInfo(BaseModel):
    number: int
    message: str
    source: str
    created_at: datetime


class ModelDetail(ModelSummary):
    versions: list[VersionInfo]


class VersionData(VersionInfo):
    data: dict[str, Any] = Field(description="the model, as a model file holds it")


class NewModel(BaseModel):
    name: str = Field("", max_length=200, description="default: the model's own name")
    model: dict[str, Any] = Field(description="the model file's content as JSON")


class NewVersion(BaseModel):
    base_version: int = Field(ge=1, description="the version these edits start from")
    model: dict[str, Any]
    message: str = Field("", max_length=2000)


class Created(BaseModel):
    id: int
    name: str
    version: int


class MapRequest(BaseModel):
    outcome: str
    amount: float = Field(gt=0, le=1e15)
    by: Literal["full", "public"] = "full"
    paths: int = Field(10, ge=1, le=100)
    scenario: str = Field("", max_length=200)
    time_value: str = Field(
        "",
        max_length=64,
        description="a valuation of users' and "
        "communities' time named in the model, zero, or as_stated",
    )
    min_evidence: int | None = Field(
        None,
        ge=1,
        le=5,
        description="also map without links graded below this and say whether the leader survives",
    )
    version: int | None = Field(None, ge=1, description="default: the latest")


class EvaluateRequest(BaseModel):
    volumes: dict[str, float] = Field(default_factory=dict)
    version: int | None = Field(None, ge=1)


class UncertaintyRequest(BaseModel):
    outcome: str = Field(description="the target outcome")
    amount: float = Field(description="how much of it to reach, in its unit, a period")
    wtp: float = Field(description="willingness to pay per unit of the target outcome, λ")
    draws: int = Field(2_000, description="Monte Carlo draws, 2 to 20,000")
    seed: int = Field(1, description="random seed, 0 to 2,147,483,647")
    mode: Literal["target", "spend", "scenarios"] = Field(
        "target",
        description="options: scaled to the target, the same public spend, or the "
        "model's scenarios as portfolios",
    )
    spend: float | None = Field(None, description="public spend per option (mode 'spend')")
    evidence_priors: bool = False
    time_value: str | None = Field(
        None,
        max_length=64,
        description="a valuation of users' and "
        "communities' time named in the model, zero, or as_stated",
    )
    time_value_per_hour: float | None = Field(None, ge=0, le=1e6)
    min_evidence: int | None = Field(
        None,
        ge=1,
        le=5,
        description="also run without links graded below this and say whether the answer survives",
    )
    study: str | None = Field(
        None,
        max_length=100_000,
        description="a study file (YAML): the studies to weigh before deciding (EVSI, ENBS, "
        "the research agenda); see docs/uncertainty.md",
    )
    version: int | None = Field(None, ge=1, description="default: the latest")


class PlanRequest(BaseModel):
    targets: dict[str, float] | None = Field(
        None, description="{outcome: amount}; default the model's targets (none with a budget)"
    )
    objective: Literal["public", "full"] = "public"
    budget: float | None = Field(None, description="public budget: the most value within it")
    frontier: int = Field(0, description="0, or 2 to 50 points of value against budget")
    targets_as: Literal["increase", "total"] = Field(
        "increase",
        description="targets are increases over what today's services achieve, or total levels",
    )
    time_value: str | None = Field(
        None,
        max_length=64,
        description="a valuation of users' and "
        "communities' time named in the model, zero, or as_stated",
    )
    time_value_per_hour: float | None = Field(None, ge=0, le=1e6)
    min_evidence: int | None = Field(None, ge=1, le=5)
    version: int | None = Field(None, ge=1, description="default: the latest")


class AppraisalRequest(BaseModel):
    example: Literal["falls-prevention", "balsall-heath"] | None = None
    appraisal: dict[str, Any] | None = Field(None, description="an appraisal file as JSON")
    draws: int = Field(0, ge=0, le=200_000)
    seed: int = Field(1, ge=0, le=2**31 - 1)


class SurveyRequest(BaseModel):
    example: Literal["five-nation"] = "five-nation"
    by: Literal["country", ""] = "country"
    min_cell: int = Field(10, ge=1, le=100_000)


class PortfolioRequest(BaseModel):
    portfolio: dict[str, Any] | None = Field(
        None,
        description="a portfolio file as JSON whose services name this workspace's maps "
        "(model: the map's name; the latest version is used) or bundled examples; "
        "default: the bundled city portfolio",
    )
    objective: Literal["public", "full"] = "public"
    draws: int = Field(1_000, ge=0, le=20_000, description="0, or 2 or more Monte Carlo draws")
    seed: int = Field(1, ge=0, le=2**31 - 1)


class AnalysisInfo(BaseModel):
    name: str = Field(description="the kind runs of it are stored under")
    title: str
    tables: list[str] = Field(description="GET /api/runs/{id}/tables/{table} of a finished run")
    reports: list[str] = Field(description="GET /runs/{id}/report.{suffix} of a finished run")
    needs_model: bool


class RunInfo(BaseModel):
    id: int
    kind: str
    status: str
    progress: float
    stage: str
    model_version_id: int | None
    inputs: dict[str, Any]
    scenario: str
    seed: int | None
    created_at: datetime
    finished_at: datetime | None
    error: str
    result: dict[str, Any] | None = Field(None, description="the result object, as --json")


class TokenInfo(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TokenCreated(TokenInfo):
    token: str = Field(description="shown only once")


class Me(BaseModel):
    email: str
    name: str
    role: str
    organisation: str


def _run_info(run, with_result: bool = True) -> RunInfo:
    inputs = {k: v for k, v in run.inputs.items() if k != "data"}
    return RunInfo(
        id=run.id,
        kind=run.kind,
        status=run.status,
        progress=run.progress,
        stage=run.stage,
        model_version_id=run.model_version_id,
        inputs=inputs,
        scenario=run.scenario,
        seed=run.seed,
        created_at=run.created_at,
        finished_at=run.finished_at,
        error=run.error,
        result=run.result if with_result else None,
    )


def _store(request: Request):
    return request.app.state.store


@router.get("/me", response_model=Me)
def me(c: Caller = Depends(caller)):
    return Me(
        email=c.actor.email, name=c.actor.name, role=c.actor.role, organisation=c.actor.org_name
    )


@router.get("/models", response_model=list[ModelSummary])
def list_models(request: Request, c: Caller = Depends(caller)):
    return [
        ModelSummary(id=m.id, name=m.name, head=m.head, updated_at=m.updated_at)
        for m in _store(request).list_models(c.actor)
    ]


@router.post(
    "/models",
    response_model=Created,
    status_code=201,
    responses={422: {"description": "invalid model: every problem, located"}},
)
async def create_model(request: Request, body: NewModel, c: Caller = Depends(analyst)):
    """Store a new model (validated first: nothing is stored when it is invalid)."""
    # checked within the time budget, then stored without being validated again
    model = await off_loop(_check_model, body.model, field="model")
    m, v = await run_in_threadpool(
        _store(request).create_model, c.actor, body.name, model, source="api"
    )
    return Created(id=m.id, name=m.name, version=v.number)


def _check_model(data: dict[str, Any]):
    """The model of ``data``, validated (raises ModelError naming every problem)."""
    from ...model import load_model

    return load_model(data)


@router.get("/models/{model_id}", response_model=ModelDetail)
def get_model(request: Request, model_id: int, c: Caller = Depends(caller)):
    store = _store(request)
    m = store.get_model(c.actor, model_id)
    vs = [
        VersionInfo(number=v.number, message=v.message, source=v.source, created_at=v.created_at)
        for v in store.list_versions(c.actor, model_id)
    ]
    return ModelDetail(id=m.id, name=m.name, head=m.head, updated_at=m.updated_at, versions=vs)


@router.get("/models/{model_id}/versions/{number}", response_model=VersionData)
@heavy
def get_version(request: Request, model_id: int, number: int, c: Caller = Depends(caller)):
    v = _store(request).get_version(c.actor, model_id, number)
    return VersionData(
        number=v.number, message=v.message, source=v.source, created_at=v.created_at, data=v.data
    )


@router.post(
    "/models/{model_id}/versions",
    response_model=Created,
    status_code=201,
    responses={
        409: {"description": "the model moved on since base_version"},
        422: {"description": "invalid model"},
    },
)
async def save_version(
    request: Request, model_id: int, body: NewVersion, c: Caller = Depends(analyst)
):
    """Save the next version; refused with 409 if ``base_version`` is not the latest."""
    store = _store(request)

    def save():
        v = store.save_version(
            c.actor, model_id, body.model, base=body.base_version, message=body.message
        )
        return Created(id=model_id, name=store.get_model(c.actor, model_id).name, version=v.number)

    # another organisation's model: 404 first; a stale base: 409 before the data is checked
    m = await run_in_threadpool(store.get_model, c.actor, model_id)
    if m.head == body.base_version:
        await off_loop(_check_model, body.model, field="model")  # within the time budget
    return await run_in_threadpool(save)


@router.get("/models/{model_id}/diff")
@heavy
def diff(
    request: Request,
    model_id: int,
    a: int = Query(ge=1),
    b: int = Query(ge=1),
    c: Caller = Depends(caller),
) -> dict[str, Any]:
    store = _store(request)
    va, vb = store.get_version(c.actor, model_id, a), store.get_version(c.actor, model_id, b)
    changes = diff_models(va.data, vb.data)
    return {
        "from": a,
        "to": b,
        "changes": [ch.to_dict() for ch in changes],
        "sentences": [ch.sentence() for ch in changes],
    }


def _finished(request: Request, c: Caller, run) -> JSONResponse:
    run = _store(request).get_run(c.actor, run.id)
    code = 200 if run.status in ("done", "failed", "cancelled") else 202
    return JSONResponse(_run_info(run).model_dump(mode="json"), status_code=code)


@router.post(
    "/models/{model_id}/map",
    response_model=RunInfo,
    responses={202: {"description": "still running: poll /api/runs/{id}"}},
)
@heavy
def map_backwards(request: Request, model_id: int, body: MapRequest, c: Caller = Depends(analyst)):
    """Backwards mapping; ``result`` is exactly what ``coproduce map --json`` prints."""
    run = backwards.start(
        request,
        c,
        model_id,
        body.version,
        body.outcome,
        body.amount,
        body.by,
        body.scenario,
        body.paths,
        time_value=body.time_value,
        min_evidence=body.min_evidence,
    )
    return _finished(request, c, run)


@router.post(
    "/models/{model_id}/evaluate",
    response_model=RunInfo,
    responses={202: {"description": "still running: poll /api/runs/{id}"}},
)
@heavy
def evaluate(request: Request, model_id: int, body: EvaluateRequest, c: Caller = Depends(analyst)):
    """Evaluation at given volumes; ``result`` is what ``coproduce evaluate --json`` prints."""
    m, v = _store(request).get_model_version(c.actor, model_id, body.version)
    model, _cm = loaded(v)
    bad = [
        Issue(
            f"volumes.{k}",
            "unknown intervention" if k not in model.interventions else "cannot be negative",
        )
        for k, x in body.volumes.items()
        if k not in model.interventions or not x >= 0
    ]
    if bad:
        raise ModelError(bad)
    run = request.app.state.worker.quick(
        c.actor, "evaluate", {"volumes": body.volumes, "model_name": m.name, "version": v.number}, v
    )
    return _finished(request, c, run)


@router.post(
    "/models/{model_id}/uncertainty",
    response_model=RunInfo,
    status_code=202,
    responses={
        200: {"description": "finished within half a second"},
        422: {"description": "invalid input, each issue naming its field"},
    },
)
@heavy
def uncertainty_run(
    request: Request, model_id: int, body: UncertaintyRequest, c: Caller = Depends(analyst)
):
    """Monte Carlo uncertainty and value of information in the background; ``result`` is what
    ``coproduce uncertainty --json`` prints (poll ``/api/runs/{id}``)."""
    inputs = body.model_dump(exclude={"version"})
    run = uncertainty.start(request, c, model_id, body.version, inputs)
    return _finished(request, c, run)


@router.post(
    "/models/{model_id}/plan",
    response_model=RunInfo,
    responses={
        202: {"description": "still running: poll /api/runs/{id}"},
        422: {"description": "invalid input, each issue naming its field"},
    },
)
@heavy
def plan_run(request: Request, model_id: int, body: PlanRequest, c: Caller = Depends(analyst)):
    """Planning; ``result`` is what ``coproduce plan --json`` prints (an infeasible plan is a
    finished run whose result has ``status`` infeasible and ``relaxation``)."""
    store = _store(request)
    m = store.get_model(c.actor, model_id)
    v = store.get_version(c.actor, model_id, body.version)
    model, _cm = loaded(v)
    targets = body.targets
    if targets is None:
        targets = {} if body.budget is not None else dict(model.targets)
    run = planning.start(
        request,
        c,
        m.id,
        v.number,
        {
            "targets": targets,
            "objective": body.objective,
            "budget": body.budget,
            "frontier": body.frontier,
            "targets_as": body.targets_as,
            "time_value": body.time_value,
            "time_value_per_hour": body.time_value_per_hour,
            "min_evidence": body.min_evidence,
        },
    )
    return _finished(request, c, run)


@router.post("/appraisals", response_model=RunInfo, status_code=202)
async def appraisal(request: Request, body: AppraisalRequest, c: Caller = Depends(analyst)):
    """Start a cost-benefit appraisal in the background; ``result`` as ``coproduce cba --json``."""
    from ...appraisal.loading import load_appraisal

    c.actor.require("analyst")
    if (body.example is None) == (body.appraisal is None):
        raise ModelError([Issue("example", "give either example or appraisal")])
    await off_loop(
        load_appraisal,
        body.appraisal if body.appraisal is not None else f"example:{body.example}",
        field="appraisal",
    )

    def start():
        inputs: dict[str, Any] = {"example": body.example or "", "draws": body.draws}
        if body.appraisal is not None:
            inputs["data"] = body.appraisal
        run = _store(request).create_run(c.actor, "appraisal", inputs, seed=body.seed)
        request.app.state.worker.submit(run.id)
        return _finished(request, c, run)

    return await run_in_threadpool(start)


@router.post("/surveys", response_model=RunInfo, status_code=202)
def survey(request: Request, body: SurveyRequest, c: Caller = Depends(analyst)):
    """Start prevalence estimates on the bundled survey, as ``coproduce survey estimate``."""
    run = _store(request).create_run(c.actor, "survey", body.model_dump())
    request.app.state.worker.submit(run.id)
    return _finished(request, c, run)


@router.post("/portfolios", response_model=RunInfo, status_code=202)
async def portfolio(request: Request, body: PortfolioRequest, c: Caller = Depends(analyst)):
    """Start a portfolio analysis in the background; ``result`` as ``coproduce portfolio
    --json`` (poll ``/api/runs/{id}``)."""
    from ...analyses.portfolio import ANALYSIS, EXAMPLE
    from .portfolio import stored_maps

    store = _store(request)
    inputs: dict[str, Any] = {"objective": body.objective, "draws": body.draws}
    if body.portfolio is None:
        inputs["portfolio"] = f"example:{EXAMPLE}"
    else:
        inputs["portfolio"] = body.portfolio
        inputs["models"] = await run_in_threadpool(stored_maps, store, c.actor, body.portfolio)
    inputs = await off_loop(ANALYSIS.validate, inputs, None, field="portfolio")

    def start():
        run = store.create_run(c.actor, "portfolio", inputs, seed=body.seed)
        request.app.state.worker.submit(run.id)
        return _finished(request, c, run)

    return await run_in_threadpool(start)


@router.get("/analyses", response_model=list[AnalysisInfo])
def analyses(c: Caller = Depends(caller)):
    """Every analysis the workspace runs, with the tables and reports of its runs."""
    from ...analyses import load_all

    return [
        AnalysisInfo(
            name=a.name,
            title=a.title,
            tables=list(a.tables),
            reports=[r.suffix for r in a.reports],
            needs_model=a.needs_model,
        )
        for a in load_all().values()
    ]


@router.get("/runs/{run_id}/tables/{table}")
@heavy
def run_table(request: Request, run_id: int, table: str, c: Caller = Depends(caller)):
    """One table of a finished run (the data behind a table or chart of its page and
    report) as a list of rows; the same as the page's CSV download."""
    import json as _json

    from ...analyses import Result
    from ..runner import analysis_of

    run = _store(request).get_run(c.actor, run_id)
    analysis = analysis_of(run.kind)
    if run.status != "done" or analysis is None:
        from ...store import NotFound

        raise NotFound(f"run {run_id} has not finished")
    frame = Result(analysis, run.result).frame(table)
    return JSONResponse(_json.loads(frame.to_json(orient="records")))


@router.get("/runs", response_model=list[RunInfo])
def runs(
    request: Request,
    kind: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=500),
    c: Caller = Depends(caller),
):
    return [
        _run_info(r, with_result=False)
        for r in _store(request).list_runs(c.actor, kind=kind, limit=limit)
    ]


@router.get("/runs/{run_id}", response_model=RunInfo)
@heavy
def run(request: Request, run_id: int, c: Caller = Depends(caller)):
    return _run_info(_store(request).get_run(c.actor, run_id))


@router.post("/runs/{run_id}/cancel", response_model=RunInfo)
def cancel(request: Request, run_id: int, c: Caller = Depends(analyst)):
    return _run_info(_store(request).cancel_run(c.actor, run_id))


@router.get("/tokens", response_model=list[TokenInfo])
def tokens(request: Request, c: Caller = Depends(caller)):
    return [
        TokenInfo.model_validate(t, from_attributes=True)
        for t in _store(request).list_tokens(c.actor)
    ]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def new_token(request: Request, body: NewToken, c: Caller = Depends(checked_caller)):
    tok, plain = _store(request).create_token(c.actor, body.name)
    return TokenCreated(
        token=plain, **TokenInfo.model_validate(tok, from_attributes=True).model_dump()
    )


@router.delete("/tokens/{token_id}", status_code=204)
def revoke(request: Request, token_id: int, c: Caller = Depends(checked_caller)):
    _store(request).revoke_token(c.actor, token_id)


@router.get("/examples")
def examples(c: Caller = Depends(caller)) -> dict[str, list[str]]:
    from ...model import example_names

    return {
        "models": example_names(),
        "appraisals": ["falls-prevention", "balsall-heath"],
        "surveys": ["five-nation"],
    }


__all__ = ["router"]
