"""Hypothesis strategies for hostile variations of a model file: a value replaced by something
of the wrong kind or size, a field removed, renamed or added, an item repeated, names that are
not text, distributions that make no sense; then written as YAML or JSON, and sometimes the
text itself cut, doubled or spliced with YAML anchors and aliases."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

import yaml
from hypothesis import strategies as st

from coproduce.model import load_model
from coproduce.model.serialise import model_to_data

EXAMPLES = ("older-people", "neighbourhood-safety")


def examples_budget(default: int) -> int:
    """How many cases a fuzz test runs: ``default`` (500 in all by default), scaled up by
    ``COPRODUCE_FUZZ_EXAMPLES`` (the number of cases of the largest test, 350 by default)."""
    wanted = os.environ.get("COPRODUCE_FUZZ_EXAMPLES", "")
    if not wanted.strip():
        return default
    return max(default, int(default * int(wanted) / 350))


_BASE: dict[str, str] = {}


def base(name: str) -> dict:
    """A fresh copy of a bundled example's data."""
    if name not in _BASE:
        _BASE[name] = json.dumps(model_to_data(load_model(f"example:{name}")))
    return json.loads(_BASE[name])


WEIRD_NUMBERS = [
    0,
    -1,
    1,
    0.5,
    -0.5,
    10**16,
    -(10**16),
    10**400,
    -(10**400),
    2**63,
    2**64 + 1,
    1e15,
    1e300,
    -1e300,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
]
WEIRD_TEXT = [
    "",
    " ",
    "x",
    "=1+1",
    "+SUM(A1)",
    "-2",
    "@x",
    "\t",
    "1,000",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "{dist: normal, mean: 1}",
    "{dist: {a: 1}}",
    "[1, 2]",
    "null",
    "falls_classes",
    "public",
    "council",
    "x" * 300,
    "ü\u202e\u0000",
    "a.b[0]",
    "Links",
    "*ref",
    "&anchor x",
]
WEIRD_DISTS = [
    {"dist": {"a": 1}, "mean": 1, "sd": 1},
    {"dist": ["normal"], "mean": 1, "sd": 1},
    {"dist": None},
    {"dist": 3},
    {"dist": "normal"},
    {"dist": "normal", "mean": 10**400, "sd": 1},
    {"dist": "normal", "mean": 1, "sd": -1},
    {"dist": "normal", "mean": 1, "sd": float("nan")},
    {"dist": "lognormal", "mean": 0, "sd": 1},
    {"dist": "gamma", "mean": 1e300, "sd": 1e-300},
    {"dist": "beta", "alpha": 1e-300, "beta": 1e300},
    {"dist": "uniform", "low": 1, "high": 1},
    {"dist": "triangular", "low": 2, "mode": 1, "high": 3},
    {"dist": "pert", "low": -1e15, "mode": 0, "high": 1e15},
    {"dist": "fixed", "value": [1]},
    {"dist": "fixed", "value": {"dist": "fixed", "value": 1}},
    {"dist": "normal", "mean": 1, "sd": 1, 3: 4},
    {},
]
KEYS = st.one_of(
    st.text(max_size=8),
    st.integers(-3, 3),
    st.none(),
    st.booleans(),
    st.sampled_from(["dist", "label", "from", "to", "effect", "links", "public"]),
)


def weird_values() -> st.SearchStrategy:
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.sampled_from(WEIRD_NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(WEIRD_TEXT),
        st.sampled_from(WEIRD_DISTS).map(copy.deepcopy),
    )  # never shared
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
        max_leaves=6,
    )


EXTREME = st.one_of(
    st.sampled_from(
        [
            0,
            0.0,
            1,
            -1,
            1e-300,
            5e-324,
            1e-9,
            1e15,
            -1e15,
            999_999_999_999_999,
            0.999999999,
            1.0000001,
            2,
            100,
            1e6,
        ]
    ),
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    st.integers(-(10**15), 10**15),
)

_NUMBERS: dict[str, list[tuple]] = {}


def _number_paths(name: str) -> list[tuple]:
    """Where the example has a number (not a true/false)."""
    if name not in _NUMBERS:
        found: list[tuple] = []
        stack: list[tuple[Any, tuple]] = [(base(name), ())]
        while stack:
            value, path = stack.pop()
            if isinstance(value, dict):
                stack.extend((v, (*path, k)) for k, v in value.items())
            elif isinstance(value, list):
                stack.extend((v, (*path, i)) for i, v in enumerate(value))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                found.append(path)
        _NUMBERS[name] = sorted(found, key=repr)
    return _NUMBERS[name]


def _children(value: Any) -> list:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


@st.composite
def mutated(draw, name: str | None = None) -> dict:
    """An example's data with one to three mutations at places drawn anywhere in it."""
    name = name or draw(st.sampled_from(EXAMPLES))
    data = base(name)
    # numbers at their extremes keep the model valid and reach the analyses
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(_number_paths(name)))
        node: Any = data
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = draw(EXTREME)
    for _ in range(draw(st.integers(0, 2))):
        parent, key = None, None
        node: Any = data
        while _children(node) and (parent is None or draw(st.integers(0, 5)) > 0):
            parent, key = node, draw(st.sampled_from(_children(node)))
            node = node[key]
        kind = draw(
            st.sampled_from(
                ["replace", "replace", "replace", "delete", "rename", "add", "repeat", "swap"]
            )
        )
        if parent is None:
            continue
        if kind == "replace":
            parent[key] = draw(weird_values())
        elif kind == "delete":
            del parent[key]
        elif kind == "rename" and isinstance(parent, dict):
            parent[draw(KEYS)] = parent.pop(key)
        elif kind == "add" and isinstance(node, dict):
            node[draw(KEYS)] = draw(weird_values())
        elif kind == "repeat" and isinstance(parent, list):
            parent.extend([parent[key]] * draw(st.integers(1, 5)))
        elif kind == "swap" and isinstance(parent, dict) and len(parent) > 1:
            other = draw(st.sampled_from(list(parent)))
            parent[key], parent[other] = parent[other], parent[key]
    return data


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)


def _dump_json(data: Any) -> str | None:
    try:
        return json.dumps(data, ensure_ascii=False)  # nan/inf written as NaN/Infinity
    except (TypeError, ValueError):  # keys JSON cannot hold
        return None


TEXT_CUTS = ["truncate", "splice", "bomb", "self", "tab", "none", "none", "none", "none"]


@st.composite
def model_texts(draw) -> tuple[str, str]:
    """(format, text) of a mutated example, sometimes damaged as text too."""
    data = draw(mutated())
    fmt = draw(st.sampled_from(["yaml", "yaml", "json"]))
    text = (_dump_json(data) if fmt == "json" else None) or _dump_yaml(data)
    if fmt == "json" and not text.lstrip().startswith("{"):
        fmt = "yaml"
    cut = draw(st.sampled_from(TEXT_CUTS))
    lines = text.splitlines(keepends=True)
    if cut == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif cut == "splice" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        text = "".join([*lines[:i], draw(st.sampled_from(lines)), *lines[i:]])
    elif cut == "bomb" and fmt == "yaml":
        text = alias_bomb() + "\n" + text.replace("name:", "name: *a8\nx_name:", 1)
    elif cut == "self" and fmt == "yaml":
        text = text.replace("notes:", "notes: &r [*r]\nx_notes:", 1)
    elif cut == "tab" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        text = "".join([*lines[:i], "\t" + lines[i], *lines[i + 1 :]])
    return fmt, text


# ----- the hostile files of issue 15, small enough to build in a test --------------------------


def alias_bomb(levels: int = 9) -> str:
    """A "billion laughs" of YAML anchors: 9 ** ``levels`` values in about 1 KB."""
    out = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        out.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(out)


def deep_json(depth: int = 5000) -> str:
    return (
        '{"coproduce": 1, "name": "deep", "price_year": 2024, "notes": '
        + "[" * depth
        + "]" * depth
        + "}"
    )
