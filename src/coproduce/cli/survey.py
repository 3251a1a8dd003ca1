"""``coproduce survey``: describe, estimate, correlates and capacity for co-production surveys.

DATA is a survey file (.csv, .xlsx, .sav, .dta, .parquet) or ``example:five-nation`` (the
bundled SYNTHETIC survey); ``--codebook`` says what its columns mean. With neither, the bundled
example is used.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from .common import BadInput, check_out_path, console, err_console, print_json

survey_app = typer.Typer(help="Citizen co-production surveys: who co-produces, why, where.",
                         no_args_is_help=True)

DATA_ARG = typer.Argument(None, help="Survey file, or example:five-nation (synthetic demo).")
CODEBOOK = typer.Option(None, "--codebook", "-c", help="Codebook (.yaml or .json).")
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


def _fmt(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    return f"{v:,.{digits}f}"


@survey_app.command("describe")
def describe_cmd(data: str = DATA_ARG, codebook: str = CODEBOOK, json_: bool = JSON,
                 out: Path = OUT) -> None:
    """The file and its design: items, answers, covariates, index reliability."""
    check_out_path(out, (".html", ".xlsx"))
    from ..survey import describe

    prepared, design = _load(data, codebook)
    result = describe(prepared, design)
    if json_:
        print_json(result.to_dict())
    else:
        _banner(result.synthetic)
        d = result.design
        console.print(f"[bold]{result.title}[/]\n{d['respondents']:,} respondents, "
                      f"{d['strata']} strata, {d['clusters']} clusters, "
                      f"population {d['population']:,.0f}, calibrated: "
                      f"{', '.join(d['calibrated']) or 'no'}")
        table = Table("item", "sector", "type", "answered", "answers")
        for it in result.items:
            table.add_row(it["item"], it["sector"], it["type"], str(it["answered"]),
                          ", ".join(f"{k} {v}" for k, v in it["answers"].items()))
        console.print(table)
        rel = Table("index", "items", "Cronbach's alpha", "complete cases")
        for r in result.reliability:
            rel.add_row(r.group, str(len(r.items)), _fmt(r.alpha, 2), str(r.n))
        console.print(rel)
    _write(out, result, "describe")


@survey_app.command("estimate")
def estimate_cmd(data: str = DATA_ARG, codebook: str = CODEBOOK, by: str = BY,
                 variable: list[str] = typer.Option(None, "--variable", "-v",
                                                    help="Also estimate this variable."),
                 min_cell: int = typer.Option(None, "--min-cell",
                                              help="Suppress cells below this count."),
                 json_: bool = JSON, out: Path = OUT) -> None:
    """Prevalence of co-production by country, sector and type, and mean indices."""
    check_out_path(out, (".html", ".xlsx"))
    if min_cell is not None and min_cell < 1:
        raise BadInput("--min-cell must be 1 or more")
    from ..survey import estimate

    prepared, design = _load(data, codebook)
    result = estimate(prepared, design, by=by, min_cell=min_cell, variables=variable or None)
    if json_:
        print_json(result.to_dict())
    else:
        _banner(result.synthetic)
        frame = result.prevalence.to_frame()
        key = result.by
        table = Table(*([key] if key else []), "group", "% taking part", "95% CI", "n")
        for _, r in frame.iterrows():
            ci = "suppressed" if r["suppressed"] else \
                f"{100 * r['low']:.1f}–{100 * r['high']:.1f}"
            table.add_row(*([str(r[key])] if key else []), r["group"],
                          _fmt(None if r["suppressed"] else 100 * r["value"]), ci, str(r["n"]))
        console.print(table)
    _write(out, result, "estimate")


def _parse_fix(fix: list[str] | None) -> dict:
    out = {}
    for text in fix or []:
        if "=" not in text:
            raise BadInput(f"--fix '{text}': write NAME=VALUE, e.g. --fix country='United "
                           "Kingdom'")
        name, _, value = text.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            out[name.strip()] = value.strip()
    return out


@survey_app.command("correlates")
def correlates_cmd(data: str = DATA_ARG, codebook: str = CODEBOOK,
                   outcome: str = typer.Option("takes_part_collective", "--outcome", "-y",
                                               help="An item, index_GROUP or takes_part_GROUP."),
                   formula: str = typer.Option(None, "--formula",
                                               help="Model formula, e.g. 'y ~ age + gender'."),
                   family: str = typer.Option(None, "--family",
                                              help="gaussian, binomial or ordinal."),
                   by: str = typer.Option(None, "--by", help="Also fit one model per group."),
                   json_: bool = JSON, out: Path = OUT) -> None:
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
        _banner(result.synthetic)
        console.print(f"[bold]{result.formula}[/] ({result.family}; n = {result.pooled.n:,}; "
                      f"design df {result.pooled.df})")
        table = Table("term", "estimate", "SE", "95% CI", "p")
        for _, r in result.pooled.to_frame().iterrows():
            table.add_row(r["term"], f"{r['estimate']:.4f}", f"{r['se']:.4f}",
                          f"{r['low']:.3f} – {r['high']:.3f}", f"{r['p_value']:.3g}")
        console.print(table)
        ame = Table("variable", "contrast", f"AME ({result.effects.quantity})", "SE")
        for r in result.effects.rows:
            ame.add_row(r["variable"], r["contrast"], f"{r['ame']:.4f}", f"{r['se']:.4f}")
        console.print(ame)
    _write(out, result, "correlates")


@survey_app.command("capacity")
def capacity_cmd(data: str = DATA_ARG, codebook: str = CODEBOOK,
                 cells: str = typer.Option("example:areas", "--cells",
                                           help="Census-style counts: area, cells, adults."),
                 outcome: str = typer.Option("takes_part_collective", "--outcome", "-y"),
                 formula: str = typer.Option(None, "--formula"),
                 hours: str = typer.Option("20", "--hours",
                                           help="Hours per participant per period: a number "
                                                "or JSON {\"dist\": ...}."),
                 fix: list[str] = typer.Option(None, "--fix",
                                               help="Hold a model variable at a value."),
                 area: str = typer.Option("area", "--area", help="Area column of the cells."),
                 count: str = typer.Option("adults", "--count", help="Count column."),
                 draws: int = typer.Option(2000, "--draws"),
                 seed: int = typer.Option(1, "--seed"),
                 json_: bool = JSON, out: Path = OUT) -> None:
    """Expected co-production rate and available hours per area, with uncertainty."""
    check_out_path(out, (".html", ".xlsx"))
    from ..model.distributions import parse_quantity
    from ..survey import capacity, fit_glm
    from ..survey.correlation import resolve_outcome
    from ..survey.examples import resolve
    from ..survey.readers import read_survey

    if draws < 10:
        raise BadInput("--draws must be at least 10")
    try:
        hours_q = parse_quantity(json.loads(hours) if hours.strip().startswith("{") else hours)
    except (ValueError, json.JSONDecodeError) as exc:
        raise BadInput(f"--hours '{hours}': {exc}") from None
    prepared, design = _load(data, codebook)
    cell_frame = read_survey(resolve(cells)).frame
    column = resolve_outcome(prepared, outcome)
    if formula is None:
        # by default: the variables the cells carry, and the country held at --fix
        usable = [v for v in prepared.codebook.covariates if v in cell_frame.columns]
        fixed = _parse_fix(fix)
        usable += [v for v in fixed if v not in usable]
        if not usable:
            raise BadInput("the cells share no covariate with the codebook; give --formula")
        formula = f"{column} ~ {' + '.join(usable)}"
    fit = fit_glm(design, formula, "binomial")
    result = capacity(fit, cell_frame, area=area, count=count, hours_per_participant=hours_q,
                      fixed=_parse_fix(fix), draws=draws, seed=seed,
                      synthetic=prepared.codebook.synthetic)
    if json_:
        print_json(result.to_dict())
    else:
        _banner(result.synthetic)
        mean_hours = hours_q if isinstance(hours_q, float) else hours_q.mean
        console.print(f"[bold]{result.formula}[/]; {_fmt(mean_hours)} hours per participant "
                      f"per {result.period}")
        table = Table("area", "adults", "% co-producing", "90% interval", "hours", "90% interval")
        for r in result.rows:
            table.add_row(r["area"], f"{r['adults']:,.0f}", _fmt(100 * r["rate"]),
                          f"{100 * r['rate_low']:.1f}–{100 * r['rate_high']:.1f}",
                          f"{r['hours']:,.0f}", f"{r['hours_low']:,.0f}–{r['hours_high']:,.0f}")
        console.print(table)
    _write(out, result, "capacity")


def _write(out: Path | None, result, kind: str) -> None:
    if out is None:
        return
    from ..reports.survey import write_report

    write_report(result, kind, out)
    err_console.print(f"wrote {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``coproduce survey ...`` to the main app."""
    app.add_typer(survey_app, name="survey")

