"""Survey results in words: variables, item groups, model terms and formulas with the
codebook's labels, never as column names or patsy terms.

``gender[T.woman]`` is "Sex: woman (against man)", ``takes_part_collective`` "taking part in
collective activities", ``index_safety_individual`` "the co-production index of individual
activities for public safety", ``safety_individual`` "Public safety, individual".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .labels import lower_first
from .words import and_list

_TERM = re.compile(r"^(?:C\()?(\w+?)(?:,[^)]*)?\)?\[T\.(.+)\]$")
_TYPES = {"individual": "individual", "collective": "collective"}


def _spaced(name: str) -> str:
    return name.replace("__", " ").replace("_", " ")


class SurveyWords:
    """Words for the variables of a survey (``codebook`` may be None: names are then spaced);
    ``effects`` (the average marginal effects' rows) give the reference category of each
    categorical variable ('woman vs man' → man)."""

    def __init__(self, codebook=None, effects: Iterable[Mapping] = ()) -> None:
        self.codebook = codebook
        self.reference: dict[str, str] = {}
        for row in effects:
            contrast = str(row.get("contrast", ""))
            if " vs " in contrast:
                self.reference.setdefault(str(row["variable"]), contrast.split(" vs ", 1)[1])

    # -- sectors and groups of items --------------------------------------------------------
    def sector(self, sector: str) -> str:
        if sector == "all":
            return "All activities"
        cb = self.codebook
        if cb is not None and sector in cb.sectors:
            return cb.sectors[sector]
        return _spaced(sector).capitalize()

    def group(self, group: str) -> str:
        """An item group (``safety_individual``, ``safety``, ``individual``, ``all``)."""
        if group == "all":
            return "All activities"
        if group in _TYPES:
            return f"{_TYPES[group].capitalize()} activities"
        head, _, tail = group.rpartition("_")
        if head and tail in _TYPES:
            return f"{self.sector(head)}, {tail}"
        return self.sector(group)

    # -- variables and terms ------------------------------------------------------------------
    def variable(self, name: str) -> str:
        """A column of the prepared survey in words."""
        cb = self.codebook
        if name.startswith("takes_part_"):
            return f"taking part in {lower_first(self.group(name[len('takes_part_') :]))}"
        if name.startswith("index_"):
            return f"co-production index ({lower_first(self.group(name[len('index_') :]))})"
        for suffix, how in (("__label", "how often: "), ("__any", "at least occasionally: ")):
            if name.endswith(suffix):
                item = name[: -len(suffix)]
                return how + self.item(item)
        if cb is not None and name in cb.covariates:
            return cb.covariates[name].label or _spaced(name)
        if cb is not None and name in cb.items:
            return self.item(name)
        return _spaced(name)

    def item(self, name: str) -> str:
        cb = self.codebook
        if cb is not None and name in cb.items and cb.items[name].text:
            return cb.items[name].text.rstrip(".")
        return _spaced(name)

    def term(self, term: str) -> str:
        """A model term: 'Sex: woman (against man)', 'Age in years', 'Intercept', a cut-point
        of an ordered model 'cut-point never | occasionally'."""
        if term == "Intercept":
            return "Intercept"
        if "|" in term:
            return "Cut-point " + " | ".join(t.strip() for t in term.split("|"))
        m = _TERM.match(term)
        if m:
            var, level = m[1], m[2]
            ref = self.reference.get(var)
            return f"{self.variable(var)}: {level}" + (f" (against {ref})" if ref else "")
        return self.variable(term)

    def formula(self, formula: str) -> str:
        """'takes_part_collective ~ age + gender' → 'Taking part in collective activities,
        modelled on age in years and sex'."""
        if "~" not in formula:
            return _spaced(formula)
        lhs, rhs = formula.split("~", 1)
        terms = [t.strip() for t in rhs.split("+") if t.strip() and t.strip() != "1"]
        names = [lower_first(self.variable(re.sub(r"^C\((\w+).*\)$", r"\1", t))) for t in terms]
        head = self.variable(lhs.strip())
        head = head[:1].upper() + head[1:]
        return f"{head}, modelled on {and_list(names)}" if names else head


# -- where hours per participant come from (survey capacity) --------------------------------------
def _get(figure, key: str):
    return figure.get(key) if isinstance(figure, Mapping) else getattr(figure, key, None)


def hours_basis_words(figure, period: str = "year") -> str:
    """Where an hours-per-participant figure comes from, in a sentence: 'about 82.1 hours a
    year, a published figure bundled for the example: ONS (2017) ...'. ``figure`` is a
    :class:`coproduce.survey.areas.HoursFigure` or its ``to_dict()``."""
    from ..formatting import quantity

    if figure is None:
        return "none given"
    mean = _get(figure, "mean")
    basis = _get(figure, "basis")
    source = str(_get(figure, "source") or "").strip().rstrip(".")
    head = f"{quantity(float(mean))} hours a {period}"
    if basis == "survey":
        se = _get(figure, "se")
        spread = f" (standard error {quantity(float(se))})" if se else ""
        return f"{head}{spread}, from {source}."
    if basis == "example":
        return f"{head}, a published figure bundled for the example only: {source}."
    return f"{head}, your figure; its source: {source}."


HOURS_FROM = {
    "given": "your figure",
    "survey": "the survey's hours question",
    "example": "the example's published figure",
    "shared": "a share of its kind's hours",
    "summed": "the sum of its sectors' hours",
}


def hours_from_words(split, words: SurveyWords, period: str = "year", main=None) -> list[str]:
    """How each group's hours were found: one line per figure used (``main``, the outcome's
    figure, is called "the figure above"), one per kind whose sectors share its hours, one per
    kind summed from its sectors (``split``: a CapacitySplit or its ``to_dict()``)."""
    groups = split["groups"] if isinstance(split, Mapping) else split.groups
    main_key = None
    if main is not None:
        main_key = (_get(main, "basis"), _get(main, "source"), _get(main, "mean"))
    out = []
    seen: dict[tuple, list[str]] = {}
    figures: dict[tuple, object] = {}
    shared: dict[str, int] = {}
    summed = []
    for g in groups:
        how = g.get("hours_from")
        if how == "shared":
            shared[g["type"]] = shared.get(g["type"], 0) + 1
        elif how == "summed":
            summed.append(g["type"])
        elif how is not None and g.get("hours"):
            key = (g["hours"]["basis"], g["hours"]["source"], g["hours"]["mean"])
            seen.setdefault(key, []).append(words.group(g["group"]))
            figures[key] = g["hours"]
    for key, labels in seen.items():
        text = "the figure above." if key == main_key else hours_basis_words(figures[key], period)
        names = and_list([labels[0], *[lower_first(x) for x in labels[1:]]])
        out.append(f"{names}: {text}")
    for kind in shared:
        out.append(
            f"{kind.capitalize()} activities in each sector: a share of the hours of "
            f"{kind} activities, in proportion to the adults taking part in the sector "
            "(someone taking part in two sectors counts in both), so the sectors add up to "
            f"the {kind} total."
        )
    for kind in summed:
        out.append(
            f"{kind.capitalize()} activities: the sum of the sectors' hours, each from a "
            "figure of its own."
        )
    return out
