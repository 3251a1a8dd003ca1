"""Survey-weighted logistic regression on a large synthetic survey, against statsmodels.

A survey of N respondents (default 1,000,000) in 20 strata of 100 clusters each, with a numeric
age and self-efficacy score and two text columns held as pandas' Arrow-backed strings (as
``read_survey`` gives them: sex and country), and a 0/1 outcome drawn from a logistic model. Printed
side by side, in one run (best of ``--repeats``, the floor and ours taken in turn):

- the floor: statsmodels' weighted ``GLM(...).fit()`` (Binomial, the same tolerance) on the
  finished design matrix (numpy), as ``fit_glm`` calls it;
- the design matrix alone, as ``fit_glm`` builds it from the formula and the data;
- ``fit_glm`` whole: design matrix, fit, and the design-based (strata and clusters) sandwich
  covariance;
- peak memory of ``fit_glm`` (Python allocations, tracemalloc) against the size of the data
  and against statsmodels' fit alone on the finished matrix.

Run: ``.venv/bin/python benchmarks/bench_survey.py [--n 1000000] [--repeats 4]`` (about a minute
at a million; try ``--n 100000`` first). Not a test: read the ratios.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from coproduce.survey.design import Design
from coproduce.survey.glm import _matrices, fit_glm

FORMULA = "took_part ~ age + sex + C(country) + efficacy"


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 20, n)
    cluster = stratum * 100 + rng.integers(0, 100, n)
    age = rng.uniform(18, 90, n).round()
    sex = rng.choice(np.array(["female", "male"]), n)
    country = rng.choice(
        np.array(["Czech Republic", "Denmark", "France", "Germany", "United Kingdom"]), n
    )
    efficacy = rng.normal(0, 1, n)
    eta = (
        -1
        + 0.01 * (age - 50)
        + 0.3 * (sex == "female")
        + 0.5 * efficacy
        + 0.2 * (country == "United Kingdom")
    )
    took_part = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    weight = rng.uniform(0.5, 2.0, n) * 100
    return pd.DataFrame(
        {
            "stratum": stratum,
            "cluster": cluster,
            "weight": weight,
            "age": age,
            "sex": pd.array(sex, dtype="string[pyarrow]"),
            "country": pd.array(country, dtype="string[pyarrow]"),
            "efficacy": efficacy,
            "took_part": took_part,
        }
    )


def best_of(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    frame = synthetic(args.n)
    data_mib = frame.memory_usage(deep=True).sum() / 2**20
    design = Design(frame, weights="weight", strata="stratum", clusters="cluster")

    t_matrix, (y, xframe, _rows, _info) = best_of(
        lambda: _matrices(design, FORMULA, "binomial"), args.repeats
    )
    x = xframe.to_numpy(dtype=float)
    w = design.weights

    def statsmodels_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.GLM(
                y.to_numpy(dtype=float), x, family=sm.families.Binomial(), var_weights=w / w.mean()
            ).fit(tol=1e-12, maxiter=100)

    # the floor and ours taken in turn, so that both see the same load; best of each
    sm_times, our_times = [], []
    for _ in range(args.repeats):
        t, res = best_of(statsmodels_fit, 1)
        sm_times.append(t)
        t, fit = best_of(lambda: fit_glm(design, FORMULA, "binomial"), 1)
        our_times.append(t)
    t_sm, t_ours = min(sm_times), min(our_times)
    tracemalloc.start()
    fit_glm(design, FORMULA, "binomial")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    statsmodels_fit()
    _, peak_sm = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    agree = np.allclose(fit.coef, np.asarray(res.params), rtol=1e-9, atol=1e-12)

    print(
        f"survey: {args.n:,} respondents, 20 strata, 2,000 clusters; {FORMULA}; "
        f"{x.shape[1]} coefficients; data {data_mib:.0f} MiB"
    )
    print(f"{'step':52s} {'seconds':>9s} {'x statsmodels':>14s}")
    for label, secs in (
        ("statsmodels GLM fit on the finished matrix: floor", t_sm),
        ("design matrix from the formula (ours)", t_matrix),
        ("fit_glm whole: matrix, fit, design-based SEs", t_ours),
    ):
        print(f"{label:52s} {secs:9.2f} {secs / t_sm:14.2f}")
    print(
        f"peak memory of fit_glm: {peak / 2**20:.0f} MiB, {peak / 2**20 / data_mib:.2f}x the "
        f"data, {peak / peak_sm:.2f}x statsmodels' fit alone ({peak_sm / 2**20:.0f} MiB); "
        f"coefficients agree with statsmodels: {agree}"
    )
    print(
        f"goals: fit_glm <= 1.5x statsmodels: {t_ours / t_sm:.2f}x; memory <= 1.5x the data: "
        f"{peak / 2**20 / data_mib:.2f}x"
    )


if __name__ == "__main__":
    main()
