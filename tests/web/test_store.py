"""The store on SQLite and PostgreSQL: schema, scoping, versions, concurrency, accounts."""

from __future__ import annotations

import copy

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from coproduce.model.errors import ModelError
from coproduce.store import Conflict, Forbidden, NotFound, RateLimited, diff_models
from coproduce.store.accounts import MAX_FAILURES_PER_EMAIL
from coproduce.store.secrets_ import digest
from coproduce.store.tables import ApiToken, Base, ModelVersion, StoredModel, User

from .conftest import PASSWORD, example_data


def test_migrations_build_exactly_the_declared_schema(store):
    # the shipped migration and the table classes must agree, or a later autogenerate
    # would be wrong and queries could meet a missing column
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_store):
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_passwords_are_argon2_hashes_and_tokens_are_kept_only_as_digests(world):
    s = world.store
    with s.transaction() as t:
        hashes = list(t.scalars(select(User.password_hash)))
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
    actor = world.actor("a", "analyst")
    tok, plain = s.create_token(actor, "script")
    with s.transaction() as t:
        stored = t.get(ApiToken, tok.id)
    assert plain not in (stored.token_hash, stored.prefix + stored.token_hash)
    assert stored.token_hash == digest(plain)
    assert s.token_actor(plain).user_id == actor.user_id
    s.revoke_token(actor, tok.id)
    assert s.token_actor(plain) is None


def test_a_token_of_another_organisation_cannot_be_revoked(world):
    s = world.store
    tok, plain = s.create_token(world.actor("a", "analyst"), "script")
    with pytest.raises(NotFound):
        s.revoke_token(world.actor("b", "admin"), tok.id)
    assert s.token_actor(plain) is not None


def test_wrong_password_fails_and_sign_in_is_rate_limited(world):
    s = world.store
    email = world.users[("a", "viewer")]
    for _ in range(MAX_FAILURES_PER_EMAIL):
        assert s.authenticate(email, "wrong password!", "10.0.0.1") is None
    # now even the right password is refused for a while
    with pytest.raises(RateLimited):
        s.authenticate(email, PASSWORD, "10.0.0.1")
    # another user is not locked out by it
    assert s.authenticate(world.users[("a", "analyst")], PASSWORD, "10.0.0.2") is not None


def test_each_organisation_sees_only_its_own_models_and_runs(world):
    s = world.store
    a, b = world.actor("a", "analyst"), world.actor("b", "admin")
    m, v = s.create_model(a, "A's map", example_data())
    run = s.create_run(a, "map", {"outcome": "independent_years"}, model_version_id=v.id)
    assert [x.id for x in s.list_models(b)] == []
    assert s.list_runs(b) == []
    for call in (
        lambda: s.get_model(b, m.id),
        lambda: s.get_version(b, m.id, 1),
        lambda: s.list_versions(b, m.id),
        lambda: s.get_run(b, run.id),
        lambda: s.cancel_run(b, run.id),
        lambda: s.rename_model(b, m.id, "mine"),
        lambda: s.delete_model(b, m.id),
        lambda: s.save_version(b, m.id, example_data(), base=1),
        lambda: s.create_run(b, "map", {}, model_version_id=v.id),
    ):
        with pytest.raises(NotFound):
            call()
    assert s.get_model(a, m.id).name == "A's map"


def test_roles_limit_what_each_user_may_do(world):
    s = world.store
    viewer, analyst = world.actor("a", "viewer"), world.actor("a", "analyst")
    with pytest.raises(Forbidden):
        s.create_model(viewer, "", example_data())
    m, _v = s.create_model(analyst, "", example_data())
    with pytest.raises(Forbidden):
        s.save_version(viewer, m.id, example_data(), base=1)
    with pytest.raises(Forbidden):
        s.delete_model(analyst, m.id)
    with pytest.raises(Forbidden):
        s.audit_log(analyst)
    with pytest.raises(Forbidden):
        s.list_users(analyst)
    s.delete_model(world.actor("a", "admin"), m.id)
    assert s.list_models(analyst) == []


def test_versions_are_kept_and_a_stale_edit_is_refused(world):
    s = world.store
    a = world.actor("a", "analyst")
    data = example_data()
    m, v1 = s.create_model(a, "", data)
    edited = copy.deepcopy(data)
    edited["interventions"]["falls_classes"]["volume"] = 500
    v2 = s.save_version(a, m.id, edited, base=1, message="more classes")
    assert (v1.number, v2.number) == (1, 2)
    other = copy.deepcopy(data)
    other["interventions"]["falls_classes"]["volume"] = 550
    with pytest.raises(Conflict) as err:
        s.save_version(a, m.id, other, base=1)  # edited from version 1, but 2 exists
    assert err.value.head == 2
    # nothing of the stale edit was stored; both versions are intact
    assert s.get_model(a, m.id).head == 2
    assert s.get_version(a, m.id, 1).data["interventions"]["falls_classes"]["volume"] == 400
    assert s.get_version(a, m.id, 2).data["interventions"]["falls_classes"]["volume"] == 500


def test_an_invalid_model_stores_nothing(world):
    s = world.store
    a = world.actor("a", "analyst")
    bad = example_data()
    bad["links"][0]["to"] = "fals_avoided"
    with pytest.raises(ModelError) as err:
        s.create_model(a, "bad", bad)
    assert any(i.path == "links[0].to" and "falls_avoided" in i.message for i in err.value.issues)
    m, _v = s.create_model(a, "good", example_data())
    with pytest.raises(ModelError):
        s.save_version(a, m.id, bad, base=1)
    with s.transaction() as t:
        assert t.scalar(select(func.count()).select_from(StoredModel)) == 1
        assert t.scalar(select(func.count()).select_from(ModelVersion)) == 1
    assert s.get_model(a, m.id).head == 1


def test_diff_names_each_change_with_before_and_after():
    a = example_data()
    b = copy.deepcopy(a)
    b["interventions"]["falls_classes"]["volume"] = 450
    b["resources"]["physio_hour"]["unit_cost"] = {"dist": "normal", "mean": 52, "sd": 5}
    del b["outcomes"]["care_home_admissions_avoided"]
    b["links"] = [lk for lk in b["links"] if lk["to"] != "care_home_admissions_avoided"]
    j = next(k for k, lk in enumerate(b["links"]) if not lk.get("contested"))
    b["links"][j]["contested"] = True
    changes = {(c.kind, c.section, c.key, c.field): (c.before, c.after) for c in diff_models(a, b)}
    assert changes[("changed", "interventions", "falls_classes", "volume")] == (400, 450)
    assert changes[("changed", "resources", "physio_hour", "unit_cost")] == (
        a["resources"]["physio_hour"]["unit_cost"],
        {"dist": "normal", "mean": 52, "sd": 5},
    )
    assert ("removed", "outcomes", "care_home_admissions_avoided", "") in changes
    first = f"{b['links'][j]['from']} -> {b['links'][j]['to']}"
    assert changes[("changed", "links", first, "contested")] == (None, True)
    removed_links = [k for k in changes if k[0] == "removed" and k[1] == "links"]
    assert len(removed_links) == sum(
        lk["to"] == "care_home_admissions_avoided" for lk in a["links"]
    )
    assert diff_models(a, a) == []


def test_runs_keep_inputs_progress_and_result_and_can_be_cancelled(world):
    s = world.store
    a = world.actor("a", "analyst")
    _m, v = s.create_model(a, "", example_data())
    run = s.create_run(
        a, "map", {"outcome": "x", "amount": 3}, model_version_id=v.id, scenario="s1", seed=7
    )
    assert s.progress(run.id, 0.5, "half") is True
    got = s.get_run(a, run.id)
    assert (got.status, got.progress, got.stage, got.seed, got.scenario) == (
        "running",
        0.5,
        "half",
        7,
        "s1",
    )
    s.cancel_run(a, run.id)
    assert s.progress(run.id, 0.6, "more") is False  # the worker is told to stop
    s.finish_run(run.id, status="cancelled")
    run2 = s.create_run(a, "map", {"outcome": "x"}, model_version_id=v.id)
    s.finish_run(run2.id, status="done", result={"answer": [1, 2.5]})
    assert s.get_run(a, run2.id).result == {"answer": [1, 2.5]}
    assert s.abandon_unfinished_runs() == 0


def test_the_audit_log_records_who_changed_what(world):
    s = world.store
    a = world.actor("a", "analyst")
    m, _v = s.create_model(a, "mine", example_data())
    s.save_version(a, m.id, example_data(), base=1, message="no change really")
    log = s.audit_log(world.actor("a", "admin"))
    actions = [(e.action, email) for e, email in log]
    assert ("model.create", a.email) in actions
    assert ("model.edit", a.email) in actions
    assert all(e.org_id == a.org_id for e, _ in log)
    assert not any(e.action.startswith("model") for e, _ in s.audit_log(world.actor("b", "admin")))
