"""A portfolio (``coproduce portfolio``): several programme maps sharing one community's
time and one enabling budget: in which service co-production pays first, and the joint plan.

In the workspace a portfolio names the organisation's stored maps by name; when the run is
asked for, each named map's latest version is copied into the run's inputs (``models``), so
the run is reproducible and the worker needs no store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import HTML, XLSX, Analysis, Job, Report, file_bytes, register

if TYPE_CHECKING:
    import pandas as pd

EXAMPLE = "city-portfolio"
MAX_DRAWS = 20_000


def _resolver(models: dict[str, Any]):
    """A service's ``model`` reference turned into a model: a stored map copied into the
    run's inputs, or a bundled example."""
    from ..model import load_model
    from ..model.errors import ModelError

    def resolve(ref: str):
        if ref in models:
            return load_model(models[ref])
        if ref.startswith("example:"):
            return load_model(ref)
        raise ModelError(
            [Issue("model", f"no map called '{ref}' in this workspace; use a map's name")]
        )

    return resolve


def loaded(i: dict[str, Any]):
    """The run's portfolio (:class:`coproduce.portfolio.Portfolio`), loaded and checked."""
    from ..portfolio import load_portfolio

    source = i.get("portfolio") or f"example:{EXAMPLE}"
    kwargs = {
        "time_value": i.get("time_value") or None,
        "time_value_per_hour": i.get("time_value_per_hour"),
    }
    if isinstance(source, dict):
        return load_portfolio(source, resolver=_resolver(i.get("models") or {}), **kwargs)
    if source != f"example:{EXAMPLE}":
        raise BadInput([Issue("portfolio", f"give a portfolio, or example:{EXAMPLE}")])
    return load_portfolio(source, **kwargs)


def check(_model, i: dict[str, Any]) -> None:
    """Raise :class:`BadInput` naming each field that cannot be analysed (the portfolio's
    own problems are located in it)."""
    issues = []
    if i.get("objective", "public") not in ("public", "full"):
        issues.append(Issue("objective", "use 'public' or 'full'"))
    draws = i.get("draws", 0)
    if not (isinstance(draws, int) and (draws == 0 or 2 <= draws <= MAX_DRAWS)):
        issues.append(Issue("draws", f"give 0 (no Monte Carlo) or 2 to {MAX_DRAWS:,} draws"))
    if issues:
        raise BadInput(issues)
    loaded(i)


def run(job: Job):
    """The :class:`coproduce.portfolio.PortfolioResult` of the run's inputs."""
    from ..portfolio import analyse_portfolio

    i = job.inputs
    job.progress(0.05, "loading the services' maps")
    pf = loaded(i)
    draws = int(i.get("draws", 0))
    job.progress(
        0.15,
        "comparing co-produced and professional pathways"
        + (f" over {draws:,} draws" if draws else "")
        + " and planning across services",
    )
    return analyse_portfolio(
        pf, objective=i.get("objective", "public"), draws=draws, seed=int(job.seed or 1)
    )


def html_report(result, job: Job) -> bytes:
    from ..reports.portfolio import portfolio_report

    return portfolio_report(result).encode("utf-8")


def xlsx_report(result, job: Job) -> bytes:
    from ..reports.portfolio import write_xlsx

    return file_bytes("xlsx", lambda path: write_xlsx(result, path))


def services_frame(result: dict) -> pd.DataFrame:
    """One row per service, in the recommended order: the best co-produced and professional
    pathways, full cost a unit of each, the saving, the chance co-production is cheaper, the
    evidence and residents' hours."""
    import pandas as pd

    rows = []
    for r in result["recommendation"]:
        s = result["services"][r["service"]]
        co, prof = s.get("best_coproduced") or {}, s.get("best_professional") or {}
        rows.append(
            {
                "rank": r["rank"],
                "service": s["label"],
                "tier": r["tier"],
                "coproduced": co.get("label"),
                "coproduced_full_per_unit": (co.get("cost_per_outcome") or {}).get("full"),
                "professional": prof.get("label"),
                "professional_full_per_unit": (prof.get("cost_per_outcome") or {}).get("full"),
                "saving_full": r.get("saving"),
                "saving_public": r.get("public_saving"),
                "prob_coproduction_cheaper": r.get("prob_cheaper"),
                "evidence_grade": r.get("grade"),
                "residents_hours": r.get("hours"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "rank",
            "service",
            "tier",
            "coproduced",
            "coproduced_full_per_unit",
            "professional",
            "professional_full_per_unit",
            "saving_full",
            "saving_public",
            "prob_coproduction_cheaper",
            "evidence_grade",
            "residents_hours",
        ],
    )


def plan_frame(result: dict) -> pd.DataFrame:
    """The joint plan: each intervention that runs today or in the plan, by service."""
    import pandas as pd

    p = result["plan"]
    rows = []
    if p.get("status") == "optimal":
        for service, vols in p["volumes"].items():
            svc = result["services"][service]
            label = svc["label"]
            names = {x["intervention"]: x["label"] for x in svc.get("pathways") or ()}
            names.update((svc.get("plan") or {}).get("labels") or {})
            for iid, v in vols.items():
                today = p["baseline"].get(service, {}).get(iid, 0.0)
                if v == 0 and today == 0:
                    continue
                hours = sum(
                    use["by_intervention"].get(service, {}).get(iid, 0.0)
                    for use in p["pool_use"].values()
                )
                rows.append(
                    {
                        "service": label,
                        "intervention": iid,
                        # an intervention that reaches no target has no pathway to name it
                        "label": names.get(iid) or iid.replace("_", " ").capitalize(),
                        "today": today,
                        "planned": v,
                        "change": v - today,
                        "pooled_hours": hours,
                        "enabling_spend": p["enabling_spend"].get(service, {}).get(iid, 0.0),
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "service",
            "intervention",
            "label",
            "today",
            "planned",
            "change",
            "pooled_hours",
            "enabling_spend",
        ],
    )


def pools_frame(result: dict) -> pd.DataFrame:
    """Each shared pool: what is available, what the plan uses, what the member maps assume
    on their own, and the shadow price of one more hour."""
    import pandas as pd

    p = result["plan"]
    prices = (p.get("shadow_prices") or {}).get("pools") or {}
    rows = [
        {
            "pool": pool["label"],
            "available": pool["available"],
            "used": (p.get("pool_use") or {}).get(name, {}).get("used"),
            "models_assume": pool.get("models_assume"),
            "shadow_price": prices.get(name),
        }
        for name, pool in result["pools"].items()
    ]
    return pd.DataFrame(
        rows, columns=["pool", "available", "used", "models_assume", "shadow_price"]
    )


def input_words(i: dict[str, Any], _model) -> list[str]:
    """The run's inputs in words: which portfolio, least cost to whom, the draws."""
    from .. import formatting as fmt

    source = i.get("portfolio")
    if isinstance(source, dict):
        names = list(source.get("services") or {})
        what = (
            f"portfolio “{source.get('name') or 'unnamed'}” of {fmt.count(len(names), 'service')}"
        )
    else:
        what = "the bundled city portfolio"
    words = [
        what,
        "least public cost" if i.get("objective", "public") == "public" else "least full cost",
    ]
    draws = int(i.get("draws") or 0)
    words.append(fmt.count(draws, "Monte Carlo draw") if draws else "no Monte Carlo draws")
    return words


def summary(result: dict, _model) -> list[str]:
    """The recommendation in sentences."""
    return list(result.get("summary_parts") or [])


ANALYSIS = register(
    Analysis(
        name="portfolio",
        title="Portfolio: where co-production pays",
        run=run,
        check=check,
        tables={"services": services_frame, "joint-plan": plan_frame, "pools": pools_frame},
        reports=(Report("html", HTML, html_report), Report("xlsx", XLSX, xlsx_report)),
        input_words=input_words,
        summary=summary,
        needs_model=False,
    )
)
