"""Background runs in processes of their own (``COPRODUCE_RUN_PROCESSES=1``): the same
result, reports kept, and the work done outside the server process."""

from __future__ import annotations

import os
import time

from coproduce.web.runner import Worker

from .conftest import example_data, make_world

INPUTS = {"outcome": "independent_years", "amount": 40.0, "by": "full", "paths": 10}


def _finished(store, actor, run_id: int, seconds: float = 60.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        run = store.get_run(actor, run_id)
        if run.status in ("done", "failed", "cancelled"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def test_a_run_in_a_process_of_its_own_gives_what_a_thread_gives(sqlite_store):
    world = make_world(sqlite_store)
    a = world.actor("a", "analyst")
    _m, v = sqlite_store.create_model(a, "Older people", example_data())
    results = {}
    for processes in (False, True):
        worker = Worker(sqlite_store, threads=2, processes=processes)
        try:
            run = sqlite_store.create_run(a, "map", INPUTS, model_version_id=v.id)
            worker.submit(run.id, wait=60)
            done = _finished(sqlite_store, a, run.id)
            assert done.status == "done", done.error
            report = sqlite_store.run_file(a, run.id, "report.html")
            assert report is not None and b"<html" in report.body[:500].lower()
            results[processes] = done.result
            if processes:  # it ran in a child of this process, not in this one
                children = worker._processes._processes
                assert children and all(pid != os.getpid() for pid in children)
        finally:
            worker.shutdown(wait=True)
    assert results[True] == results[False]
