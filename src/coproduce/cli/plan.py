"""``coproduce plan``: the least-cost mix that reaches targets, or the most value in a budget."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..engine.planning import TARGET_READINGS, Plan, PlanningError, SolverFailed, plan
from ..formatting import count, money
from ..formatting import quantity as qty
from ..model import Model
from ..presentation.labels import Labels
from ..presentation.words import plan_summary_items, signed
from .common import (
    AnalysisImpossible,
    BadInput,
    MinEvidenceOpt,
    ModelArg,
    TablesOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    check_out_path,
    check_tables_folder,
    console,
    load_for_analysis,
    parse_assignment,
    show,
)


def _assignments(texts: list[str] | None, option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in texts or []:
        name, amount = parse_assignment(text, option)
        if name in out:
            raise BadInput(f"{option} {text}: '{name}' is given twice")
        out[name] = amount
    return out


def _budgets(texts: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in texts or []:
        if "=" not in text:  # a bare number is a public budget
            text = f"public={text}"
        name, amount = parse_assignment(text, "--budget")
        out[name] = amount
    return out


def print_plan(p: Plan, m: Model) -> None:
    """The plan as terminal tables and short paragraphs."""
    cur = p.currency
    if p.status != "optimal":
        console.print(f"[bold yellow]Infeasible[/bold yellow] {escape(p.message)}", highlight=False)
        return
    labels = Labels(m)
    what = (
        "least " + ("public" if p.objective == "public" else "full") + " cost"
        if p.mode == "least_cost"
        else "most value within budget"
    )
    t = Table(title=f"{escape(p.model_name)}: plan ({what}; {p.price_year} prices, a period)")
    for col, just in (
        ("Intervention", "left"),
        ("Today", "right"),
        ("Planned", "right"),
        ("Change", "right"),
        ("Full cost", "right"),
        ("Public cost", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    changes = p.changes
    for iid, v in p.volumes.items():
        c = p.intervention_costs.get(iid, {"full": 0.0, "public": 0.0})
        if v == 0 and p.current_volumes.get(iid, 0) == 0:
            continue
        unit = labels.unit(iid)
        d = changes[iid]
        change = (
            "—"
            if abs(d) <= 1e-9 * max(1.0, abs(v))
            else (signed(d) if d > 0 else f"[bold red]{escape(signed(d))}[/bold red]")
        )
        t.add_row(
            escape(labels(iid)),
            escape(count(p.current_volumes.get(iid, 0.0), unit)),
            escape(count(v, unit)),
            change,
            money(c["full"], cur),
            money(c["public"], cur),
        )
    t.add_row(
        "[bold]Total[/bold]", "", "", "", money(p.cost["full"], cur), money(p.cost["public"], cur)
    )
    console.print(t)
    reading = "increase over today" if p.targets_as == "increase" else "total level"
    o = Table(title=f"Outcome levels a period ({p.reading})")
    for col in ("Outcome", "Today", "Planned", "Change", f"Target ({reading})"):
        o.add_column(col, justify="left" if col == "Outcome" else "right")
    for oid, level in p.outcomes.items():
        o.add_row(
            escape(labels(oid)),
            qty(p.baseline_outcomes.get(oid, 0.0)),
            qty(level),
            signed(p.outcome_changes[oid]),
            qty(p.targets[oid]) if oid in p.targets else "",
        )
    console.print(o)
    changed = p.change_words()
    if changed:
        console.print("\n[bold]Changes from today[/bold]")
        for line in changed:
            console.print(f"  • {escape(line)}", highlight=False)
    caveats = p.caveat_words()
    if caveats:
        console.print("\n[bold]Caveats of what it funds[/bold]")
        for line in caveats:
            console.print(f"  • {escape(line)}", highlight=False)
    console.print("\n[bold]What binds and what it is worth[/bold]")
    for line in p.explanations:
        console.print(f"  • {escape(line)}", highlight=False)
    if p.frontier:
        money_measure = p.frontier_measure.startswith("value of outcomes")
        f = Table(title=f"Frontier: {escape(p.frontier_measure)} against budget")
        f.add_column("Budget", justify="right")
        f.add_column("Public cost", justify="right")
        f.add_column("Value" if money_measure else "Level", justify="right")
        for pt in p.frontier:
            f.add_row(
                money(pt.budget, cur),
                money(pt.cost_public, cur),
                money(pt.value, cur) if money_measure else qty(pt.value),
            )
        console.print(f)
    # the answer in short paragraphs; changes, caveats and limits are listed above
    console.print("\n[bold]In short[/bold]")
    for kind, text in plan_summary_items(p):
        if kind not in ("changes", "caveats", "limits"):
            console.print(escape(text), highlight=False)


def plan_cmd(
    model: ModelArg,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="OUTCOME=AMOUNT to reach; repeat. Default: the model's targets "
            "(when no --budget is given).",
            show_default=False,
            metavar="OUTCOME=AMOUNT",
        ),
    ] = None,
    budget: Annotated[
        list[str] | None,
        typer.Option(
            "--budget",
            "-b",
            help="SECTOR=AMOUNT (public=B, or full=B for all sectors): plan the "
            "most valuable mix within it; repeat for one per sector.",
            show_default=False,
            metavar="SECTOR=AMOUNT",
        ),
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            "--value",
            help="OUTCOME=AMOUNT per unit to value instead of the model's values "
            "(with --budget or --frontier); repeat.",
            show_default=False,
            metavar="OUTCOME=AMOUNT",
        ),
    ] = None,
    objective: Annotated[
        str,
        typer.Option(
            help="Cost to minimise: 'public' or 'full' (every sector).", metavar="public|full"
        ),
    ] = "public",
    frontier: Annotated[
        int,
        typer.Option(
            "--frontier", help="Also trace the frontier of value against budget at N points."
        ),
    ] = 0,
    targets_as: Annotated[
        str,
        typer.Option(
            "--targets-as",
            help="How targets are read: 'increase' over what today's volumes "
            "already achieve (as map reads them), or 'total' levels counted from nothing.",
            metavar="increase|total",
        ),
    ] = "increase",
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Apply a scenario of the model; repeat to stack them.",
            metavar="NAME",
        ),
    ] = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    min_evidence: MinEvidenceOpt = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the result object as JSON.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write an HTML report here.", metavar="FILE.html"),
    ] = None,
    tables: TablesOpt = None,
) -> None:
    """Planning: the least-cost change from today's services that reaches outcome targets, or
    the most value within a budget.

    Within capacities and the community's finite time; shadow prices, cuts to today's
    services and the caveats of what it funds, in words."""
    check_out_path(out, (".html",))
    check_tables_folder(tables)
    if targets_as not in TARGET_READINGS:
        raise BadInput(
            f"--targets-as {targets_as}: use 'increase' (over what today's volumes "
            "already achieve) or 'total' (the level reached from nothing)"
        )
    if objective not in ("public", "full"):
        raise BadInput(f"--objective {objective}: use 'public' or 'full'")
    if frontier < 0 or frontier == 1:
        raise BadInput(f"--frontier {frontier}: give 2 or more points (or 0 for none)")
    targets = _assignments(target, "--target")
    budgets = _budgets(budget)
    values = _assignments(value, "--value")
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    try:
        result = plan(
            m,
            targets=targets or None,
            objective=objective,
            budget=budgets or None,
            values=values or None,
            frontier=frontier,
            targets_as=targets_as,
            min_evidence=min_evidence,
        )
    except SolverFailed as exc:
        raise AnalysisImpossible(
            f"{exc} — this usually means amounts many orders of magnitude apart (e.g. a target "
            "far beyond what the map could ever reach); try a smaller target"
        ) from None
    except PlanningError as exc:
        raise BadInput(str(exc)) from None
    if out is not None:
        from ..reports.plan import plan_report

        out.write_text(plan_report(m, result), encoding="utf-8")
    show(
        result.to_dict(),
        json_,
        lambda: print_plan(result, m),
        out,
        analysis="plan",
        tables=tables,
    )
    if result.status != "optimal":
        raise AnalysisImpossible(result.message)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_cmd)
