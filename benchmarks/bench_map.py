"""Backwards mapping on a large random strategy map, against the floor of the work.

A layered random map of 20,000 nodes (333 interventions, the rest outcomes in 59 layers) and
about 100,000 links — more than 10^30 distinct routes — is built, written as a model file and
mapped backwards to one outcome in the last layer. Printed side by side, in one run:

- one general sparse solve of (I - A) x = b (scipy.sparse.linalg.spsolve; fill-in makes it slow),
- one sparse triangular solve of the same system (spsolve_triangular: the O(links) floor),
- our total effects to the target, and our top-10 routes for every intervention,
- the whole library call (``backwards_map``) and the whole ``coproduce map --json`` command,
  with peak memory (the command's own: the high-water mark of the child's address space);
- then the growth of ``backwards_map`` on maps of the same shape at 5,000, 20,000 and 80,000
  nodes (``--growth 5000,20000`` for less), with the triangular solve at each size.

Run: ``.venv/bin/python benchmarks/bench_map.py`` (a few minutes, most of it in spsolve and
building the 80,000-node map).
Not a test: timings on a shared machine are noisy, so read the ratios.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve, spsolve_triangular

from coproduce.engine import backwards_map, effects_to, route_table
from coproduce.model import compile_model, load_model

N_NODES, N_LINKS, N_LAYERS = 20_000, 100_000, 60


def random_layered_map(
    seed: int = 7, n_nodes: int = N_NODES, n_links: int = N_LINKS, n_layers: int = N_LAYERS
) -> dict:
    """Model-file data for a random layered map; links mostly join neighbouring layers."""
    rng = np.random.default_rng(seed)
    width = n_nodes // n_layers
    layer = np.repeat(np.arange(n_layers), width)
    src = rng.integers(0, n_nodes - width, int(n_links * 1.05))
    jump = np.clip(rng.geometric(0.6, len(src)), 1, n_layers - 1 - layer[src])
    dst = (layer[src] + jump) * width + rng.integers(0, width, len(src))
    if n_nodes != N_NODES:
        # links inside the last layer run forward, so other sizes make no cycle either (the
        # 20,000-node map is left exactly as first measured: it has none)
        src, dst = np.minimum(src, dst), np.maximum(src, dst)
        src, dst = src[src != dst], dst[src != dst]
    _, first = np.unique(src * n_nodes + dst, return_index=True)
    first = np.sort(first)[:n_links]
    src, dst = src[first], dst[first]
    effect = rng.uniform(0.05, 0.6, len(src)) * rng.choice([1, 1, 1, -1], len(src))
    evidence = rng.integers(1, 6, len(src))
    contested = rng.random(len(src)) < 0.02

    def name(k: int) -> str:
        return f"i{k}" if k < width else f"o{k}"

    return {
        "coproduce": 1,
        "name": "Random layered map",
        "price_year": 2024,
        "resources": {
            "staff": {"unit": "hour", "sector": "public", "unit_cost": 40},
            "volunteer": {"unit": "hour", "sector": "community", "unit_cost": 12},
        },
        "interventions": {
            name(k): {"inputs": {"staff": float(1 + k % 7), "volunteer": float(k % 5)}}
            for k in range(width)
        },
        "outcomes": {name(k): {} for k in range(width, n_nodes)},
        "links": [
            {
                "from": name(int(a)),
                "to": name(int(b)),
                "effect": round(float(e), 4),
                "evidence": int(g),
                "contested": bool(c),
            }
            for a, b, e, g, c in zip(src, dst, effect, evidence, contested, strict=True)
        ],
    }


# The command in a child process, which prints its own peak memory (KiB) on exit: the high-water
# mark of its own address space (VmHWM), not ru_maxrss, which a child started by fork (or
# vfork, or posix_spawn) inherits from this process's peak and keeps across exec.
_CHILD = """import sys
from coproduce.cli.main import run

def peak_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

try:
    run(sys.argv[1:])
except SystemExit:
    print(peak_kib(), file=sys.stderr)
    raise
print(peak_kib(), file=sys.stderr)
"""


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    data = random_layered_map()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        path.write_text(json.dumps(data))
        t = time.perf_counter()
        model = load_model(path)
        t_load = time.perf_counter() - t
        cm = compile_model(model)
        target = cm.n_nodes - 1
        target_id = cm.node_ids[target]
        n = cm.n_nodes
        system = (sp.identity(n, format="csr") - cm.effect_matrix).tocsr()
        rhs = np.zeros(n)
        rhs[target] = 1.0
        upper = system.T.tocsr()

        # number of distinct routes into the target (log10), by the same DP on counts
        counts = effects_to(cm, target, np.ones(len(cm.link_effect)))
        log_routes = math.log10(counts[: cm.n_interventions].sum())

        t_general = best_of(lambda: spsolve(upper.tocsc(), rhs), repeat=1)
        t_tri = best_of(lambda: spsolve_triangular(upper, rhs, lower=False, unit_diagonal=True))
        t_total = best_of(lambda: effects_to(cm, target))
        t_routes = best_of(lambda: route_table(cm, target, k=10), repeat=9)
        t_routes1 = best_of(lambda: route_table(cm, target, k=1), repeat=9)
        t_map = best_of(lambda: backwards_map(cm, target_id, 100.0), repeat=2)
        tracemalloc.start()
        backwards_map(cm, target_id, 100.0)
        _, peak_lib = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        t = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                "map",
                str(path),
                "--target",
                f"{target_id}=100",
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        t_cli = time.perf_counter() - t
        cli_rss = int(proc.stderr.strip().splitlines()[-1]) / 1024 if proc.stderr else float("nan")
        pathways = len(json.loads(proc.stdout)["pathways"]) if proc.returncode == 0 else 0

    print(
        f"map: {n:,} nodes, {len(cm.link_effect):,} links, about 10^{log_routes:.0f} routes "
        f"from the interventions to the target; {pathways} pathways reach it"
    )
    print(f"{'step':46s} {'seconds':>9s} {'x triangular':>13s} {'x spsolve':>10s}")
    rows = [
        ("general sparse solve (spsolve)", t_general),
        ("triangular solve (spsolve_triangular): floor", t_tri),
        ("total effects to the target (ours)", t_total),
        ("top-10 routes for every intervention (ours)", t_routes),
        ("top-1 route for every intervention (ours)", t_routes1),
        ("backwards_map, whole library call", t_map),
        ("coproduce map --json, whole command", t_cli),
    ]
    for label, secs in rows:
        print(f"{label:46s} {secs:9.4f} {secs / t_tri:13.1f} {secs / t_general:10.4f}")
    print(f"loading and validating the model file: {t_load:.2f} s")
    print(
        f"peak memory: backwards_map {peak_lib / 2**20:.0f} MiB (Python allocations), "
        f"whole command {cli_rss:.0f} MiB (peak RSS of the child alone)"
    )
    print(
        f"goals: total effects <= 3x triangular: {t_total / t_tri:.1f}x; top-10 routes <= 10x "
        f"triangular: {t_routes / t_tri:.1f}x; whole command < 5 s: {t_cli:.1f} s"
    )


def growth(sizes: list[int]) -> None:
    """backwards_map on maps of the same shape (5 links a node, 60 layers) at growing sizes:
    seconds (best of 2), peak Python allocations, and the triangular solve at each size."""
    print(
        f"\n{'nodes':>8s} {'links':>8s} {'pathways':>9s} {'triangular s':>13s} "
        f"{'backwards_map s':>16s} {'x triangular':>13s} {'peak MiB':>9s} "
        f"{'growth: links':>14s} {'time':>6s}"
    )
    from coproduce.model import validate

    last = None
    for n_nodes in sizes:
        # a model file may hold at most validate.MAX_LINKS links (200,000): lifted here, in
        # this process only, to measure the library call on a larger map
        cap, validate.MAX_LINKS = validate.MAX_LINKS, max(validate.MAX_LINKS, 5 * n_nodes)
        try:
            cm = compile_model(load_model(random_layered_map(n_nodes=n_nodes, n_links=5 * n_nodes)))
        finally:
            validate.MAX_LINKS = cap
        target = cm.n_nodes - 1
        rhs = np.zeros(cm.n_nodes)
        rhs[target] = 1.0
        t_tri = best_of(
            lambda cm=cm, rhs=rhs: spsolve_triangular(
                cm.upper_system, rhs, lower=False, unit_diagonal=True
            )
        )
        target_id = cm.node_ids[target]
        result = backwards_map(cm, target_id, 100.0)
        t_map = best_of(lambda cm=cm, t=target_id: backwards_map(cm, t, 100.0), repeat=3)
        tracemalloc.start()
        backwards_map(cm, target_id, 100.0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        grow = (
            f"{len(cm.link_src) / last[0]:13.1f}x {t_map / last[1]:5.1f}x"
            if last
            else f"{'':14s} {'':6s}"
        )
        last = (len(cm.link_src), t_map)
        print(
            f"{cm.n_nodes:8,d} {len(cm.link_src):8,d} {len(result.pathways):9d} "
            f"{t_tri:13.4f} {t_map:16.3f} {t_map / t_tri:13.0f} {peak / 2**20:9.0f} {grow}"
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--growth",
        default="5000,20000,80000",
        help="node counts for the growth table (comma-separated; '' for none)",
    )
    args = parser.parse_args()
    main()
    if args.growth:
        growth([int(x) for x in args.growth.split(",")])
