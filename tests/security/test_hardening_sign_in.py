"""Sign-in and accounts under attack (issue 15, sign-in): an atomic failure limit, limits per
account and client address that slow an attacker without locking the owner out, over-long
addresses counted, proxy headers believed only from named proxies, a password reset that
revokes API tokens, and no probe of other organisations' addresses."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from coproduce.store import RateLimited
from coproduce.store import accounts as accounts_module
from coproduce.store.accounts import (
    EMAIL_REFUSED,
    FREE_FAILURES,
    MAX_FAILURES_PER_CLIENT,
    MAX_IN_FLIGHT_PER_CLIENT,
)
from tests.web.conftest import PASSWORD

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


class _CountedChecks:
    """``verify_password`` counted, each check taking ``seconds`` (as argon2 does in earnest),
    so attempts that are not serialised by the limiter overlap."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.calls = 0
        self.going = self.most_at_once = 0
        self.seconds = seconds
        self.lock = threading.Lock()
        self.real = accounts_module.verify_password

    def __call__(self, stored: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            self.going += 1
            self.most_at_once = max(self.most_at_once, self.going)
        time.sleep(self.seconds)
        with self.lock:
            self.going -= 1
        return self.real(stored, password)


class _Clock:
    """``accounts.now`` moved by hand."""

    def __init__(self) -> None:
        self.t = accounts_module.now()

    def __call__(self):
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def test_forty_concurrent_wrong_passwords_check_no_more_than_the_limit(world, monkeypatch):
    """Before: count, verify and record were separate, so 40 attempts at once were all
    checked (18 in the issue's run) before the first was refused."""
    checks = _CountedChecks()
    monkeypatch.setattr(accounts_module, "verify_password", checks)
    email = world.users[("a", "viewer")]

    def attempt(_k: int) -> str:
        try:
            return (
                "none"
                if world.store.authenticate(email, "wrong password!", "10.9.9.9") is None
                else "in"
            )
        except RateLimited:
            return "limited"

    with ThreadPoolExecutor(40) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    assert checks.calls == FREE_FAILURES, checks.calls
    assert outcomes.count("none") == FREE_FAILURES
    assert outcomes.count("limited") == 40 - FREE_FAILURES


def test_failures_on_many_accounts_stop_at_the_address_ceiling(world, monkeypatch):
    """40 wrong passwords at once on 40 accounts from one address are checked (attempts
    being checked are not yet failures); once settled, the address has failed 40 times,
    over its ceiling of 30, and the next attempt waits."""
    checks = _CountedChecks(0.5)  # long enough for all 40 to be checked at once
    monkeypatch.setattr(accounts_module, "verify_password", checks)

    def attempt(k: int) -> str:
        try:
            world.store.authenticate(f"nobody{k}@x.example.org", "wrong password!", "10.8.8.8")
            return "checked"
        except RateLimited:
            return "limited"

    with ThreadPoolExecutor(40) as pool:
        outcomes = list(pool.map(attempt, range(MAX_FAILURES_PER_CLIENT + 10)))
    assert checks.calls == MAX_FAILURES_PER_CLIENT + 10
    assert outcomes.count("checked") == MAX_FAILURES_PER_CLIENT + 10
    assert attempt(999) == "limited" and checks.calls == MAX_FAILURES_PER_CLIENT + 10


def test_no_more_than_the_in_flight_limit_are_checked_at_once(world, monkeypatch):
    """Every check waits at a gate until each attempt has either reached its check or been
    refused: exactly the in-flight limit are checked at once, the rest refused."""
    gate, entered = threading.Event(), threading.Semaphore(0)
    real = accounts_module.verify_password

    def held(stored: str, password: str) -> bool:
        entered.release()
        gate.wait(30)
        return real(stored, password)

    monkeypatch.setattr(accounts_module, "verify_password", held)
    n = MAX_IN_FLIGHT_PER_CLIENT + 20
    refused = threading.Semaphore(0)

    def attempt(k: int) -> str:
        try:
            world.store.authenticate(f"nobody{k}@x.example.org", "wrong password!", "10.7.7.7")
            return "checked"
        except RateLimited:
            refused.release()
            return "limited"

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(attempt, k) for k in range(n)]
        # each attempt reaches its check or is refused before any check ends
        for _ in range(MAX_IN_FLIGHT_PER_CLIENT):
            assert entered.acquire(timeout=30)
        for _ in range(n - MAX_IN_FLIGHT_PER_CLIENT):
            assert refused.acquire(timeout=30)
        gate.set()
        outcomes = [f.result() for f in futures]
    assert outcomes.count("checked") == MAX_IN_FLIGHT_PER_CLIENT
    assert outcomes.count("limited") == n - MAX_IN_FLIGHT_PER_CLIENT


def test_fifty_colleagues_behind_one_address_all_sign_in_at_once(world):
    """Before: each attempt counted as a failure until its password was checked, so the 31st
    colleague signing in at the same moment from the office's address was refused."""
    store = world.store
    for k in range(50):
        store.create_user("org-a", f"colleague{k}@a.example.org", PASSWORD, "viewer")

    def sign_in(k: int) -> bool:
        return store.authenticate(f"colleague{k}@a.example.org", PASSWORD, "10.6.6.6") is not None

    with ThreadPoolExecutor(50) as pool:
        assert all(pool.map(sign_in, range(50)))


@SQLITE_ONLY
def test_failures_from_another_address_do_not_lock_the_owner_out(world):
    """Before: 5 failures for an address from anywhere locked its owner out everywhere."""
    s = world.store
    email = world.users[("a", "analyst")]
    for _ in range(FREE_FAILURES):
        assert s.authenticate(email, "wrong password!", "203.0.113.66") is None
    with pytest.raises(RateLimited):
        s.authenticate(email, "wrong password!", "203.0.113.66")
    with pytest.raises(RateLimited):  # even the right password, from the attacker's address
        s.authenticate(email, PASSWORD, "203.0.113.66")
    # the owner at their own address signs in, and may still mistype
    assert s.authenticate(email, "a typo in it", "198.51.100.7") is None
    actor = s.authenticate(email, PASSWORD, "198.51.100.7")
    assert actor is not None and actor.email == email


@SQLITE_ONLY
def test_the_delay_grows_with_each_failure_and_a_correct_password_ends_the_streak(
    world, monkeypatch
):
    clock = _Clock()
    monkeypatch.setattr(accounts_module, "now", clock)
    s = world.store
    email, here = world.users[("a", "viewer")], "192.0.2.10"
    for _ in range(FREE_FAILURES):
        assert s.authenticate(email, "wrong password!", here) is None
    waits = []
    for _ in range(5):
        with pytest.raises(RateLimited) as refused:
            s.authenticate(email, "wrong password!", here)
        waits.append(refused.value.retry_after)
        clock.advance(refused.value.retry_after)
        assert s.authenticate(email, "wrong password!", here) is None  # allowed once waited
    assert waits == [60, 120, 240, 480, 900]  # doubling, at most 15 minutes
    with pytest.raises(RateLimited) as refused:
        s.authenticate(email, PASSWORD, here)
    assert refused.value.retry_after == 900
    clock.advance(900)
    assert s.authenticate(email, PASSWORD, here) is not None
    # the streak is over: the owner has their free attempts again
    for _ in range(FREE_FAILURES):
        assert s.authenticate(email, "wrong password!", here) is None
    # and failures are forgotten after an hour
    clock.advance(3601)
    assert s.authenticate(email, PASSWORD, here) is not None


@SQLITE_ONLY
def test_over_long_addresses_count_as_failures_and_are_never_hashed(world, monkeypatch):
    """Before: an address over 254 characters was refused without being counted, so it
    could be sent without limit."""
    checks = _CountedChecks(0)
    monkeypatch.setattr(accounts_module, "verify_password", checks)
    s = world.store
    for k in range(MAX_FAILURES_PER_CLIENT):
        assert s.authenticate(f"{k}" + "x" * 300 + "@example.org", PASSWORD, "10.7.7.7") is None
    with pytest.raises(RateLimited):
        s.authenticate("y" * 300 + "@example.org", PASSWORD, "10.7.7.7")
    with pytest.raises(RateLimited):  # the ceiling is the address's, whatever the account
        s.authenticate(world.users[("a", "viewer")], PASSWORD, "10.7.7.7")
    assert s.authenticate("ok" + "z" * 2000, "p" * 5000, "10.7.7.8") is None
    assert checks.calls == 0


@SQLITE_ONLY
def test_over_long_addresses_on_the_sign_in_form_reach_the_limit(world, web_factory, monkeypatch):
    checks = _CountedChecks(0)
    monkeypatch.setattr(accounts_module, "verify_password", checks)
    w = web_factory()
    codes = [w.login(f"{k}" + "x" * 300 + "@example.org").status_code for k in range(32)]
    assert codes[:MAX_FAILURES_PER_CLIENT] == [422] * MAX_FAILURES_PER_CLIENT
    assert codes[MAX_FAILURES_PER_CLIENT:] == [429, 429]
    assert checks.calls == 0


def test_a_password_reset_revokes_tokens_and_sessions(world):
    """Before: `admin reset-password` ended sessions but left API tokens working."""
    s = world.store
    email = world.users[("a", "analyst")]
    actor = world.actor("a", "analyst")
    _tok, plain = s.create_token(actor, "script")
    session, _csrf = s.open_session(actor)
    _other, other_plain = s.create_token(world.actor("a", "viewer"), "someone else's")
    assert s.token_actor(plain) is not None and s.session_actor(session) is not None
    s.reset_password(email, "a brand new password")
    assert s.token_actor(plain) is None
    assert s.session_actor(session) is None
    assert s.token_actor(other_plain) is not None  # nobody else's
    assert s.authenticate(email, "a brand new password") is not None
    entries = [e for e, _who in s.audit_log(world.actor("a", "admin"))]
    reset = next(e for e in entries if e.action == "user.reset_password")
    assert reset.detail == {"tokens_revoked": 1}


def test_admin_reset_password_command_revokes_api_tokens(tmp_path):
    from coproduce.store import Store
    from tests.clirun import cli

    url = f"sqlite:///{tmp_path / 'reset.db'}"
    store = Store.open(url)
    store.create_org("leeds", "Leeds")
    store.create_user("leeds", "ana@leeds.example.org", "first password", "admin")
    _tok, plain = store.create_token(
        store.authenticate("ana@leeds.example.org", "first password"), "s"
    )
    ran = cli(
        "admin",
        "reset-password",
        "ana@leeds.example.org",
        "--database",
        url,
        env={"COPRODUCE_PASSWORD": "second password"},
    )
    assert ran.returncode == 0, ran.stderr
    assert store.token_actor(plain) is None
    store.close()


def test_admin_reset_password_names_the_organisation_of_an_address_with_two(tmp_path):
    from coproduce.store import Store
    from tests.clirun import cli

    url = f"sqlite:///{tmp_path / 'two.db'}"
    store = Store.open(url)
    for slug in ("leeds", "york"):
        store.create_org(slug, slug.title())
        store.create_user(slug, "ana@example.org", f"{slug} password", "admin")
    env = {"COPRODUCE_PASSWORD": "a new password"}
    asked = cli("admin", "reset-password", "ana@example.org", "--database", url, env=env)
    assert asked.returncode == 2
    assert "2 organisations (leeds, york)" in asked.stderr + asked.stdout
    done = cli(
        "admin", "reset-password", "ana@example.org", "--org", "york", "--database", url, env=env
    )
    assert done.returncode == 0, done.stderr
    assert store.authenticate("ana@example.org", "a new password", "", "york") is not None
    assert store.authenticate("ana@example.org", "leeds password", "", "leeds") is not None
    store.close()


@SQLITE_ONLY
def test_an_admin_cannot_learn_that_an_address_exists_in_another_organisation(world, web_factory):
    """Before: adding a user whose address is an account of another organisation said 'a
    user ... already exists' (later, a refusal worded like a typo's, which still told a
    well-formed address apart). Accounts are now per organisation: such an address is added,
    exactly as a new one is."""
    admin_b = web_factory("b", "admin")
    elsewhere = world.users[("a", "viewer")]  # an account of organisation A

    def add(email: str):
        return admin_b.form(
            "/admin/users",
            {"email": email, "name": "", "role": "viewer", "password": "B's own password"},
        )

    assert add(elsewhere).status_code == 303
    assert add("new@b.example.org").status_code == 303
    # the same address twice in one organisation is refused, naming only that organisation
    again = add(elsewhere)
    assert again.status_code == 422
    assert "already a user of Organisation B" in again.text and "Organisation A" not in again.text
    assert add("not an address").status_code == 422
    assert EMAIL_REFUSED in add("not an address").text
    # the two accounts are separate: each password opens its own organisation's account
    assert world.store.authenticate(elsewhere, PASSWORD).org_name == "Organisation A"
    assert world.store.authenticate(elsewhere, "B's own password").org_name == "Organisation B"


def test_one_password_for_two_organisations_asks_which(world, web_factory):
    from coproduce.store import ChooseOrganisation

    both = world.users[("a", "analyst")]
    world.store.create_user("org-b", both, PASSWORD, "viewer")
    with pytest.raises(ChooseOrganisation) as choice:
        world.store.authenticate(both, PASSWORD, "10.1.1.1")
    assert choice.value.organisations == [("org-a", "Organisation A"), ("org-b", "Organisation B")]
    assert world.store.authenticate(both, PASSWORD, "10.1.1.1", "org-b").role == "viewer"
    assert world.store.authenticate(both, PASSWORD, "10.1.1.1", "org-a").role == "analyst"
    # a wrong password names no organisation
    assert world.store.authenticate(both, "wrong password!", "10.1.1.1") is None

    w = web_factory()
    asked = w.login(both)
    assert asked.status_code == 200
    assert "more than one organisation" in asked.text
    assert '<option value="org-b">Organisation B</option>' in asked.text
    signed_in = w.form(
        "/login", {"email": both, "password": PASSWORD, "organisation": "org-b", "next": "/"}
    )
    assert signed_in.status_code == 303
    assert "Organisation B" in w.get("/").text
    # the sign-in page asks nothing of a wrong password
    stranger = web_factory()
    refused = stranger.login(both, "wrong password!")
    assert refused.status_code == 401 and "Organisation" not in refused.text


def test_a_reset_names_the_organisation_when_an_address_has_two(world):
    from coproduce.model.errors import ModelError

    both = world.users[("a", "analyst")]
    world.store.create_user("org-b", both, "B's own password", "viewer")
    with pytest.raises(ModelError, match=r"accounts in 2 organisations \(org-a, org-b\)"):
        world.store.reset_password(both, "a brand new password")
    world.store.reset_password(both, "a brand new password", "org-b")
    assert world.store.authenticate(both, "a brand new password", "", "org-b") is not None
    assert world.store.authenticate(both, PASSWORD, "", "org-a") is not None  # untouched


def test_the_database_holds_one_account_per_address_and_organisation(world):
    """The constraint itself, as migrated on each database (not only the store's check)."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from coproduce.store.tables import User

    b_id = world.actor("b", "admin").org_id

    def add(email: str) -> None:
        with world.store.transaction() as s:
            s.execute(
                insert(User).values(org_id=b_id, email=email, role="viewer", password_hash="h")
            )

    add("raw@b.example.org")
    with pytest.raises(IntegrityError):  # the same address again in the same organisation
        add("raw@b.example.org")
    add(world.users[("a", "viewer")])  # an address of organisation A: a second account


def test_the_per_organisation_migration_keeps_every_account(tmp_path):
    """Upgrading a store made before accounts were per organisation keeps its users, and
    then lets one address into two organisations (but not twice into one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from coproduce.store import Store
    from coproduce.store.migrate import upgrade

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisations (id, slug, name, created_at) VALUES "
                "(1, 'a', 'A', '2026-01-01'), (2, 'b', 'B', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO users (org_id, email, name, role, password_hash, active, "
                "created_at) VALUES (1, 'x@a.org', '', 'admin', 'h', 1, '2026-01-01')"
            )
        )
    upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT email FROM users")).scalars().all() == ["x@a.org"]
    # the database itself refuses one address twice in one organisation
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (org_id, email, name, role, password_hash, active, "
                "created_at) VALUES (1, 'x@a.org', '', 'viewer', 'h', 1, '2026-01-01')"
            )
        )
    engine.dispose()
    store = Store.open(f"sqlite:///{tmp_path / 'old.db'}")
    store.create_user("b", "x@a.org", "long enough password", "viewer")
    with pytest.raises(Exception, match="already a user of A"):
        store.create_user("a", "x@a.org", "long enough password", "viewer")
    store.close()


# ----- proxy headers ---------------------------------------------------------------------


def test_serve_believes_no_proxy_by_default_and_sends_no_server_banner(monkeypatch, tmp_path):
    """Before: uvicorn's default believed X-Forwarded-For from 127.0.0.1 (40 rotated
    headers made 40 'clients') and sent `Server: uvicorn`."""
    import uvicorn

    from tests.clirun import cli

    seen: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append(kw))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert cli("serve", "--database", url).returncode == 0
    assert (
        cli("serve", "--database", url, "--forwarded-allow-ips", "127.0.0.1, 10.0.0.0/8").returncode
        == 0
    )
    default, trusted = seen
    assert default["proxy_headers"] is False and default["forwarded_allow_ips"] == ""
    assert default["server_header"] is False
    assert trusted["proxy_headers"] is True
    assert trusted["forwarded_allow_ips"] == "127.0.0.1,10.0.0.0/8"
    assert trusted["server_header"] is False
    bad = cli("serve", "--database", url, "--forwarded-allow-ips", "proxy.example.org")
    assert bad.returncode == 2 and "--forwarded-allow-ips" in bad.stderr


def _client_seen(options: dict, peer: str) -> tuple[str, str]:
    """The client address and scheme an app sees behind uvicorn configured with ``options``,
    for a request from ``peer`` that claims another address and HTTPS."""
    import asyncio

    import uvicorn

    seen: dict = {}

    async def app(scope, receive, send):
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    config = uvicorn.Config(app, **options)
    config.load()
    scope = {
        "type": "http",
        "scheme": "http",
        "client": (peer, 5000),
        "headers": [(b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-proto", b"https")],
    }
    asyncio.run(config.loaded_app(scope, None, None))
    return seen["client"], seen["scheme"]


def test_forwarded_headers_are_believed_only_from_the_addresses_given():
    from coproduce.cli.web_commands import uvicorn_options

    assert _client_seen(uvicorn_options(""), "127.0.0.1") == ("127.0.0.1", "http")
    trusted = uvicorn_options("127.0.0.1")
    assert _client_seen(trusted, "127.0.0.1") == ("6.6.6.6", "https")
    assert _client_seen(trusted, "192.0.2.5") == ("192.0.2.5", "http")
    assert _client_seen(uvicorn_options("10.0.0.0/8"), "10.1.2.3") == ("6.6.6.6", "https")
