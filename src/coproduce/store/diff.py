"""A readable difference between two versions of a model.

Named sections (resources, interventions, outcomes, ...) are compared entry by entry and field
by field; links are matched by their ``from -> to`` pair. The result says, in words an analyst
reads, what was added, removed and changed, with the value before and after.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import yaml

SECTIONS = ("sectors", "agencies", "resources", "interventions", "outcomes", "targets", "scenarios")


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed" or "changed"
    section: str  # "interventions", "links", "model"
    key: str  # entry id, link "a -> b", or top-level field
    field: str = ""  # for "changed": the field within the entry ("inputs.physio_hour")
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "section": self.section,
            "key": self.key,
            "field": self.field,
            "before": self.before,
            "after": self.after,
        }

    def sentence(self) -> str:
        where = f"{self.section} {self.key}" if self.section != "model" else self.key
        if self.kind == "added":
            return f"added {where}"
        if self.kind == "removed":
            return f"removed {where}"
        field = f".{self.field}" if self.field else ""
        return f"changed {where}{field}: {_short(self.before)} → {_short(self.after)}"


def _short(v: Any) -> str:
    if v is None:
        return "(none)"
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "…"


def _fields(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each leaf that differs; a distribution counts as one leaf."""
    if (
        isinstance(before, dict)
        and isinstance(after, dict)
        and "dist" not in before
        and "dist" not in after
    ):
        out = []
        for k in list(before) + [k for k in after if k not in before]:
            p = f"{prefix}.{k}" if prefix else str(k)
            if k not in after:
                out.append((p, before[k], None))
            elif k not in before:
                out.append((p, None, after[k]))
            else:
                out.extend(_fields(before[k], after[k], p))
        return out
    return [] if before == after else [(prefix, before, after)]


def _links(data: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for lk in data.get("links") or []:
        key = f"{lk.get('from')} -> {lk.get('to')}"
        out[key] = {k: v for k, v in lk.items() if k not in ("from", "to")}
    return out


def diff_models(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    """Every change from model data ``a`` to ``b`` (both as a model file holds them)."""
    changes: list[Change] = []
    skip = {*SECTIONS, "links"}
    for key in list(a) + [k for k in b if k not in a]:
        if key in skip:
            continue
        for field, x, y in _fields(a.get(key), b.get(key), ""):
            changes.append(
                Change("changed", "model", key + (f".{field}" if field else ""), "", x, y)
            )
    for section in (*SECTIONS, "links"):
        left = _links(a) if section == "links" else (a.get(section) or {})
        right = _links(b) if section == "links" else (b.get(section) or {})
        for key in left:
            if key not in right:
                changes.append(Change("removed", section, str(key), before=left[key]))
        for key in right:
            if key not in left:
                changes.append(Change("added", section, str(key), after=right[key]))
            else:
                for field, x, y in _fields(left[key], right[key]):
                    changes.append(Change("changed", section, str(key), field, x, y))
    return changes


def text_diff(a: dict[str, Any], b: dict[str, Any], *, names: tuple[str, str]) -> str:
    """A unified diff of the two versions written as YAML."""
    ya = yaml.safe_dump(a, sort_keys=False, allow_unicode=True).splitlines()
    yb = yaml.safe_dump(b, sort_keys=False, allow_unicode=True).splitlines()
    return "\n".join(difflib.unified_diff(ya, yb, names[0], names[1], lineterm=""))
