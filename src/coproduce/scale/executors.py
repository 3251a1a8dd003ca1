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
unfinished items are submitted again (up to ``retries`` times).
"""

from __future__ import annotations

import multiprocessing
import os
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

    def map(self, fn: Callable[[Any, Any], Any], shared: Any,
            items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, fn(shared, item)


_SHARED: Any = None


def _install(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


class ProcessPool(_Executor):
    """A pool of ``workers`` local processes (default: one per core). ``shared`` is pickled
    once per worker when the pool starts. A dead worker breaks a Python process pool, so the
    pool is rebuilt and the unfinished items resubmitted, at most ``retries`` times."""

    name = "processes"

    def __init__(self, workers: int | None = None, retries: int = 3) -> None:
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise SchedulerError(f"a process pool needs at least 1 worker, got {workers}")
        self.retries = retries

    def map(self, fn: Callable[[Any, Any], Any], shared: Any,
            items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
        pending = list(range(len(items)))
        attempts = 0
        while pending:
            # forkserver: a clean child, whatever threads this process runs (a web server,
            # BLAS); the default from Python 3.14 on
            ctx = multiprocessing.get_context("forkserver")
            pool = ProcessPoolExecutor(min(self.workers, len(pending)), mp_context=ctx,
                                       initializer=_install, initargs=(shared,))
            futures = {pool.submit(_call, fn, items[k]): k for k in pending}
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
                if attempts > self.retries:
                    raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)


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
            raise SchedulerError(f"--scheduler {address}: no Dask scheduler answered ({exc}); "
                                 "start one with `dask scheduler` and workers with `dask "
                                 "worker ADDRESS`") from None
        return cls(client, owns_client=True)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {})) or 1

    def map(self, fn: Callable[[Any, Any], Any], shared: Any,
            items: Sequence[Any]) -> Iterator[tuple[Any, Any]]:
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
        raise SchedulerError("a Dask scheduler needs dask.distributed: pip install "
                             "'coproduce[scale]'") from None
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
            return ProcessPool(workers)
        if "://" in spec or spec.endswith(".json"):
            return DaskExecutor.connect(spec)
        raise SchedulerError(f"--scheduler {spec}: use local, processes, tcp://HOST:8786 or a "
                             "scheduler file (.json)")
    if isinstance(spec, _Executor):
        return spec
    try:
        from dask.distributed import Client
    except ImportError:
        Client = None  # without Dask, nothing passed in can be a Client
    if Client is not None and isinstance(spec, Client):
        return DaskExecutor(spec)
    raise SchedulerError(f"cannot run work on a {type(spec).__name__}; give 'local', "
                         "'processes', a scheduler address or a dask.distributed Client")
