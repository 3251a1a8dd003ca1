"""Persistence for the web workspace: organisations, users, models and their versions, runs.

The store knows the database and nothing of HTTP. Every call that reads or changes partnership
data takes an :class:`Actor` and is scoped to the actor's organisation: another organisation's
rows behave as if they did not exist.

    store = Store.open()                  # COPRODUCE_DATABASE_URL, else the SQLite file
    store.create_org("leeds", "Leeds partnership")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .accounts import AccountsMixin
from .actor import Actor
from .audit import AuditMixin
from .db import data_home, default_url, make_engine, session_factory
from .diff import Change, diff_models, text_diff
from .errors import ChooseOrganisation, Conflict, Forbidden, NotFound, RateLimited, StoreError
from .migrate import upgrade
from .models import ModelsMixin, canonical
from .runs import RunsMixin
from .tables import ROLES

__all__ = [
    "ROLES",
    "Actor",
    "Change",
    "ChooseOrganisation",
    "Conflict",
    "Forbidden",
    "NotFound",
    "RateLimited",
    "Store",
    "StoreError",
    "canonical",
    "data_home",
    "default_url",
    "diff_models",
    "text_diff",
]


class Store(AccountsMixin, ModelsMixin, RunsMixin, AuditMixin):
    """The workspace's database. Each method runs in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = session_factory(engine)
        # One statement needs no transaction around it: on PostgreSQL a read of one statement
        # runs in autocommit, one round trip instead of three (BEGIN, the read, COMMIT). SQLite
        # has no round trips to save, so there it is an ordinary transaction.
        self._one_statement = (
            session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))
            if engine.dialect.name == "postgresql"
            else self._sessions
        )

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        """Connect to ``url`` (default: ``COPRODUCE_DATABASE_URL`` or the SQLite file) and
        bring the schema up to date."""
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def one_statement(self) -> Iterator[Session]:
        """A session for a read made of a single statement (which sees one snapshot on its
        own): no BEGIN or COMMIT on PostgreSQL. Never write through it."""
        with self._one_statement() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()
