"""Evaluation (``coproduce evaluate``): the cost, outcomes and who pays / who gains of a
programme at chosen volumes, with the caveats of those volumes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, Analysis, Answer, Job, Report, register

if TYPE_CHECKING:
    import pandas as pd


def check(model, i: dict[str, Any]) -> None:
    """Raise :class:`BadInput` naming each volume that cannot be evaluated on ``model``."""
    from ..model.errors import did_you_mean

    issues = []
    for k, x in (i.get("volumes") or {}).items():
        if k not in model.interventions:
            issues.append(
                Issue(
                    f"volumes.{k}",
                    "unknown intervention" + did_you_mean(str(k), model.interventions),
                )
            )
        elif not (isinstance(x, (int, float)) and math.isfinite(x) and x >= 0):
            issues.append(Issue(f"volumes.{k}", "give a finite volume of 0 or more"))
    if issues:
        raise BadInput(issues)


def run(job: Job) -> Answer:
    """The :class:`coproduce.engine.evaluate.Evaluation` at the run's volumes (the model's own
    for any not given), and its model."""
    from ..engine.evaluate import evaluate

    job.progress(0.3, "evaluating")
    model = job.model()
    return Answer(model, evaluate(model, job.inputs.get("volumes") or {}))


def html_report(answer: Answer, job: Job) -> bytes:
    from ..reports.map_report import evaluation_report

    return evaluation_report(answer.model, answer.result).encode("utf-8")


def cost_frame(result: dict) -> pd.DataFrame:
    """Each intervention: its volume and its full and public cost."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "intervention": i,
                "volume": r["volume"],
                "full_cost": r["cost"]["full"],
                "public_cost": r["cost"]["public"],
            }
            for i, r in result["interventions"].items()
        ],
        columns=["intervention", "volume", "full_cost", "public_cost"],
    )


def outcome_frame(result: dict) -> pd.DataFrame:
    """Each outcome: its level, unit and value."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "outcome": r.get("label") or o,
                "level": r["level"],
                "unit": r.get("unit", ""),
                "value": r["value"]["total"],
                "note": "complex: indicative" if r.get("complex") else "",
            }
            for o, r in result["outcomes"].items()
        ],
        columns=["outcome", "level", "unit", "value", "note"],
    )


def who_pays_frame(result: dict) -> pd.DataFrame:
    """Each agency: the public cost it pays and the fiscal value it gains, and the balance."""
    import pandas as pd

    rows = [
        {"agency": a, "pays": r["pays"], "gains": r["gains"], "net": r["gains"] - r["pays"]}
        for a, r in (result.get("who_pays_who_gains") or {}).items()
    ]
    return pd.DataFrame(rows, columns=["agency", "pays", "gains", "net"])


def input_words(i: dict[str, Any], model) -> list[str]:
    """The run's inputs in words: the volumes that differ from the map's own."""
    from .. import formatting as fmt
    from ..model.distributions import mean_of
    from ..presentation.inputs import time_value_input
    from ..presentation.labels import Labels

    vols = i.get("volumes") or {}
    lab = Labels(model)
    changed = {
        k: x
        for k, x in vols.items()
        if model is None
        or k not in model.interventions
        or float(mean_of(model.interventions[k].volume) or 0) != float(x)
    }
    if not changed:
        words = ["each intervention at the map's own volume"]
    else:
        shown = [
            f"{lab(k)} at {fmt.count(x, model.interventions[k].unit or 'unit')}"
            if model is not None and k in model.interventions
            else f"{lab(k)} at {fmt.quantity(x)}"
            for k, x in list(changed.items())[:4]
        ]
        more = len(changed) - len(shown)
        words = [
            "volumes: "
            + ", ".join(shown)
            + (f" and {more} more" if more > 0 else "")
            + "; the rest as in the map"
        ]
    tv = time_value_input(i, model)
    return [*words, *([tv] if tv else [])]


def summary(result: dict, model) -> list[str]:
    """The caveats of the evaluated volumes in sentences."""
    from ..presentation.words import caveat_words

    caveats = result.get("caveats")
    return caveat_words(caveats, model) if caveats else []


ANALYSIS = register(
    Analysis(
        name="evaluate",
        title="Evaluation at chosen volumes",
        run=run,
        check=check,
        tables={
            "costs": cost_frame,
            "outcomes": outcome_frame,
            "who-pays-who-gains": who_pays_frame,
        },
        reports=(Report("html", HTML, html_report),),
        input_words=input_words,
        summary=summary,
        quick=True,
    )
)
