"""The study file: which studies to weigh before the decision, and the research agenda.

Read by ``coproduce uncertainty MODEL --study FILE.yaml``, ``coproduce voi DRAWS --study
FILE.yaml`` and the web uncertainty form (docs/uncertainty.md, "The study file")::

    population: 1          # people (or decisions) the decision affects a year; or one a year
    horizon: 10            # years the decision applies
    studies:
      pilot_peer_groups:
        design: pilot
        link: peer_support_groups->loneliness_free_years
        n: [50, 100, 200, 400]
        sd: 0.9
        fixed_cost: 20000
        cost_per_participant: 150
    agenda: {fixed_cost: 20000, cost_per_participant: 150, sizes: [25, 50, 100, 200, 400]}

A study names the inputs it informs as the draws table's input columns name them: a link by
its ends (``a->b``, the column ``links[a->b].effect``) or any quantity path
(``outcomes.x.value.economic``). Every problem is reported at once, located (file, line, field
path such as ``studies.trial.n[2]``), as a :class:`~coproduce.model.errors.ModelError`
(exit 2 on the command line, 422 on the web). Checks that need the draws (an input that does
not vary, a probability outside 0–1) are made again when the plan meets the draws table, with
the same locations.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model.errors import Issue, ModelError, did_you_mean, format_path
from ..model.files import Lines, field_lines, format_of, line_of, parse_text, read_text_file
from .core import GREEN_BOOK_RATE
from .study import STUDIES

TOP_FIELDS = ("population", "horizon", "studies", "agenda")
STUDY_FIELDS = (
    "design",
    "label",
    "link",
    "links",
    "pars",
    "rate",
    "n",
    "sd",
    "fixed_cost",
    "cost_per_participant",
)
AGENDA_FIELDS = ("fixed_cost", "cost_per_participant", "sizes", "max_grade")
NAMING_FIELDS = ("link", "links", "pars", "rate")
INPUTS_OF = {
    "trial_binary": (2, 2),
    "binary": (1, 1),
    "normal_known": (1, 1),
    "survey": (1, 1),
    "pilot": (1, 4),
}
"""How many inputs each design informs (fewest, most)."""
PROBABILITIES = ("trial_binary", "binary", "survey")
WITH_SD = ("pilot", "normal_known")
MAX_STUDIES = 20
MAX_SIZES = 30
MAX_N = 1_000_000
MAX_TEXT = 100_000  # characters of a study file given as text (the web form)
DEFAULT_AGENDA_SIZES = (25, 50, 100, 200, 400, 800)


@dataclass(frozen=True)
class Study:
    """One study to weigh: ``pars`` are the draws' input columns it informs, in order;
    ``n`` its sizes (per arm for ``trial_binary``); ``sd`` the per-participant standard
    deviation(s) when stated (``pilot``, ``normal_known``)."""

    name: str
    design: str
    pars: tuple[str, ...]
    n: tuple[int, ...]
    fixed_cost: float = 0.0
    cost_per_participant: float = 0.0
    sd: tuple[float, ...] | None = None
    label: str | None = None
    field: str = "pars"  # the file's field that named the inputs (for located errors)

    @property
    def participants_per_n(self) -> int:
        """People recruited per unit of n: two arms of n for a two-arm trial."""
        return 2 if self.design == "trial_binary" else 1


@dataclass(frozen=True)
class Agenda:
    """The research agenda's settings (``agenda:`` in the file)."""

    fixed_cost: float = 0.0
    cost_per_participant: float = 0.0
    sizes: tuple[int, ...] = DEFAULT_AGENDA_SIZES
    max_grade: int = 2


@dataclass(frozen=True)
class StudyPlan:
    """A valid study file: the population and horizon of the decision, the studies and the
    agenda (None when the file asks for none). ``lines`` and ``file`` locate later problems."""

    population: float | tuple[float, ...]
    horizon: int
    studies: tuple[Study, ...]
    agenda: Agenda | None
    file: str | None = None
    lines: Lines = field(default_factory=dict, repr=False, compare=False)

    def issue(self, path: tuple, message: str) -> Issue:
        return Issue(
            format_path(path), message, line_of(self.lines, path) if self.lines else None, self.file
        )


# ----- reading ----------------------------------------------------------------------------


def read_study_file(
    path: str | Path,
    model: Any = None,
    *,
    columns: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] | None = None,
    population: float | None = None,
    horizon: int | None = None,
) -> StudyPlan:
    """A study file (.yaml, .yml or .json) checked against ``model`` (its links and
    quantities, and which of them are uncertain with ``evidence_priors``) or, without a model,
    against the draws' input ``columns``. ``population`` and ``horizon`` stand in when the file
    gives none. Raises :class:`ModelError` listing every problem, located."""
    p = Path(path)
    fmt = format_of(p)
    if fmt == "xlsx":
        raise ModelError(
            [Issue("", "a study file is YAML or JSON (.yaml, .yml, .json)", file=str(p))]
        )
    text = read_text_file(p)
    return parse_study_text(
        text,
        model,
        columns=columns,
        evidence_priors=evidence_priors,
        evidence_cv=evidence_cv,
        population=population,
        horizon=horizon,
        file=str(p),
        fmt=fmt,
    )


def parse_study_text(
    text: str,
    model: Any = None,
    *,
    columns: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] | None = None,
    population: float | None = None,
    horizon: int | None = None,
    file: str | None = None,
    fmt: str = "yaml",
) -> StudyPlan:
    """As :func:`read_study_file`, from the file's text (the web form's field)."""
    if len(text) > MAX_TEXT:
        raise ModelError(
            [
                Issue(
                    "",
                    f"the study file is {len(text):,} characters; keep it under {MAX_TEXT:,}",
                    file=file,
                )
            ]
        )
    raw = parse_text(text, fmt=fmt, file=file)
    lines = field_lines(text, fmt) if isinstance(raw, dict) else {}
    return study_plan(
        raw,
        model,
        columns=columns,
        evidence_priors=evidence_priors,
        evidence_cv=evidence_cv,
        population=population,
        horizon=horizon,
        file=file,
        lines=lines,
    )


def study_plan(
    raw: Any,
    model: Any = None,
    *,
    columns: Sequence[str] | None = None,
    evidence_priors: bool = False,
    evidence_cv: Mapping[int, float] | None = None,
    population: float | None = None,
    horizon: int | None = None,
    file: str | None = None,
    lines: Lines | None = None,
) -> StudyPlan:
    """The plan of parsed study-file data (a dict), checked as :func:`read_study_file`."""
    found: list[tuple[tuple, str]] = []
    names = _Names(model, columns, evidence_priors, evidence_cv)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        found.append(
            (
                (),
                "a study file is a mapping with population, horizon, studies and (optional) agenda",
            )
        )
        raw = {}
    for key in raw:
        if key not in TOP_FIELDS:
            found.append(
                (
                    (key,),
                    f"unknown field '{key}'{did_you_mean(str(key), TOP_FIELDS)};"
                    f" allowed: {', '.join(TOP_FIELDS)}",
                )
            )
    hz = _horizon(raw.get("horizon", horizon), found)
    pop = _population(raw.get("population", population), hz, found)
    studies = _studies(raw.get("studies"), names, found)
    agenda = _agenda(raw.get("agenda"), model, found) if "agenda" in raw else None
    if (
        not studies
        and agenda is None
        and not any(p[:1] in ((), ("studies",), ("agenda",)) for p, _ in found)
    ):
        found.append(
            (
                (),
                "name at least one study under studies, or ask for the research "
                "agenda under agenda",
            )
        )
    if found:
        lk = lines or {}
        raise ModelError(
            [Issue(format_path(p), m, line_of(lk, p) if lk else None, file) for p, m in found]
        )
    return StudyPlan(
        population=pop,
        horizon=hz,
        studies=tuple(studies),
        agenda=agenda,
        file=file,
        lines=dict(lines or {}),
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _is_whole(x: Any) -> bool:
    return _is_number(x) and float(x).is_integer()


def _horizon(value: Any, found: list) -> int:
    if value is None:
        return 10
    if not (_is_whole(value) and 1 <= value <= 200):
        found.append((("horizon",), f"'{value}' is not a number of years from 1 to 200"))
        return 10
    return int(value)


def _population(value: Any, horizon: int, found: list) -> float | tuple[float, ...]:
    if value is None:
        found.append(
            (
                ("population",),
                "required: the people (or decisions) the decision "
                "affects a year, e.g. population: 1000",
            )
        )
        return 1.0
    if isinstance(value, list):
        bad = [k for k, v in enumerate(value) if not (_is_number(v) and v >= 0)]
        for k in bad:
            found.append((("population", k), f"'{value[k]}' is not a number of 0 or more"))
        if not bad and len(value) != horizon:
            found.append(
                (
                    ("population",),
                    f"{len(value)} years given but the horizon is "
                    f"{horizon}: give one number a year, or one for "
                    "every year",
                )
            )
        if not bad and not any(v > 0 for v in value):
            found.append((("population",), "at least one year must have people affected"))
        return tuple(float(v) for v in value) if not bad else 1.0
    if not (_is_number(value) and value > 0):
        found.append(
            (("population",), f"'{value}' is not a positive number of people (or decisions) a year")
        )
        return 1.0
    return float(value)


def _cost(data: dict, key: str, where: tuple, found: list) -> float:
    value = data.get(key, 0)
    if not _is_number(value):
        found.append(((*where, key), f"'{value}' is not an amount of money"))
        return 0.0
    if value < 0:
        found.append(((*where, key), f"{value:g}: a study's cost cannot be negative"))
        return 0.0
    return float(value)


def _sizes(value: Any, where: tuple, found: list) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    if value is None or not items:
        found.append((where, "required: the study's size, or a list of sizes, e.g. [50, 100, 200]"))
        return ()
    out = []
    for k, v in enumerate(items):
        at = (*where, k) if isinstance(value, list) else where
        if not _is_whole(v):
            found.append((at, f"'{v}' is not a whole number of participants"))
        elif v < 1:
            found.append((at, f"{v:g}: a study needs at least 1 participant (n ≥ 1)"))
        elif v > MAX_N:
            found.append((at, f"{v:,.0f}: at most {MAX_N:,} participants"))
        else:
            out.append(int(v))
    if len(out) > MAX_SIZES:
        found.append((where, f"{len(out)} sizes: give at most {MAX_SIZES}"))
    return tuple(sorted(set(out)))


def _studies(value: Any, names: _Names, found: list) -> list[Study]:
    if value is None:
        return []
    if not isinstance(value, dict):
        found.append(
            (("studies",), "a mapping of study names to their design, inputs, sizes and costs")
        )
        return []
    if len(value) > MAX_STUDIES:
        found.append((("studies",), f"{len(value)} studies: weigh at most {MAX_STUDIES} at once"))
    out = []
    for name, data in value.items():
        study = _study(str(name), data, names, found)
        if study is not None:
            out.append(study)
    return out


def _study(name: str, data: Any, names: _Names, found: list) -> Study | None:
    where = ("studies", name)
    if not isinstance(data, dict):
        found.append(
            (
                where,
                "a study is a mapping: design, the inputs it informs (link, "
                "links, pars or rate), n and its costs",
            )
        )
        return None
    before = len(found)
    for key in data:
        if key not in STUDY_FIELDS:
            found.append(
                (
                    (*where, key),
                    f"unknown field '{key}'"
                    f"{did_you_mean(str(key), STUDY_FIELDS)}; allowed: "
                    f"{', '.join(STUDY_FIELDS)}",
                )
            )
    design = data.get("design")
    if design is None:
        found.append(((*where, "design"), f"required: one of {', '.join(STUDIES)}"))
    elif design not in STUDIES:
        found.append(
            (
                (*where, "design"),
                f"unknown design '{design}'"
                f"{did_you_mean(str(design), STUDIES)}; built in: "
                f"{', '.join(STUDIES)}",
            )
        )
        design = None
    given = [k for k in NAMING_FIELDS if k in data]
    pars: list[str] = []
    naming = given[0] if given else "pars"
    if not given:
        found.append(
            (
                (*where, "pars"),
                "name the inputs the study informs: link (a->b), "
                "links, pars (quantity paths) or rate",
            )
        )
    elif len(given) > 1:
        found.append(((*where, given[1]), f"give one of {', '.join(given)}, not both"))
    else:
        pars = names.resolve_all(data[naming], (*where, naming), naming, found)
    if design is not None and pars:
        lo, hi = INPUTS_OF[design]
        if not lo <= len(pars) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            found.append(
                (
                    (*where, naming),
                    f"a {design} study informs {want} input"
                    f"{'s' if hi > 1 else ''}; {len(pars)} named",
                )
            )
        if design in PROBABILITIES:
            for k, p in enumerate(pars):
                why = names.not_probability(p)
                if why:
                    at = (*where, naming, k) if isinstance(data[naming], list) else (*where, naming)
                    found.append((at, why))
    n = _sizes(data.get("n"), (*where, "n"), found)
    sd = None
    if "sd" in data:
        if design is not None and design not in WITH_SD:
            found.append(
                ((*where, "sd"), f"sd applies to {' and '.join(WITH_SD)} studies, not {design}")
            )
        raw_sd = data["sd"] if isinstance(data["sd"], list) else [data["sd"]]
        if not raw_sd or not all(_is_number(v) and v > 0 for v in raw_sd):
            found.append(
                (
                    (*where, "sd"),
                    f"'{data['sd']}': a standard deviation is a positive number (or one per input)",
                )
            )
        elif pars and len(raw_sd) not in (1, len(pars)):
            found.append(((*where, "sd"), f"give one sd, or one per input ({len(pars)})"))
        else:
            sd = tuple(float(v) for v in raw_sd)
    label = data.get("label")
    if label is not None and not isinstance(label, str):
        found.append(((*where, "label"), "a label is text"))
        label = None
    fixed = _cost(data, "fixed_cost", where, found)
    per = _cost(data, "cost_per_participant", where, found)
    if len(found) > before or design is None:
        return None
    return Study(
        name=name,
        design=design,
        pars=tuple(pars),
        n=n,
        fixed_cost=fixed,
        cost_per_participant=per,
        sd=sd,
        label=label.strip() if label else None,
        field=naming,
    )


def _agenda(value: Any, model: Any, found: list) -> Agenda | None:
    where = ("agenda",)
    if value is None or value is True:
        value = {}
    if value is False:
        return None
    if not isinstance(value, dict):
        found.append((where, "a mapping: fixed_cost, cost_per_participant, sizes, max_grade"))
        return None
    if model is None:
        found.append(
            (
                where,
                "the research agenda reads the model's links and their evidence: "
                "it needs a model, not a draws table alone",
            )
        )
    for key in value:
        if key not in AGENDA_FIELDS:
            found.append(
                (
                    (*where, key),
                    f"unknown field '{key}'"
                    f"{did_you_mean(str(key), AGENDA_FIELDS)}; allowed: "
                    f"{', '.join(AGENDA_FIELDS)}",
                )
            )
    sizes = _sizes(value.get("sizes", list(DEFAULT_AGENDA_SIZES)), (*where, "sizes"), found)
    grade = value.get("max_grade", 2)
    if not (_is_whole(grade) and 1 <= grade <= 5):
        found.append(((*where, "max_grade"), f"'{grade}': an evidence grade is 1 to 5"))
        grade = 2
    return Agenda(
        fixed_cost=_cost(value, "fixed_cost", where, found),
        cost_per_participant=_cost(value, "cost_per_participant", where, found),
        sizes=sizes,
        max_grade=int(grade),
    )


class _Names:
    """Turns what a study file names (``a->b``, ``links[a->b]``, a quantity path) into the
    draws' input column, checking it against the model or the columns."""

    def __init__(
        self,
        model: Any,
        columns: Sequence[str] | None,
        evidence_priors: bool,
        evidence_cv: Mapping[int, float] | None,
    ) -> None:
        self.model = model
        self.columns = None if columns is None else [str(c) for c in columns]
        self._uncertain: dict[str, Any] | None = None
        self.evidence_priors = evidence_priors
        self.evidence_cv = evidence_cv

    @property
    def uncertain(self) -> dict[str, Any]:
        """Canonical path -> the model's uncertain quantity (propagated, so a draws column)."""
        if self._uncertain is None:
            from ..engine.uncertain import EVIDENCE_CV, uncertain_quantities
            from ..model.paths import canonical_path

            qs = uncertain_quantities(
                self.model, self.evidence_priors, self.evidence_cv or EVIDENCE_CV
            )
            self._uncertain = {canonical_path(self.model, q.path): q for q in qs}
        return self._uncertain

    def links(self) -> list[str]:
        if self.model is not None:
            return [f"{lk.from_}->{lk.to}" for lk in self.model.links]
        return [
            c[6:-8] for c in self.columns or () if c.startswith("links[") and c.endswith("].effect")
        ]

    def resolve_all(self, value: Any, where: tuple, naming: str, found: list) -> list[str]:
        items = value if isinstance(value, list) else [value]
        if naming in ("link", "rate") and isinstance(value, list):
            found.append((where, f"{naming} names one input; use links or pars for several"))
            return []
        if not items:
            found.append((where, "name at least one input"))
            return []
        out = []
        for k, item in enumerate(items):
            at = (*where, k) if isinstance(value, list) else where
            if not isinstance(item, str) or not item.strip():
                found.append((at, f"'{item}' is not the name of an input"))
                continue
            got = self.resolve(item.strip(), naming, at, found)
            if got is not None:
                if got in out:
                    found.append((at, f"'{item}' is named twice"))
                else:
                    out.append(got)
        return out

    def resolve(self, text: str, naming: str, at: tuple, found: list) -> str | None:
        wrote = text
        if naming in ("link", "links") and not text.startswith("links["):
            if "->" not in text:
                found.append((at, f"'{wrote}': name a link by its ends, from->to"))
                return None
            text = f"links[{text}]"
        elif "->" in text and not text.startswith("links["):
            text = f"links[{text}]"
        if text.startswith("links[") and text.endswith("]"):
            text += ".effect"
        if self.model is None:
            return self._column(text, wrote, at, found)
        from ..model.paths import QuantityPathError, canonical_path, get_quantity

        try:
            path = canonical_path(self.model, text)
            get_quantity(self.model, path)
        except QuantityPathError as exc:
            msg = str(exc)
            if text.startswith("links[") and "->" in text:
                ends = text[6 : text.index("]")]
                msg = (
                    f"'{wrote}': no link {ends.replace('->', ' -> ')} in the model"
                    + did_you_mean(ends, self.links())
                )
            found.append((at, msg))
            return None
        if self.columns is not None:
            return self._column(path, wrote, at, found)
        if path not in self.uncertain:
            found.append(
                (
                    at,
                    f"'{wrote}' is not uncertain in this analysis (a plain number): "
                    "write it as a distribution in the model, or turn on evidence "
                    "priors for link effects, for a study of it to be worth "
                    "anything",
                )
            )
            return None
        return path

    def _column(self, text: str, wrote: str, at: tuple, found: list) -> str | None:
        cols = self.columns or []
        if text in cols:
            return text
        if wrote in cols:
            return wrote
        found.append(
            (at, f"'{wrote}': no input of that name in the draws" + did_you_mean(text, cols))
        )
        return None

    def not_probability(self, path: str) -> str | None:
        """Why ``path`` cannot be a probability (its distribution goes outside 0–1), else
        None; known only with a model (the draws are checked when the plan is run)."""
        if self.model is None or self.columns is not None:
            return None
        q = self.uncertain.get(path)
        if q is None:
            return None
        lo, hi = q.dist.support
        lo, hi = sorted((q.sign * lo, q.sign * hi))
        if lo < 0 or hi > 1:
            span = (
                f"can be {lo:g} to {hi:g}"
                if math.isfinite(lo) and math.isfinite(hi)
                else "is not bounded by 0 and 1"
            )
            return (
                f"'{path}' {span} (its distribution): a binary study or a survey measures "
                "a probability or a share, between 0 and 1"
            )
        return None


# ----- running ----------------------------------------------------------------------------


def check_against_draws(plan: StudyPlan, inputs: pd.DataFrame) -> None:
    """The checks that need the draws: every input a study informs is a column that varies,
    and a binary study's inputs stay within 0–1. Raises a located :class:`ModelError`."""
    found = []
    for s in plan.studies:
        for k, p in enumerate(s.pars):
            at: tuple = (
                ("studies", s.name, s.field, k) if len(s.pars) > 1 else ("studies", s.name, s.field)
            )
            if p not in inputs.columns:
                found.append(
                    plan.issue(
                        at,
                        f"'{p}': no input of that name in the draws"
                        + did_you_mean(p, [str(c) for c in inputs.columns]),
                    )
                )
                continue
            x = inputs[p].to_numpy(dtype=float)
            if not np.ptp(x) > 0:
                found.append(
                    plan.issue(
                        at,
                        f"'{p}' does not vary in the draws: there is "
                        "nothing for a study of it to learn",
                    )
                )
            elif s.design in PROBABILITIES and (x.min() < 0 or x.max() > 1):
                found.append(
                    plan.issue(
                        at,
                        f"'{p}' goes from {x.min():.3g} to "
                        f"{x.max():.3g} in the draws: a binary study or a "
                        "survey measures a probability, between 0 and 1",
                    )
                )
    if found:
        raise ModelError(found)


def _grade(model: Any, path: str) -> int | None:
    if model is None or not path.startswith("links["):
        return None
    ends = path[6 : path.index("]")]
    for lk in model.links:
        if f"{lk.from_}->{lk.to}" == ends:
            return lk.evidence
    return None


def _intervention(model: Any, pars: Sequence[str]) -> str | None:
    """The intervention whose links a study measures (all its inputs are effects of links
    leaving it), else None: a pilot of that intervention."""
    if model is None or not all(p.startswith("links[") and "->" in p for p in pars):
        return None
    starts = {p[6 : p.index("->")] for p in pars}
    one = starts.pop() if len(starts) == 1 else None
    return one if one in model.interventions else None


def study_sds(
    study: Study, inputs: pd.DataFrame, model: Any = None
) -> tuple[list[float] | None, str | None]:
    """The per-participant sd of each input a ``pilot`` or ``normal_known`` study measures,
    and where it comes from: as stated, or (a pilot with none stated) the convention of
    :func:`coproduce.voi.enbs.pilot_sd` by the link's evidence grade (ungraded: grade 1);
    ``normal_known`` without one takes 1, as ``voi``."""
    from .enbs import pilot_sd

    if study.design not in WITH_SD:
        return None, None
    if study.sd is not None:
        return [study.sd[0]] * len(study.pars) if len(study.sd) == 1 else list(study.sd), "stated"
    if study.design == "normal_known":
        return [1.0] * len(study.pars), "default"
    return [
        pilot_sd(float(inputs[p].std(ddof=1)), _grade(model, p)) for p in study.pars
    ], "evidence grade"


def _for_agenda(population: float | tuple[float, ...], horizon: int, rate: float) -> list[float]:
    """Yearly populations that, discounted at the Green Book rate (the agenda's), give the
    same present value as ``population`` discounted at ``rate``."""
    pop = np.broadcast_to(np.asarray(population, dtype=float), (horizon,))
    t = np.arange(horizon)
    return [float(v) for v in pop * ((1 + GREEN_BOOK_RATE) / (1 + rate)) ** t]


def run_plan(
    plan: StudyPlan,
    net_benefit: np.ndarray,
    inputs: pd.DataFrame,
    *,
    model: Any = None,
    seed: int = 1,
    rate: float = GREEN_BOOK_RATE,
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]] | None, dict[str, Any]]:
    """Each study's EVSI (with its standard error) at each size, its ENBS and the best size,
    and the research agenda: ``(studies, research_agenda, settings)`` as ``--json`` prints
    them. ``net_benefit``: draws × options at the analysis's willingness to pay; ``inputs``:
    the draws' inputs; ``seed``: the study data's random numbers; ``rate``: the discount
    rate of the population EVSI."""
    from .enbs import enbs
    from .partial import evppi
    from .study import evsi

    check_against_draws(plan, inputs)
    studies: dict[str, dict[str, Any]] = {}
    for s in plan.studies:
        sds, source = study_sds(s, inputs, model)
        points = evsi(
            net_benefit,
            inputs,
            study=s.design,
            pars=list(s.pars),
            n=list(s.n),
            seed=seed,
            aux=None if sds is None else {"sd": sds},
            se=True,
        )
        curve = enbs(
            points,
            plan.population,
            plan.horizon,
            s.fixed_cost,
            s.cost_per_participant * s.participants_per_n,
            rate,
        )
        best = max(curve, key=lambda p: (p.enbs, -p.n))
        ceiling, ceiling_se = evppi(net_benefit, inputs[list(s.pars)], se=True, seed=seed)
        studies[s.name] = {
            "design": s.design,
            **({"label": s.label} if s.label else {}),
            "informs": list(s.pars),
            "intervention": _intervention(model, s.pars),
            "sd": sds,
            "sd_source": source,
            "fixed_cost": s.fixed_cost,
            "cost_per_participant": s.cost_per_participant,
            "participants_per_n": s.participants_per_n,
            "evppi": ceiling,
            "evppi_se": ceiling_se,
            "points": [{**p.to_dict(), "se": q.se} for p, q in zip(curve, points, strict=True)],
            "best_n": best.n,
            "best_enbs": best.enbs,
            "best_low": best.low,
            "best_high": best.high,
            "best_cost": best.cost,
            "best_population_evsi": best.population_evsi,
            "worth_commissioning": bool(best.enbs > 0),
        }
    agenda_rows = None
    settings: dict[str, Any] = {
        "population": plan.population
        if isinstance(plan.population, float)
        else list(plan.population),
        "horizon_years": plan.horizon,
        "discount_rate": rate,
        "seed": seed,
    }
    if plan.agenda is not None and model is not None:
        from .agenda import research_agenda

        a = plan.agenda
        pop = (
            plan.population
            if rate == GREEN_BOOK_RATE
            else _for_agenda(plan.population, plan.horizon, rate)
        )
        frame = research_agenda(
            model,
            net_benefit,
            inputs,
            population=pop,
            horizon=plan.horizon,
            fixed_cost=a.fixed_cost,
            cost_per_participant=a.cost_per_participant,
            sizes=a.sizes,
            max_grade=a.max_grade,
            seed=seed,
        )
        agenda_rows = [_agenda_row(r) for r in frame.to_dict("records")]
        settings["agenda"] = {
            "fixed_cost": a.fixed_cost,
            "cost_per_participant": a.cost_per_participant,
            "sizes": list(a.sizes),
            "max_grade": a.max_grade,
        }
    return studies, agenda_rows, settings


def _agenda_row(r: Mapping[Hashable, Any]) -> dict[str, Any]:
    def num(x: Any) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    n = num(r["best_n"])
    grade = num(r["grade"])
    return {
        "link": r["link"],
        "from": r["from"],
        "to": r["to"],
        "grade": None if grade is None else int(grade),
        "evppi": float(r["evppi"]),
        "design": r["design"],
        "best_n": None if n is None else int(n),
        "best_enbs": num(r["best_enbs"]),
        "cost": num(r["cost"]),
        "evsi_at_best": num(r["evsi_at_best"]),
        "worth_commissioning": n is not None,
    }


def evsi_spec(
    text: str, fixed_cost: float = 0.0, cost_per_participant: float = 0.0
) -> dict[str, Any]:
    """One ``--evsi NAME=DESIGN:PAR1,PAR2:N1,N2[:FIXED,PER_PARTICIPANT]`` as study-file data
    (``{name: {design, pars, n, fixed_cost, cost_per_participant}}``); raises
    :class:`ModelError` naming the option's part that is wrong."""

    def bad(msg: str) -> ModelError:
        return ModelError([Issue("evsi", f"'{text}': {msg}")])

    if "=" not in text:
        raise bad("write NAME=DESIGN:PAR1,PAR2:N1,N2 (optionally :FIXED_COST,PER_PARTICIPANT)")
    name, _, rest = text.partition("=")
    parts = rest.split(":")
    if not name.strip() or len(parts) not in (3, 4):
        raise bad("write NAME=DESIGN:PAR1,PAR2:N1,N2 (optionally :FIXED_COST,PER_PARTICIPANT)")
    design, pars, sizes = parts[0].strip(), parts[1], parts[2]
    names = [p.strip() for p in pars.split(",") if p.strip()]
    try:
        n = [float(v) for v in sizes.split(",") if v.strip()]
    except ValueError:
        raise bad(f"'{sizes}' is not a list of study sizes") from None
    data: dict[str, Any] = {
        "design": design,
        "pars": names,
        "n": [int(v) if float(v).is_integer() else v for v in n],
        "fixed_cost": fixed_cost,
        "cost_per_participant": cost_per_participant,
    }
    if len(parts) == 4:
        try:
            money = [float(v) for v in parts[3].split(",")]
        except ValueError:
            raise bad(f"'{parts[3]}' is not FIXED_COST,PER_PARTICIPANT") from None
        if len(money) != 2:
            raise bad(f"'{parts[3]}' is not FIXED_COST,PER_PARTICIPANT")
        data["fixed_cost"], data["cost_per_participant"] = money
    return {name.strip(): data}
