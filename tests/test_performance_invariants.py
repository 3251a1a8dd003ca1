"""The invariants the fast paths rely on (docs/performance.md), as tests, not timings:

- the vectorised k-best route table equals a plain k-best dynamic programme, node by node, on
  random maps (ties included: largest effect first, then the earlier link, then the better
  route beyond it);
- co-benefits worked out in blocks of pathways equal those worked out all at once;
- ``import coproduce`` and the command line's start load no scipy.sparse, pandas or plotly;
- the design matrix of a survey model is the same whether text columns reach patsy as text or
  as the categoricals the fast path turns them into;
- the process pool kept for a command's life gives each ``map`` its own shared input.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import patsy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.engine import backwards
from coproduce.engine.backwards import backwards_map
from coproduce.engine.routes import COMPLEX, CONTESTED, UNGRADED, WEAK, route_table
from coproduce.model import compile_model, load_model

from .test_properties import random_map


# ----------------------------------------------------------------------------- route tables
def reference_table(cm, target: int, k: int, effect=None, *, near_ties: bool = True):
    """The k best routes of every node, one node at a time in reverse topological order,
    candidates sorted by (-|effect|, link, rank): the definition the fast table must meet.
    As documented in ``route_table``, effects that differ only in their lowest ``bits`` bits
    (bits = log2 of a node's links on routes × k) count as tied, so a near-tie of rounding
    goes to the earlier link, as an exact tie does. ``near_ties=False``: values compared
    exactly (the plain definition, to bound how far the tie rule may move a value)."""
    n = cm.n_nodes
    eff = cm.link_effect if effect is None else np.asarray(effect, dtype=float)
    absval = np.abs(eff)
    out = {i: [] for i in range(n)}
    for lk in range(len(eff)):
        out[int(cm.link_src[lk])].append(lk)
    reaches = np.zeros(n, dtype=bool)
    reaches[target] = True
    for node in range(target - 1, -1, -1):  # links run forward: successors are done
        reaches[node] = any(absval[lk] > 0 and reaches[cm.link_dst[lk]] for lk in out[node])
    on_routes = [
        sum(1 for lk in out[node] if absval[lk] > 0 and reaches[cm.link_dst[lk]])
        for node in range(n)
        if reaches[node]
    ]
    low = (1 << max(int(max([*on_routes, 1]) * k - 1).bit_length(), 1)) - 1 if near_ties else 0

    def tie_key(v: float) -> int:
        return int(np.array([v]).view(np.int64)[0]) & ~low

    value = np.zeros((n, k))
    sign = np.ones((n, k), dtype=np.int8)
    link = np.full((n, k), -1, dtype=np.int64)
    rank = np.zeros((n, k), dtype=np.int64)
    flags = np.zeros(n, dtype=np.int64)
    value[target, 0] = 1.0
    bits = (
        CONTESTED * cm.link_contested + WEAK * cm.link_weak + UNGRADED * cm.link_ungraded
    ).astype(np.int64)
    cplx = (COMPLEX * cm.node_complex).astype(np.int64)
    tiny = np.finfo(float).tiny
    for node in range(target - 1, -1, -1):
        if not reaches[node]:
            continue
        cands = []
        for lk in sorted(out[node]):
            d = int(cm.link_dst[lk])
            if absval[lk] == 0 or not reaches[d]:
                continue
            flags[node] |= bits[lk] | flags[d] | cplx[d]
            for j in range(k):
                v = absval[lk] * value[d, j]
                if v >= tiny:
                    cands.append((-tie_key(v), lk, j, v))
        for col, (_key, lk, j, v) in enumerate(sorted(cands)[:k]):
            d = int(cm.link_dst[lk])
            value[node, col] = v
            sign[node, col] = np.sign(eff[lk]).astype(np.int8) * sign[d, j]
            link[node, col] = lk
            rank[node, col] = j
    flags[reaches] |= cplx[reaches]
    return value, sign, link, rank, flags, reaches


def assert_same_table(cm, target, k, effect=None):
    fast = route_table(cm, target, k=k, effect=effect)
    value, sign, link, rank, flags, reaches = reference_table(cm, target, k, effect)
    assert np.array_equal(fast.reaches, reaches)
    assert np.array_equal(fast.value, value)
    assert np.array_equal(fast.sign, sign)
    assert np.array_equal(fast.link, link)
    assert np.array_equal(fast.rank, rank)
    assert np.array_equal(fast.flags, flags)
    # and the tie rule moves no value more than rounding does: against exact comparison, a
    # different route may be chosen only where the two are equal to 12 digits
    exact = reference_table(cm, target, k, effect, near_ties=False)[0]
    assert np.allclose(fast.value, exact, rtol=1e-12, atol=0)


@settings(max_examples=150, deadline=None)
@given(random_map(), st.integers(1, 4), st.data())
def test_route_table_equals_the_plain_k_best_programme(model, k, data):
    cm = compile_model(model)
    for target in range(cm.n_interventions, cm.n_nodes):
        assert_same_table(cm, target, k)
    # with some links switched off (effects replaced, as the flags and scenarios do)
    off = np.array(
        data.draw(
            st.lists(st.booleans(), min_size=len(cm.link_effect), max_size=len(cm.link_effect))
        ),
        dtype=bool,
    )
    assert_same_table(cm, cm.n_nodes - 1, k, np.where(off, 0.0, cm.link_effect))


def _two_routes(via_o0: float):
    """i1 reaches o4 along i1 → o2 (2 × 1/3) and along i1 → o0 → o2 (1 × ``via_o0`` × 1/3);
    the link to o0 is the earlier one."""
    return compile_model(
        load_model(
            {
                "coproduce": 1,
                "name": "near tie",
                "price_year": 2024,
                "resources": {"h": {"unit": "hour", "sector": "public", "unit_cost": 10.0}},
                "interventions": {"i1": {"volume": 0.0, "inputs": {"h": 1.0}}},
                "outcomes": {f"o{j}": {} for j in (0, 2, 4)},
                "links": [
                    {"from": "i1", "to": "o0", "effect": 1.0},
                    {"from": "i1", "to": "o2", "effect": 2.0},
                    {"from": "o0", "to": "o2", "effect": via_o0},
                    {"from": "o2", "to": "o4", "effect": 1 / 3},
                ],
            }
        )
    )


@pytest.mark.parametrize(
    ("via_o0", "first_to"),
    [
        # found by hypothesis: 1 ulp apart, equal but for rounding: tied, so the earlier link
        (1.9999999999999998, "o0"),
        # 1e-13 apart (hundreds of ulps, far beyond rounding): the larger, the later link
        (2.0 - 2e-13, "o2"),
    ],
)
def test_only_a_near_tie_of_rounding_goes_to_the_earlier_link(via_o0, first_to):
    cm = _two_routes(via_o0)
    target = cm.index["o4"]
    for k in (1, 2):
        assert_same_table(cm, target, k)
    table = route_table(cm, target, k=1)
    assert cm.link_dst[table.link[cm.index["i1"], 0]] == cm.index[first_to]


def layered(
    seed: int, n_nodes: int = 600, n_links: int = 3000, layers: int = 12, ties: bool = False
):
    rng = np.random.default_rng(seed)
    width = n_nodes // layers
    src = rng.integers(0, (layers - 1) * width, n_links)
    dst = (src // width + rng.integers(1, 3, n_links)).clip(max=layers - 1) * width + rng.integers(
        0, width, n_links
    )
    pairs = sorted(set(zip(src.tolist(), dst.tolist(), strict=True)))
    effects = (
        rng.choice([0.5, 1.0, -1.0, 2.0], len(pairs))
        if ties
        else rng.uniform(0.05, 0.9, len(pairs)) * rng.choice([1, -1], len(pairs))
    )
    name = [f"i{k}" if k < width else f"o{k}" for k in range(n_nodes)]
    return load_model(
        {
            "coproduce": 1,
            "name": "layered",
            "price_year": 2024,
            "resources": {"h": {"unit": "hour", "sector": "public", "unit_cost": 10}},
            "interventions": {name[k]: {"inputs": {"h": 1}} for k in range(width)},
            "outcomes": {name[k]: {"complex": bool(k % 17 == 0)} for k in range(width, n_nodes)},
            "links": [
                {
                    "from": name[a],
                    "to": name[b],
                    "effect": float(e),
                    "evidence": int(1 + (a + b) % 5),
                    "contested": bool((a * b) % 11 == 0),
                }
                for (a, b), e in zip(pairs, effects, strict=True)
            ],
        }
    )


@pytest.mark.parametrize("ties", [False, True])
def test_route_table_equals_the_plain_programme_on_layered_maps(ties):
    # hubs and wide layers, exact ties (effects 0.5, 1, 2 and -1) or none
    cm = compile_model(layered(3, ties=ties))
    for k in (1, 3, 10):
        assert_same_table(cm, cm.n_nodes - 1, k)
    assert_same_table(cm, cm.n_nodes - 250, 10)


def test_route_table_with_a_hub():
    # one node with far more links than its neighbours takes the sort-everything path
    links = [{"from": "i0", "to": f"m{j}", "effect": 0.1 + j / 100} for j in range(60)]
    links += [{"from": f"m{j}", "to": "goal", "effect": 1.0 - j / 100} for j in range(60)]
    links += [{"from": "i1", "to": "m0", "effect": 0.5}, {"from": "i2", "to": "m1", "effect": -0.5}]
    model = load_model(
        {
            "coproduce": 1,
            "name": "hub",
            "price_year": 2024,
            "resources": {"h": {"unit": "hour", "sector": "public", "unit_cost": 10}},
            "interventions": {f"i{j}": {"inputs": {"h": 1}} for j in range(3)},
            "outcomes": {**{f"m{j}": {} for j in range(60)}, "goal": {}},
            "links": links,
        }
    )
    cm = compile_model(model)
    for k in (1, 5, 10):
        assert_same_table(cm, cm.index["goal"], k)


# ----------------------------------------------------------------------------- co-benefits
def assert_same_map(a, b, path="result"):
    """Equal, field by field; the totals of value by kind (a matrix product over the block's
    pathways, summed by BLAS in an order that may depend on the block's size) to 1e-12."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same_map(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_map(x, y, f"{path}[{k}]")
    elif isinstance(a, float) and "co_benefit_value" in path:
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12), path
    else:
        assert a == b, path


@pytest.mark.parametrize("example", ["older-people", "neighbourhood-safety"])
@pytest.mark.parametrize("limit", [None, 0, 2, 50])
def test_co_benefits_in_blocks_equal_all_at_once(monkeypatch, example, limit):
    cm = compile_model(load_model(f"example:{example}"))
    outcome = cm.outcome_ids[-1]
    whole = backwards_map(cm, outcome, 10.0, co_benefits=limit).to_dict()
    monkeypatch.setattr(backwards, "_CELLS", 1)  # one pathway a block
    assert_same_map(backwards_map(cm, outcome, 10.0, co_benefits=limit).to_dict(), whole)


def test_co_benefits_in_blocks_on_a_layered_map(monkeypatch):
    cm = compile_model(layered(5))
    outcome = cm.node_ids[-1]
    whole = backwards_map(cm, outcome, 10.0, co_benefits=7).to_dict()
    assert len(whole["pathways"]) > 5
    monkeypatch.setattr(backwards, "_CELLS", 3 * len(cm.outcome_ids))  # 3 pathways a block
    assert_same_map(backwards_map(cm, outcome, 10.0, co_benefits=7).to_dict(), whole)


# ----------------------------------------------------------------------------- start-up
@pytest.mark.parametrize("module", ["coproduce", "coproduce.cli.main"])
def test_start_up_loads_no_heavy_library(module):
    heavy = ("scipy.sparse", "scipy", "pandas", "plotly", "statsmodels", "patsy", "pyarrow")
    code = f"import sys, {module}\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing {module} loaded {out}"


def test_lazy_names_are_the_real_ones():
    import coproduce as cp
    from coproduce.engine.planning import plan
    from coproduce.model import Model

    assert cp.plan is plan and cp.Model is Model
    assert set(cp.__all__) <= set(dir(cp))


# ----------------------------------------------------------------------------- survey
def test_design_matrix_is_the_same_from_text_or_categoricals():
    from coproduce.survey.glm import _categorical_text

    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, n).astype(float),
            "age": rng.uniform(18, 90, n),
            "sex": pd.array(rng.choice(["male", "female"], n), dtype="string[pyarrow]"),
            "country": rng.choice(["UK", "Denmark", "France", "Czech Republic", "Ésto"], n).astype(
                object
            ),
            "band": rng.choice(np.array(["b", "a", None], dtype=object), n),  # None: missing
        }
    )
    na = patsy.NAAction(NA_types=["None", "NaN"])
    for rhs in (
        "age + sex + country",
        "C(country) + sex:age",
        "C(country, Treatment('UK')) + C(sex, levels=['male', 'female'])",
        "age + band + C(country)",
        "C(country, Sum) - 1",
    ):
        fast = patsy.dmatrix(
            rhs,
            _categorical_text(frame, rhs),
            NA_action=na,
            return_type="dataframe",
            eval_env=patsy.EvalEnvironment([vars(sys.modules["coproduce.survey.glm"])]),
        )
        plain = patsy.dmatrix(rhs, frame, NA_action=na, return_type="dataframe")
        assert list(fast.columns) == list(plain.columns), rhs
        assert fast.index.equals(plain.index), rhs
        assert np.array_equal(fast.to_numpy(), plain.to_numpy()), rhs


# ----------------------------------------------------------------------------- process pool
def _scaled(shared, item):
    return shared * item


def test_the_kept_pool_gives_each_map_its_own_input():
    from coproduce.scale import executor

    pool = executor("processes", 2)
    assert executor("processes", 2) is pool  # one pool for the command's life
    assert dict(pool.map(_scaled, 10, list(range(6)))) == {k: 10 * k for k in range(6)}
    assert dict(pool.map(_scaled, 3, list(range(6)))) == {k: 3 * k for k in range(6)}
    pool.close()  # a kept pool stays up for the next analysis
    assert dict(pool.map(_scaled, -1, [4])) == {4: -4}
