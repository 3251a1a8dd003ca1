"""Uncertainty and value of information on a stored map: Monte Carlo draws propagated to each
option (``coproduce uncertainty``), net benefit, probability best and EVPPI, in the background;
with each option's caveats and fit, the beliefs as sensitivity analyses, the valuation of
users' and communities' time (``time_value``, ``time_value_per_hour``) and the evidence
standard (``min_evidence``) — the optional inputs are stored only when given, so older runs
keep their inputs and their figures.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from ...analyses.uncertainty import (
    DEFAULT_DRAWS,
    MAX_DRAWS,
    MAX_STUDY_BYTES,
    MODES,
    OPTIONAL,
    STUDY_EXAMPLE,
    _decisions,
    evppi_frame,
    labels_of,
    options_frame,
)
from ...analyses.uncertainty import check as check_inputs
from ...errors import BadInput
from ...model.errors import Issue
from ..lanes import in_heavy_lane
from ..modelcache import loaded, open_version
from ..runner import register_page
from ..security import Caller, analyst, caller
from ..templating import render

router = APIRouter(include_in_schema=False)


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
    text += " ".join(caveat_sentences(result, labels_of(model)))
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
    names = {**labels_of(model), "baseline": option_name(model, "baseline")}
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


register_page("uncertainty", "run_uncertainty.html", view)


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
    return await in_heavy_lane(_uncertainty_run, request, model_id, c, form, study_text, issues)


def _uncertainty_run(
    request: Request,
    model_id: int,
    c: Caller,
    form: dict[str, str],
    study_text: str,
    issues: list[Issue],
):
    store = request.app.state.store
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
    except BadInput as exc:
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
