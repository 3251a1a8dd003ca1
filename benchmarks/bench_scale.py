"""Scale-out benchmark: the same work in this process, in a local process pool and on a local
Dask cluster of 1 and of 2 worker processes, measured side by side in one run.

Printed, in one run:

(1) Strong scaling of distributed Monte Carlo: ``cp.simulate`` on the bundled older-people
    example (target independent_years = 40; 400,000 draws, ``--quick`` 100,000; seed 1; chunks
    of 16,384 draws) in this process (the floor: the same chunks with no transport), on a Dask
    ``LocalCluster`` of 1 worker process and of 2, and on ``executor("processes", workers=2)``.
    Reported: seconds (best of ``--repeats``), speed-up over 1 Dask worker, strong-scaling
    efficiency T1 / (2 · T2) (goal: near 1 on 2 idle cores), and the overhead of the
    distributed path, T(Dask, 1 worker) / T(in-process), for the same work (goal: near 1).
    Each cluster is started, and its workers warmed up (coproduce imported, one small run),
    before any timer; start-up is reported on its own line. The draws tables of the other
    paths are checked equal, bit for bit, to the in-process one. Printed with them, to explain
    the ratios: CPU seconds (user, system) per run, the work and bytes of one chunk, and the
    workers' ``MALLOC_TRIM_THRESHOLD_``.
(2) Sweep scaling: ``sweep(analysis="uncertainty")`` over the bundled 317-area file at 10,000
    draws (``--quick``: its first 40 areas) on 1 Dask worker against 2; and
    ``sweep(analysis="map")`` over all 317 areas in this process against 2 Dask workers (rows
    of a few milliseconds, where per-task overhead dominates). Rows per second and efficiency,
    and the CPU per uncertainty row on the workers and in this process. The floor, measured
    in the same run: the same uncertainty rows in 1 plain process alone against 2 plain
    processes at once (no Dask, no transport, this process's environment) — what 2 cores of
    this machine give to parallel work of this kind; and the same floor again with the
    environment a Dask nanny gives its workers (``MALLOC_TRIM_THRESHOLD_=65536``).
(3) Peak memory: peak RSS of each worker of the 2-worker cluster after the uncertainty sweep
    (fresh worker processes: the sweep runs first on that cluster), and of this process (the
    client, which also hosts the scheduler), in MiB.
(4) A city-wide map (``bench_map.random_layered_map``: 20,000 nodes, 100,000 links with
    evidence priors; 4,096 draws, ``--quick`` 1,024, ``keep_inputs=False``): in this process, on
    1 Dask worker and on 2 — the case distributed Monte Carlo is for, where a chunk is much more
    work than the numbers it sends back.
(5) Cores and load average at the start and the end, to judge the noise.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--quick] [--repeats N] [--no-malloc-trim]``
(a few minutes; ``--quick`` about a minute). ``--no-malloc-trim`` starts the Dask workers
without the nanny's default ``MALLOC_TRIM_THRESHOLD_=65536``, to measure what that setting
costs. Not a test: the machine is shared and timings are noisy, so read the ratios, measured
side by side, and the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import coproduce as cp
from coproduce.engine.simulate import prepare_simulation
from coproduce.model.load import example_path
from coproduce.scale import executor
from coproduce.scale.montecarlo import summarise
from coproduce.scale.sweep import sweep

AREAS = example_path("older-people-areas", ".csv")  # the bundled areas file
TARGET = ("independent_years", 40)
CHUNK = 16_384
SWEEP_DRAWS = 10_000
WTP = 30_000


def _peak_rss_kib() -> int:
    """Peak resident set size of the calling process (KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _warm() -> None:
    """On a worker: import what the tasks need, so no timed task pays for imports."""
    import coproduce.engine.backwards
    import coproduce.engine.simulate
    import coproduce.scale.sweep
    import coproduce.voi.analysis  # noqa: F401


def _cpu() -> tuple[float, float]:
    """User and system CPU seconds used so far by the calling process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def _trim() -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def cpu_used(client: object = None) -> np.ndarray:
    """User and system CPU seconds used so far by this process and by every worker, summed."""
    total = np.array(_cpu())
    if client is not None:
        total += np.sum(list(client.run(_cpu).values()), axis=0)
    return total


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def start_cluster(n_workers: int) -> tuple[object, object, float]:
    """A local cluster of ``n_workers`` single-threaded worker processes and its client; the
    seconds it took to start."""
    from dask.distributed import Client, LocalCluster

    t = time.perf_counter()
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.wait_for_workers(n_workers)
    return cluster, client, time.perf_counter() - t


def warm_up(client: object, model: object, tmp: Path, areas: Path) -> None:
    """Imports on every worker, one small simulate spread over the workers, and a two-row
    sweep (imports pandas and pyarrow here, the analyses' modules there)."""
    client.run(_warm)
    ex = executor(client)
    cp.simulate(model, TARGET, 8 * 1024, seed=1, chunk=1024, executor=ex)
    two = tmp / "warm-areas.csv"
    lines = areas.read_text(encoding="utf-8").splitlines(keepends=True)
    two.write_text("".join(lines[:3]), encoding="utf-8")
    sweep(
        model,
        analysis="uncertainty",
        areas=two,
        draws=200,
        seed=1,
        wtp=WTP,
        out=tmp / "warm-out",
        scheduler=client,
        overwrite=True,
    )


def _floor_worker(n_rows: int, barrier: object, queue: object) -> None:
    """In a plain process: ``n_rows`` uncertainty rows, timed from when all start together."""
    from coproduce.scale.sweep import SweepJob, read_areas, run_row

    model = cp.load_model("example:older-people")
    rows, columns = read_areas(AREAS, model, "uncertainty")
    job = SweepJob(
        model=model,
        analysis="uncertainty",
        input_columns=columns,
        draws=SWEEP_DRAWS,
        seed=1,
        wtp=WTP,
    )
    run_row(job, rows[0])  # imports, caches
    barrier.wait()
    t = time.perf_counter()
    for row in rows[:n_rows]:
        run_row(job, row)
    queue.put(time.perf_counter() - t)


def parallel_floor(n_procs: int, n_rows: int, env: dict[str, str] | None = None) -> float:
    """Seconds for ``n_procs`` plain processes (no Dask, no transport) each running the same
    ``n_rows`` rows at once: the slowest. What the machine itself gives to parallel work.
    ``env``: variables set for the children only (glibc reads its tunables at start-up)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(n_procs)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_floor_worker, args=(n_rows, barrier, queue)) for _ in range(n_procs)
    ]
    saved = dict(os.environ)
    try:
        os.environ.update(env or {})
        for proc in procs:
            proc.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    seconds = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    return max(seconds)


def time_simulate(
    model: object, draws: int, repeats: int, ex: object = None, client: object = None
) -> tuple[float, np.ndarray, object]:
    """Best of ``repeats`` seconds for the whole simulate, the user and system CPU seconds per
    run (this process and the workers of ``client``, summed), and the last table."""
    best = np.inf
    table = None
    cpu0 = cpu_used(client)
    for _ in range(repeats):
        table = None  # let the previous table go before the next is built
        t = time.perf_counter()
        table = cp.simulate(model, TARGET, draws, seed=1, chunk=CHUNK, executor=ex)
        best = min(best, time.perf_counter() - t)
    return best, (cpu_used(client) - cpu0) / repeats, table


def time_summarise(sim: object, repeats: int, ex: object = None) -> tuple[float, dict]:
    """Best of ``repeats`` seconds for the chunk-sums reduction (nothing but sums sent back),
    and its result."""
    best = np.inf
    result = None
    for _ in range(repeats):
        t = time.perf_counter()
        result = summarise(sim, [WTP], ex).to_dict()
        best = min(best, time.perf_counter() - t)
    return best, result


def time_sweep(
    model: object, analysis: str, areas: Path | str, out: Path, scheduler: object, repeats: int = 1
) -> tuple[float, int]:
    """Best of ``repeats`` wall seconds for the sweep, and the rows computed."""
    best = np.inf
    computed = 0
    for _ in range(repeats):
        t = time.perf_counter()
        res = sweep(
            model,
            analysis=analysis,
            areas=areas,
            draws=SWEEP_DRAWS,
            seed=1,
            wtp=WTP if analysis == "uncertainty" else None,
            out=out,
            scheduler=scheduler,
            overwrite=True,
        )
        best = min(best, time.perf_counter() - t)
        assert not res.failed, res.failed[:3]
        computed = res.computed
    return best, computed


def same(a: object, b: object) -> bool:
    return bool(np.array_equal(a.effect, b.effect) and np.array_equal(a.cost, b.cost))


def city_map_scaling(draws: int) -> None:
    """(4) Where distributed Monte Carlo pays: a city-wide map (bench_map's 20,000 nodes,
    100,000 links, every plain link given its evidence prior), each chunk far more work than
    the numbers it sends back (``keep_inputs=False``). In this process, on 1 worker, on 2."""
    from bench_map import random_layered_map
    from coproduce.model import compile_model
    from coproduce.model.validate import validate_data

    model = validate_data(random_layered_map())
    target = (compile_model(model).node_ids[-1], 10.0)
    sim = prepare_simulation(model, target, draws, seed=1, evidence_priors=True, keep_inputs=False)
    warm = prepare_simulation(
        model, target, sim.step, seed=1, evidence_priors=True, keep_inputs=False
    )
    warm.run()
    t = time.perf_counter()
    here = sim.run()
    t0 = time.perf_counter() - t
    times = {}
    for n in (1, 2):
        cluster, client, _ = start_cluster(n)
        try:
            ex = executor(client)
            warm.run(ex)  # imports on the workers; the timed run still ships its own plan
            t = time.perf_counter()
            there = sim.run(ex)
            times[n] = time.perf_counter() - t
            assert np.array_equal(here.effect, there.effect) and np.array_equal(
                here.cost, there.cost
            ), "city map: draws differ"
        finally:
            client.close()
            cluster.close()
    print()
    print(
        f"(4) City-wide map, {len(model.links):,} links, {len(sim.options)} options, "
        f"{draws:,} draws in {len(sim.chunks())} chunks of {sim.step} (keep_inputs=False)"
    )
    print(
        f"    in this process {t0:6.2f} s; Dask 1 worker {times[1]:6.2f} s (overhead "
        f"{times[1] / t0:.2f}x, the plan shipped included); 2 workers {times[2]:6.2f} s "
        f"(efficiency {times[1] / (2 * times[2]):.2f}, {t0 / times[2]:.2f}x this process)"
    )
    print("    draws tables equal, bit for bit: yes (asserted)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="100,000 draws and 40 areas for the uncertainty sweep"
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timings of each Monte Carlo run and map sweep (the best is reported)",
    )
    ap.add_argument(
        "--no-malloc-trim",
        action="store_true",
        help="start Dask workers without the nanny's MALLOC_TRIM_THRESHOLD_=65536 "
        "(which disables glibc's adaptive mmap threshold: a diagnostic)",
    )
    args = ap.parse_args()
    draws = 100_000 if args.quick else 400_000
    n_areas = 40 if args.quick else None
    repeats = max(1, args.repeats)
    if args.no_malloc_trim:
        import dask

        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})

    print(f"cores {os.cpu_count()}, load average (1, 5, 15 min) at start: {_load()}")
    model = cp.load_model("example:older-people")
    cp.simulate(model, TARGET, 2_048, seed=1)  # imports and caches in this process
    sim = prepare_simulation(model, TARGET, draws, seed=1, chunk=CHUNK)
    sim.run_chunk(0, CHUNK)
    t = time.perf_counter()
    chunk_mb = sum(a.nbytes for a in sim.run_chunk(0, CHUNK).values()) / 2**20
    chunk_s = time.perf_counter() - t
    t_all = time.perf_counter()
    floor_rows = 40 if args.quick else 80
    floor1 = parallel_floor(1, floor_rows)
    floor2 = parallel_floor(2, floor_rows)
    dask_env = {"MALLOC_TRIM_THRESHOLD_": "65536"}  # what a Dask nanny sets by default
    floor1t = parallel_floor(1, floor_rows, dask_env)
    floor2t = parallel_floor(2, floor_rows, dask_env)

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        lines = AREAS.read_text(encoding="utf-8").splitlines(keepends=True)
        total_areas = len(lines) - 1
        if n_areas is not None:
            unc_areas = tmp / "areas-trimmed.csv"
            unc_areas.write_text("".join(lines[: n_areas + 1]), encoding="utf-8")
        else:
            unc_areas = AREAS
        n_unc = n_areas or total_areas

        # -- 2 workers first, so their peak memory and this process's reflect the sweep ----
        cluster, client, start2 = start_cluster(2)
        try:
            warm_up(client, model, tmp, AREAS)
            trim = sorted(set(client.run(_trim).values()), key=str)
            client_before = _peak_rss_kib()
            worker_cpu0 = np.sum(list(client.run(_cpu).values()), axis=0)
            client_cpu0 = np.array(_cpu())
            unc2, done_unc2 = time_sweep(model, "uncertainty", unc_areas, tmp / "unc2", client)
            worker_cpu = np.sum(list(client.run(_cpu).values()), axis=0) - worker_cpu0
            client_cpu = np.array(_cpu()) - client_cpu0
            worker_rss = client.run(_peak_rss_kib)
            client_after = _peak_rss_kib()
            map2, done_map2 = time_sweep(model, "map", AREAS, tmp / "map2", client, repeats)
            mc2, cpu2, table2 = time_simulate(model, draws, repeats, executor(client), client)
            red2, sums2 = time_summarise(sim, repeats, executor(client))
        finally:
            client.close()
            cluster.close()

        cluster, client, start1 = start_cluster(1)
        try:
            warm_up(client, model, tmp, AREAS)
            mc1, cpu1, table1 = time_simulate(model, draws, repeats, executor(client), client)
            red1, sums1 = time_summarise(sim, repeats, executor(client))
            unc1, done_unc1 = time_sweep(model, "uncertainty", unc_areas, tmp / "unc1", client)
        finally:
            client.close()
            cluster.close()

        mc0, cpu0, table0 = time_simulate(model, draws, repeats)
        red0, sums0 = time_summarise(sim, repeats)
        map0, done_map0 = time_sweep(model, "map", AREAS, tmp / "map0", None, repeats)

        # the process pool builds its processes inside each call: its fixed cost, alone
        pool = executor("processes", workers=2)
        t = time.perf_counter()
        cp.simulate(model, TARGET, 2 * CHUNK, seed=1, chunk=CHUNK, executor=pool)
        pool_fixed = time.perf_counter() - t
        mcp, _, tablep = time_simulate(model, draws, repeats, pool)
        pool.close()

    assert same(table1, table0), "1 Dask worker: draws differ from the in-process run"
    assert same(table2, table0), "2 Dask workers: draws differ from the in-process run"
    assert same(tablep, table0), "process pool: draws differ from the in-process run"
    assert sums0 == sums1 == sums2, "chunk sums differ between executors"
    assert done_unc1 == done_unc2 == n_unc and done_map0 == done_map2 == total_areas
    elapsed = time.perf_counter() - t_all

    n_chunks = -(-draws // CHUNK)
    print()
    print(
        f"(1) Monte Carlo, older-people, {draws:,} draws in {n_chunks} chunks of {CHUNK:,}, "
        f"{len(table0.options)} options, best of {repeats}"
    )
    print(
        f"    {'where':<26}{'seconds':>8}{'draws/s':>11}{'vs 1 worker':>13}"
        f"{'CPU user':>10}{'CPU sys':>9}"
    )
    rows = [
        ("in this process", mc0, cpu0),
        ("Dask, 1 worker", mc1, cpu1),
        ("Dask, 2 workers", mc2, cpu2),
        ("process pool, 2 workers", mcp, None),
    ]
    for label, sec, cpu in rows:
        used = f"{cpu[0]:9.2f}s{cpu[1]:8.2f}s" if cpu is not None else f"{'n/a':>10}{'n/a':>9}"
        print(f"    {label:<26}{sec:8.2f}{draws / sec:11,.0f}{mc1 / sec:12.2f}x{used}")
    print("    (CPU: per run, this process plus the Dask workers)")
    print(f"    strong-scaling efficiency, Dask 1 -> 2 workers: T1/(2*T2) = {mc1 / (2 * mc2):.2f}")
    print(
        f"    overhead of the distributed path, T(Dask, 1 worker)/T(in-process) = {mc1 / mc0:.2f}x"
    )
    print(
        f"    2 Dask workers vs in-process: {mc0 / mc2:.2f}x; process pool vs in-process: "
        f"{mc0 / mcp:.2f}x"
    )
    print(f"    process pool start-up, paid in every call: {pool_fixed:.2f} s (a 2-chunk run)")
    print(
        f"    cluster start-up (not in the timings): 1 worker {start1:.2f} s, "
        f"2 workers {start2:.2f} s"
    )
    print(
        f"    one chunk in this process: {1000 * chunk_s:.0f} ms of work, {chunk_mb:.1f} MiB "
        "of results sent back (draws tables with inputs)"
    )
    print("    draws tables equal, bit for bit, to the in-process run: yes (asserted)")
    print(
        f"    reduced where they run (scale.summarise: chunk sums, a few KiB back): in this "
        f"process {red0:.2f} s, Dask 1 worker {red1:.2f} s, 2 workers {red2:.2f} s;"
    )
    print(
        f"      overhead {red1 / red0:.2f}x, efficiency {red1 / (2 * red2):.2f}, 2 workers vs "
        f"in-process {red0 / red2:.2f}x; equal on every executor, bit for bit (asserted)"
    )
    print(f"    workers' MALLOC_TRIM_THRESHOLD_: {', '.join(map(str, trim))}")

    print()
    print(
        f"(2) Sweeps over areas (an uncertainty row a task, {SWEEP_DRAWS:,} draws each; "
        "map rows several to a task)"
    )
    print(
        f"    {'sweep':<44}{'rows':>6}{'seconds':>9}{'rows/s':>9}{'speed-up':>10}{'efficiency':>12}"
    )
    unc_label = f"uncertainty, {n_unc} areas"
    print(f"    {unc_label + ', Dask 1 worker':<44}{n_unc:6d}{unc1:9.2f}{n_unc / unc1:9.1f}")
    print(
        f"    {unc_label + ', Dask 2 workers':<44}{n_unc:6d}{unc2:9.2f}{n_unc / unc2:9.1f}"
        f"{unc1 / unc2:9.2f}x{unc1 / (2 * unc2):12.2f}"
    )
    for tag, one, two in (("", floor1, floor2), ("+trim", floor1t, floor2t)):
        fl = f"floor{tag}, {floor_rows} rows/process"
        print(f"    {fl + ', 1 alone':<44}{floor_rows:6d}{one:9.2f}{floor_rows / one:9.1f}")
        print(
            f"    {fl + ', 2 at once':<44}{2 * floor_rows:6d}{two:9.2f}"
            f"{2 * floor_rows / two:9.1f}{2 * one / two:9.2f}x{one / two:12.2f}"
        )
    map_label = f"map, {total_areas} areas"
    print(
        f"    {map_label + ', in this process':<44}{total_areas:6d}{map0:9.2f}"
        f"{total_areas / map0:9.1f}"
    )
    print(
        f"    {map_label + ', Dask 2 workers':<44}{total_areas:6d}{map2:9.2f}"
        f"{total_areas / map2:9.1f}{map0 / map2:9.2f}x{map0 / (2 * map2):12.2f}"
    )
    print(
        f"    (map: best of {repeats}; uncertainty and floors: one run each; map per row in "
        f"this process {1000 * map0 / total_areas:.1f} ms;"
    )
    print(
        "    floor: the same rows in plain processes, no Dask; floor+trim: those processes started"
    )
    print("    with MALLOC_TRIM_THRESHOLD_=65536, as Dask's nanny starts its workers)")
    print(
        f"    CPU per uncertainty row, 2 workers: workers {1000 * worker_cpu[0] / n_unc:.0f} ms "
        f"user + {1000 * worker_cpu[1] / n_unc:.0f} ms sys; this process (client, "
        f"scheduler, Parquet) {1000 * client_cpu[0] / n_unc:.0f} ms user + "
        f"{1000 * client_cpu[1] / n_unc:.0f} ms sys"
    )

    print()
    print(
        f"(3) Peak RSS, 2-worker uncertainty sweep over {n_unc} areas (worker processes "
        "fresh; includes imports and the warm-up)"
    )
    for k, (addr, kib) in enumerate(sorted(worker_rss.items()), start=1):
        print(f"    worker {k} ({addr}): {kib / 1024:8.1f} MiB")
    note = "" if client_after > client_before else " (peak reached before the sweep)"
    print(f"    client (this process, also the scheduler): {client_after / 1024:8.1f} MiB{note}")

    city_map_scaling(1_024 if args.quick else 4_096)

    print()
    print(
        f"(5) cores {os.cpu_count()}, load average (1, 5, 15 min) at end: {_load()}; "
        f"parts (1)-(3) took {elapsed:.0f} s"
    )


if __name__ == "__main__":
    main()
