"""The audit log: who changed what, readable by an organisation's admins."""

from __future__ import annotations

from sqlalchemy import select

from .actor import Actor
from .tables import AuditEntry, User


class AuditMixin:
    def audit_log(self, actor: Actor, limit: int = 200) -> list[tuple[AuditEntry, str]]:
        """The latest entries of the caller's organisation, each with the user's e-mail."""
        actor.require("admin")
        with self.transaction() as s:
            rows = s.execute(
                select(AuditEntry, User.email)
                .outerjoin(User, User.id == AuditEntry.user_id)
                .where(AuditEntry.org_id == actor.org_id)
                .order_by(AuditEntry.id.desc())
                .limit(limit)
            ).all()
            return [(e, email or "command line") for e, email in rows]
