"""Loading a portfolio file: its services' models, targets, pools and budgets, every problem
located (file, line, field) before any analysis runs.

Paths of model files are relative to the portfolio file; ``example:NAME`` names a bundled
model. Bundled portfolios live in ``examples/portfolios/`` (``example:city-portfolio``), apart
from the bundled models, so ``example:NAME`` keeps naming models everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources as _pkg
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Issue
from ..model.errors import ModelError, did_you_mean, format_path
from ..model.schema import Model
from ..model.time_value import time_resources
from .schema import BUDGET_KEYS_EXTRA, CLASSES, PortfolioFile

EXAMPLE_PREFIX = "example:"
FOLDER = "portfolios"
ESTIMATE_RATIO = 3.0
"""A pool more than this many times, or less than its inverse, what the models themselves
assume is said so, naming both figures."""


class PortfolioError(ModelError):
    """A portfolio file that cannot be used; ``issues`` locates every problem (exit 2)."""


@dataclass(frozen=True)
class LoadedService:
    """A service of the portfolio: its model (scenarios applied, time valued), its targets
    (increases over today, outcome units) and the outcome the comparison is made on."""

    name: str
    label: str
    model: Model
    model_source: str
    targets: dict[str, float]
    outcome: str
    scenarios: tuple[str, ...] = ()
    area: str | None = None
    wtp: float | None = None
    notes: str | None = None


@dataclass(frozen=True)
class LoadedPool:
    """Community time shared by services: ``resources{service: [resource]}``; ``available``
    hours a period, or ``{area: hours}``."""

    name: str
    label: str
    resources: dict[str, list[str]]
    available: float | dict[str, float]
    unit: str
    kind: str | None = None
    source: str | None = None
    notes: str | None = None
    model_available: float | None = None  # what the models themselves assume, summed
    # each listed resource's own ``available`` (mean), None where its model states none:
    # ((service, resource, hours | None), ...)
    model_figures: tuple[tuple[str, str, float | None], ...] = ()

    @property
    def by_area(self) -> bool:
        return isinstance(self.available, dict)

    @property
    def total(self) -> float:
        return (
            float(sum(self.available.values()))
            if isinstance(self.available, dict)
            else float(self.available)
        )

    def rows(self, services: dict[str, LoadedService]) -> list[tuple[str, float, list[str]]]:
        """One constraint per area (or one): (key, hours, member services)."""
        if not isinstance(self.available, dict):
            return [(self.name, float(self.available), list(self.resources))]
        return [
            (
                f"{self.name}.{area}",
                float(hours),
                [s for s in self.resources if services[s].area == area],
            )
            for area, hours in self.available.items()
        ]


@dataclass(frozen=True)
class Portfolio:
    """A loaded portfolio: services, pools and budgets in one currency and price year."""

    name: str
    services: dict[str, LoadedService]
    pools: dict[str, LoadedPool]
    budgets: dict[str, float]
    currency: str
    price_year: int
    file: str | None = None
    description: str | None = None
    source: str | None = None
    notes: str | None = None
    time_value: str | None = None
    warnings: tuple[dict, ...] = field(default_factory=tuple)

    def pooled(self, service: str) -> dict[str, str]:
        """``{resource: pool}`` for the resources of ``service`` drawn from a pool."""
        return {r: p.name for p in self.pools.values() for r in p.resources.get(service, [])}


def example_names() -> list[str]:
    """Names of the bundled portfolios (``example:NAME`` for ``coproduce portfolio``)."""
    folder = _pkg.files("coproduce") / "examples" / FOLDER
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def example_path(name: str) -> Path:
    names = example_names()
    if name not in names:
        raise PortfolioError(
            [
                Issue(
                    "",
                    f"unknown bundled portfolio '{name}'"
                    f"{did_you_mean(name, names)}; bundled portfolios: "
                    f"{', '.join(names) or 'none'}",
                )
            ]
        )
    return Path(str(_pkg.files("coproduce") / "examples" / FOLDER / f"{name}.yaml"))


def is_example(source: str | Path) -> bool:
    return str(source).startswith(EXAMPLE_PREFIX)


def load_portfolio(
    source: str | Path | dict[str, Any],
    *,
    time_value: str | None = None,
    time_value_per_hour: float | None = None,
    base: str | Path | None = None,
    resolver: Callable[[str], Model] | None = None,
) -> Portfolio:
    """Load and check a portfolio: a ``.yaml``/``.json`` file, ``example:NAME`` for a bundled
    one, or parsed data (model paths then relative to ``base``, default the working folder).

    ``time_value`` / ``time_value_per_hour`` value users' and communities' hours in every
    service alike (a basis each model names, ``zero`` or ``as_stated``; or an amount an hour);
    neither: the portfolio's own ``time_value``, else each model's. ``resolver`` (e.g. the web
    app's, for stored model versions) turns a service's ``model`` into a :class:`Model`
    instead of reading a file; it raises :class:`ModelError` for one it cannot find. Raises
    :class:`PortfolioError` naming every problem found."""
    from ..model.files import field_lines, format_of, parse_text, read_text_file

    text, fmt, shown = None, "yaml", None
    if isinstance(source, dict):
        data = source
        folder = Path(base) if base is not None else Path.cwd()
    else:
        path = (
            example_path(str(source)[len(EXAMPLE_PREFIX) :]) if is_example(source) else Path(source)
        )
        shown = path.name if is_example(source) else str(source)
        fmt = format_of(path)
        if fmt == "xlsx":
            raise PortfolioError([Issue("", "a portfolio is a .yaml or .json file", file=shown)])
        text = read_text_file(path)
        data = parse_text(text, fmt=fmt, file=shown)
        folder = path.parent
    lines = field_lines(text, fmt) if text is not None else {}

    def issue(loc: tuple, message: str) -> Issue:
        from ..model.files import line_of

        return Issue(
            format_path(loc), message, line=line_of(lines, loc) if lines else None, file=shown
        )

    if not isinstance(data, dict):
        raise PortfolioError(
            [
                issue(
                    (),
                    "a portfolio file is a mapping of sections; start with "
                    "'coproduce_portfolio: 1'",
                )
            ]
        )
    try:
        spec = PortfolioFile.model_validate(data)
    except ValidationError as exc:
        raise PortfolioError(
            sorted((issue(loc, msg) for loc, msg in _field_issues(exc)), key=lambda i: i.line or 0)
        ) from None
    return _check(spec, folder, issue, shown, time_value, time_value_per_hour, resolver)


def _field_issues(exc: ValidationError) -> list[tuple[tuple, str]]:
    """Pydantic's errors as (location, message with fix), unknown fields with the allowed
    ones (the model file's wording for the rest)."""
    from ..model.validate import field_issues

    out = []
    for (loc, msg), err in zip(field_issues(exc), exc.errors(), strict=True):
        if err["type"] == "extra_forbidden":
            key = loc[-1]
            cls = CLASSES.get(str(loc[0]) if len(loc) == 3 else "") if len(loc) in (1, 3) else None
            allowed = [f.alias or n for n, f in cls.model_fields.items()] if cls else []
            hint = did_you_mean(str(key), allowed) or (
                f" (allowed: {', '.join(allowed)})" if allowed else ""
            )
            msg = f"unknown field '{key}'{hint}"
        elif err["type"] == "literal_error" and loc == ("coproduce_portfolio",):
            msg = "format version must be 1; write 'coproduce_portfolio: 1'"
        elif err["type"] == "missing" and loc == ("coproduce_portfolio",):
            msg = "'coproduce_portfolio' is required: start the file with 'coproduce_portfolio: 1'"
        out.append((loc, msg))
    return out


def _load_model(
    ref: str,
    folder: Path,
    scenarios: list[str],
    time_value: str | None,
    per_hour: float | None,
    resolver: Callable[[str], Model] | None = None,
) -> Model:
    from ..model.load import load_model

    if resolver is not None:
        from ..model.scenarios import apply_scenarios
        from ..model.time_value import choose_time_value

        model = apply_scenarios(resolver(ref), tuple(scenarios)) if scenarios else resolver(ref)
        return choose_time_value(model, time_value, per_hour)
    target = (
        ref
        if is_example(ref)
        else str((folder / ref) if not Path(ref).is_absolute() else Path(ref))
    )
    return load_model(
        target, scenarios=tuple(scenarios), time_value=time_value, time_value_per_hour=per_hour
    )


def _check(
    spec: PortfolioFile,
    folder: Path,
    issue,
    shown: str | None,
    time_value: str | None,
    per_hour: float | None,
    resolver: Callable[[str], Model] | None = None,
) -> Portfolio:
    issues: list[Issue] = []
    basis = time_value if (time_value is not None or per_hour is not None) else spec.time_value
    services: dict[str, LoadedService] = {}
    for name, svc in spec.services.items():
        where = ("services", name)
        try:
            m = _load_model(svc.model, folder, svc.scenarios, basis, per_hour, resolver)
        except ModelError as exc:
            head = exc.issues[0] if exc.issues else None
            if head is not None and head.message.startswith(("file not found", "unknown example")):
                issues.append(
                    issue((*where, "model"), f"cannot load '{svc.model}': {head.message}")
                )
            elif any(i.path == "time_value" for i in exc.issues):
                issues.append(issue(where, f"{exc.issues[0].message} (in '{svc.model}')"))
            else:
                issues.append(
                    issue(
                        (*where, "model"),
                        f"the model '{svc.model}' has "
                        f"{len(exc.issues)} problem"
                        f"{'s' if len(exc.issues) != 1 else ''}; check it with "
                        f"coproduce check",
                    )
                )
                issues.extend(exc.issues)
            continue
        targets = dict(m.targets) if svc.targets is None else dict(svc.targets)
        bad = False
        for oid in targets:
            if oid not in m.outcomes:
                issues.append(
                    issue(
                        (*where, "targets", oid),
                        f"unknown outcome '{oid}' in {m.name}"
                        f"{did_you_mean(oid, m.outcomes)}; outcomes: "
                        f"{', '.join(m.outcomes)}",
                    )
                )
                bad = True
        if not targets:
            issues.append(
                issue(where, f"no targets: {m.name} names none; give targets: {{outcome: amount}}")
            )
            continue
        outcome = svc.outcome or next(iter(targets))
        if svc.outcome is not None and svc.outcome not in targets:
            issues.append(
                issue(
                    (*where, "outcome"),
                    f"'{svc.outcome}' is not one of this service's targets "
                    f"({', '.join(targets)}){did_you_mean(svc.outcome, targets)}",
                )
            )
            bad = True
        if not bad and not targets[outcome] > 0:
            issues.append(
                issue((*where, "targets", outcome), "the outcome compared needs a target above 0")
            )
            bad = True
        if bad:
            continue
        services[name] = LoadedService(
            name=name,
            label=svc.label or m.name,
            model=m,
            model_source=svc.model,
            targets={k: float(v) for k, v in targets.items()},
            outcome=outcome,
            scenarios=tuple(svc.scenarios),
            area=svc.area,
            wtp=svc.wtp,
            notes=svc.notes,
        )
    loaded = [s for s in services.values()]
    if loaded:
        first = loaded[0]
        for s in loaded[1:]:
            if (s.model.currency, s.model.price_year) != (
                first.model.currency,
                first.model.price_year,
            ):
                issues.append(
                    issue(
                        ("services", s.name, "model"),
                        f"money in {s.model.currency} at {s.model.price_year} "
                        f"prices, but service '{first.name}' is in "
                        f"{first.model.currency} at {first.model.price_year} "
                        "prices; every service must share one currency and price "
                        "year",
                    )
                )
    pools = {}
    for pname, pool in spec.pools.items():
        where = ("pools", pname)
        lists = pool.resource_lists()
        if not lists or not any(lists.values()):
            issues.append(
                issue(
                    (*where, "resources"),
                    "no service uses this pool: name each service's resource, e.g. "
                    "resources: {older: volunteer_hour}",
                )
            )
            continue
        units: set[str] = set()
        figures: list[tuple[str, str, float | None]] = []
        ok = True
        for sname, rids in lists.items():
            if sname not in spec.services:
                issues.append(
                    issue(
                        (*where, "resources", sname),
                        f"unknown service '{sname}'"
                        f"{did_you_mean(sname, spec.services)}; services: "
                        f"{', '.join(spec.services)}",
                    )
                )
                ok = False
                continue
            if sname not in services:
                ok = False
                continue
            m = services[sname].model
            for rid in rids:
                if rid not in m.resources:
                    issues.append(
                        issue(
                            (*where, "resources", sname),
                            f"'{rid}' is not a resource of {m.name}"
                            f"{did_you_mean(rid, m.resources)}; resources: "
                            f"{', '.join(m.resources)}",
                        )
                    )
                    ok = False
                    continue
                used = any(
                    rid in itv.inputs or rid in itv.fixed_inputs for itv in m.interventions.values()
                )
                if not used:
                    issues.append(
                        issue(
                            (*where, "resources", sname),
                            f"no intervention of {m.name} uses '{rid}', so the pool "
                            "would limit nothing there; name a resource the "
                            "service uses",
                        )
                    )
                    ok = False
                r = m.resources[rid]
                units.add(r.unit.strip().lower())
                from ..model.distributions import mean_of

                figures.append(
                    (sname, rid, None if r.available is None else float(mean_of(r.available)))
                )
            dup = [r for r in rids if rids.count(r) > 1]
            if dup:
                issues.append(issue((*where, "resources", sname), f"'{dup[0]}' is listed twice"))
                ok = False
        if len(units) > 1:
            issues.append(
                issue(
                    (*where, "resources"),
                    f"a pool's resources must share one unit; these are in "
                    f"{', '.join(sorted(units))}",
                )
            )
            ok = False
        if isinstance(pool.available, dict):
            for sname in lists:
                svc = spec.services.get(sname)
                if svc is not None and svc.area not in pool.available:
                    issues.append(
                        issue(
                            ("services", sname, "area") if svc.area else ("services", sname),
                            f"pool '{pname}' gives hours by area "
                            f"({', '.join(pool.available)}): give this service's "
                            f"area, one of them"
                            if svc.area is None
                            else f"area '{svc.area}' has no hours in pool '{pname}'"
                            f"{did_you_mean(svc.area, pool.available)}; its areas: "
                            f"{', '.join(pool.available)}",
                        )
                    )
                    ok = False
        if ok:
            unit = next(iter(units)) if units else "hour"
            stated = [h for _, _, h in figures if h is not None]
            model_total = sum(stated) if stated else None
            pools[pname] = LoadedPool(
                name=pname,
                label=pool.label or pname.replace("_", " ").capitalize(),
                resources=lists,
                available=pool.available,
                unit=unit,
                kind=pool.kind,
                source=pool.source,
                notes=pool.notes,
                model_available=model_total if model_total else None,
                model_figures=tuple(figures),
            )
    # one resource of one service in one pool only
    seen: dict[tuple[str, str], str] = {}
    for pname, pool in pools.items():
        for sname, rids in pool.resources.items():
            for rid in rids:
                if (sname, rid) in seen:
                    issues.append(
                        issue(
                            ("pools", pname, "resources", sname),
                            f"'{rid}' of service '{sname}' is already in pool "
                            f"'{seen[(sname, rid)]}'; a resource draws on one pool",
                        )
                    )
                seen[(sname, rid)] = pname
    sectors = set.intersection(*(set(s.model.sectors) for s in loaded)) if loaded else set()
    for key in spec.budgets:
        if key not in sectors and key not in BUDGET_KEYS_EXTRA:
            choices = sorted(sectors) + list(BUDGET_KEYS_EXTRA)
            issues.append(
                issue(
                    ("budgets", key),
                    f"unknown budget '{key}'"
                    f"{did_you_mean(key, choices)}; use a sector every service has "
                    f"({', '.join(sorted(sectors))}), full or enabling",
                )
            )
    if issues:
        raise PortfolioError(sorted(issues, key=lambda i: (i.file != shown, i.line or 0)))
    first = loaded[0]
    return Portfolio(
        name=spec.name,
        services=services,
        pools=pools,
        budgets=dict(spec.budgets),
        currency=first.model.currency,
        price_year=first.model.price_year,
        file=shown,
        description=spec.description,
        source=spec.source,
        notes=spec.notes,
        time_value=("custom" if per_hour is not None else basis),
        warnings=tuple(_pool_warnings(pools, services)),
    )


def _pool_warnings(
    pools: dict[str, LoadedPool], services: dict[str, LoadedService] | None = None
) -> list[dict]:
    """Pools far from what the member models themselves assume for the pooled resources — more
    than three times, or less than a third of, the sum of the resources' own ``available``
    (for a pool given by area, area by area: the area's hours against the resources of the
    services in that area), as ``--to-model`` checks a survey estimate. Each names both
    figures, each service's own (``by_service``) and the resources whose model states none
    (``not_stated``, left out of the sum). A pool none of whose resources states a figure
    (or only 0) has nothing to be compared with."""
    out = []
    for p in pools.values():
        if isinstance(p.available, dict) and services is not None:
            rows = [
                (area, float(hours), {s for s in p.resources if services[s].area == area})
                for area, hours in p.available.items()
            ]
        else:
            rows = [(None, p.total, set(p.resources))]
        for area, hours, members in rows:
            figures = [f for f in p.model_figures if f[0] in members]
            stated = [f for f in figures if f[2] is not None]
            assume = sum(f[2] for f in stated)
            if not assume > 0:  # no figure of the models to compare with
                continue
            ratio = hours / assume
            if ratio > ESTIMATE_RATIO or ratio < 1 / ESTIMATE_RATIO:
                by_service: dict[str, dict[str, float]] = {}
                for sname, rid, h in stated:
                    by_service.setdefault(sname, {})[rid] = h
                out.append(
                    {
                        "kind": "pool_far_from_models",
                        "pool": p.name,
                        "area": area,
                        "available": hours,
                        "models_assume": assume,
                        "ratio": ratio,
                        "unit": p.unit,
                        "by_service": by_service,
                        "not_stated": [f"{s}.{r}" for s, r, h in figures if h is None],
                    }
                )
    return out


def coproduction_time_resources(model: Model) -> list[str]:
    """Resources of users' and communities' time in hours (as valued by a time basis)."""
    return time_resources(model)
