"""Loading a model from a file, a bundled example or a mapping."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources as _pkg
from pathlib import Path
from typing import Any

from .errors import Issue, ModelError, did_you_mean, place_issue
from .files import MAX_NAME_CHARS, format_of, parse_text, read_text_file
from .scenarios import apply_scenarios
from .schema import Model
from .time_value import choose_time_value
from .validate import validate_data

EXAMPLE_PREFIX = "example:"


def example_names(suffix: str = ".yaml") -> list[str]:
    """Names of the bundled examples (``example:NAME``): models, or with ``suffix=".csv"``
    the areas files for sweeps."""
    folder = _pkg.files("coproduce") / "examples"
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))


def example_path(name: str, suffix: str = ".yaml") -> Path:
    """The bundled example file ``NAME + suffix``; :class:`ModelError` if there is none."""
    names = example_names(suffix)
    if name not in names:
        raise ModelError(
            [
                Issue(
                    "",
                    f"unknown example '{name}'{did_you_mean(name, names)}; "
                    f"examples: {', '.join(names) or 'none'}",
                )
            ]
        )
    return Path(str(_pkg.files("coproduce") / "examples" / f"{name}{suffix}"))


def resolve(source: str | Path) -> Path:
    """A path for a file name or an ``example:NAME``."""
    text = str(source)
    if text.startswith(EXAMPLE_PREFIX):
        return example_path(text[len(EXAMPLE_PREFIX) :])
    return Path(text)


def load_model(
    source: str | Path | dict[str, Any],
    *,
    scenarios: Sequence[str] = (),
    time_value: str | None = None,
    time_value_per_hour: float | None = None,
) -> Model:
    """Load, validate and return a model; raises :class:`ModelError` naming every problem.

    ``source`` is a path to a ``.yaml``/``.yml``/``.json``/``.xlsx`` file, ``"example:NAME"``
    for a bundled example, or an already-parsed mapping. ``scenarios`` are applied in order,
    then the valuation of users' and communities' time (``time_value``: a basis named in the
    model, ``zero`` or ``as_stated``; ``time_value_per_hour``: a bare value; neither: the
    file's own ``time_value``, if any — see :mod:`coproduce.model.time_value`).
    """
    model = _load(source, scenarios)
    return choose_time_value(model, time_value, time_value_per_hour)


def _load(source: str | Path | dict[str, Any], scenarios: Sequence[str]) -> Model:
    if isinstance(source, dict):
        model = validate_data(source)
        return apply_scenarios(model, scenarios)
    path = resolve(source)
    shown = str(source) if not str(source).startswith(EXAMPLE_PREFIX) else str(path.name)
    fmt = format_of(path)
    if fmt == "xlsx":
        from .xlsx import read_model_xlsx

        if len(path.name) > MAX_NAME_CHARS:
            raise ModelError(
                [
                    Issue(
                        "",
                        f"the file name is {len(path.name):,} characters long; "
                        f"rename the file (at most {MAX_NAME_CHARS})",
                        file=path.name[:60] + "…",
                    )
                ]
            )
        try:
            found = path.is_file()
        except OSError:
            found = False
        if not found:
            raise ModelError([Issue("", f"file not found: {path}", file=shown)])
        data, places = read_model_xlsx(path)
        try:
            model = validate_data(data, file=shown)
        except ModelError as exc:
            # the same kind of error (too large stays too large), each issue at its row
            raise type(exc)([place_issue(i, places, i.file) for i in exc.issues]) from None
    else:
        text = read_text_file(path)
        data = parse_text(text, fmt=fmt, file=shown)
        # parse_text has checked the data's depth, size and numbers: not again
        model = validate_data(data, file=shown, text=text, fmt=fmt, bounded=True)
    return apply_scenarios(model, scenarios)
