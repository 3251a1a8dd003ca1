"""Reading an appraisal file and checking it, with every problem located.

``load_appraisal(path_or_dict)`` parses YAML or JSON (or takes a dict), validates fields with
:mod:`.schema`, then checks what needs the whole file: known agencies, years inside the
appraisal period, unit-cost codes, price years inside the deflator series, schedule names,
proportions between 0 and 1. All problems are raised together as one :class:`ModelError`, each
naming file, line and field path (``options.coproduced.costs[2].agency``) and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model.distributions import DistributionBase, Normal, mean_of
from ..model.errors import Issue, ModelError, TooLarge, did_you_mean, format_path
from ..model.files import (
    field_lines,
    format_of,
    line_of,
    parse_text,
    read_text_file,
    tree_problem,
)
from . import discounting, optimism
from .deflators import DEFLATORS, get_deflator
from .schema import AppraisalFile, UcdRef
from .unit_costs import get_unit_cost

__all__ = ["LoadedAppraisal", "load_appraisal"]

EXAMPLES = {"balsall-heath": "balsall_heath.yaml", "falls-prevention": "falls_prevention.yaml"}


class LoadedAppraisal:
    """A valid appraisal file: ``data`` (the typed file) and where it came from."""

    def __init__(self, data: AppraisalFile, file: str | None) -> None:
        self.data = data
        self.file = file


def _example_path(name: str) -> Path:
    from importlib import resources

    if name not in EXAMPLES:
        raise ModelError(
            [
                Issue(
                    "",
                    f"no bundled appraisal example '{name}'"
                    f"{did_you_mean(name, EXAMPLES)}; bundled: "
                    f"{', '.join(EXAMPLES)}",
                )
            ]
        )
    return Path(
        str(resources.files("coproduce.appraisal").joinpath("examples").joinpath(EXAMPLES[name]))
    )


def load_appraisal(source: str | Path | dict) -> LoadedAppraisal:
    """Parse and validate an appraisal from a path, ``example:NAME`` or an in-memory dict."""
    text, fmt, file = None, None, None
    if isinstance(source, dict):
        raw: Any = source
        # the bounds every input file is read within (model/files.py): an appraisal sent as
        # JSON to the web API is held to them too
        problem = tree_problem(raw)
        if problem is not None:
            path, message, large = problem
            raise (TooLarge if large else ModelError)([Issue(format_path(path), message)])
    else:
        s = str(source)
        path = _example_path(s.removeprefix("example:")) if s.startswith("example:") else Path(s)
        file = str(path)
        fmt = format_of(path)
        if fmt == "xlsx":
            from .workbook import locate, read_appraisal_xlsx

            if not path.exists():
                raise ModelError([Issue("", f"file not found: {path}", file=file)])
            raw, places = read_appraisal_xlsx(path)
            issues = _validate(raw)
            if issues:
                raise ModelError(
                    [locate(Issue(format_path(p), m, None, file), places) for p, m in issues]
                )
            return LoadedAppraisal(AppraisalFile.model_validate(raw), file)
        text = read_text_file(path)
        raw = parse_text(text, fmt=fmt, file=file)
    issues = _validate(raw)
    if issues:
        lines = field_lines(text, fmt) if text is not None else {}
        raise ModelError(
            [
                Issue(format_path(p), m, line_of(lines, p) if lines else None, file)
                for p, m in issues
            ]
        )
    return LoadedAppraisal(AppraisalFile.model_validate(raw), file)


def _validate(raw: Any) -> list[tuple[tuple, str]]:
    if not isinstance(raw, dict):
        return [
            (
                (),
                "an appraisal file is a mapping with keys coproduce_appraisal, name, "
                "price_base, years, agencies and options",
            )
        ]
    try:
        data = AppraisalFile.model_validate(raw)
    except ValidationError as exc:
        return _pydantic_issues(exc, raw)
    return _semantic_issues(data)


def _pydantic_issues(exc: ValidationError, raw: dict) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    seen = set()
    for e in exc.errors():
        loc = tuple(
            p
            for p in e["loc"]
            if not (
                isinstance(p, str) and p.startswith(("function-", "list[", "float", "constrained"))
            )
        )
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            parent = _get(raw, loc[:-1])
            allowed = _allowed_fields(loc[:-1], parent)
            msg = f"unknown field '{loc[-1]}'{did_you_mean(str(loc[-1]), allowed)}"
            if allowed:
                msg += f"; allowed: {', '.join(allowed)}"
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] == "literal_error":
            given = e.get("input")
            expected = e.get("ctx", {}).get("expected", "")
            msg = f"'{given}' is not allowed; use {expected}"
            choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",")]
            msg = f"'{given}' is not allowed{did_you_mean(str(given), choices)}; use {expected}"
        if loc == ("coproduce_appraisal",) and e["type"] != "missing":
            msg = "must be 1 (the appraisal file format version)"
        key = (loc, msg)
        if key not in seen:
            seen.add(key)
            out.append((loc, msg))
    return out


def _get(raw: Any, path: tuple) -> Any:
    cur = raw
    for p in path:
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _allowed_fields(path: tuple, parent: Any) -> list[str]:
    from . import schema

    names = [str(p) for p in path if isinstance(p, str)]
    model: Any = schema.AppraisalFile
    walk = {
        "discounting": schema.Discounting,
        "optimism_bias": schema.OptimismBiasSettings,
        "time_valuation": schema.TimeValuation,
        "agencies": schema.Agency,
        "options": schema.Option,
        "costs": schema.CostLine,
        "outcomes": schema.Outcome,
        "values": schema.ValueLine,
        "baseline": schema.Baseline,
        "bands": schema.Band,
        "rates": schema.TimeRate,
        "grades": schema.GradeOverride,
    }
    for n in names:
        if n in walk:
            model = walk[n]
    if names and names[-1] == "optimism_bias" and len(names) > 1:
        model = schema.GenericOptimismBias
    return list(model.model_fields)


def _semantic_issues(a: AppraisalFile) -> list[tuple[tuple, str]]:
    issues: list[tuple[tuple, str]] = []
    add = issues.append
    T = a.years
    agencies = list(a.agencies)
    if a.deflator not in DEFLATORS:
        add(
            (
                ("deflator",),
                f"unknown deflator '{a.deflator}'{did_you_mean(a.deflator, DEFLATORS)}"
                f"; bundled: {', '.join(DEFLATORS)}",
            )
        )
        defl = None
    else:
        defl = get_deflator(a.deflator)

    def check_year(path: tuple, year: Any) -> None:
        if defl is None or year is None:
            return
        try:
            defl.lookup(year)
        except ValueError as exc:
            add((path, str(exc)))

    check_year(("price_base",), a.price_base)
    d = a.discounting
    if d.schedule == "custom":
        if not d.bands:
            add(
                (
                    ("discounting", "bands"),
                    "a custom schedule needs bands, e.g. "
                    "[{from_year: 1, rate: 0.035}, {from_year: 31, rate: 0.03}]",
                )
            )
        else:
            try:
                discounting.custom_schedule((b.from_year, b.rate) for b in d.bands)
            except ValueError as exc:
                add((("discounting", "bands"), str(exc)))
    else:
        _check_schedule(("discounting", "schedule"), d.schedule, add)
        if d.bands:
            add((("discounting", "bands"), "bands are only read with schedule: custom"))
    for m, rate in a.time_valuation.rates.items():
        check_year(("time_valuation", "rates", m, "price_year"), rate.price_year)
        _check_nonneg(("time_valuation", "rates", m, "value"), rate.value, add)
    for g, row in (a.optimism_bias.grades or {}).items():
        if not 1 <= int(g) <= 9:
            add((("optimism_bias", "grades", g), "grades are numbered 1 to 9"))
        del row
    grades = set((a.optimism_bias.grades or optimism.CONFIDENCE_GRADES).keys())

    for oname, opt in a.options.items():
        base = ("options", oname)
        for i, c in enumerate(opt.costs):
            p = (*base, "costs", i)
            if c.agency not in a.agencies:
                add(
                    (
                        (*p, "agency"),
                        f"unknown agency '{c.agency}'"
                        f"{did_you_mean(c.agency, agencies)}; add it under agencies or use one of "
                        f"{', '.join(agencies)}",
                    )
                )
            is_time = c.hours is not None or c.hours_by_year is not None
            ways = [
                n
                for n in ("amount", "by_year", "units", "hours", "hours_by_year")
                if getattr(c, n) is not None
            ]
            if c.units is not None and c.unit_cost is None:
                add(((*p, "unit_cost"), "units needs unit_cost (the cost of one unit)"))
            if c.unit_cost is not None and c.units is None:
                add(((*p, "units"), "unit_cost needs units (how many a year)"))
            if len(ways) != 1:
                add(
                    (
                        p,
                        "give exactly one of amount, by_year, units with unit_cost, hours or "
                        f"hours_by_year (found {', '.join(ways) or 'none'})",
                    )
                )
            if is_time:
                if c.type != "in_kind":
                    add(((*p, "type"), "time given (hours) is an in_kind cost: set type: in_kind"))
                if c.time_of is None:
                    add(((*p, "time_of"), "say whose time this is: volunteers or service_users"))
                method = c.valuation or a.time_valuation.method
                if (
                    method != "zero"
                    and method not in a.time_valuation.rates
                    and method not in DEFAULT_TIME_RATES
                    and c.hourly_value is None
                ):
                    add(
                        (
                            (*p, "valuation"),
                            f"no hourly rate for '{method}': give it under "
                            f"time_valuation.rates.{method} with value, price_year and source",
                        )
                    )
                if c.hourly_value is not None:
                    if isinstance(c.hourly_value, UcdRef):
                        add(
                            (
                                (*p, "hourly_value"),
                                "an hourly value of time cannot come from "
                                "the unit-cost library; give £ an hour",
                            )
                        )
                    else:
                        _check_nonneg((*p, "hourly_value"), c.hourly_value, add)
                    if (c.valuation or a.time_valuation.method) == "zero":
                        add(
                            (
                                (*p, "hourly_value"),
                                "hourly_value is this line's rate under its "
                                "valuation method, which is zero here: name the method it is "
                                "(e.g. valuation: replacement_cost) or remove hourly_value",
                            )
                        )
            elif c.time_of is not None or c.valuation is not None or c.hourly_value is not None:
                add(
                    (
                        (*p, "time_of"),
                        "time_of, valuation and hourly_value apply to hours of time; give hours",
                    )
                )
            ob = c.optimism_bias
            if ob is not None and ob.category not in optimism.GENERIC_TABLE:
                add(
                    (
                        (*p, "optimism_bias", "category"),
                        f"unknown category '{ob.category}'"
                        f"{did_you_mean(ob.category, optimism.GENERIC_TABLE)}; use "
                        f"one of {', '.join(optimism.GENERIC_TABLE)}",
                    )
                )
            if c.confidence is not None and c.confidence not in grades:
                add(((*p, "confidence"), f"grade {c.confidence} is not in the grade table"))
            _check_years(p, c.from_year, c.to_year, T, add)
            for name in ("by_year", "hours_by_year"):
                seq = getattr(c, name)
                if seq is not None and len(seq) > T:
                    add(
                        (
                            (*p, name),
                            f"{len(seq)} values for a {T}-year appraisal (years 0 to "
                            f"{T - 1}); drop the extra ones or lengthen years",
                        )
                    )
                for k, q in enumerate(seq or []):
                    _check_nonneg((*p, name, k), q, add)
            for name in ("amount", "units", "hours"):
                _check_nonneg((*p, name), getattr(c, name), add)
            if isinstance(c.unit_cost, UcdRef):
                _check_ucd((*p, "unit_cost"), c.unit_cost.ucd, "fiscal", add)
                if c.price_year is not None:
                    add(
                        (
                            (*p, "price_year"),
                            "a {ucd: ...} unit cost carries its own price year; remove price_year",
                        )
                    )
            else:
                _check_nonneg((*p, "unit_cost"), c.unit_cost, add)
            for name in ("amount",):
                if isinstance(getattr(c, name), UcdRef):
                    add(
                        (
                            (*p, name),
                            "use units with unit_cost: {ucd: CODE} to cost from the "
                            "unit-cost library",
                        )
                    )
            check_year((*p, "price_year"), c.price_year)
        for j, o in enumerate(opt.outcomes):
            p = (*base, "outcomes", j)
            if isinstance(o.cohort, list):
                if len(o.cohort) > T:
                    add(((*p, "cohort"), f"{len(o.cohort)} cohorts for a {T}-year appraisal"))
                if o.from_year is not None or o.to_year is not None:
                    add(
                        (
                            (*p, "from_year"),
                            "from_year/to_year apply to a single cohort number; "
                            "a list gives one cohort per year from year 0",
                        )
                    )
                for k, q in enumerate(o.cohort):
                    _check_nonneg((*p, "cohort", k), q, add)
            else:
                _check_nonneg((*p, "cohort"), o.cohort, add)
                _check_years(p, o.from_year, o.to_year, T, add)
            for name in (
                "engagement",
                "impact",
                "deadweight",
                "displacement",
                "attribution",
                "drop_off",
            ):
                _check_proportion((*p, name), getattr(o, name), add)
            if not o.values:
                add(
                    (
                        (*p, "values"),
                        "an outcome needs at least one value (fiscal, economic or "
                        "social) per unit, or it adds nothing to the appraisal",
                    )
                )
            for k, v in enumerate(o.values):
                _check_value((*p, "values", k), v, a, add, check_year, grades)
    return issues


DEFAULT_TIME_RATES = {
    # one figure for one hour everywhere: the bundled models value an hour of volunteer time at
    # this same £15.79, so a map and an appraisal of the same programme agree
    "replacement_cost": (
        15.79,
        "2024/25",
        "ONS Household Satellite Account via NCVO (2014): "
        "regular formal volunteering valued at the wage of an equivalent paid "
        "role, £23.9bn for about 2.12bn hours, about £11.30 an hour in 2012/13, "
        "x1.3977 to 2024/25 (HM Treasury GDP deflator, March 2026 QNA, financial "
        "years), the figure the bundled strategy maps use",
    ),
    "minimum_wage": (
        11.44,
        2024,
        "National Living Wage for workers aged 21 and over from 1 April "
        "2024, £11.44 an hour (GOV.UK, National Minimum Wage and National Living "
        "Wage rates)",
    ),
    "living_wage": (
        12.60,
        2024,
        "Real Living Wage outside London 2024-25, £12.60 an hour "
        "(Living Wage Foundation, announced October 2024)",
    ),
}


def _check_schedule(path: tuple, name: str, add) -> None:
    try:
        discounting.get_schedule(name)
    except ValueError:
        known = [*discounting.SCHEDULES, *discounting.ALIASES, "custom"]
        add(
            (
                path,
                f"unknown discount schedule '{name}'{did_you_mean(name, known)}; use one "
                f"of {', '.join(known)}",
            )
        )


def _check_years(p: tuple, start: int | None, end: int | None, T: int, add) -> None:
    if start is not None and start >= T:
        add(((*p, "from_year"), f"year {start} is after the last appraisal year ({T - 1})"))
    if end is not None and end >= T:
        add(((*p, "to_year"), f"year {end} is after the last appraisal year ({T - 1})"))
    if start is not None and end is not None and end < start:
        add(((*p, "to_year"), f"to_year {end} is before from_year {start}"))


def _check_nonneg(path: tuple, q: Any, add) -> None:
    if q is None or isinstance(q, UcdRef):
        return
    lo = _low(q)
    if lo < 0:
        add((path, f"must not be negative (lowest possible value {lo:g})"))


def _low(q: Any) -> float:
    if isinstance(q, DistributionBase):
        if isinstance(q, Normal) and q.sd == 0:
            return q.mean
        return q.support[0]
    return float(q)


def _check_proportion(path: tuple, q: Any, add) -> None:
    if isinstance(q, UcdRef):
        add((path, "a proportion cannot come from the unit-cost library"))
        return
    if isinstance(q, DistributionBase):
        lo, hi = q.support
        if isinstance(q, Normal) and q.sd == 0:
            lo = hi = q.mean
        if lo < 0 or hi > 1:
            add(
                (
                    path,
                    "a proportion must lie between 0 and 1 in every draw: use a beta, pert, "
                    "triangular or uniform distribution inside [0, 1]",
                )
            )
        return
    if not 0.0 <= float(q) <= 1.0:
        add((path, f"a proportion must be between 0 and 1, got {float(q):g} (write 26% as 0.26)"))


def _check_ucd(path: tuple, code: str, kind: str | None, add) -> bool:
    try:
        entry = get_unit_cost(code)
    except KeyError as exc:
        add((path, f"{exc.args[0]}; search the library with: coproduce costs search WORDS"))
        return False
    if kind is not None and entry.value(kind) is None:
        have = ", ".join(entry.values) or "no values"
        add((path, f"unit cost {code} has no {kind} value (it has {have})"))
        return False
    return True


def _check_value(p: tuple, v, a: AppraisalFile, add, check_year, grades) -> None:
    agencies = list(a.agencies)
    if v.schedule is not None:
        _check_schedule((*p, "schedule"), v.schedule, add)
    if v.confidence is not None and v.confidence not in grades:
        add(((*p, "confidence"), f"grade {v.confidence} is not in the grade table"))
    check_year((*p, "price_year"), v.price_year)
    if v.ucd is not None:  # shorthand: every type of a library entry
        if v.type is not None or v.value is not None:
            add(
                (
                    p,
                    "write either {ucd: CODE} (all of the entry's values) or type with value: "
                    "{ucd: CODE}, not both",
                )
            )
            return
        if v.price_year is not None:
            add(((*p, "price_year"), "a {ucd: ...} value carries its own price year; remove it"))
        if not _check_ucd((*p, "ucd"), v.ucd, None, add):
            return
        entry = get_unit_cost(v.ucd)
        kinds = v.include or list(entry.values)
        for k in kinds:
            if entry.value(k) is None:
                add(((*p, "include"), f"unit cost {v.ucd} has no {k} value"))
        if "fiscal" in kinds and entry.value("fiscal") is not None:
            amap = v.agency_map or {}
            for src_agency in entry.fiscal_split():
                dest = amap.get(src_agency, amap.get("*", src_agency))
                if dest not in a.agencies:
                    add(
                        (
                            (*p, "agency_map"),
                            f"unit cost {v.ucd} has a fiscal value for "
                            f"'{src_agency}', which is not one of your agencies: map it, e.g. "
                            f"agency_map: {{{src_agency}: {agencies[0]}}} (or '*' for all)",
                        )
                    )
        return
    if v.agency_map is not None or v.include is not None:
        add((p, "agency_map and include apply only to the {ucd: CODE} shorthand"))
    if v.type is None:
        add(((*p, "type"), "say which kind of value: fiscal, economic or social"))
        return
    if v.value is None:
        add(
            (
                (*p, "value"),
                "give the value of one outcome unit (a number, a distribution or {ucd: CODE})",
            )
        )
        return
    if isinstance(v.value, UcdRef):
        _check_ucd((*p, "value"), v.value.ucd, v.type, add)
        if v.price_year is not None:
            add(((*p, "price_year"), "a {ucd: ...} value carries its own price year; remove it"))
    if v.type == "fiscal":
        agency = v.agency
        if agency is None and isinstance(v.value, UcdRef):
            try:
                agency = get_unit_cost(v.value.ucd).agency
            except KeyError:
                return
        if agency is None:
            add(((*p, "agency"), "a fiscal value needs the agency that gains it"))
        elif agency not in a.agencies:
            add(
                (
                    (*p, "agency"),
                    f"unknown agency '{agency}'{did_you_mean(agency, agencies)}; "
                    f"add it under agencies or use one of {', '.join(agencies)}",
                )
            )
    elif v.agency is not None:
        add(((*p, "agency"), f"{v.type} values are not split by agency; remove agency"))
    if v.transfer and v.type != "fiscal":
        add(((*p, "transfer"), "only fiscal values can be transfer payments"))
    if not isinstance(v.value, UcdRef) and mean_of(v.value) is None:
        add(((*p, "value"), "missing value"))
