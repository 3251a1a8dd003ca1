"""Cost-benefit appraisal (``coproduce cba``): a bundled appraisal or an appraisal file's
content, in the central case or with Monte Carlo draws."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, XLSX, Analysis, Job, Report, file_bytes, register

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = ("falls-prevention", "balsall-heath")
MAX_DRAWS = 200_000


def check(_model, i: dict[str, Any]) -> None:
    """Raise :class:`BadInput` unless ``i`` names one bundled appraisal or holds one that
    loads, with a number of draws the workspace allows."""
    from ..appraisal.loading import load_appraisal

    draws = i.get("draws", 0)
    if not (isinstance(draws, int) and 0 <= draws <= MAX_DRAWS):
        raise BadInput([Issue("draws", f"give a whole number from 0 to {MAX_DRAWS:,}")])
    if i.get("data") is not None:
        load_appraisal(i["data"])  # raises, located, for an invalid file
    elif i.get("example") not in EXAMPLES:
        raise BadInput(
            [Issue("example", f"choose one of {', '.join(EXAMPLES)} or give an appraisal file")]
        )


def run(job: Job):
    """The :class:`coproduce.appraisal.result.Appraisal` of the run's inputs."""
    from ..appraisal import appraise

    i = job.inputs
    draws = int(i.get("draws", 0))
    job.progress(
        0.1, "appraising the options" + (f" with {draws:,} Monte Carlo draws" if draws else "")
    )
    source = i["data"] if i.get("data") is not None else f"example:{i['example']}"
    return appraise(
        source, draws=draws, seed=job.seed, time_valuation=i.get("time_valuation") or None
    )


def html_report(result, job: Job) -> bytes:
    from ..reports.cba import render_html

    return render_html(result).encode("utf-8")


def xlsx_report(result, job: Job) -> bytes:
    from ..reports.cba_xlsx import write_xlsx

    return file_bytes("xlsx", lambda path: write_xlsx(result, path))


def headline_frame(result: dict) -> pd.DataFrame:
    """Each option: present values of costs and benefits, net present public value, the
    benefit-cost ratio, the fiscal return and the payback year."""
    import pandas as pd

    rows = []
    labels = result.get("year_labels") or []
    for name, o in result["options"].items():
        year = (o.get("payback_year") or {}).get("discounted")
        if isinstance(year, int) and 0 <= year < len(labels):
            year = labels[year]  # the result counts years from 0; people read calendar years
        pv = o.get("pv_benefits", {})
        rows.append(
            {
                "option": o.get("label") or name,
                "pv_costs": o.get("pv_costs"),
                "pv_fiscal_benefits": pv.get("fiscal"),
                "pv_economic_benefits": pv.get("economic"),
                "pv_social_benefits": pv.get("social"),
                "npv_public_value": o.get("npv_public_value"),
                "benefit_cost_ratio": o.get("benefit_cost_ratio"),
                "fiscal_roi": o.get("fiscal_roi"),
                "payback_year": year,
            }
        )
    return pd.DataFrame(rows)


def by_agency_frame(result: dict) -> pd.DataFrame:
    """Each option and agency: present value of the costs it bears and of the fiscal
    benefits it gains (who pays and who gains)."""
    import pandas as pd

    agencies = result.get("agencies") or {}
    rows = [
        {
            "option": o.get("label") or name,
            "agency": (agencies.get(a) or {}).get("label") or a.replace("_", " "),
            "pv_costs": x.get("pv_costs", 0.0),
            "pv_fiscal_benefits": x.get("pv_fiscal_benefits", 0.0),
            "net": x.get("pv_fiscal_benefits", 0.0) - x.get("pv_costs", 0.0),
        }
        for name, o in result["options"].items()
        for a, x in (o.get("by_agency") or {}).items()
        if x.get("pv_costs") or x.get("pv_fiscal_benefits")
    ]
    return pd.DataFrame(rows, columns=["option", "agency", "pv_costs", "pv_fiscal_benefits", "net"])


@lru_cache(maxsize=8)
def example_title(name: str) -> str:
    """The title of a bundled appraisal (its file's name), for drop-downs and run lists."""
    from ..appraisal.loading import load_appraisal

    try:
        return load_appraisal(f"example:{name}").data.name
    except Exception:  # an example that no longer loads is still named
        return name.replace("-", " ")


def input_words(i: dict[str, Any], _model) -> list[str]:
    """The run's inputs in words: which appraisal, and how many draws."""
    from .. import formatting as fmt

    words = [
        f"uploaded file “{i['file']}”"
        if i.get("file")
        else f"bundled appraisal “{example_title(i['example'])}”"
    ]
    draws = int(i.get("draws") or 0)
    words.append(f"{fmt.count(draws, 'Monte Carlo draw')}" if draws else "central case only")
    return words


ANALYSIS = register(
    Analysis(
        name="appraisal",
        title="Cost-benefit appraisal",
        run=run,
        check=check,
        tables={"headline": headline_frame, "who-pays-who-gains": by_agency_frame},
        reports=(Report("html", HTML, html_report), Report("xlsx", XLSX, xlsx_report)),
        input_words=input_words,
        needs_model=False,
    )
)
