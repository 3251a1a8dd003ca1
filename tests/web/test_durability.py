"""SQLite's durability is chosen, not left to its default: every commit on disk (FULL) unless
the user asks for the faster NORMAL."""

from __future__ import annotations

import pytest

from coproduce.errors import BadInput
from coproduce.store import Store


def _synchronous(tmp_path) -> int:
    store = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        with store.engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar())
    finally:
        store.close()


def test_commits_wait_for_the_disk_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("COPRODUCE_SQLITE_SYNCHRONOUS", raising=False)
    assert _synchronous(tmp_path) == 2  # FULL (SQLite's numbering: 0 OFF, 1 NORMAL, 2 FULL)


def test_normal_is_chosen_by_name_and_anything_else_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COPRODUCE_SQLITE_SYNCHRONOUS", "normal")
    assert _synchronous(tmp_path) == 1
    monkeypatch.setenv("COPRODUCE_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(BadInput, match="FULL"):
        Store.open(f"sqlite:///{tmp_path / 'e.db'}")
