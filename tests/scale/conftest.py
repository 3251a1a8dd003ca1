"""A Dask cluster of 2 worker processes on this machine, shared by the scale tests."""

from __future__ import annotations

import os
import signal
import time

import pytest


@pytest.fixture(scope="session")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
    )
    c = Client(cluster)
    c.wait_for_workers(2, timeout=120)
    yield c
    c.close()
    cluster.close()


def kill_one_worker(client) -> int:
    """SIGKILL one worker process (its nanny starts another); returns the killed pid."""
    pids = client.run(os.getpid)
    address, pid = sorted(pids.items(), key=lambda kv: kv[1])[0]
    os.kill(pid, signal.SIGKILL)
    _KILLED.append(address)
    return pid


_KILLED: list[str] = []


def wait_for_workers(client, n: int = 2, timeout: float = 60) -> None:
    """Let the nanny's replacement worker join before the next test uses the cluster: first
    the scheduler must have dropped the killed worker, then n workers must be there."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        workers = client.scheduler_info()["workers"]
        if len(workers) >= n and not set(_KILLED) & set(workers):
            return
        time.sleep(0.2)
    raise TimeoutError(f"the cluster did not get back to {n} workers in {timeout} s")
