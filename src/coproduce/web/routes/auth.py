"""Signing in and out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...store import ChooseOrganisation
from ...store.accounts import MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS
from ..security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    checked_caller,
    identify,
    safe_next,
)
from ..templating import render

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    *,
    next_: str,
    email: str = "",
    error: str = "",
    status: int = 200,
    organisations: list[tuple[str, str]] | None = None,
):
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    resp = render(
        request,
        "login.html",
        status_code=status,
        next=safe_next(next_),
        email=email,
        error=error,
        login_csrf=token,
        organisations=organisations or [],
    )
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        path="/login",
    )
    return resp


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    if identify(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_=next)


@router.post("/login")
def login(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    csrf_token: str = Form(""),
    organisation: str = Form(""),
):
    store = request.app.state.store
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    # the sign-in form is protected by a double-submit token (there is no session yet)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _login_page(
            request,
            next_=next,
            email=email,
            status=403,
            error="The sign-in form had expired. Please try again.",
        )
    client = request.client.host if request.client else ""
    # RateLimited -> 429. An address or password longer than any we store is counted as a
    # failure like any other (so it cannot buy unlimited attempts), but never hashed.
    try:
        actor = store.authenticate(email, password, client, organisation[:64] or None)
    except ChooseOrganisation as choice:
        # only someone who knows the password learns which organisations it opens
        return _login_page(
            request,
            next_=next,
            email=email,
            organisations=choice.organisations,
        )
    if len(email.strip()) > MAX_EMAIL_CHARS or len(password) > MAX_PASSWORD_CHARS:
        return _login_page(
            request,
            next_=next,
            email="",
            status=422,
            error="That e-mail address or password is too long.",
        )
    if actor is None:
        return _login_page(
            request,
            next_=next,
            email=email,
            status=401,
            error="That e-mail and password do not match an active account.",
        )
    token, _csrf = store.open_session(actor)
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
        max_age=12 * 3600,
        path="/",
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, c: Caller = Depends(checked_caller)):
    request.app.state.store.close_session(request.cookies.get(SESSION_COOKIE, ""))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
