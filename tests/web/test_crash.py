"""A process killed with SIGKILL in the middle of saving a new version leaves the store
consistent: the previous version intact, no half-written one, and the model still editable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from coproduce.store import Store
from coproduce.store.tables import ModelVersion, StoredModel

from .conftest import example_data, make_world

CHILD = textwrap.dedent("""
    import copy, sys, time
    from sqlalchemy import create_engine
    from coproduce.store import Actor, Store
    from coproduce.model import load_model
    from coproduce.model.serialise import model_to_data

    class Slow(Store):
        def _before_commit_hook(self):
            print("WRITING", flush=True)   # the new version's rows are in the transaction
            time.sleep(60)

    url, schema, model_id, user_id, org_id = sys.argv[1:6]
    args = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    store = Slow(create_engine(url, **args))
    actor = Actor(int(user_id), int(org_id), "analyst")
    data = model_to_data(load_model("example:older-people"))
    data["interventions"]["falls_classes"]["volume"] = 555
    store.save_version(actor, int(model_id), data, base=1, message="never committed")
""")


def _kill_mid_save(url: str, schema: str, model_id: int, actor) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            schema,
            str(model_id),
            str(actor.user_id),
            str(actor.org_id),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.strip() == "WRITING", proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_sigkill_while_saving_a_version_leaves_the_store_consistent(db, tmp_path, request):
    if db == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'crash.db'}", ""
        store = Store.open(url)
    else:
        import uuid

        from .conftest import PG_URL, _pg_store

        schema = f"{request.getfixturevalue('pg_schema')}_{uuid.uuid4().hex[:8]}"
        url, store = PG_URL, _pg_store(schema)
    world = make_world(store)
    actor = world.actor("a", "analyst")
    model, _v1 = store.create_model(actor, "", example_data())
    _kill_mid_save(url, schema, model.id, actor)

    store.engine.dispose()
    with store.transaction() as s:
        versions = s.query(ModelVersion).filter_by(model_id=model.id).all()
        head = s.get(StoredModel, model.id).head
    assert [v.number for v in versions] == [1] and head == 1
    assert versions[0].data == example_data()
    # nothing is left locked: the next save from version 1 goes through
    edited = example_data()
    edited["interventions"]["falls_classes"]["volume"] = 410
    assert store.save_version(actor, model.id, edited, base=1).number == 2
    store.close()
