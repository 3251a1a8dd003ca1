"""``coproduce serve`` and ``coproduce admin``: run the web workspace and manage its accounts."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from .common import BadInput, console

admin_app = typer.Typer(
    help="Manage organisations and users of the web workspace.", no_args_is_help=True
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (default: COPRODUCE_DATABASE_URL, else the SQLite file "
        "in the data folder).",
    ),
]


def _store(url: str | None):
    from ..store import Store

    return Store.open(url)


def _password(given: str | None) -> str:
    if given:
        return given
    env = os.environ.get("COPRODUCE_PASSWORD")
    if env:
        return env
    first = getpass.getpass("Password (10 characters or more): ")
    if first != getpass.getpass("Again: "):
        raise BadInput("the two passwords differ")
    return first


def _run(fn):
    from ..store import NotFound

    try:
        return fn()
    except NotFound as exc:
        raise BadInput(str(exc)) from None


@admin_app.command("create-org")
def create_org(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. leeds-ics.")],
    name: Annotated[str, typer.Option("--name", help="Full name.")] = "",
    database: DbOpt = None,
) -> None:
    """Create an organisation (a partnership's own space: it sees only its own data)."""
    org = _run(lambda: _store(database).create_org(slug, name or slug))
    console.print(f"created organisation {org.slug} ({org.name})", highlight=False)


@admin_app.command("create-user")
def create_user(
    org: Annotated[str, typer.Argument(help="The organisation's short name.")],
    email: Annotated[str, typer.Argument(help="The user's e-mail (their sign-in name).")],
    role: Annotated[str, typer.Option("--role", help="viewer, analyst or admin.")] = "analyst",
    name: Annotated[str, typer.Option("--name")] = "",
    password: Annotated[
        str | None, typer.Option("--password", help="Default: COPRODUCE_PASSWORD, else asked for.")
    ] = None,
    database: DbOpt = None,
) -> None:
    """Create a user of an organisation with a role."""
    pw = _password(password)
    user = _run(lambda: _store(database).create_user(org, email, pw, role, name))
    console.print(f"created {user.role} {user.email} in {org}", highlight=False)


@admin_app.command("reset-password")
def reset_password(
    email: Annotated[str, typer.Argument()],
    password: Annotated[str | None, typer.Option("--password")] = None,
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="The organisation's short name, needed when the address has accounts in "
            "more than one.",
        ),
    ] = None,
    database: DbOpt = None,
) -> None:
    """Set a new password (and sign the user out everywhere)."""
    pw = _password(password)
    _run(lambda: _store(database).reset_password(email, pw, org))
    where = f" in {org}" if org else ""
    console.print(f"password reset for {email}{where}", highlight=False)


def uvicorn_options(forwarded_allow_ips: str) -> dict:
    """uvicorn's settings for proxy headers and its banner: ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed only from the addresses or networks listed (none by
    default: uvicorn's own default trusts 127.0.0.1, so anything on the machine could claim
    any client address), and no ``Server: uvicorn`` header is sent."""
    import ipaddress

    given = [a.strip() for a in forwarded_allow_ips.split(",") if a.strip()]
    for address in given:
        if address == "*":
            continue
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise BadInput(
                f"--forwarded-allow-ips: '{address}' is not an address or a network "
                "(write e.g. 127.0.0.1, ::1 or 10.0.0.0/8, separated by commas)"
            ) from None
    return {
        "proxy_headers": bool(given),
        "forwarded_allow_ips": ",".join(given),
        "server_header": False,
    }


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    database: DbOpt = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="Send the session cookie over plain HTTP to hosts other "
            "than localhost (only behind a trusted proxy).",
        ),
    ] = False,
    threads: Annotated[int, typer.Option("--threads", help="Background analysis threads.")] = 2,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", help="Server processes (use the machine's cores; PostgreSQL or SQLite)."
        ),
    ] = 1,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            "--forwarded-allow-ips",
            help="Addresses of the reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto headers are believed (comma-separated addresses or networks, "
            "e.g. 127.0.0.1 or 10.0.0.0/8). Default: none, so a client cannot claim another "
            "address by sending the headers itself.",
        ),
    ] = "",
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Use the demo database (demo.db in the data folder) with a demo "
            "organisation, an analyst whose password is printed, and the bundled "
            "examples loaded.",
        ),
    ] = False,
) -> None:
    """Start the web workspace (migrating the database first)."""
    import uvicorn

    from ..store import data_home
    from ..web import create_app

    proxies = uvicorn_options(forwarded_allow_ips)
    if demo and database is None:
        database = f"sqlite:///{data_home() / 'demo.db'}"
    store = _store(database)
    console.print(
        f"coproduce workspace at http://{host}:{port}  (database: {store.url})", highlight=False
    )
    if demo:
        from ..web.demo import seed_demo

        email, password = seed_demo(store)
        console.print(f"sign in as {email} with password {password}", highlight=False)
    if workers < 1:
        raise BadInput("--workers must be 1 or more")
    if workers == 1:
        app = create_app(store, secure_cookies=not insecure_cookies, threads=threads)
        uvicorn.run(app, host=host, port=port, log_level="warning", **proxies)
        return
    # several processes: each builds its app from the environment
    store.abandon_unfinished_runs()
    os.environ.update(
        {
            "COPRODUCE_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
            "COPRODUCE_THREADS": str(threads),
            "COPRODUCE_WORKER_PROCESS": "1",
            "COPRODUCE_INSECURE_COOKIES": "1" if insecure_cookies else "0",
        }
    )
    store.close()
    from ..web.serving import run_processes

    # each process on a socket of its own, so that connections are shared out evenly
    run_processes(
        "coproduce.web.app:create_app",
        workers,
        host=host,
        port=port,
        log_level="warning",
        **proxies,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(admin_app, name="admin")
