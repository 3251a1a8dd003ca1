"""Names for quantities inside a model: ``links[0].effect``, ``resources.x.unit_cost``.

Correlations, scenarios, sensitivity analyses and sweeps all point at quantities this way.
A link may be named by position (``links[3]``) or, more robustly, by its ends
(``links[falls_classes->falls_avoided]``).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from .errors import did_you_mean

_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


class QuantityPathError(ValueError):
    """A path that names nothing in the model."""


def split_path(text: str) -> list[str | int]:
    """'links[2].effect' -> ['links', 2, 'effect']; 'links[a->b]' keeps 'a->b' as text."""
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    for m in _TOKEN.finditer(text):
        if m.start() != pos and text[pos : m.start()] != ".":
            raise QuantityPathError(f"cannot read the path '{text}'")
        name, index = m.group(1), m.group(2)
        if name is not None:
            parts.append(name)
        else:
            parts.append(int(index) if index.strip().lstrip("-").isdigit() else index.strip())
        pos = m.end()
    if not parts:
        raise QuantityPathError("empty path")
    return parts


def resolve_link_index(links: list, key: str | int, text: str) -> int:
    """The position of a link named by index or by 'from->to' in a list of raw or typed links."""
    if isinstance(key, int):
        if not 0 <= key < len(links):
            raise QuantityPathError(
                f"'{text}': there are {len(links)} links (links[0] to links[{len(links) - 1}])"
            )
        return key
    if "->" not in key:
        raise QuantityPathError(
            f"'{text}': name a link by position (links[0]) or by its ends (links[a->b])"
        )
    a, _, b = (p.strip() for p in key.partition("->"))
    for i, link in enumerate(links):
        src = link.get("from") if isinstance(link, dict) else link.from_
        dst = link.get("to") if isinstance(link, dict) else link.to
        if src == a and dst == b:
            return i
    raise QuantityPathError(f"'{text}': no link {a} -> {b}")


def link_position(text: str) -> int | None:
    """k for 'links[k].effect' (the form :func:`quantity_paths` writes), quickly; else None."""
    if text.startswith("links[") and text.endswith("].effect"):
        inner = text[6:-8]
        if inner.isdigit():
            return int(inner)
    return None


def canonical_path(model: Any, text: str) -> str:
    """A path as results and labels write it: a link by its ends ('links[3].effect' and
    'links[a->b].effect' are both 'links[a->b].effect'), other parts joined by dots. Raises
    :class:`QuantityPathError` for a link that is not there."""
    k = link_position(text)  # the common case, for 10^5 links: no parsing
    if k is not None:
        lk = model.links[k]
        return f"links[{lk.from_}->{lk.to}].effect"
    parts = split_path(text)
    if parts[0] == "links" and len(parts) >= 2:
        lk = model.links[resolve_link_index(model.links, parts[1], text)]
        rest = "".join(f".{p}" for p in parts[2:])
        return f"links[{lk.from_}->{lk.to}]{rest}"
    return ".".join(str(p) for p in parts)


def get_quantity(model: Any, text: str) -> Any:
    """The quantity (number or distribution) a path names in a loaded :class:`Model`."""
    parts = split_path(text)
    head = parts[0]
    try:
        if head == "links":
            if len(parts) != 3 or parts[2] != "effect":
                raise QuantityPathError(
                    f"'{text}': a link's quantity is its effect (links[N].effect)"
                )
            return model.links[resolve_link_index(model.links, parts[1], text)].effect
        sections = {
            "resources": model.resources,
            "interventions": model.interventions,
            "outcomes": model.outcomes,
        }
        if head not in sections:
            raise QuantityPathError(
                f"'{text}': paths start with links, resources, interventions or outcomes"
                + did_you_mean(str(head), [*sections, "links"])
            )
        section = sections[head]
        if len(parts) < 3:
            raise QuantityPathError(f"'{text}': name a field, e.g. {head}.ID.FIELD")
        node_id = parts[1]
        if node_id not in section:
            raise QuantityPathError(
                f"'{text}': unknown {head[:-1]} '{node_id}'" + did_you_mean(str(node_id), section)
            )
        obj: Any = section[node_id]
        for p in parts[2:]:
            if isinstance(obj, dict):
                if p not in obj:
                    raise QuantityPathError(f"'{text}': no '{p}' here" + did_you_mean(str(p), obj))
                obj = obj[p]
            else:
                names = type(obj).model_fields if hasattr(type(obj), "model_fields") else {}
                if p not in names:
                    raise QuantityPathError(
                        f"'{text}': no field '{p}'" + did_you_mean(str(p), names)
                    )
                obj = getattr(obj, str(p))
            if obj is None:
                raise QuantityPathError(f"'{text}': not set in the model")
        if isinstance(obj, (dict, list, str, bool)) or (
            isinstance(obj, BaseModel) and not hasattr(obj, "dist")
        ):
            raise QuantityPathError(f"'{text}' is not a single quantity")
        return obj
    except (IndexError, KeyError, TypeError):
        raise QuantityPathError(f"'{text}' names nothing in the model") from None


def quantity_paths(model: Any) -> list[str]:
    """Every quantity in the model, by path, in file order."""
    out: list[str] = []
    for rid, r in model.resources.items():
        out.append(f"resources.{rid}.unit_cost")
        if r.available is not None:
            out.append(f"resources.{rid}.available")
    for iid, i in model.interventions.items():
        out.append(f"interventions.{iid}.volume")
        if i.capacity is not None:
            out.append(f"interventions.{iid}.capacity")
        out.extend(f"interventions.{iid}.inputs.{r}" for r in i.inputs)
        out.extend(f"interventions.{iid}.fixed_inputs.{r}" for r in i.fixed_inputs)
    for oid, o in model.outcomes.items():
        if o.value is None:
            continue
        out.extend(f"outcomes.{oid}.value.fiscal.{a}" for a in o.value.fiscal)
        if o.value.economic is not None:
            out.append(f"outcomes.{oid}.value.economic")
        if o.value.social is not None:
            out.append(f"outcomes.{oid}.value.social")
    out.extend(f"links[{k}].effect" for k in range(len(model.links)))
    return out
