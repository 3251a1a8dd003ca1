"""The run queue: runs are leased by the worker process that runs them, taken fairly, put back
when their worker stops, and never run twice (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from coproduce.analyses import REGISTRY, Analysis, register
from coproduce.store.runs import MAX_ATTEMPTS
from coproduce.store.tables import Run, now
from coproduce.web.runner import Worker

from .conftest import wait_for_run

computed: dict[int, int] = {}  # run id: how many times it was computed
gate = threading.Event()


def _count(job):
    computed[job.run_id] = computed.get(job.run_id, 0) + 1
    time.sleep(0.02)
    return {"ran": True}


def _held(job):
    job.progress(0.1, "waiting at the gate")
    for _ in range(400):  # up to 20 s, checking for cancel
        if gate.is_set():
            break
        time.sleep(0.05)
        job.progress(0.1, "waiting at the gate")
    return {"held": True}


@pytest.fixture(autouse=True)
def analyses():
    computed.clear()
    gate.clear()
    register(Analysis(name="count-test", title="Count", run=_count, needs_model=False))
    register(Analysis(name="held-test", title="Held", run=_held, needs_model=False))
    yield
    gate.set()
    REGISTRY.pop("count-test", None)
    REGISTRY.pop("held-test", None)


def test_two_workers_share_the_queue_and_run_each_run_once(world):
    a = world.actor("a", "analyst")
    one = Worker(world.store, threads=2, poll_seconds=0.05)
    two = Worker(world.store, threads=2, poll_seconds=0.05)
    # per process a user has threads - 1 runs going: give the runs to two users
    b = world.actor("a", "admin")
    try:
        runs = [world.store.create_run(a if k % 2 else b, "count-test", {}) for k in range(16)]
        for r in runs:
            one.submit(r.id)
            two.submit(r.id)
        for r in runs:
            assert wait_for_run(world.store, a, r.id).status == "done"
    finally:
        one.shutdown(wait=True)
        two.shutdown(wait=True)
    assert computed == {r.id: 1 for r in runs}


def test_one_analyst_s_long_runs_do_not_hold_up_another_s_small_one(world):
    a, b = world.actor("a", "analyst"), world.actor("a", "admin")
    worker = Worker(world.store, threads=2, poll_seconds=0.05)
    try:
        long = [world.store.create_run(a, "held-test", {}) for _ in range(6)]
        for r in long:
            worker.submit(r.id)
        time.sleep(0.3)
        small = world.store.create_run(b, "count-test", {})
        started = time.monotonic()
        worker.submit(small.id, wait=5.0)
        assert wait_for_run(world.store, b, small.id, 5.0).status == "done"
        assert time.monotonic() - started < 2.0
        # the analyst's runs go one at a time while the other thread is kept for others
        statuses = [world.store.get_run(a, r.id).status for r in long]
        assert statuses.count("running") == 1 and statuses.count("queued") == 5
        gate.set()
        for r in long:
            assert wait_for_run(world.store, a, r.id).status == "done"
    finally:
        gate.set()
        worker.shutdown(wait=True)


def _orphan(store, run_id: int, attempts: int = 0) -> None:
    """Make a run look as if a worker that has since died was running it."""
    with store.transaction() as s:
        run = s.get(Run, run_id)
        run.status, run.lease_owner, run.attempts = "running", "gone:1:dead", attempts
        run.lease_expires = now() - timedelta(seconds=1)


def test_a_run_whose_worker_died_is_run_again_by_another(world):
    a = world.actor("a", "analyst")
    run = world.store.create_run(a, "count-test", {})
    _orphan(world.store, run.id)
    worker = Worker(world.store, threads=2, lease_seconds=0.3, poll_seconds=0.05)
    try:
        worker.start()
        got = wait_for_run(world.store, a, run.id)
    finally:
        worker.shutdown(wait=True)
    assert got.status == "done" and got.attempts == 1 and computed == {run.id: 1}


def test_a_run_whose_worker_dies_again_and_again_fails_saying_so(world):
    a = world.actor("a", "analyst")
    run = world.store.create_run(a, "count-test", {})
    _orphan(world.store, run.id, attempts=MAX_ATTEMPTS - 1)
    assert world.store.requeue_expired() == 1
    got = world.store.get_run(a, run.id)
    assert got.status == "failed" and "stopped 3 times" in got.error and computed == {}


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_run(world):
    a = world.actor("a", "analyst")
    run = world.store.create_run(a, "count-test", {})
    assert world.store.claim_run("slow:1:a", 0.01) == run.id
    time.sleep(0.05)
    assert world.store.requeue_expired() == 1  # its lease ran out: back in the queue
    assert world.store.claim_run("fast:2:b", 60) == run.id
    # the first worker wakes up: it is told to stop, and what it finishes is not kept
    assert world.store.progress(run.id, 0.5, "late", owner="slow:1:a") is False
    assert not world.store.finish_run(run.id, status="done", result={"x": 1}, owner="slow:1:a")
    assert world.store.finish_run(run.id, status="done", result={"x": 2}, owner="fast:2:b")
    assert world.store.get_run(a, run.id).result == {"x": 2}


def test_one_person_may_have_only_so_many_runs_waiting(world, monkeypatch):
    from coproduce.store import RateLimited

    monkeypatch.setenv("COPRODUCE_QUEUED_PER_USER", "3")
    a, b = world.actor("a", "analyst"), world.actor("a", "admin")
    waiting = [world.store.create_run(a, "count-test", {}) for _ in range(3)]
    with pytest.raises(RateLimited, match="3 runs waiting"):
        world.store.create_run(a, "count-test", {})
    world.store.create_run(b, "count-test", {})  # a colleague is not held up
    # a quick run, done in the request, never waits: the quota does not hold it up
    quick = world.store.create_run(a, "count-test", {}, running_for=("w:1:x", 30.0))
    assert quick.status == "running"
    world.store.cancel_run(a, waiting[0].id)
    world.store.create_run(a, "count-test", {})  # one fewer waiting: room for one more


def test_runs_are_taken_fairly_across_organisations_then_users(world):
    a1, a2 = world.actor("a", "analyst"), world.actor("a", "admin")
    b1 = world.actor("b", "analyst")
    first = world.store.create_run(a1, "count-test", {})
    a1_next = world.store.create_run(a1, "count-test", {})
    a2_run = world.store.create_run(a2, "count-test", {})
    b_run = world.store.create_run(b1, "count-test", {})
    # organisation A has a run going: B's, though newest, goes next; then A's other user's
    assert world.store.claim_run("w:1:x", 60) == first.id
    assert world.store.claim_run("w:1:x", 60) == b_run.id
    assert world.store.claim_run("w:1:x", 60) == a2_run.id
    assert world.store.claim_run("w:1:x", 60) == a1_next.id


def test_at_a_server_s_start_its_predecessor_s_runs_go_back_to_the_queue(world):
    a = world.actor("a", "analyst")
    running = world.store.create_run(a, "count-test", {})
    queued = world.store.create_run(a, "count-test", {})
    assert world.store.claim_run("old:1:x", 3600, run_id=running.id) == running.id
    assert world.store.abandon_unfinished_runs() == 1
    assert world.store.get_run(a, running.id).status == "queued"
    assert world.store.get_run(a, queued.id).status == "queued"
    worker = Worker(world.store, threads=2, poll_seconds=0.05)
    try:
        worker.start()
        for r in (running, queued):
            assert wait_for_run(world.store, a, r.id).status == "done"
    finally:
        worker.shutdown(wait=True)


DRAWS = 4_000


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_killing_a_server_process_mid_run_loses_no_run(tmp_path, database, request):
    """``coproduce serve --workers 2``: the process running a Monte Carlo run is killed
    (SIGKILL) mid-run; another process takes the run when its lease runs out and finishes it.

    4,000 draws: the run lasts a second or two here (its value of information dominates), long
    enough to be caught running past its first chunk, and is computed twice (before and after
    the kill); the 20,000 draws this test once used cost 7 s a computation."""
    import os
    import signal
    import uuid

    import httpx

    from coproduce.store import Store

    from .conftest import example_data
    from .live import live_server

    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.db'}"
    else:
        import psycopg

        schema = f"{request.getfixturevalue('pg_schema')}_q{uuid.uuid4().hex[:6]}"
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
        ) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    email, password = "admin@queue.example.org", "a long enough passphrase"
    with live_server(
        url,
        email,
        password,
        "Admin",
        args=("--workers", "2", "--threads", "2"),
        env={"COPRODUCE_LEASE_SECONDS": "2"},
    ) as base:
        store = Store.open(url)
        try:
            actor = store.authenticate(email, password)
            m, _v = store.create_model(actor, "A map", example_data())
            _tok, token = store.create_token(actor, "queue test")
            r = httpx.post(
                f"{base}/api/models/{m.id}/uncertainty",
                json={"outcome": "independent_years", "amount": 300, "wtp": 20000, "draws": DRAWS},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert r.status_code in (200, 202), r.text
            run_id = r.json()["id"]
            owner = None
            end = time.monotonic() + 30
            while time.monotonic() < end and owner is None:
                run = store.get_run(actor, run_id)
                if run.status == "running" and run.lease_owner and run.progress > 0.05:
                    owner = run.lease_owner
                time.sleep(0.05)
            assert owner is not None, "the run never started"
            os.kill(int(owner.split(":")[1]), signal.SIGKILL)
            got = wait_for_run(store, actor, run_id, seconds=90)
            assert got.status == "done", got.error
            assert got.attempts == 1 and got.lease_owner is None
            assert got.result["n_draws"] == DRAWS and got.result["best_option"]
        finally:
            store.close()


def test_a_quick_run_is_stored_taken_and_never_waits_in_the_queue(world, monkeypatch):
    from .conftest import example_data

    a = world.actor("a", "analyst")
    _m, v = world.store.create_model(a, "Older people", example_data())
    here, other = Worker(world.store, threads=2), Worker(world.store, threads=2)
    seen: list[tuple[str, str | None, int | None]] = []
    real_finish, real_claim = world.store.finish_run, world.store.claim_run
    claims: list[int | None] = []

    def finish_run(run_id, **kw):
        # while it runs: as stored, and whether another worker could take it now
        row = world.store.run_for_worker(run_id)
        seen.append((row.status, row.lease_owner, real_claim(other.owner, 30.0)))
        return real_finish(run_id, **kw)

    def claim_run(owner, lease, **kw):
        claims.append(kw.get("run_id"))
        return real_claim(owner, lease, **kw)

    monkeypatch.setattr(world.store, "finish_run", finish_run)
    monkeypatch.setattr(world.store, "claim_run", claim_run)
    try:
        inputs = {"outcome": "independent_years", "amount": 40.0, "by": "full", "paths": 10}
        run = here.quick(a, "map", inputs, v)
        # it was running for this worker from the moment it was stored, with no claim; while
        # it ran, another worker found nothing to take
        assert seen == [("running", here.owner, None)] and claims == []
        done = world.store.get_run(a, run.id)
        assert done.status == "done" and done.lease_owner is None
        assert done.result["pathways"] and done.result["target"]["outcome"] == "independent_years"
    finally:
        here.shutdown(wait=True)
        other.shutdown(wait=True)
