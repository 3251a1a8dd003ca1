"""Who is calling, and is the form really from our page: sessions, API tokens and CSRF.

Browsers sign in with a session cookie (random token; the store keeps its hash) that is
HTTP-only, SameSite=Lax and Secure unless the app is told otherwise for plain-HTTP local use.
Every form carries the session's CSRF token; JSON calls made with the cookie send it in the
``X-CSRF-Token`` header. Scripts use ``Authorization: Bearer cpt_...`` API tokens, which need no
CSRF token because a browser never adds them by itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request

from ..store import Actor

SESSION_COOKIE = "coproduce_session"
LOGIN_CSRF_COOKIE = "coproduce_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class NotSignedIn(Exception):
    """No valid session or token: pages redirect to sign-in, the API answers 401."""


class BadCsrf(Exception):
    """A form or cookie-authenticated call without the right CSRF token (403)."""


@dataclass(frozen=True)
class Caller:
    actor: Actor
    via: str          # "cookie" or "token"
    csrf: str = ""    # the session's CSRF token (cookie callers)


def identify(request: Request) -> Caller | None:
    """The caller of ``request`` from a bearer token or the session cookie, else None."""
    store = request.app.state.store
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        actor = store.token_actor(auth[7:].strip())
        return Caller(actor, "token") if actor else None
    token = request.cookies.get(SESSION_COOKIE, "")
    found = store.session_actor(token) if token else None
    if found is None:
        return None
    return Caller(found[0], "cookie", found[1])


def caller(request: Request) -> Caller:
    """Dependency: the signed-in caller (raises :class:`NotSignedIn`)."""
    c = getattr(request.state, "caller", None) or identify(request)
    if c is None:
        raise NotSignedIn()
    request.state.caller = c
    return c


async def checked_caller(request: Request) -> Caller:
    """Dependency for every state-changing route: the caller, with CSRF checked for cookies."""
    c = caller(request)
    if c.via == "cookie":
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and "form" in request.headers.get("content-type", ""):
            form = await request.form()
            sent = str(form.get(CSRF_FIELD, ""))
        if not sent or not secrets.compare_digest(sent, c.csrf):
            raise BadCsrf()
    return c


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow sign-in (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def needs(role: str):
    """Dependency factory: a CSRF-checked caller with at least ``role`` (else 403), checked
    before the request body is read, so a viewer is refused before anything else happens."""

    async def dependency(request: Request) -> Caller:
        c = await checked_caller(request)
        c.actor.require(role)
        return c

    dependency.__name__ = f"needs_{role}"
    return dependency


def reader(role: str):
    """Dependency factory for pages that only read but need a role (the admin pages)."""

    def dependency(request: Request) -> Caller:
        c = caller(request)
        c.actor.require(role)
        return c

    dependency.__name__ = f"reads_as_{role}"
    return dependency


analyst = needs("analyst")
admin = needs("admin")
