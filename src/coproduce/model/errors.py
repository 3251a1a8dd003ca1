"""Located input errors.

Every problem found in an input file becomes an :class:`Issue` naming where (file, line, field
path such as ``links[2].to``), what is wrong and, where we can tell, the fix. A
:class:`ModelError` carries every issue found in one pass, so a user fixes them all at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import BadInput, Issue

__all__ = ["Issue", "ModelError", "did_you_mean", "format_path", "place_issue"]


class ModelError(BadInput):
    """An input file (a model, and the other files read the same way) could not be used;
    ``issues`` lists every problem found. Part of the one error tree (:mod:`coproduce.errors`):
    exit code 2, HTTP 422."""

    def __init__(self, issues: Iterable[Issue] = ()) -> None:
        super().__init__(list(issues))

    def __str__(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        return head + ":\n" + "\n".join(f"  {i}" for i in self.issues)


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
