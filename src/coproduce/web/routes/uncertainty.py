"""Uncertainty and value of information on a stored map: Monte Carlo draws propagated to each
option (``coproduce uncertainty``), net benefit, probability best and EVPPI, in the background;
with each option's caveats and fit, the beliefs as sensitivity analyses, the valuation of
users' and communities' time (``time_value``, ``time_value_per_hour``) and the evidence
standard (``min_evidence``) — the optional inputs are stored only when given, so older runs
keep their inputs and their figures.
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
MAX_STUDY_BYTES = 100_000  # a study file: a few studies need a few hundred bytes
CHUNK = 1_024  # draws propagated at once: progress between chunks; results do not depend on it
MODES = {
    "target": "each intervention scaled to reach the target",
    "spend": "each intervention at the same public spend",
    "scenarios": "the model's decision scenarios as portfolios (baseline and each)",
}
OPTIONAL = ("time_value", "time_value_per_hour", "min_evidence", "study")
STUDY_EXAMPLE = """population: 1        # people (or decisions) the decision affects a year
horizon: 10          # years
studies:
  pilot:
    design: pilot
    link: FROM->TO
    n: [50, 100, 200, 400]
    fixed_cost: 20000
    cost_per_participant: 150
agenda: {fixed_cost: 20000, cost_per_participant: 150}
"""


def _decisions(model) -> list[str]:
    return [k for k, sc in model.scenarios.items() if sc.kind != "belief"]


def check_inputs(model, i: dict[str, Any]) -> None:
    """Raise ModelError naming every field of ``i`` that cannot be run on ``model``."""
    issues = []
    outcome = i.get("outcome", "")
    if outcome not in model.outcomes:
        issues.append(
            Issue("outcome", f"unknown outcome '{outcome}'" + did_you_mean(outcome, model.outcomes))
        )
    if not (
        isinstance(i.get("amount"), (int, float)) and math.isfinite(i["amount"]) and i["amount"] > 0
    ):
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
    if mode == "spend" and not (
        isinstance(spend, (int, float)) and math.isfinite(spend) and spend > 0
    ):
        issues.append(Issue("spend", "the same-spend comparison needs a public spend above 0"))
    if mode == "scenarios" and not _decisions(model):
        issues.append(
            Issue(
                "mode",
                "this map defines no decision scenarios to compare as "
                "portfolios (beliefs are sensitivity analyses, never options)",
            )
        )
    tv = i.get("time_value")
    if tv not in (None, ""):
        from ...model.time_value import AS_STATED, bases

        known = [*bases(model), AS_STATED]
        if tv not in known:
            issues.append(
                Issue(
                    "time_value",
                    f"unknown valuation of time '{tv}'"
                    + did_you_mean(str(tv), known)
                    + f"; choose one of {', '.join(known)}",
                )
            )
    per_hour = i.get("time_value_per_hour")
    if per_hour is not None and not (
        isinstance(per_hour, (int, float)) and math.isfinite(per_hour) and per_hour >= 0
    ):
        issues.append(Issue("time_value_per_hour", "give a value of an hour of 0 or more"))
    grade = i.get("min_evidence")
    if grade is not None and not (isinstance(grade, int) and 1 <= grade <= 5):
        issues.append(Issue("min_evidence", "an evidence grade is 1 to 5"))
    study = i.get("study")
    if study not in (None, ""):
        if not isinstance(study, str):
            issues.append(Issue("study", "a study file is YAML or JSON text"))
        else:
            try:
                study_plan_of(model, i)
            except ModelError as exc:
                issues.extend(Issue("study", str(x)) for x in exc.issues)
    if issues:
        raise ModelError(issues)


def study_plan_of(model, i: dict[str, Any]):
    """The run's study plan (voi/studyfile.py) from the study file's text in the inputs,
    checked against ``model`` (which links and quantities exist and are uncertain with the
    run's evidence priors); None when the run weighs no study."""
    text = i.get("study")
    if not text:
        return None
    from ...voi.studyfile import parse_study_text

    fmt = "json" if text.lstrip().startswith("{") else "yaml"
    return parse_study_text(text, model, evidence_priors=bool(i.get("evidence_priors")), fmt=fmt)


def run_model(ctx: RunContext):
    """The run's model as ``coproduce uncertainty`` reads it: scenarios applied, then the
    valuation of users' and communities' time (the model's own basis unless one is given)."""
    from ...model.time_value import choose_time_value

    i = ctx.inputs
    return choose_time_value(ctx.model(), i.get("time_value") or None, i.get("time_value_per_hour"))


def _table(ctx: RunContext, progress: bool):
    from ...engine.simulate import belief_names, simulate

    i = ctx.inputs
    model = run_model(ctx)

    def tick(done: int, total: int) -> None:
        ctx.progress(0.05 + 0.45 * done / total, f"drawing: {done:,} of {total:,} draws")

    # every belief is a sensitivity analysis, except one the run already applies
    beliefs = [b for b in belief_names(model) if b not in ctx.scenarios]
    return simulate(
        model,
        (i["outcome"], float(i["amount"])),
        int(i["draws"]),
        int(ctx.seed),
        mode=i["mode"],
        spend=i.get("spend") if i["mode"] == "spend" else None,
        evidence_priors=bool(i.get("evidence_priors")),
        chunk=CHUNK,
        progress=tick if progress else None,
        beliefs=beliefs,
        min_evidence=i.get("min_evidence"),
    )


def _analysed(ctx: RunContext, progress: bool = False):
    from ...voi.analysis import analyse

    table = _table(ctx, progress)
    model = run_model(ctx)
    plan = study_plan_of(model, ctx.inputs)
    if progress:
        ctx.progress(
            0.55,
            "value of information: EVPI, EVPPI of each input, tornado"
            + ("; EVSI and ENBS of each study, the research agenda" if plan else ""),
        )
    return table, analyse(
        table, float(ctx.inputs["wtp"]), studies=plan, model=model, seed=int(ctx.seed or 1)
    )


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
        write_report(result, table, path, labels=_labels(run_model(ctx)))
        return path.read_bytes()


def _labels(model) -> dict[str, str]:
    """The model's names for the report's sentences: every id the result may name."""
    from ..templating import labels as resolver

    lab = resolver(model)
    ids = (
        *model.interventions,
        *model.outcomes,
        *model.resources,
        *model.scenarios,
        *model.agencies,
        *model.sectors,
    )
    return {i: lab(i) for i in ids}


def options_frame(result: dict) -> pd.DataFrame:
    """Each option: probability best, net benefit mean and 95% interval, effect and cost, and
    (when the result has them) whether it fits and its caveats."""
    from ...reports.uncertainty import why_not_fit

    rows = []
    for o in result["options"]:
        s = result["summary"][o]
        nb = s["net_benefit"]
        row = {
            "option": o,
            "prob_best": s["prob_best"],
            "net_benefit_mean": nb["mean"],
            "net_benefit_low": nb["low"],
            "net_benefit_high": nb["high"],
            "effect_mean": (s.get("effect") or {}).get("mean"),
            "cost_mean": (s.get("cost") or {}).get("mean"),
            "volumes": "; ".join(
                f"{k}={v:.6g}" for k, v in ((result.get("volumes") or {}).get(o) or {}).items()
            ),
        }
        if "fits" in s:
            row.update(
                fits=s["fits"],
                why_not_fit=why_not_fit(result, o),
                flags=";".join(s.get("flags") or []),
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("net_benefit_mean", ascending=False, kind="stable")


def evppi_frame(result: dict) -> pd.DataFrame:
    groups = result.get("evppi_groups") or {}
    se, r2 = result.get("evppi_se") or {}, result.get("evppi_r2") or {}
    extra = ["se", "r2"] if se else []
    return pd.DataFrame(
        [
            {
                "input": k,
                "evppi": v,
                "group": k in groups,
                **({"se": se.get(k), "r2": r2.get(k)} if se else {}),
            }
            for k, v in result["evppi"].items()
        ],
        columns=["input", "evppi", "group", *extra],
    )


def studies_frame(result: dict) -> pd.DataFrame:
    """Each study at each size (the report's studies.csv)."""
    from ...reports.uncertainty import studies_frame as frame

    return frame(result)


def agenda_frame(result: dict) -> pd.DataFrame:
    """The research agenda (the report's agenda.csv)."""
    from ...reports.uncertainty import agenda_frame as frame

    return frame(result)


def ceac_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "wtp": row["wtp"],
                "option": o,
                "prob_best": p,
                "best_expected": row["best_expected"] == o,
            }
            for row in result["ceac"]
            for o, p in row["prob_best"].items()
        ],
        columns=["wtp", "option", "prob_best", "best_expected"],
    )


def beliefs_frame(result: dict) -> pd.DataFrame:
    """Each belief run as a sensitivity analysis: its most likely best option and whether it
    differs from the main run's."""
    return pd.DataFrame(
        [
            {
                "belief": k,
                "label": b["label"],
                "most_likely_best": b["most_likely_best"],
                "prob_best": b["summary"][b["most_likely_best"]]["prob_best"],
                "changes_most_likely_best": b["changes_most_likely_best"],
                "best_that_fits": b.get("best_that_fits"),
            }
            for k, b in (result.get("beliefs") or {}).items()
        ],
        columns=[
            "belief",
            "label",
            "most_likely_best",
            "prob_best",
            "changes_most_likely_best",
            "best_that_fits",
        ],
    )


def input_words(i: dict[str, Any], model) -> list[str]:
    """The run's inputs in words (see :func:`..runs.inputs_words`): "target: 40 more years
    lived independently at home; willingness to pay £20,000 per person-year; 2,000 draws"."""
    from ... import formatting as fmt
    from ..templating import evidence_input, target_words, time_value_input

    currency = getattr(model, "currency", "GBP")
    outcome = i["outcome"]
    unit = (
        model.outcomes[outcome].unit if model is not None and outcome in model.outcomes else None
    ) or "unit"
    words = [
        f"target: {target_words(outcome, i['amount'], model)}",
        f"willingness to pay {fmt.money(i['wtp'], currency)} per {unit}",
        "options: " + MODES.get(i.get("mode", ""), str(i.get("mode", ""))),
    ]
    if i.get("mode") == "spend" and i.get("spend") is not None:
        words.append(f"public spend {fmt.money(i['spend'], currency)} each")
    words += [
        fmt.count(int(i["draws"]), "draw"),
        "evidence priors: " + ("yes" if i.get("evidence_priors") else "no"),
    ]
    words += [w for w in (time_value_input(i, model), evidence_input(i.get("min_evidence"))) if w]
    if i.get("study"):
        words.append(study_input_words(i, model))
    return words


def study_input_words(i: dict[str, Any], model) -> str:
    """The study file of a run in words: 'studies weighed: a pilot of Peer support groups;
    with the research agenda'."""
    from ...formatting import count
    from ...presentation.labels import Labels
    from ...reports.uncertainty import study_title

    try:
        plan = study_plan_of(model, i) if model is not None else None
    except ModelError:
        plan = None
    if plan is None:
        return "a study file"
    lab = Labels(model)
    names = [
        study_title(
            {
                "design": s.design,
                "label": s.label,
                "informs": list(s.pars),
                "intervention": _study_intervention(model, s.pars),
            },
            lab,
        )
        for s in plan.studies
    ]
    text = ("studies weighed: " + "; ".join(names)) if names else "no study named"
    text += (
        f" (for {count(plan.population, 'person or decision')} a year over "
        f"{count(plan.horizon, 'year')})"
        if not isinstance(plan.population, tuple)
        else ""
    )
    if plan.agenda is not None:
        text += "; with the research agenda"
    return text


def _study_intervention(model, pars) -> str | None:
    from ...voi.studyfile import _intervention

    return _intervention(model, pars)


CSV_TABLES = {
    "options": options_frame,
    "evppi": evppi_frame,
    "ceac": ceac_frame,
    "beliefs": beliefs_frame,
    "studies": studies_frame,
    "agenda": agenda_frame,
}


def describe(model, name: str) -> str:
    """An input in words with the map's labels: 'the effect of Befriending on Loneliness-free
    years', 'the unit cost of Volunteer hour', 'all inputs of Telecare'."""
    from ..templating import labels

    lab = labels(model)
    if name.startswith("all inputs of "):
        return f"all inputs of {lab(name[len('all inputs of ') :])}"
    return lab.path(name)


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def option_name(model, option: str) -> str:
    """An option as a reader names it: an intervention's or a scenario's label, or
    'the baseline' (the portfolio the map runs today)."""
    from ..templating import labels

    if option == "baseline":
        return "Baseline (today's services)"
    return labels(model)(option)


def why_not_fit(result: dict, option: str, model) -> str:
    """What stops an option fitting, in words ('' when it fits or the result does not say)."""
    from ..templating import over_capacity_words, shortfall_words

    cav = (result.get("caveats") or {}).get(option) or {}
    parts = [
        shortfall_words(rid, x["needed"], x["available"], model)
        for rid, x in (cav.get("resources_short") or {}).items()
    ]
    parts += [
        over_capacity_words(iid, x["volume"], x["capacity"], model)
        for iid, x in (cav.get("over_capacity") or {}).items()
    ]
    return "; ".join(parts)


def summary_sentence(result: dict, model) -> str:
    """The report's plain-language summary, from the stored result, with the map's labels;
    an option that does not fit is never called best without saying so."""
    from ... import formatting as fmt
    from ...reports.uncertainty import NOT_FIT, caveat_sentences, fits_of
    from ..templating import target_words

    cur = result.get("currency", "")
    best_id = result["best_option"]
    best = option_name(model, best_id)
    s = result["summary"][best_id]
    t = result.get("target")
    what = (
        f"reaching {target_words(t['outcome'], t['amount'], model, more=False)}"
        if t
        else "this decision"
    )
    unit = (t or {}).get("unit") or "unit"
    why = why_not_fit(result, best_id, model)
    mark = (
        f" — it does not fit: it {why}"
        if why
        else (f" — it {NOT_FIT}" if fits_of(result, best_id) is False else "")
    )
    text = (
        f"For {what}, valuing each {unit} at {fmt.money(result['wtp'], cur)}, the option "
        f"with the highest expected net benefit is {best} "
        f"({fmt.money(s['net_benefit']['mean'], cur)}){mark}; it is the best option in "
        f"{fmt.percent(s['prob_best'])} of {fmt.count(result['n_draws'], 'draw')}. "
    )
    text += " ".join(caveat_sentences(result, _labels(model)))
    text += (
        f" Resolving all uncertainty would be worth {fmt.money(result['evpi'], cur)} per "
        "decision (EVPI)."
    )
    top = result.get("most_valuable_input")
    if top:
        text += (
            f" The evidence most worth paying for is {describe(model, top)}: learning it "
            f"exactly would be worth {fmt.money(result['evppi'][top], cur)} (EVPPI)."
        )
    else:
        text += (
            " No single input changes the decision: more evidence on one input alone is "
            "not worth paying for."
        )
    studies = result.get("studies") or {}
    if studies:
        from ...presentation.labels import Labels
        from ...reports.uncertainty import study_sentence

        best = max(studies.values(), key=lambda st: st["best_enbs"])
        text += " " + study_sentence(best, cur, Labels(model))
    return text.replace("  ", " ")


def volume_words(result: dict, option: str, model) -> str:
    """The volumes an option runs at, in words (target and same-spend options scale one
    intervention); a portfolio of a scenario is described as such."""
    from ..templating import amount_words

    if result.get("mode") == "scenarios":
        return "as in the scenario" if option != "baseline" else "as today"
    vols = (result.get("volumes") or {}).get(option) or {}
    return "; ".join(
        amount_words(x, model.interventions[k].unit if k in model.interventions else None)
        for k, x in vols.items()
    )


def view(request: Request, run, result: dict, version) -> dict[str, Any]:
    model, _cm = loaded(version)
    ev = evppi_frame(result)
    # regression EVPPI of an input that cannot change the decision is ~0 plus numerical dust
    floor = max(1e-6 * abs(result["evpi"]), 0.005)
    worth = ev[ev["evppi"] > floor].head(15)
    top = float(worth["evppi"].max()) if len(worth) else 1.0
    from ...reports.uncertainty import belief_sentences, evidence_sentences, time_sentences
    from ..templating import labels

    lab = labels(model)
    names = {**_labels(model), "baseline": option_name(model, "baseline")}
    tv = result.get("time_value_switching") or {}
    dropped = (result.get("min_evidence") or {}).get("links_dropped") or []
    return {
        **_study_view(result, model),
        "model": model,
        "summary_text": summary_sentence(result, model),
        "options": options_frame(result),
        "evppi": worth,
        "evppi_zero": int((ev["evppi"] <= floor).sum()),
        "evppi_top": top,
        "describe": lambda name: describe(model, name),
        "label": lambda o: option_name(model, o),
        "volume_words": lambda o: volume_words(result, o, model),
        "mode_words": MODES.get(result.get("mode", ""), ""),
        "why_not_fit": lambda o: why_not_fit(result, o, model),
        "time_words": time_sentences(result, names),
        "time_tiling": tv.get("most_likely_best") or [],
        "belief_words": belief_sentences(result, names),
        "evidence_words": evidence_sentences(result, names),
        "links_dropped": [" → ".join(lab(n) for n in lk.split("->")) for lk in dropped],
    }


def _study_view(result: dict, model) -> dict[str, Any]:
    """What the run page shows of the studies and the research agenda (empty without)."""
    from markupsafe import Markup

    from ...formatting import count
    from ...presentation.labels import Labels
    from ...presentation.words import capital
    from ...reports.uncertainty import (
        agenda_sentences,
        agenda_shown,
        study_charts,
        study_sentences,
        study_size,
        study_title,
    )

    studies = result.get("studies") or {}
    if not studies and result.get("research_agenda") is None:
        return {"studies": [], "agenda_rows": [], "agenda_words": [], "study_words": []}
    lab = Labels(model)
    evsi_svg, enbs_svg = study_charts(result, lab)
    shown, rest = agenda_shown(result)
    return {
        "studies": [
            {
                "title": capital(study_title(st, lab)),
                "points": [
                    {
                        **p,
                        "size": study_size(st, p["n"]).split(" ", 1)[1],
                        "best": p["n"] == st["best_n"],
                    }
                    for p in st["points"]
                ],
            }
            for st in studies.values()
        ],
        "study_words": study_sentences(result, lab),
        "evsi_chart": Markup(evsi_svg),
        "enbs_chart": Markup(enbs_svg),
        "agenda_rows": [
            {
                **r,
                "grade_words": "ungraded" if r["grade"] is None else f"{r['grade']} of 5",
                "recommended": capital(f"{r['design']} with {count(r['best_n'], 'participant')}")
                if r["worth_commissioning"]
                else "None: no study of the sizes weighed repays its cost",
            }
            for r in shown
        ],
        "agenda_rest": rest,
        "agenda_words": agenda_sentences(result, lab),
    }


register(
    Analysis(
        kind="uncertainty",
        title="Uncertainty and value of information",
        compute=compute,
        template="run_uncertainty.html",
        view=view,
        reports=(Report("html", "text/html", html_report),),
    )
)


def _number(
    form: dict[str, str],
    name: str,
    issues: list[Issue],
    *,
    whole: bool = False,
    default: float | None = None,
) -> Any:
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


def start(request: Request, c: Caller, model_id: int, version: int | None, inputs: dict[str, Any]):
    """Check the inputs, store the run and queue it; returns the run (nothing stored when the
    inputs are invalid)."""
    store = request.app.state.store
    c.actor.require("analyst")
    m, v, model, _cm = open_version(store, c.actor, model_id, version)
    check_inputs(model, inputs)
    stored = {
        k: inputs[k] for k in ("outcome", "amount", "wtp", "draws", "mode", "evidence_priors")
    }
    if inputs["mode"] == "spend":
        stored["spend"] = inputs["spend"]
    # given only: a run without them keeps the inputs (and the figures) runs always had
    stored.update({k: inputs[k] for k in OPTIONAL if inputs.get(k) not in (None, "")})
    stored.update(model_name=m.name, version=v.number)
    run = store.create_run(
        c.actor, "uncertainty", stored, model_version_id=v.id, seed=inputs["seed"]
    )
    request.app.state.worker.submit(run.id, wait=0.5)
    return run


@router.get("/models/{model_id}/uncertainty")
def uncertainty_form(
    request: Request, model_id: int, version: int | None = None, c: Caller = Depends(caller)
):
    m, v, model, _cm = open_version(request.app.state.store, c.actor, model_id, version)
    return _form(request, m, v, model, None, {})


def _form(request: Request, m, v, model, issues, values: dict, status: int = 200):
    final = next((o for o, x in model.outcomes.items() if x.final), next(iter(model.outcomes)))
    outcome = values.get("outcome") or (next(iter(model.targets)) if model.targets else final)
    from ...model.time_value import bases

    defaults = {
        "outcome": outcome,
        "amount": model.targets.get(outcome, 100),
        "wtp": "",
        "draws": DEFAULT_DRAWS,
        "seed": 1,
        "mode": "target",
        "spend": "",
        "evidence_priors": True,
        "time_value": "",
        "time_value_per_hour": "",
        "min_evidence": "",
        "study": "",
    }
    return render(
        request,
        "uncertainty.html",
        status_code=status,
        m=m,
        v=v,
        model=model,
        issues=issues,
        bad={i.path for i in issues or ()},
        modes=MODES,
        values={**defaults, **values},
        max_draws=MAX_DRAWS,
        time_bases=bases(model),
        decisions=_decisions(model),
        beliefs=[k for k, sc in model.scenarios.items() if sc.kind == "belief"],
        study_example=STUDY_EXAMPLE,
    )


@router.post("/models/{model_id}/uncertainty")
async def uncertainty_run(request: Request, model_id: int, c: Caller = Depends(analyst)):
    store = request.app.state.store
    raw_form = await request.form()
    form = {k: x for k, x in raw_form.items() if isinstance(x, str)}
    issues: list[Issue] = []
    study_text = form.get("study", "")
    upload = raw_form.get("study_file")
    if upload is not None and not isinstance(upload, str) and getattr(upload, "filename", ""):
        data = await upload.read(MAX_STUDY_BYTES + 1)
        if len(data) > MAX_STUDY_BYTES:
            issues.append(Issue("study_file", f"the study file is over {MAX_STUDY_BYTES:,} bytes"))
        else:
            try:
                study_text = data.decode("utf-8")
            except UnicodeDecodeError:
                issues.append(Issue("study_file", "not UTF-8 text: save the study file as UTF-8"))
    number = _number(form, "version", [], whole=True, default=0) or None
    m, v, model, _cm = open_version(store, c.actor, model_id, number)
    mode = form.get("mode", "target")
    inputs = {
        "outcome": form.get("outcome", ""),
        "amount": _number(form, "amount", issues),
        "wtp": _number(form, "wtp", issues),
        "draws": _number(form, "draws", issues, whole=True, default=DEFAULT_DRAWS),
        "seed": _number(form, "seed", issues, whole=True, default=1),
        "mode": mode,
        "spend": _number(form, "spend", issues if mode == "spend" else [], default=0.0),
        "evidence_priors": form.get("evidence_priors") in ("on", "true", "1"),
        "time_value": form.get("time_value", "").strip() or None,
        "time_value_per_hour": _number(form, "time_value_per_hour", issues, default=None)
        if form.get("time_value_per_hour", "").strip()
        else None,
        "min_evidence": _number(form, "min_evidence", issues, whole=True, default=None)
        if form.get("min_evidence", "").strip()
        else None,
        "study": study_text if study_text.strip() else None,
    }
    try:
        check_inputs(model, inputs)
    except ModelError as exc:
        known = {i.path for i in issues}
        issues.extend(i for i in exc.issues if i.path not in known)
    if issues:
        return _form(
            request,
            m,
            v,
            model,
            issues,
            {
                **inputs,
                **{
                    k: form.get(k, "")
                    for k in (
                        "amount",
                        "wtp",
                        "draws",
                        "seed",
                        "spend",
                        "time_value",
                        "time_value_per_hour",
                        "min_evidence",
                    )
                },
                "study": study_text,
            },
            status=422,
        )
    run = start(request, c, model_id, v.number, inputs)
    return RedirectResponse(f"/runs/{run.id}", status_code=303)
