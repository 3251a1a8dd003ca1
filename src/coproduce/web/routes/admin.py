"""Users and roles, the audit log (admins), and API tokens (everyone, for their own scripts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...model.errors import ModelError
from ...store.tables import Organisation
from ..security import Caller, admin, caller, checked_caller, reader
from ..templating import render

router = APIRouter(include_in_schema=False)


def _org_slug(store, actor) -> str:
    with store.transaction() as s:
        return s.get(Organisation, actor.org_id).slug


@router.get("/admin/users")
def users(request: Request, c: Caller = Depends(reader("admin"))):
    store = request.app.state.store
    return render(request, "users.html", users=store.list_users(c.actor), issues=None)


@router.post("/admin/users")
def add_user(
    request: Request,
    email: str = Form(...),
    name: str = Form(""),
    role: str = Form("viewer"),
    password: str = Form(...),
    c: Caller = Depends(admin),
):
    store = request.app.state.store
    c.actor.require("admin")
    try:
        store.create_user(_org_slug(store, c.actor), email, password, role, name, by=c.actor)
    except ModelError as exc:
        return render(
            request,
            "users.html",
            status_code=422,
            users=store.list_users(c.actor),
            issues=exc.issues,
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}")
def change_user(
    request: Request,
    user_id: int,
    role: str = Form(...),
    active: str = Form(""),
    c: Caller = Depends(admin),
):
    request.app.state.store.set_role(c.actor, user_id, role, bool(active))
    return RedirectResponse("/admin/users", status_code=303)


ACTION_WORDS = {
    "org.create": "created the organisation",
    "user.create": "added a user",
    "user.reset_password": "reset a password",
    "user.role": "changed a user's role",
    "session.open": "signed in",
    "token.create": "created an API token",
    "token.revoke": "revoked an API token",
    "model.create": "added a strategy map",
    "model.edit": "saved a new version",
    "model.rename": "renamed a map",
    "model.delete": "deleted a map",
    "run.create": "started a run",
    "run.cancel": "cancelled a run",
}
DETAIL_WORDS = {"kind": "analysis", "source": "from", "from": "was", "to": "now"}


def detail_words(action: str, detail: dict) -> str:
    """An audit entry's details in words (an analysis by its title, yes/no for flags)."""
    from .models import examples
    from .runs import analysis_title

    parts = []
    for k, v in (detail or {}).items():
        if k == "kind":
            v = analysis_title(str(v))
        elif isinstance(v, bool):
            v = "yes" if v else "no"
        elif k == "source" and isinstance(v, str) and v.startswith("example:"):
            name = v[len("example:") :]
            v = f"the bundled example “{examples().get(name, name)}”"
        parts.append(f"{DETAIL_WORDS.get(k, k.replace('_', ' '))}: {v}")
    return "; ".join(parts)


@router.get("/admin/audit")
def audit(request: Request, c: Caller = Depends(reader("admin"))):
    return render(
        request,
        "audit.html",
        entries=request.app.state.store.audit_log(c.actor),
        action_words=ACTION_WORDS,
        detail_words=detail_words,
    )


@router.get("/tokens")
def tokens(request: Request, c: Caller = Depends(caller)):
    return render(
        request, "tokens.html", tokens=request.app.state.store.list_tokens(c.actor), new_token=None
    )


@router.post("/tokens")
def create_token(request: Request, name: str = Form(...), c: Caller = Depends(checked_caller)):
    store = request.app.state.store
    _tok, plain = store.create_token(c.actor, name)
    return render(request, "tokens.html", tokens=store.list_tokens(c.actor), new_token=plain)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, c: Caller = Depends(checked_caller)):
    request.app.state.store.revoke_token(c.actor, token_id)
    return RedirectResponse("/tokens", status_code=303)
