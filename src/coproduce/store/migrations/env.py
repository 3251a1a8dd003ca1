"""Alembic environment: the connection is handed in by :func:`coproduce.store.migrate.upgrade`."""

from __future__ import annotations

from alembic import context

from coproduce.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("run migrations through coproduce.store.migrate.upgrade()")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
