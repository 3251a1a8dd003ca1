"""Property test of the JSON API against its own OpenAPI document: whatever the path ids,
query values and JSON bodies, no call ends in a server error (5xx) and every answer is JSON.

This plays the part schemathesis would: operations are read from ``/openapi.json`` and each
is called with values drawn by hypothesis — well-typed ones near the schema and arbitrary
JSON — as an admin of one organisation holding real objects.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from .conftest import example_data

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


def _value(doc: dict, schema: dict, real: dict):
    """A strategy for a value of ``schema``: usually well-typed, sometimes anything."""
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        return st.one_of([_value(doc, s, real) for s in schema["anyOf"]])
    kind = schema.get("type")
    typed = {
        "integer": st.integers(-3, 3) | st.integers(-(2**40), 2**40),
        "number": st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16),
        "string": st.sampled_from(schema["enum"])
        if "enum" in schema
        else (
            st.sampled_from(
                [
                    "independent_years",
                    "falls_avoided",
                    "",
                    "full",
                    "public",
                    "falls-prevention",
                    "five-nation",
                ]
            )
            | st.text(max_size=12)
        ),
        "boolean": st.booleans(),
        "object": (st.just(real["model"]) | JSON)
        if not schema.get("properties")
        else _object(doc, schema, real),
        "array": st.lists(JSON, max_size=3),
    }.get(kind)
    return typed | JSON if typed is not None else JSON


def _object(doc: dict, schema: dict, real: dict):
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {k: _value(doc, v, real) for k, v in props.items() if k in required},
        optional={k: _value(doc, v, real) for k, v in props.items() if k not in required},
    )


def _operations(doc: dict) -> list[tuple[str, str, dict]]:
    ops = []
    for path, item in doc["paths"].items():
        if path.startswith("/api/"):
            for method, op in item.items():
                ops.append((method.upper(), path, op))
    return ops


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_no_api_call_ends_in_a_server_error(world, web_factory):
    w = web_factory()
    a = world.actor("a", "admin")
    model, version = world.store.create_model(a, "", example_data())
    run = world.store.create_run(a, "evaluate", {"volumes": {}}, model_version_id=version.id)
    _tok, plain = world.store.create_token(a, "fuzz")
    headers = {"Authorization": f"Bearer {plain}"}
    doc = w.get("/openapi.json").json()
    other, _ = world.store.create_token(a, "a token the fuzzer may revoke")
    real = {
        "model_id": model.id,
        "run_id": run.id,
        "number": 1,
        "token_id": other.id,
        "model": example_data(),
    }

    for method, path, op in _operations(doc):
        params = {p["name"]: p for p in op.get("parameters", [])}
        path_values = {
            name: st.sampled_from([real.get(name, 1)]) | _value(doc, p["schema"], real)
            for name, p in params.items()
            if p["in"] == "path"
        }
        query_values = {
            name: _value(doc, p["schema"], real) for name, p in params.items() if p["in"] == "query"
        }
        body_schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        body = _value(doc, body_schema, real) if body_schema else st.none()

        _fuzz(w, headers, method, path, path_values, query_values, body)


def _fuzz(w, headers, method, path, path_values, query_values, body) -> None:
    @settings(
        max_examples=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(pv=st.fixed_dictionaries(path_values), qv=st.fixed_dictionaries(query_values), body=body)
    def call(pv, qv, body):
        url = path.format(**{k: str(v) for k, v in pv.items()})
        kw = {"params": {k: v for k, v in qv.items() if isinstance(v, (int, str, float))}}
        if body is not None:
            kw["json"] = body
        try:
            r = w.request(method, url, headers=headers, **kw)
        except httpx.InvalidURL:  # a control character in a path: no client can send it
            assume(False)
        assert r.status_code < 500, (method, url, body, r.text[:500])
        if r.is_redirect:  # an empty id, '/api/runs/': FastAPI's trailing-slash redirect
            assert r.headers["location"]
        elif r.status_code != 204:
            r.json()

    call()
