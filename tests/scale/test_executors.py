"""Distributed Monte Carlo: the same seed gives the same draws table, bit for bit, in this
process, in a process pool and on a 2-worker Dask cluster — also when a worker is killed."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from dask.distributed import get_task_stream

import coproduce as cp
from coproduce.engine.simulate import _run_chunk, prepare_simulation
from coproduce.scale import executor
from coproduce.scale.executors import DaskExecutor, InProcess, ProcessPool, SchedulerError
from coproduce.scale.montecarlo import summarise
from coproduce.voi import core
from coproduce.voi.analysis import analyse

from .conftest import kill_one_worker, wait_for_workers

TARGET = ("independent_years", 40.0)


@pytest.fixture(scope="module")
def model():
    return cp.load_model("example:older-people")


def _chunk_tasks(stream) -> int:
    """Tasks the workers ran for chunks (not the one holding the shared plan)."""
    return sum(1 for t in stream.data if "chunk" in str(t["key"]))


def assert_same_table(a, b) -> None:
    assert a.options == b.options
    assert np.array_equal(a.effect, b.effect)
    assert np.array_equal(a.cost, b.cost)
    assert a.extra.keys() == b.extra.keys()
    for k in a.extra:
        assert np.array_equal(a.extra[k], b.extra[k]), k
    assert list(a.inputs.columns) == list(b.inputs.columns)
    assert np.array_equal(a.inputs.to_numpy(), b.inputs.to_numpy())
    assert a.meta == b.meta


def test_same_seed_same_table_in_process_pool_and_cluster(model, client):
    # correlated inputs (the example's copula) and evidence priors on every plain link
    kw = dict(draws=6000, seed=11, chunk=1024, evidence_priors=True)
    reference = cp.simulate(model, TARGET, **kw)
    assert len(prepare_simulation(model, TARGET, **kw).chunks()) == 6
    with ProcessPool(2) as pool:
        assert_same_table(reference, cp.simulate(model, TARGET, executor=pool, **kw))
    with get_task_stream(client) as stream:
        assert_same_table(reference, cp.simulate(model, TARGET, executor=executor(client), **kw))
    assert _chunk_tasks(stream) == 6  # the chunks really ran on the workers
    # a different chunk size on the cluster: still the same numbers (fixed stream blocks)
    assert_same_table(
        reference, cp.simulate(model, TARGET, executor=executor(client), **{**kw, "chunk": 2048})
    )
    # and the same analysis, to the bit
    a = analyse(reference, 30_000).to_dict()
    b = analyse(cp.simulate(model, TARGET, executor=executor(client), **kw), 30_000).to_dict()
    assert a == b


def _slow_chunk(sim, span):
    time.sleep(0.15)  # long enough that the killed worker is holding tasks when it dies
    return _run_chunk(sim, span)


def test_a_killed_worker_changes_nothing(model, client):
    sim = prepare_simulation(model, TARGET, draws=24 * 1024, seed=3, chunk=1024)
    reference = sim.run()
    out = {}
    ex = DaskExecutor(client)
    stream = ex.map(_slow_chunk, sim, sim.chunks())
    first_span, first = next(stream)
    out[first_span] = first
    pid = kill_one_worker(client)
    for span, part in stream:
        out[span] = part
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the worker really died
    assert sorted(out) == sim.chunks()
    effect = np.concatenate([out[s]["effect"] for s in sim.chunks()])
    assert np.array_equal(effect, reference.effect)
    wait_for_workers(client)


def test_chunk_sums_equal_the_statistics_of_the_whole_table(model, client):
    sim = prepare_simulation(model, TARGET, draws=8192, seed=5, chunk=1024)
    grid = [0.0, 20_000.0, 60_000.0]
    here = summarise(sim, grid)
    with get_task_stream(client) as stream:
        there = summarise(sim, grid, executor(client))
    assert _chunk_tasks(stream) == len(sim.chunks()) == 8
    assert here.to_dict() == there.to_dict()  # merged in draw order: bit for bit
    table = sim.run()
    for k, lam in enumerate(grid):  # second method: the whole-table statistics of voi.core
        nb = table.net_benefit(lam)
        assert here.evpi()[k] == pytest.approx(core.evpi(nb), rel=1e-12, abs=1e-6)
        assert np.array_equal(here.prob_best()[k], core.prob_best(nb))
        np.testing.assert_allclose(here.expected_net_benefit()[k], nb.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        here.sums.effect / here.n_draws, table.effect.mean(axis=0), rtol=1e-12
    )


def _die_once(shared, item):
    factor, flag = shared
    if item == 3 and not os.path.exists(flag):
        open(flag, "w").close()
        os._exit(9)  # a worker process dying mid-task, as under the OOM killer
    return factor * item


def test_process_pool_rebuilds_after_a_dead_worker(tmp_path):
    got = dict(ProcessPool(2).map(_die_once, (10, str(tmp_path / "died")), list(range(8))))
    assert (tmp_path / "died").exists()
    assert got == {k: 10 * k for k in range(8)}


def test_executor_specs(client):
    assert isinstance(executor(None), InProcess)
    assert isinstance(executor("local"), InProcess)
    assert executor("processes", 3).workers == 3
    assert isinstance(executor(client), DaskExecutor)
    assert executor(client).workers == 2
    with pytest.raises(SchedulerError, match="use local, processes"):
        executor("threads")
    with pytest.raises(SchedulerError, match="no such scheduler file"):
        executor("/nonexistent/scheduler.json")
    with pytest.raises(SchedulerError, match="cannot run work on a int"):
        executor(3)
