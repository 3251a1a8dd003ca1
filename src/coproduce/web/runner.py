"""The worker: runs of the analyses declared in :mod:`coproduce.analyses`, in a background
thread pool, with progress and cancel; and each analysis's page in the workspace.

The worker runs every analysis the same way: it computes the live result, stores its
``to_dict()`` and builds the analysis's reports from the live result once, keeping them with
the run, so a download never recomputes. Adding an analysis adds no code here: a module in
``coproduce.analyses`` and, for its page, a :class:`Page` (template and view) registered by
its route module.
"""

from __future__ import annotations

import logging
import traceback
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..analyses import REGISTRY, Analysis, Cancelled, Job, Report, as_dict, register
from ..analyses import get as get_analysis
from ..errors import BadInput, NoAnswer
from ..store import Store

log = logging.getLogger("coproduce.web")
# the answers of the latest quick runs held in memory, for their reports if asked for
QUICK_ANSWERS_KEPT = 64

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


def _env_number(name: str, default: float) -> float:
    import os

    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


RUN_NICENESS = 10  # how far a run process gives way to the pages (Linux nice)


def run_processes() -> bool:
    """Whether background runs go in processes of their own (``COPRODUCE_RUN_PROCESSES=1``;
    off by default: analyses registered at run time, as tests do, exist in this process
    only)."""
    import os

    return os.environ.get("COPRODUCE_RUN_PROCESSES", "").strip().lower() in ("1", "true", "yes")


_RUN_PROCESS: dict[str, Worker] = {}


def _start_run_process(url: str, lease: float) -> None:
    """In a new run process: give way to the pages, end with the server process that started
    it (a killed server's runs go back to the queue when their leases end, as for threads),
    and open the store."""
    import contextlib
    import os

    from ..store.db import make_engine

    with contextlib.suppress(AttributeError, OSError):  # not permitted, or not POSIX
        os.nice(RUN_NICENESS)
    _die_with_parent()
    _RUN_PROCESS["worker"] = Worker(
        Store(make_engine(url)), threads=1, lease_seconds=lease, processes=False
    )


def _die_with_parent() -> None:
    """Ask Linux to end this process when the process that started it ends
    (``PR_SET_PDEATHSIG``); elsewhere nothing is done."""
    import ctypes
    import ctypes.util
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


def _execute_in_process(owner: str, run_id: int) -> None:
    """Run ``run_id``, taken by the server's worker ``owner``, in this run process."""
    worker = _RUN_PROCESS["worker"]
    worker.owner = owner
    worker._execute(run_id)


class Worker:
    """Runs stored runs in a small thread pool, taking them from the store's queue.

    Each worker process has a name and leases the runs it takes; a dispatcher thread takes
    queued runs fairly while a thread is free, renews the leases of its runs (a heartbeat)
    and puts back in the queue the runs of workers that stopped. One thread is kept for
    other users' runs: a user never has more than ``threads - 1`` runs going in one process
    (when there are two threads or more), so one analyst's long runs never hold up another's
    small one. Progress and results go through the store.
    """

    def __init__(
        self,
        store: Store,
        threads: int = 2,
        *,
        lease_seconds: float | None = None,
        poll_seconds: float = 1.0,
        processes: bool | None = None,
    ) -> None:
        import os
        import socket
        import threading
        import uuid

        self.store = store
        self.threads = max(1, int(threads))
        self.per_user = max(1, self.threads - 1)
        self.lease = lease_seconds or _env_number("COPRODUCE_LEASE_SECONDS", 30.0)
        self.poll = poll_seconds
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="coproduce-run")
        self._lock = threading.Lock()
        self._going: dict[int, int | None] = {}  # run id: its user, for runs in this pool
        self._done: dict[int, threading.Event] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._dispatcher: threading.Thread | None = None
        self._answers: OrderedDict[int, tuple[Any, Job]] = OrderedDict()
        # background runs in processes of their own (COPRODUCE_RUN_PROCESSES=1): see
        # _execute_in_process; made on the first such run
        self.processes = run_processes() if processes is None else processes
        self._processes: Any = None

    def start(self) -> None:
        """Start taking runs from the queue (the app does at start-up, after the runs of a
        previous server have been put back; the first :meth:`submit` does otherwise)."""
        import threading

        with self._lock:
            if self._dispatcher is not None or self._stop.is_set():
                return
            self._dispatcher = threading.Thread(
                target=self._dispatch, name="coproduce-dispatch", daemon=True
            )
            self._dispatcher.start()

    def context(
        self, run_id: int, *, quiet: bool = False, run: Any = None, data: Any = None
    ) -> Job:
        """The job of a run; ``quiet`` skips progress writes (runs done in the request);
        ``run``: the run's row and ``data`` its model version's data, when the caller has
        them already."""
        from .modelcache import loaded_with

        if run is None or run.id != run_id:
            run = self.store.run_for_worker(run_id)
        if data is None and run.model_version_id is not None:
            from ..store.tables import ModelVersion

            with self.store.transaction() as s:
                data = s.get(ModelVersion, run.model_version_id).data
        owner = self.owner
        report = (
            (lambda f, st: True)
            if quiet
            else (lambda f, st: self.store.progress(run_id, f, st, owner=owner))
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

    def submit(self, run_id: int, *, wait: float = 0.0) -> None:
        """Tell the dispatcher a run is queued; wait up to ``wait`` seconds for it to finish
        (quick analyses finish in that)."""
        import time

        self.start()
        self._wake.set()
        deadline = time.monotonic() + wait
        while wait > 0 and time.monotonic() < deadline:
            with self._lock:
                event = self._done.get(run_id)
            if event is not None:
                event.wait(max(0.0, deadline - time.monotonic()))
                return
            run = self.store.run_for_worker(run_id)
            if run is None or run.status in ("done", "failed", "cancelled"):
                return
            time.sleep(0.02)

    def quick(
        self,
        actor: Any,
        kind: str,
        inputs: dict[str, Any],
        version: Any,
        *,
        scenario: str = "",
        seed: int | None = None,
    ) -> Any:
        """Store a quick analysis (mapping, evaluation) of model ``version`` already taken by
        this worker and run it in the calling thread: one transaction to store it, one to
        keep its result (a queued run would take a claim and two reads more). Returns the
        run as stored before it ran (read it again for its result)."""
        run = self.store.create_run(
            actor,
            kind,
            inputs,
            model_version_id=version.id,
            scenario=scenario,
            seed=seed,
            running_for=(self.owner, self.lease),
        )
        self._execute(run.id, quiet=True, run=run, data=version.data)
        return run

    # -- the dispatcher ----------------------------------------------------------------------
    def _dispatch(self) -> None:
        import time

        last_beat = 0.0
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if now - last_beat >= self.lease / 3:
                    with self._lock:
                        going = list(self._going)
                    self.store.renew_leases(self.owner, going, self.lease)
                    self.store.requeue_expired()
                    last_beat = now
                self._take_runs()
            except Exception:  # the database went away for a moment: try again shortly
                log.warning("run dispatcher: %s", traceback.format_exc(limit=3))
            self._wake.wait(self.poll)
            self._wake.clear()

    def _take_runs(self) -> None:
        import threading

        while not self._stop.is_set():
            with self._lock:
                if len(self._going) >= self.threads:
                    return
                counts: dict[int | None, int] = {}
                for user in self._going.values():
                    counts[user] = counts.get(user, 0) + 1
                full = {u for u, n in counts.items() if n >= self.per_user}
            run_id = self.store.claim_run(self.owner, self.lease, skip_users=full)
            if run_id is None:
                return
            run = self.store.run_for_worker(run_id)
            with self._lock:
                self._going[run_id] = run.created_by if run else None
                self._done[run_id] = threading.Event()
            self.pool.submit(self._run_taken, run_id)

    def _run_taken(self, run_id: int) -> None:
        try:
            if self.processes:
                self._execute_elsewhere(run_id)
            else:
                self._execute(run_id)
        finally:
            with self._lock:
                self._going.pop(run_id, None)
                event = self._done.pop(run_id, None)
            if event is not None:
                event.set()
            self._wake.set()  # a thread is free: take the next run

    def _execute(self, run_id: int, quiet: bool = False, run: Any = None, data: Any = None) -> None:
        """Run a run this worker has taken; ``run`` (its row as just stored by this worker)
        and ``data`` (its model version's) spare reading them again."""
        if run is None:
            run = self.store.run_for_worker(run_id)
        if run is None or run.status != "running" or run.lease_owner != self.owner:
            return
        owner = self.owner
        analysis = analysis_of(run.kind)
        if analysis is None:
            self.store.finish_run(
                run_id, status="failed", error=f"unknown analysis {run.kind}", owner=owner
            )
            return
        try:
            job = self.context(run_id, quiet=quiet, run=run, data=data)
            job.progress(0.02, "starting")
            live = analysis.run(job)
            result = as_dict(live)
            if quiet:
                # a quick run's reports cost more than the run: written when first asked for
                if self.store.finish_run(run_id, status="done", result=result, owner=owner):
                    self._remember(run_id, live, job)
            else:
                job.progress(0.98, "writing the reports")
                files = build_files(analysis, live, job)
                self.store.finish_run(
                    run_id, status="done", result=result, files=files, owner=owner
                )
        except Cancelled:
            self.store.finish_run(run_id, status="cancelled", owner=owner)
        except (BadInput, NoAnswer) as exc:
            self.store.finish_run(run_id, status="failed", error=str(exc), owner=owner)
        except (KeyError, ValueError) as exc:
            self.store.finish_run(run_id, status="failed", error=f"cannot run: {exc}", owner=owner)
        except Exception as exc:  # a bug: keep the server up, say so on the run's page
            log.error("run %s failed:\n%s", run_id, traceback.format_exc())
            self.store.finish_run(
                run_id,
                status="failed",
                error=f"internal error ({type(exc).__name__}); see the log",
                owner=owner,
            )

    def _remember(self, run_id: int, live: Any, job: Job) -> None:
        with self._lock:
            self._answers[run_id] = (live, job)
            self._answers.move_to_end(run_id)
            while len(self._answers) > QUICK_ANSWERS_KEPT:
                self._answers.popitem(last=False)

    def write_files(self, run_id: int) -> None:
        """Write and keep the reports of a finished quick run (mapping, evaluation), which
        are written when first asked for: from its answer if this process still holds it,
        else by running it again from its stored inputs and model version (deterministic,
        milliseconds: the same figures)."""
        run = self.store.run_for_worker(run_id)
        analysis = analysis_of(run.kind) if run is not None else None
        if analysis is None or run.status != "done":
            return
        with self._lock:
            held = self._answers.pop(run_id, None)
        if held is None:
            job = self.context(run_id, quiet=True)
            held = (analysis.run(job), job)
        live, job = held
        self.store.add_run_files(run_id, build_files(analysis, live, job))

    def _execute_elsewhere(self, run_id: int) -> None:
        """Run a taken run in one of this worker's run processes (as many as its threads),
        started with ``spawn`` from this process at a lower priority: the run's CPU and GIL
        are its own, so the pages this process answers do not wait behind it. This thread
        waits for it, so the run's lease is renewed as for a run in a thread."""
        with self._lock:
            if self._processes is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                url = self.store.engine.url.render_as_string(hide_password=False)
                self._processes = ProcessPoolExecutor(
                    max_workers=self.threads,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_run_process,
                    initargs=(url, self.lease),
                )
            processes = self._processes
        from concurrent.futures.process import BrokenProcessPool

        try:
            processes.submit(_execute_in_process, self.owner, run_id).result()
        except BrokenProcessPool:  # a run process died: its run's lease lapses and it is
            log.error("run %s: its process died; it goes back to the queue", run_id)
            with self._lock:  # retried; the next run starts a new pool
                if self._processes is processes:
                    self._processes = None

    def shutdown(self, wait: bool = False) -> None:
        self._stop.set()
        self._wake.set()
        if self._processes is not None:
            self._processes.shutdown(wait=wait, cancel_futures=True)
        self.pool.shutdown(wait=wait, cancel_futures=True)
        if wait and self._dispatcher is not None:
            self._dispatcher.join(timeout=5)
