"""Uncertainty and value of information (``coproduce uncertainty``): Monte Carlo draws
propagated to each option, net benefit, probability best and EVPPI, with each option's
caveats and fit, the beliefs as sensitivity analyses, the valuation of users' and
communities' time and the evidence standard; optionally the value of studies (EVSI, ENBS,
the research agenda) from a study file. Optional inputs are stored only when given, so older
runs keep their inputs and their figures."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, Analysis, Answer, Job, Report, file_bytes, register

if TYPE_CHECKING:
    import pandas as pd

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


def check(model, i: dict[str, Any]) -> None:
    """Raise BadInput naming every field of ``i`` that cannot be run on ``model``."""
    from ..model.errors import ModelError, did_you_mean

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
        from ..model.time_value import AS_STATED, bases

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
        raise BadInput(issues)


def study_plan_of(model, i: dict[str, Any]):
    """The run's study plan (voi/studyfile.py) from the study file's text in the inputs,
    checked against ``model`` (which links and quantities exist and are uncertain with the
    run's evidence priors); None when the run weighs no study."""
    text = i.get("study")
    if not text:
        return None
    from ..voi.studyfile import parse_study_text

    fmt = "json" if text.lstrip().startswith("{") else "yaml"
    return parse_study_text(text, model, evidence_priors=bool(i.get("evidence_priors")), fmt=fmt)


def run_model(job: Job):
    """The run's model as ``coproduce uncertainty`` reads it: scenarios applied, then the
    valuation of users' and communities' time (the model's own basis unless one is given)."""
    from ..model.time_value import choose_time_value

    i = job.inputs
    return choose_time_value(job.model(), i.get("time_value") or None, i.get("time_value_per_hour"))


def _table(job: Job, model):
    from ..engine.simulate import belief_names, simulate

    i = job.inputs

    def tick(done: int, total: int) -> None:
        job.progress(0.05 + 0.45 * done / total, f"drawing: {done:,} of {total:,} draws")

    # every belief is a sensitivity analysis, except one the run already applies
    beliefs = [b for b in belief_names(model) if b not in job.scenarios]
    return simulate(
        model,
        (i["outcome"], float(i["amount"])),
        int(i["draws"]),
        int(job.seed),
        mode=i["mode"],
        spend=i.get("spend") if i["mode"] == "spend" else None,
        evidence_priors=bool(i.get("evidence_priors")),
        chunk=CHUNK,
        progress=tick,
        beliefs=beliefs,
        min_evidence=i.get("min_evidence"),
    )


def run(job: Job) -> Answer:
    """The draws (:class:`coproduce.engine.draws.DrawsTable`) and their value-of-information
    analysis (:class:`coproduce.voi.analysis.Analysis`) of the run's inputs, and the model:
    ``Answer(model, (table, analysis))``."""
    from ..voi.analysis import analyse

    model = run_model(job)
    table = _table(job, model)
    plan = study_plan_of(model, job.inputs)
    job.progress(
        0.55,
        "value of information: EVPI, EVPPI of each input, tornado"
        + ("; EVSI and ENBS of each study, the research agenda" if plan else ""),
    )
    result = analyse(
        table, float(job.inputs["wtp"]), studies=plan, model=model, seed=int(job.seed or 1)
    )
    job.progress(0.97, "storing the result")
    return Answer(model, Drawn(table, result))


class Drawn:
    """The draws and their analysis; stored as the analysis's ``to_dict()``."""

    def __init__(self, table, analysis) -> None:
        self.table, self.analysis = table, analysis

    def to_dict(self) -> dict[str, Any]:
        return self.analysis.to_dict()


def html_report(answer: Answer, job: Job) -> bytes:
    """The report of ``coproduce uncertainty --out``, from the run's own draws."""
    from ..reports.uncertainty import write_report

    drawn = answer.result
    return file_bytes(
        "html",
        lambda path: write_report(
            drawn.analysis, drawn.table, path, labels=labels_of(answer.model)
        ),
    )


def labels_of(model) -> dict[str, str]:
    """The model's names for the report's sentences: every id the result may name."""
    from ..presentation.labels import Labels

    lab = Labels(model)
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
    import pandas as pd

    from ..reports.uncertainty import why_not_fit

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
    import pandas as pd

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
    from ..reports.uncertainty import studies_frame as frame

    return frame(result)


def agenda_frame(result: dict) -> pd.DataFrame:
    """The research agenda (the report's agenda.csv)."""
    from ..reports.uncertainty import agenda_frame as frame

    return frame(result)


def ceac_frame(result: dict) -> pd.DataFrame:
    import pandas as pd

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
    import pandas as pd

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
    from .. import formatting as fmt
    from ..presentation.inputs import evidence_input, target_words, time_value_input

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
    from ..formatting import count
    from ..model.errors import ModelError
    from ..presentation.labels import Labels
    from ..reports.uncertainty import study_title

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
    from ..voi.studyfile import _intervention

    return _intervention(model, pars)


TABLES = {
    "options": options_frame,
    "evppi": evppi_frame,
    "ceac": ceac_frame,
    "beliefs": beliefs_frame,
    "studies": studies_frame,
    "agenda": agenda_frame,
}


ANALYSIS = register(
    Analysis(
        name="uncertainty",
        title="Uncertainty and value of information",
        run=run,
        check=check,
        tables=TABLES,
        reports=(Report("html", HTML, html_report),),
        input_words=input_words,
    )
)
