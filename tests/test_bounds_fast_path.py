"""The fast checks of parsed data (depth, size, numbers, names) say yes exactly when the
located walk they stand in front of finds nothing: a property over random nested data."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.model.files import _locate_tree_problem, tree_problem
from coproduce.model.validate import shape_issues

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**120), max_value=10**120),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e15, -1e15, 1e15 + 1, 10**15, 10**15 + 1]),
    st.text(max_size=3),
)
keys = st.one_of(st.text(max_size=3), st.integers(0, 3), st.booleans(), st.none())
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(trees, st.integers(1, 6), st.integers(1, 40))
def test_the_fast_limit_check_agrees_with_the_located_one(data, depth, values):
    assert tree_problem(data, max_depth=depth, max_values=values) == _locate_tree_problem(
        data, depth, values
    )


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=3), trees, max_size=4))
def test_the_fast_shape_check_agrees_with_the_located_one(data):
    from coproduce.model import validate

    fast = shape_issues(data)
    real = validate._shape_clean
    try:
        validate._shape_clean = lambda _d: False  # always take the located walk
        slow = shape_issues(data)
    finally:
        validate._shape_clean = real
    assert fast == slow
