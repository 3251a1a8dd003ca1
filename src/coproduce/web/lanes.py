"""Two lanes for answering requests, so that a list never waits behind a queue of maps.

Pages that compute or draw — a strategy map, a run and its result, a report, an analysis
started from a form, an edit validated — are answered in the **heavy lane**: a few threads a
process of their own (``COPRODUCE_HEAVY_THREADS``, default 2). Everything else — lists,
forms, sign-in and the caller checks every request makes — is answered in the default lane
(:func:`coproduce.web.app.request_threads` threads). Under load the heavy lane queues and the
default lane stays free, so a light page is answered in about its own time (measured with 50
users: see docs/web.md, "Under load"), and nothing heavy ever runs on the event
loop.

    @router.get("/models/{model_id}")
    @heavy
    def model_page(...): ...

    async def plan_run(request, ...):      # an async route that reads its form first
        form = await request.form()
        return await in_heavy_lane(_plan_run, request, form, ...)
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

HEAVY_THREADS = 2  # measured with 50 users: 2 threads gave the most pages a second
UPLOAD_THREADS = 2  # parsing uploads: a large file never holds up the threads of pages
# per event loop (a limiter belongs to one), per lane: its limiter
_LIMITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def heavy_threads() -> int:
    """Threads of the heavy lane a process (``COPRODUCE_HEAVY_THREADS``, default 2)."""
    try:
        return max(1, int(os.environ.get("COPRODUCE_HEAVY_THREADS", "") or HEAVY_THREADS))
    except ValueError:
        return HEAVY_THREADS


def lane(name: str, threads: int) -> Any:
    """The limiter of lane ``name`` (``threads`` at a time) on the running event loop: the
    heavy lane here, the uploads' lane of :func:`coproduce.web.security.off_loop`."""
    import asyncio

    import anyio

    lanes = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    if name not in lanes:
        lanes[name] = anyio.CapacityLimiter(threads)
    return lanes[name]


async def in_heavy_lane(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a thread of the heavy lane."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(
        functools.partial(fn, *args, **kwargs), limiter=lane("heavy", heavy_threads())
    )


def heavy(endpoint: Callable[..., T]) -> Callable[..., Any]:
    """A plain (``def``) route answered in the heavy lane. FastAPI reads the route's
    parameters through ``functools.wraps``; its dependencies still run in the default lane."""

    @functools.wraps(endpoint)
    async def answered_in_heavy_lane(*args: Any, **kwargs: Any) -> T:
        return await in_heavy_lane(endpoint, *args, **kwargs)

    return answered_in_heavy_lane
