"""Who is calling, and is the form really from our page: sessions, API tokens and CSRF.

Browsers sign in with a session cookie (random token; the store keeps its hash) that is
HTTP-only, SameSite=Lax and Secure unless the app is told otherwise for plain-HTTP local use.
Every form carries the session's CSRF token; JSON calls made with the cookie send it in the
``X-CSRF-Token`` header. Scripts use ``Authorization: Bearer cpt_...`` API tokens, which need no
CSRF token because a browser never adds them by itself.

:class:`BodyGuard` stands in front of every route that takes a request body: it finds the
route, checks the caller and the role the route needs from the headers alone, and only then
lets the body in, counting it as it streams and stopping it at ``max_body`` bytes (HTTP 413) —
so an anonymous or under-privileged caller, or an oversized body, costs the server nothing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from starlette.routing import compile_path

from ..store import Actor, Forbidden

UPLOAD_SECONDS = 30.0
"""How long the checking of one uploaded file may take before the caller is told it is too
large to check (``COPRODUCE_UPLOAD_SECONDS`` to change it)."""

MAX_BODY = 12 * 1024 * 1024
"""The largest request body (a 10 MB upload and its form), unless ``COPRODUCE_MAX_BODY``
(bytes) says otherwise."""

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
    via: str  # "cookie" or "token"
    csrf: str = ""  # the session's CSRF token (cookie callers)


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
        caller(request).actor.require(role)  # the role first: the CSRF check may read a form
        return await checked_caller(request)

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


# ----- the body guard ------------------------------------------------------------------------

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def max_body() -> int:
    """The body limit: ``COPRODUCE_MAX_BODY`` bytes if set, else :data:`MAX_BODY`."""
    try:
        return max(1024, int(os.environ.get("COPRODUCE_MAX_BODY", "") or MAX_BODY))
    except ValueError:
        return MAX_BODY


class BodyTooLarge(HTTPException):
    """The request body went past the limit while it was being read (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request is larger than {limit / 1024 / 1024:,.0f} MB; send a smaller file"
        )


def _needs_of(route: Any) -> str | None:
    """What a route asks of its caller, read from its dependencies: None (anyone), ``""``
    (signed in) or a role."""
    need: str | None = None
    dependant = getattr(route, "dependant", None)
    stack = list(getattr(dependant, "dependencies", []))
    while stack:
        dep = stack.pop()
        stack.extend(dep.dependencies)
        call = dep.call
        name = getattr(call, "__name__", "")
        if call in (caller, checked_caller) and need is None:
            need = ""
        for prefix in ("needs_", "reads_as_"):
            if name.startswith(prefix):
                role = name[len(prefix) :]
                if need in (None, "") or _RANK.get(role, 0) > _RANK.get(need, 0):
                    need = role
    return need


_RANK = {"viewer": 1, "analyst": 2, "admin": 3}


def _route_table(routes: list, prefix: str = ""):
    """(methods, path pattern, what the caller needs) of every route, routers included (as
    FastAPI keeps them, flattened or not)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _route_table(inner.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None) and isinstance(getattr(route, "path", None), str):
            regex, _format, _convertors = compile_path(prefix + route.path)
            yield route.methods, regex, _needs_of(route)


class BodyGuard:
    """ASGI middleware: for a request that may carry a body, the caller and role its route
    needs are checked before the body is read, a declared length over ``limit`` is refused at
    once, and a body that streams past it is stopped (HTTP 413). ``respond(request, status,
    title, message)`` makes the refusal (a page or, under ``/api/``, JSON); a caller who is not
    signed in gets what :class:`NotSignedIn` gives."""

    def __init__(
        self,
        app: Any,
        *,
        routes: Callable[[], list],
        respond: Callable,
        not_signed_in: Callable,
        limit: int | None = None,
    ) -> None:
        self.app = app
        self.routes = routes
        self.respond = respond
        self.not_signed_in = not_signed_in
        self.limit = limit if limit is not None else max_body()
        self._table: list[tuple[Any, Any, str | None]] | None = None

    def _route_needs(self, scope: dict) -> str | None:
        if self._table is None:  # the routes are all in place by the first request
            self._table = list(_route_table(self.routes()))
        method, path = scope["method"], scope["path"]
        for methods, regex, need in self._table:
            if method in methods and regex.match(path):
                return need
        return None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        need = self._route_needs(scope)
        if need is not None:
            from starlette.concurrency import run_in_threadpool

            c = await run_in_threadpool(identify, request)
            if c is None:
                await self.not_signed_in(request)(scope, receive, send)
                return
            scope.setdefault("state", {})["caller"] = c
            if need:
                try:
                    c.actor.require(need)
                except Forbidden as exc:
                    await self.respond(request, 403, "Not allowed", str(exc))(scope, receive, send)
                    return
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                await self.respond(
                    request, 400, "Error", "the Content-Length header is not a number"
                )(scope, receive, send)
                return
            if size > self.limit:
                await self.respond(request, 413, "Too large", BodyTooLarge(self.limit).detail)(
                    scope, receive, send
                )
                return
        limit, seen = self.limit, 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def upload_seconds() -> float:
    try:
        return max(0.1, float(os.environ.get("COPRODUCE_UPLOAD_SECONDS", "") or UPLOAD_SECONDS))
    except ValueError:
        return UPLOAD_SECONDS


async def off_loop(
    fn: Callable[..., Any], *args: Any, seconds: float | None = None, field: str = "file"
) -> Any:
    """``fn(*args)`` in a worker thread, so the event loop goes on answering other requests
    while a file is parsed and checked; past the time budget (:func:`upload_seconds`) the
    caller gets :class:`~coproduce.model.errors.TooLarge` (HTTP 413) at once and the thread's
    result is dropped. ``fn`` must not store anything: store once it has returned."""
    import functools

    import anyio

    from ..model.errors import Issue, TooLarge
    from .lanes import UPLOAD_THREADS, lane

    limit = seconds if seconds is not None else upload_seconds()
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(
                functools.partial(fn, *args),
                abandon_on_cancel=True,
                limiter=lane("uploads", UPLOAD_THREADS),  # never holding up the pages
            )
    except TimeoutError:
        raise TooLarge(
            [
                Issue(
                    field,
                    f"checking it took longer than {limit:g} seconds: split "
                    "it into smaller files or simplify it",
                )
            ]
        ) from None
