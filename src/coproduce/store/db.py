"""Where the store lives and how to connect to it.

By default an SQLite file, ``coproduce.db``, in the data folder: ``$COPRODUCE_HOME`` when set,
else ``$XDG_DATA_HOME/coproduce`` (``~/.local/share/coproduce`` on Linux). SQLite runs with
write-ahead logging (readers do not block the writer) and foreign keys enforced. Set
``COPRODUCE_DATABASE_URL`` (for example ``postgresql+psycopg://user@host/dbname``) to use
PostgreSQL instead.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from ..errors import BadInput

URL_VARIABLE = "COPRODUCE_DATABASE_URL"


def data_home() -> Path:
    """The folder holding the default SQLite file."""
    if os.environ.get("COPRODUCE_HOME"):
        return Path(os.environ["COPRODUCE_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "coproduce"


def default_url() -> str:
    """``COPRODUCE_DATABASE_URL`` if set, else the SQLite file in :func:`data_home`."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        return url
    return f"sqlite:///{data_home() / 'coproduce.db'}"


def _normalise(url: str) -> str:
    # "postgresql://" alone would ask for psycopg2; we ship psycopg 3
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


SYNCHRONOUS = ("FULL", "NORMAL")


def sqlite_synchronous() -> str:
    """How SQLite commits: ``FULL`` (the default) waits until each commit is on disk, so a
    power cut loses nothing acknowledged; ``NORMAL`` (``COPRODUCE_SQLITE_SYNCHRONOUS=NORMAL``)
    is faster and survives a killed process, but a power cut can lose the last commits (the
    database stays whole)."""
    chosen = os.environ.get("COPRODUCE_SQLITE_SYNCHRONOUS", "FULL").strip().upper() or "FULL"
    if chosen not in SYNCHRONOUS:
        raise BadInput(
            f"COPRODUCE_SQLITE_SYNCHRONOUS={chosen}: use FULL (safe on power loss) or NORMAL"
        )
    return chosen


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`default_url`); SQLite gets WAL, foreign keys and
    the durability of :func:`sqlite_synchronous`."""
    url = _normalise(url or default_url())
    if url.startswith("sqlite"):
        synchronous = sqlite_synchronous()
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _ping_after_idle(engine)
    return engine


PING_AFTER_IDLE = 2.0  # seconds a pooled connection may rest before it is tested on checkout


def _ping_after_idle(engine: Engine) -> None:
    """Test a pooled connection on checkout only if it has rested more than
    :data:`PING_AFTER_IDLE` seconds (a database restart or a dropped link shows up as a
    refused ping, and the pool opens a new connection instead).

    SQLAlchemy's ``pool_pre_ping`` tests every checkout: a round trip for each of the four
    to ten short transactions a page makes, which under load (each round trip waiting for
    the GIL again) was an eighth of a page's time. A connection in steady use has just
    answered."""
    import time

    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_conn, record) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _test_if_rested(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or in steady use
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as error:  # any failure: discard it, the pool connects afresh
            raise exc.DisconnectionError(str(error)) from error


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
