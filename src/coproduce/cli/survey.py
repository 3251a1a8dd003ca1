"""``coproduce survey``: describe, estimate, correlates and capacity for co-production surveys.

DATA is a survey file (.csv, .xlsx, .sav, .dta, .parquet) or ``example:five-nation`` (the
bundled SYNTHETIC survey); ``--codebook`` says what its columns mean. With neither, the bundled
example is used.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .common import (
    BadInput,
    TablesOpt,
    check_out_path,
    check_tables_folder,
    console,
    err_console,
    print_json,
    write_tables,
)

survey_app = typer.Typer(
    help="Citizen co-production surveys: who co-produces, why, where.", no_args_is_help=True
)

DATA_ARG = typer.Argument(None, help="Survey file, or example:five-nation (synthetic demo).")
CODEBOOK = typer.Option(None, "--codebook", "-c", help="Codebook (.yaml, .json or .xlsx).")
JSON = typer.Option(False, "--json", help="Print the result object as JSON.")
OUT = typer.Option(None, "--out", help="Write a report: .html or .xlsx.")
BY = typer.Option(None, "--by", help="Domain variable (default: the codebook's country).")


def _load(data: str | None, codebook: str | None):
    from ..survey import load_survey

    prepared = load_survey(data, codebook)
    return prepared, prepared.design()


def _banner(synthetic: bool) -> None:
    if synthetic:
        console.print("[bold yellow]SYNTHETIC data[/]: demonstration only, not survey results.")


def _fmt(v) -> str:
    from ..formatting import quantity

    return quantity(None if v is None or (isinstance(v, float) and v != v) else float(v))


def _words(prepared, effects=()):
    from ..presentation.survey import SurveyWords

    return SurveyWords(prepared.codebook, effects)


@survey_app.command("describe")
def describe_cmd(
    data: str = DATA_ARG, codebook: str = CODEBOOK, json_: bool = JSON, out: Path = OUT
) -> None:
    """The file and its design: items, answers, covariates, index reliability."""
    check_out_path(out, (".html", ".xlsx"))
    from ..survey import describe

    prepared, design = _load(data, codebook)
    result = describe(prepared, design)
    if json_:
        print_json(result.to_dict())
    else:
        _banner(result.synthetic)
        words = _words(prepared)
        d = result.design
        calibrated = ", ".join(words.variable(v).lower() for v in d["calibrated"]) or "no"
        console.print(
            f"[bold]{escape(result.title)}[/]\n{d['respondents']:,} respondents, "
            f"{d['strata']} strata, {d['clusters']} clusters, "
            f"population {_fmt(d['population'])}, calibrated to: "
            f"{escape(calibrated)}",
            highlight=False,
        )
        table = Table("Item", "Sector", "Type", "Answered", "Answers")
        for it in result.items:
            table.add_row(
                escape(words.item(it["item"])),
                escape(words.sector(it["sector"])),
                it["type"],
                _fmt(it["answered"]),
                escape(", ".join(f"{k} {_fmt(v)}" for k, v in it["answers"].items())),
            )
        console.print(table)
        rel = Table("Index", "Items", "Cronbach's alpha", "Complete cases")
        for r in result.reliability:
            rel.add_row(escape(words.group(r.group)), str(len(r.items)), _fmt(r.alpha), _fmt(r.n))
        console.print(rel)
    _write(out, result, "describe", prepared.codebook)


@survey_app.command("estimate")
def estimate_cmd(
    data: str = DATA_ARG,
    codebook: str = CODEBOOK,
    by: str = BY,
    variable: list[str] = typer.Option(
        None, "--variable", "-v", help="Also estimate this variable."
    ),
    min_cell: int = typer.Option(None, "--min-cell", help="Suppress cells below this count."),
    json_: bool = JSON,
    out: Path = OUT,
    tables: TablesOpt = None,
) -> None:
    """Prevalence of co-production by country, sector and type, and mean indices."""
    check_out_path(out, (".html", ".xlsx"))
    check_tables_folder(tables)
    if min_cell is not None and min_cell < 1:
        raise BadInput("--min-cell must be 1 or more")
    from ..survey import estimate

    prepared, design = _load(data, codebook)
    result = estimate(prepared, design, by=by, min_cell=min_cell, variables=variable or None)
    if tables is not None:
        written = write_tables("survey", result.to_dict(), tables)
        if not json_:
            console.print(f"{len(written)} tables written to {tables.resolve()}", markup=False)
    if json_:
        print_json(result.to_dict())
    else:
        from ..formatting import percent

        _banner(result.synthetic)
        words = _words(prepared)
        frame = result.prevalence.to_frame()
        key = result.by
        table = Table(
            *([words.variable(key)] if key else []),
            "Activities",
            "Share taking part",
            "95% interval",
            "Respondents",
        )
        for _, r in frame.iterrows():
            if r["suppressed"]:
                share, ci = "not shown", escape(_why(r["note"], result.min_cell))
            else:
                share, ci = percent(r["value"]), f"{percent(r['low'])} to {percent(r['high'])}"
            table.add_row(
                *([escape(str(r[key]))] if key else []),
                escape(words.group(r["group"])),
                share,
                ci,
                _fmt(r["n"]),
            )
        console.print(table)
        console.print(
            escape(
                f"A share is not shown when fewer than {result.min_cell} "
                f"respondents take part, or fewer than {result.min_cell} do not: "
                "the few on one side could be recognised."
            ),
            highlight=False,
        )
    _write(out, result, "estimate", prepared.codebook)


def _why(note, min_cell: int) -> str:
    """Why a share is not shown, briefly: which side of it has too few people."""
    text = "" if note is None else str(note)
    if "do not take part" in text:
        return f"nearly everyone takes part (fewer than {min_cell} do not)"
    if "take part" in text:
        return f"fewer than {min_cell} take part"
    return f"fewer than {min_cell} answered"


def _parse_fix(fix: list[str] | None) -> dict:
    out = {}
    for text in fix or []:
        if "=" not in text:
            raise BadInput(f"--fix '{text}': write NAME=VALUE, e.g. --fix country='United Kingdom'")
        name, _, value = text.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            out[name.strip()] = value.strip()
    return out


@survey_app.command("correlates")
def correlates_cmd(
    data: str = DATA_ARG,
    codebook: str = CODEBOOK,
    outcome: str = typer.Option(
        "takes_part_collective", "--outcome", "-y", help="An item, index_GROUP or takes_part_GROUP."
    ),
    formula: str = typer.Option(None, "--formula", help="Model formula, e.g. 'y ~ age + gender'."),
    family: str = typer.Option(None, "--family", help="gaussian, binomial or ordinal."),
    by: str = typer.Option(None, "--by", help="Also fit one model per group."),
    json_: bool = JSON,
    out: Path = OUT,
) -> None:
    """Survey-weighted models of who co-produces, with design-based SEs and AMEs."""
    check_out_path(out, (".html", ".xlsx"))
    if family is not None and family not in ("gaussian", "binomial", "ordinal"):
        raise BadInput(f"--family '{family}': use gaussian, binomial or ordinal")
    from ..survey import correlates

    prepared, design = _load(data, codebook)
    result = correlates(prepared, design, outcome, formula=formula, family=family, by=by)
    if json_:
        print_json(result.to_dict())
    else:
        from ..presentation.words import signed
        from ..reports.survey import p_words

        _banner(result.synthetic)
        words = _words(prepared, result.effects.rows)
        console.print(
            f"[bold]{escape(words.formula(result.formula))}[/] ({result.family} "
            f"model; {result.pooled.n:,} respondents; design degrees of freedom "
            f"{result.pooled.df})",
            highlight=False,
        )
        table = Table("Term", "Estimate", "Standard error", "95% interval", "p-value")
        for _, r in result.pooled.to_frame().iterrows():
            table.add_row(
                escape(words.term(r["term"])),
                signed(r["estimate"]),
                _fmt(r["se"]),
                f"{signed(r['low'])} to {signed(r['high'])}",
                p_words(r["p_value"]),
            )
        console.print(table)
        ame = Table(
            "Variable",
            "Contrast",
            f"Average marginal effect ({escape(result.effects.quantity)})",
            "Standard error",
        )
        for r in result.effects.rows:
            ame.add_row(
                escape(words.variable(r["variable"])),
                escape(str(r["contrast"]).replace(" vs ", " against ")),
                signed(r["ame"]),
                _fmt(r["se"]),
            )
        console.print(ame)
    _write(out, result, "correlates", prepared.codebook)


@survey_app.command("capacity")
def capacity_cmd(
    data: str = DATA_ARG,
    codebook: str = CODEBOOK,
    cells: str = typer.Option(
        "example:areas", "--cells", help="Census-style counts: area, cells, adults."
    ),
    outcome: str = typer.Option("takes_part_collective", "--outcome", "-y"),
    formula: str = typer.Option(None, "--formula"),
    hours: list[str] = typer.Option(
        None,
        "--hours-per-participant",
        "--hours",
        help='Hours a participant gives a year: a number or JSON {"dist": ...}; '
        "GROUP=VALUE for one kind or sector (collective=20, safety_collective=12). Needs "
        "--hours-source. Without it: the survey's hours question in the codebook.",
    ),
    hours_source: str = typer.Option(
        None,
        "--hours-source",
        help="Where --hours-per-participant comes from (a survey, a publication, records).",
    ),
    fix: list[str] = typer.Option(None, "--fix", help="Hold a model variable at a value."),
    area: str = typer.Option("area", "--area", help="Area column of the cells."),
    count: str = typer.Option("adults", "--count", help="Count column."),
    draws: int = typer.Option(2000, "--draws"),
    seed: int = typer.Option(1, "--seed"),
    to_model: str = typer.Option(
        None,
        "--to-model",
        help="Write each area's hours into this model (file or example:NAME) as a scenario.",
    ),
    resource: str = typer.Option(
        None, "--resource", help="The model's community-hours resource, e.g. volunteer_hour."
    ),
    out_model: Path = typer.Option(
        None,
        "--out-model",
        help="Where to write the new model (.yaml, .json); default: standard output.",
    ),
    json_: bool = JSON,
    out: Path = OUT,
) -> None:
    """Expected co-production rate and available hours per area, with uncertainty, for the
    outcome and split by kind of co-production (individual, collective) and sector; with
    --to-model, a scenario per area setting the resource's available hours."""
    check_out_path(out, (".html", ".xlsx"))
    model = _check_to_model(to_model, resource, out_model, json_)
    from dataclasses import replace

    from ..survey import capacity, fit_glm
    from ..survey.areas import (
        capacity_split,
        example_hours_figures,
        hours_plan,
        missing_hours_message,
        survey_hours,
    )
    from ..survey.correlation import resolve_outcome
    from ..survey.examples import is_example_survey, resolve
    from ..survey.measures import item_groups
    from ..survey.readers import read_survey

    if draws < 10:
        raise BadInput("--draws must be at least 10")
    given = _parse_hours(hours)
    if given and not (hours_source or "").strip():
        raise BadInput(
            "--hours-per-participant needs --hours-source: say where the figure comes from "
            '(e.g. --hours-source "our volunteer centre\'s records, 2024"); no figure is used '
            "without its source"
        )
    if hours_source is not None and not given:
        raise BadInput("--hours-source goes with --hours-per-participant")
    prepared, design = _load(data, codebook)
    groups = [g for g in item_groups(prepared.codebook) if g != "all"]
    groups.sort(key=lambda g: (g not in ("individual", "collective"), "_" not in g))
    for key in given:
        if key is not None and key not in groups:
            from ..model.errors import did_you_mean

            raise BadInput(
                f"--hours-per-participant {key}=...: '{key}' is not a kind or sector of "
                f"co-production in the codebook{did_you_mean(key, groups)}; use one of "
                f"{', '.join(groups)}"
            )
    example = is_example_survey(data, codebook)
    found, notes = ({}, [])
    if prepared.codebook.hours:
        cb_file = codebook if codebook is not None else data
        found, notes = survey_hours(
            prepared,
            design,
            codebook_file=str(resolve(cb_file, want="codebook")) if cb_file else None,
        )
    plan = hours_plan(
        given,
        hours_source,
        survey=found,
        example=example_hours_figures() if example else None,
    )
    column = resolve_outcome(prepared, outcome)
    group = column.removeprefix("takes_part_") if column.startswith("takes_part_") else None
    figure = plan.for_group(group, outcome=True)
    if figure is None:
        raise BadInput(
            missing_hours_message(_words(prepared).variable(column), example=example and not given)
        )
    cell_frame = read_survey(resolve(cells)).frame
    if formula is None:
        # by default: the variables the cells carry, and the country held at --fix
        usable = [v for v in prepared.codebook.covariates if v in cell_frame.columns]
        fixed = _parse_fix(fix)
        usable += [v for v in fixed if v not in usable]
        if not usable:
            raise BadInput("the cells share no covariate with the codebook; give --formula")
        formula = f"{column} ~ {' + '.join(usable)}"
    fit = fit_glm(design, formula, "binomial")
    result = capacity(
        fit,
        cell_frame,
        area=area,
        count=count,
        hours_per_participant=figure,
        fixed=_parse_fix(fix),
        draws=draws,
        seed=seed,
        synthetic=prepared.codebook.synthetic,
    )
    split = capacity_split(
        design,
        prepared.codebook,
        cell_frame,
        covariates=formula.split("~", 1)[1],
        hours=plan,
        area=area,
        count=count,
        fixed=_parse_fix(fix),
        draws=draws,
        seed=seed,
        reuse=fit,
    )
    result = replace(result, split=split, notes=(*notes, *split.notes))
    hand_off = None
    if model is not None:
        from ..survey.to_model import capacity_to_model

        hand_off = capacity_to_model(
            result, model, resource, source=Path(str(data)).name if data else "example:five-nation"
        )
    if json_:
        payload = result.to_dict()
        if hand_off is not None:
            payload["to_model"] = {**hand_off.to_dict(), "model_file": str(out_model)}
        print_json(payload)
    elif hand_off is not None and out_model is None:
        # the model goes to standard output (to redirect into a file); the table is not shown
        _write_model(hand_off, None)
    else:
        _print_capacity(result, _words(prepared))
    if hand_off is not None and (json_ or out_model is not None):
        _write_model(hand_off, out_model)
    _write(out, result, "capacity", prepared.codebook)


def _parse_hours(values: list[str] | None) -> dict:
    """``--hours-per-participant`` values: ``{None: figure}`` for a bare figure (every kind and
    the outcome), ``{group: figure}`` for ``GROUP=VALUE``; a figure is a number or JSON."""
    import re

    out: dict = {}
    for text in values or []:
        key, value = None, text.strip()
        m = re.match(r"^([A-Za-z][\w-]*)\s*=\s*(.+)$", value)
        if m:
            key, value = m[1], m[2].strip()
        try:
            parsed = json.loads(value) if value.startswith("{") else float(value)
            from ..model.distributions import parse_quantity

            parse_quantity(parsed)
        except (ValueError, json.JSONDecodeError) as exc:
            raise BadInput(
                f"--hours-per-participant '{text}': give a number of hours, a distribution "
                f'(JSON, e.g. {{"dist": "triangular", "low": 10, "mode": 20, "high": 40}}) '
                f"or GROUP=VALUE ({exc})"
            ) from None
        if key in out:
            what = f"'{key}'" if key else "every kind"
            raise BadInput(f"--hours-per-participant: two figures for {what}; give one")
        out[key] = parsed
    return out


def _print_capacity(result, words) -> None:
    from ..formatting import percent
    from ..presentation.survey import hours_basis_words, hours_from_words

    _banner(result.synthetic)
    console.print(f"[bold]{escape(words.formula(result.formula))}[/]", highlight=False)
    console.print(
        escape(f"Hours per participant: {hours_basis_words(result.hours_figure, result.period)}"),
        highlight=False,
    )
    level = percent(result.level)
    table = Table(
        "Area",
        "Adults",
        "Share co-producing",
        f"{level} interval",
        "Hours",
        f"{level} interval",
    )
    for r in result.rows:
        table.add_row(
            escape(str(r["area"])),
            _fmt(r["adults"]),
            percent(r["rate"]),
            f"{percent(r['rate_low'])} to {percent(r['rate_high'])}",
            _fmt(r["hours"]),
            f"{_fmt(r['hours_low'])} to {_fmt(r['hours_high'])}",
        )
    console.print(table)
    split = result.split
    if split is not None and split.rows:
        kinds = [g["group"] for g in split.groups if g["sector"] == "all"]
        by_kind = Table(
            "Area",
            *[c for k in kinds for c in (f"{k.capitalize()}: share", f"{k.capitalize()}: hours")],
            title=f"By kind of co-production (hours a {result.period})",
        )
        areas = list(dict.fromkeys(r["area"] for r in split.rows))
        for a in areas:
            cells = []
            for k in kinds:
                r = split.row(a, k)
                cells += [percent(r["rate"]), _hours_cell(r)]
            by_kind.add_row(escape(str(a)), *cells)
        console.print(by_kind)
        sectors = list(dict.fromkeys(g["sector"] for g in split.groups if g["sector"] != "all"))
        if sectors:
            by_sector = Table(
                "Area",
                "Sector",
                *[
                    c
                    for k in kinds
                    for c in (f"{k.capitalize()}: share", f"{k.capitalize()}: hours")
                ],
                title=f"By sector (hours a {result.period})",
            )
            have = {g["group"] for g in split.groups}
            for a in areas:
                for s in sectors:
                    cells = []
                    for k in kinds:
                        if f"{s}_{k}" in have:
                            r = split.row(a, f"{s}_{k}")
                            cells += [percent(r["rate"]), _hours_cell(r)]
                        else:
                            cells += ["–", "–"]
                    by_sector.add_row(escape(str(a)), escape(words.sector(s)), *cells)
            console.print(by_sector)
        for line in hours_from_words(split, words, result.period, main=result.hours_figure):
            console.print(f"  • {escape(line)}", highlight=False)
    for note in result.notes:
        console.print(f"note: {escape(note)}", highlight=False)


def _hours_cell(row: dict) -> str:
    return "–" if row["hours"] is None else _fmt(row["hours"])


def _check_to_model(
    to_model: str | None, resource: str | None, out_model: Path | None, json_: bool
):
    """The --to-model model, loaded, after checking the options that go with it."""
    if to_model is None:
        for name, value in (("--resource", resource), ("--out-model", out_model)):
            if value is not None:
                raise BadInput(f"{name} goes with --to-model MODEL")
        return None
    if resource is None:
        raise BadInput(
            "--to-model needs --resource: the model's community-hours resource "
            "(e.g. --resource volunteer_hour)"
        )
    if out_model is not None and out_model.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise BadInput(f"--out-model '{out_model}': write the model as .yaml or .json")
    if out_model is None and json_:
        raise BadInput("with --json, give --out-model FILE for the new model")
    from ..model import load_model
    from ..survey.to_model import check_resource

    model = load_model(to_model)
    check_resource(model, resource)  # before the slow part
    return model


def _write_model(hand_off, out_model: Path | None) -> None:
    from ..model import load_model
    from ..reports.model_files import model_json, model_yaml

    model = load_model(hand_off.model)
    text = (
        model_json(model)
        if out_model is not None and out_model.suffix.lower() == ".json"
        else model_yaml(model)
    )
    if out_model is None:
        print(text, end="")
    else:
        out_model.write_text(text, encoding="utf-8")
    for note in hand_off.notes:
        err_console.print(f"note: {note}", highlight=False)
    from ..formatting import count

    names = ", ".join(str(s["area"]) for s in hand_off.scenarios)
    what = (
        model.label_of(hand_off.resource)
        if hand_off.resource in model.resources
        else hand_off.resource.replace("_", " ")
    )
    err_console.print(
        f"{'wrote ' + str(out_model) + ': ' if out_model else ''}"
        f"{count(len(hand_off.scenarios), 'area scenario')} setting the hours "
        f"available of {what} ({names})",
        highlight=False,
        markup=False,
    )


@survey_app.command("template")
def template_cmd(
    out: Path = typer.Argument(..., help="The workbook to write (.xlsx)."),
    codebook: str = typer.Option(
        None,
        "--codebook",
        "-c",
        help="Write this codebook (YAML, JSON, XLSX or "
        "example:five-nation) as a workbook instead "
        "of the blank template.",
    ),
) -> None:
    """Write a codebook workbook: the template (headers, an example row per sheet, a README
    sheet) or, with --codebook, an existing codebook converted to XLSX."""
    if out.suffix.lower() != ".xlsx":
        raise BadInput(f"'{out}': the template is a workbook; name it .xlsx")
    from ..survey.codebook_xlsx import TEMPLATE, write_codebook_xlsx

    if codebook is None:
        data = TEMPLATE
    else:
        from ..survey.codebook import load_codebook
        from ..survey.examples import resolve

        data = load_codebook(resolve(codebook, want="codebook")).to_dict()
    write_codebook_xlsx(data, out)
    err_console.print(f"wrote {out}", highlight=False)
    if data.get("hours"):
        # the workbook has no sheet for them yet: say so rather than drop them unseen
        err_console.print(
            f"note: the codebook's hours questions ({', '.join(data['hours'])}) are not in "
            "the workbook, which has no sheet for them; keep them in a YAML or JSON codebook",
            highlight=False,
            markup=False,
        )


def _write(out: Path | None, result, kind: str, codebook=None) -> None:
    if out is None:
        return
    from ..reports.survey import write_report

    write_report(result, kind, out, codebook=codebook)
    err_console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``coproduce survey ...`` to the main app."""
    app.add_typer(survey_app, name="survey")
