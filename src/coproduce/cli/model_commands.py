"""Commands on strategy maps: check, evaluate, map, export, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..engine.backwards import BackwardsMap, backwards_map
from ..engine.evaluate import Evaluation, caveat_words, evaluate
from ..formatting import money
from ..formatting import quantity as qty
from ..model import Model, compile_model, load_model
from ..model.errors import ModelError, did_you_mean
from ..model.load import EXAMPLE_PREFIX
from ..model.validate import model_warnings
from .common import (
    AnalysisImpossible,
    BadInput,
    JsonOpt,
    MinEvidenceOpt,
    ModelArg,
    OutOpt,
    ScenarioOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    check_out_path,
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
    counts = {"resources": len(m.resources), "interventions": len(m.interventions),
              "outcomes": len(m.outcomes), "links": len(m.links),
              "scenarios": len(m.scenarios), "targets": len(m.targets)}
    if json_:
        print_json({"valid": True, "name": m.name, "counts": counts,
                    "warnings": [w.to_dict() for w in warnings]})
        return
    console.print(f"[green]ok[/green] {m.name}: " + ", ".join(f"{v} {k}" for k, v in
                                                              counts.items()), highlight=False)
    for w in warnings:
        console.print(f"  [yellow]warning[/yellow] {escape(w.path)}: {escape(w.message)}",
                      highlight=False)


# ----- evaluate ------------------------------------------------------------------------------


def _evaluation_table(ev: Evaluation, m: Model) -> None:
    cur = ev.currency
    t = Table(title=f"{ev.model_name}: cost by intervention ({cur}, {ev.price_year} prices)")
    t.add_column("Intervention")
    t.add_column("Volume", justify="right")
    t.add_column("Full cost", justify="right")
    t.add_column("Public cost", justify="right")
    t.add_column("Co-production", justify="right")
    for iid, c in ev.intervention_costs.items():
        t.add_row(m.label_of(iid), qty(ev.volumes[iid]), money(c.full, cur), money(c.public, cur),
                  f"{c.coproduction_share:.0%}")
    hours = ev.coproduction_share_hours
    t.add_row("[bold]Total[/bold]", "", money(ev.cost.full, cur), money(ev.cost.public, cur),
              f"{ev.cost.coproduction_share:.0%}"
              + ("" if hours is None else f" ({hours:.0%} of hours)"))
    console.print(t)
    basis = ev.time_value
    console.print("Users' and communities' time is valued "
                  + ("as stated for each resource in the model file" if basis.get("per_hour")
                     is None else f"at {money(basis['per_hour'], cur)} an hour "
                     f"({basis['label']})") + ".", highlight=False, markup=False)
    o = Table(title="Outcomes (change attributable to the interventions, per period)")
    o.add_column("Outcome")
    o.add_column("Level", justify="right")
    o.add_column("Unit")
    o.add_column("Value", justify="right")
    for lvl in ev.outcomes.values():
        mark = " (indicative: complex)" if lvl.complex else ""
        o.add_row(lvl.label + mark, qty(lvl.level), lvl.unit,
                  money(lvl.value_total, cur) if lvl.value_total else "")
    console.print(o)
    w = Table(title="Who pays, who gains (public cost against fiscal value)")
    w.add_column("Agency")
    w.add_column("Pays", justify="right")
    w.add_column("Gains", justify="right")
    for agency, row in ev.who_pays_who_gains().items():
        label = m.agencies[agency].label if agency in m.agencies else agency
        w.add_row(label, money(row["pays"], cur), money(row["gains"], cur))
    console.print(w)
    words = caveat_words(ev.caveats.to_dict(), m)
    if words:
        console.print("Caveats" + ("" if ev.caveats.fits else
                                   " (these volumes cannot be delivered as they stand)") + ":",
                      highlight=False, markup=False)
        for line in words:
            console.print(f"  • {line}", highlight=False, markup=False)


def evaluate_cmd(
    model: ModelArg,
    volume: Annotated[list[str] | None, typer.Option(
        "--volume", "-v", help="Set an intervention's volume, ID=V; repeat as needed.")] = None,
    scenario: ScenarioOpt = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    json_: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Outcome levels, costs by sector and who pays and gains, at current or given volumes."""
    check_out_path(out, (".html",))
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    volumes = {}
    for text in volume or []:
        name, v = parse_assignment(text, "--volume")
        if name not in m.interventions:
            raise BadInput(f"--volume {text}: unknown intervention '{name}'"
                           f"{did_you_mean(name, m.interventions)}")
        if v < 0:
            raise BadInput(f"--volume {text}: a volume cannot be negative")
        volumes[name] = v
    cm = compile_model(m)
    ev = evaluate(cm, volumes, scenarios=tuple(scenario or ()))
    if out is not None:
        from ..reports.map_report import evaluation_report

        out.write_text(evaluation_report(m, ev, compiled=cm), encoding="utf-8")
    show(ev.to_dict(), json_, lambda: _evaluation_table(ev, m), out)


# ----- map -------------------------------------------------------------------------------------


def print_map_table(result: BackwardsMap) -> None:
    cur = result.currency
    t = Table(title=(f"Pathways to {qty(result.amount)} more {result.outcome_label.lower()} "
                     f"({result.outcome_unit}) — {cur}, {result.price_year} prices, ranked by "
                     f"{result.by} cost"))
    t.add_column("#", justify="right")
    t.add_column("Pathway")
    t.add_column("Volume", justify="right")
    t.add_column(f"Full cost / {result.outcome_unit}", justify="right")
    t.add_column(f"Public cost / {result.outcome_unit}", justify="right")
    t.add_column("Co-prod. share (cost / hours)", justify="right")
    t.add_column("Cheapest in full when time is valued at")
    t.add_column("Capacity")
    t.add_column("Flags")
    for k, p in enumerate(result.pathways, start=1):
        hours = "–" if p.coproduction_share_hours is None else \
            f"{p.coproduction_share_hours:.0%}"
        t.add_row(str(k), p.label, f"{qty(p.volume)} {p.unit}",
                  money(p.cost_per_outcome_full, cur), money(p.cost_per_outcome_public, cur),
                  f"{p.coproduction_share:.0%} / {hours}",
                  _time_range(p.first_on_full_cost_when_time_valued, cur),
                  "ok" if p.within_capacity else "[red]over[/red]",
                  ", ".join(f"{f} ({p.flag_shares[f]:.0%})" if f in p.flag_shares else f
                            for f in p.flags))
    console.print(t)
    if result.unreachable:
        console.print("Cannot reach this outcome: " + ", ".join(result.labels.get(i, i)
                                                               for i in result.unreachable),
                      highlight=False)
    if result.no_net_gain:
        console.print("Reach it but with no net gain (effects cancel or harm): "
                      + ", ".join(result.labels.get(i, i) for i in result.no_net_gain),
                      highlight=False)
    if result.min_evidence is not None:
        me = result.min_evidence
        lead = result.labels.get(me["leading_pathway"], me["leading_pathway"])
        console.print(
            f"Without the {len(me['links_dropped'])} links graded below {me['grade']}: "
            + ("the leading pathway is the same." if me["survives"] else
               f"the leading pathway would be {lead}." if lead else
               "no pathway reaches the target."), highlight=False)
    console.print(result.summary(), highlight=False)


def _time_range(r: tuple[float, float | None] | None, cur: str) -> str:
    """'£0 to £4.10 an hour', 'from £321 an hour', or 'never'."""
    if r is None:
        return "never"
    low, high = r
    if high is None:
        return f"from {money(low, cur)} an hour"
    return f"{money(low, cur)} to {money(high, cur)} an hour"


def _parse_target(m: Model, target: str | None) -> tuple[str, float]:
    if target is None:
        if m.targets:
            oid, amount = next(iter(m.targets.items()))
            return oid, float(amount)
        raise BadInput("give a target: --target OUTCOME=AMOUNT, e.g. --target "
                       f"{next(iter(m.outcomes), 'outcome')}=100")
    oid, amount = parse_assignment(target, "--target")
    if oid not in m.outcomes:
        raise BadInput(f"--target {target}: unknown outcome '{oid}'"
                       f"{did_you_mean(oid, m.outcomes)}; outcomes: {', '.join(m.outcomes)}")
    if amount <= 0:
        raise BadInput(f"--target {target}: the amount must be above 0")
    return oid, amount


def map_cmd(
    model: ModelArg,
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="OUTCOME=AMOUNT to reach (default: the model's first target).",
        show_default=False)] = None,
    by: Annotated[str, typer.Option(help="Rank by 'full' or 'public' cost per outcome.")] = "full",
    paths: Annotated[int, typer.Option(help="Routes to show per pathway (largest first).")] = 10,
    co_benefits: Annotated[int, typer.Option(
        "--co-benefits", help="Other outcomes to list per pathway, largest value first.")] = 50,
    scenario: ScenarioOpt = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    min_evidence: MinEvidenceOpt = None,
    volunteer_wellbeing: Annotated[bool, typer.Option(
        "--volunteer-wellbeing", help="Also show the wellbeing volunteers gain from "
        "volunteering (the model's volunteer_wellbeing), apart from the ranking.")] = False,
    json_: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Backwards mapping: every pathway to the target outcome, ranked by cost per outcome."""
    check_out_path(out, (".html",))
    if by not in ("full", "public"):
        raise BadInput(f"--by {by}: use 'full' or 'public'")
    if paths < 1:
        raise BadInput(f"--paths {paths}: give at least 1")
    if co_benefits < 0:
        raise BadInput(f"--co-benefits {co_benefits}: give 0 or more")
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    oid, amount = _parse_target(m, target)
    cm = compile_model(m)
    result = backwards_map(cm, oid, amount, by=by, paths=paths, co_benefits=co_benefits,
                           scenarios=tuple(scenario or ()), min_evidence=min_evidence,
                           volunteer_wellbeing=volunteer_wellbeing)
    if out is not None:
        from ..reports.map_report import map_report

        out.write_text(map_report(m, result, compiled=cm), encoding="utf-8")
    show(result.to_dict(), json_, lambda: print_map_table(result), out)
    if not result.pathways:
        raise AnalysisImpossible(f"no intervention reaches {oid}")


# ----- export ----------------------------------------------------------------------------------


def export_cmd(
    model: ModelArg,
    to: Annotated[str, typer.Option("--to", help="yaml, json, xlsx or elements-xlsx.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="File to write (required for xlsx; text formats print otherwise).")]
    = None,
    scenario: ScenarioOpt = None,
) -> None:
    """Write the model (with any scenarios applied) in another format."""
    from ..reports.model_files import EXPORT_FORMATS, export_model

    if to not in EXPORT_FORMATS:
        raise BadInput(f"--to {to}: use one of {', '.join(EXPORT_FORMATS)}"
                       f"{did_you_mean(to, EXPORT_FORMATS)}")
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
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where to write the reports.")]
    = Path("coproduce-demo"),
) -> None:
    """Map backwards on the bundled older-people example, write the HTML report and keep the
    model and the run in an embedded SQLite store that `coproduce serve` can open."""
    from ..reports.map_report import map_report

    m = load_model(f"{EXAMPLE_PREFIX}older-people")
    oid, amount = _parse_target(m, None)
    console.rule(f"[bold]{m.name}[/bold]")
    console.print(f"Backwards mapping from the target: {qty(amount)} more "
                  f"{m.outcomes[oid].label or oid}.", highlight=False)
    cm = compile_model(m)
    result = backwards_map(cm, oid, amount)
    print_map_table(result)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / "older-people-map.html"
    report.write_text(map_report(m, result, compiled=cm), encoding="utf-8")
    console.print(f"\nHTML report: {report.resolve()}", highlight=False)
    _store_demo_run(out_dir, m.name, oid, amount, result)


def _store_demo_run(out_dir: Path, name: str, outcome: str, amount: float,
                    result: BackwardsMap) -> None:
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
        run = store.create_run(actor, "map", {"outcome": outcome, "amount": amount,
                                              "by": result.by, "paths": 10,
                                              "model_name": stored.name,
                                              "version": version.number},
                               model_version_id=version.id)
        store.finish_run(run.id, status="done", result=result.to_dict())
    finally:
        store.close()
    console.print(f"Stored in the embedded SQLite store {db}: the example model "
                  f"(version {version.number}) and this run (#{run.id}).", highlight=False)
    console.print(f"Browse it: .venv/bin/coproduce serve --demo --database {url} "
                  "(it prints the demo analyst's sign-in)", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("evaluate")(evaluate_cmd)
    app.command("map")(map_cmd)
    app.command("export")(export_cmd)
    app.command("demo")(demo)
