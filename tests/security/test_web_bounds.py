"""The web server under hostile requests (issue 15): who is calling and what they may do is
checked before a request body is read; bodies are limited as they stream; uploads are parsed
and checked off the event loop within a time budget; every refusal is a located 4xx."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

from coproduce.web.security import max_body

from .mutations import alias_bomb, base, deep_json

MB = 1024 * 1024
SQLITE = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


class Body:
    """A request body of ``size`` bytes that counts how much of it the server read."""

    def __init__(self, size: int, chunk: int = MB, head: bytes = b"") -> None:
        self.size, self.chunk, self.read, self.head = size, chunk, 0, head

    async def __aiter__(self):
        sent = 0
        while sent < self.size:
            n = min(self.chunk, self.size - sent)
            self.read += n
            yield (self.head if sent == 0 else b"") + b"x" * n
            sent += n


def _send(w, method: str, url: str, body: Body, headers: dict, declared: bool = True):
    if declared:
        headers = {**headers, "Content-Length": str(body.size)}
    return w.loop.run_until_complete(w.client.request(method, url, content=body, headers=headers))


def _token(world, role: str) -> dict:
    return {
        "Authorization": "Bearer "
        + world.store.create_token(world.actor("a", role), f"bounds {role}")[1]
    }


@SQLITE
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_anonymous_100mb_post_is_refused_without_reading_it(web_factory, declared):
    w = web_factory()
    for url, status in (
        ("/api/models", 401),
        ("/models", 303),
        ("/appraisals", 303),
        ("/api/appraisals", 401),
    ):
        body = Body(100 * MB)
        r = _send(w, "POST", url, body, {"Content-Type": "application/json"}, declared)
        assert r.status_code == status, (url, r.status_code, r.text[:300])
        assert body.read == 0, (url, body.read)


@SQLITE
def test_a_caller_without_the_role_is_refused_before_the_body_is_read(world, web_factory):
    w = web_factory()
    body = Body(100 * MB)
    r = _send(
        w,
        "POST",
        "/api/models",
        body,
        {**_token(world, "viewer"), "Content-Type": "application/json"},
    )
    assert r.status_code == 403 and body.read == 0
    viewer = web_factory("a", "viewer")
    body = Body(100 * MB)
    r = _send(
        viewer,
        "POST",
        "/models",
        body,
        {"Content-Type": "multipart/form-data; boundary=x"},
        declared=False,
    )
    assert r.status_code == 403 and body.read == 0 and "analyst role" in r.text


@SQLITE
def test_a_body_past_the_limit_is_stopped_as_it_streams(world, web_factory):
    w = web_factory()
    api = {**_token(world, "analyst"), "Content-Type": "application/json"}
    body = Body(100 * MB)
    r = _send(w, "POST", "/api/models", body, api)  # declared: at once
    assert r.status_code == 413 and body.read == 0
    assert "larger than" in r.json()["detail"]
    body = Body(100 * MB)
    r = _send(w, "POST", "/api/models", body, api, declared=False)  # streamed: at the limit
    assert r.status_code == 413
    assert max_body() < body.read <= max_body() + 2 * MB
    analyst = web_factory("a", "analyst")
    body = Body(
        100 * MB,
        head=b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.yaml"\r\n\r\n',
    )
    r = _send(
        analyst,
        "POST",
        "/models",
        body,
        {"Content-Type": "multipart/form-data; boundary=x"},
        declared=False,
    )
    assert r.status_code == 413 and body.read <= max_body() + 2 * MB
    assert "Too large" in r.text


def _upload(w, filename: str, content: bytes, url: str = "/models", **fields):
    return w.post(
        url,
        data={"csrf_token": w.csrf, **fields},
        files={"file": (filename, content, "application/octet-stream")},
    )


@SQLITE
def test_hostile_uploads_are_located_refusals(world, web_factory):
    w = web_factory("a", "analyst")
    bomb = (alias_bomb() + "\ncoproduce: 1\nname: *a8\nprice_year: 2024\n").encode()
    r = _upload(w, "bomb.yaml", bomb)
    assert r.status_code == 413 and re.search(r"\(line [1-9]\)", r.text)
    assert "aliases" in r.text
    r = _upload(w, "self.yaml", b"coproduce: 1\nname: &r [*r]\n")
    assert r.status_code == 422 and "(line 2)" in r.text and "contains it" in r.text
    r = _upload(w, "deep.json", deep_json().encode())
    assert r.status_code == 413 and "nested too deeply" in r.text
    r = _upload(w, "m" * 295 + ".yaml", b"coproduce: 1\n")
    assert r.status_code == 422 and "the file name is 300 characters long" in r.text
    r = _upload(w, "../../etc/passwd.yaml", b"coproduce: 1\n")
    assert r.status_code == 422 and "passwd.yaml" in r.text and "/etc" not in r.text
    data = base("older-people")
    data["links"][0]["effect"] = 10**400
    r = _upload(w, "big.json", json.dumps(data).encode())
    assert r.status_code == 422 and "links[0].effect" in r.text
    r = _upload(w, "ok.yaml", b"coproduce: 1\n", name="n" * 300)
    assert r.status_code == 422 and "at most 200 characters" in r.text
    assert world.store.list_models(world.actor("a", "admin")) == []


@SQLITE
def test_hostile_api_bodies_are_located_refusals(world, web_factory):
    w = web_factory()
    api = {**_token(world, "analyst"), "Content-Type": "application/json"}
    deep = '{"model": ' + deep_json() + "}"
    r = w.post("/api/models", content=deep.encode(), headers=api)
    assert r.status_code == 413 and "nested too deeply" in r.text
    data = base("older-people")
    data["links"][0]["effect"] = 10**400
    r = w.post("/api/models", content=json.dumps({"model": data}).encode(), headers=api)
    assert r.status_code == 422
    assert r.json()["issues"][0]["path"] == "links[0].effect"
    data["links"][0]["effect"] = float("nan")
    r = w.post("/api/models", content=json.dumps({"model": data}).encode(), headers=api)
    assert r.status_code == 422 and "not a number" in r.text
    r = w.post(
        "/api/models", content=b'{"model": {"coproduce": 1' + b"0" * 5000 + b"}}", headers=api
    )
    assert r.status_code == 422 and "cannot be read" in r.text
    r = w.post(
        "/api/models", content=json.dumps({"name": "n" * 300, "model": {}}).encode(), headers=api
    )
    assert r.status_code == 422
    nested: dict = {"coproduce": 1}
    node = nested
    for _ in range(200):
        node["notes"] = {}
        node = node["notes"]
    r = w.post("/api/models", content=json.dumps({"model": nested}).encode(), headers=api)
    assert r.status_code == 413 and r.json()["issues"][0]["path"].startswith("notes.notes")
    r = w.post("/api/appraisals", content=json.dumps({"appraisal": nested}).encode(), headers=api)
    assert r.status_code == 413


@SQLITE
def test_uploads_are_checked_off_the_event_loop(world, web_factory, monkeypatch):
    """A slow check (here a pause of a second) leaves the server answering other requests."""
    from coproduce.web.routes import models

    real = models.parse_upload

    def slow(name, content):
        time.sleep(1.0)
        return real(name, content)

    monkeypatch.setattr(models, "parse_upload", slow)
    w = web_factory("a", "analyst")
    other = web_factory()
    text = b"coproduce: 1\nname: slow\nprice_year: 2024\n"
    done: dict[str, float] = {}

    async def upload():
        r = await w.client.post(
            "/models", data={"csrf_token": w.csrf}, files={"file": ("slow.yaml", text, "text/yaml")}
        )
        done["upload"] = time.perf_counter()
        return r

    async def ping():
        await asyncio.sleep(0.2)
        r = await other.client.get("/login")
        done["ping"] = time.perf_counter()
        return r

    async def both():
        return await asyncio.gather(upload(), ping())

    start = time.perf_counter()
    up, pong = w.loop.run_until_complete(both())
    assert up.status_code == 303 and pong.status_code == 200
    assert done["ping"] - start < 0.8 < done["upload"] - start


@SQLITE
def test_a_check_past_the_time_budget_is_refused_and_stores_nothing(
    world, web_factory, monkeypatch
):
    from coproduce.web.routes import models

    monkeypatch.setenv("COPRODUCE_UPLOAD_SECONDS", "0.3")
    real = models.parse_upload
    monkeypatch.setattr(
        models, "parse_upload", lambda name, content: (time.sleep(1.0), real(name, content))[1]
    )
    w = web_factory("a", "analyst")
    start = time.perf_counter()
    r = _upload(w, "m.yaml", b"coproduce: 1\nname: x\nprice_year: 2024\n")
    assert r.status_code == 413 and "longer than 0.3 seconds" in r.text
    assert time.perf_counter() - start < 0.9
    time.sleep(1.0)  # the abandoned check finishes, and stores nothing
    assert world.store.list_models(world.actor("a", "admin")) == []


@SQLITE
def test_appraisal_uploads_and_fields_are_bounded(world, web_factory):
    w = web_factory("a", "analyst")
    r = _upload(w, "big.yaml", b"x: " + b"y" * (15 * MB), url="/appraisals")
    assert r.status_code == 413
    r = _upload(w, "bomb.yaml", (alias_bomb() + "\nname: *a8\n").encode(), url="/appraisals")
    assert r.status_code == 413 and re.search(r"\(line [1-9]\)", r.text)
    r = _upload(w, "a.json", b'{"name": ' + b"[" * 3000 + b"]" * 3000 + b"}", url="/appraisals")
    assert r.status_code == 413 and "nested too deeply" in r.text
    for fields, message in (
        ({"draws": "abc"}, "draws"),
        ({"draws": "inf"}, "draws"),
        ({"seed": "-1"}, "seed"),
        ({"draws": "9" * 40}, "draws"),
    ):
        r = w.form("/appraisals", {"example": "falls-prevention", **fields})
        assert r.status_code == 422 and message in r.text, (fields, r.status_code)
    assert world.store.list_runs(world.actor("a", "admin"), kind="appraisal") == []


def test_concurrent_uploads_of_one_name_give_conflicts_not_errors(world, web_factory):
    """20 uploads of one map at once: each is stored under its own name or refused with 409
    (two raced for one name); none is a 500."""
    clients = [web_factory("a", "analyst") for _ in range(4)]
    text = json.dumps(base("older-people")).encode()

    async def one(k: int):
        w = clients[k % len(clients)]
        return await w.client.post(
            "/models",
            data={"csrf_token": w.csrf, "name": "same"},
            files={"file": ("m.json", text, "application/json")},
        )

    async def all_():
        return await asyncio.gather(*(one(k) for k in range(20)))

    results = clients[0].loop.run_until_complete(all_())
    codes = [r.status_code for r in results]
    assert set(codes) <= {303, 409}, codes
    assert codes.count(303) >= 1
    names = [m.name for m in world.store.list_models(world.actor("a", "admin"))]
    assert len(names) == len(set(names)) == codes.count(303)


def test_a_value_longer_than_its_column_is_not_a_server_error(world, web_factory):
    """On PostgreSQL a value longer than its column is refused by the database (on SQLite it
    is kept); either way the caller gets a 4xx, never a 500."""
    w = web_factory()
    r = w.login("x" * 300 + "@example.org")
    assert 400 <= r.status_code < 500, r.status_code
    analyst = web_factory("a", "analyst")
    r = analyst.form("/tokens", {"name": "t" * 5000})
    assert r.status_code < 500, r.status_code


def test_an_infinite_amount_is_refused(web_factory, world):
    """amount=inf on the map form: a 422 naming the amount, never a 500."""
    import coproduce as cp

    w = web_factory("a", "analyst")
    text = cp.model.load.example_path("older-people").read_text()
    r = w.form("/models", files={"file": ("older-people.yaml", text.encode(), "text/yaml")})
    model_id = int(r.headers["location"].split("/")[2].split("?")[0])
    r = w.form(f"/models/{model_id}/map", {"outcome": "independent_years", "amount": "inf"})
    assert r.status_code == 422 and "amount" in r.text
