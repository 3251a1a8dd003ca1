"""Backwards mapping on a large random strategy map, against the floor of the work.

A layered random map of 20,000 nodes (333 interventions, the rest outcomes in 59 layers) and
about 100,000 links — more than 10^30 distinct routes — is built, written as a model file and
mapped backwards to one outcome in the last layer. Printed side by side, in one run:

- one general sparse solve of (I - A) x = b (scipy.sparse.linalg.spsolve; fill-in makes it slow),
- one sparse triangular solve of the same system (spsolve_triangular: the O(links) floor),
- our total effects to the target, and our top-10 routes for every intervention,
- the whole library call (``backwards_map``) and the whole ``coproduce map --json`` command,
  with peak memory.

Run: ``.venv/bin/python benchmarks/bench_map.py`` (about a minute, most of it in spsolve).
Not a test: timings on a shared machine are noisy, so read the ratios.
"""

from __future__ import annotations

import json
import math
import resource
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


def random_layered_map(seed: int = 7) -> dict:
    """Model-file data for a random layered map; links mostly join neighbouring layers."""
    rng = np.random.default_rng(seed)
    width = N_NODES // N_LAYERS
    layer = np.repeat(np.arange(N_LAYERS), width)
    src = rng.integers(0, N_NODES - width, int(N_LINKS * 1.05))
    jump = np.clip(rng.geometric(0.6, len(src)), 1, N_LAYERS - 1 - layer[src])
    dst = (layer[src] + jump) * width + rng.integers(0, width, len(src))
    _, first = np.unique(src * N_NODES + dst, return_index=True)
    first = np.sort(first)[:N_LINKS]
    src, dst = src[first], dst[first]
    effect = rng.uniform(0.05, 0.6, len(src)) * rng.choice([1, 1, 1, -1], len(src))
    evidence = rng.integers(1, 6, len(src))
    contested = rng.random(len(src)) < 0.02

    def name(k: int) -> str:
        return f"i{k}" if k < width else f"o{k}"

    return {
        "coproduce": 1, "name": "Random layered map", "price_year": 2024,
        "resources": {"staff": {"unit": "hour", "sector": "public", "unit_cost": 40},
                      "volunteer": {"unit": "hour", "sector": "community", "unit_cost": 12}},
        "interventions": {name(k): {"inputs": {"staff": float(1 + k % 7),
                                               "volunteer": float(k % 5)}}
                          for k in range(width)},
        "outcomes": {name(k): {} for k in range(width, N_NODES)},
        "links": [{"from": name(int(a)), "to": name(int(b)), "effect": round(float(e), 4),
                   "evidence": int(g), "contested": bool(c)}
                  for a, b, e, g, c in zip(src, dst, effect, evidence, contested, strict=True)],
    }


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
        t_routes = best_of(lambda: route_table(cm, target, k=10), repeat=3)
        t_map = best_of(lambda: backwards_map(cm, target_id, 100.0), repeat=2)
        tracemalloc.start()
        backwards_map(cm, target_id, 100.0)
        _, peak_lib = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c",
                               "import resource,sys\n"
                               "from coproduce.cli.main import run\n"
                               "try:\n    run(sys.argv[1:])\n"
                               "except SystemExit as e:\n"
                               "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
                               " file=sys.stderr)\n    raise\n",
                               "map", str(path), "--target", f"{target_id}=100", "--json"],
                              capture_output=True, text=True)
        t_cli = time.perf_counter() - t
        cli_rss = int(proc.stderr.strip().splitlines()[-1]) / 1024 if proc.stderr else float("nan")
        pathways = len(json.loads(proc.stdout)["pathways"]) if proc.returncode == 0 else 0

    print(f"map: {n:,} nodes, {len(cm.link_effect):,} links, about 10^{log_routes:.0f} routes "
          f"from the interventions to the target; {pathways} pathways reach it")
    print(f"{'step':46s} {'seconds':>9s} {'x triangular':>13s} {'x spsolve':>10s}")
    rows = [
        ("general sparse solve (spsolve)", t_general),
        ("triangular solve (spsolve_triangular): floor", t_tri),
        ("total effects to the target (ours)", t_total),
        ("top-10 routes for every intervention (ours)", t_routes),
        ("backwards_map, whole library call", t_map),
        ("coproduce map --json, whole command", t_cli),
    ]
    for label, secs in rows:
        print(f"{label:46s} {secs:9.4f} {secs / t_tri:13.1f} {secs / t_general:10.4f}")
    print(f"loading and validating the model file: {t_load:.2f} s")
    print(f"peak memory: backwards_map {peak_lib / 2**20:.0f} MiB (Python allocations), "
          f"whole command {cli_rss:.0f} MiB (max RSS)")
    print(f"goals: total effects <= 3x triangular: {t_total / t_tri:.1f}x; top-10 routes <= 30x "
          f"triangular: {t_routes / t_tri:.1f}x; whole command < 5 s: {t_cli:.1f} s")
    _ = resource  # imported for the child process's measurement


if __name__ == "__main__":
    main()
