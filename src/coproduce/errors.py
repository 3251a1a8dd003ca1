"""One error tree for the whole library, mapped once to exit codes and HTTP statuses.

- :class:`BadInput` — the input cannot be used (a model, appraisal, codebook, draws table,
  sweep file or request): every problem found, each located (file, line, field) and saying
  how to fix it. The command line exits 2; the web answers 422.
- :class:`NoAnswer` — the input is valid but the analysis has no answer (no pathway reaches
  the target, the solver stopped without one). The command line exits 1; the web answers 409
  (a plan that is merely infeasible is an answer: a result with ``status`` infeasible).

Messages name fields and files, never command-line flags: the same error reaches a script, a
terminal and a web form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_BAD_INPUT = 2
EXIT_NO_ANSWER = 1
HTTP_BAD_INPUT = 422
HTTP_NO_ANSWER = 409


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


class CoproduceError(Exception):
    """Every error the library raises on purpose."""


class BadInput(CoproduceError):
    """An input that cannot be used. ``issues``: every problem found, located; a bare message
    becomes one issue with no path."""

    exit_code = EXIT_BAD_INPUT
    http_status = HTTP_BAD_INPUT

    def __init__(self, issues: str | Iterable[Issue] = ()) -> None:
        self.issues: list[Issue] = [Issue("", issues)] if isinstance(issues, str) else list(issues)
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.issues) == 1 and not self.issues[0].path and not self.issues[0].file:
            return self.issues[0].message
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} found"
        return head + ":\n" + "\n".join(f"  {i}" for i in self.issues)

    def to_dict(self) -> dict:
        return {"error": "invalid input", "issues": [i.to_dict() for i in self.issues]}


class NoAnswer(CoproduceError):
    """A valid question without an answer (exit 1, HTTP 409); the message says why."""

    exit_code = EXIT_NO_ANSWER
    http_status = HTTP_NO_ANSWER

    def to_dict(self) -> dict:
        return {"error": "no answer", "message": str(self)}
