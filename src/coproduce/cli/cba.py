"""``coproduce cba`` (cost-benefit appraisal) and ``coproduce costs search`` (unit-cost library)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .common import (
    BadInput,
    TablesOpt,
    TimeValueOpt,
    TimeValuePerHourOpt,
    check_out_path,
    check_tables_folder,
    console,
    print_json,
    show,
)

costs_app = typer.Typer(
    help="The bundled unit-cost library (GMCA Unit Cost Database v1.4).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command(
        "cba",
        help="Cost-benefit appraisal: net present value, benefit-cost ratio, "
        "payback and who pays and who gains, for an appraisal file or a strategy-map "
        "scenario.\n\n"
        "FILE is an appraisal file (YAML/JSON/XLSX, or example:balsall-heath / "
        "example:falls-prevention); or appraise a strategy-map scenario with "
        "--from-model MODEL --scenario NAME --years N (users' and communities' time "
        "valued as the model values it: --time-value, --time-value-per-hour; the "
        "option's caveats carried). --template OUT.xlsx writes a workbook to start "
        "from.",
    )(cba)
    app.add_typer(costs_app, name="costs")


def cba(
    file: str | None = typer.Argument(
        None,
        help="Appraisal file (.yaml, .json or .xlsx), or example:NAME for a bundled one.",
        metavar="FILE",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result object as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Write a report: .html or .xlsx."),
    draws: int = typer.Option(0, "--draws", help="Monte Carlo draws (0: deterministic only)."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed for the draws."),
    time_valuation: str | None = typer.Option(
        None,
        "--time-valuation",
        help="Value time given by: replacement_cost, opportunity_cost, minimum_wage, "
        "living_wage or zero (overrides the file).",
    ),
    from_model: str | None = typer.Option(
        None,
        "--from-model",
        help="Build the appraisal from a strategy map (file or "
        "example:NAME): the scenario(s) against the map as it stands.",
    ),
    scenario: list[str] = typer.Option(
        [], "--scenario", help="With --from-model: scenario to appraise (repeat to stack)."
    ),
    years: int | None = typer.Option(
        None, "--years", help="With --from-model: the appraisal period in years."
    ),
    save_appraisal: Path | None = typer.Option(
        None,
        "--save-appraisal",
        help="With --from-model: also write the appraisal file "
        "built (.yaml, .json or .xlsx) to edit and re-run.",
    ),
    template: Path | None = typer.Option(
        None, "--template", help="Write a template appraisal workbook (.xlsx) and stop."
    ),
    time_value: TimeValueOpt = None,
    time_value_per_hour: TimeValuePerHourOpt = None,
    tables: TablesOpt = None,
) -> None:
    from ..appraisal import appraise
    from ..appraisal.schema import TIME_METHODS

    given = [
        n
        for n, v in (("FILE", file), ("--from-model", from_model), ("--template", template))
        if v is not None
    ]
    if len(given) != 1:
        raise BadInput(
            "give one of: an appraisal FILE, --from-model MODEL or --template "
            f"OUT.xlsx{' (got ' + ', '.join(given) + ')' if given else ''}"
        )
    if template is not None:
        from ..appraisal.workbook import write_template

        check_out_path(template, (".xlsx",))
        write_template(template)
        console.print(f"Template written to {template}", highlight=False)
        return
    if from_model is None and (
        scenario
        or years is not None
        or save_appraisal is not None
        or time_value is not None
        or time_value_per_hour is not None
    ):
        raise BadInput(
            "--scenario, --years, --save-appraisal, --time-value and "
            "--time-value-per-hour go with --from-model MODEL (an appraisal file "
            "values time with --time-valuation)"
        )
    check_out_path(out, (".html", ".xlsx"))
    check_tables_folder(tables)
    if draws < 0:
        raise BadInput(f"--draws {draws}: give 0 or more draws")
    if draws > 1_000_000:
        raise BadInput(f"--draws {draws}: at most 1,000,000")
    if time_valuation is not None and time_valuation not in TIME_METHODS:
        raise BadInput(f"--time-valuation {time_valuation}: use one of {', '.join(TIME_METHODS)}")
    source: str | dict
    built = None
    if from_model is not None:
        if time_valuation is not None and time_valuation != "zero":
            # the appraisal's own rates are uprated with its deflator: a second figure for
            # the same hour. A model's time is valued on the model's bases only.
            raise BadInput(
                f"--time-valuation {time_valuation} with --from-model: value users' "
                "and communities' time as the model does, with --time-value NAME "
                "(a basis the model names, zero or as_stated) or "
                "--time-value-per-hour X"
            )
        if time_valuation == "zero":
            if time_value is not None and time_value != "zero":
                raise BadInput(f"--time-valuation zero and --time-value {time_value}: give one")
            time_value, time_valuation = "zero", None
        built = _from_model(
            from_model, scenario, years, draws, save_appraisal, time_value, time_value_per_hour
        )
        source = built.data
    else:
        assert file is not None
        if not file.startswith("example:") and not Path(file).exists():
            raise BadInput(f"{file}: file not found")
        source = file
    result = appraise(source, draws=draws, seed=seed, time_valuation=time_valuation)
    extra = built.to_dict() if built is not None else None
    from ..presentation.labels import Labels

    labels = Labels(built.model) if built is not None else Labels(None)
    if out is not None:
        if out.suffix.lower() == ".html":
            from ..reports.cba import write_html

            write_html(result, out, from_model=extra, labels=labels)
        else:
            from ..reports.cba_xlsx import write_xlsx

            write_xlsx(result, out, from_model=extra)
    data = built.merge_into(result.to_dict()) if built is not None else result.to_dict()
    show(
        data,
        json_out,
        lambda: _print(result, extra, labels),
        out,
        analysis="appraisal",
        tables=tables,
    )
    if save_appraisal is not None and not json_out:
        console.print(f"Appraisal file written to {save_appraisal}", highlight=False)


def _from_model(
    model: str,
    scenarios: list[str],
    years: int | None,
    draws: int,
    save: Path | None,
    time_value: str | None,
    per_hour: float | None,
):
    """The appraisal built from the model (a ModelAppraisal), with the appraisal under each of
    the model's bases of time for the report and --json."""
    from dataclasses import replace

    from ..appraisal.from_model import build_from_model, time_value_sensitivity
    from ..model.load import EXAMPLE_PREFIX, load_model
    from ..model.time_value import AS_STATED

    if years is None:
        raise BadInput("--from-model needs --years N, the appraisal period (the model is per year)")
    if not 1 <= years <= 500:
        raise BadInput(f"--years {years}: give 1 to 500 years")
    if draws:
        raise BadInput(
            "--draws with --from-model: the appraisal is built from the model's "
            "means, so there is nothing to sample; run coproduce uncertainty on the "
            "model, or --save-appraisal, add distributions and appraise that file"
        )
    if save is not None:
        check_out_path(save, (".yaml", ".yml", ".json", ".xlsx"))
    if not model.startswith(EXAMPLE_PREFIX) and not Path(model).exists():
        raise BadInput(f"{model}: model file not found")
    # valued at load, as every analysis command loads a model: a basis overwrites the unit
    # cost of every hour it values, so "as stated" needs the file's own figures, loaded apart
    valued = load_model(model, time_value=time_value, time_value_per_hour=per_hour)
    built = build_from_model(valued, scenarios, years)
    raw = load_model(model, time_value=AS_STATED)
    built = replace(
        built, time_values=time_value_sensitivity(raw, scenarios, years, per_hour=per_hour)
    )
    data = built.data
    if save is not None:
        suffix = save.suffix.lower()
        if suffix == ".xlsx":
            from ..appraisal.workbook import write_appraisal_xlsx

            write_appraisal_xlsx(data, save)
        elif suffix == ".json":
            import json

            save.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        else:
            import yaml

            save.write_text(
                yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100),
                encoding="utf-8",
            )
    return built


def _fmt(x: float | None, money: bool = True, currency: str = "GBP") -> str:
    import math

    from ..appraisal.words import amount, ratio

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return amount(x, currency) if money else ratio(x)


def _print(result, from_model: dict | None = None, labels=None) -> None:
    from rich.markup import escape

    from ..appraisal.words import schedule_words
    from ..formatting import percent

    console.print(
        f"[bold]{escape(result.name)}[/bold]  ({result.currency}, "
        f"{result.price_base} prices, discounted at "
        f"{escape(schedule_words(result.schedule))}, {result.years} years)",
        highlight=False,
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("Figure")
    for o in result.options.values():
        table.add_column(o.label, justify="right")
    rows = [
        ("PV costs (all, incl. time given)", "pv_costs", True),
        ("  of which public", "pv_public_costs", True),
        ("  of which time given", "pv_time_costs", True),
        ("PV fiscal benefits", "pv_fiscal", True),
        ("PV economic benefits", "pv_economic", True),
        ("PV social benefits", "pv_social", True),
        ("Net present public value", "npv_public_value", True),
        ("Benefit-cost ratio", "benefit_cost_ratio", False),
        ("Net present budget impact", "net_present_budget_impact", True),
        ("Fiscal return on investment", "fiscal_roi", False),
    ]
    for label, key, money in rows:
        table.add_row(
            label, *[_fmt(o.figures[key], money, result.currency) for o in result.options.values()]
        )
    labels = result.year_labels
    table.add_row(
        "Payback year (discounted)",
        *[
            labels[o.payback["discounted"]] if o.payback["discounted"] is not None else "none"
            for o in result.options.values()
        ],
    )
    table.add_row(
        "Payback year (undiscounted)",
        *[
            labels[o.payback["undiscounted"]] if o.payback["undiscounted"] is not None else "none"
            for o in result.options.values()
        ],
    )
    if result.uncertainty:
        table.add_row(
            "Chance the NPV is above zero",
            *[percent(o.uncertainty["prob_npv_positive"]) for o in result.options.values()],
        )
    console.print(table)
    for line in result.summary()[1:]:
        console.print(escape(line.strip()), highlight=False)
    if from_model is not None:
        _print_from_model(result, from_model)
    for note in result.notes:
        if from_model is not None and note.startswith("Caveats carried from"):
            continue  # printed above, one a line
        console.print(f"[dim]Note: {escape(note)}[/dim]", highlight=False)


def _print_from_model(result, extra: dict) -> None:
    """The basis of time, the option's caveats and the appraisal under each basis."""
    from rich.markup import escape

    from ..appraisal.words import rate_words

    tv = extra["time_value"]
    per = (
        f"at {rate_words(tv['per_hour'], result.currency)} an hour ({tv['label']})"
        if tv["per_hour"] is not None
        else tv["label"]
    )
    console.print(
        escape(f"Users' and communities' time is valued as the model values it: {per}."),
        highlight=False,
    )
    for oid, o in extra["options"].items():
        label = result.options[oid].label if oid in result.options else oid
        if o["caveats_in_words"]:
            console.print(
                f"[bold]Caveats for {escape(label)}[/bold]"
                + ("" if o["fits"] else " [red](cannot be delivered as it stands)[/red]"),
                highlight=False,
            )
            for line in o["caveats_in_words"]:
                console.print(f"  - {escape(line)}", highlight=False)
        if o["time_values"]:
            t = Table(
                title=f"{escape(label)}: under each of the model's values of time",
                show_header=True,
                header_style="bold",
            )
            for col in ("Basis", "An hour", "PV of time given", "NPV", "BCR"):
                t.add_column(col, justify="left" if col == "Basis" else "right")
            for name, r in o["time_values"].items():
                t.add_row(
                    escape(r["label"]) + (" (in use)" if name == tv["name"] else ""),
                    rate_words(r["per_hour"], result.currency)
                    if r["per_hour"] is not None
                    else "as stated",
                    _fmt(r["pv_time_costs"], True, result.currency),
                    _fmt(r["npv_public_value"], True, result.currency),
                    _fmt(r["benefit_cost_ratio"], False),
                )
            console.print(t)


@costs_app.command("search", help="Search the unit-cost library, e.g. coproduce costs search A&E")
def costs_search(
    query: str = typer.Argument(..., help="Words to find in code, description, unit or agency."),
    json_out: bool = typer.Option(False, "--json", help="Print the matches as JSON."),
    price_year: str | None = typer.Option(
        None, "--price-year", help="Also show values uprated to this year (e.g. 2015/16, 2024)."
    ),
    limit: int = typer.Option(50, "--limit", help="At most this many matches."),
) -> None:
    from ..appraisal.deflators import get_deflator
    from ..appraisal.unit_costs import ATTRIBUTION, search
    from ..formatting import money

    if not query.strip():
        raise BadInput('give some words to search for, e.g. coproduce costs search "A&E"')
    deflator = "gmca-ucd-1.4"
    if price_year is not None:
        try:
            get_deflator(deflator).lookup(price_year)
        except ValueError:
            deflator = "hmt-2025-12"
            try:
                get_deflator(deflator).lookup(price_year)
            except ValueError as exc:
                raise BadInput(f"--price-year {price_year}: {exc}") from None
    hits = search(query, limit=limit)
    if json_out:
        print_json(
            {
                "query": query,
                "count": len(hits),
                "attribution": ATTRIBUTION,
                "entries": [e.to_dict(price_year, deflator) for e in hits],
            }
        )
        return
    if not hits:
        console.print(f"No unit costs match '{query}'.", highlight=False)
        return
    table = Table(show_header=True, header_style="bold")
    for col in ("Code", "Description", "Unit", "Agency", "Fiscal", "Economic", "Social", "RAG"):
        table.add_column(
            col, justify="right" if col in ("Fiscal", "Economic", "Social") else "left"
        )
    for e in hits:
        cells = []
        for k in ("fiscal", "economic", "social"):
            v = e.values.get(k)
            if v is None:
                cells.append("")
            elif price_year is not None:
                cells.append(f"{money(e.uprated(k, price_year, deflator))} ({price_year})")
            else:
                cells.append(f"{money(v[0])} ({v[1]})")
        table.add_row(e.code, e.description, e.unit, e.agency_label, *cells, e.rag)
    console.print(table)
    from ..formatting import count

    console.print(
        f"{count(len(hits), 'match')}. Source: {ATTRIBUTION}; each entry's original "
        "source is in --json.",
        highlight=False,
    )
