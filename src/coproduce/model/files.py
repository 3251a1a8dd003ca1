"""Reading YAML and JSON input files with the line of every field.

Used by every input format of the product (model files, appraisal files, survey codebooks) so
that an error can say ``model.yaml:23: links[2].to: ...``. Line numbers are looked up only when
there is an error to report, so large files load at full speed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, ModelError

try:  # libyaml is several times faster on large files; fall back to pure Python.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Lines = dict[tuple, int]


def read_text_file(path: str | Path) -> str:
    p = Path(path)
    if not p.exists():
        raise ModelError([Issue("", f"file not found: {p}", file=str(p))])
    if p.is_dir():
        raise ModelError([Issue("", f"{p} is a folder; give a file", file=str(p))])
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(
            [Issue("", f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as "
                   "UTF-8", file=str(p))]
        ) from None


def parse_text(text: str, *, fmt: str, file: str | None = None) -> Any:
    """Parse YAML or JSON text; syntax errors become a located :class:`ModelError`."""
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(
                [Issue("", f"JSON syntax error: {exc.msg} (column {exc.colno})", line=exc.lineno,
                       file=file)]
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        hint = ""
        if "\t" in text and "tab" in str(problem).lower():
            hint = "; indent with spaces, not tabs"
        raise ModelError(
            [Issue("", f"YAML syntax error: {problem}{hint}", line=line, file=file)]
        ) from None


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise ModelError(
        [Issue("", f"unknown file type '{suffix or '(none)'}': use .yaml, .yml, .json or .xlsx",
               file=str(path))]
    )


def field_lines(text: str, fmt: str) -> Lines:
    """Map each field path (tuple of keys and indices) to its 1-based line in ``text``."""
    if fmt == "json":
        # JSON is valid YAML 1.2 for our purposes (no tabs in structure); libyaml marks lines.
        text = text.replace("\t", " ")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    lines: Lines = {}

    def walk(node: yaml.Node, path: tuple) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                lines[(*path, key)] = key_node.start_mark.line + 1
                walk(value_node, (*path, key))
                # the key's line reads better than the value's for a block mapping
                lines[(*path, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return lines


def line_of(lines: Lines, path: tuple) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get(())
