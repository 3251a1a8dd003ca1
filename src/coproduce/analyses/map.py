"""Backwards mapping (``coproduce map``): the ranked pathways that reach an amount of one
outcome, with their costs by sector, routes and caveats."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, XLSX, Analysis, Answer, Job, Report, register

if TYPE_CHECKING:
    import pandas as pd


def check(model, i: dict[str, Any]) -> None:
    """Raise :class:`BadInput` naming each field of ``i`` that cannot be mapped on ``model``."""
    from ..model.errors import did_you_mean
    from ..model.time_value import AS_STATED, bases

    issues = []
    time_value = i.get("time_value") or ""
    if time_value and time_value != AS_STATED and time_value not in bases(model):
        issues.append(
            Issue(
                "time_value",
                f"unknown valuation of time '{time_value}'; choose "
                f"one of {', '.join([AS_STATED, *bases(model)])}",
            )
        )
    grade = i.get("min_evidence")
    if grade is not None and not (isinstance(grade, int) and 1 <= grade <= 5):
        issues.append(Issue("min_evidence", "an evidence grade is 1 to 5"))
    outcome = i.get("outcome", "")
    if outcome not in model.outcomes:
        issues.append(
            Issue("outcome", f"unknown outcome '{outcome}'" + did_you_mean(outcome, model.outcomes))
        )
    amount = i.get("amount")
    if not (isinstance(amount, (int, float)) and math.isfinite(amount) and amount > 0):
        issues.append(Issue("amount", "must be above 0"))
    if i.get("by", "full") not in ("full", "public"):
        issues.append(Issue("by", "must be 'full' or 'public'"))
    paths = i.get("paths", 10)
    if not (isinstance(paths, int) and 1 <= paths <= 100):
        issues.append(Issue("paths", "must be between 1 and 100"))
    if issues:
        raise BadInput(issues)


def run(job: Job):
    """The run's backwards map (:class:`coproduce.engine.backwards.BackwardsMap`) and its model."""
    from ..engine.backwards import backwards_map

    i = job.inputs
    job.progress(0.3, "finding the pathways")
    grade = i.get("min_evidence")
    model = job.model()
    result = backwards_map(
        model,
        i["outcome"],
        float(i["amount"]),
        by=i.get("by", "full"),
        paths=int(i.get("paths", 10)),
        min_evidence=None if grade is None else int(grade),
    )
    return Answer(model, result)


def html_report(answer: Answer, job: Job) -> bytes:
    from ..reports.map_report import map_report

    return map_report(answer.model, answer.result).encode("utf-8")


def xlsx_report(answer: Answer, job: Job) -> bytes:
    import pandas as pd

    from ..presentation.inputs import currency_words, outcome_amount
    from ..reports.model_files import text_only

    data = answer.to_dict()
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        pd.DataFrame(
            {
                "about": [
                    "Backwards mapping: "
                    + outcome_amount(
                        data["target"]["amount"], data["target"]["label"], data["target"]["unit"]
                    ),
                    f"Model: {data['model']}; in {currency_words(data['currency'])}, "
                    f"{data['price_year']} prices",
                    data["summary"],
                ]
            }
        ).to_excel(xl, sheet_name="about", index=False)
        for name, frame in (
            ("pathways", pathway_frame),
            ("cost by sector", sector_frame),
            ("routes", routes_frame),
        ):
            frame(data).to_excel(xl, sheet_name=name, index=False)
        text_only(xl.book)
    return buf.getvalue()


def pathway_frame(result: dict) -> pd.DataFrame:
    """One row per pathway, in rank order: volume, costs, cost per outcome, co-production
    share, capacity and caveats."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "rank": k,
                "intervention": p["intervention"],
                "label": p["label"],
                "volume": p["volume"],
                "unit": p.get("unit", ""),
                "full_cost": p["cost"]["full"],
                "public_cost": p["cost"]["public"],
                "full_cost_per_outcome": p["cost_per_outcome"]["full"],
                "public_cost_per_outcome": p["cost_per_outcome"]["public"],
                "coproduction_share": p["coproduction_share"],
                "within_capacity": p["within_capacity"],
                "flags": "; ".join(p["flags"]),
            }
            for k, p in enumerate(result["pathways"], start=1)
        ]
    )


def sector_frame(result: dict) -> pd.DataFrame:
    """Cost per unit of the target by sector for each pathway (the chart's data)."""
    import pandas as pd

    amount = result["target"]["amount"]
    rows = [
        {"pathway": p["label"], "sector": sector, "cost_per_outcome": cost / amount}
        for p in result["pathways"]
        for sector, cost in p["cost"]["by_sector"].items()
    ]
    return pd.DataFrame(rows, columns=["pathway", "sector", "cost_per_outcome"])


def routes_frame(result: dict) -> pd.DataFrame:
    """Each pathway's leading routes to the outcome and their share of its effect."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "pathway": p["label"],
                "route": " -> ".join(r["nodes"]),
                "effect": r["effect"],
                "share": r["share"],
            }
            for p in result["pathways"]
            for r in p["paths"]
        ],
        columns=["pathway", "route", "effect", "share"],
    )


def input_words(i: dict[str, Any], model) -> list[str]:
    """The run's inputs in words: "40 more emergency hospital admissions avoided", ..."""
    from ..presentation.inputs import evidence_input, target_words, time_value_input

    words = [
        target_words(i["outcome"], i["amount"], model),
        "pathways ranked by " + ("public cost" if i.get("by") == "public" else "full cost"),
    ]
    if int(i.get("paths", 10)) != 10:
        words.append(f"up to {int(i['paths'])} routes a pathway")
    words += [w for w in (time_value_input(i, model), evidence_input(i.get("min_evidence"))) if w]
    return words


ANALYSIS = register(
    Analysis(
        name="map",
        title="Backwards mapping",
        run=run,
        check=check,
        tables={"pathways": pathway_frame, "cost-by-sector": sector_frame, "routes": routes_frame},
        reports=(Report("html", HTML, html_report), Report("xlsx", XLSX, xlsx_report)),
        input_words=input_words,
        quick=True,
    )
)
