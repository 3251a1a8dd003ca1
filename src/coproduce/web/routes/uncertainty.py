"""Uncertainty and value of information on a stored map: Monte Carlo draws propagated to each
option (``coproduce uncertainty``), net benefit, probability best and EVPPI, in the background.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...model.errors import Issue, ModelError, did_you_mean
from ..modelcache import loaded, open_version
from ..runner import Analysis, Report, RunContext, register
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)
MAX_DRAWS = 20_000
DEFAULT_DRAWS = 2_000
CHUNK = 1_024  # draws propagated at once: progress between chunks; results do not depend on it
MODES = {"target": "each intervention scaled to reach the target",
         "spend": "each intervention at the same public spend",
         "scenarios": "the model's scenarios as portfolios (baseline and each scenario)"}


def check_inputs(model, i: dict[str, Any]) -> None:
    """Raise ModelError naming every field of ``i`` that cannot be run on ``model``."""
    issues = []
    outcome = i.get("outcome", "")
    if outcome not in model.outcomes:
        issues.append(Issue("outcome", f"unknown outcome '{outcome}'"
                            + did_you_mean(outcome, model.outcomes)))
    if not (isinstance(i.get("amount"), (int, float)) and math.isfinite(i["amount"])
            and i["amount"] > 0):
        issues.append(Issue("amount", "give a target amount above 0"))
    wtp = i.get("wtp")
    if not (isinstance(wtp, (int, float)) and math.isfinite(wtp) and wtp >= 0):
        issues.append(Issue("wtp", "willingness to pay must be a finite amount of 0 or more"))
    if not (isinstance(i.get("draws"), int) and 2 <= i["draws"] <= MAX_DRAWS):
        issues.append(Issue("draws", f"give between 2 and {MAX_DRAWS:,} draws"))
    if not (isinstance(i.get("seed"), int) and 0 <= i["seed"] < 2**31):
        issues.append(Issue("seed", "give a whole number from 0 to 2,147,483,647"))
    mode = i.get("mode")
    if mode not in MODES:
        issues.append(Issue("mode", f"use one of {', '.join(MODES)}"))
    spend = i.get("spend")
    if mode == "spend" and not (isinstance(spend, (int, float)) and math.isfinite(spend)
                                and spend > 0):
        issues.append(Issue("spend", "the same-spend comparison needs a public spend above 0"))
    if mode == "scenarios" and not model.scenarios:
        issues.append(Issue("mode", "this map defines no scenarios to compare as portfolios"))
    if issues:
        raise ModelError(issues)


def _table(ctx: RunContext, progress: bool):
    from ...engine.simulate import simulate

    i = ctx.inputs
    model = ctx.model()

    def tick(done: int, total: int) -> None:
        ctx.progress(0.05 + 0.45 * done / total, f"drawing: {done:,} of {total:,} draws")

    return simulate(model, (i["outcome"], float(i["amount"])), int(i["draws"]), int(ctx.seed),
                    mode=i["mode"], spend=i.get("spend") if i["mode"] == "spend" else None,
                    evidence_priors=bool(i.get("evidence_priors")), chunk=CHUNK,
                    progress=tick if progress else None)


def _analysed(ctx: RunContext, progress: bool = False):
    from ...voi.analysis import analyse

    table = _table(ctx, progress)
    if progress:
        ctx.progress(0.55, "value of information: EVPI, EVPPI of each input, tornado")
    return table, analyse(table, float(ctx.inputs["wtp"]))


def compute(ctx: RunContext) -> dict[str, Any]:
    result = _analysed(ctx, progress=True)[1]
    ctx.progress(0.97, "storing the result")
    return result.to_dict()


def html_report(ctx: RunContext, _r: dict) -> bytes:
    """The report of ``coproduce uncertainty --out``; the draws are made again from the seed
    (bit-identical), so the report shows exactly the stored figures."""
    import tempfile
    from pathlib import Path

    from ...reports.uncertainty import write_report

    table, result = _analysed(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "uncertainty.html"
        write_report(result, table, path)
        return path.read_bytes()


def options_frame(result: dict) -> pd.DataFrame:
    """Each option: probability best, net benefit mean and 95% interval, effect and cost."""
    rows = []
    for o in result["options"]:
        s = result["summary"][o]
        nb = s["net_benefit"]
        rows.append({"option": o, "prob_best": s["prob_best"], "net_benefit_mean": nb["mean"],
                     "net_benefit_low": nb["low"], "net_benefit_high": nb["high"],
                     "effect_mean": (s.get("effect") or {}).get("mean"),
                     "cost_mean": (s.get("cost") or {}).get("mean"),
                     "volumes": "; ".join(f"{k}={v:.6g}" for k, v in
                                          ((result.get("volumes") or {}).get(o) or {}).items())})
    frame = pd.DataFrame(rows)
    return frame.sort_values("net_benefit_mean", ascending=False, kind="stable")


def evppi_frame(result: dict) -> pd.DataFrame:
    groups = result.get("evppi_groups") or {}
    return pd.DataFrame([{"input": k, "evppi": v, "group": k in groups}
                         for k, v in result["evppi"].items()],
                        columns=["input", "evppi", "group"])


def ceac_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame([{"wtp": row["wtp"], "option": o, "prob_best": p,
                          "best_expected": row["best_expected"] == o}
                         for row in result["ceac"] for o, p in row["prob_best"].items()],
                        columns=["wtp", "option", "prob_best", "best_expected"])


CSV_TABLES = {"options": options_frame, "evppi": evppi_frame, "ceac": ceac_frame}


def describe(model, name: str) -> str:
    """An input in words with the map's labels: 'the effect of Befriending on Loneliness-free
    years', 'the unit cost of Volunteer hour'."""
    import re

    from ...reports.uncertainty import describe_input

    m = re.fullmatch(r"links\[(\w+)->(\w+)\]\.effect( \[\w+\])?", name)
    if m:
        return f"the effect of {model.label_of(m[1])} on {_lower(model.label_of(m[2]))}" \
            + (m[3] or "")
    if name.startswith("all inputs of "):
        return f"all inputs of {model.label_of(name[len('all inputs of '):])}"
    text = describe_input(name)
    parts = name.split(".")
    if len(parts) >= 2 and parts[1] in {**model.interventions, **model.outcomes,
                                        **model.resources}:
        text = text.replace(parts[1], model.label_of(parts[1]))
    if len(parts) == 4 and parts[3] in model.resources:
        text = text.replace(f"the {parts[3]} ", f"the {_lower(model.label_of(parts[3]))} ")
    return text


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def summary_sentence(result: dict, model) -> str:
    """The report's plain-language summary, from the stored result, with the map's labels."""
    from ...reports.uncertainty import _money

    cur = result.get("currency", "")
    best_id = result["best_option"]
    best = model.label_of(best_id) if best_id in model.interventions else best_id
    s = result["summary"][best_id]
    t = result.get("target")
    what = (f"reaching {t['amount']:,.4g} {t['unit']}s of {_lower(model.label_of(t['outcome']))}"
            if t
            else "this decision")
    text = (f"For {what}, valuing each unit at {_money(result['wtp'], cur)}, the option with "
            f"the highest expected net benefit is {best} "
            f"({_money(s['net_benefit']['mean'], cur)}); it is the best option in "
            f"{s['prob_best']:.0%} of {result['n_draws']:,} draws. Resolving all uncertainty "
            f"would be worth {_money(result['evpi'], cur)} per decision (EVPI).")
    top = result.get("most_valuable_input")
    if top:
        text += (f" The evidence most worth paying for is {describe(model, top)}: learning it "
                 f"exactly would be worth {_money(result['evppi'][top], cur)} (EVPPI).")
    else:
        text += " No single input changes the decision: more evidence on one input alone is "\
                "not worth paying for."
    return text


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, _cm = loaded(version)
    ev = evppi_frame(result)
    # regression EVPPI of an input that cannot change the decision is ~0 plus numerical dust
    floor = max(1e-6 * abs(result["evpi"]), 0.005)
    worth = ev[ev["evppi"] > floor].head(15)
    top = float(worth["evppi"].max()) if len(worth) else 1.0
    return {"model": model, "summary_text": summary_sentence(result, model),
            "options": options_frame(result), "evppi": worth, "evppi_zero": int(
                (ev["evppi"] <= floor).sum()), "evppi_top": top,
            "describe": lambda name: describe(model, name),
            "label": lambda o: model.label_of(o) if o in model.interventions else o,
            "mode_words": MODES.get(result.get("mode", ""), "")}


register(Analysis(kind="uncertainty", title="Uncertainty and value of information",
                  compute=compute, template="run_uncertainty.html", view=view,
                  reports=(Report("html", "text/html", html_report),)))


def _number(form: dict[str, str], name: str, issues: list[Issue], *, whole: bool = False,
            default: float | None = None) -> Any:
    text = form.get(name, "").strip()
    if text == "":
        if default is None:
            issues.append(Issue(name, "required"))
        return default
    try:
        return int(text) if whole else float(text)
    except ValueError:
        issues.append(Issue(name, f"'{text}' is not a {'whole ' if whole else ''}number"))
        return None


def start(request: Request, c: Caller, model_id: int, version: int | None,
          inputs: dict[str, Any]):
    """Check the inputs, store the run and queue it; returns the run (nothing stored when the
    inputs are invalid)."""
    store = request.app.state.store
    c.actor.require("analyst")
    m, v, model, _cm = open_version(store, c.actor, model_id, version)
    check_inputs(model, inputs)
    stored = {k: inputs[k] for k in ("outcome", "amount", "wtp", "draws", "mode",
                                     "evidence_priors")}
    if inputs["mode"] == "spend":
        stored["spend"] = inputs["spend"]
    stored.update(model_name=m.name, version=v.number)
    run = store.create_run(c.actor, "uncertainty", stored, model_version_id=v.id,
                           seed=inputs["seed"])
    request.app.state.worker.submit(run.id, wait=0.5)
    return run


@router.get("/models/{model_id}/uncertainty")
def uncertainty_form(request: Request, model_id: int, version: int | None = None,
                     c: Caller = Depends(caller)):
    m, v, model, _cm = open_version(request.app.state.store, c.actor, model_id, version)
    return _form(request, m, v, model, None, {})


def _form(request: Request, m, v, model, issues, values: dict, status: int = 200):
    final = next((o for o, x in model.outcomes.items() if x.final), next(iter(model.outcomes)))
    outcome = values.get("outcome") or (next(iter(model.targets)) if model.targets else final)
    defaults = {"outcome": outcome, "amount": model.targets.get(outcome, 100),
                "wtp": "", "draws": DEFAULT_DRAWS, "seed": 1, "mode": "target", "spend": "",
                "evidence_priors": True}
    return render(request, "uncertainty.html", status_code=status, m=m, v=v, model=model,
                  issues=issues, bad={i.path for i in issues or ()}, modes=MODES,
                  values={**defaults, **values}, max_draws=MAX_DRAWS)


@router.post("/models/{model_id}/uncertainty")
async def uncertainty_run(request: Request, model_id: int, c: Caller = Depends(analyst)):
    store = request.app.state.store
    form = {k: str(x) for k, x in (await request.form()).items()}
    issues: list[Issue] = []
    number = _number(form, "version", [], whole=True, default=0) or None
    m, v, model, _cm = open_version(store, c.actor, model_id, number)
    mode = form.get("mode", "target")
    inputs = {"outcome": form.get("outcome", ""),
              "amount": _number(form, "amount", issues),
              "wtp": _number(form, "wtp", issues),
              "draws": _number(form, "draws", issues, whole=True, default=DEFAULT_DRAWS),
              "seed": _number(form, "seed", issues, whole=True, default=1),
              "mode": mode,
              "spend": _number(form, "spend", issues if mode == "spend" else [], default=0.0),
              "evidence_priors": form.get("evidence_priors") in ("on", "true", "1")}
    try:
        check_inputs(model, inputs)
    except ModelError as exc:
        known = {i.path for i in issues}
        issues.extend(i for i in exc.issues if i.path not in known)
    if issues:
        return _form(request, m, v, model, issues, {**inputs, **{
            k: form.get(k, "") for k in ("amount", "wtp", "draws", "seed", "spend")}},
            status=422)
    run = start(request, c, model_id, v.number, inputs)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
