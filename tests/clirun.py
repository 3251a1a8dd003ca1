"""Running the ``coproduce`` command in tests: in this process (fast, for what a command
computes and prints) or as a real interpreter (for the entry point itself: exit codes,
``python -m coproduce``).

:func:`cli` calls :func:`coproduce.cli.main.run` — the entry point's own function, which turns
the library's errors into messages and exit codes — with ``sys.stdout``, ``sys.stderr`` and
``sys.stdin`` swapped for buffers (typer's ``CliRunner`` isolation), so a test sees what a user
would see, as :func:`cli_process` does, at the cost of no new interpreter.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner


@dataclass(frozen=True)
class Ran:
    """What a command did: the fields tests read of a ``subprocess.CompletedProcess``."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _cwd(path: str | Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def cli(
    *args: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> Ran:
    """``coproduce ARGS`` in this process. An exception the entry point does not turn into an
    exit code ends the command as it would end the interpreter: exit 1, traceback on stderr."""
    from coproduce.cli.main import run

    runner = CliRunner()
    with runner.isolation(input=input, env=dict(env or {})) as (out, err, _), _cwd(cwd):
        code = 0
        try:
            run([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:
            sys.stderr.write(traceback.format_exc())
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return Ran(
            tuple(args),
            code,
            out.getvalue().decode("utf-8", "replace"),
            err.getvalue().decode("utf-8", "replace"),
        )


def cli_process(
    *args: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python -m coproduce ARGS`` in a new interpreter: for tests of the entry point itself."""
    return subprocess.run(
        [sys.executable, "-m", "coproduce", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
