"""The authorisation matrix: every route × every role × a user of another organisation.

Anonymous callers get 401 (API) or a redirect to sign in (pages); a role below the route's
minimum gets 403; a user of another organisation gets 404 for anything of organisation A
(as if it did not exist); a role at or above the minimum gets through (any status that is not
401/403/404 and not a server error). A test also checks that the table covers every route,
so a new route cannot be added without deciding who may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coproduce.store.tables import User

from .conftest import ROLES, example_data


@dataclass(frozen=True)
class R:
    method: str
    path: str
    role: str  # the least role allowed
    body: str = ""  # "form", "json", "file" or "" (none)
    owned: bool = True  # names an object of organisation A (others get 404)
    destructive: bool = False  # checked for refusals only; allowed cases have own tests
    below: int = 403  # what a lower role gets (404 where the object is not theirs)

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


ROUTES = [
    R("GET", "/", "viewer", owned=False),
    R("POST", "/models", "analyst", "file", owned=False),
    R("POST", "/examples/{name}", "analyst", "form", owned=False),
    R("GET", "/models/{model_id}", "viewer"),
    R("GET", "/models/{model_id}/versions", "viewer"),
    R("GET", "/models/{model_id}/diff?a=1&b=1", "viewer"),
    R("GET", "/models/{model_id}/download/{fmt}", "viewer"),
    R("GET", "/models/{model_id}/nodes/{node_id}", "viewer"),
    R("GET", "/models/{model_id}/links/{src}/{dst}", "viewer"),
    R("POST", "/models/{model_id}/rename", "analyst", "form"),
    R("POST", "/models/{model_id}/delete", "admin", "form", destructive=True),
    R("GET", "/models/{model_id}/edit/{section}", "analyst"),
    R("POST", "/models/{model_id}/edit/{section}", "analyst", "form"),
    R("POST", "/models/{model_id}/map", "analyst", "form"),
    R("GET", "/models/{model_id}/evaluate", "viewer"),
    R("POST", "/models/{model_id}/evaluate", "analyst", "form"),
    R("GET", "/models/{model_id}/uncertainty", "viewer"),
    R("POST", "/models/{model_id}/uncertainty", "analyst", "form"),
    R("GET", "/models/{model_id}/plan", "viewer"),
    R("POST", "/models/{model_id}/plan", "analyst", "form"),
    R("GET", "/appraisals", "viewer", owned=False),
    R("POST", "/appraisals", "analyst", "form", owned=False),
    R("GET", "/surveys", "viewer", owned=False),
    R("POST", "/surveys", "analyst", "form", owned=False),
    R("GET", "/portfolios", "viewer", owned=False),
    R("POST", "/portfolios", "analyst", "form", owned=False),
    R("GET", "/runs", "viewer", owned=False),
    R("GET", "/runs/{run_id}", "viewer"),
    R("GET", "/runs/{run_id}/status", "viewer"),
    R("POST", "/runs/{run_id}/cancel", "analyst", "form"),
    R("GET", "/runs/{run_id}/report.{suffix}", "viewer"),
    R("GET", "/runs/{run_id}/data/{table}.csv", "viewer"),
    R("GET", "/runs/{run_id}/result.json", "viewer"),
    R("GET", "/admin/users", "admin", owned=False),
    R("POST", "/admin/users", "admin", "form", owned=False),
    R("POST", "/admin/users/{user_id}", "admin", "form"),
    R("GET", "/admin/audit", "admin", owned=False),
    R("GET", "/tokens", "viewer", owned=False),
    R("POST", "/tokens", "viewer", "form", owned=False),
    # a token belongs to its user: others of the organisation do not see it, admins do
    R("POST", "/tokens/{token_id}/revoke", "admin", "form", destructive=True, below=404),
    R("POST", "/logout", "viewer", "form", owned=False, destructive=True),
    R("GET", "/api/me", "viewer", owned=False),
    R("GET", "/api/examples", "viewer", owned=False),
    R("GET", "/api/models", "viewer", owned=False),
    R("POST", "/api/models", "analyst", "json", owned=False),
    R("GET", "/api/models/{model_id}", "viewer"),
    R("GET", "/api/models/{model_id}/versions/{number}", "viewer"),
    R("POST", "/api/models/{model_id}/versions", "analyst", "json"),
    R("GET", "/api/models/{model_id}/diff?a=1&b=1", "viewer"),
    R("POST", "/api/models/{model_id}/map", "analyst", "json"),
    R("POST", "/api/models/{model_id}/evaluate", "analyst", "json"),
    R("POST", "/api/models/{model_id}/uncertainty", "analyst", "json"),
    R("POST", "/api/models/{model_id}/plan", "analyst", "json"),
    R("POST", "/api/appraisals", "analyst", "json", owned=False),
    R("POST", "/api/surveys", "analyst", "json", owned=False),
    R("POST", "/api/portfolios", "analyst", "json", owned=False),
    R("GET", "/api/analyses", "viewer", owned=False),
    R("GET", "/api/runs/{run_id}/tables/{table}", "viewer"),
    R("GET", "/api/runs", "viewer", owned=False),
    R("GET", "/api/runs/{run_id}", "viewer"),
    R("POST", "/api/runs/{run_id}/cancel", "analyst", "json"),
    R("GET", "/api/tokens", "viewer", owned=False),
    R("POST", "/api/tokens", "viewer", "json", owned=False),
    R("DELETE", "/api/tokens/{token_id}", "admin", destructive=True, below=404),
    R("GET", "/docs", "viewer", owned=False),
]
# routes anyone may open: sign-in, the API's schema, static files
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/openapi.json"),
    ("GET", "/assets/plotly.js"),
}


def _app_routes(app) -> set[tuple[str, str]]:
    found = set()

    def walk(routes, prefix=""):
        for r in routes:
            inner = getattr(r, "original_router", None)
            if inner is not None:
                walk(inner.routes, prefix + r.include_context.prefix)
            elif hasattr(r, "methods") and r.methods:
                for m in r.methods - {"HEAD"}:
                    found.add((m, prefix + r.path))

    walk(app.routes)
    return found


def test_the_matrix_covers_every_route(app):
    listed = {(r.method, r.path.split("?")[0]) for r in ROUTES}
    assert _app_routes(app) - PUBLIC == listed


def _bodies(ids: dict) -> dict[str, dict]:
    """Cheap, valid requests: analyses are given inputs that are refused with 422 after the
    checks of identity and role (so the matrix does not run real computations)."""
    return {
        "/models": {"files": {"file": ("x.txt", b"not a model", "text/plain")}},
        "/examples/{name}": {},
        "/models/{model_id}/rename": {"data": {"name": "Renamed"}},
        "/models/{model_id}/edit/{section}": {"data": {"base_version": "1", "rows": "0"}},
        "/models/{model_id}/map": {"data": {"outcome": "no_such_outcome", "amount": "1"}},
        "/models/{model_id}/evaluate": {"data": {"volume-falls_classes": "-1"}},
        "/models/{model_id}/uncertainty": {
            "data": {"outcome": "no_such_outcome", "amount": "1", "wtp": "1"}
        },
        "/models/{model_id}/plan": {"data": {"target-independent_years": "-1"}},
        "/appraisals": {"data": {"example": "no-such-example"}},
        "/surveys": {"data": {"example": "no-such-example"}},
        "/portfolios": {"data": {"source": "file", "text": "coproduce_portfolio: 1"}},
        "/runs/{run_id}/cancel": {},
        "/admin/users": {"data": {"email": "not-an-email", "password": "x"}},
        "/admin/users/{user_id}": {"data": {"role": "viewer", "active": "on"}},
        "/tokens": {"data": {"name": "matrix"}},
        "/api/models": {"json": {"model": {"coproduce": 1}}},
        "/api/models/{model_id}/versions": {"json": {"base_version": 1, "model": {"coproduce": 1}}},
        "/api/models/{model_id}/map": {"json": {"outcome": "no_such_outcome", "amount": 1}},
        "/api/models/{model_id}/evaluate": {"json": {"volumes": {"nope": 1}}},
        "/api/models/{model_id}/uncertainty": {"json": {"outcome": "nope", "amount": 1, "wtp": 1}},
        "/api/models/{model_id}/plan": {"json": {"targets": {"nope": 1}}},
        "/api/appraisals": {"json": {}},
        "/api/surveys": {"json": {"example": "five-nation", "min_cell": 0}},
        "/api/portfolios": {"json": {"portfolio": {"coproduce_portfolio": 1}}},
        "/api/runs/{run_id}/cancel": {},
        "/api/tokens": {"json": {"name": "matrix"}},
    }


@pytest.fixture
def objects(world):
    """Objects of organisation A to address, with organisation B's users present."""
    s = world.store
    a = world.actor("a", "analyst")
    m, v = s.create_model(a, "A's map", example_data())
    run = s.create_run(
        a,
        "map",
        {"outcome": "independent_years", "amount": 300, "by": "full", "paths": 10},
        model_version_id=v.id,
    )
    import coproduce as cp

    result = cp.backwards_map(cp.load_model("example:older-people"), "independent_years", 300)
    s.finish_run(
        run.id,
        status="done",
        result=result.to_dict(),
        files={"report.html": ("text/html", b"<!doctype html><title>r</title>", "")},
    )
    tok, _plain = s.create_token(world.actor("a", "admin"), "the admin's token")
    with s.transaction() as t:
        viewer_id = t.query(User).filter_by(email=world.users[("a", "viewer")]).one().id
    return {
        "model_id": m.id,
        "run_id": run.id,
        "token_id": tok.id,
        "user_id": viewer_id,
        "number": 1,
        "fmt": "yaml",
        "node_id": "falls_classes",
        "src": "falls_classes",
        "dst": "falls_avoided",
        "section": "interventions",
        "suffix": "html",
        "table": "pathways",
        "name": "older-people",
    }


def _call(w, route: R, objects: dict, headers: dict | None):
    url = route.path.format(**objects)
    body = dict(_bodies(objects).get(route.path, {}))
    if route.api:
        if route.method in ("POST", "DELETE") and headers is None:
            headers = {"X-CSRF-Token": w.csrf}
        return w.request(route.method, url, headers=headers, **body)
    if route.method == "POST":
        data = {"csrf_token": w.csrf, **body.pop("data", {})}
        return w.post(url, data=data, **body)
    return w.get(url)


def test_matrix(world, objects, web_factory):
    """Every route in ROUTES, each caller; all failures are collected and reported together."""
    failures: list[str] = []
    anon = web_factory()
    clients = {role: web_factory("a", role) for role in ROLES}
    other = web_factory("b", "admin")
    tokens = {
        role: {
            "Authorization": "Bearer "
            + world.store.create_token(world.actor("a", role), "matrix")[1]
        }
        for role in ROLES
    }
    other_token = {
        "Authorization": "Bearer "
        + world.store.create_token(world.actor("b", "admin"), "matrix")[1]
    }

    def check(ok: bool, who: str, route: R, r) -> None:
        if not ok:
            failures.append(
                f"{route.method} {route.path} as {who}: {r.status_code} {r.text[:160]!r}"
            )

    for route in ROUTES:
        r = _call(anon, route, objects, None)
        check(
            r.status_code == 401
            if route.api
            else (r.status_code == 303 and r.headers["location"].startswith("/login")),
            "anonymous",
            route,
            r,
        )
        for role in ROLES:
            allowed = ROLES.index(role) >= ROLES.index(route.role)
            if allowed and route.destructive:
                continue
            r = _call(clients[role], route, objects, tokens[role] if route.api else None)
            if allowed:
                check(r.status_code not in (401, 403, 404) and r.status_code < 500, role, route, r)
            else:
                check(r.status_code == route.below, role, route, r)
        if route.owned:
            r = _call(other, route, objects, other_token if route.api else None)
            check(
                r.status_code == 404 and "A&#39;s map" not in r.text and "A's map" not in r.text,
                "admin of B",
                route,
                r,
            )
    assert failures == []
