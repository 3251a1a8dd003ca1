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

    def close(self) -> None:
        self.engine.dispose()
