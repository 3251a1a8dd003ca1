"""Pooled PostgreSQL connections: tested on checkout only after resting, and replaced when the
server has dropped them (a restart, an idle timeout, a dropped link)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from coproduce.store import Store, db
from coproduce.store.migrate import upgrade

from .conftest import PG_URL

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@pytest.fixture
def pg_store(pg_schema):
    """A store opened the way the app opens one (``make_engine``), on a schema of its own,
    whose connections carry an application name to find them by."""
    schema = f"{pg_schema}_{uuid.uuid4().hex[:8]}"
    name = f"cp-test-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = db.make_engine(f"{PG_URL}?application_name={name}&options=-csearch_path%3D{schema}")
    upgrade(engine)
    store = Store(engine)
    store.create_org("leeds", "Leeds partnership")
    yield store, name
    store.close()


def _drop_connections(application_name: str) -> int:
    """End, from the server's side, every connection of ``application_name``."""
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application_name,),
        ).fetchall()
    return len(rows)


def test_a_rested_connection_the_server_dropped_is_replaced(pg_store, monkeypatch):
    store, name = pg_store
    assert _drop_connections(name) >= 1  # the pooled connection is now dead
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # every checkout counts as rested
    assert store.get_org("leeds").name == "Leeds partnership"


def test_a_connection_in_steady_use_is_not_tested(pg_store, monkeypatch):
    # the converse, which shows the test above can fail: a connection that has just been
    # used is handed out untested, so a drop in that moment reaches the caller once (and
    # the pool then replaces it)
    store, name = pg_store
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    assert _drop_connections(name) >= 1
    with pytest.raises(OperationalError):
        store.get_org("leeds")
    assert store.get_org("leeds").name == "Leeds partnership"


def test_a_read_of_one_statement_runs_without_a_transaction_and_leaves_none_behind(pg_store):
    """The session check every request makes reads in autocommit (no BEGIN and COMMIT round
    trips); the pooled connection it used is transactional again for the next caller."""
    from sqlalchemy import select

    from coproduce.store.tables import Organisation

    store, _name = pg_store
    with store.one_statement() as s:
        assert s.scalar(select(Organisation.name)) == "Leeds partnership"
        assert s.connection().connection.dbapi_connection.autocommit is True
    with pytest.raises(RuntimeError), store.transaction() as s:  # the same pooled connection
        assert s.connection().connection.dbapi_connection.autocommit is False
        s.add(Organisation(slug="never-kept", name="Never kept"))
        s.flush()
        raise RuntimeError("rolled back")
    with pytest.raises(Exception, match="no organisation"):
        store.get_org("never-kept")
    # and a sign-in session is still found through it
    user = store.create_user("leeds", "ana@leeds.example.org", "long enough password", "admin")
    token, csrf = store.open_session(store.authenticate(user.email, "long enough password"))
    actor, found_csrf = store.session_actor(token)
    assert (actor.email, found_csrf) == ("ana@leeds.example.org", csrf)
