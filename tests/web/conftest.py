"""Fixtures for the web workspace: a store on SQLite and on PostgreSQL, two organisations with
a user of each role, and an in-process client (httpx ASGI transport)."""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest

from coproduce.model import load_model
from coproduce.model.serialise import model_to_data
from coproduce.store import Store

PG_URL = os.environ.get("COPRODUCE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"
PASSWORD = "correct horse battery"
ROLES = ("viewer", "analyst", "admin")


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ):
            return None
    except Exception as exc:  # any failure means: not here
        return f"PostgreSQL at 127.0.0.1:5432 (user postgres, database test) not reachable: {exc}"


@pytest.fixture(scope="session")
def pg_schema():
    """A fresh schema in the test database for this session, dropped afterwards with every
    schema the tests named after it."""
    reason = _pg_reachable()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    name = f"cp_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    yield name
    # and every schema the tests made from it (``{name}_...``, one a store)
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as conn:
        made = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
            (name, f"{name}\\_%"),
        ).fetchall()
        for (schema,) in made:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _pg_store(schema: str) -> Store:
    """A store whose connections use ``schema`` (a fresh set of tables per test)."""
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    from sqlalchemy import create_engine

    from coproduce.store.migrate import upgrade

    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    return Store(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A migrated, empty store on each database."""
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    base = request.getfixturevalue("pg_schema")
    s = _pg_store(f"{base}_{uuid.uuid4().hex[:8]}")
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.close()


def wait_for_run(store: Store, actor, run_id: int, seconds: float = 20.0):
    """The run once it has finished (done, failed or cancelled); fails after ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        run = store.get_run(actor, run_id)
        if run.status in ("done", "failed", "cancelled"):
            return run
        time.sleep(0.02)
    raise AssertionError(f"run {run_id} did not finish: {store.get_run(actor, run_id).status}")


def example_data(name: str = "older-people") -> dict:
    return model_to_data(load_model(f"example:{name}"))


@dataclass
class World:
    """Two organisations; ``users[(org, role)]`` is the e-mail of that user."""

    store: Store
    users: dict[tuple[str, str], str]

    def actor(self, org: str, role: str):
        return self.store.authenticate(self.users[(org, role)], PASSWORD)


def make_world(store: Store) -> World:
    users = {}
    for org in ("a", "b"):
        store.create_org(f"org-{org}", f"Organisation {org.upper()}")
        for role in ROLES:
            email = f"{role}@{org}.example.org"
            store.create_user(f"org-{org}", email, PASSWORD, role)
            users[(org, role)] = email
    return World(store, users)


@pytest.fixture
def world(store) -> World:
    return make_world(store)


class Web:
    """A synchronous face on an ``httpx.AsyncClient`` over ``httpx.ASGITransport``."""

    def __init__(self, app) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://testserver"
        )
        self.csrf = ""

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        r = self.loop.run_until_complete(self.client.request(method, url, **kw))
        m = (
            re.search(r'name="csrf_token" value="([^"]*)"', r.text)
            if r.headers.get("content-type", "").startswith("text/html")
            else None
        )
        if m and m.group(1):
            self.csrf = m.group(1)
        return r

    def get(self, url: str, **kw) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw) -> httpx.Response:
        return self.request("POST", url, **kw)

    def form(self, url: str, data: dict | None = None, **kw) -> httpx.Response:
        """POST a form with the current CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        r = self.form("/login", {"email": email, "password": password, "next": "/"})
        if r.status_code == 303:
            self.get("/")  # picks up the session's CSRF token
        return r

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def app(world):
    from coproduce.web import create_app

    application = create_app(world.store, threads=2)
    yield application
    application.state.worker.shutdown(wait=True)


@pytest.fixture
def web_factory(app):
    made: list[Web] = []

    def make(org: str | None = None, role: str | None = None, *, world=None) -> Web:
        w = Web(app)
        made.append(w)
        if org is not None:
            r = w.login(app.state.world.users[(org, role)])
            assert r.status_code == 303, r.text
        return w

    yield make
    for w in made:
        w.close()


@pytest.fixture(autouse=True)
def _attach_world(request):
    # let web_factory find the world of the same test
    if "app" in request.fixturenames and "world" in request.fixturenames:
        request.getfixturevalue("app").state.world = request.getfixturevalue("world")


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2():
    """Argon2id with small parameters in tests (the default takes ~0.5 s a hash here); the
    hashes are still argon2id and verified by the same code."""
    from argon2 import PasswordHasher

    from coproduce.store import secrets_

    saved = secrets_._hasher
    secrets_._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    secrets_._hasher = saved
