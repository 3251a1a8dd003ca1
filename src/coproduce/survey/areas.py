"""Co-production capacity by area: a fitted participation model poststratified to census cells.

For each area, ``rate = sum_c N_c p_c / sum_c N_c`` where ``N_c`` is the number of adults in
cell ``c`` (area × age band × sex × whatever else the model uses) and ``p_c`` the model's
probability of taking part for that cell; expected participants are ``sum_c N_c p_c`` and
available hours ``participants × hours per participant``. Uncertainty: coefficients drawn from
their design-based sampling distribution (multivariate normal) and hours per participant from
its own distribution (any of the model file's distributions), ``draws`` times with ``seed``;
the result reports the mean and the central interval. Each area's hours can be written later as
a resource's ``available`` value for planning (:meth:`CapacityResult.available`).

Hours per participant are never assumed (:class:`HoursFigure`, :class:`HoursPlan`): a figure
the user gives with its source (:func:`given_hours`), the survey's own hours question
(:func:`survey_hours`), or for the bundled example only a published figure named with its
source in ``data/example_hours.yaml`` (:func:`example_hours_figures`); with none,
:func:`capacity` refuses. :func:`capacity_split` gives the same by kind of co-production
(individual, collective) and by sector and kind, one participation model per group; a sector
with no figure of its own gets a share of its kind's hours in proportion to its participants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import patsy
from scipy import special

from ..model.distributions import parse_quantity, quantity_to_data
from ..model.errors import Issue, ModelError, did_you_mean
from .glm import GlmFit


def _sample(q, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of a model-file quantity (a number or one of its distributions)."""
    if isinstance(q, (int, float)):
        return np.full(size, float(q))
    name = q.dist
    if name == "fixed":
        return np.full(size, q.value)
    if name == "normal":
        return rng.normal(q.mean, q.sd, size)
    if name == "lognormal":
        mu, sigma = q.log_params()
        return rng.lognormal(mu, sigma, size)
    if name == "triangular":
        return rng.triangular(q.low, q.mode, q.high, size)
    if name == "pert":
        a, b = q.beta_params()
        return q.low + (q.high - q.low) * rng.beta(a, b, size)
    if name == "uniform":
        return rng.uniform(q.low, q.high, size)
    if name == "beta":
        return rng.beta(q.alpha, q.beta, size)
    if name == "gamma":
        shape, scale = q.shape_scale()
        return rng.gamma(shape, scale, size)
    raise ValueError(f"cannot sample distribution '{name}'")  # pragma: no cover


TYPES = ("individual", "collective")
BASES = ("given", "survey", "example")
"""Where an hours-per-participant figure comes from: the user (with its source), the survey's
own hours question, or — for the bundled example only — a published figure in
``data/example_hours.yaml``."""


@dataclass(frozen=True)
class HoursFigure:
    """Hours a participant gives a ``period`` (a number or a distribution of the model format)
    and where that figure comes from: ``basis`` ``given`` (by the user, ``source`` saying
    where from), ``survey`` (the mean answer to the survey's hours question ``item`` among the
    ``respondents`` taking part who answered it, with its standard error ``se``) or ``example``
    (the bundled example's published figure). ``group`` is the item group it is for
    (``collective``, ``safety_collective``); None for a figure given for every kind."""

    value: Any
    basis: str
    source: str
    group: str | None = None
    item: str | None = None
    respondents: int | None = None
    se: float | None = None

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"basis '{self.basis}' is not one of {', '.join(BASES)}")

    @property
    def mean(self) -> float:
        from ..model.distributions import mean_of

        return float(mean_of(self.value))

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "source": self.source,
            "group": self.group,
            "per_participant": quantity_to_data(self.value),
            "mean": self.mean,
            "item": self.item,
            "respondents": self.respondents,
            "se": self.se,
        }


def given_hours(value: Any, source: str | None, group: str | None = None) -> HoursFigure:
    """A figure the user gives (number or distribution) with ``source``; refused without one."""
    text = (source or "").strip()
    if not text:
        raise ModelError(
            [
                Issue(
                    "hours_source",
                    "say where the hours per participant come from (a survey, a published "
                    "figure, your own records): no figure is used without its source",
                )
            ]
        )
    try:
        q = parse_quantity(value)
    except ValueError as exc:
        raise ModelError([Issue("hours_per_participant", str(exc))]) from None
    if not _non_negative(q):
        raise ModelError(
            [Issue("hours_per_participant", "hours per participant cannot be below 0")]
        )
    return HoursFigure(q, "given", text, group=group)


def _non_negative(q) -> bool:
    from ..model.distributions import mean_of

    low = getattr(q, "low", None)
    return float(mean_of(q)) >= 0 and (low is None or low >= 0)


def example_hours_figures() -> dict[str, HoursFigure]:
    """The bundled example's published figures (``data/example_hours.yaml``), by group."""
    from .examples import EXAMPLE_HOURS, example_hours

    out = {}
    for group, entry in example_hours().items():
        source = " ".join(str(entry[k]).strip() for k in ("source", "derivation") if entry.get(k))
        out[group] = HoursFigure(
            parse_quantity(entry["value"]),
            "example",
            f"{source.rstrip('.')}. Bundled for the example only, in {EXAMPLE_HOURS.name}",
            group=group,
        )
    return out


def survey_hours(
    prepared,
    design,
    *,
    frame: pd.DataFrame | None = None,
    codebook_file: str | None = None,
    level: float = 0.95,
) -> tuple[dict[str, HoursFigure], list[str]]:
    """Hours per participant from the survey's own hours questions (the codebook's ``hours``):
    for each, the design-based mean answer, in hours a year, among respondents taking part in
    the activities it covers (``takes_part_GROUP`` = 1) who answered it, with its standard
    error; the same figure for every area. ``frame`` is the survey file as read (its hours
    columns are checked and added to ``design.data``); by default it is read again from
    ``prepared.file``. Returns the figures by group and notes (e.g. a question no one taking
    part answered)."""
    from .codebook import hours_answers

    cb = prepared.codebook
    if not cb.hours:
        return {}, []
    if frame is None:
        from .readers import read_survey

        frame = read_survey(prepared.file).frame
    answers = hours_answers(cb, frame, codebook_file=codebook_file, data_file=prepared.file)
    out: dict[str, HoursFigure] = {}
    notes: list[str] = []
    for name, values in answers.items():
        h = cb.hours[name]
        column = f"__hours_{name}"
        design.data[column] = values.to_numpy()
        part = f"takes_part_{h.group}"
        table = design.mean(column, by=part, level=level)
        rows = table.rows if hasattr(table, "rows") else (table,)
        est = next((r for r in rows if str(r.domain.get(part)) in ("1", "1.0")), None)
        if est is None or est.n == 0 or not math.isfinite(est.value):
            notes.append(
                f"no one taking part answered the hours question '{h.label or name}': it "
                "gives no figure"
            )
            continue
        value = (
            parse_quantity({"dist": "gamma", "mean": est.value, "sd": est.se})
            if est.se > 0 and est.value > 0
            else float(est.value)
        )
        per = {"year": "", "month": ", asked a month", "week": ", asked a week"}[h.period]
        out[h.group] = HoursFigure(
            value,
            "survey",
            f"the survey's question '{h.text.strip()}'{per}: the mean answer of the "
            f"{est.n:,} respondents taking part who answered it",
            group=h.group,
            item=name,
            respondents=int(est.n),
            se=float(est.se),
        )
        if est.n < cb.min_cell:
            notes.append(
                f"the hours of {_group_words(h.group)} rest on {est.n} respondents, fewer "
                f"than {cb.min_cell}"
            )
    return out, notes


@dataclass(frozen=True)
class HoursPlan:
    """Which hours-per-participant figure each item group uses: the user's own per group
    (``figures`` with basis ``given``) first; then the user's figure for every kind
    (``every``: the kinds ``individual`` and ``collective`` and the outcome); then the survey's
    hours questions; then, for the bundled example only, its published figures. A sector with
    no figure of its own gets a share of its kind's hours (:func:`capacity_split`)."""

    figures: dict[str, HoursFigure]
    every: HoursFigure | None = None

    def for_group(self, group: str | None, *, outcome: bool = False) -> HoursFigure | None:
        own = self.figures.get(group) if group else None
        if own is not None and own.basis == "given":
            return own
        if self.every is not None and (outcome or group in TYPES):
            return self.every
        return own

    @property
    def bases(self) -> set[str]:
        return {f.basis for f in self.figures.values()} | (
            {self.every.basis} if self.every else set()
        )


def hours_plan(
    given: dict[str | None, Any] | None = None,
    source: str | None = None,
    *,
    survey: dict[str, HoursFigure] | None = None,
    example: dict[str, HoursFigure] | None = None,
) -> HoursPlan:
    """Combine the user's figures (``given``: ``{group: value}``, key None for every kind; all
    with one ``source``), the survey's and the example's into one :class:`HoursPlan`."""
    figures = {**(example or {}), **(survey or {})}
    every = None
    for group, value in (given or {}).items():
        fig = given_hours(value, source, group)
        if group is None:
            every = fig
        else:
            figures[group] = fig
    return HoursPlan(figures, every)


def missing_hours_message(what: str, *, example: bool = False) -> str:
    """What to give when there is no hours-per-participant figure for ``what``."""
    extra = (
        "; the bundled example's published figure covers collective co-production only"
        if example
        else ""
    )
    return (
        f"no hours per participant for {what}: hours are never assumed. Give a figure and "
        'where it comes from (--hours-per-participant 20 --hours-source "…"; for one kind '
        "or sector, --hours-per-participant collective=20), or your survey's hours question "
        f"in the codebook (hours:, docs/survey.md){extra}"
    )


def _group_words(group: str) -> str:
    if group in TYPES:
        return f"{group} activities"
    sector, _, kind = group.rpartition("_")
    return f"{kind} activities for {sector.replace('_', ' ')}"


@dataclass(frozen=True)
class CapacityResult:
    """Per area: adults, expected co-production rate, participants and hours, with intervals.

    ``hours_figure`` says where the hours per participant come from; ``split`` (when computed)
    gives the same by kind of co-production and by sector (:class:`CapacitySplit`)."""

    rows: tuple[dict, ...]
    outcome: str
    formula: str
    hours_per_participant: Any
    period: str
    draws: int
    seed: int
    level: float
    synthetic: bool = False
    hours_figure: HoursFigure | None = None
    split: CapacitySplit | None = None
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.rows))

    def available(self) -> dict[str, dict | float]:
        """Hours available per area per ``period`` as model-file quantities, ready to become a
        resource's ``available``: a gamma with the simulated mean and sd (rounded to 0.1 hour).
        Not a normal: the model format refuses an availability that can fall below zero. With
        no spread at all (sd 0) the plain mean."""
        return _available(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "formula": self.formula,
            "hours_per_participant": quantity_to_data(self.hours_per_participant),
            "hours_basis": None if self.hours_figure is None else self.hours_figure.to_dict(),
            "period": self.period,
            "draws": self.draws,
            "seed": self.seed,
            "level": self.level,
            "synthetic": self.synthetic,
            "areas": list(self.rows),
            "available": self.available(),
            "split": None if self.split is None else self.split.to_dict(),
            "notes": list(self.notes),
        }


def _available(rows) -> dict[str, dict | float]:
    out: dict[str, dict | float] = {}
    for r in rows:
        if r["hours"] is None:
            continue
        mean, sd = round(r["hours"], 1), round(r["hours_sd"], 1)
        q = {"dist": "gamma", "mean": mean, "sd": sd} if mean > 0 and sd > 0 else mean
        out[r["area"]] = quantity_to_data(parse_quantity(q))
    return out


@dataclass(frozen=True)
class CapacitySplit:
    """Capacity by kind of co-production (``individual``, ``collective``) and by sector and
    kind (``safety_collective``, ...): one participation model per group, with the outcome's
    covariates, poststratified to the same cells.

    ``groups``: ``{group, sector, type, outcome, formula, hours_from, hours}`` per group —
    ``hours_from`` ``given``, ``survey`` or ``example`` (participants × that figure),
    ``shared`` (a sector's share of its kind's hours, in proportion to its participants),
    ``summed`` (a kind's hours as the sum of its sectors', each with a figure of its own) or
    None (no hours: participants only). ``rows``: one per area and group, the fields of
    :class:`CapacityResult` rows plus ``group``, ``sector``, ``type``, ``hours_from``."""

    rows: tuple[dict, ...]
    groups: tuple[dict, ...]
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame.from_records(list(self.rows))

    def row(self, area: str, group: str) -> dict:
        return next(r for r in self.rows if r["area"] == area and r["group"] == group)

    def available(self) -> dict[str, dict[str, dict | float]]:
        """``{group: {area: quantity}}``, as :meth:`CapacityResult.available`, for groups with
        hours."""
        out: dict[str, dict[str, dict | float]] = {}
        for g in self.groups:
            got = _available([r for r in self.rows if r["group"] == g["group"]])
            if got:
                out[g["group"]] = got
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": list(self.groups),
            "areas": list(self.rows),
            "available": self.available(),
            "notes": list(self.notes),
        }


def _cell_matrix(fit: GlmFit, cells: pd.DataFrame, area: str, count: str, fixed: dict | None):
    """The cells' design matrix for ``fit``, their counts, area codes and area names; every
    problem with the cell file raised at once."""
    issues = []
    for col in (area, count):
        if col not in cells.columns:
            issues.append(
                Issue(
                    col, f"the cell counts have no column '{col}'{did_you_mean(col, cells.columns)}"
                )
            )
    frame = cells.copy()
    for k, v in (fixed or {}).items():
        frame[k] = v
    info = fit.extras["design_info"]
    data = fit.extras["data"]
    for factor in {f.name() for t in info.terms for f in t.factors}:
        var = factor[2:-1].split(",")[0].strip() if factor.startswith("C(") else factor
        if var not in frame.columns:
            issues.append(
                Issue(
                    var,
                    f"the model uses '{var}' but the cell counts have no such "
                    f"column; add it or hold it fixed (--fix {var}=VALUE)",
                )
            )
        elif isinstance(data[var].dtype, pd.CategoricalDtype):
            cats = list(data[var].cat.categories)
            bad = sorted(set(frame[var].astype(str)) - {str(c) for c in cats})
            if bad:
                issues.append(
                    Issue(
                        var,
                        f"cell value(s) {bad[:3]} of '{var}' are not "
                        f"categories of the survey ({', '.join(map(str, cats))})",
                    )
                )
            else:
                frame[var] = pd.Categorical(frame[var].astype(str), categories=cats)
    if not issues:
        n = pd.to_numeric(frame[count], errors="coerce")
        if n.isna().any() or (n < 0).any():
            issues.append(Issue(count, f"'{count}' must hold non-negative numbers"))
    if issues:
        raise ModelError(issues)
    (x,) = patsy.build_design_matrices([info], frame, NA_action="raise")
    codes, names = pd.factorize(frame[area], sort=False)
    return np.asarray(x), frame[count].to_numpy(dtype=float), codes, list(names)


def _participants(fit: GlmFit, x, n, codes, names, draws: int, rng) -> list[dict]:
    """Per area with adults: its adults, and participants at the estimate and per draw of the
    coefficients (multivariate normal with the design-based covariance)."""
    beta = rng.multivariate_normal(fit.coef, fit.vcov, size=draws, method="cholesky")
    p = special.expit(x @ beta.T)  # cells × draws
    p_hat = special.expit(x @ fit.coef)
    out = []
    for a, name in enumerate(names):
        sel = codes == a
        adults = n[sel].sum()
        if adults <= 0:
            continue
        out.append(
            {
                "area": str(name),
                "adults": float(adults),
                "at_estimate": float(n[sel] @ p_hat[sel]),
                "draws": n[sel] @ p[sel],
            }
        )
    return out


def _row(area: dict, hours: np.ndarray | None, level: float) -> dict:
    tail = (1 - level) / 2
    adults, drawn = area["adults"], area["draws"]
    rate = drawn / adults

    def q(v, t):
        return float(np.quantile(v, t))

    return {
        "area": area["area"],
        "adults": adults,
        "rate": area["at_estimate"] / adults,
        "rate_low": q(rate, tail),
        "rate_high": q(rate, 1 - tail),
        "participants": area["at_estimate"],
        "participants_low": q(drawn, tail),
        "participants_high": q(drawn, 1 - tail),
        "hours": None if hours is None else float(hours.mean()),
        "hours_sd": None if hours is None else float(hours.std(ddof=1)),
        "hours_low": None if hours is None else q(hours, tail),
        "hours_high": None if hours is None else q(hours, 1 - tail),
    }


def capacity(
    fit: GlmFit,
    cells: pd.DataFrame,
    *,
    hours_per_participant: Any = None,
    hours_source: str | None = None,
    area: str = "area",
    count: str = "adults",
    period: str = "year",
    fixed: dict | None = None,
    draws: int = 2000,
    seed: int = 1,
    level: float = 0.9,
    synthetic: bool = False,
) -> CapacityResult:
    """Poststratify a logistic participation ``fit`` to ``cells``.

    ``cells`` has one row per area × cell with the count of adults in ``count`` and a column for
    every variable the model uses; variables the cells lack can be held at a value with
    ``fixed`` (e.g. ``{"country": "United Kingdom"}``, ``{"self_efficacy": 3}``).

    ``hours_per_participant`` is required — never assumed: a :class:`HoursFigure` (from
    :func:`survey_hours`, :func:`given_hours` or the example's), or a number or distribution
    with ``hours_source`` saying where it comes from.
    """
    if fit.family != "binomial":
        raise ModelError(
            [
                Issue(
                    "family",
                    "capacity needs a logistic participation model "
                    "(a takes_part_... or item__any outcome)",
                )
            ]
        )
    if hours_per_participant is None:
        raise ModelError(
            [
                Issue(
                    "hours_per_participant",
                    "no hours per participant: give a figure with its source "
                    "(hours_per_participant=20, hours_source='...') or the survey's own "
                    "(survey_hours): hours are never assumed",
                )
            ]
        )
    figure = (
        hours_per_participant
        if isinstance(hours_per_participant, HoursFigure)
        else given_hours(hours_per_participant, hours_source)
    )
    x, n, codes, names = _cell_matrix(fit, cells, area, count, fixed)
    rng = np.random.default_rng(seed)
    areas = _participants(fit, x, n, codes, names, draws, rng)
    hours_draws = _sample(figure.value, draws, rng)
    rows = [_row(a, a["draws"] * hours_draws, level) for a in areas]
    if not rows or not all(math.isfinite(r["rate"]) for r in rows):
        raise ModelError([Issue(count, "no area has adults to poststratify to")])
    return CapacityResult(
        tuple(rows),
        outcome=fit.formula.split("~")[0].strip(),
        formula=fit.formula,
        hours_per_participant=figure.value,
        period=period,
        draws=draws,
        seed=seed,
        level=level,
        synthetic=synthetic,
        hours_figure=figure,
    )


def split_groups(codebook) -> list[str]:
    """The groups capacity is split into: each kind with items, then each sector × kind."""
    from .measures import item_groups

    have = item_groups(codebook)
    kinds = [t for t in TYPES if t in have]
    return kinds + [f"{s}_{t}" for s in codebook.sectors for t in TYPES if f"{s}_{t}" in have]


def capacity_split(
    design,
    codebook,
    cells: pd.DataFrame,
    *,
    covariates: str,
    hours: HoursPlan,
    area: str = "area",
    count: str = "adults",
    fixed: dict | None = None,
    draws: int = 2000,
    seed: int = 1,
    level: float = 0.9,
    reuse: GlmFit | None = None,
) -> CapacitySplit:
    """Capacity by kind of co-production and by sector × kind: for each group
    (:func:`split_groups`) a logistic model of ``takes_part_GROUP ~ covariates`` fitted to
    ``design`` and poststratified to ``cells`` as :func:`capacity` does.

    Hours: participants × the group's figure (:meth:`HoursPlan.for_group`); a sector with no
    figure of its own gets its kind's hours shared in proportion to participants (draw by
    draw), so the sectors of a kind add up to it; a kind with no figure whose sectors all have
    one is their sum; otherwise no hours (participants only), said in ``notes``. ``reuse`` is
    a fit already made for one group's formula (its draws are then those of :func:`capacity`
    with the same ``seed``, so the two agree exactly)."""
    from .glm import fit_glm

    groups = split_groups(codebook)
    seeds = np.random.SeedSequence(seed).spawn(len(groups))
    fitted: dict[str, tuple[list[dict], np.ndarray | None]] = {}
    notes: list[str] = []
    meta: dict[str, dict] = {}
    for g, child in zip(groups, seeds, strict=True):
        formula = f"takes_part_{g} ~ {covariates.strip()}"
        same = reuse is not None and _same_formula(reuse.formula, formula)
        try:
            fit = reuse if same else fit_glm(design, formula, "binomial")
        except ModelError as exc:
            notes.append(
                f"{_group_words(g).capitalize()}: the participation model could not be "
                f"fitted ({exc.issues[0].message if exc.issues else exc}); left out"
            )
            continue
        rng = np.random.default_rng(seed if same else child)
        x, n, codes, names = _cell_matrix(fit, cells, area, count, fixed)
        areas = _participants(fit, x, n, codes, names, draws, rng)
        figure = hours.for_group(g, outcome=same)
        per_draw = None if figure is None else _sample(figure.value, draws, rng)
        fitted[g] = (areas, per_draw)
        sector, _, kind = g.rpartition("_")
        meta[g] = {
            "group": g,
            "sector": sector or "all",
            "type": kind,
            "outcome": f"takes_part_{g}",
            "formula": fit.formula,
            "hours_from": None if figure is None else figure.basis,
            "hours": None if figure is None else figure.to_dict(),
        }
    # hours per area and group, draw by draw
    hours: dict[str, dict[str, np.ndarray]] = {}
    for g, (areas, per_draw) in fitted.items():
        if per_draw is not None:
            hours[g] = {a["area"]: a["draws"] * per_draw for a in areas}
    for kind in TYPES:
        if kind not in fitted:
            continue
        sectors = [g for g in fitted if g.endswith(f"_{kind}")]
        if kind not in hours and sectors and all(g in hours for g in sectors):
            hours[kind] = {
                a["area"]: sum(hours[g][a["area"]] for g in sectors) for a in fitted[kind][0]
            }
            meta[kind]["hours_from"] = "summed"
        if kind in hours:
            shared = [g for g in sectors if g not in hours]
            if shared:
                for a in fitted[kind][0]:
                    total = sum(_draws_of(fitted[g][0], a["area"]) for g in sectors)
                    for g in shared:
                        mine = _draws_of(fitted[g][0], a["area"])
                        with np.errstate(divide="ignore", invalid="ignore"):
                            share = np.where(total > 0, mine / total, 0.0)
                        hours.setdefault(g, {})[a["area"]] = hours[kind][a["area"]] * share
                for g in shared:
                    meta[g]["hours_from"] = "shared"
    for kind in TYPES:
        if kind in meta and kind not in hours:
            notes.append(missing_hours_message(_group_words(kind)))
    rows = []
    for g, (areas, _) in fitted.items():
        for a in areas:
            rows.append(
                {
                    **_row(a, hours.get(g, {}).get(a["area"]), level),
                    "group": g,
                    "sector": meta[g]["sector"],
                    "type": meta[g]["type"],
                    "hours_from": meta[g]["hours_from"],
                }
            )
    return CapacitySplit(tuple(rows), tuple(meta[g] for g in fitted), tuple(notes))


def _draws_of(areas: list[dict], name: str) -> np.ndarray:
    return next(a["draws"] for a in areas if a["area"] == name)


def _same_formula(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())
