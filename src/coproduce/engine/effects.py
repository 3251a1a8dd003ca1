"""Total effects and outcome levels on a compiled strategy map.

Nodes are numbered topologically, so ``I - A`` is unit lower triangular and every propagation
is one sparse triangular solve — dynamic programming over the topological order, O(links),
without listing paths (their number can grow exponentially with the map).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..model.compile import CompiledModel

if TYPE_CHECKING:
    import scipy.sparse as sp

_CHUNK = 256  # right-hand sides per triangular solve: bounds memory at nodes × 256 floats


def spsolve_triangular(*args, **kwargs) -> np.ndarray:
    """scipy's sparse triangular solve, imported on first use (not at start-up)."""
    from scipy.sparse.linalg import spsolve_triangular as solve

    return solve(*args, **kwargs)


def _system(cm: CompiledModel, effect: np.ndarray | None = None) -> sp.csr_matrix:
    if effect is None:
        return cm.lower_system
    import scipy.sparse as sp

    n = cm.n_nodes
    a = sp.csr_matrix((effect, (cm.link_dst, cm.link_src)), shape=(n, n))
    return (sp.identity(n, format="csr") - a).tocsr()


def node_levels(cm: CompiledModel, volumes: np.ndarray) -> np.ndarray:
    """Level of every node (interventions: their volume; outcomes: the change attributable
    to the interventions, in outcome units) for intervention ``volumes`` (n_interventions,)."""
    b = np.zeros(cm.n_nodes)
    b[: cm.n_interventions] = np.asarray(volumes, dtype=float)
    if cm.n_nodes == 0:
        return b
    return spsolve_triangular(_system(cm), b, lower=True, unit_diagonal=True)


def outcome_levels(cm: CompiledModel, volumes: np.ndarray) -> np.ndarray:
    """Outcome levels (n_outcomes,) for the given intervention volumes."""
    return node_levels(cm, volumes)[cm.n_interventions :]


def effects_to(cm: CompiledModel, outcome: int, effect: np.ndarray | None = None) -> np.ndarray:
    """Total effect on node ``outcome`` of one unit of every node: row ``outcome`` of
    (I - A)^-1, i.e. T[outcome, i] for interventions i = 0..n_interventions-1. ``effect``
    replaces the links' effects (one per link), e.g. to switch some links off."""
    e = np.zeros(cm.n_nodes)
    e[outcome] = 1.0
    if effect is not None and not np.any(effect):  # every link switched off: I x = e
        return e
    upper = cm.upper_system if effect is None else _system(cm, effect).T.tocsr()
    return spsolve_triangular(upper, e, lower=False, unit_diagonal=True)


def weighted_effects(cm: CompiledModel, weights: np.ndarray) -> np.ndarray:
    """Σ_o weights[o, k] T[o, i] for every intervention i and each column k of ``weights``
    (outcomes × kinds): the value of one unit of each intervention, by kind, from one backward
    triangular solve per kind (all kinds in one call), never the total-effect matrix."""
    w = np.asarray(weights, dtype=float)
    rhs = np.zeros((cm.n_nodes, *w.shape[1:]))
    rhs[cm.n_interventions :] = w
    x = spsolve_triangular(cm.upper_system, rhs, lower=False, unit_diagonal=True)
    return np.asarray(x[: cm.n_interventions], dtype=float)


def effects_from(cm: CompiledModel, interventions: np.ndarray) -> np.ndarray:
    """Total effects of one unit of each of ``interventions`` on every node:
    an array (n_nodes × len(interventions)), solved in chunks to bound memory."""
    interventions = np.asarray(interventions, dtype=np.int64)
    out = np.zeros((cm.n_nodes, len(interventions)))
    if len(interventions) == 0:
        return out
    system = _system(cm)
    for start in range(0, len(interventions), _CHUNK):
        cols = interventions[start : start + _CHUNK]
        b = np.zeros((cm.n_nodes, len(cols)))
        b[cols, np.arange(len(cols))] = 1.0
        out[:, start : start + len(cols)] = spsolve_triangular(
            system, b, lower=True, unit_diagonal=True
        )
    return out


def total_effects(cm: CompiledModel) -> np.ndarray:
    """The total-effect matrix T (n_outcomes × n_interventions): change in each outcome per
    unit of each intervention, summed over every path."""
    full = effects_from(cm, np.arange(cm.n_interventions))
    return full[cm.n_interventions :, :]
