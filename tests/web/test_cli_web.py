"""``coproduce admin`` and ``coproduce serve --demo`` through the entry point: in this
process, and once through a real interpreter."""

from __future__ import annotations

import re

from coproduce.store import Store
from tests.clirun import cli as _cli
from tests.clirun import cli_process


def test_admin_commands_create_an_organisation_and_users(tmp_path):
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    ok = cli_process("admin", "create-org", "leeds-ics", "--name", "Leeds ICS", "--database", url)
    assert ok.returncode == 0 and "created organisation leeds-ics" in ok.stdout
    made = _cli(
        "admin",
        "create-user",
        "leeds-ics",
        "Ana@Leeds.example.org",
        "--role",
        "admin",
        "--password",
        "first password",
        "--database",
        url,
    )
    assert made.returncode == 0, made.stderr
    store = Store.open(url)
    actor = store.authenticate("ana@leeds.example.org", "first password")
    assert (actor.role, actor.org_name) == ("admin", "Leeds ICS")
    reset = _cli(
        "admin",
        "reset-password",
        "ana@leeds.example.org",
        "--database",
        url,
        env={"COPRODUCE_PASSWORD": "second password"},
    )
    assert reset.returncode == 0, reset.stderr
    assert store.authenticate("ana@leeds.example.org", "first password") is None
    assert store.authenticate("ana@leeds.example.org", "second password") is not None


def test_admin_bad_input_exits_2_naming_the_field(tmp_path):
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    cases = [
        (("admin", "create-org", "Bad Slug!"), "slug"),
        (
            ("admin", "create-user", "nowhere", "a@b.org", "--password", "long enough pw"),
            "no organisation 'nowhere'",
        ),
    ]
    assert _cli("admin", "create-org", "org", "--database", url).returncode == 0
    cases += [
        (("admin", "create-user", "org", "a@b.org", "--password", "short"), "password"),
        (
            (
                "admin",
                "create-user",
                "org",
                "a@b.org",
                "--role",
                "boss",
                "--password",
                "long enough pw",
            ),
            "role",
        ),
    ]
    for args, words in cases:
        done = _cli(*args, "--database", url)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert words in done.stderr, (args, done.stderr)


def test_demo_seed_loads_the_examples_and_prints_working_credentials(tmp_path):
    from coproduce.model import example_names
    from coproduce.web.demo import seed_demo

    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    email, password = seed_demo(store)
    actor = store.authenticate(email, password)
    assert actor.role == "analyst"
    assert len(store.list_models(actor)) == len(example_names())
    email2, password2 = seed_demo(store)  # a second start: same data, a new password
    assert len(store.list_models(store.authenticate(email2, password2))) == len(example_names())
    assert store.authenticate(email, password) is None or password == password2
    assert re.fullmatch(r"[\w-]{12}", password2)
