"""A live ``coproduce serve`` for the browser tests: a fresh database seeded in-process with
one organisation and one admin, the server started as a user starts it, stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(
    url: str,
    email: str,
    password: str,
    name: str,
    *,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """The base address of a server on database ``url`` with an admin ``email`` (``args``:
    more options of ``coproduce serve``; ``env``: more environment)."""
    from sqlalchemy import create_engine

    from coproduce.store import Store
    from coproduce.store.migrate import upgrade

    # the admin commands are tested in test_cli_web.py; seeding in-process saves time
    engine = create_engine(url)
    upgrade(engine)
    seeded = Store(engine)
    seeded.create_org("demo", "Demo partnership")
    seeded.create_user("demo", email, password, "admin", name)
    seeded.close()
    env = {**os.environ, "COPRODUCE_PASSWORD": password, **(env or {})}
    env.pop("COPRODUCE_DATABASE_URL", None)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coproduce",
            "serve",
            "--port",
            str(port),
            "--database",
            url,
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + (proc.stdout.read() if proc.stdout else ""))
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
