"""Start-up: how long the command takes before it does any work, against importing numpy.

Printed side by side, in one run: the wall time (best and median of ``--runs`` fresh processes,
as hyperfine would) of ``python -c "import numpy"`` (the floor DESIGN.md measures against),
``python -c "import coproduce"``, ``coproduce --help`` and ``coproduce check
example:older-people``, each as a ratio to the numpy import; then the modules that
``coproduce.cli.main`` spends its import time on (``python -X importtime``, cumulative, the
largest first) and whether any heavy library (scipy, pandas, plotly, statsmodels, pyarrow) is
loaded by ``import coproduce`` or by the command line's start.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--runs 10]`` (about half a minute).
Goals: ``coproduce --help`` under 0.5 s, ``coproduce check example:older-people`` under 1 s.
Not a test: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = ("scipy", "scipy.sparse", "pandas", "plotly", "statsmodels", "patsy", "pyarrow")


def wall(argv: list[str], runs: int) -> tuple[float, float]:
    """(best, median) seconds of ``runs`` fresh processes (after one warm-up run)."""
    subprocess.run(argv, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def import_profile(module: str, top: int = 12) -> list[tuple[float, str]]:
    """The modules with the largest cumulative import time (seconds) under -X importtime."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in line:
            continue
        rows.append((int(parts[1]) / 1e6, parts[2].strip()))
    return sorted(rows, reverse=True)[:top]


def loaded(module: str) -> list[str]:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return [m for m in out.split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    py = sys.executable
    cases = [
        ("python -c 'import numpy' (floor)", [py, "-c", "import numpy"]),
        ("python -c 'import coproduce'", [py, "-c", "import coproduce"]),
        ("coproduce --help", [py, "-m", "coproduce", "--help"]),
        (
            "coproduce check example:older-people",
            [py, "-m", "coproduce", "check", "example:older-people"],
        ),
    ]
    results = [(label, *wall(argv, args.runs)) for label, argv in cases]
    floor = results[0][1]
    print(f"{'command':40s} {'best s':>8s} {'median s':>9s} {'x numpy import':>15s}")
    for label, best, median in results:
        print(f"{label:40s} {best:8.3f} {median:9.3f} {best / floor:15.1f}")
    print("\nimport time of coproduce.cli.main, cumulative (python -X importtime):")
    for secs, name in import_profile("coproduce.cli.main"):
        print(f"  {secs:7.3f} s  {name.strip()}")
    for module in ("coproduce", "coproduce.cli.main"):
        heavy = loaded(module)
        print(
            f"import {module} loads: {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}"
        )
    best_help, best_check = results[2][1], results[3][1]
    print(
        f"goals: --help < 0.5 s: {best_help:.2f} s; check < 1 s: {best_check:.2f} s; "
        f"--help <= 3x numpy import: {best_help / floor:.1f}x"
    )


if __name__ == "__main__":
    main()
