"""An e-mail address is unique within an organisation, no longer across all of them, so that
adding a user never tells an admin that the address has an account in another organisation.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The first migration made ``users.email`` unique without naming the constraint: PostgreSQL
# named it ``users_email_key``; SQLite's has no name, so batch mode names it as reflected.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _email_unique_name() -> str:
    return "users_email_key" if op.get_bind().dialect.name == "postgresql" else "uq_users_email"


def upgrade() -> None:
    with op.batch_alter_table("users", naming_convention=_NAMES) as batch:
        batch.drop_constraint(_email_unique_name(), type_="unique")
        batch.create_unique_constraint("uq_users_org_email", ["org_id", "email"])
        batch.create_index("ix_users_email", ["email"])


def downgrade() -> None:
    # fails, as it should, where one address has accounts in two organisations
    with op.batch_alter_table("users", naming_convention=_NAMES) as batch:
        batch.drop_index("ix_users_email")
        batch.drop_constraint("uq_users_org_email", type_="unique")
        batch.create_unique_constraint(_email_unique_name(), ["email"])
