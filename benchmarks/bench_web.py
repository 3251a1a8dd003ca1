"""Load benchmark of the web workspace (not a test).

Starts ``coproduce serve`` on a fresh SQLite file in a temporary folder, seeds the demo
organisation with N users and the bundled examples, then runs N concurrent virtual users for
a fixed time against 127.0.0.1 only. Each user signs in once, then repeats: open the maps
list, open the demo map, run backwards mapping (a stored run), open the run's page. Prints
throughput, p50/p95/p99 latency per kind of request and of the whole flow (map page,
backwards mapping and run page one after another), and errors.

    .venv/bin/python benchmarks/bench_web.py --users 50 --seconds 60
    .venv/bin/python benchmarks/bench_web.py --workers 2 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/coproduce_load
    .venv/bin/python benchmarks/bench_web.py --workers 2 --background 2 --database ...

With ``--background N``, N more analysts each keep an uncertainty run (5,000 draws) going
in the background throughout, so the browsing figures are those of a busy workspace.

With ``--database`` a PostgreSQL database of that name is created if missing and emptied
first (never point it at a database you keep).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

PASSWORD = "load test password"
# a client lets an idle connection go before the server does (uvicorn closes them after 5 s),
# as browsers do: otherwise a request sent as the server closes it fails (after the barrier)
KEEP_ALIVE = httpx.Limits(keepalive_expiry=4.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str) -> None:
    """Create the database of ``url`` if missing and empty its public schema."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = dict(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres")
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (u.database,))
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{u.database}"')
    with psycopg.connect(dbname=u.database, autocommit=True, **admin) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def seed(url: str, users: int) -> int:
    from coproduce.store import Store
    from coproduce.web.demo import DEMO_ORG, seed_demo

    store = Store.open(url)
    seed_demo(store)
    for k in range(users):
        store.create_user(DEMO_ORG, f"load{k}@demo.example.org", PASSWORD, "analyst")
    actor = store.authenticate("load0@demo.example.org", PASSWORD)
    model = next(m for m in store.list_models(actor) if "Older people" in m.name)
    store.close()
    return model.id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(c: httpx.AsyncClient, k: int, timed=None) -> str:
    """Sign in as the k-th load user (through ``timed(kind, method, url, ok, **kw)`` when
    the sign-in is measured); returns the session's CSRF token."""

    async def untimed(_kind: str, method: str, url: str, ok=(200,), **kw):
        return await c.request(method, url, **kw)

    send = timed or untimed
    page = await send("login page", "GET", "/login")
    await send(
        "sign in",
        "POST",
        "/login",
        ok=(303,),
        data={
            "email": f"load{k}@demo.example.org",
            "password": PASSWORD,
            "csrf_token": _csrf(page.text),
            "next": "/",
        },
    )
    return _csrf((await c.get("/")).text)


async def user(
    k: int,
    base: str,
    model_id: int,
    signed_in: asyncio.Barrier,
    seconds: float,
    times,
    errors,
    flows: list[float],
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=KEEP_ALIVE) as c:

        async def timed(kind: str, method: str, url: str, ok=(200,), **kw):
            t = time.perf_counter()
            try:
                r = await c.request(method, url, **kw)
            except httpx.HTTPError as exc:
                errors[kind].append(repr(exc))
                return None
            times[kind].append(time.perf_counter() - t)
            if r.status_code not in ok:
                errors[kind].append(r.status_code)
            return r

        csrf = await sign_in(c, k, timed)
        # everyone browses once all have signed in: signing in is argon2 work (about 0.3 s
        # of CPU each) that would otherwise be mixed into the browsing figures
        await signed_in.wait()
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            await timed("maps list", "GET", "/")
            flow_start = time.perf_counter()
            await timed("map page", "GET", f"/models/{model_id}")
            r = await timed(
                "map backwards",
                "POST",
                f"/models/{model_id}/map",
                ok=(303,),
                data={
                    "csrf_token": csrf,
                    "outcome": "independent_years",
                    "amount": "300",
                    "by": "full",
                },
            )
            if r is not None and r.status_code == 303:
                await timed("run page", "GET", r.headers["location"])
                flows.append(time.perf_counter() - flow_start)


async def background_user(
    k: int, base: str, model_id: int, signed_in: asyncio.Barrier, seconds: float, runs, errors
) -> None:
    """An analyst who keeps one uncertainty run (Monte Carlo and value of information, 5,000
    draws) going in the background the whole time: start it, poll it until done, again."""
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=KEEP_ALIVE) as c:
        csrf = await sign_in(c, k)
        await signed_in.wait()
        until = time.perf_counter() + seconds
        while time.perf_counter() < until:
            r = await c.post(
                f"/models/{model_id}/uncertainty",
                data={
                    "csrf_token": csrf,
                    "outcome": "independent_years",
                    "amount": "40",
                    "wtp": "43000",
                    "mode": "target",
                    "draws": "5000",
                    "seed": str(len(runs) + 1),
                },
            )
            if r.status_code != 303:
                errors["background run"].append(r.status_code)
                await asyncio.sleep(1)
                continue
            run = r.headers["location"].rstrip("/").split("/")[-1]
            while True:
                status = (await c.get(f"/runs/{run}/status")).json()["status"]
                if status not in ("queued", "running"):
                    break
                await asyncio.sleep(0.5)
            runs.append(status)


def _percentiles(kind: str, seconds: list[float]) -> str:
    """A row of the table: how many, and p50, p95 and p99 in milliseconds."""
    xs = sorted(seconds)
    if not xs:
        return f"{kind:16} {0:6d}"
    q = statistics.quantiles(xs, n=100) if len(xs) > 1 else [xs[0]] * 99
    return (
        f"{kind:16} {len(xs):6d} {1000 * statistics.median(xs):8.0f} "
        f"{1000 * q[94]:8.0f} {1000 * q[98]:8.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    ap.add_argument(
        "--background",
        type=int,
        default=0,
        help="analysts (besides --users) each keeping an uncertainty run going in the background",
    )
    ap.add_argument(
        "--database", default="", help="a PostgreSQL URL (emptied first); default SQLite"
    )
    args = ap.parse_args()
    background_runs: list[str] = []  # each finished background run's status
    flows: list[float] = []  # seconds from opening the map to the run's page shown
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql"):
            fresh_postgres(url)
        model_id = seed(url, args.users + args.background)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "COPRODUCE_INSECURE_COOKIES": "1"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "coproduce",
                "serve",
                "--port",
                str(port),
                "--database",
                url,
                "--insecure-cookies",
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/login", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            times: dict[str, list[float]] = defaultdict(list)
            errors: dict[str, list] = defaultdict(list)

            async def run_all() -> float:
                barrier = asyncio.Barrier(args.users + args.background)
                await asyncio.gather(
                    *(
                        user(k, base, model_id, barrier, args.seconds, times, errors, flows)
                        for k in range(args.users)
                    ),
                    *(
                        background_user(
                            args.users + k,
                            base,
                            model_id,
                            barrier,
                            args.seconds,
                            background_runs,
                            errors,
                        )
                        for k in range(args.background)
                    ),
                )
                return args.seconds

            start = time.perf_counter()
            asyncio.run(run_all())
            total_time = time.perf_counter() - start
            elapsed = args.seconds
        finally:
            server.terminate()
            server.wait(20)
    signing_in = ("login page", "sign in")
    total = sum(len(v) for k, v in times.items() if k not in signing_in)
    n_err = sum(len(v) for v in errors.values())
    print(
        f"{args.users} users, {args.workers} server process(es) on "
        f"{'PostgreSQL' if args.database else 'SQLite'}, {elapsed:.0f} s: "
        f"{total} requests, "
        f"{total / elapsed:.1f} requests/s, {len(times['map backwards']) / elapsed:.1f} "
        f"backwards mappings/s, {n_err} errors (after all signed in; "
        f"{total_time:.0f} s in all)"
    )
    every = sorted(x for k, v in times.items() if k not in signing_in for x in v)
    print(f"{'request':16} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, xs in [*sorted(times.items()), ("all browsing", every)]:
        print(_percentiles(kind, xs))
    print(_percentiles("whole flow", flows), "  (map page + backwards mapping + run page)")
    if args.background:
        done = sum(1 for x in background_runs if x == "done")
        print(
            f"background: {args.background} analysts kept uncertainty runs going; "
            f"{len(background_runs)} finished ({done} done)"
        )
    for kind, errs in errors.items():
        print(f"errors in {kind}: {errs[:5]}")


if __name__ == "__main__":
    main()
