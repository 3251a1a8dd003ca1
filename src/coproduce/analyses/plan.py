"""Planning (``coproduce plan``): the least-cost change from today's services that reaches
outcome targets (read as increases over what runs today, or as total levels) within
capacities and the community's finite time, or the most value within a public budget; with
today's, planned and changed volumes, the caveats of what it funds, shadow prices in words
and, when no plan is possible, what would have to give."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, Analysis, Answer, Job, Report, register

if TYPE_CHECKING:
    import pandas as pd

MAX_FRONTIER = 50


def check(model, i: dict[str, Any]) -> None:
    """Raise BadInput naming every field of ``i`` that cannot be planned on ``model``."""
    from ..engine.planning import TARGET_READINGS
    from ..model.errors import did_you_mean
    from ..model.time_value import AS_STATED, bases

    issues = []
    for oid, amount in (i.get("targets") or {}).items():
        if oid not in model.outcomes:
            issues.append(
                Issue(f"targets.{oid}", "unknown outcome" + did_you_mean(oid, model.outcomes))
            )
        elif not (isinstance(amount, (int, float)) and math.isfinite(amount) and amount >= 0):
            issues.append(Issue(f"targets.{oid}", "give a finite amount of 0 or more"))
    if i.get("objective") not in ("public", "full"):
        issues.append(Issue("objective", "use 'public' or 'full'"))
    budget = i.get("budget")
    if budget is not None and not (
        isinstance(budget, (int, float)) and math.isfinite(budget) and budget >= 0
    ):
        issues.append(
            Issue("budget", "give a finite public budget of 0 or more, or leave it blank")
        )
    frontier = i.get("frontier", 0)
    if not (isinstance(frontier, int) and (frontier == 0 or 2 <= frontier <= MAX_FRONTIER)):
        issues.append(Issue("frontier", f"give 0 (no frontier) or 2 to {MAX_FRONTIER} points"))
    if not i.get("targets") and budget is None:
        issues.append(Issue("targets", "nothing to plan: give at least one target or a budget"))
    if i.get("targets_as", "increase") not in TARGET_READINGS:
        issues.append(
            Issue("targets_as", "use 'increase' (over what today's services achieve) or 'total'")
        )
    tv = i.get("time_value")
    if tv is not None and tv != AS_STATED and tv not in bases(model):
        issues.append(
            Issue(
                "time_value",
                f"unknown valuation of time '{tv}'" + did_you_mean(tv, [*bases(model), AS_STATED]),
            )
        )
    per_hour = i.get("time_value_per_hour")
    if per_hour is not None and not (
        isinstance(per_hour, (int, float)) and math.isfinite(per_hour) and per_hour >= 0
    ):
        issues.append(
            Issue(
                "time_value_per_hour",
                "give a finite amount of 0 or more an hour, or leave it blank",
            )
        )
    grade = i.get("min_evidence")
    if grade is not None and not (isinstance(grade, int) and 1 <= grade <= 5):
        issues.append(
            Issue("min_evidence", "give an evidence grade from 1 to 5, or leave it blank")
        )
    if issues:
        raise BadInput(issues)


def run(job: Job) -> Answer:
    """The :class:`coproduce.engine.planning.Plan` of the run's inputs, and its model."""
    from ..engine.planning import plan
    from ..model import load_model

    i = job.inputs
    job.progress(
        0.2,
        "solving the programme"
        + (f" and {i['frontier']} points of the frontier" if i.get("frontier") else ""),
    )
    if i.get("time_value") is not None or i.get("time_value_per_hour") is not None:
        # load afresh: the cached model has the map's own basis applied, which a choice of
        # "as_stated" could not undo
        model = load_model(
            job.model_data or {},
            scenarios=job.scenarios,
            time_value=i.get("time_value"),
            time_value_per_hour=i.get("time_value_per_hour"),
        )
    else:
        model = job.model()
    # runs stored before targets could be read as increases planned total levels: keep
    # their figures (new runs always store the reading)
    result = plan(
        model,
        targets=i.get("targets") or None,
        objective=i["objective"],
        budget=i.get("budget"),
        frontier=int(i.get("frontier") or 0),
        targets_as=i.get("targets_as", "total"),
        min_evidence=i.get("min_evidence"),
    )
    return Answer(model, result)


def html_report(answer: Answer, job: Job) -> bytes:
    from ..reports.plan import plan_report

    return plan_report(answer.model, answer.result).encode("utf-8")


def volumes_frame(result: dict) -> pd.DataFrame:
    """Today's, planned and changed volume and the cost of each intervention that runs."""
    import pandas as pd

    rows = []
    for iid, v in result["volumes"].items():
        current = result["current_volumes"].get(iid, 0.0)
        if v == 0 and current == 0:
            continue
        c = result["intervention_costs"].get(iid, {})
        rows.append(
            {
                "intervention": iid,
                "current_volume": current,
                "planned_volume": v,
                "change": v - current,
                "full_cost": c.get("full", 0.0),
                "public_cost": c.get("public", 0.0),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "intervention",
            "current_volume",
            "planned_volume",
            "change",
            "full_cost",
            "public_cost",
        ],
    )


def flag_shares_frame(result: dict) -> pd.DataFrame:
    """Share of the planned effect on each target resting on links of each kind."""
    import pandas as pd

    return pd.DataFrame(
        [
            {"target": t, "kind": k, "share": x}
            for t, shares in (result.get("flag_shares") or {}).items()
            for k, x in shares.items()
        ],
        columns=["target", "kind", "share"],
    )


def sector_frame(result: dict) -> pd.DataFrame:
    import pandas as pd

    by = result["cost"].get("by_sector", {})
    full = result["cost"]["full"] or 1.0
    return pd.DataFrame(
        [{"sector": s, "cost": c, "share": c / full} for s, c in by.items()],
        columns=["sector", "cost", "share"],
    )


CONSTRAINT_COLUMNS = (
    "key",
    "kind",
    "label",
    "unit",
    "limit",
    "level",
    "binding",
    "shadow_price",
    "words",
)


def constraints_frame(result: dict) -> pd.DataFrame:
    """Every constraint of the plan: its limit, level, whether it binds and its shadow price."""
    import pandas as pd

    return pd.DataFrame(
        [{k: c[k] for k in CONSTRAINT_COLUMNS} for c in result["constraints"]],
        columns=list(CONSTRAINT_COLUMNS),
    )


def relaxation_frame(result: dict) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {"target_or_limit": k, "relax_by": v}
            for k, v in (result.get("relaxation") or {}).items()
        ],
        columns=["target_or_limit", "relax_by"],
    )


def input_words(i: dict[str, Any], model) -> list[str]:
    """The run's inputs in words (see :func:`..runs.inputs_words`): "targets: 40 more
    emergency hospital admissions avoided; least public cost; no budget"."""
    from .. import formatting as fmt
    from ..presentation.inputs import evidence_input, target_words, time_value_input

    currency = getattr(model, "currency", "GBP")
    increase = i.get("targets_as", "total") == "increase"
    targets = i.get("targets") or {}
    words = []
    if targets:
        words.append(
            "targets: "
            + ", ".join(target_words(o, a, model, more=increase) for o, a in targets.items())
            + ("" if increase else " in total")
        )
    else:
        words.append("no targets")
    words.append(
        "least public cost" if i.get("objective") == "public" else "least full cost (every sector)"
    )
    budget = i.get("budget")
    words.append("no budget" if budget is None else f"public budget {fmt.money(budget, currency)}")
    if i.get("frontier"):
        words.append(f"frontier of {fmt.count(i['frontier'], 'point')}")
    words += [w for w in (time_value_input(i, model), evidence_input(i.get("min_evidence"))) if w]
    return words


TABLES = {
    "volumes": volumes_frame,
    "cost-by-sector": sector_frame,
    "constraints": constraints_frame,
    "relaxation": relaxation_frame,
    "flag-shares": flag_shares_frame,
}


def summary(result: dict, model) -> list[str]:
    """The plan's message and its cuts in words."""
    notes = [n["words"] for n in result.get("change_notes") or () if n.get("words")]
    return [m for m in (result.get("message"),) if m] + notes


ANALYSIS = register(
    Analysis(
        name="plan",
        title="Planning",
        run=run,
        check=check,
        tables=TABLES,
        reports=(Report("html", HTML, html_report),),
        input_words=input_words,
        summary=summary,
    )
)
