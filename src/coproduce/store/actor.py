"""Who is asking: every store call that touches partnership data takes an :class:`Actor`."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Forbidden
from .tables import ROLES


@dataclass(frozen=True)
class Actor:
    user_id: int
    org_id: int
    role: str
    email: str = ""
    name: str = ""
    org_name: str = ""

    def can(self, role: str) -> bool:
        """True when this actor's role is ``role`` or above (viewer < analyst < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def require(self, role: str) -> None:
        if not self.can(role):
            raise Forbidden(f"this needs the {role} role; you are a {self.role}")
