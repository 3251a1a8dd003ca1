"""The web fixtures of tests/web (a store on SQLite and PostgreSQL, two organisations, an
in-process client) for the security tests."""

from tests.web.conftest import (  # noqa: F401  (fixtures, found by pytest by name)
    _attach_world,
    _cheap_argon2,
    app,
    pg_schema,
    sqlite_store,
    store,
    web_factory,
    world,
)
