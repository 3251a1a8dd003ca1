"""``--scheduler processes`` against this process, side by side in one run.

The floor is the same work in this process (``scheduler="local"``). Printed, in one run, with
the load average before and after (the pool can only win when a core is free):

(1) ``sweep(analysis="map")`` over the bundled 317-area file: in this process, and on
    ``executor("processes", 2)`` — the pool made, as the command makes it, before the model is
    read, and kept for the command's life;
(2) ``cp.simulate`` on the older-people example, 20,000 draws (one chunk: the pool runs it in
    this process) and 200,000 draws in chunks of 16,384 (13 chunks sent to the workers),
    three calls each on the same kept pool.

Run: ``.venv/bin/python benchmarks/bench_processes.py`` (about a minute). Not a test: read the
ratios and the load average.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import coproduce as cp
from coproduce.model import load_model
from coproduce.model.load import example_path
from coproduce.scale import executor
from coproduce.scale.sweep import sweep

AREAS = example_path("older-people-areas", ".csv")  # the bundled areas file
TARGET = ("independent_years", 40)


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    print(f"cores {os.cpu_count()}, load average at start {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    pool = executor("processes", 2)  # as --scheduler processes: made first, warmed at once
    made = time.perf_counter() - t
    model = load_model("example:older-people")

    def run_sweep(scheduler) -> None:
        with tempfile.TemporaryDirectory() as out:
            sweep(
                model,
                analysis="map",
                out=Path(out) / "sweep",
                areas=AREAS,
                target=TARGET,
                scheduler=scheduler,
            )

    rows = [
        ("317-area map sweep", lambda: run_sweep("local"), lambda: run_sweep(pool), 2),
        (
            "simulate, 20,000 draws (1 chunk)",
            lambda: cp.simulate(model, TARGET, 20_000, seed=1),
            lambda: cp.simulate(model, TARGET, 20_000, seed=1, executor=pool),
            3,
        ),
        (
            "simulate, 200,000 draws (13 chunks)",
            lambda: cp.simulate(model, TARGET, 200_000, seed=1, chunk=16_384),
            lambda: cp.simulate(model, TARGET, 200_000, seed=1, chunk=16_384, executor=pool),
            3,
        ),
    ]
    print(f"executor('processes', 2) returned in {made:.3f} s (workers start in the background)")
    print(f"{'work':38s} {'this process s':>22s} {'processes s':>22s} {'best ratio':>11s}")
    for label, local, processes, repeat in rows:
        a = timed(local, repeat)
        b = timed(processes, repeat)
        print(
            f"{label:38s} {', '.join(f'{x:.2f}' for x in a):>22s} "
            f"{', '.join(f'{x:.2f}' for x in b):>22s} {min(b) / min(a):11.2f}"
        )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
