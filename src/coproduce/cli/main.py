"""The ``coproduce`` command: one typer app; each command group registers itself here."""

from __future__ import annotations

import sys

import typer
from rich.text import Text

from ..model.errors import ModelError
from .common import EXIT_BAD_INPUT, EXIT_IMPOSSIBLE, AnalysisImpossible, BadInput, err_console

app = typer.Typer(
    name="coproduce",
    help="Decision support for public services co-produced with users and communities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from . import cba, model_commands, plan, survey, sweep, uncertainty, web_commands

    for module in (model_commands, cba, survey, plan, uncertainty, sweep, web_commands):
        module.register(app)


_register()


def _say(label: str, style: str, message: str) -> None:
    # Text, not markup: messages contain brackets such as links[2].to
    err_console.print(Text(label, style=style) + Text(message), highlight=False)


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn our exceptions into messages and exit codes."""
    # Usage errors (unknown option, missing argument) are handled by typer itself: exit 2.
    try:
        app(args=argv, prog_name="coproduce")
    except ModelError as exc:
        _say("error: ", "bold red", str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except BadInput as exc:
        _say("error: ", "bold red", str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except AnalysisImpossible as exc:
        _say("no result: ", "bold yellow", str(exc))
        sys.exit(EXIT_IMPOSSIBLE)
