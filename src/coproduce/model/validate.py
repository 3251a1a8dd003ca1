"""Whole-model checks and the translation of field errors into located, fixable messages.

``validate_data`` is the one gate a model passes through: it reports every problem in one pass
(field types from the schema, then references, duplicates, cycles, correlations, targets and
scenarios), each with its place, reason and fix. A model that passes is valid: no later stage
re-checks it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
from pydantic import BaseModel, ValidationError

from . import schema as s
from .changes import apply_scenario_changes
from .distributions import mean_of
from .errors import Issue, ModelError, TooLarge, did_you_mean, format_path
from .files import Lines, digits, line_of, tree_problem
from .graph import topological_order
from .serialise import model_to_data

# Limits on a model, beyond those on any input file (model/files.py); each is a located
# refusal (exit 2, HTTP 413) long before it could hold a process: far above any real
# partnership's map (the benchmarks' largest has 20,000 nodes and 100,000 links).
MAX_NODES = 100_000  # resources, interventions and outcomes together
MAX_LINKS = 200_000
MAX_SCENARIOS = 200  # each is checked by applying it to the whole model
MAX_CORRELATIONS = 500  # pairs, checked together as one correlation matrix
MAX_NUMBER = 1e15  # the size of any number in a model (a thousand million million)

# Which schema class sits at a given place, to name the allowed fields of an unknown one.
_SECTION_CLASSES: dict[str, type[BaseModel]] = {
    "sectors": s.Sector,
    "agencies": s.Agency,
    "resources": s.Resource,
    "interventions": s.Intervention,
    "outcomes": s.Outcome,
    "scenarios": s.Scenario,
}


def _class_at(loc: tuple) -> type[BaseModel] | None:
    if len(loc) == 0:
        return s.Model
    head = loc[0]
    if head in _SECTION_CLASSES and len(loc) == 2:
        return _SECTION_CLASSES[head]
    if head == "outcomes" and len(loc) == 3 and loc[2] == "value":
        return s.OutcomeValue
    if head == "interventions" and len(loc) == 4 and loc[2] == "cost_curve":
        return s.CostBand
    if head == "links" and len(loc) == 2:
        return s.Link
    if head == "correlations" and len(loc) == 2:
        return s.Correlation
    if head == "scenarios" and len(loc) >= 5 and loc[2] == "changes":
        kind = loc[4]
        change_classes: dict[str, type[BaseModel]] = {
            "add_intervention": s.NewIntervention,
            "add_link": s.Link,
            "remove_link": s.LinkRef,
        }
        return change_classes.get(kind)
    if head == "scenarios" and len(loc) == 4 and loc[2] == "changes":
        return None
    return None


def _field_names(cls: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in cls.model_fields.items()]


_TAGS = {
    "set",
    "scale",
    "remove_link",
    "add_intervention",
    "remove_intervention",
    "add_link",
    "function-after[_ordered(), Triangular]",
}


def _clean_loc(loc: Iterable) -> tuple:
    """Drop pydantic's union-branch and key markers from a location."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if part == "[key]":
            continue
        # tagged-union branch names sit right after a change index
        if (
            isinstance(part, str)
            and part in _TAGS
            and i >= 1
            and isinstance(out[-1], int)
            and len(out) >= 3
            and out[-2] == "changes"
        ):
            continue
        if part == "from_":
            part = "from"
        out.append(part)
    return tuple(out)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def field_issues(exc: ValidationError) -> list[tuple[tuple, str]]:
    """Turn pydantic's errors into (location, message with fix)."""
    found: list[tuple[tuple, str]] = []
    for err in exc.errors():
        raw_loc = tuple(err["loc"])
        loc = _clean_loc(raw_loc)
        kind = err["type"]
        value = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            key = loc[-1]
            cls = _class_at(loc[:-1])
            allowed = _field_names(cls) if cls else []
            hint = did_you_mean(str(key), allowed)
            if not hint and allowed:
                hint = " (allowed: " + ", ".join(allowed) + ")"
            msg = f"unknown field '{key}'{hint}"
            if any(ch in str(key) for ch in " )(") or str(key)[:1].isupper():
                msg += (
                    "; if this is part of a text value that contains a comma or colon, put "
                    "that text in quotes"
                )
            loc = (*loc[:-1], key)
        elif kind == "missing":
            msg = f"'{loc[-1]}' is required; add it"
        elif kind == "string_pattern_mismatch":
            if "[key]" in raw_loc:
                bad = str(loc[-1]) if loc else str(value)
                msg = (
                    f"identifier '{value}' is not allowed: use lower-case letters, digits and _ "
                    f"starting with a letter (e.g. '{_suggest_id(str(value))}')"
                )
                loc = loc if loc and loc[-1] == value else (*loc, bad)
            else:
                msg = (
                    f"'{value}' is not a valid identifier: use lower-case letters, digits and "
                    f"_ starting with a letter (e.g. '{_suggest_id(str(value))}')"
                )
        elif kind == "literal_error" and loc == ("coproduce",):
            msg = f"format version must be 1 (got {value!r}); write 'coproduce: 1'"
        elif kind in ("dict_type", "model_type", "model_attributes_type"):
            msg = f"expected a mapping of fields (name: value), got {_describe(value)}"
        elif kind == "list_type":
            msg = f"expected a list (lines starting with '- '), got {_describe(value)}"
        elif kind in ("int_parsing", "int_type", "int_from_float"):
            msg = f"expected a whole number, got {_describe(value)}"
        elif kind in ("float_parsing", "float_type"):
            msg = f"expected a number, got {_describe(value)}"
        elif kind in ("bool_parsing", "bool_type"):
            msg = f"expected true or false, got {_describe(value)}"
        elif kind in ("string_type",):
            msg = f"expected text, got {_describe(value)}"
        elif kind in ("tuple_type", "too_short", "too_long") and loc and loc[-1] == "between":
            msg = "expected two quantities, e.g. between: [links[0].effect, resources.x.unit_cost]"
        else:
            msg = msg[0].lower() + msg[1:] if msg else kind
        found.append((loc, msg))
    return found


def _suggest_id(text: str) -> str:
    import re

    out = re.sub(r"[^a-z0-9_]+", "_", text.strip().lower()).strip("_")
    if not out or not out[0].isalpha():
        out = "x_" + out
    return out


# ----- whole-model checks on the raw data (run even when field checks fail) -----------------


def _section(data: dict, name: str) -> dict:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def semantic_issues(data: dict) -> list[tuple[tuple, str]]:
    """References, uniqueness, cycles, targets and correlations, on the raw parsed file."""
    out: list[tuple[tuple, str]] = []
    sectors = data.get("sectors")
    sector_ids = list(sectors) if isinstance(sectors, dict) else list(s.DEFAULT_SECTORS)
    if isinstance(sectors, dict) and "public" not in sectors:
        out.append(
            (
                ("sectors",),
                "must include 'public' (public cost is the cost in this "
                "sector); add public: {label: Public sector}",
            )
        )
    agency_ids = list(_section(data, "agencies"))
    resources = _section(data, "resources")
    interventions = _section(data, "interventions")
    outcomes = _section(data, "outcomes")

    # one namespace for every node
    seen: dict[str, str] = {}
    for section_name in ("resources", "interventions", "outcomes"):
        for node_id in _section(data, section_name):
            if node_id in seen:
                out.append(
                    (
                        (section_name, node_id),
                        f"'{node_id}' is already used in {seen[node_id]}; identifiers must be "
                        "unique across resources, interventions and outcomes",
                    )
                )
            else:
                seen[node_id] = section_name

    for rid, res in resources.items():
        if not isinstance(res, dict):
            continue
        sector = res.get("sector")
        if isinstance(sector, str) and sector not in sector_ids:
            out.append(
                (
                    ("resources", rid, "sector"),
                    f"unknown sector '{sector}'{did_you_mean(sector, sector_ids)}; "
                    f"sectors are {', '.join(sector_ids)}",
                )
            )
        agency = res.get("agency")
        if isinstance(agency, str) and agency not in agency_ids:
            out.append((("resources", rid, "agency"), _unknown_agency(agency, agency_ids)))

    for iid, itv in interventions.items():
        if not isinstance(itv, dict):
            continue
        for field in ("inputs", "fixed_inputs"):
            inputs = itv.get(field)
            if not isinstance(inputs, dict):
                continue
            for rid in inputs:
                if rid not in resources:
                    where = seen.get(rid)
                    extra = f" ('{rid}' is an {where[:-1]}, not a resource)" if where else ""
                    out.append(
                        (
                            ("interventions", iid, field, rid),
                            f"unknown resource '{rid}'{did_you_mean(rid, resources)}{extra}; "
                            "add it under resources",
                        )
                    )
        vol, cap = _num(itv.get("volume")), _num(itv.get("capacity"))
        if vol is not None and cap is not None and vol > cap:
            out.append(
                (
                    ("interventions", iid, "volume"),
                    f"current volume {vol:g} is above capacity {cap:g}; raise the "
                    "capacity or lower the volume",
                )
            )
        least = _num(itv.get("min_volume"))
        if least is not None and cap is not None and least > cap:
            out.append(
                (
                    ("interventions", iid, "min_volume"),
                    f"minimum volume {least:g} is above capacity {cap:g}; no plan "
                    "could meet both: lower min_volume or raise capacity",
                )
            )
        out.extend(_cost_curve_issues(iid, itv.get("cost_curve")))
        enabling = itv.get("enabling")
        if isinstance(enabling, dict):
            used = (
                [*(itv.get("inputs") or {}), *(itv.get("fixed_inputs") or {})]
                if isinstance(itv.get("inputs") or {}, dict)
                and isinstance(itv.get("fixed_inputs") or {}, dict)
                else []
            )
            for rid, spec in enabling.items():
                if rid not in used:
                    out.append(
                        (
                            ("interventions", iid, "enabling", rid),
                            f"'{rid}' is not an input of {iid}{did_you_mean(rid, used)}; an "
                            "enabling input must be one of its inputs or fixed_inputs",
                        )
                    )
                elif (
                    isinstance(spec, dict)
                    and spec.get("level") is None
                    and _num(
                        (itv.get("inputs") or {}).get(rid, (itv.get("fixed_inputs") or {}).get(rid))
                    )
                    == 0
                ):
                    out.append(
                        (
                            ("interventions", iid, "enabling", rid),
                            f"{iid} declares {rid} as enabling but uses none of it; give "
                            "the level at which its effects were measured (level: N)",
                        )
                    )

    wellbeing = data.get("volunteer_wellbeing")
    if isinstance(wellbeing, dict) and isinstance(wellbeing.get("resources"), list):
        for k, rid in enumerate(wellbeing["resources"]):
            if isinstance(rid, str) and rid not in resources:
                out.append(
                    (
                        ("volunteer_wellbeing", "resources", k),
                        f"unknown resource '{rid}'{did_you_mean(str(rid), resources)}",
                    )
                )
    basis = data.get("time_value")
    bases = _section(data, "time_values")
    if isinstance(basis, str) and basis not in bases and basis != "zero":
        choices = [*bases, "zero"]
        out.append(
            (
                ("time_value",),
                f"unknown valuation of time '{basis}'"
                f"{did_you_mean(basis, choices)}; define it under time_values "
                f"(known: {', '.join(choices)})",
            )
        )

    for oid, out_ in outcomes.items():
        if not isinstance(out_, dict):
            continue
        value = out_.get("value")
        if isinstance(value, dict) and isinstance(value.get("fiscal"), dict):
            for agency in value["fiscal"]:
                if agency not in agency_ids:
                    out.append(
                        (
                            ("outcomes", oid, "value", "fiscal", agency),
                            _unknown_agency(agency, agency_ids),
                        )
                    )

    out.extend(_link_issues(data, resources, interventions, outcomes))
    out.extend(_target_issues(data, outcomes))
    return out


def _cost_curve_issues(iid: str, curve: Any) -> list[tuple[tuple, str]]:
    """Bands in order of volume: every ``up_to`` above the last, and only the last open."""
    out: list[tuple[tuple, str]] = []
    if not isinstance(curve, list):
        return out
    if not curve:
        out.append(
            (
                ("interventions", iid, "cost_curve"),
                "a cost curve needs at least one band, e.g. [{up_to: 200, multiplier: 1}, "
                "{multiplier: 0.8}]; or remove cost_curve",
            )
        )
        return out
    previous: float | None = None
    for k, band in enumerate(curve):
        if not isinstance(band, dict):
            continue
        where = ("interventions", iid, "cost_curve", k, "up_to")
        last = k == len(curve) - 1
        up_to = band.get("up_to")
        if up_to is None:
            if not last:
                out.append(
                    (
                        where,
                        "only the last band may leave out up_to (it runs on without "
                        "limit); give this band the volume where it ends",
                    )
                )
            continue
        if last:
            out.append(
                (
                    where,
                    "the last band runs on without limit: remove its up_to (use "
                    "the intervention's capacity to cap the volume)",
                )
            )
        value = _num(up_to)
        if value is None:
            continue
        if previous is not None and value <= previous:
            out.append(
                (
                    where,
                    f"breakpoints must increase: {value:g} is not above the previous "
                    f"band's up_to {previous:g}",
                )
            )
        previous = value if previous is None else max(previous, value)
    return out


def _num(x: Any) -> float | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return float(x)
    return None


def _unknown_agency(agency: str, agency_ids: list[str]) -> str:
    if not agency_ids:
        return (
            f"unknown agency '{agency}': the model has no agencies; add agencies: {{{agency}: "
            "{label: ...}}"
        )
    return (
        f"unknown agency '{agency}'{did_you_mean(agency, agency_ids)}; agencies are "
        f"{', '.join(agency_ids)}"
    )


def _link_issues(
    data: dict, resources: dict, interventions: dict, outcomes: dict
) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    links = data.get("links")
    if not isinstance(links, list):
        return out
    nodes = list(interventions) + list(outcomes)
    first_seen: dict[tuple[str, str], int] = {}
    edges: list[tuple[str, str]] = []
    # the usual case, every link well formed, checked in bulk; the loop below finds and
    # words each problem only when there is one
    pairs = [(lk.get("from"), lk.get("to")) for lk in links if type(lk) is dict]
    if len(pairs) == len(links) and all(type(a) is str and type(b) is str for a, b in pairs):
        srcs, dsts = {a for a, _ in pairs}, {b for _, b in pairs}
        starts = interventions.keys() | outcomes.keys()
        if (
            srcs <= starts
            and dsts <= outcomes.keys()
            and not (srcs & resources.keys())
            and len(set(pairs)) == len(pairs)
        ):
            edges = cast(list[tuple[str, str]], pairs)  # every end a string, checked above
            first_seen = {e: k for k, e in enumerate(edges)}
            links = []  # nothing left to word
    for k, link in enumerate(links):
        if not isinstance(link, dict):
            continue
        src, dst = link.get("from"), link.get("to")
        ok = True
        if isinstance(src, str):
            if src in resources:
                out.append(
                    (
                        ("links", k, "from"),
                        f"'{src}' is a resource; resources enter interventions as inputs, "
                        "links start at an intervention or an outcome",
                    )
                )
                ok = False
            elif src not in interventions and src not in outcomes:
                out.append(
                    (("links", k, "from"), f"unknown node '{src}'{did_you_mean(src, nodes)}")
                )
                ok = False
        else:
            ok = False
        if isinstance(dst, str):
            if dst in interventions:
                out.append(
                    (
                        ("links", k, "to"),
                        f"'{dst}' is an intervention; links end at an outcome (an "
                        "intervention's level is its volume, set by the partnership)",
                    )
                )
                ok = False
            elif dst in resources:
                out.append((("links", k, "to"), f"'{dst}' is a resource; links end at an outcome"))
                ok = False
            elif dst not in outcomes:
                out.append(
                    (("links", k, "to"), f"unknown node '{dst}'{did_you_mean(dst, list(outcomes))}")
                )
                ok = False
        else:
            ok = False
        # ok is only still True when both ends are strings; the isinstance checks say so
        if not (ok and isinstance(src, str) and isinstance(dst, str)):
            continue
        if (src, dst) in first_seen:
            out.append(
                (
                    ("links", k),
                    f"duplicate link {src} -> {dst} (also links[{first_seen[(src, dst)]}]); "
                    "merge them into one link whose effect is their sum",
                )
            )
            continue
        first_seen[(src, dst)] = k
        edges.append((src, dst))
    cycle = None
    if edges:
        index = {nd: i for i, nd in enumerate(nodes)}
        src = np.fromiter((index[a] for a, _ in edges), dtype=np.int64, count=len(edges))
        dst = np.fromiter((index[b] for _, b in edges), dtype=np.int64, count=len(edges))
        if topological_order(len(nodes), src, dst) is None:  # fast check; name it only if so
            cycle = find_cycle(nodes, edges)
    if cycle:
        first = first_seen.get((cycle[0], cycle[1]), 0)
        out.append(
            (
                ("links", first),
                "cycle: " + " -> ".join(cycle) + "; a strategy map must run one way — "
                "remove or reverse one of these links",
            )
        )
    return out


def find_cycle(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """A directed cycle as a closed walk [a, b, ..., a], or None. Iterative DFS, O(V + E)."""
    adj: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, [])
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(adj, white)
    for start in adj:
        if colour[start] != white:
            continue
        stack = [(start, iter(adj[start]))]
        path = [start]
        colour[start] = grey
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = black
                stack.pop()
                path.pop()
            elif colour[nxt] == grey:
                return [*path[path.index(nxt) :], nxt]
            elif colour[nxt] == white:
                colour[nxt] = grey
                stack.append((nxt, iter(adj[nxt])))
                path.append(nxt)
    return None


def _target_issues(data: dict, outcomes: dict) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    targets = data.get("targets")
    if not isinstance(targets, dict):
        return out
    for oid, amount in targets.items():
        if oid not in outcomes:
            out.append(
                (("targets", oid), f"unknown outcome '{oid}'{did_you_mean(oid, list(outcomes))}")
            )
        a = _num(amount)
        if a is not None and a <= 0:
            out.append((("targets", oid), f"a target must be above 0 (got {a:g})"))
    return out


def correlation_issues(model: s.Model) -> list[tuple[tuple, str]]:
    """Correlations must name uncertain quantities, once per pair, and be jointly possible."""
    from .paths import QuantityPathError, get_quantity

    out: list[tuple[tuple, str]] = []
    names: list[str] = []
    pairs: dict[frozenset, int] = {}
    for k, corr in enumerate(model.correlations):
        ok = True
        for j, ref in enumerate(corr.between):
            try:
                q = get_quantity(model, ref)
            except QuantityPathError as exc:
                out.append((("correlations", k, "between", j), str(exc)))
                ok = False
                continue
            from .distributions import is_uncertain

            if not is_uncertain(q):
                out.append(
                    (
                        ("correlations", k, "between", j),
                        f"'{ref}' is a fixed number; only uncertain quantities (distributions) "
                        "can be correlated",
                    )
                )
                ok = False
        if corr.between[0] == corr.between[1]:
            out.append((("correlations", k), "a quantity cannot be correlated with itself"))
            ok = False
        key = frozenset(corr.between)
        if ok and key in pairs:
            out.append(
                (
                    ("correlations", k),
                    f"this pair is already correlated in correlations[{pairs[key]}]",
                )
            )
            ok = False
        if ok:
            pairs[key] = k
            names.extend(r for r in corr.between if r not in names)
    if pairs and not out:
        idx = {n: i for i, n in enumerate(names)}
        m = np.eye(len(names))
        for k in pairs.values():
            a, b = model.correlations[k].between
            m[idx[a], idx[b]] = m[idx[b], idx[a]] = model.correlations[k].rho
        if np.linalg.eigvalsh(m).min() < -1e-10:
            out.append(
                (
                    ("correlations",),
                    "these correlations cannot hold together (the correlation matrix is not "
                    "positive semi-definite); weaken some of them",
                )
            )
    return out


def scenario_issues(model: s.Model) -> list[tuple[tuple, str]]:
    """Each scenario, applied alone to the baseline, must give a valid model."""
    out: list[tuple[tuple, str]] = []
    for name in model.scenarios:
        data = model_to_data(model)
        issues = apply_scenario_changes(data, model.scenarios, [name])
        if not issues:
            try:
                validate_data(copy.deepcopy(data), check_scenarios=False)
            except ModelError as exc:
                issues = exc.issues
        prefix = f"scenarios.{name}"
        for issue in issues:
            path = issue.path
            if path.startswith(prefix):
                out.append((tuple(_parse_path_text(path)), issue.message))
            else:
                out.append((("scenarios", name), f"after applying it, {path}: {issue.message}"))
    return out


def _parse_path_text(text: str) -> list:
    from .paths import split_path

    return split_path(text)


def shape_issues(data: dict, *, bounded: bool = False) -> tuple[list[tuple[tuple, str]], bool]:
    """What makes parsed data unusable as a model before any field is read — nesting, size,
    names that are not text, numbers that are not finite or too large — as (location,
    message) and whether it is a matter of size; empty when the data can be checked field by
    field. One pass over the data, without recursion."""
    problem = None if bounded else tree_problem(data)
    if problem is not None:
        return [(problem[0], problem[1])], problem[2]
    out: list[tuple[tuple, str]] = []
    for section, most in (
        ("links", MAX_LINKS),
        ("scenarios", MAX_SCENARIOS),
        ("correlations", MAX_CORRELATIONS),
    ):
        value = data.get(section)
        if isinstance(value, (list, dict)) and len(value) > most:
            out.append(
                (
                    (section,),
                    f"{len(value):,} {section}: a model may have at most {most:,}; split the model",
                )
            )
    nodes = sum(
        len(v)
        for k in ("resources", "interventions", "outcomes")
        if isinstance(v := data.get(k), dict)
    )
    if nodes > MAX_NODES:
        out.append(
            (
                (),
                f"{nodes:,} resources, interventions and outcomes: a model may have at "
                f"most {MAX_NODES:,}; split the model",
            )
        )
    if out:
        return out, True
    if _shape_clean(data):
        return out, False
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack and len(out) < 200:
        value, path = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    out.append(
                        (
                            (*path, str(k)),
                            f"a name must be text, not {_describe_key(k)}; "
                            "if it is meant as a name, put it in quotes",
                        )
                    )
                    continue
                stack.append((v, (*path, k)))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif isinstance(value, float) and value != value:
            out.append((path, "not a number (nan); write a number"))
        elif (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and abs(value) > MAX_NUMBER
        ):
            if isinstance(value, float) and abs(value) == float("inf"):
                out.append((path, "infinite (.inf); write a finite number"))
                continue
            size = (
                f"{value:.3g}"
                if isinstance(value, float) or digits(value) < 300
                else f"a number of about {digits(value):,} digits"
            )
            out.append(
                (
                    path,
                    f"{size} is too large: numbers in a model are at most "
                    "10^15 (1,000,000,000,000,000) in size",
                )
            )
    return out, False


def _shape_clean(data: dict) -> bool:
    """Whether every name in ``data`` is text and every number finite and at most
    :data:`MAX_NUMBER`: the check of :func:`shape_issues` without the places, which are
    looked for only when something is wrong (a model of 100,000 links has a million
    values)."""
    stack: list[Any] = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if not all(type(k) is str for k in value):
                return False
            children = value.values()
        else:
            children = value
        for c in children:
            t = type(c)
            if t is str or t is bool or c is None:
                continue
            if t is float:
                if not -MAX_NUMBER <= c <= MAX_NUMBER:  # nan and the infinities fail this too
                    return False
            elif t is int:
                if not -MAX_NUMBER <= c <= MAX_NUMBER:
                    return False
            elif isinstance(c, (dict, list)):
                stack.append(c)
            elif isinstance(c, bool):
                continue
            elif isinstance(c, (int, float)) and not -MAX_NUMBER <= c <= MAX_NUMBER:
                return False
            elif isinstance(c, str) and not isinstance(c, (dict, list)):
                continue
    return True


def _describe_key(key: Any) -> str:
    if key is None:
        return "nothing (null)"
    if isinstance(key, bool):
        return f"true or false ({str(key).lower()})"
    if isinstance(key, (int, float)):
        return f"the number {key!r}"
    return f"{type(key).__name__} {key!r}"[:80]


def validate_data(
    data: Any,
    *,
    file: str | None = None,
    lines: Lines | None = None,
    text: str | None = None,
    fmt: str = "yaml",
    check_scenarios: bool = True,
    bounded: bool = False,
) -> s.Model:
    """Check a parsed model file and return the :class:`Model`, or raise :class:`ModelError`
    listing every problem found, each located by field path and (when known) line.
    ``bounded``: the data comes from :func:`coproduce.model.files.parse_text`, which has
    checked its depth, size and numbers already."""
    if not isinstance(data, dict):
        raise ModelError(
            [
                Issue(
                    "",
                    f"a model file must be a mapping of sections, got "
                    f"{_describe(data)}; start with 'coproduce: 1'",
                    file=file,
                )
            ]
        )
    problems, large = shape_issues(data, bounded=bounded)
    model = None
    if not problems:
        try:
            model = _with_enabling_levels(s.Model.model_validate(data))
        except ValidationError as exc:
            problems.extend(field_issues(exc))
        problems.extend(semantic_issues(data))
        if model is not None and not problems:
            problems.extend(correlation_issues(model))
            if check_scenarios and not problems:
                problems.extend(scenario_issues(model))
    if problems:
        if lines is None and text is not None:
            from .files import field_lines

            lines = field_lines(text, fmt)
        issues = []
        seen = set()
        for loc, msg in problems:
            path = format_path(loc)
            if (path, msg) in seen:
                continue
            seen.add((path, msg))
            issues.append(Issue(path, msg, line=line_of(lines or {}, loc), file=file))
        issues.sort(key=lambda i: i.line if i.line is not None else 10**9)
        raise (TooLarge if large else ModelError)(issues)
    assert model is not None
    return model


def _with_enabling_levels(model: s.Model) -> s.Model:
    """Fill in each enabling input's declared ``level`` from the input as the file states it
    (per unit for ``inputs``, per period for ``fixed_inputs``), once, at load: scenarios,
    sweeps and draws that change the input are then measured against what was declared."""
    missing = any(
        e.level is None for itv in model.interventions.values() for e in itv.enabling.values()
    )
    if not missing:
        return model
    interventions = {}
    for iid, itv in model.interventions.items():
        if any(e.level is None for e in itv.enabling.values()):
            enabling = {}
            for rid, e in itv.enabling.items():
                q = itv.inputs.get(rid, itv.fixed_inputs.get(rid))
                if e.level is None and q is not None:  # not an input: reported later
                    # 12 significant figures: exact through a workbook (15) and JSON
                    e = e.model_copy(update={"level": float(f"{float(mean_of(q)):.12g}")})
                enabling[rid] = e
            itv = itv.model_copy(update={"enabling": enabling})
        interventions[iid] = itv
    return model.model_copy(update={"interventions": interventions})


def model_warnings(model: s.Model) -> list[Issue]:
    """Things that are allowed but probably not meant: shown by ``coproduce check``."""
    out: list[Issue] = []
    sources = {lk.from_ for lk in model.links}
    targets = {lk.to for lk in model.links}
    used = {r for i in model.interventions.values() for r in (*i.inputs, *i.fixed_inputs)}
    for iid, itv in model.interventions.items():
        if iid not in sources:
            out.append(Issue(f"interventions.{iid}", "has no links, so it reaches no outcome"))
        if not itv.inputs and not itv.fixed_inputs:
            out.append(Issue(f"interventions.{iid}", "has no inputs, so it costs nothing"))
        coprod = {sid for sid, sec in model.sectors.items() if sec.coproduction}
        uses_time = any(
            model.resources[r].sector in coprod
            for r in (*itv.inputs, *itv.fixed_inputs)
            if r in model.resources
        )
        if uses_time and not itv.enabling:
            out.append(
                Issue(
                    f"interventions.{iid}",
                    "uses users' or communities' input but "
                    "declares no enabling input, so its effect is assumed not to "
                    "depend on public support; name the inputs that enable it under "
                    "enabling",
                )
            )
    for oid in model.outcomes:
        if oid not in targets:
            out.append(Issue(f"outcomes.{oid}", "nothing links to it, so its level is always 0"))
    for rid in model.resources:
        if rid not in used:
            out.append(Issue(f"resources.{rid}", "no intervention uses it"))
    ungraded = [k for k, lk in enumerate(model.links) if lk.evidence is None]
    if ungraded:
        out.append(
            Issue(
                "links",
                f"{len(ungraded)} link(s) have no evidence grade (1-5): "
                + ", ".join(f"links[{k}]" for k in ungraded[:5])
                + (", ..." if len(ungraded) > 5 else ""),
            )
        )
    return out
