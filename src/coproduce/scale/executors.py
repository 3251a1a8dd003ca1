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
its pool for the life of the program (a command): workers start once, not once per ``map``, and
in the background as soon as the pool is made (while the command reads its model). A ``map`` of
one item runs it in this process (there is nothing to share out), and a worker's large result
comes back through a file in memory rather than the pool's pipe (:class:`_Parcel`).
"""

from __future__ import annotations

import atexit
import contextlib
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
    worker sees the map call ``token`` (once per worker and call, not once per item). The
    result comes back as a :class:`_Parcel` (a large one's arrays by file)."""
    global _SHARED
    if _SHARED is None or _SHARED[0] != token:
        _SHARED = None  # let the previous call's input go first
        with open(path, "rb") as f:
            _SHARED = (token, pickle.load(f))
    return _Parcel.wrap(fn(_SHARED[1], item))


_PARCEL_BYTES = 1 << 20  # results with more array data than this travel by file


class _Parcel:
    """A result whose arrays travel by a file in memory (``/dev/shm``) rather than through the
    pool's pipe: the worker writes their bytes once (pickle protocol 5, buffers out of band),
    this process maps the file and reads them in place — one copy of the numbers instead of
    pickling, the pipe both ways and unpickling (a chunk of draws is tens of MiB). A small
    result travels whole through the pipe, already pickled (``inline``: its buffers' bytes), so
    it is never pickled twice."""

    def __init__(
        self, path: str, head: bytes, sizes: list[int], inline: list[bytes] | None = None
    ) -> None:
        self.path, self.head, self.sizes, self.inline = path, head, sizes, inline

    @classmethod
    def wrap(cls, result: Any) -> Any:
        buffers: list[pickle.PickleBuffer] = []
        head = pickle.dumps(result, protocol=5, buffer_callback=buffers.append)
        sizes = [memoryview(b).nbytes for b in buffers]
        if sum(sizes) < _PARCEL_BYTES:
            return cls("", head, sizes, inline=[bytes(b.raw()) for b in buffers])
        try:
            room = os.statvfs("/dev/shm")
            where = "/dev/shm" if room.f_bavail * room.f_frsize > 2 * sum(sizes) else None
        except OSError:  # no /dev/shm: the temporary directory
            where = None
        try:
            fd, path = tempfile.mkstemp(prefix="coproduce-result-", dir=where)
            with os.fdopen(fd, "wb") as f:
                for b in buffers:
                    f.write(b.raw())
        except OSError:  # no room: through the pipe after all
            with contextlib.suppress(UnboundLocalError, OSError):
                os.unlink(path)
            return cls("", head, sizes, inline=[bytes(b.raw()) for b in buffers])
        return cls(path, head, sizes)

    def open(self) -> Any:
        import mmap

        if self.inline is not None:
            return pickle.loads(self.head, buffers=self.inline)

        try:
            with open(self.path, "rb") as f:
                # private and copy-on-write: the arrays are writable, as unpickled ones are
                data: Any = (
                    mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if sum(self.sizes) else b""
                )
        finally:
            os.unlink(self.path)
        view, at, parts = memoryview(data), 0, []
        for n in self.sizes:
            parts.append(view[at : at + n])
            at += n
        return pickle.loads(self.head, buffers=parts)


_KEPT: dict[int, ProcessPool] = {}
_PRELOAD = ("numpy", "coproduce.engine.simulate", "coproduce.scale.montecarlo")


def _warm() -> None:
    """In a worker: import what the work needs before any of it arrives."""
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)


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
            # BLAS); the default from Python 3.14 on. The server imports the engine once, so
            # every worker forked from it starts with it loaded.
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(_PRELOAD))
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx)
        return self._pool

    def warm(self) -> ProcessPool:
        """Start the workers now, in the background (each imports the engine), so that they
        are ready when the first ``map`` comes: a command warms its pool while it reads and
        prepares its model, on the cores this process leaves free."""
        pool = self._started()
        for _ in range(self.workers):
            pool.submit(_warm)
        return self

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
        if len(pending) == 1:  # nothing to share out: sending it away can only be slower
            yield items[0], fn(shared, items[0])
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
                            if isinstance(result, _Parcel):
                                result = result.open()
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
            for f in futures:  # results never read: their files go too
                if f.done() and not f.cancelled() and f.exception() is None:
                    parcel = f.result()
                    if isinstance(parcel, _Parcel) and parcel.inline is None:
                        with contextlib.suppress(OSError):
                            os.unlink(parcel.path)
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
                _KEPT[n] = ProcessPool(n, keep=True).warm()
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
