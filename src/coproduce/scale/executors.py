"""Where chunks of work run: in this process, in a local process pool, or on a Dask cluster.

An executor has one method, ``map(fn, shared, items)``: it calls ``fn(shared, item)`` for every
item and yields ``(item, result)`` pairs as they complete, in any order. ``shared`` (a prepared
simulation, a model) is sent to each worker once, not once per item. The engine knows only this
shape (:class:`coproduce.engine.simulate.ChunkRunner`); it never imports Dask.

Results do not depend on the executor: every item is computed by the same function from the
same inputs, and callers place results by item, never by arrival order.

Fault tolerance. On Dask, a task whose worker dies is rerun on another worker by the scheduler
(up to ``distributed.scheduler.allowed-failures`` times, 3 by default), and ``shared`` is held
as a task, not as scattered data, so it can be recomputed if the only worker holding it dies.
The process pool does the same by hand: if a worker process dies, the pool is rebuilt and the
unfinished items are submitted again (up to ``retries`` times). ``executor("processes")`` keeps
its pool for the life of the program (a command): workers start once, not once per ``map``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import BadInput

__all__ = ["DaskExecutor", "InProcess", "ProcessPool", "SchedulerError", "executor"]


class SchedulerError(BadInput, ValueError):
    """A scheduler that cannot be used (a bad address, Dask not installed, none answering)."""


class _Executor:
    """What every executor shares: ``with executor(...) as ex:`` closes it at the end."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcess(_Executor):
    """Every item in this process, in order. The reference the others must equal."""

    name = "local"
    workers = 1

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]
    ) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, fn(shared, item)


_SHARED: tuple[str, Any] | None = None  # in a worker: (token, the map call's shared input)


def _call(fn: Callable[[Any, Any], Any], token: str, path: str, item: Any) -> Any:
    """In a worker: ``fn(shared, item)``, reading ``shared`` from ``path`` the first time this
    worker sees the map call ``token`` (once per worker and call, not once per item)."""
    global _SHARED
    if _SHARED is None or _SHARED[0] != token:
        _SHARED = None  # let the previous call's input go first
        with open(path, "rb") as f:
            _SHARED = (token, pickle.load(f))
    return fn(_SHARED[1], item)


_KEPT: dict[int, ProcessPool] = {}


class ProcessPool(_Executor):
    """A pool of ``workers`` local processes (default: one per core), started on first use
    and kept for every later ``map`` until :meth:`close` — for a command, its whole life
    (:func:`executor` keeps one pool per size until the program exits). Each ``map``'s
    ``shared`` is pickled once, to a temporary file, and read once by each worker that runs
    one of its items. A dead worker breaks a Python process pool, so the pool is rebuilt and
    the unfinished items resubmitted, at most ``retries`` times."""

    name = "processes"

    def __init__(self, workers: int | None = None, retries: int = 3, *, keep: bool = False) -> None:
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise SchedulerError(f"a process pool needs at least 1 worker, got {workers}")
        self.retries = retries
        self._keep = keep  # kept for the program's life: close() leaves it running
        self._pool: ProcessPoolExecutor | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: a clean child, whatever threads this process runs (a web server,
            # BLAS); the default from Python 3.14 on
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx)
        return self._pool

    def _stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]
    ) -> Iterator[tuple[Any, Any]]:
        pending = list(range(len(items)))
        if not pending:
            return
        fd, path = tempfile.mkstemp(prefix="coproduce-shared-", suffix=".pickle")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(shared, f, protocol=pickle.HIGHEST_PROTOCOL)
        token = uuid.uuid4().hex
        attempts = 0
        futures: dict[Any, int] = {}
        try:
            while pending:
                pool = self._started()
                futures = {pool.submit(_call, fn, token, path, items[k]): k for k in pending}
                try:
                    while futures:
                        done, _ = wait(futures, return_when=FIRST_COMPLETED)
                        for f in done:
                            k = futures.pop(f)
                            result = f.result()
                            pending.remove(k)
                            yield items[k], result
                except BrokenProcessPool:
                    attempts += 1
                    self._stop()
                    if attempts > self.retries:
                        raise
        finally:
            for f in futures:  # the caller stopped early: drop what has not started
                f.cancel()
            if futures and self._pool is not None:
                wait(futures)  # none may still read the file below
            os.unlink(path)

    def close(self) -> None:
        if not self._keep:
            self._stop()


def _close_kept() -> None:
    for pool in _KEPT.values():
        pool._stop()
    _KEPT.clear()


def _identity(x: Any) -> Any:
    return x


class DaskExecutor(_Executor):
    """Items as tasks on a Dask distributed cluster, through ``client`` (a
    ``dask.distributed.Client``). ``close()`` closes the client only if this executor made
    it (from an address or scheduler file)."""

    name = "dask"

    def __init__(self, client: Any, *, owns_client: bool = False) -> None:
        self.client = client
        self._owns = owns_client

    @classmethod
    def connect(cls, address: str, timeout: float = 10) -> DaskExecutor:
        """A client for the scheduler at ``address`` (``tcp://HOST:8786``) or described by a
        scheduler file (a path ending ``.json``, as dask-jobqueue and ``dask scheduler
        --scheduler-file`` write)."""
        Client = _client_class()
        try:
            if address.endswith(".json"):
                if not os.path.exists(address):
                    raise SchedulerError(f"--scheduler {address}: no such scheduler file")
                client = Client(scheduler_file=address, timeout=timeout)
            else:
                client = Client(address, timeout=timeout)
        except SchedulerError:
            raise
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(
                f"--scheduler {address}: no Dask scheduler answered ({exc}); "
                "start one with `dask scheduler` and workers with `dask "
                "worker ADDRESS`"
            ) from None
        return cls(client, owns_client=True)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {})) or 1

    def map(
        self, fn: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]
    ) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import as_completed

        # a task, not scattered data: the scheduler can recompute it if its holders die. A
        # large map makes a large task, which Dask warns about; here that is the point.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sending large graph")
            held = self.client.submit(_identity, shared, pure=False)
        futures = [self.client.submit(fn, held, item, pure=False) for item in items]
        index = {f.key: k for k, f in enumerate(futures)}
        try:
            for f, result in as_completed(futures, with_results=True):
                yield items[index[f.key]], result
        finally:
            for f in futures:
                f.release()
            held.release()

    def close(self) -> None:
        if self._owns:
            self.client.close()


def _client_class() -> Any:
    try:
        from dask.distributed import Client
    except ImportError:
        raise SchedulerError(
            "a Dask scheduler needs dask.distributed: pip install 'coproduce[scale]'"
        ) from None
    return Client


def executor(spec: Any = None, workers: int | None = None) -> Any:
    """The executor for ``spec``: ``None`` or ``"local"`` (this process), ``"processes"`` (a
    local pool of ``workers`` processes, default one per core), ``"tcp://HOST:8786"`` or a
    scheduler file ``*.json`` (a Dask cluster), a ``dask.distributed.Client``, or an executor
    (returned as it is). Raises :class:`SchedulerError` for anything else."""
    if spec is None or spec == "local":
        return InProcess()
    if isinstance(spec, str):
        if spec == "processes":
            # one pool per size, kept for the program's life: a command that runs several
            # analyses (or a sweep that maps twice) starts its workers once
            n = int(workers or os.cpu_count() or 1)
            if n < 1:
                raise SchedulerError(f"a process pool needs at least 1 worker, got {workers}")
            if n not in _KEPT:
                if not _KEPT:
                    atexit.register(_close_kept)
                _KEPT[n] = ProcessPool(n, keep=True)
            return _KEPT[n]
        if "://" in spec or spec.endswith(".json"):
            return DaskExecutor.connect(spec)
        raise SchedulerError(
            f"--scheduler {spec}: use local, processes, tcp://HOST:8786 or a scheduler file (.json)"
        )
    if isinstance(spec, _Executor):
        return spec
    try:
        from dask.distributed import Client
    except ImportError:
        Client = None  # without Dask, nothing passed in can be a Client
    if Client is not None and isinstance(spec, Client):
        return DaskExecutor(spec)
    raise SchedulerError(
        f"cannot run work on a {type(spec).__name__}; give 'local', "
        "'processes', a scheduler address or a dask.distributed Client"
    )
