"""Analyses as registered kinds, run in a background thread pool with progress and cancel.

Each analysis page is one router module that registers an :class:`Analysis`: how to compute
its result object (``to_dict()`` stored with the run) and how to write its reports. The worker
runs every analysis the same way, so adding an analysis adds no code here.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from ..model.errors import ModelError
from ..store import Store

log = logging.getLogger("coproduce.web")


class Cancelled(Exception):
    """The user asked the run to stop."""


@dataclass
class RunContext:
    """What a computation sees: its inputs, the model data of its version, and a progress hook."""

    run_id: int
    inputs: dict[str, Any]
    model_data: dict[str, Any] | None
    scenario: str
    seed: int | None
    _progress: Callable[[float, str], bool] = field(repr=False)
    model_version_id: int | None = None

    def progress(self, fraction: float, stage: str) -> None:
        """Report progress (0–1); raises :class:`Cancelled` if the user pressed cancel."""
        if not self._progress(fraction, stage):
            raise Cancelled()

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(s for s in self.scenario.split(",") if s)

    def model(self):
        """The run's model with its scenarios applied (cached: versions never change), and
        users' and communities' time valued on the basis the run asked for, if any."""
        from ..model.time_value import choose_time_value
        from .modelcache import loaded_with

        model = loaded_with(self.model_version_id, self.model_data, self.scenarios)
        name = self.inputs.get("time_value") or None
        per_hour = self.inputs.get("time_value_per_hour")
        if name is None and per_hour is None:
            return model
        return choose_time_value(model, name, None if per_hour is None else float(per_hour))


@dataclass(frozen=True)
class Report:
    """A downloadable report of a finished run: ``build(ctx, result) -> bytes``."""

    suffix: str
    media_type: str
    build: Callable[[RunContext, dict[str, Any]], bytes]


@dataclass(frozen=True)
class Analysis:
    kind: str
    title: str
    compute: Callable[[RunContext], dict[str, Any]]
    reports: tuple[Report, ...] = ()
    needs_model: bool = True
    # the page of a finished run: a template and a function giving its extra context
    template: str = "run.html"
    view: Callable[..., dict[str, Any]] | None = None


REGISTRY: dict[str, Analysis] = {}


def register(analysis: Analysis) -> Analysis:
    REGISTRY[analysis.kind] = analysis
    return analysis


class Worker:
    """A small thread pool running stored runs; progress and results go through the store."""

    def __init__(self, store: Store, threads: int = 2) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="coproduce-run")

    def context(self, run_id: int, *, quiet: bool = False) -> RunContext:
        """The context of a run; ``quiet`` skips progress writes (runs done in the request)."""
        run = self.store.run_for_worker(run_id)
        data = None
        if run.model_version_id is not None:
            from ..store.tables import ModelVersion

            with self.store.transaction() as s:
                data = s.get(ModelVersion, run.model_version_id).data
        report = (
            (lambda f, st: True) if quiet else (lambda f, st: self.store.progress(run_id, f, st))
        )
        return RunContext(
            run.id, dict(run.inputs), data, run.scenario, run.seed, report, run.model_version_id
        )

    def submit(self, run_id: int, *, wait: float = 0.0) -> Future:
        """Queue a run; wait up to ``wait`` seconds for it (quick analyses finish in that)."""
        fut = self.pool.submit(self._execute, run_id)
        if wait > 0:
            with contextlib.suppress(FutureTimeout):
                fut.result(timeout=wait)
        return fut

    def run_now(self, run_id: int) -> None:
        """Run a quick analysis in the calling thread (no queue, no progress writes)."""
        self._execute(run_id, quiet=True)

    def _execute(self, run_id: int, quiet: bool = False) -> None:
        run = self.store.run_for_worker(run_id)
        if run is None or run.status != "queued":
            return
        analysis = REGISTRY.get(run.kind)
        if analysis is None:
            self.store.finish_run(run_id, status="failed", error=f"unknown analysis {run.kind}")
            return
        try:
            ctx = self.context(run_id, quiet=quiet)
            ctx.progress(0.02, "starting")
            result = analysis.compute(ctx)
            self.store.finish_run(run_id, status="done", result=result)
        except Cancelled:
            self.store.finish_run(run_id, status="cancelled")
        except ModelError as exc:
            self.store.finish_run(run_id, status="failed", error=str(exc))
        except (KeyError, ValueError) as exc:
            self.store.finish_run(run_id, status="failed", error=f"cannot run: {exc}")
        except Exception as exc:  # a bug: keep the server up, say so on the run's page
            log.error("run %s failed:\n%s", run_id, traceback.format_exc())
            self.store.finish_run(
                run_id, status="failed", error=f"internal error ({type(exc).__name__}); see the log"
            )

    def shutdown(self, wait: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=True)
