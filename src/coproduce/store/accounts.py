"""Organisations, users, sign-in sessions, API tokens and sign-in rate limiting."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from .actor import Actor
from .errors import Forbidden, NotFound, RateLimited, invalid
from .secrets_ import (
    MIN_PASSWORD,
    digest,
    dummy_hash,
    hash_password,
    needs_rehash,
    new_token,
    verify_password,
)
from .tables import ROLES, ApiToken, AuditEntry, LoginFailure, Organisation, User, WebSession, now

SESSION_HOURS = 12
# sign-in limits: per e-mail address and per client address, over a sliding window
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 30
TOKEN_PREFIX = "cpt_"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise invalid("password", f"must be at least {MIN_PASSWORD} characters")


def _credential(s: Session, table: type[ApiToken] | type[WebSession], plain: str) -> Row | None:
    """(credential, user, organisation) for a plain session or API token, else None. Only
    the token's digest is stored, so it is looked up by digest."""
    return s.execute(
        select(table, User, Organisation)
        .join(User, User.id == table.user_id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(table.token_hash == digest(plain))
    ).first()


def actor_of(user: User, org: Organisation) -> Actor:
    return Actor(user.id, user.org_id, user.role, user.email, user.name, org.name)


class AccountsMixin:
    """Store methods for accounts; mixed into :class:`coproduce.store.Store`."""

    # -- system-level (command line): no actor ------------------------------------------------
    def create_org(self, slug: str, name: str) -> Organisation:
        if not _SLUG.match(slug):
            raise invalid("slug", "use lower-case letters, digits and hyphens, e.g. 'leeds-ics'")
        with self.transaction() as s:
            if s.scalar(select(Organisation).where(Organisation.slug == slug)):
                raise invalid("slug", f"an organisation '{slug}' already exists")
            org = Organisation(slug=slug, name=name or slug)
            s.add(org)
            s.flush()
            s.add(AuditEntry(org_id=org.id, action="org.create", target=slug, detail={}))
            return org

    def get_org(self, slug: str) -> Organisation:
        with self.transaction() as s:
            org = s.scalar(select(Organisation).where(Organisation.slug == slug))
            if org is None:
                raise NotFound(f"no organisation '{slug}'")
            return org

    def create_user(
        self,
        org_slug: str,
        email: str,
        password: str,
        role: str = "analyst",
        name: str = "",
        *,
        by: Actor | None = None,
    ) -> User:
        """A new user of an organisation; ``by`` (an admin of it) when done from the web."""
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise invalid("email", "is not an e-mail address")
        if role not in ROLES:
            raise invalid("role", f"must be one of {', '.join(ROLES)}")
        _check_password(password)
        with self.transaction() as s:
            org = s.scalar(select(Organisation).where(Organisation.slug == org_slug))
            if org is None:
                raise NotFound(f"no organisation '{org_slug}'")
            if by is not None:
                by.require("admin")
                if by.org_id != org.id:
                    raise NotFound(f"no organisation '{org_slug}'")
            if s.scalar(select(User).where(User.email == email)):
                raise invalid("email", f"a user {email} already exists")
            user = User(
                org_id=org.id,
                email=email,
                name=name,
                role=role,
                password_hash=hash_password(password),
                active=True,
            )
            s.add(user)
            s.flush()
            s.add(
                AuditEntry(
                    org_id=org.id,
                    user_id=by.user_id if by else None,
                    action="user.create",
                    target=email,
                    detail={"role": role},
                )
            )
            return user

    def reset_password(self, email: str, password: str) -> None:
        _check_password(password)
        with self.transaction() as s:
            user = s.scalar(select(User).where(User.email == email.strip().lower()))
            if user is None:
                raise NotFound(f"no user {email}")
            user.password_hash = hash_password(password)
            # a reset ends every session of that user
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            s.add(
                AuditEntry(
                    org_id=user.org_id, action="user.reset_password", target=user.email, detail={}
                )
            )

    # -- within an organisation ---------------------------------------------------------------
    def list_users(self, actor: Actor) -> list[User]:
        actor.require("admin")
        with self.transaction() as s:
            return list(
                s.scalars(select(User).where(User.org_id == actor.org_id).order_by(User.email))
            )

    def set_role(self, actor: Actor, user_id: int, role: str, active: bool = True) -> None:
        actor.require("admin")
        if role not in ROLES:
            raise invalid("role", f"must be one of {', '.join(ROLES)}")
        with self.transaction() as s:
            user = s.get(User, user_id)
            if user is None or user.org_id != actor.org_id:
                raise NotFound("no such user")
            if user.id == actor.user_id and (role != "admin" or not active):
                raise Forbidden("you cannot remove your own admin role")
            user.role, user.active = role, active
            if not active:
                s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="user.role",
                    target=user.email,
                    detail={"role": role, "active": active},
                )
            )

    # -- signing in ---------------------------------------------------------------------------
    def authenticate(self, email: str, password: str, client: str = "") -> Actor | None:
        """The actor for a correct e-mail and password, else None (and the failure counted).

        Raises :class:`RateLimited` after too many recent failures for the address or client.
        """
        email = email.strip().lower()
        with self.transaction() as s:
            since = now() - FAILURE_WINDOW
            by_email = (
                s.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.email == email, LoginFailure.at >= since)
                )
                or 0
            )
            by_client = (
                s.scalar(
                    select(func.count())
                    .select_from(LoginFailure)
                    .where(LoginFailure.client == client, LoginFailure.at >= since)
                )
                or 0
            )
            if by_email >= MAX_FAILURES_PER_EMAIL or by_client >= MAX_FAILURES_PER_CLIENT:
                raise RateLimited(int(FAILURE_WINDOW.total_seconds()))
            user = s.scalar(select(User).where(User.email == email))
            ok = verify_password(user.password_hash if user else dummy_hash(), password)
            if not ok or user is None or not user.active:
                s.add(LoginFailure(email=email, client=client[:64]))
                return None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            s.execute(delete(LoginFailure).where(LoginFailure.email == email))
            org = s.get(Organisation, user.org_id)
            return actor_of(user, org)

    def open_session(self, actor: Actor) -> tuple[str, str]:
        """A new sign-in session: (cookie token, CSRF token)."""
        token, csrf = new_token(), secrets.token_urlsafe(32)
        with self.transaction() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at < now()))
            s.add(
                WebSession(
                    token_hash=digest(token),
                    user_id=actor.user_id,
                    csrf_token=csrf,
                    expires_at=now() + timedelta(hours=SESSION_HOURS),
                )
            )
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="session.open",
                    target=actor.email,
                    detail={},
                )
            )
        return token, csrf

    def session_actor(self, token: str) -> tuple[Actor, str] | None:
        """The actor and CSRF token of a live session cookie, else None."""
        if not token:
            return None
        with self.transaction() as s:
            row = _credential(s, WebSession, token)
            if row is None:
                return None
            sess, user, org = row
            if sess.expires_at < now() or not user.active:
                return None
            return actor_of(user, org), sess.csrf_token

    def close_session(self, token: str) -> None:
        with self.transaction() as s:
            s.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))

    # -- API tokens ---------------------------------------------------------------------------
    def create_token(self, actor: Actor, name: str) -> tuple[ApiToken, str]:
        """A new API token acting as ``actor``; the plain token is returned only here."""
        if not name.strip():
            raise invalid("name", "give the token a name, e.g. 'monthly refresh script'")
        plain = new_token(TOKEN_PREFIX)
        with self.transaction() as s:
            tok = ApiToken(
                org_id=actor.org_id,
                user_id=actor.user_id,
                name=name.strip()[:200],
                prefix=plain[:10],
                token_hash=digest(plain),
            )
            s.add(tok)
            s.flush()
            s.add(
                AuditEntry(
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    action="token.create",
                    target=tok.prefix,
                    detail={"name": tok.name},
                )
            )
            return tok, plain

    def list_tokens(self, actor: Actor) -> list[ApiToken]:
        """The caller's own tokens; an admin sees every token of the organisation."""
        with self.transaction() as s:
            q = select(ApiToken).where(ApiToken.org_id == actor.org_id)
            if not actor.can("admin"):
                q = q.where(ApiToken.user_id == actor.user_id)
            return list(s.scalars(q.order_by(ApiToken.created_at.desc())))

    def revoke_token(self, actor: Actor, token_id: int) -> None:
        with self.transaction() as s:
            tok = s.get(ApiToken, token_id)
            if (
                tok is None
                or tok.org_id != actor.org_id
                or (tok.user_id != actor.user_id and not actor.can("admin"))
            ):
                raise NotFound("no such token")
            if tok.revoked_at is None:
                tok.revoked_at = now()
                s.add(
                    AuditEntry(
                        org_id=actor.org_id,
                        user_id=actor.user_id,
                        action="token.revoke",
                        target=tok.prefix,
                        detail={},
                    )
                )

    def token_actor(self, plain: str) -> Actor | None:
        """The actor behind a live API token, else None."""
        if not plain.startswith(TOKEN_PREFIX):
            return None
        with self.transaction() as s:
            row = _credential(s, ApiToken, plain)
            if row is None:
                return None
            tok, user, org = row
            if tok.revoked_at is not None or not user.active:
                return None
            tok.last_used_at = now()
            return actor_of(user, org)
