"""The ``coproduce`` command: one typer app; each command group registers itself here."""

from __future__ import annotations

import sys

import typer
import typer.main
from rich.text import Text

from ..errors import BadInput, NoAnswer
from .common import err_console

app = typer.Typer(
    name="coproduce",
    help="Decision support for public services co-produced with users and communities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from . import cba, model_commands, plan, portfolio, survey, sweep, uncertainty, web_commands

    for module in (model_commands, cba, survey, plan, portfolio, uncertainty, sweep, web_commands):
        module.register(app)


_register()


_METAVARS = {"int": "N", "float": "NUMBER", "str": "TEXT", "Path": "FILE"}


def _first_sentence(text: str) -> str:
    """A command's help as the list of commands shows it: its first sentence, on one line."""
    flat = " ".join(text.split("\n\n")[0].split())
    cut = flat.find(". ")
    return flat if cut < 0 else flat[: cut + 1]


def _metavar(param) -> str:
    """A placeholder for a parameter that has none: '' for a flag, NAME for an argument, N,
    NUMBER, TEXT or FILE for an option's value (never '<bool>' or '<list[str]>')."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""
    if param.param_type_name == "argument":
        return (param.name or "value").upper().replace("_", "-")
    bare = param.bare_type() if hasattr(param, "bare_type") else "str"
    inner = bare[5:-1] if bare.startswith("list[") else bare
    return _METAVARS.get(inner, "TEXT")


def tidy_help(cmd, top: bool = True) -> None:
    """Give every command a one-sentence summary for the list of commands and every parameter
    a readable placeholder (TEXT, N, FILE, MODEL; nothing for a flag), ``--help`` included."""
    for param in cmd.params:
        if param.metavar is None:
            param.metavar = _metavar(param)
        if param.param_type_name == "argument":
            # NAME (required) or [NAME] on the usage line, not {name}; no <str> beside it
            text = param.metavar + ("..." if param.nargs != 1 else "")
            param._usage_display_name = lambda text=text, req=param.required: (
                text if req else f"[{text}]"
            )
            param.display_type_rich = lambda ctx: None
    make_help = cmd.get_help_option

    def get_help_option(ctx, make_help=make_help):
        option = make_help(ctx)
        if option is not None:
            option.metavar = ""
        return option

    cmd.get_help_option = get_help_option
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        if sub.short_help is None and sub.help:
            sub.short_help = _first_sentence(sub.help)
        tidy_help(sub, top=False)
        del name


def command():
    """The ``coproduce`` command as click runs it, with its help tidied (:func:`tidy_help`)."""
    cmd = typer.main.get_command(app)
    tidy_help(cmd)
    return cmd


def _say(label: str, style: str, message: str) -> None:
    # Text, not markup: messages contain brackets such as links[2].to
    err_console.print(Text(label, style=style) + Text(message), highlight=False)


def run(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn our exceptions into messages and exit codes."""
    # Usage errors (unknown option, missing argument) are handled by typer itself: exit 2.
    # One error tree (coproduce.errors), mapped once: bad input exits 2, no answer exits 1.
    try:
        command()(args=argv, prog_name="coproduce")
    except BadInput as exc:
        _say("error: ", "bold red", str(exc))
        sys.exit(exc.exit_code)
    except NoAnswer as exc:
        _say("no result: ", "bold yellow", str(exc))
        sys.exit(exc.exit_code)
