"""The demo workspace of ``coproduce serve --demo`` (what ``make demo`` runs)."""

from __future__ import annotations

import secrets

from ..model import example_names, load_model
from ..store import NotFound, Store

DEMO_ORG = "demo"
DEMO_EMAIL = "analyst@demo.coproduce.local"


def seed_demo(store: Store) -> tuple[str, str]:
    """A demo organisation with an analyst and the bundled example maps; returns the
    analyst's e-mail and a fresh password (set anew at each start, so it is printed once)."""
    try:
        store.get_org(DEMO_ORG)
    except NotFound:
        store.create_org(DEMO_ORG, "Demo partnership")
    password = secrets.token_urlsafe(9)
    try:
        store.reset_password(DEMO_EMAIL, password, DEMO_ORG)
    except NotFound:
        store.create_user(DEMO_ORG, DEMO_EMAIL, password, "analyst", "Demo analyst")
    actor = store.authenticate(DEMO_EMAIL, password, organisation=DEMO_ORG)
    if not store.list_models(actor):
        for name in example_names():
            store.create_model(
                actor,
                "",
                load_model(f"example:{name}"),
                source=f"example:{name}",
                message="bundled example",
            )
    return DEMO_EMAIL, password
