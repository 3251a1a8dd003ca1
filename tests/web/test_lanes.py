"""Two lanes: a page that draws a map waits in the heavy lane, and a list of maps is answered
while the heavy lane is full."""

from __future__ import annotations

import asyncio
import re
import threading

import httpx

from coproduce.web import create_app
from coproduce.web.routes import models as model_routes

from .conftest import PASSWORD, example_data, make_world


async def _signed_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf, "next": "/"}
    )
    assert r.status_code == 303, r.text


def test_a_list_is_answered_while_the_heavy_lane_is_full(sqlite_store, monkeypatch):
    world = make_world(sqlite_store)
    actor = world.actor("a", "analyst")
    m, _v = sqlite_store.create_model(actor, "Older people", example_data())
    monkeypatch.setenv("COPRODUCE_HEAVY_THREADS", "1")
    drawing, release = threading.Event(), threading.Event()
    entered = []
    draw = model_routes.map_svg

    def slow_map_svg(*args, **kwargs):
        entered.append(1)
        drawing.set()
        assert release.wait(20), "never released"
        return draw(*args, **kwargs)

    monkeypatch.setattr(model_routes, "map_svg", slow_map_svg)
    app = create_app(sqlite_store, threads=1)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            await _signed_in(c, world.users[("a", "analyst")])
            maps = [asyncio.create_task(c.get(f"/models/{m.id}")) for _ in range(2)]
            await asyncio.get_running_loop().run_in_executor(None, drawing.wait, 20)
            listed = await asyncio.wait_for(c.get("/"), timeout=10)
            # the list came back while one map was drawing and the other waited its turn
            assert listed.status_code == 200 and "Older people" in listed.text
            assert len(entered) == 1 and not any(t.done() for t in maps)
            release.set()
            drawn = await asyncio.gather(*maps)
            assert [r.status_code for r in drawn] == [200, 200]
            assert len(entered) == 2

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        app.state.worker.shutdown(wait=True)
