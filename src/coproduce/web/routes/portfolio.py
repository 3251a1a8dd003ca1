"""Portfolios in the workspace: several of the organisation's strategy maps sharing one
community's time and one enabling budget (``coproduce portfolio``), run in the background.

The form holds a portfolio file whose services name the organisation's maps (``model: <the
map's name>``) or bundled examples; each named map's latest version is copied into the run,
so the run shows exactly what was analysed even after the maps change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ...analyses.portfolio import (
    ANALYSIS,
    EXAMPLE,
    MAX_DRAWS,
    plan_frame,
    pools_frame,
    services_frame,
)
from ...errors import BadInput, Issue
from ..runner import register_page
from ..security import Caller, analyst, caller, off_loop
from ..templating import render

router = APIRouter(include_in_schema=False)
MAX_PORTFOLIO_CHARS = 200_000  # a portfolio of many services is a few kilobytes
FIELDS = {
    "source": "Portfolio",
    "text": "Portfolio file",
    "objective": "Least cost to whom",
    "draws": "Monte Carlo draws",
    "seed": "Seed",
}


def starter(maps) -> str:
    """A portfolio file naming the organisation's maps (up to six), each with its own
    targets and a shared pool of volunteer hours, for the form to start from (YAML)."""
    refs = {f"service_{k}": _yaml_text(m.name) for k, m in enumerate(maps[:6], start=1)} or {
        "older": '"example:older-people"',
        "safety": '"example:neighbourhood-safety"',
    }
    pooled = ", ".join(f"{name}: volunteer_hour" for name in refs)
    return (
        "\n".join(
            [
                "coproduce_portfolio: 1",
                "name: Our services",
                "services:         # each service: a map of this workspace, by its name",
                *(f"  {name}: {{model: {ref}}}" for name, ref in refs.items()),
                "pools:            # shared time: replaces each listed resource's own figure",
                "  volunteers:",
                f"    resources: {{{pooled}}}",
                "    available: 40000",
                "budgets: {}       # optional: {public: 2500000}",
            ]
        )
        + "\n"
    )


def _yaml_text(name: str) -> str:
    import json

    return json.dumps(name, ensure_ascii=False)


def _parse(text: str) -> dict:
    from ...model.files import parse_text

    data = parse_text(
        text, fmt="json" if text.lstrip().startswith("{") else "yaml", file="portfolio"
    )
    if not isinstance(data, dict):
        raise BadInput(
            [Issue("text", "a portfolio file is a mapping; start it with 'coproduce_portfolio: 1'")]
        )
    return data


def stored_maps(store, actor, data: dict) -> dict[str, dict]:
    """The latest version of each of the organisation's maps the portfolio names, by name
    (bundled examples are left to the analysis)."""
    by_name = {m.name: m for m in store.list_models(actor)}
    out: dict[str, dict] = {}
    for svc in (data.get("services") or {}).values():
        ref = svc.get("model") if isinstance(svc, dict) else None
        if isinstance(ref, str) and ref in by_name and ref not in out:
            out[ref] = store.get_version(actor, by_name[ref].id, None).data
    return out


def _whole(text: str, field: str, low: int, high: int, issues: list[Issue]) -> int:
    t = (text or "").strip().replace(",", "")
    if not t.isdigit() or len(t) > 9 or not low <= int(t) <= high:
        issues.append(Issue(field, f"give a whole number from {low:,} to {high:,}"))
        return low
    return int(t)


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    from ...portfolio.words import TIER_WORDS

    cur = result.get("currency", "GBP")
    return {
        "cur": cur,
        "tier_words": TIER_WORDS,
        "services": services_frame(result),
        "plan_rows": plan_frame(result),
        "pools": pools_frame(result),
    }


register_page("portfolio", "run_portfolio.html", view)


def _page(request: Request, c: Caller, issues=None, values=None, status: int = 200):
    store = request.app.state.store
    maps = store.list_models(c.actor)
    runs = store.list_runs(c.actor, kind="portfolio")
    defaults = {
        "source": "example",
        "text": starter(maps),
        "objective": "public",
        "draws": "1000",
        "seed": "1",
    }
    return render(
        request,
        "portfolios.html",
        status_code=status,
        runs=runs,
        maps=maps,
        issues=issues,
        fields=FIELDS,
        values={**defaults, **(values or {})},
        max_draws=MAX_DRAWS,
        max_chars=MAX_PORTFOLIO_CHARS,
    )


@router.get("/portfolios")
def portfolios(request: Request, c: Caller = Depends(caller)):
    return _page(request, c)


@router.post("/portfolios")
async def start(request: Request, c: Caller = Depends(analyst)):
    form = {k: str(x) for k, x in (await request.form()).items()}
    store = request.app.state.store
    issues: list[Issue] = []
    draws = _whole(form.get("draws", "0"), "draws", 0, MAX_DRAWS, issues)
    seed = _whole(form.get("seed", "1"), "seed", 0, 2**31 - 1, issues)
    objective = form.get("objective", "public")
    if draws == 1:
        issues.append(Issue("draws", "give 0 (no Monte Carlo) or 2 or more draws"))
    inputs: dict[str, Any] = {"objective": objective, "draws": draws}
    source = form.get("source", "example")
    text = form.get("text", "")
    status = 422
    if not issues:
        try:
            if source == "file":
                if len(text) > MAX_PORTFOLIO_CHARS:
                    raise BadInput(
                        [
                            Issue(
                                "text",
                                f"a portfolio file has at most {MAX_PORTFOLIO_CHARS:,} characters",
                            )
                        ]
                    )
                data = await off_loop(_parse, text, field="text")
                inputs["portfolio"] = data
                inputs["models"] = await run_in_threadpool(stored_maps, store, c.actor, data)
            else:
                inputs["portfolio"] = f"example:{EXAMPLE}"
            inputs = await off_loop(ANALYSIS.validate, inputs, None, field="text")
        except BadInput as exc:
            issues.extend(exc.issues)
            status = exc.http_status
    if issues:
        return _page(request, c, issues, form, status)

    def create():
        run = store.create_run(c.actor, "portfolio", inputs, seed=seed)
        request.app.state.worker.submit(run.id, wait=0.5)
        return run

    run = await run_in_threadpool(create)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
