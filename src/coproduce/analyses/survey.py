"""Survey estimates (``coproduce survey estimate``): design-based prevalence of co-production
by country, sector and kind, on a bundled survey."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, XLSX, Analysis, Job, Report, file_bytes, register

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = ("five-nation",)
EXAMPLE_TITLES = {
    "five-nation": "Citizen co-production in five European countries (synthetic demonstration data)"
}


def check(_model, i: dict[str, Any]) -> None:
    """Raise :class:`BadInput` naming each field that cannot be estimated."""
    issues = []
    if i.get("example") not in EXAMPLES:
        issues.append(Issue("example", f"choose one of {', '.join(EXAMPLES)}"))
    if i.get("by", "") not in ("country", ""):
        issues.append(Issue("by", "choose 'country' or none"))
    min_cell = i.get("min_cell", 10)
    if not (isinstance(min_cell, int) and 1 <= min_cell <= 100_000):
        issues.append(Issue("min_cell", "give a whole number from 1 to 100,000"))
    if issues:
        raise BadInput(issues)


def run(job: Job):
    """The prevalence estimates (:class:`coproduce.survey.estimates.Estimates`)."""
    from ..survey import estimate, load_survey

    i = job.inputs
    job.progress(0.1, "reading and recoding the survey")
    prepared = load_survey(f"example:{i['example']}", None)
    job.progress(0.4, "estimating prevalence with design-based standard errors")
    return estimate(prepared, prepared.design(), by=i.get("by") or None, min_cell=i.get("min_cell"))


def _report(suffix: str):
    def build(result, job: Job) -> bytes:
        from ..reports.survey import write_report

        return file_bytes(suffix, lambda path: write_report(result, "estimate", path))

    return build


def prevalence_frame(result: dict) -> pd.DataFrame:
    """Each group: the share taking part, its interval, design effect and number answering."""
    import pandas as pd

    return pd.DataFrame(result["prevalence"])


def input_words(i: dict[str, Any], _model) -> list[str]:
    """The run's inputs in words: the survey, the breakdown, the smallest cell shown."""
    return [
        f"survey “{EXAMPLE_TITLES.get(i['example'], i['example'])}”",
        f"by {i['by']}" if i.get("by") else "no breakdown",
        f"a share not shown when fewer than {i.get('min_cell', 10)} respondents take part "
        "or do not",
    ]


ANALYSIS = register(
    Analysis(
        name="survey",
        title="Survey: who co-produces",
        run=run,
        check=check,
        tables={"prevalence": prevalence_frame},
        reports=(Report("html", HTML, _report("html")), Report("xlsx", XLSX, _report("xlsx"))),
        input_words=input_words,
        needs_model=False,
    )
)
