"""The package's import graph, read from the source (nothing is imported): every import of a
``coproduce`` module names one that exists, and no two modules import each other, directly or
round a longer loop.

Imports inside functions and under ``if TYPE_CHECKING:`` count: deferring an import hides a
cycle from the interpreter, not from a reader (model/scenarios ↔ model/validate and
survey/design ↔ survey/glm were such cycles). Importing ``a.b.c`` also runs ``a/__init__`` and
``a/b/__init__``; those implicit edges are not counted, or every module would sit in a loop
with the package that re-exports it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import coproduce

PACKAGE = "coproduce"
ROOT = Path(coproduce.__file__).resolve().parent


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a name imported from a module counts as it)
    line: int
    deferred: bool  # inside a function or under TYPE_CHECKING
    exists: bool  # the module named after ``from`` (or ``import``) exists


def _modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's __init__)."""
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(name: str, path: Path, is_package: bool, modules) -> list[Import]:
    package = name if is_package else name.rpartition(".")[0]
    found: list[Import] = []

    def owner(dotted: str) -> str:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True)
            elif isinstance(child, ast.If) and _type_checking(child):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), deferred)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        found.append(
                            Import(
                                name,
                                owner(alias.name),
                                child.lineno,
                                deferred,
                                alias.name in modules,
                            )
                        )
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    module = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    module = child.module or ""
                if module.split(".")[0] != PACKAGE:
                    continue
                for alias in child.names:
                    sub = f"{module}.{alias.name}"
                    target = sub if sub in modules else owner(module)
                    found.append(Import(name, target, child.lineno, deferred, module in modules))
            else:
                visit(child, deferred)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False)
    return [i for i in found if i.target != name]


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    modules = _modules()
    return [
        i
        for name, (path, is_package) in sorted(modules.items())
        for i in _imports(name, path, is_package, modules)
    ]


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return sorted(out)


def _where(edges: list[Import], component: list[str]) -> list[str]:
    inside = set(component)
    return [
        f"{e.source} -> {e.target} (line {e.line}{', deferred' if e.deferred else ''})"
        for e in edges
        if e.source in inside and e.target in inside
    ]


# Cycles known and not yet broken, each to be removed from here when it is: the test of each
# fails (strict xfail) once its cycle has gone.
KNOWN: dict[tuple[str, ...], str] = {}  # cycles still to break, with why


def test_every_import_of_the_package_names_a_module_that_exists(imports):
    missing = [
        f"{i.source} line {i.line}: {i.target!r} part of a module that does not exist"
        for i in imports
        if not i.exists
    ]
    assert not missing, "\n".join(missing)


def test_no_cycles_among_module_level_imports(imports):
    eager = [i for i in imports if not i.deferred]
    found = cycles(eager)
    assert not found, "\n\n".join("\n".join(_where(eager, c)) for c in found)


def test_no_cycles_counting_deferred_imports(imports):
    found = [c for c in cycles(imports) if tuple(c) not in KNOWN]
    assert not found, "\n\n".join("\n".join(_where(imports, c)) for c in found)


@pytest.mark.parametrize(
    "a, b",
    [
        ("coproduce.model.scenarios", "coproduce.model.validate"),
        ("coproduce.survey.design", "coproduce.survey.glm"),
    ],
)
def test_the_cycles_of_issue_13_stay_broken(imports, a, b):
    """One way only: ``scenarios`` uses ``validate`` and ``design`` uses ``glm``."""
    assert not [i for i in imports if i.source == b and i.target == a]
    assert [i for i in imports if i.source == a and i.target == b]
