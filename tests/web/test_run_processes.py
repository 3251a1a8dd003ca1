"""Background runs in processes of their own (``COPRODUCE_RUN_PROCESSES=1``): the same
result, reports kept, and the work done outside the server process."""

from __future__ import annotations

import os

from coproduce.web.runner import RUN_NICENESS, Worker

from .conftest import example_data, make_world, wait_for_run

INPUTS = {"outcome": "independent_years", "amount": 40.0, "by": "full", "paths": 10}


def _counted(execute, seen: list[int]):
    """``Worker._execute`` noting each run it executes in this process."""

    def counted(run_id, *args, **kwargs):
        seen.append(run_id)
        return execute(run_id, *args, **kwargs)

    return counted


def test_a_run_in_a_process_of_its_own_gives_what_a_thread_gives(sqlite_store):
    world = make_world(sqlite_store)
    a = world.actor("a", "analyst")
    _m, v = sqlite_store.create_model(a, "Older people", example_data())
    results = {}
    for processes in (False, True):
        worker = Worker(sqlite_store, threads=2, processes=processes)
        here: list[int] = []  # runs executed in this process
        worker._execute = _counted(worker._execute, here)
        try:
            run = sqlite_store.create_run(a, "map", INPUTS, model_version_id=v.id)
            worker.submit(run.id, wait=60)
            done = wait_for_run(sqlite_store, a, run.id, 60)
            assert done.status == "done", done.error
            report = sqlite_store.run_file(a, run.id, "report.html")
            assert report is not None and b"<html" in report.body[:500].lower()
            results[processes] = done.result
            assert here == ([] if processes else [run.id])  # where it ran
            if processes:  # in children of this process, which give way to the pages
                children = worker._processes._processes
                nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + RUN_NICENESS)
                assert children
                assert all(os.getpriority(os.PRIO_PROCESS, pid) == nice for pid in children)
        finally:
            worker.shutdown(wait=True)
    assert results[True] == results[False]
