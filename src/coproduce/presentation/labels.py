"""Names for readers: identifiers become the model's labels, code paths become words.

``links[falls_classes->falls_avoided].effect`` is "the effect of Physio-led strength and balance
classes on Falls avoided"; ``outcomes.care_home_admissions_avoided.value.fiscal.council`` is
"the value to City council of a Care home admission avoided". Nothing here is shown raw.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINK = re.compile(r"links\[(\w+)->(\w+)\]\.(\w+)( \[(\w+)\])?")
_LINK_AT = re.compile(r"links\[(\d+)\](?:\.(\w+))?")
_IN_TEXT = re.compile(r"links\[(?:\d+|\w+->\w+)\](?:\.\w+)?")
_FIELD_WORDS = {
    "effect": "effect",
    "unit_cost": "unit cost",
    "available": "amount available",
    "volume": "volume",
    "capacity": "capacity",
    "min_volume": "minimum volume",
    "max_decrease": "largest cut",
    "elasticity": "elasticity",
    "floor": "floor",
    "per_hour": "value an hour",
}


class Labels:
    """Labels of a model's nodes, agencies, sectors and scenarios (``model`` may be None:
    identifiers are then written with spaces, never with underscores)."""

    def __init__(self, model=None, extra: Mapping[str, str] | None = None) -> None:
        self._names: dict[str, str] = {}
        self._units: dict[str, str] = {}
        if model is not None:
            for section in ("resources", "interventions", "outcomes"):
                for nid, node in getattr(model, section).items():
                    self._names[nid] = node.label or _spaced(nid)
                    self._units[nid] = getattr(node, "unit", None) or "unit"
            for aid, a in model.agencies.items():
                self._names.setdefault(aid, a.label)
            for sid, s in model.sectors.items():
                self._names.setdefault(sid, s.label)
            for name, sc in model.scenarios.items():
                self._names.setdefault(name, sc.label or _spaced(name))
            self._links = [(lk.from_, lk.to) for lk in model.links]
        else:
            self._links = []
        self._names.update(extra or {})

    def __call__(self, key: str) -> str:
        return self._names.get(key, _spaced(key))

    def get(self, key: str, default: str | None = None) -> str:
        """As a dict's ``get``: the label of ``key`` (``default`` is ignored: an unknown key is
        spaced, never shown raw), so a Labels can stand where a dict of labels did."""
        return self(key)

    def lower(self, key: str) -> str:
        """The label as it reads inside a sentence (:func:`lower_first`)."""
        return lower_first(self(key))

    def unit(self, key: str) -> str:
        """The unit of a resource, intervention or outcome ('unit' when none is given)."""
        return self._units.get(key, "unit")

    def in_words(self, text: str) -> str:
        """Free text (a note written elsewhere) with its code paths in words (``links[4]`` →
        "the effect of A on B") and every identifier this model knows that a reader would not
        (one with an underscore) replaced by its label."""
        text = _IN_TEXT.sub(
            lambda m: self.path(m[0] if m[0].count(".") else m[0] + ".effect"), text
        )
        ids = [k for k in self._names if "_" in k]
        if not ids or "_" not in text:
            return text
        rx = re.compile(
            r"\b(" + "|".join(re.escape(k) for k in sorted(ids, key=len, reverse=True)) + r")\b"
        )
        return rx.sub(lambda m: self._names[m[1]], text)

    def as_dict(self) -> dict[str, str]:
        """Every label known, by identifier."""
        return dict(self._names)

    def path(self, path: str) -> str:
        """A quantity path in words (see the module docstring); unknown forms are spaced."""
        m = _LINK.fullmatch(path)
        if m:
            what = _FIELD_WORDS.get(m[3], _spaced(m[3]))
            tail = f" (in {self(m[5])})" if m[5] else ""
            return f"the {what} of {self(m[1])} on {self(m[2])}{tail}"
        m = _LINK_AT.fullmatch(path)
        if m:
            what = _FIELD_WORDS.get(m[2] or "effect", _spaced(m[2] or "effect"))
            if int(m[1]) < len(self._links):
                a, b = self._links[int(m[1])]
                return f"the {what} of {self(a)} on {self(b)}"
            return f"the {what} of link {int(m[1]) + 1}"
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "resources":
            return f"the {_FIELD_WORDS.get(parts[2], _spaced(parts[2]))} of {self(parts[1])}"
        if (
            len(parts) == 4
            and parts[0] == "interventions"
            and parts[2] in ("inputs", "fixed_inputs")
        ):
            per = "per unit of" if parts[2] == "inputs" else "a period, fixed, for"
            return f"the {self(parts[3]).lower()} needed {per} {self(parts[1])}"
        if len(parts) == 3 and parts[0] == "interventions":
            return f"the {_FIELD_WORDS.get(parts[2], _spaced(parts[2]))} of {self(parts[1])}"
        if len(parts) == 5 and parts[0] == "interventions" and parts[2] == "enabling":
            return (
                f"the {_FIELD_WORDS.get(parts[4], _spaced(parts[4]))} of how "
                f"{self(parts[1])} depends on {self(parts[3]).lower()}"
            )
        if len(parts) >= 4 and parts[0] == "outcomes" and parts[2] == "value":
            kind = parts[3]
            who = f" to {self(parts[4])}" if kind == "fiscal" and len(parts) > 4 else ""
            return f"the {kind} value{who} of one unit of {self(parts[1])}"
        if len(parts) == 2 and parts[0] == "targets":
            return f"the target for {self(parts[1])}"
        if len(parts) == 2 and parts[0] in (
            "resources",
            "interventions",
            "outcomes",
            "agencies",
            "sectors",
            "scenarios",
        ):
            return self(parts[1])
        return _spaced(path)


def lower_first(text: str) -> str:
    """A label as it reads inside a sentence: 'Falls avoided' → 'falls avoided', but 'ASB
    reports', 'OT home hazard assessment' and 'West Midlands Police' keep their capitals (an
    acronym or a name)."""
    if not text:
        return text
    words = text.split(" ")
    first = words[0]
    if len(first) > 1 and any(c.isupper() for c in first[1:]):
        return text
    if any(w[:1].isupper() for w in words[1:]):
        return text
    return text[0].lower() + text[1:]


def _spaced(key: str) -> str:
    """An identifier as words when there is no label: ``asb_reports`` → ``asb reports``."""
    return key.replace("_", " ")
