"""Organisations, users, sign-in sessions, API tokens and sign-in rate limiting.

Sign-in failures are limited per account *and client address* and per client address, so an
attacker is slowed without the account's owner being locked out at their own address:

- for one e-mail address from one client address, :data:`FREE_FAILURES` failures in a row are
  allowed, then each further attempt waits for a delay that doubles with every failure, from
  :data:`FIRST_DELAY` up to :data:`MAX_DELAY`; a correct password ends the streak, and
  failures older than :data:`STREAK_WINDOW` are forgotten;
- one client address may fail at most :data:`MAX_FAILURES_PER_CLIENT` times in
  :data:`FAILURE_WINDOW`, whatever the accounts; attempts still being checked do not count
  against that ceiling (colleagues behind one office address signing in at nine o'clock are
  not failures), but no more than :data:`MAX_IN_FLIGHT_PER_CLIENT` are checked at once.

The limiter is atomic: an attempt is counted, checked and recorded as a failure in one
transaction that holds a lock on what it limits (a transaction-level advisory lock on
PostgreSQL; on SQLite the transaction starts with a write, which serialises it with every
other writer), and only then is the password checked, outside the lock; a correct password
removes the recorded failure. So however many attempts arrive at once, no more passwords are
checked than the limits allow. An e-mail address or password longer than any we store is
counted as a failure without any password hashing.

An e-mail address is unique within an organisation, not across organisations (see
:class:`~coproduce.store.tables.User`): one address may have an account in each of several
partnerships. Signing in checks the password against each of that address's accounts (or only
the named organisation's); if it is right for more than one, :class:`ChooseOrganisation` asks
which, naming only the organisations whose account that password opens.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import timedelta

from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.orm import Session

from .actor import Actor
from .errors import ChooseOrganisation, Forbidden, NotFound, RateLimited, invalid
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
# sign-in limits (see the module's docstring)
FREE_FAILURES = 5
"""Failures in a row for one e-mail address from one client address before attempts wait."""
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)
STREAK_WINDOW = timedelta(hours=1)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT = 30
MAX_IN_FLIGHT_PER_CLIENT = 100
"""Attempts from one client address whose passwords are being checked at once."""
PENDING_STALE = timedelta(minutes=1)
"""An attempt still marked as being checked after this long (its check never ended) counts as
a failure."""
MAX_FAILURES_PER_EMAIL = FREE_FAILURES  # the name this limit had before it was per address
MAX_EMAIL_CHARS = 254  # the longest address (RFC 5321), and the column's width
MAX_PASSWORD_CHARS = 1024
_CLIENT_CHARS = 64  # the column's width
TOKEN_PREFIX = "cpt_"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
EMAIL_REFUSED = "is not an e-mail address: give the whole address the person uses"
"""What anyone adding a user is told for a malformed or over-long address. An address with an
account in another organisation is not refused (accounts are per organisation), so adding
users reveals nothing about other organisations' accounts."""


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


def _delay(failures: int) -> timedelta:
    """How long an address and client wait after ``failures`` failures in a row (at least
    :data:`FREE_FAILURES`): :data:`FIRST_DELAY`, doubling, at most :data:`MAX_DELAY`."""
    doublings = min(failures - FREE_FAILURES, 20)
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)


def _lock_id(*parts: str) -> int:
    """A signed 64-bit number for an advisory lock on PostgreSQL, from what is limited."""
    raw = hashlib.sha256("\x00".join(parts).encode("utf-8")).digest()
    return int.from_bytes(raw[:8], "big", signed=True)


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
        """A new user of an organisation; ``by`` (an admin of it) when done from the web.

        The address must be new to this organisation; whether it has an account in another
        organisation makes no difference (and is never said)."""
        email = email.strip().lower()
        if not _EMAIL.match(email) or len(email) > MAX_EMAIL_CHARS:
            raise invalid("email", EMAIL_REFUSED)
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
            if s.scalar(select(User.id).where(User.org_id == org.id, User.email == email)):
                raise invalid("email", f"{email} is already a user of {org.name}")
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

    def reset_password(self, email: str, password: str, org_slug: str | None = None) -> None:
        """Set a user's password and sign them out everywhere: every session ends and every
        API token of theirs is revoked (a reset is what follows a leaked password).

        ``org_slug`` names the organisation; it is needed only when the address has accounts
        in more than one. (This is the server operator's command, so it may say which.)"""
        _check_password(password)
        with self.transaction() as s:
            query = (
                select(User, Organisation.slug)
                .join(Organisation)
                .where(User.email == email.strip().lower())
            )
            if org_slug is not None:
                query = query.where(Organisation.slug == org_slug)
            found = s.execute(query.order_by(Organisation.slug)).all()
            if not found:
                where = f" in organisation '{org_slug}'" if org_slug is not None else ""
                raise NotFound(f"no user {email}{where}")
            if len(found) > 1:
                slugs = ", ".join(slug for _user, slug in found)
                raise invalid(
                    "organisation",
                    f"{email} has accounts in {len(found)} organisations ({slugs}): "
                    "say which organisation's account to reset",
                )
            user = found[0][0]
            user.password_hash = hash_password(password)
            s.execute(delete(WebSession).where(WebSession.user_id == user.id))
            revoked = s.execute(
                update(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=now())
            ).rowcount
            s.add(
                AuditEntry(
                    org_id=user.org_id,
                    action="user.reset_password",
                    target=user.email,
                    detail={"tokens_revoked": revoked},
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
    def authenticate(
        self, email: str, password: str, client: str = "", organisation: str | None = None
    ) -> Actor | None:
        """The actor for a correct e-mail and password, else None (and the failure counted).

        ``organisation`` (a slug) picks one of the address's accounts; without it, the
        password is checked against each. Raises :class:`ChooseOrganisation` when the password
        opens active accounts of more than one organisation and none was named.

        Raises :class:`RateLimited` while the address has failed too often from ``client``
        (the caller's network address), or ``client`` has (see the module's docstring). An
        e-mail longer than :data:`MAX_EMAIL_CHARS` or a password longer than
        :data:`MAX_PASSWORD_CHARS` is a failure, counted without hashing anything.
        """
        email = email.strip().lower()
        client = client[:_CLIENT_CHARS]
        attempt = self._begin_attempt(email, client)  # RateLimited, else recorded as failed
        if len(email) > MAX_EMAIL_CHARS or len(password) > MAX_PASSWORD_CHARS:
            self._settle_failure(attempt)
            return None
        with self.transaction() as s:
            query = select(User, Organisation).join(Organisation).where(User.email == email)
            if organisation:
                query = query.where(Organisation.slug == organisation)
            accounts = s.execute(query.order_by(User.id)).all()
        if not accounts:
            verify_password(dummy_hash(), password)  # as long as a real check takes
        opened = [
            (user, org)
            for user, org in accounts
            if verify_password(user.password_hash, password) and user.active
        ]
        if not opened:
            self._settle_failure(attempt)
            return None
        with self.transaction() as s:
            # the password is right: its failure is taken back and the streak before it ends
            s.execute(
                delete(LoginFailure).where(
                    LoginFailure.email == email,
                    LoginFailure.client == client,
                    LoginFailure.id <= attempt,
                )
            )
            if len(opened) == 1:
                user = s.get(User, opened[0][0].id)
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                return actor_of(user, opened[0][1])
        # the caller is asked which account, from only those this password opens
        raise ChooseOrganisation(sorted(((o.slug, o.name) for _u, o in opened), key=lambda x: x[1]))

    def _settle_failure(self, attempt: int) -> None:
        """The attempt's check ended in a failure: it now counts against the address's
        ceiling."""
        with self.transaction() as s:
            s.execute(update(LoginFailure).where(LoginFailure.id == attempt).values(pending=False))

    def _begin_attempt(self, email: str, client: str) -> int:
        """Count, check and record one sign-in attempt as a failure, atomically: the id of
        the failure recorded, or :class:`RateLimited` (nothing recorded)."""
        key = email[:MAX_EMAIL_CHARS]
        with self.transaction() as s:
            # Every attempt for this address and client, and every attempt from this client,
            # passes here one at a time. On SQLite the first statement is a write, which
            # takes the database's write lock until commit (and clears old failures); on
            # PostgreSQL a transaction-level advisory lock per key does it (in a fixed order,
            # so two attempts cannot wait for each other).
            if s.get_bind().dialect.name == "postgresql":
                for lock in sorted({_lock_id("client", client), _lock_id("pair", key, client)}):
                    s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
            s.execute(delete(LoginFailure).where(LoginFailure.at < now() - 2 * STREAK_WINDOW))
            t = now()  # once the lock is held
            streak, last = s.execute(
                select(func.count(), func.max(LoginFailure.at)).where(
                    LoginFailure.email == key,
                    LoginFailure.client == client,
                    LoginFailure.at >= t - STREAK_WINDOW,
                )
            ).one()
            settled = LoginFailure.pending.is_(False) | (LoginFailure.at < t - PENDING_STALE)
            from_client, first = s.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    LoginFailure.client == client, LoginFailure.at >= t - FAILURE_WINDOW, settled
                )
            ).one()
            in_flight = s.scalar(
                select(func.count()).where(
                    LoginFailure.client == client,
                    LoginFailure.pending.is_(True),
                    LoginFailure.at >= t - PENDING_STALE,
                )
            )
            wait = timedelta(0)
            if streak >= FREE_FAILURES and last is not None:
                wait = max(wait, last + _delay(streak) - t)
            if from_client >= MAX_FAILURES_PER_CLIENT and first is not None:
                wait = max(wait, first + FAILURE_WINDOW - t)
            if in_flight >= MAX_IN_FLIGHT_PER_CLIENT:
                wait = max(wait, timedelta(seconds=1))
            if wait > timedelta(0):
                raise RateLimited(max(1, math.ceil(wait.total_seconds())))
            failure = LoginFailure(email=key, client=client, at=t, pending=True)
            s.add(failure)
            s.flush()
            return failure.id

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
        with self.one_statement() as s:  # every request asks: one round trip
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
