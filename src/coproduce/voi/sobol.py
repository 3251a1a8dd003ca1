"""Variance-based (Sobol) first-order indices read from the draws, via SALib (optional).

The index of an input is the share of the variance of the *decision-relevant* output — the
incremental net benefit between the two options with the highest expected net benefit — that
the input explains alone. It is estimated from the existing draws with SALib's RBD-FAST
estimator (which works on given data, so no new model runs are needed and imported draws work
too). SALib is an optional dependency: ``pip install SALib``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core import _nb


def sobol_first_order(
    net_benefit: np.ndarray, inputs: pd.DataFrame, seed: int = 0
) -> dict[str, float]:
    """First-order Sobol index (0-1) of each varying input, largest first."""
    try:
        from SALib.analyze import rbd_fast
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("Sobol indices need SALib: pip install SALib") from exc
    nb = _nb(net_benefit)
    if nb.shape[1] < 2:
        return {}
    order = np.argsort(-nb.mean(axis=0), kind="stable")
    y = nb[:, order[0]] - nb[:, order[1]]
    cols = [c for c in inputs.columns if np.ptp(inputs[c].to_numpy(dtype=float)) > 0]
    if not cols or np.ptp(y) == 0:
        return dict.fromkeys(map(str, cols), 0.0)
    x = inputs[cols].to_numpy(dtype=float)
    problem = {
        "num_vars": len(cols),
        "names": [str(c) for c in cols],
        "bounds": [[float(a), float(b)] for a, b in zip(x.min(0), x.max(0), strict=True)],
    }
    res = rbd_fast.analyze(problem, x, y, seed=seed)
    values = {str(c): float(max(v, 0.0)) for c, v in zip(cols, res["S1"], strict=True)}
    return dict(sorted(values.items(), key=lambda kv: -kv[1]))
