"""Reading YAML and JSON input files with the line of every field, within bounds.

Used by every input format of the product (model files, appraisal files, survey codebooks,
study and portfolio files) so that an error can say ``model.yaml:23: links[2].to: ...``. Line
numbers are looked up only when there is an error to report, so large files load at full speed.

Every file is read within the limits below, so that no input — however written — can hold a
process for long or exhaust its memory; each limit, when reached, is a located
:class:`ModelError` (exit 2 on the command line, HTTP 413 or 422 on the web):

- ``MAX_FILE_BYTES``: the size of a text file (50 MB);
- ``MAX_DEPTH``: mappings and lists nested at most 64 levels deep;
- ``MAX_VALUES``: at most 5,000,000 values in one file, each use of a YAML alias (``*name``)
  counted as the values it stands for, and in YAML no more than 100,000 values beyond the
  length of the text — so a "billion laughs" file of a few lines is refused before it is
  expanded, as is an alias inside its own anchor (``&r [*r]``), while a few aliases for
  repeated values stay allowed;
- ``MAX_NUMBER_CHARS``: a number written with at most 100 characters;
- ``MAX_NAME_CHARS``: a file name of at most 255 characters.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, ModelError, TooLarge, format_path

try:  # libyaml is several times faster on large files; fall back to pure Python.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

Lines = dict[tuple, int]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 5_000_000
MAX_NUMBER_CHARS = 100
MAX_NAME_CHARS = 255

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


def read_text_file(path: str | Path, *, max_bytes: int | None = None) -> str:
    """The UTF-8 text of a file of at most ``max_bytes`` (default :data:`MAX_FILE_BYTES`)."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    p = Path(path)
    if len(p.name) > MAX_NAME_CHARS:
        raise ModelError(
            [
                Issue(
                    "",
                    f"the file name is {len(p.name):,} characters long; "
                    f"rename the file (at most {MAX_NAME_CHARS})",
                    file=p.name[:60] + "…",
                )
            ]
        )
    try:
        if not p.exists():
            raise ModelError([Issue("", f"file not found: {p}", file=str(p))])
        if p.is_dir():
            raise ModelError([Issue("", f"{p} is a folder; give a file", file=str(p))])
        size = p.stat().st_size
    except OSError as exc:  # a name the system cannot take, a file it may not read
        raise ModelError(
            [Issue("", f"cannot open the file: {exc.strerror or exc}", file=str(p))]
        ) from None
    if size > max_bytes:
        raise TooLarge(
            [
                Issue(
                    "",
                    f"the file is {_mb(size)}; files of up to {_mb(max_bytes)} "
                    "can be read: split it or remove what is not needed",
                    file=str(p),
                )
            ]
        )
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(
            [
                Issue(
                    "",
                    f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8",
                    file=str(p),
                )
            ]
        ) from None
    except OSError as exc:
        raise ModelError(
            [Issue("", f"cannot read the file: {exc.strerror or exc}", file=str(p))]
        ) from None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def parse_text(text: str, *, fmt: str, file: str | None = None) -> Any:
    """Parse YAML or JSON text within the limits of this module; syntax errors and inputs
    beyond a limit become a located :class:`ModelError`."""
    if fmt == "json":
        return _parse_json(text, file)
    return _parse_yaml(text, file)


def _parse_json(text: str, file: str | None) -> Any:
    def constant(name: str) -> Any:
        raise ModelError([Issue("", f"JSON does not allow {name}: write a number", file=file)])

    try:
        data = json.loads(text, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise ModelError(
            [
                Issue(
                    "",
                    f"JSON syntax error: {exc.msg} (column {exc.colno})",
                    line=exc.lineno,
                    file=file,
                )
            ]
        ) from None
    except RecursionError:
        raise TooLarge(
            [
                Issue(
                    "",
                    f"the file is nested too deeply: at most {MAX_DEPTH} levels "
                    "of mappings and lists",
                    line=_json_too_deep(text),
                    file=file,
                )
            ]
        ) from None
    except ValueError as exc:  # an integer beyond Python's limit on digits
        raise ModelError(
            [
                Issue(
                    "",
                    f"a number is too long ({exc}); numbers are written with "
                    f"at most {MAX_NUMBER_CHARS} characters",
                    file=file,
                )
            ]
        ) from None
    problem = tree_problem(data)
    if problem is not None:
        path, message, large = problem
        line = line_of(field_lines(text, "json"), path) if path else None
        raise (TooLarge if large else ModelError)(
            [Issue(format_path(path), message, line=line, file=file)]
        )
    return data


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_too_deep(text: str) -> int | None:
    """The line where JSON text first nests deeper than :data:`MAX_DEPTH` (strings skipped)."""
    depth = 0
    for m in _JSON_TOKENS.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return text.count("\n", 0, m.start()) + 1
        elif ch in "]}":
            depth -= 1
    return None


def tree_problem(
    data: Any, *, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES
) -> tuple[tuple, str, bool] | None:
    """The first place where parsed data goes beyond the limits — nested too deeply (as a
    value that contains itself is), too many values, a number too long to be one — as (path,
    message, whether it is a matter of size), or None. One pass, without recursion; the place
    is looked for only when there is a problem (building every value's path costs more than
    the parse)."""
    if _within_limits(data, max_depth, max_values):
        return None
    return _locate_tree_problem(data, max_depth, max_values)


def _within_limits(data: Any, max_depth: int, max_values: int) -> bool:
    """Whether ``data`` is within the limits :func:`tree_problem` checks: depth and count of
    containers only, scalars checked where they sit."""
    big = 10**MAX_NUMBER_CHARS
    if type(data) is int:
        return -big < data < big
    if not isinstance(data, (dict, list)):
        return not isinstance(data, int) or isinstance(data, bool) or -big < data < big
    count = 1
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth >= max_depth:
            return False
        children = value.values() if isinstance(value, dict) else value
        count += len(children)
        if count > max_values:
            return False
        for c in children:
            t = type(c)
            if t is str or t is float or t is bool or c is None:
                continue
            if t is dict or t is list:
                stack.append((c, depth + 1))
            elif t is int:
                if not -big < c < big:
                    return False
            elif isinstance(c, (dict, list)):
                stack.append((c, depth + 1))
            elif isinstance(c, int) and not isinstance(c, bool) and not -big < c < big:
                return False
    return True


def _locate_tree_problem(
    data: Any, max_depth: int, max_values: int
) -> tuple[tuple, str, bool] | None:
    count = 0
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        count += 1
        if count > max_values:
            return (path, f"more than {max_values:,} values: split the file", True)
        if isinstance(value, int) and not isinstance(value, bool):
            if abs(value) >= 10**MAX_NUMBER_CHARS:
                return (path, f"a number of about {digits(value):,} digits is too large", False)
        elif isinstance(value, (dict, list)):
            if len(path) >= max_depth:
                return (
                    path,
                    f"nested too deeply: at most {max_depth} levels of mappings and lists",
                    True,
                )
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, (*path, k)) for k, v in items)
    return None


def _parse_yaml(text: str, file: str | None) -> Any:
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text, file) from None
        except RecursionError:  # the pure-Python composer on very deep text
            raise TooLarge(
                [
                    Issue(
                        "",
                        f"the file is nested too deeply: at most {MAX_DEPTH} "
                        "levels of mappings and lists",
                        file=file,
                    )
                ]
            ) from None
        if node is None:
            return None
        check_yaml_node(node, file=file, budget=min(MAX_VALUES, len(text) + 100_000))
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text, file) from None
        except (ValueError, OverflowError) as exc:  # a value its type cannot hold
            raise ModelError([Issue("", f"a value cannot be read: {exc}", file=file)]) from None
    finally:
        loader.dispose()


def _syntax_error(exc: yaml.YAMLError, text: str, file: str | None) -> ModelError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else None
    hint = ""
    if "\t" in text and "tab" in str(problem).lower():
        hint = "; indent with spaces, not tabs"
    return ModelError([Issue("", f"YAML syntax error: {problem}{hint}", line=line, file=file)])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_yaml_node(root: yaml.Node, *, file: str | None = None, budget: int = MAX_VALUES) -> None:
    """Refuse a composed YAML document that nests too deeply, stands for more than ``budget``
    values once its aliases are expanded, holds an alias inside its own anchor, or writes a
    number with too many characters. Each node is measured once, so an alias costs no more
    than its name: linear in the size of the text, whatever the aliases expand to."""
    size: dict[int, int] = {}  # values a node stands for, aliases expanded
    height: dict[int, int] = {}  # levels of nesting below and including a node
    open_: set[int] = set()  # nodes on the current path (an alias to one is a cycle)
    aliased = False

    def refuse(node: yaml.Node, message: str, large: bool = True) -> ModelError:
        issue = Issue("", message, line=node.start_mark.line + 1, file=file)
        return (TooLarge if large else ModelError)([issue])

    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            kids = _children(node)
            size[key] = total = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            if total > budget:
                if aliased:
                    raise refuse(
                        node,
                        f"the YAML aliases (*name) here stand for more than "
                        f"{budget:,} values; write the values out instead",
                    )
                raise refuse(node, f"the file holds more than {budget:,} values: split it")
            continue
        if key in size:  # met before: an alias to a value already measured
            aliased = True
            if depth - 1 + height[key] > MAX_DEPTH:
                raise refuse(
                    node,
                    f"nested too deeply (through an alias): at most {MAX_DEPTH} "
                    "levels of mappings and lists",
                )
            continue
        if depth > MAX_DEPTH:
            raise refuse(
                node, f"nested too deeply: at most {MAX_DEPTH} levels of mappings and lists"
            )
        if isinstance(node, yaml.ScalarNode):
            if node.tag in (_INT_TAG, _FLOAT_TAG) and len(node.value) > MAX_NUMBER_CHARS:
                raise refuse(
                    node,
                    f"a number written with {len(node.value):,} characters is "
                    f"too large (at most {MAX_NUMBER_CHARS})",
                    large=False,
                )
            size[key], height[key] = 1, 1
            continue
        open_.add(key)
        stack.append((node, depth, True))
        for kid in _children(node):
            if id(kid) in open_:
                raise refuse(
                    kid,
                    "a YAML alias (*name) refers to the value that contains it, "
                    "so the value never ends; write it out instead",
                    large=False,
                )
            stack.append((kid, depth + 1, False))


def load_yaml(text: str, *, file: str | None = None) -> Any:
    """YAML text (a whole file or one spreadsheet cell) parsed within the limits above."""
    return _parse_yaml(text, file)


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise ModelError(
        [
            Issue(
                "",
                f"unknown file type '{suffix or '(none)'}': use .yaml, .yml, .json or .xlsx",
                file=str(path),
            )
        ]
    )


def field_lines(text: str, fmt: str) -> Lines:
    """Map each field path (tuple of keys and indices) to its 1-based line in ``text``.

    Linear in the text: a value reached again through a YAML alias (``*name``) is given its
    anchor's line and is not walked again, so aliases never multiply the work."""
    if fmt == "json":
        # JSON is valid YAML 1.2 for our purposes (no tabs in structure); libyaml marks lines.
        text = text.replace("\t", " ")
    try:
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return {}
    lines: Lines = {}
    if root is None:
        return lines
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen or len(path) > MAX_DEPTH:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                # the key's line reads better than the value's for a block mapping
                lines[(*path, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    return lines


def line_of(lines: Lines, path: tuple) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    p = tuple(path)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return lines.get(())


def digits(x: int) -> int:
    """About how many decimal digits an integer has (without writing it out, which Python
    refuses beyond 4,300 digits)."""
    return int(abs(x).bit_length() * 0.30103) + 1


def finite_number(x: Any) -> bool:
    """True for an int or float that is finite and small enough to be a float."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False
