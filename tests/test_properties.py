"""Invariants on random small strategy maps, checked against brute-force path enumeration
(fine on small maps; the engine itself never enumerates)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.engine import node_levels, route_table, total_effects
from coproduce.model import compile_model, load_model


@st.composite
def random_map(draw):
    n_i = draw(st.integers(1, 4))
    n_o = draw(st.integers(1, 7))
    interventions = [f"i{k}" for k in range(n_i)]
    outcomes = [f"o{k}" for k in range(n_o)]
    links = []
    effects = st.one_of(
        st.floats(-2, 2, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
        st.sampled_from([0.5, 1.0, -1.0, 2.0]),
    )
    for src_kind, srcs in (("i", interventions), ("o", outcomes)):
        for a, src in enumerate(srcs):
            for b, dst in enumerate(outcomes):
                if src_kind == "o" and b <= a:
                    continue  # outcomes only link forward: acyclic by construction
                if draw(st.booleans()):
                    links.append(
                        {
                            "from": src,
                            "to": dst,
                            "effect": draw(effects),
                            "evidence": draw(st.integers(1, 5)),
                            "contested": draw(st.booleans()),
                        }
                    )
    data = {
        "coproduce": 1,
        "name": "random",
        "price_year": 2024,
        "resources": {"h": {"unit": "hour", "sector": "public", "unit_cost": 10}},
        "interventions": {i: {"inputs": {"h": 1}} for i in interventions},
        "outcomes": {o: {} for o in outcomes},
        "links": links,
    }
    return load_model(data)


def enumerate_paths(model, start, goal):
    """Every path start -> goal with the product of its effects (depth-first, test only)."""
    out_links = {}
    for lk in model.links:
        out_links.setdefault(lk.from_, []).append((lk.to, float(lk.effect)))
    found = []

    def walk(node, path, prod):
        if node == goal:
            found.append((tuple(path), prod))
            return
        for nxt, e in out_links.get(node, []):
            walk(nxt, [*path, nxt], prod * e)

    walk(start, [start], 1.0)
    return found


@settings(max_examples=150, deadline=None)
@given(random_map())
def test_total_effect_is_sum_over_paths(model):
    cm = compile_model(model)
    T = total_effects(cm)
    for a, iid in enumerate(cm.intervention_ids):
        for b, oid in enumerate(cm.outcome_ids):
            expected = sum(p for _, p in enumerate_paths(model, iid, oid))
            assert np.isclose(T[b, a], expected, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    random_map(),
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
    st.floats(-3, 3),
)
def test_levels_are_linear_in_volumes(model, v1, v2, c):
    cm = compile_model(model)
    n = cm.n_interventions
    x, y = np.array(v1[:n]), np.array(v2[:n])
    lx, ly = node_levels(cm, x), node_levels(cm, y)
    assert np.allclose(node_levels(cm, x + c * y), lx + c * ly, atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(random_map(), st.integers(1, 5))
def test_top_k_routes_are_the_k_largest(model, k):
    cm = compile_model(model)
    for oid in cm.outcome_ids:
        table = route_table(cm, cm.index[oid], k=k)
        for iid in cm.intervention_ids:
            truth = sorted(
                (abs(p) for _, p in enumerate_paths(model, iid, oid) if p != 0), reverse=True
            )
            got = table.routes(cm, cm.index[iid])
            assert np.allclose([abs(e) for _, _, e in got], truth[:k])
            # each reported route is a real path whose product is its effect
            paths = dict(enumerate_paths(model, iid, oid))
            for nodes, _, eff in got:
                key = tuple(cm.node_ids[n] for n in nodes)
                assert np.isclose(paths[key], eff)
            # any route through a contested link is flagged
            contested = any(
                lk.contested
                for path in paths
                for lk in model.links
                if any(lk.from_ == a and lk.to == b for a, b in itertools.pairwise(path))
                and paths[path] != 0
            )
            assert bool(table.flags[cm.index[iid]] & 1) == contested


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.data())
def test_topological_order_puts_every_edge_forward_or_finds_the_cycle(n, data):
    from coproduce.model.graph import topological_order
    from coproduce.model.validate import find_cycle

    pairs = data.draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n, unique=True
        )
    )
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    order = topological_order(n, src, dst)
    cycle = find_cycle(range(n), pairs)
    if order is None:
        # a cycle exists, and find_cycle names one that really is a closed walk of edges
        assert cycle is not None and cycle[0] == cycle[-1]
        assert all((a, b) in set(pairs) for a, b in itertools.pairwise(cycle))
    else:
        assert cycle is None
        assert sorted(order.tolist()) == list(range(n))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        assert all(rank[a] < rank[b] for a, b in pairs)
