"""Located input errors.

Every problem found in an input file becomes an :class:`Issue` naming where (file, line, field
path such as ``links[2].to``), what is wrong and, where we can tell, the fix. A
:class:`ModelError` carries every issue found in one pass, so a user fixes them all at once —
up to :data:`MAX_ISSUES` of them, then a count of the rest (a file of 200,000 bad rows gives a
readable answer, not 200,000 lines).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from ..errors import BadInput, Issue

__all__ = [
    "MAX_ISSUES",
    "Issue",
    "ModelError",
    "TooLarge",
    "did_you_mean",
    "format_path",
    "place_issue",
]

MAX_ISSUES = 200
_MORE = re.compile(r"and ([\d,]+) more problems? not listed")


class ModelError(BadInput):
    """An input file (a model, and the other files read the same way) could not be used;
    ``issues`` lists every problem found (the first :data:`MAX_ISSUES`, then one issue counting
    the rest). Part of the one error tree (:mod:`coproduce.errors`): exit code 2, HTTP 422."""

    def __init__(self, issues: Iterable[Issue] = ()) -> None:
        found = list(issues)
        hidden = 0
        if found and not found[-1].path and (m := _MORE.match(found[-1].message)):
            # the issues of an earlier ModelError, passed on (relocated, renamed)
            found, hidden = found[:-1], int(m.group(1).replace(",", ""))
        if len(found) > MAX_ISSUES:
            found, hidden = found[:MAX_ISSUES], hidden + len(found) - MAX_ISSUES
        if hidden:
            found.append(
                Issue(
                    "",
                    f"and {hidden:,} more problem{'s' if hidden != 1 else ''} "
                    "not listed: fix these and check again",
                )
            )
        super().__init__(found)

    def __str__(self) -> str:
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        return head + ":\n" + "\n".join(f"  {i}" for i in self.issues)


class TooLarge(ModelError):
    """An input beyond one of the size limits (too big, too many values, nested too deeply):
    exit code 2 on the command line, HTTP 413 on the web."""

    http_status = 413


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``''``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def format_path(parts: Iterable[str | int]) -> str:
    """('links', 2, 'to') -> 'links[2].to'."""
    out = ""
    for p in parts:
        if isinstance(p, int) and not isinstance(p, bool):
            out += f"[{p}]"
        else:
            p = str(p)
            out += f".{p}" if out else p
    return out


def place_issue(issue: Issue, places: dict[str, str], file: str | None) -> Issue:
    """An issue located by where its field came from in a workbook (``places`` maps a field
    path such as ``links[2]`` to "sheet 'links' row 4"); the longest matching path wins.

    Looks up each prefix of the issue's path that ends at a field boundary (``.`` or ``[``),
    longest first: the time taken grows with the path, not with the number of places."""
    path = issue.path
    where = places.get(path)
    end = len(path)
    while where is None and end > 0:
        end = max(path.rfind(".", 0, end), path.rfind("[", 0, end))
        if end <= 0:
            break
        where = places.get(path[:end])
    return Issue(issue.path, issue.message, None, f"{file} [{where}]" if where and file else file)
