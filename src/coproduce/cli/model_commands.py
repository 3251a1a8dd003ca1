"""Commands on strategy maps: check, evaluate, map, export, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..engine.backwards import BackwardsMap, backwards_map
from ..engine.evaluate import Evaluation, caveat_words, evaluate
from ..formatting import count, money, percent, plural, rate
from ..formatting import quantity as qty
from ..model import Model, compile_model, load_model
from ..model.errors import ModelError, did_you_mean
from ..model.load import EXAMPLE_PREFIX
from ..model.validate import model_warnings
from ..presentation.flags import flag_labels
from ..presentation.labels import Labels, lower_first
from ..presentation.words import unreachable_words
from .common import (
    AnalysisImpossible,
    BadInput,
    JsonOpt,
    MinEvidenceOpt,
    ModelArg,
    OutOpt,
    ScenarioOpt,
    TablesOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    check_out_path,
    check_tables_folder,
    console,
    load_for_analysis,
    parse_assignment,
    print_json,
    show,
)


def _load(model: str, scenarios: list[str] | None) -> Model:
    return load_model(model, scenarios=tuple(scenarios or ()))


# ----- check ---------------------------------------------------------------------------------


def check(model: ModelArg, scenario: ScenarioOpt = None, json_: JsonOpt = False) -> None:
    """Validate a model file and report every problem found, with where and how to fix it."""
    try:
        m = _load(model, scenario)
    except ModelError as exc:
        if json_:
            print_json({"valid": False, **exc.to_dict()})
        raise
    warnings = model_warnings(m)
    counts = {
        "resources": len(m.resources),
        "interventions": len(m.interventions),
        "outcomes": len(m.outcomes),
        "links": len(m.links),
        "scenarios": len(m.scenarios),
        "targets": len(m.targets),
    }
    if json_:
        print_json(
            {
                "valid": True,
                "name": m.name,
                "counts": counts,
                "warnings": [w.to_dict() for w in warnings],
            }
        )
        return
    console.print(
        f"[green]ok[/green] {escape(m.name)}: "
        + ", ".join(count(v, k.removesuffix("s")) for k, v in counts.items()),
        highlight=False,
    )
    labels = Labels(m)
    for w in warnings:
        where = labels.path(w.path) if w.path else "the model"
        console.print(
            f"  [yellow]warning[/yellow] {escape(where)}: {escape(labels.in_words(w.message))}",
            highlight=False,
        )
    _print_targetable(m)


def _print_targetable(m: Model) -> None:
    """The outcomes a user can aim at with --target, with the identifier to type."""
    t = Table(
        title="Outcomes you can target: --target OUTCOME=AMOUNT (map, plan, uncertainty)",
        title_justify="left",
    )
    t.add_column("OUTCOME (to type)")
    t.add_column("Outcome")
    t.add_column("Unit")
    t.add_column("Model's target", justify="right")
    for oid, o in m.outcomes.items():
        t.add_row(
            oid,
            escape(o.label or oid),
            escape(o.unit or "unit"),
            qty(m.targets[oid]) if oid in m.targets else "",
        )
    console.print(t)


# ----- evaluate ------------------------------------------------------------------------------


def _evaluation_table(ev: Evaluation, m: Model) -> None:
    cur = ev.currency
    t = Table(
        title=f"{escape(ev.model_name)}: volume and cost by intervention, a period "
        f"({ev.price_year} prices)"
    )
    t.add_column("Intervention")
    t.add_column("Volume", justify="right")
    t.add_column("Full cost", justify="right")
    t.add_column("Public cost", justify="right")
    t.add_column("Co-production", justify="right")
    for iid, c in ev.intervention_costs.items():
        unit = m.interventions[iid].unit or "unit"
        t.add_row(
            escape(m.label_of(iid)),
            escape(count(ev.volumes[iid], unit)),
            money(c.full, cur),
            money(c.public, cur),
            percent(c.coproduction_share),
        )
    hours = ev.coproduction_share_hours
    t.add_row(
        "[bold]Total[/bold]",
        "",
        money(ev.cost.full, cur),
        money(ev.cost.public, cur),
        percent(ev.cost.coproduction_share)
        + ("" if hours is None else f" ({percent(hours)} of hours)"),
    )
    console.print(t)
    basis = ev.time_value
    console.print(
        "Users' and communities' time is valued "
        + (
            "as stated for each resource in the model file"
            if basis.get("per_hour") is None
            else f"at {rate(basis['per_hour'], cur)} an hour ({basis['label']})"
        )
        + ".",
        highlight=False,
        markup=False,
    )
    o = Table(title="Outcomes (change attributable to the interventions, per period)")
    o.add_column("Outcome")
    o.add_column("Level", justify="right")
    o.add_column("Unit")
    o.add_column("Value", justify="right")
    for lvl in ev.outcomes.values():
        mark = " (indicative: complex)" if lvl.complex else ""
        o.add_row(
            escape(lvl.label + mark),
            qty(lvl.level),
            escape(lvl.unit if lvl.level == 1 else plural(lvl.unit)),
            money(lvl.value_total, cur) if lvl.value_total else "",
        )
    console.print(o)
    w = Table(title="Who pays, who gains (public cost against fiscal value)")
    w.add_column("Agency")
    w.add_column("Pays", justify="right")
    w.add_column("Gains", justify="right")
    for agency, row in ev.who_pays_who_gains().items():
        label = m.agencies[agency].label if agency in m.agencies else agency.replace("_", " ")
        w.add_row(escape(label), money(row["pays"], cur), money(row["gains"], cur))
    console.print(w)
    words = caveat_words(ev.caveats.to_dict(), m)
    if words:
        console.print(
            "Caveats"
            + ("" if ev.caveats.fits else " (these volumes cannot be delivered as they stand)")
            + ":",
            highlight=False,
            markup=False,
        )
        for line in words:
            console.print(f"  • {line}", highlight=False, markup=False)


def evaluate_cmd(
    model: ModelArg,
    volume: Annotated[
        list[str] | None,
        typer.Option(
            "--volume",
            "-v",
            help="Set an intervention's volume, ID=V; repeat as needed.",
            metavar="ID=V",
        ),
    ] = None,
    scenario: ScenarioOpt = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    json_: JsonOpt = False,
    out: OutOpt = None,
    tables: TablesOpt = None,
) -> None:
    """Outcome levels, costs by sector and who pays and gains, at current or given volumes."""
    check_out_path(out, (".html",))
    check_tables_folder(tables)
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    volumes = {}
    for text in volume or []:
        name, v = parse_assignment(text, "--volume")
        if name not in m.interventions:
            raise BadInput(
                f"--volume {text}: unknown intervention '{name}'"
                f"{did_you_mean(name, m.interventions)}"
            )
        if v < 0:
            raise BadInput(f"--volume {text}: a volume cannot be negative")
        volumes[name] = v
    cm = compile_model(m)
    ev = evaluate(cm, volumes, scenarios=tuple(scenario or ()))
    if out is not None:
        from ..reports.map_report import evaluation_report

        out.write_text(evaluation_report(m, ev, compiled=cm), encoding="utf-8")
    show(
        ev.to_dict(),
        json_,
        lambda: _evaluation_table(ev, m),
        out,
        analysis="evaluate",
        tables=tables,
    )


# ----- map -------------------------------------------------------------------------------------


def print_map_table(result: BackwardsMap) -> None:
    cur = result.currency
    unit = result.outcome_unit
    t = Table(
        title=(
            f"Pathways to {qty(result.amount)} more "
            f"{escape(lower_first(result.outcome_label))} "
            f"({escape(unit if result.amount == 1 else plural(unit))}), a period — "
            f"{result.price_year} prices, ranked by {result.by} cost"
        )
    )
    t.add_column("#", justify="right")
    t.add_column("Pathway")
    t.add_column("Volume needed", justify="right")
    t.add_column(f"Full cost per {escape(unit)}", justify="right")
    t.add_column(f"Public cost per {escape(unit)}", justify="right")
    t.add_column("Co-production share (cost / hours)", justify="right")
    t.add_column("Cheapest in full when time is valued at")
    t.add_column("Within capacity")
    t.add_column("Flags")
    for k, p in enumerate(result.pathways, start=1):
        hours = "–" if p.coproduction_share_hours is None else percent(p.coproduction_share_hours)
        t.add_row(
            str(k),
            escape(p.label),
            escape(count(p.volume, p.unit)),
            money(p.cost_per_outcome_full, cur),
            money(p.cost_per_outcome_public, cur),
            f"{percent(p.coproduction_share)} / {hours}",
            _time_range(p.first_on_full_cost_when_time_valued, cur),
            "yes" if p.within_capacity else "[red]no[/red]",
            escape(flag_labels(p.flags, p.flag_shares)),
        )
    console.print(t)
    for line in unreachable_words(result):
        console.print(escape(line), highlight=False)
    if result.min_evidence is not None:
        me = result.min_evidence
        lead = result.labels.get(me["leading_pathway"], me["leading_pathway"])
        n = len(me["links_dropped"])
        console.print(
            escape(
                f"Without the {n} link{'' if n == 1 else 's'} graded below {me['grade']}: "
                + (
                    "the leading pathway is the same."
                    if me["survives"]
                    else f"the leading pathway would be {lead}."
                    if lead
                    else "no pathway reaches the target."
                )
            ),
            highlight=False,
        )
    for part in result.summary_parts():
        console.print("\n" + escape(part), highlight=False)


def _time_range(r: tuple[float, float | None] | None, cur: str) -> str:
    """'£0.00 to £4.10 an hour', 'from £321.40 an hour', or 'never'."""
    if r is None:
        return "never"
    low, high = r
    if high is None:
        return f"from {rate(low, cur)} an hour"
    return f"{rate(low, cur)} to {rate(high, cur)} an hour"


def _parse_target(m: Model, target: str | None) -> tuple[str, float]:
    if target is None:
        if m.targets:
            oid, amount = next(iter(m.targets.items()))
            return oid, float(amount)
        raise BadInput(
            "give a target: --target OUTCOME=AMOUNT, e.g. --target "
            f"{next(iter(m.outcomes), 'outcome')}=100"
        )
    oid, amount = parse_assignment(target, "--target")
    if oid not in m.outcomes:
        raise BadInput(
            f"--target {target}: unknown outcome '{oid}'"
            f"{did_you_mean(oid, m.outcomes)}; outcomes: {', '.join(m.outcomes)}"
        )
    if amount <= 0:
        raise BadInput(f"--target {target}: the amount must be above 0")
    return oid, amount


def map_cmd(
    model: ModelArg,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="OUTCOME=AMOUNT to reach (default: the model's first target).",
            show_default=False,
            metavar="OUTCOME=AMOUNT",
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option(help="Rank by 'full' or 'public' cost per outcome.", metavar="full|public"),
    ] = "full",
    paths: Annotated[int, typer.Option(help="Routes to show per pathway (largest first).")] = 10,
    co_benefits: Annotated[
        int,
        typer.Option(
            "--co-benefits", help="Other outcomes to list per pathway, largest value first."
        ),
    ] = 50,
    scenario: ScenarioOpt = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    min_evidence: MinEvidenceOpt = None,
    volunteer_wellbeing: Annotated[
        bool,
        typer.Option(
            "--volunteer-wellbeing",
            help="Also show the wellbeing volunteers gain from "
            "volunteering (the model's volunteer_wellbeing), apart from the ranking.",
        ),
    ] = False,
    json_: JsonOpt = False,
    out: OutOpt = None,
    tables: TablesOpt = None,
) -> None:
    """Backwards mapping: every pathway to the target outcome, ranked by cost per outcome."""
    check_out_path(out, (".html",))
    check_tables_folder(tables)
    if by not in ("full", "public"):
        raise BadInput(f"--by {by}: use 'full' or 'public'")
    if paths < 1:
        raise BadInput(f"--paths {paths}: give at least 1")
    if co_benefits < 0:
        raise BadInput(f"--co-benefits {co_benefits}: give 0 or more")
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    oid, amount = _parse_target(m, target)
    cm = compile_model(m)
    result = backwards_map(
        cm,
        oid,
        amount,
        by=by,
        paths=paths,
        co_benefits=co_benefits,
        scenarios=tuple(scenario or ()),
        min_evidence=min_evidence,
        volunteer_wellbeing=volunteer_wellbeing,
    )
    if out is not None:
        from ..reports.map_report import map_report

        out.write_text(map_report(m, result, compiled=cm), encoding="utf-8")
    show(
        result.to_dict(),
        json_,
        lambda: print_map_table(result),
        out,
        analysis="map",
        tables=tables,
    )
    if not result.pathways:
        raise AnalysisImpossible(f"no intervention reaches {oid}")


# ----- export ----------------------------------------------------------------------------------


def export_cmd(
    model: ModelArg,
    to: Annotated[
        str, typer.Option("--to", help="yaml, json, xlsx or elements-xlsx.", metavar="FORMAT")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="File to write (required for xlsx; text formats print otherwise)."
        ),
    ] = None,
    scenario: ScenarioOpt = None,
) -> None:
    """Write the model (with any scenarios applied) in another format."""
    from ..reports.model_files import EXPORT_FORMATS, export_model

    if to not in EXPORT_FORMATS:
        raise BadInput(
            f"--to {to}: use one of {', '.join(EXPORT_FORMATS)}{did_you_mean(to, EXPORT_FORMATS)}"
        )
    if to.endswith("xlsx"):
        if out is None:
            raise BadInput(f"--to {to} writes a workbook: give --out FILE.xlsx")
        check_out_path(out, (".xlsx",))
    elif out is not None and out.parent and not out.parent.exists():
        raise BadInput(f"--out {out}: folder {out.parent} does not exist")
    m = _load(model, scenario)
    text = export_model(m, to, out)
    if text is not None:
        console.file.write(text if text.endswith("\n") else text + "\n")
    elif out is not None:
        console.print(f"Written {out.resolve()}", highlight=False)


# ----- demo ------------------------------------------------------------------------------------


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Where to write the reports.", metavar="FOLDER")
    ] = Path("coproduce-demo"),
) -> None:
    """Try it: map the bundled older-people example backwards and write its report.

    Also keeps the model and the run in an embedded SQLite store that `coproduce serve` can
    open."""
    from ..reports.map_report import map_report

    m = load_model(f"{EXAMPLE_PREFIX}older-people")
    oid, amount = _parse_target(m, None)
    console.rule(f"[bold]{m.name}[/bold]")
    console.print(
        f"Backwards mapping from the target: {qty(amount)} more {lower_first(m.label_of(oid))}.",
        highlight=False,
        markup=False,
    )
    cm = compile_model(m)
    result = backwards_map(cm, oid, amount)
    print_map_table(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "older-people-map.html"
    report.write_text(map_report(m, result, compiled=cm), encoding="utf-8")
    console.print(f"\nHTML report: {report.resolve()}", highlight=False)
    _store_demo_run(out_dir, m.name, oid, amount, result)


def _store_demo_run(
    out_dir: Path, name: str, outcome: str, amount: float, result: BackwardsMap
) -> None:
    """Keep the example and this run in ``out_dir/coproduce.db`` (SQLite), as the web
    workspace would, so ``coproduce serve`` shows them."""
    from ..store import Store
    from ..web.demo import seed_demo

    db = (out_dir / "coproduce.db").resolve()
    url = f"sqlite:///{db}"
    store = Store.open(url)
    try:
        email, password = seed_demo(store)  # the password is set anew by `serve --demo`
        actor = store.authenticate(email, password)
        stored = next(sm for sm in store.list_models(actor) if sm.name == name)
        version = store.get_version(actor, stored.id)
        run = store.create_run(
            actor,
            "map",
            {
                "outcome": outcome,
                "amount": amount,
                "by": result.by,
                "paths": 10,
                "model_name": stored.name,
                "version": version.number,
            },
            model_version_id=version.id,
        )
        store.finish_run(run.id, status="done", result=result.to_dict())
    finally:
        store.close()
    console.print(
        f"Stored in the embedded SQLite store {db}: the example model "
        f"(version {version.number}) and this run (#{run.id}).",
        highlight=False,
    )
    console.print(
        f"Browse it: .venv/bin/coproduce serve --demo --database {url} "
        "(it prints the demo analyst's sign-in)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("evaluate")(evaluate_cmd)
    app.command("map")(map_cmd)
    app.command("export")(export_cmd)
    app.command("demo")(demo)
