"""The ``coproduce`` command: one typer app; each command group registers itself here."""

from __future__ import annotations

import sys

import click
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
    from . import model_commands

    for module in (model_commands,):
        module.register(app)


_register()


def _say(label: str, style: str, message: str) -> None:
    # Text, not markup: messages contain brackets such as links[2].to
    err_console.print(Text(label, style=style) + Text(message), highlight=False)


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn our exceptions into messages and exit codes."""
    try:
        code = app(args=argv, prog_name="coproduce", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err_console.print("Aborted.")
        sys.exit(EXIT_IMPOSSIBLE)
    except click.ClickException as exc:  # usage errors: unknown option, missing argument
        exc.show()
        sys.exit(EXIT_BAD_INPUT)
    except ModelError as exc:
        _say("error: ", "bold red", str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except BadInput as exc:
        _say("error: ", "bold red", str(exc))
        sys.exit(EXIT_BAD_INPUT)
    except AnalysisImpossible as exc:
        _say("no result: ", "bold yellow", str(exc))
        sys.exit(EXIT_IMPOSSIBLE)
    sys.exit(code if isinstance(code, int) else 0)
