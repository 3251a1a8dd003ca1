"""Commands ``uncertainty`` (Monte Carlo on a strategy map) and ``voi`` (on a draws file)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ..engine.uncertain import EVIDENCE_CV
from ..presentation.labels import Labels
from ..voi.registry import METHODS
from .common import (
    BadInput,
    JsonOpt,
    MinEvidenceOpt,
    ModelArg,
    OutOpt,
    SchedulerOpt,
    TablesOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    WorkersOpt,
    check_out_path,
    check_tables_folder,
    console,
    err_console,
    load_for_analysis,
    parse_assignment,
    show,
)

if TYPE_CHECKING:
    from ..engine.draws import DrawsTable
    from ..voi.analysis import UncertaintyResult
    from ..voi.studyfile import StudyPlan

WtpOpt = Annotated[
    float,
    typer.Option("--wtp", help="Willingness to pay per unit of the target outcome (money), λ."),
]
GroupOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group",
        help="A named group of inputs for EVPPI: NAME=input1,input2 (repeatable).",
        metavar="NAME=INPUTS",
    ),
]
PopOpt = Annotated[
    float | None,
    typer.Option(
        "--population", help="People (or decisions) affected a year, for population EVPI."
    ),
]
HorizonOpt = Annotated[
    int, typer.Option("--horizon", help="Years the decision applies, for population EVPI.")
]
RateOpt = Annotated[
    float, typer.Option("--discount", help="Discount rate for population EVPI (Green Book 3.5%).")
]
SobolOpt = Annotated[
    bool,
    typer.Option(
        "--sobol", help="Add first-order Sobol indices (RBD-FAST on the draws; needs SALib)."
    ),
]
StudyOpt = Annotated[
    Path | None,
    typer.Option(
        "--study",
        help="A study file (.yaml or .json): studies to weigh before the decision "
        "(design, the inputs each informs, sizes, costs), the population and horizon, and the "
        "research agenda; adds EVSI, ENBS and the best size of each (docs/uncertainty.md).",
        show_default=False,
        metavar="FILE.yaml",
    ),
]

_METHOD_HELP = "; ".join(f"{m.name.replace('_', ' ')}: {m.summary}" for m in METHODS.values())


def _groups(items: list[str] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item:
            raise BadInput(f"--group '{item}': write NAME=input1,input2")
        name, _, members = item.partition("=")
        cols = [c.strip() for c in members.split(",") if c.strip()]
        if not name.strip() or not cols:
            raise BadInput(f"--group '{item}': give a name and at least one input")
        out[name.strip()] = cols
    return out


def _check_common(wtp: float, population: float | None, horizon: int, rate: float) -> None:
    if not math.isfinite(wtp) or wtp < 0:
        raise BadInput(f"--wtp {wtp}: willingness to pay must be a finite number ≥ 0")
    if population is not None and (not math.isfinite(population) or population <= 0):
        raise BadInput(f"--population {population}: must be a positive number")
    if horizon < 1:
        raise BadInput(f"--horizon {horizon}: must be at least 1 year")
    if not 0 <= rate < 1:
        raise BadInput(f"--discount {rate}: give a rate such as 0.035")


def _evidence_cv(text: str | None) -> dict[int, float]:
    table = dict(EVIDENCE_CV)
    if not text:
        return table
    for part in text.split(","):
        grade, value = parse_assignment(part.strip(), "--evidence-cv")
        if grade not in {"1", "2", "3", "4", "5"}:
            raise BadInput(f"--evidence-cv '{part}': the grade must be 1 to 5")
        if value < 0:
            raise BadInput(f"--evidence-cv '{part}': the coefficient of variation must be ≥ 0")
        table[int(grade)] = value
    return table


def _analyse(
    table: DrawsTable,
    wtp: float,
    groups: dict[str, list[str]],
    population: float | None,
    horizon: int,
    rate: float,
    sobol: bool = False,
    studies: StudyPlan | None = None,
    model=None,  # type: ignore[no-untyped-def]
    seed: int = 1,
) -> UncertaintyResult:
    from ..voi.analysis import analyse

    missing = [
        f"{g}: {c}" for g, cols in groups.items() for c in cols if c not in table.inputs.columns
    ]
    if missing:
        raise BadInput(
            "--group names inputs that are not in the draws: "
            + "; ".join(missing)
            + ". Inputs are: "
            + ", ".join(map(str, table.inputs.columns[:20]))
        )
    if sobol:
        try:
            import SALib  # noqa: F401
        except ImportError:
            raise BadInput("--sobol needs the SALib package: pip install SALib") from None
    return analyse(
        table,
        wtp,
        groups=groups,
        population=population,
        horizon=horizon,
        rate=rate,
        sobol=sobol,
        studies=studies,
        model=model,
        seed=seed,
    )


def _print(result: UncertaintyResult, labels: Labels | None = None) -> None:
    from ..formatting import percent
    from ..presentation.flags import flag_labels
    from ..presentation.words import amount
    from ..reports.uncertainty import (
        NOT_FIT,
        caveat_sentences,
        describe_input,
        notes_words,
        why_not_fit,
    )

    lab = labels if labels is not None else Labels(None)
    d = result.to_dict()
    cur = d.get("currency", "")
    target = d.get("target")
    per = f"per {target['unit']}" if target and target.get("unit") else "a unit"
    t = Table(
        title=f"Options at a willingness to pay of {amount(result.wtp, cur)} {per} "
        f"({result.n_draws:,} draws)"
    )
    t.add_column("Option")
    t.add_column("Net benefit (mean)", justify="right")
    t.add_column("95% interval", justify="right")
    t.add_column("Chance it is best", justify="right")
    if result.fits is not None:
        t.add_column("Fits")
        t.add_column("Caveats")
    for o in sorted(result.options, key=lambda o: -result.net_benefit[o][0]):
        m, lo, hi = result.net_benefit[o]
        row = [
            escape(lab(o)),
            amount(m, cur),
            f"{amount(lo, cur)} to {amount(hi, cur)}",
            percent(result.prob_best[o]),
        ]
        if result.fits is not None:
            # an option that does not fit is marked wherever it is named
            row[0] = escape(lab(o) if result.fits[o] else f"{lab(o)} [{NOT_FIT}]")
            row.append("yes" if result.fits[o] else escape("no: " + why_not_fit(d, o, lab)))
            row.append(escape(flag_labels(result.flags(o))))
        t.add_row(*row)
    console.print(t)
    for sentence in caveat_sentences(d, lab):
        console.print(escape(sentence), highlight=False)
    console.print(f"EVPI: {amount(result.evpi, cur)} per decision", highlight=False)
    if result.population_evpi is not None:
        console.print(f"Population EVPI: {amount(result.population_evpi, cur)}", highlight=False)
    if result.evppi:
        e = Table(title="Where better evidence is worth most (EVPPI)")
        e.add_column("Input or group of inputs")
        e.add_column("EVPPI", justify="right")
        from ..formatting import share_of_variance

        se, r2 = result.evppi_se or {}, result.evppi_r2 or {}
        if se:
            e.add_column("± (95%)", justify="right")
            e.add_column("R² of the fit", justify="right")
        for name, v in list(result.evppi.items())[:15]:
            row = [escape(describe_input(name, lab)), amount(v, cur)]
            if se:
                row += [
                    amount(1.96 * se[name], cur) if name in se else "–",
                    share_of_variance(r2[name]) if name in r2 else "–",
                ]
            e.add_row(*row)
        console.print(e)
    _print_studies(d, lab)
    for note in notes_words(d, lab):
        console.print(f"Note: {escape(note)}", highlight=False)


def _print_studies(d: dict, lab: Labels) -> None:
    """Each study's EVSI and ENBS by size, the sentence that says whether to commission it,
    and the research agenda."""
    from ..formatting import count
    from ..presentation.words import amount, capital
    from ..reports.uncertainty import (
        agenda_sentences,
        agenda_shown,
        study_sentences,
        study_size,
        study_title,
    )

    cur = d.get("currency", "")
    for st in (d.get("studies") or {}).values():
        t = Table(title=capital(study_title(st, lab)))
        for head in (
            "Size",
            "EVSI per decision",
            "± (95%)",
            "Worth to the decision",
            "Cost",
            "ENBS",
            "95% interval",
        ):
            t.add_column(head, justify="left" if head == "Size" else "right")
        for p in st["points"]:
            mark = " (best)" if p["n"] == st["best_n"] else ""
            t.add_row(
                escape(study_size(st, p["n"]).split(" ", 1)[1] + mark),
                amount(p["evsi"], cur),
                "–" if p["se"] is None else amount(1.96 * p["se"], cur),
                amount(p["population_evsi"], cur),
                amount(p["cost"], cur),
                amount(p["enbs"], cur),
                "–" if p["low"] is None else f"{amount(p['low'], cur)} to {amount(p['high'], cur)}",
            )
        console.print(t)
    for sentence in study_sentences(d, lab):
        console.print(escape(sentence), highlight=False)
    rows = d.get("research_agenda")
    if rows is None:
        return
    shown, _rest = agenda_shown(d)
    if shown:
        a = Table(title="Research agenda: a study for each weakly evidenced link")
        for head in ("Link", "Evidence grade", "EVPPI", "Recommended study", "ENBS", "Cost"):
            a.add_column(head, justify="right" if head in ("EVPPI", "ENBS", "Cost") else "left")
        for r in shown:
            a.add_row(
                escape(r["link"]),
                "ungraded" if r["grade"] is None else f"{r['grade']} of 5",
                amount(r["evppi"], cur),
                escape(
                    capital(f"{r['design']} with {count(r['best_n'], 'participant')}")
                    if r["worth_commissioning"]
                    else "None repays its cost"
                ),
                amount(r["best_enbs"], cur),
                amount(r["cost"], cur),
            )
        console.print(a)
    for sentence in agenda_sentences(d, lab):
        console.print(escape(sentence), highlight=False)


def _run_with_progress(fn, draws: int):  # type: ignore[no-untyped-def]
    if not sys.stderr.isatty() or draws < 20_000:
        return fn(None)
    with Progress(
        TextColumn("drawing"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("draws", total=draws)
        return fn(lambda done, total: bar.update(task, completed=done))


def uncertainty(
    model: ModelArg,
    target: Annotated[
        str,
        typer.Option(
            "--target",
            help="The outcome to reach and how much of it: OUTCOME=AMOUNT.",
            metavar="OUTCOME=AMOUNT",
        ),
    ],
    wtp: WtpOpt,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")] = 1,
    chunk: Annotated[
        int | None,
        typer.Option(
            "--chunk", help="Draws propagated at once (memory); results do not depend on it."
        ),
    ] = None,
    spend: Annotated[
        float | None,
        typer.Option(
            "--spend", help="Compare interventions at this public spend each, not at the target."
        ),
    ] = None,
    portfolios: Annotated[
        bool,
        typer.Option(
            "--portfolios",
            help="Compare the model's decision scenarios as portfolios (baseline "
            "+ each); belief scenarios are sensitivity analyses, never options.",
        ),
    ] = False,
    portfolio: Annotated[
        list[str] | None,
        typer.Option(
            "--portfolio", help="With --portfolios: only these decision scenarios (repeatable)."
        ),
    ] = None,
    evidence_priors: Annotated[
        bool,
        typer.Option(
            "--evidence-priors",
            help="Give plain link effects a lognormal spread by evidence "
            "grade (CV 0.75/0.5/0.35/0.2/0.1 for grades 1-5).",
        ),
    ] = False,
    evidence_cv: Annotated[
        str | None,
        typer.Option(
            "--evidence-cv",
            help="Override the grade table, e.g. 1=0.9,2=0.6.",
            metavar="GRADE=CV,...",
        ),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="Apply a scenario first; repeat to stack them.", metavar="NAME"
        ),
    ] = None,
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    min_evidence: MinEvidenceOpt = None,
    group: GroupOpt = None,
    population: PopOpt = None,
    horizon: HorizonOpt = 10,
    discount: RateOpt = 0.035,
    sobol: SobolOpt = False,
    json_: JsonOpt = False,
    out: OutOpt = None,
    draws_out: Annotated[
        Path | None,
        typer.Option("--draws-out", help="Also write the draws table (.csv or .parquet)."),
    ] = None,
    study: StudyOpt = None,
    scheduler: SchedulerOpt = "local",
    workers: WorkersOpt = None,
    tables: TablesOpt = None,
) -> None:
    """Propagate uncertainty through a strategy map: which option is best, how sure, and
    where better evidence pays.

    Net benefit, probability each option is best, acceptability curve, incremental analysis,
    EVPI and EVPPI; each option's caveats and fit, every belief scenario as a sensitivity
    analysis, and the values of users' and communities' time over which the answer holds."""
    check_out_path(out, (".html",))
    check_tables_folder(tables)
    if draws_out is not None:
        check_out_path(draws_out, (".csv", ".parquet"))
    _check_common(wtp, population, horizon, discount)
    if draws < 2:
        raise BadInput(f"--draws {draws}: need at least 2 draws")
    if workers is not None and workers < 1:
        raise BadInput(f"--workers {workers}: must be at least 1")
    if chunk is not None and chunk < 1:
        raise BadInput(f"--chunk {chunk}: must be at least 1")
    if spend is not None and portfolios:
        raise BadInput("--spend and --portfolios are different kinds of option: choose one")
    if spend is not None and (not math.isfinite(spend) or spend <= 0):
        raise BadInput(f"--spend {spend}: give a positive public spend")
    if portfolio and not portfolios:
        raise BadInput("--portfolio needs --portfolios")
    from ..engine.simulate import belief_names, simulate

    outcome, amount = parse_assignment(target, "--target")
    cv = _evidence_cv(evidence_cv)
    m = load_for_analysis(model, scenario, time_value, time_value_per_hour)
    plan = None
    if study is not None:  # checked before any drawing: a bad file costs nothing
        from ..voi.studyfile import read_study_file

        plan = read_study_file(
            study,
            m,
            evidence_priors=evidence_priors,
            evidence_cv=cv,
            population=population,
            horizon=horizon,
        )
    # every belief is a sensitivity analysis, except one already applied with --scenario
    beliefs = [b for b in belief_names(m) if b not in (scenario or [])]
    mode = "spend" if spend is not None else "scenarios" if portfolios else "target"
    from ..scale.executors import SchedulerError, executor

    try:
        runner = executor(scheduler, workers)
    except SchedulerError as exc:
        raise BadInput(str(exc)) from None
    with runner:  # the same draws table wherever the chunks run
        table = _run_with_progress(
            lambda cb: simulate(
                m,
                (outcome, amount),
                draws,
                seed,
                mode=mode,
                spend=spend,
                scenarios=portfolio,
                evidence_priors=evidence_priors,
                evidence_cv=cv,
                chunk=chunk,
                progress=cb,
                executor=runner,
                beliefs=beliefs,
                min_evidence=min_evidence,
            ),
            draws,
        )
    result = _analyse(
        table,
        wtp,
        _groups(group),
        population,
        horizon,
        discount,
        sobol,
        studies=plan,
        model=m,
        seed=seed,
    )
    if draws_out is not None:
        table.write(draws_out)
    labels = Labels(m)
    if out is not None:
        from ..reports.uncertainty import write_report

        write_report(result, table, out, labels=labels)
    show(
        result.to_dict(),
        json_,
        lambda: _print(result, labels),
        out,
        analysis="uncertainty",
        tables=tables,
    )


def voi(
    draws_file: Annotated[
        Path,
        typer.Argument(
            help="A draws table (.csv or .parquet): effect:OPTION and cost:OPTION columns (or "
            "net_benefit:OPTION), other numeric columns are inputs.",
            show_default=False,
            metavar="DRAWS",
        ),
    ],
    wtp: WtpOpt,
    group: GroupOpt = None,
    population: PopOpt = None,
    horizon: HorizonOpt = 10,
    discount: RateOpt = 0.035,
    sobol: SobolOpt = False,
    study: StudyOpt = None,
    evsi: Annotated[
        list[str] | None,
        typer.Option(
            "--evsi",
            help="A study to weigh, without a study file: NAME=DESIGN:INPUT1,INPUT2:N1,N2"
            " (sizes), optionally :FIXED_COST,COST_PER_PARTICIPANT; designs trial_binary, binary, "
            "normal_known, pilot, survey. Needs --population (repeatable).",
            metavar="NAME=DESIGN:INPUTS:SIZES",
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Random seed of the studies' simulated data (same seed, same EVSI)."
        ),
    ] = 1,
    json_: JsonOpt = False,
    out: OutOpt = None,
) -> None:
    """Value of information and incremental analysis of draws made by any model."""
    check_out_path(out, (".html",))
    _check_common(wtp, population, horizon, discount)
    if study is not None and evsi:
        raise BadInput(
            "--study and --evsi: give the studies in one place (add them to the study file)"
        )
    if evsi and population is None:
        raise BadInput(
            "--evsi: give --population (people or decisions affected a year) to "
            "weigh each study against its cost"
        )
    from ..engine.draws import DrawsError, DrawsTable

    try:
        table = DrawsTable.read(draws_file)
    except DrawsError as exc:
        raise BadInput(str(exc)) from None
    plan = None
    columns = [str(c) for c in table.inputs.columns]
    if study is not None:
        from ..voi.studyfile import read_study_file

        plan = read_study_file(study, None, columns=columns, population=population, horizon=horizon)
    elif evsi:
        from ..voi.studyfile import evsi_spec, study_plan

        specs: dict = {}
        for text in evsi:
            specs.update(evsi_spec(text))
        plan = study_plan(
            {"population": population, "horizon": horizon, "studies": specs}, None, columns=columns
        )
    result = _analyse(
        table, wtp, _groups(group), population, horizon, discount, sobol, studies=plan, seed=seed
    )
    if out is not None:
        from ..reports.uncertainty import write_report

        write_report(result, table, out, labels=Labels(None))
    show(result.to_dict(), json_, lambda: _print(result), out)


def register(app: typer.Typer) -> None:
    app.command("uncertainty", help=uncertainty.__doc__)(uncertainty)
    # rich markup would eat "[NB]" in "E − max E[NB]": the methods are escaped
    app.command("voi", help=(voi.__doc__ or "") + "\n\nMethods: " + escape(_METHOD_HELP))(voi)
