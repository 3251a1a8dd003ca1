"""The analysis contract: each analysis is declared once, here in the library, and every
adapter is built from the declaration.

An :class:`Analysis` says what a run of it needs and gives back:

- ``check(model, inputs)`` refuses inputs that cannot be run on a model, naming each field
  (:class:`coproduce.errors.BadInput`); the forms and the JSON API call it (through
  ``validate``) before anything is stored;
- ``run(job)`` computes the live result object (it has ``to_dict()``, the stored result and
  what ``--json`` prints), reporting progress through the :class:`Job`;
- ``tables`` turn the stored result into the data frames behind every table and chart (the
  CSV and spreadsheet downloads, and what a sweep or a script reads);
- ``reports`` are built from the live result once, by whoever ran it (the web's worker stores
  them with the run, so a download never recomputes);
- ``input_words`` and ``summary`` say the inputs and the answer in words.

Adapters (the command line, the web's forms, pages and API, the downloads) look analyses up
by name in :mod:`coproduce.analyses.registry`; adding an analysis is one module in
``coproduce.analyses`` plus its page template. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..model import Model

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html"


class Cancelled(Exception):
    """The user asked the run to stop."""


def _always(_fraction: float, _stage: str) -> bool:
    return True


@dataclass
class Job:
    """What a run of an analysis sees: its inputs, its model (loaded on first use), its seed
    and scenarios, and a progress hook.

    ``load`` gives the run's model with its scenarios applied (the web passes its cache of
    stored versions); without it the model is loaded from ``model_data``.
    """

    run_id: int | None
    inputs: dict[str, Any]
    model_data: dict[str, Any] | None = None
    scenario: str = ""
    seed: int | None = None
    _progress: Callable[[float, str], bool] = field(default=_always, repr=False)
    model_version_id: int | None = None
    load: Callable[[], Model] | None = field(default=None, repr=False)

    def progress(self, fraction: float, stage: str) -> None:
        """Report progress (0–1) and what is being done; raises :class:`Cancelled` when the
        user has asked the run to stop."""
        if not self._progress(fraction, stage):
            raise Cancelled()

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(s for s in self.scenario.split(",") if s)

    def base_model(self) -> Model:
        """The run's model with its scenarios applied, valued as the model file says."""
        if self.load is not None:
            return self.load()
        from ..model import load_model

        return load_model(self.model_data or {}, scenarios=self.scenarios)

    def model(self) -> Model:
        """The run's model, with users' and communities' time valued on the basis the run
        asked for (inputs ``time_value`` / ``time_value_per_hour``), if any."""
        from ..model.time_value import choose_time_value

        model = self.base_model()
        name = self.inputs.get("time_value") or None
        per_hour = self.inputs.get("time_value_per_hour")
        if name is None and per_hour is None:
            return model
        return choose_time_value(model, name, None if per_hour is None else float(per_hour))


@dataclass(frozen=True)
class Report:
    """A report of a finished run: ``build(live_result, job) -> bytes``, built once."""

    suffix: str
    media_type: str
    build: Callable[[Any, Job], bytes]


@dataclass(frozen=True)
class Answer:
    """A live result with the model it was computed on (what reports need beside it)."""

    model: Any
    result: Any

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()


Frame = Callable[[dict[str, Any]], "pd.DataFrame"]
Words = Callable[[dict[str, Any], Any], list[str]]


@dataclass(frozen=True)
class Analysis:
    """One analysis, declared once (see the module's docstring)."""

    name: str
    title: str
    run: Callable[[Job], Any]
    tables: Mapping[str, Frame] = field(default_factory=dict)
    reports: tuple[Report, ...] = ()
    check: Callable[[Any, dict[str, Any]], None] | None = None
    input_words: Words | None = None
    summary: Words | None = None
    needs_model: bool = True
    # a run that takes milliseconds is done in the request that asks for it, not queued
    quick: bool = False

    @property
    def kind(self) -> str:
        """The name runs of this analysis are stored under."""
        return self.name

    def validate(self, inputs: dict[str, Any], model: Any = None) -> dict[str, Any]:
        """``inputs`` checked against ``model`` (types, ranges, names); returns the inputs to
        store. Raises :class:`BadInput` naming each field."""
        if self.check is not None:
            self.check(model, inputs)
        return inputs

    def compute(self, job: Job) -> dict[str, Any]:
        """Run and return the stored result (``to_dict()`` of the live result)."""
        return as_dict(self.run(job))


def file_bytes(suffix: str, write: Callable[[Path], Any]) -> bytes:
    """What ``write(path)`` writes to a file named ``*.suffix``, as bytes: for the report
    writers of the command line (``--out FILE``), which write files."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"report.{suffix}"
        write(path)
        return path.read_bytes()


def as_dict(live: Any) -> dict[str, Any]:
    """The stored form of a live result."""
    return live.to_dict() if hasattr(live, "to_dict") else dict(live)


REGISTRY: dict[str, Analysis] = {}


def register(analysis: Analysis) -> Analysis:
    """Add an analysis to the registry (its name is how runs of it are stored)."""
    REGISTRY[analysis.name] = analysis
    return analysis
