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
