"""``coproduce portfolio``: where co-production pays, across services sharing one community."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..formatting import count, money, percent
from ..formatting import quantity as qty
from .common import (
    AnalysisImpossible,
    BadInput,
    JsonOpt,
    TablesOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    check_out_path,
    check_tables_folder,
    console,
    show,
)

PortfolioArg = Annotated[
    str,
    typer.Argument(
        help="Portfolio file (.yaml or .json) or a bundled one such as example:city-portfolio.",
        show_default=False,
        metavar="PORTFOLIO",
    ),
]


def print_portfolio(result) -> None:
    """The portfolio as terminal tables and short paragraphs."""
    from ..portfolio.words import (
        KIND_SHORT,
        plan_words,
        recommendation_words,
        sensitivity_words,
        warning_words,
    )

    cur = result.currency
    t = Table(
        title=f"{escape(result.name)}: co-produced against professional pathways, "
        f"full cost a unit of each target ({result.price_year} prices, a period)"
    )
    for col, just in (
        ("Service", "left"),
        ("Best co-produced", "left"),
        ("A unit", "right"),
        ("Best professional", "left"),
        ("A unit", "right"),
        ("Saving in full", "right"),
        ("Public saving", "right"),
        ("Co-produced cheaper in", "right"),
        ("Evidence", "right"),
        ("Residents' hours", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for name, c in result.services.items():
        lab = result.labels(name)
        co, prof = c.pathway(c.best_coproduced), c.pathway(c.best_professional)
        adv = c.advantage
        unc = c.uncertainty or {}
        prob = unc.get("prob_coproduction_cheaper", {}).get("full")
        ev = " / ".join(
            f"{p['evidence']['grade']:.1f}" if p and p["evidence"]["grade"] is not None else "–"
            for p in (co, prof)
        )
        t.add_row(
            escape(result.service_label(name)),
            escape(f"{lab(co['intervention'])} ({KIND_SHORT[co['kind']]})") if co else "none",
            money(co["cost_per_outcome"]["full"], cur) if co else "–",
            escape(lab(prof["intervention"])) if prof else "none",
            money(prof["cost_per_outcome"]["full"], cur) if prof else "–",
            money(adv["full"]["saving"], cur) if adv else "–",
            money(adv["public"]["saving"], cur) if adv else "–",
            f"{percent(prob)} of draws" if prob is not None else "–",
            ev,
            qty(co["coproduction_hours"]) if co else "–",
        )
    console.print(t)
    console.print(
        "Evidence: grade of the co-produced / the professional pathway (1 opinion to "
        "5 replicated experiments).",
        highlight=False,
    )
    p = result.plan
    if p.status == "optimal":
        j = Table(title="Joint plan across the services (changes from today)")
        for col, just in (
            ("Service", "left"),
            ("Intervention", "left"),
            ("Kind", "left"),
            ("Today", "right"),
            ("Planned", "right"),
            ("Pooled hours", "right"),
        ):
            j.add_column(col, justify=just)  # type: ignore[arg-type]
        for s, vols in p.volumes.items():
            lab = result.labels(s)
            model = result.portfolio.services[s].model
            hours: dict[str, float] = {}
            for use in p.pool_use.values():
                for iid, h in use["by_intervention"].get(s, {}).items():
                    hours[iid] = hours.get(iid, 0.0) + h
            for iid, v in vols.items():
                today = p.baseline[s].get(iid, 0.0)
                if v == 0 and today == 0:
                    continue
                unit = model.interventions[iid].unit or "unit"
                kind = model.interventions[iid].coproduction or "unstated"
                j.add_row(
                    escape(result.service_label(s)),
                    escape(lab(iid)),
                    KIND_SHORT[kind],
                    escape(count(today, unit)),
                    escape(count(v, unit)),
                    qty(hours[iid]) if iid in hours else "",
                )
        console.print(j)
        k = Table(title="Shared limits and what one more unit is worth")
        for col, just in (
            ("Limit", "left"),
            ("Available", "right"),
            ("Used", "right"),
            ("One more unit saves", "right"),
        ):
            k.add_column(col, justify=just)  # type: ignore[arg-type]
        for key, use in p.pool_use.items():
            k.add_row(
                escape(result.pool_label(key)),
                count(use["available"], "hour"),
                count(use["used"], "hour"),
                money(p.shadow_prices["pools"].get(key, 0.0), cur),
            )
        for key, use in p.budget_use.items():
            from ..portfolio.words import _budget_name

            k.add_row(
                escape(_budget_name(result, key).split(" (")[0].capitalize()),
                money(use["limit"], cur),
                money(use["used"], cur),
                money(p.shadow_prices["budgets"].get(key, 0.0), cur),
            )
        if p.pool_use or p.budget_use:
            console.print(k)
    console.print("\n[bold]Where co-production pays first[/bold]")
    for line in recommendation_words(result):
        console.print(f"  {escape(line)}", highlight=False)
    console.print("\n[bold]The joint plan[/bold]")
    for line in plan_words(result):
        console.print(f"  • {escape(line)}", highlight=False)
    sens = sensitivity_words(result)
    if sens:
        console.print("\n[bold]If residents' time were valued differently[/bold]")
        for line in sens:
            console.print(f"  • {escape(line)}", highlight=False)
    warn = warning_words(result)
    if warn:
        console.print("\n[bold yellow]Check[/bold yellow]")
        for line in warn:
            console.print(f"  • {escape(line)}", highlight=False)


def portfolio_cmd(
    portfolio: PortfolioArg,
    objective: Annotated[
        str,
        typer.Option(
            help="Cost the joint plan minimises: 'public' or 'full' (every sector).",
            metavar="public|full",
        ),
    ] = "public",
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Monte Carlo draws for each service's comparison (0 for none).",
            metavar="N",
        ),
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", metavar="N")] = 1,
    json_: JsonOpt = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write a report here: .html or .xlsx.",
            metavar="FILE.html|FILE.xlsx",
        ),
    ] = None,
    tables: TablesOpt = None,
) -> None:
    """Portfolio: where co-production pays, across services sharing one community.

    Per service the best co-produced and the best professional pathway, their costs per
    outcome, the advantage and how sure it is, the evidence and the residents' time needed;
    one joint plan across every service within the shared volunteer pools and budgets, with
    what a pooled hour and an enabling pound are worth; and where to co-produce first, why,
    and how that turns on the value put on residents' time."""
    from ..engine.planning import PlanningError, SolverFailed
    from ..portfolio import analyse_portfolio

    check_out_path(out, (".html", ".xlsx"))
    check_tables_folder(tables)
    if objective not in ("public", "full"):
        raise BadInput(f"--objective {objective}: use 'public' or 'full'")
    if draws < 0 or draws == 1:
        raise BadInput(f"--draws {draws}: give 2 or more (or 0 for none)")
    try:
        result = analyse_portfolio(
            portfolio,
            objective=objective,
            time_value=time_value,
            time_value_per_hour=time_value_per_hour,
            draws=draws,
            seed=seed,
        )
    except SolverFailed as exc:
        raise AnalysisImpossible(str(exc)) from None
    except PlanningError as exc:
        raise BadInput(str(exc)) from None
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            from ..reports.portfolio import write_xlsx

            write_xlsx(result, out)
        else:
            from ..reports.portfolio import portfolio_report

            out.write_text(portfolio_report(result), encoding="utf-8")
    show(
        result.to_dict(),
        json_,
        lambda: print_portfolio(result),
        out,
        analysis="portfolio",
        tables=tables,
    )
    if result.plan.status != "optimal":
        from ..portfolio.words import plan_words

        raise AnalysisImpossible(plan_words(result)[0])


def register(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio_cmd)
