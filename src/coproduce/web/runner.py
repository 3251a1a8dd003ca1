"""The worker: runs of the analyses declared in :mod:`coproduce.analyses`, in a background
thread pool, with progress and cancel; and each analysis's page in the workspace.

The worker runs every analysis the same way: it computes the live result, stores its
``to_dict()`` and builds the analysis's reports from the live result once, keeping them with
the run, so a download never recomputes. Adding an analysis adds no code here: a module in
``coproduce.analyses`` and, for its page, a :class:`Page` (template and view) registered by
its route module.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from ..analyses import REGISTRY, Analysis, Cancelled, Job, Report, as_dict, register
from ..analyses import get as get_analysis
from ..errors import BadInput, NoAnswer
from ..store import Store

log = logging.getLogger("coproduce.web")

# the names route modules and tests use
RunContext = Job
__all__ = [
    "PAGES",
    "REGISTRY",
    "Analysis",
    "Cancelled",
    "Page",
    "Report",
    "RunContext",
    "Worker",
    "analysis_of",
    "register",
    "register_page",
]


@dataclass(frozen=True)
class Page:
    """How the workspace shows a finished run: a template and a function giving its extra
    context, ``view(request, run, result, version) -> dict``."""

    template: str = "run.html"
    view: Callable[..., dict[str, Any]] | None = None


PAGES: dict[str, Page] = {}


def register_page(kind: str, template: str, view: Callable[..., dict[str, Any]] | None) -> None:
    PAGES[kind] = Page(template, view)


def analysis_of(kind: str) -> Analysis | None:
    """The analysis runs of ``kind`` belong to (None for a kind no longer known)."""
    try:
        return get_analysis(kind)
    except BadInput:
        return None


def build_files(analysis: Analysis, live: Any, job: Job) -> dict[str, tuple[str, bytes, str]]:
    """Every report of a run, built once: ``{"report.html": (media type, body, error)}``.
    A report that cannot be written is kept as its error, not as a failed run."""
    files = {}
    for rep in analysis.reports:
        try:
            files[f"report.{rep.suffix}"] = (rep.media_type, rep.build(live, job), "")
        except Exception as exc:  # a bug in a report: the run's result still stands
            log.error(
                "report %s of run %s failed:\n%s", rep.suffix, job.run_id, traceback.format_exc()
            )
            files[f"report.{rep.suffix}"] = (rep.media_type, b"", f"{type(exc).__name__}")
    return files


class Worker:
    """A small thread pool running stored runs; progress and results go through the store."""

    def __init__(self, store: Store, threads: int = 2) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="coproduce-run")

    def context(self, run_id: int, *, quiet: bool = False) -> Job:
        """The job of a run; ``quiet`` skips progress writes (runs done in the request)."""
        from .modelcache import loaded_with

        run = self.store.run_for_worker(run_id)
        data = None
        if run.model_version_id is not None:
            from ..store.tables import ModelVersion

            with self.store.transaction() as s:
                data = s.get(ModelVersion, run.model_version_id).data
        report = (
            (lambda f, st: True) if quiet else (lambda f, st: self.store.progress(run_id, f, st))
        )
        scenarios = tuple(x for x in run.scenario.split(",") if x)
        return Job(
            run.id,
            dict(run.inputs),
            data,
            run.scenario,
            run.seed,
            report,
            run.model_version_id,
            load=lambda: loaded_with(run.model_version_id, data or {}, scenarios),
        )

    def submit(self, run_id: int, *, wait: float = 0.0) -> Future:
        """Queue a run; wait up to ``wait`` seconds for it (quick analyses finish in that)."""
        fut = self.pool.submit(self._execute, run_id)
        if wait > 0:
            with contextlib.suppress(FutureTimeout):
                fut.result(timeout=wait)
        return fut

    def run_now(self, run_id: int) -> None:
        """Run a quick analysis in the calling thread (no queue, no progress writes); its
        reports are written in the background, after its result is stored."""
        self._execute(run_id, quiet=True)

    def _execute(self, run_id: int, quiet: bool = False) -> None:
        run = self.store.run_for_worker(run_id)
        if run is None or run.status != "queued":
            return
        analysis = analysis_of(run.kind)
        if analysis is None:
            self.store.finish_run(run_id, status="failed", error=f"unknown analysis {run.kind}")
            return
        try:
            job = self.context(run_id, quiet=quiet)
            job.progress(0.02, "starting")
            live = analysis.run(job)
            result = as_dict(live)
            if quiet:
                self.store.finish_run(run_id, status="done", result=result, files_to_come=True)
                self.pool.submit(self._write_files, analysis, live, job)
            else:
                job.progress(0.98, "writing the reports")
                files = build_files(analysis, live, job)
                self.store.finish_run(run_id, status="done", result=result, files=files)
        except Cancelled:
            self.store.finish_run(run_id, status="cancelled")
        except (BadInput, NoAnswer) as exc:
            self.store.finish_run(run_id, status="failed", error=str(exc))
        except (KeyError, ValueError) as exc:
            self.store.finish_run(run_id, status="failed", error=f"cannot run: {exc}")
        except Exception as exc:  # a bug: keep the server up, say so on the run's page
            log.error("run %s failed:\n%s", run_id, traceback.format_exc())
            self.store.finish_run(
                run_id, status="failed", error=f"internal error ({type(exc).__name__}); see the log"
            )

    def _write_files(self, analysis: Analysis, live: Any, job: Job) -> None:
        try:
            self.store.add_run_files(job.run_id, build_files(analysis, live, job))
        except Exception:  # the store went away (shutdown): the run's result stands
            log.error("files of run %s not kept:\n%s", job.run_id, traceback.format_exc())

    def shutdown(self, wait: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=True)
