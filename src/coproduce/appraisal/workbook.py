"""Appraisal files as XLSX workbooks: read, write and a template to start from.

One sheet per section of the YAML file (see ``SHEETS``): *Appraisal* (field | value, the
dotted YAML path of each setting), *Agencies*, *Options*, *Costs*, *Outcomes*, *Values*
(joined to their outcome by option and outcome label), *Discount bands*, *Grades*, *Time
rates* and *Sources*, plus a *README* sheet explaining every column. A cell holds a number,
text, or a distribution / list / mapping written as flow YAML: ``{dist: normal, mean: 1, sd:
0.2}``, ``{ucd: HE4.0}``, ``[500, 500, 400]``. Reading gives the same dict a YAML file parses
to, so the one loader validates both; problems are reported with the sheet and row.

A workbook is read within the bounds of the model workbook (:func:`coproduce.model.xlsx.
read_sheets`: rows a sheet, cells and unzipped size counted before it is opened) and each
cell's YAML within those of :func:`coproduce.model.files.load_yaml`. Text that a spreadsheet
could take for a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first) is written
as text, and read back as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..model.errors import Issue, ModelError, TooLarge, did_you_mean
from ..model.files import load_yaml

__all__ = [
    "SHEETS",
    "read_appraisal_xlsx",
    "template_data",
    "write_appraisal_xlsx",
    "write_template",
]

# sheet -> (key column(s), other columns, what a row is)
COST_FIELDS = (
    "label",
    "agency",
    "type",
    "amount",
    "by_year",
    "units",
    "unit_cost",
    "hours",
    "hours_by_year",
    "time_of",
    "valuation",
    "hourly_value",
    "from_year",
    "to_year",
    "price_year",
    "confidence",
    "optimism_bias.category",
    "optimism_bias.mitigated",
    "source",
    "notes",
)
OUTCOME_FIELDS = (
    "label",
    "unit",
    "cohort",
    "from_year",
    "to_year",
    "engagement",
    "impact",
    "deadweight",
    "displacement",
    "attribution",
    "lag",
    "persistence",
    "drop_off",
    "source",
    "notes",
)
VALUE_FIELDS = (
    "type",
    "agency",
    "value",
    "ucd",
    "agency_map",
    "include",
    "price_year",
    "confidence",
    "transfer",
    "schedule",
    "label",
    "source",
)
SHEETS: dict[str, tuple[str, ...]] = {
    "Appraisal": ("field", "value"),
    "Agencies": ("agency", "label", "sector"),
    "Options": ("option", "label", "description", "coproduced"),
    "Costs": ("option", *COST_FIELDS),
    "Outcomes": ("option", *OUTCOME_FIELDS),
    "Values": ("option", "outcome", *VALUE_FIELDS),
    "Discount bands": ("from_year", "rate"),
    "Grades": ("grade", "label", "costs", "benefits"),
    "Time rates": ("method", "value", "price_year", "source"),
    "Sources": ("source",),
}
REQUIRED_SHEETS = ("Appraisal", "Agencies", "Options")
SETTINGS = (
    "coproduce_appraisal",
    "name",
    "description",
    "currency",
    "price_base",
    "first_year",
    "years",
    "deflator",
    "discounting.schedule",
    "discounting.first_year_discounted",
    "optimism_bias.apply",
    "time_valuation.method",
    "baseline.label",
    "baseline.description",
    "notes",
)
BOOLEAN = {"coproduced", "transfer", "discounting.first_year_discounted", "optimism_bias.apply"}
LISTS = {"by_year", "hours_by_year", "include"}
TEXT = {
    "label",
    "description",
    "source",
    "notes",
    "name",
    "baseline.label",
    "baseline.description",
    "outcome",
    "option",
    "agency",
    "unit",
    "field",
}

HELP: dict[str, str] = {
    "field": "A setting, by its path in the YAML file (e.g. discounting.schedule).",
    "value": "Its value.",
    "coproduce_appraisal": "Format version: 1.",
    "name": "Name of the appraisal.",
    "currency": "Currency code; default GBP.",
    "price_base": "Price year of all results: 2024 (calendar) or 2024/25 (financial).",
    "first_year": "Optional calendar label of year 0 (reports then say 2025, 2026, ...).",
    "years": "Appraisal period in years (1-500); years are numbered 0, 1, 2, ...",
    "deflator": "hmt-2025-12 (default) or gmca-ucd-1.4.",
    "discounting.schedule": "green-book(-2022), green-book-health(-2022) or custom (then fill "
    "Discount bands).",
    "discounting.first_year_discounted": "TRUE to discount year 0 by one year.",
    "optimism_bias.apply": "FALSE to ignore confidence grades.",
    "time_valuation.method": "How time given is valued: replacement_cost, opportunity_cost, "
    "minimum_wage, living_wage or zero.",
    "baseline.label": "What every option is compared against.",
    "agency": "Identifier of an agency (lower-case letters, digits, _); in Costs: who pays; "
    "in Values: who gains a fiscal value.",
    "sector": "public (default), private, third, user or community.",
    "option": "Identifier of an option (lower-case letters, digits, _); in Costs, Outcomes "
    "and Values: the option the row belongs to.",
    "label": "Words shown in reports.",
    "description": "Optional longer description.",
    "coproduced": "TRUE marks a co-produced option.",
    "type": "Costs: capital, revenue or in_kind. Values: fiscal, economic or social.",
    "amount": "£ a year in each year from_year..to_year (give exactly one of amount, by_year, "
    "units with unit_cost, hours, hours_by_year).",
    "by_year": "£ in years 0, 1, ... as a list: [50000, 40000].",
    "units": "Units a year, with unit_cost.",
    "unit_cost": "£ per unit: a number, a distribution or {ucd: CODE}.",
    "hours": "Hours of time given a year (type in_kind).",
    "hours_by_year": "Hours in years 0, 1, ... as a list.",
    "time_of": "For hours: volunteers or service_users.",
    "valuation": "For hours: overrides time_valuation.method for this row.",
    "hourly_value": "For hours: this row's own £ an hour under its valuation method.",
    "from_year": "First year (default 0).",
    "to_year": "Last year (default the last year of the appraisal).",
    "price_year": "Price year of the figure (default price_base).",
    "confidence": "Confidence grade 1-6 (optimism bias on costs, haircut on values).",
    "optimism_bias.category": "Green Book generic category, e.g. standard_buildings.",
    "optimism_bias.mitigated": "Share of the optimism-bias factors mitigated, 0-1.",
    "source": "Where the figure comes from.",
    "notes": "Anything else.",
    "unit": "What one outcome is (default 'outcome').",
    "cohort": "People starting a year (from_year..to_year), or a list by year: [500, 500].",
    "engagement": "Share engaging, 0-1 (default 1).",
    "impact": "Share succeeding (impact rate), 0-1 (default 1).",
    "deadweight": "Share that would have happened anyway, 0-1 (default 0).",
    "displacement": "Share displaced from elsewhere, 0-1 (default 0).",
    "attribution": "Share due to others, 0-1 (default 0).",
    "lag": "Years before benefits start (default 0).",
    "persistence": "Years the benefit lasts (default 1).",
    "drop_off": "Share lost each year after the first, 0-1.",
    "outcome": "The label of the outcome (as in Outcomes, same option) this value belongs to.",
    "ucd": "Shorthand: every value of a unit-cost library entry (leave type and value empty).",
    "agency_map": "With ucd: map library agencies to yours, {local_authority: council}.",
    "include": "With ucd: which kinds to take, [fiscal, social].",
    "transfer": "TRUE for a fiscal transfer payment (not public value).",
    "schedule": "Optional: discount this value on another schedule (e.g. green-book-health).",
    "rate": "Discount rate from from_year on, e.g. 0.035.",
    "grade": "Confidence grade number.",
    "costs": "Uplift on costs at this grade, e.g. 0.10.",
    "benefits": "Reduction of values at this grade, e.g. 0.10.",
    "method": "replacement_cost, opportunity_cost, minimum_wage or living_wage.",
}
HELP_ROWS = {"value": "Its value (number, text, TRUE/FALSE)."}


# ----------------------------------------------------------------------------------- reading


def _cell(v: Any, column: str, where: str, issues: list[Issue], file: str | None) -> Any:
    """The value of one cell: numbers as they are, flow YAML parsed, TRUE/FALSE for flags."""
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return None
        if column in BOOLEAN and s.lower() in ("true", "false", "yes", "no"):
            return s.lower() in ("true", "yes")
        if s[0] in "{[" and column not in TEXT:
            try:
                return load_yaml(s)
            except ModelError as exc:
                if isinstance(exc, TooLarge):
                    raise TooLarge(
                        [Issue(column, i.message, file=_at(file, where)) for i in exc.issues]
                    ) from None
                problem = (exc.issues[0].message if exc.issues else str(exc)).splitlines()[0]
                issues.append(
                    Issue(
                        column,
                        f"cannot read '{s}': {problem}; write a "
                        "distribution as {dist: normal, mean: 1, sd: 0.2} and a "
                        "list as [1, 2, 3]",
                        file=_at(file, where),
                    )
                )
                return None
        if column in LISTS:
            return [p.strip() for p in s.split(",")] if column == "include" else s
        return s
    if hasattr(v, "isoformat"):  # a date cell where a year was meant
        return str(v.year) if hasattr(v, "year") else str(v)
    if (
        isinstance(v, float)
        and v.is_integer()
        and column
        in (
            "from_year",
            "to_year",
            "lag",
            "persistence",
            "years",
            "first_year",
            "grade",
            "confidence",
            "price_year",
            "price_base",
        )
    ):
        return int(v)
    return v


def _at(file: str | None, where: str) -> str:
    return f"{file} [{where}]" if file else f"[{where}]"


def _set(target: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        target = target.setdefault(p, {})
    target[parts[-1]] = value


def _rows(table: list[tuple], sheet: str, file: str | None, issues: list[Issue]):
    """Yield (row number, {column: raw value}) for the non-empty rows under the header."""
    rows = iter(table)
    header: list[str | None] = []
    header_row = 0
    for r, row in enumerate(rows, start=1):
        if any(c not in (None, "") for c in row):
            header = [str(c).strip() if c not in (None, "") else None for c in row]
            header_row = r
            break
    if not header_row:
        return
    allowed = SHEETS[sheet]
    cols: dict[int, str] = {}
    for j, h in enumerate(header):
        if h is None:
            continue
        if h not in allowed:
            issues.append(
                Issue(
                    h,
                    f"unknown column '{h}'{did_you_mean(h, allowed)}; columns "
                    f"of {sheet}: {', '.join(allowed)}",
                    file=_at(file, f"sheet '{sheet}' row {header_row}"),
                )
            )
            continue
        cols[j] = h
    for r, row in enumerate(rows, start=header_row + 1):
        values = {cols[j]: v for j, v in enumerate(row) if j in cols and v not in (None, "")}
        if values:
            yield r, values


def read_appraisal_xlsx(path: str | Path) -> tuple[dict, dict[str, str]]:
    """Read an appraisal workbook: (the file's data as a dict, places) where ``places`` maps a
    field path such as ``options.classes.costs[2]`` to ``sheet 'Costs' row 5``. Problems of
    the workbook itself (unknown sheets or columns, unreadable cells, rows naming an unknown
    option or outcome) raise :class:`ModelError`, each with its sheet and row."""
    from ..model.xlsx import read_sheets

    path = Path(path)
    file = str(path)
    try:
        # within the model workbook's bounds: rows, cells and size counted before it is opened
        book = read_sheets(path, file=file)
    except TooLarge:
        raise
    except ModelError as exc:  # a damaged or non-XLSX file
        raise ModelError(
            [
                Issue(
                    "",
                    "cannot open as an XLSX workbook: "
                    + i.message.removeprefix("cannot read the workbook: "),
                    file=file,
                )
                for i in exc.issues
            ]
        ) from None
    issues: list[Issue] = []
    places: dict[str, str] = {}
    names = [n for n in book if n != "README"]
    for n in names:
        if n not in SHEETS:
            issues.append(
                Issue(
                    "",
                    f"unknown sheet '{n}'{did_you_mean(n, SHEETS)}; sheets: "
                    f"{', '.join(SHEETS)} (and README)",
                    file=file,
                )
            )
    for n in REQUIRED_SHEETS:
        if n not in book:
            issues.append(
                Issue(
                    "",
                    f"the workbook has no '{n}' sheet; start from coproduce "
                    "cba --template OUT.xlsx",
                    file=file,
                )
            )
    if issues:
        raise ModelError(issues)

    def rows(sheet: str):
        if sheet not in book:
            return
        for r, raw in _rows(book[sheet], sheet, file, issues):
            where = f"sheet '{sheet}' row {r}"
            # a setting's value is read by the setting's own kind, below
            yield (
                where,
                {
                    k: v
                    if (sheet, k) == ("Appraisal", "value")
                    else _cell(v, k, where, issues, file)
                    for k, v in raw.items()
                },
            )

    data: dict[str, Any] = {}
    for where, row in rows("Appraisal"):
        field = row.get("field")
        if field is None:
            issues.append(Issue("field", "a value without a field name", file=_at(file, where)))
            continue
        field = str(field)
        if field not in SETTINGS and field != "sources":
            issues.append(
                Issue(
                    field,
                    f"unknown setting '{field}'"
                    f"{did_you_mean(field, SETTINGS)}; settings: "
                    f"{', '.join(SETTINGS)}",
                    file=_at(file, where),
                )
            )
            continue
        value = _cell(row.get("value"), field, where, issues, file)
        if value is not None:
            _set(data, field, value)
        places[field] = where
    data["agencies"] = {}
    for where, row in rows("Agencies"):
        key = row.pop("agency", None)
        if key is None:
            issues.append(Issue("agency", "give the agency's identifier", file=_at(file, where)))
            continue
        data["agencies"][str(key)] = row
        places[f"agencies.{key}"] = where
    options: dict[str, dict] = {}
    data["options"] = options
    for where, row in rows("Options"):
        key = row.pop("option", None)
        if key is None:
            issues.append(Issue("option", "give the option's identifier", file=_at(file, where)))
            continue
        options[str(key)] = {**row, "costs": [], "outcomes": []}
        places[f"options.{key}"] = where

    def option_of(row: dict, where: str) -> tuple[dict, str] | None:
        key = row.pop("option", None)
        if key is None and len(options) == 1:
            return next(iter(options.values())), next(iter(options))
        if key is None or str(key) not in options:
            what = (
                "which option this row belongs to"
                if key is None
                else f"option '{key}' is not in the Options sheet{did_you_mean(str(key), options)}"
            )
            issues.append(
                Issue(
                    "option",
                    f"{what}; options: {', '.join(options) or 'none'}",
                    file=_at(file, where),
                )
            )
            return None
        return options[str(key)], str(key)

    for where, row in rows("Costs"):
        found = option_of(row, where)
        if found is None:
            continue
        opt, key = found
        line: dict[str, Any] = {}
        for k, v in row.items():
            _set(line, k, v)
        places[f"options.{key}.costs[{len(opt['costs'])}]"] = where
        opt["costs"].append(line)
    labels: dict[tuple[str, str], int] = {}
    for where, row in rows("Outcomes"):
        found = option_of(row, where)
        if found is None:
            continue
        opt, key = found
        j = len(opt["outcomes"])
        places[f"options.{key}.outcomes[{j}]"] = where
        labels.setdefault((key, str(row.get("label"))), j)
        opt["outcomes"].append({**row, "values": []})
    for where, row in rows("Values"):
        found = option_of(row, where)
        if found is None:
            continue
        opt, key = found
        name = row.pop("outcome", None)
        j = labels.get((key, str(name)))
        if j is None:
            known = [lab for (o, lab) in labels if o == key]
            what = (
                f"no outcome labelled '{name}' in option '{key}'{did_you_mean(str(name), known)}"
                if name is not None
                else "say which outcome (its label) this value is for"
            )
            issues.append(
                Issue(
                    "outcome",
                    f"{what}; outcomes: {', '.join(known) or 'none'}",
                    file=_at(file, where),
                )
            )
            continue
        vals = opt["outcomes"][j]["values"]
        places[f"options.{key}.outcomes[{j}].values[{len(vals)}]"] = where
        vals.append(row)
    bands = []
    for where, row in rows("Discount bands"):
        places[f"discounting.bands[{len(bands)}]"] = where
        bands.append(row)
    if bands:
        data.setdefault("discounting", {})["bands"] = bands
    grades = {}
    for where, row in rows("Grades"):
        g = row.pop("grade", None)
        if g is None:
            issues.append(Issue("grade", "give the grade number", file=_at(file, where)))
            continue
        grades[g] = row
        places[f"optimism_bias.grades[{g}]"] = where
        places[f"optimism_bias.grades.{g}"] = where
    if grades:
        data.setdefault("optimism_bias", {})["grades"] = grades
    rates = {}
    for where, row in rows("Time rates"):
        m = row.pop("method", None)
        if m is None:
            issues.append(Issue("method", "give the valuation method", file=_at(file, where)))
            continue
        rates[str(m)] = row
        places[f"time_valuation.rates.{m}"] = where
    if rates:
        data.setdefault("time_valuation", {})["rates"] = rates
    sources = [row["source"] for _, row in rows("Sources") if row.get("source") is not None]
    if sources:
        data["sources"] = [str(s) for s in sources]
    if issues:
        raise ModelError(issues)
    return data, places


def locate(issue: Issue, places: dict[str, str]) -> Issue:
    """Say which sheet and row a problem found by the loader is on (longest matching path)."""
    path, best = issue.path, ""
    for key in places:
        if (path == key or path.startswith(key + ".") or path.startswith(key + "[")) and len(
            key
        ) > len(best):
            best = key
    where = places.get(best)
    if where is None:
        return issue
    return Issue(issue.path, issue.message, None, _at(issue.file, where))


# ----------------------------------------------------------------------------------- writing


def _text(v: Any) -> Any:
    """A cell for a value: numbers and text as they are, anything else as flow YAML."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return yaml.safe_dump(
        v, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10_000
    ).strip()


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and k == "optimism_bias":
            for kk, vv in v.items():
                out[f"{prefix}{k}.{kk}"] = vv
        else:
            out[f"{prefix}{k}"] = v
    return out


def write_appraisal_xlsx(data: dict, path: str | Path, *, readme: bool = True) -> Path:
    """Write appraisal-file data (the dict a YAML file parses to) as a workbook that
    :func:`read_appraisal_xlsx` reads back to the same appraisal. Values only, no formulas."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..model.xlsx import text_cell

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    fill = PatternFill("solid", fgColor="DCE6F0")
    rows: dict[str, list[dict]] = {s: [] for s in SHEETS}
    for f in SETTINGS:
        cur: Any = data
        for p in f.split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        if cur is not None:
            rows["Appraisal"].append({"field": f, "value": cur})
    for k, v in (data.get("agencies") or {}).items():
        rows["Agencies"].append({"agency": k, **(v or {})})
    for key, opt in (data.get("options") or {}).items():
        rows["Options"].append(
            {"option": key, **{k: v for k, v in opt.items() if k not in ("costs", "outcomes")}}
        )
        for c in opt.get("costs") or []:
            rows["Costs"].append({"option": key, **_flat(c)})
        for o in opt.get("outcomes") or []:
            rows["Outcomes"].append(
                {"option": key, **{k: v for k, v in o.items() if k != "values"}}
            )
            for v in o.get("values") or []:
                rows["Values"].append({"option": key, "outcome": o.get("label"), **v})
    for b in (data.get("discounting") or {}).get("bands") or []:
        rows["Discount bands"].append(b)
    for g, r in ((data.get("optimism_bias") or {}).get("grades") or {}).items():
        rows["Grades"].append({"grade": g, **r})
    for m, r in ((data.get("time_valuation") or {}).get("rates") or {}).items():
        rows["Time rates"].append({"method": m, **r})
    for s in data.get("sources") or []:
        rows["Sources"].append({"source": s})
    if readme:
        _readme(wb, Font, Alignment)
    for sheet, columns in SHEETS.items():
        ws = wb.create_sheet(sheet)
        for j, col in enumerate(columns, start=1):
            c = ws.cell(row=1, column=j, value=col)
            c.font = Font(bold=True)
            c.fill = fill
        widths = [len(c) for c in columns]
        for i, row in enumerate(rows[sheet], start=2):
            for j, col in enumerate(columns, start=1):
                v = _text(row.get(col))
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)  # what a workbook cannot hold
                text_cell(ws.cell(row=i, column=j, value=v))
                widths[j - 1] = max(widths[j - 1], min(len(str(v or "")), 60))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = max(10, w + 2)
        ws.freeze_panes = "A2"
    wb.save(path)
    return path


def _readme(wb, Font, Alignment) -> None:
    ws = wb.create_sheet("README")
    lines = [
        ("coproduce appraisal workbook", ""),
        (
            "Each sheet is a section of the appraisal file (docs/appraisal.md); one row per item. "
            "Read it with: coproduce cba FILE.xlsx",
            "",
        ),
        (
            "A cell holds a number, text, TRUE/FALSE, or flow YAML for a distribution, a list or "
            "a mapping: {dist: normal, mean: 1, sd: 0.2}, {dist: triangular, low: 1, mode: 2, "
            "high: 4}, {ucd: HE4.0}, [500, 500, 400]. Leave a cell empty for the default.",
            "",
        ),
        (
            "Costs, Outcomes and Values rows name their option; Values rows also name the "
            "outcome by its label. Discount bands, Grades, Time rates and Sources are optional.",
            "",
        ),
        ("", ""),
    ]
    r = 1
    for text, _ in lines:
        ws.cell(row=r, column=1, value=text).font = Font(bold=(r == 1))
        r += 1
    for sheet, columns in SHEETS.items():
        ws.cell(row=r, column=1, value=f"Sheet '{sheet}'").font = Font(bold=True)
        r += 1
        ws.cell(row=r, column=1, value="column").font = Font(italic=True)
        ws.cell(row=r, column=2, value="meaning").font = Font(italic=True)
        r += 1
        for col in columns:
            ws.cell(row=r, column=1, value=col)
            ws.cell(row=r, column=2, value=HELP.get(col, "")).alignment = Alignment(wrap_text=True)
            r += 1
        if sheet == "Appraisal":
            for f in SETTINGS:
                ws.cell(row=r, column=1, value=f"  field: {f}")
                ws.cell(row=r, column=2, value=HELP.get(f, HELP.get(f.split(".")[-1], "")))
                r += 1
        r += 1
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110


def template_data() -> dict:
    """A small, complete appraisal: one filled example row for every sheet of the template."""
    return {
        "coproduce_appraisal": 1,
        "name": "Strength and balance classes (example: replace every row)",
        "currency": "GBP",
        "price_base": 2024,
        "first_year": 2025,
        "years": 5,
        "deflator": "hmt-2025-12",
        # custom bands, to show the sheet: these are the Green Book's first two bands
        "discounting": {
            "schedule": "custom",
            "first_year_discounted": False,
            "bands": [{"from_year": 1, "rate": 0.035}, {"from_year": 31, "rate": 0.03}],
        },
        "optimism_bias": {
            "apply": True,
            "grades": {3: {"label": "Local estimate", "costs": 0.10, "benefits": 0.10}},
        },
        "time_valuation": {
            "method": "replacement_cost",
            "rates": {
                "opportunity_cost": {
                    "value": 7.5,
                    "price_year": 2024,
                    "source": "Example: DfT TAG value of non-working time",
                }
            },
        },
        "agencies": {
            "council": {"label": "City council", "sector": "public"},
            "residents": {"label": "Residents and volunteers", "sector": "community"},
        },
        "baseline": {"label": "Usual care"},
        "options": {
            "classes": {
                "label": "Strength and balance classes",
                "coproduced": True,
                "costs": [
                    {
                        "label": "Instructor time",
                        "agency": "council",
                        "type": "revenue",
                        "amount": 30000,
                        "confidence": 3,
                        "source": "Example: tender price",
                    },
                    {
                        "label": "Volunteer peer leaders",
                        "agency": "residents",
                        "type": "in_kind",
                        "hours": {"dist": "triangular", "low": 1500, "mode": 2000, "high": 2500},
                        "time_of": "volunteers",
                        "confidence": 3,
                        "source": "Example: 20 leaders x 100 hours a year",
                    },
                ],
                "outcomes": [
                    {
                        "label": "Falls avoided",
                        "unit": "fall",
                        "cohort": 500,
                        "engagement": 0.65,
                        "impact": 0.2,
                        "deadweight": 0.1,
                        "persistence": 2,
                        "drop_off": 0.5,
                        "source": "Example: Cochrane exercise review",
                        "values": [
                            {
                                "type": "fiscal",
                                "agency": "council",
                                "value": {"dist": "normal", "mean": 1000, "sd": 200},
                                "price_year": 2024,
                                "confidence": 3,
                                "label": "Care avoided",
                                "source": "Example: local unit cost",
                            }
                        ],
                    }
                ],
            }
        },
        "sources": ["Example: list every reference here"],
    }


def write_template(path: str | Path) -> Path:
    """Write a template workbook: headers, one filled example row per sheet, a README."""
    return write_appraisal_xlsx(template_data(), path)
