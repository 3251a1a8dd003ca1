"""Located input errors.

Every problem found in an input file becomes an :class:`Issue` naming where (file, line, field
path such as ``links[2].to``), what is wrong and, where we can tell, the fix. A
:class:`ModelError` carries every issue found in one pass, so a user fixes them all at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem in an input: ``path`` is the field (``links[2].to``), ``line`` 1-based."""

    path: str
    message: str
    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "line": self.line, "file": self.file}


@dataclass
class ModelError(Exception):
    """An input could not be used; ``issues`` lists every problem found."""

    issues: list[Issue] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        return head + ":\n" + "\n".join(f"  {i}" for i in self.issues)

    def to_dict(self) -> dict:
        return {"error": "invalid input", "issues": [i.to_dict() for i in self.issues]}


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``''``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def format_path(parts: Iterable[str | int]) -> str:
    """('links', 2, 'to') -> 'links[2].to'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def place_issue(issue: Issue, places: dict[str, str], file: str | None) -> Issue:
    """An issue located by where its field came from in a workbook (``places`` maps a field
    path such as ``links[2]`` to "sheet 'links' row 4"); the longest matching path wins."""
    path = issue.path
    best = ""
    for key in places:
        if (path == key or path.startswith(key + ".") or path.startswith(key + "[")) \
                and len(key) > len(best):
            best = key
    where = places.get(best)
    return Issue(issue.path, issue.message, None, f"{file} [{where}]" if where and file else file)
