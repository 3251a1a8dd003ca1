"""Build the FastAPI application: store, worker, routes, errors."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import BadInput, NoAnswer
from ..store import Conflict, Forbidden, NotFound, RateLimited, Store
from .runner import Worker
from .security import BadCsrf, BodyGuard, NotSignedIn, login_url
from .templating import render

STATIC = Path(__file__).parent / "static"


def create_app(
    store: Store | None = None,
    *,
    secure_cookies: bool | None = None,
    threads: int | None = None,
    abandon_runs: bool | None = None,
) -> FastAPI:
    """The workspace app over ``store`` (default: :meth:`Store.open`).

    ``secure_cookies`` (default: true unless ``COPRODUCE_INSECURE_COOKIES=1``) marks the
    session cookie Secure; browsers still send it to http://127.0.0.1 and http://localhost.
    With no arguments it reads its settings from the environment, so that
    ``uvicorn --factory coproduce.web.app:create_app`` works too.
    """
    store = store or Store.open()
    if secure_cookies is None:
        secure_cookies = os.environ.get("COPRODUCE_INSECURE_COOKIES", "") not in ("1", "true")
    if threads is None:
        threads = int(os.environ.get("COPRODUCE_THREADS", "2"))
    if abandon_runs is None:
        # with several server processes, `coproduce serve` does this once before they start
        abandon_runs = os.environ.get("COPRODUCE_WORKER_PROCESS") != "1"

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if abandon_runs:
            store.abandon_unfinished_runs()
        app.state.worker.start()  # runs left queued by a previous server go on now
        import anyio.to_thread

        # page and API requests run in this many threads a process: a few threads share the
        # GIL with little thrashing (measured with 50 users: 40 threads, anyio's default,
        # p95 1.6 s; 4 threads 1.0 s; 2 threads 0.9 s); uploads have threads of their own
        anyio.to_thread.current_default_thread_limiter().total_tokens = request_threads()
        yield
        app.state.worker.shutdown()

    app = FastAPI(
        title="coproduce workspace",
        version=__version__,
        description="Strategy maps, pathways and appraisals shared across a partnership. "
        "The JSON API mirrors the command line and returns the same result objects "
        "as `--json`. Authenticate with `Authorization: Bearer cpt_...` (make a "
        "token on the API tokens page).",
        lifespan=lifespan,
        # /docs is served by routes/assets.py, behind sign-in, from the package's own assets
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.store = store
    app.state.worker = Worker(store, threads=threads)
    app.state.secure_cookies = secure_cookies
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    from .routes.assets import DOCS_ASSETS, docs_assets_folder

    app.mount(DOCS_ASSETS, StaticFiles(directory=str(docs_assets_folder())), name="docs-assets")
    _errors(app)
    from .routes import include_all

    include_all(app)
    # who is calling and may they, then how large is the body: before the body is read
    app.add_middleware(
        BodyGuard,
        routes=lambda: app.router.routes,
        respond=_page_app,
        not_signed_in=_not_signed_in_app,
    )

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", _policy(request, response))
        if request.url.scheme == "https":  # over TLS, or from a trusted proxy that says so
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.url.path.startswith(DOCS_ASSETS + "/"):  # a library's files: cache them
            response.headers.setdefault("Cache-Control", "public, max-age=86400")
        else:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


# Content-Security-Policy. Pages load their script and style sheet from this server only and
# hold no inline script; their markup uses style attributes (allowed, as attributes only).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# A report or download (a response with Content-Disposition): a self-contained HTML report
# carries its own inline scripts and styles (the map's script; CSV links as data: URLs). It is
# sandboxed into an origin of its own, so whatever runs in it cannot act as the signed-in user
# (no cookies, no same-origin requests) and it can reach nothing outside itself.
REPORT_POLICY = (
    "sandbox allow-scripts allow-downloads allow-popups; default-src 'none'; "
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "font-src data:; frame-ancestors 'none'"
)
HSTS = "max-age=31536000"


def _policy(request: Request, response: Response) -> str:
    """The Content-Security-Policy of a response: the API documentation's (its two inline
    scripts hashed), a report's, or a page's."""
    if "content-disposition" in response.headers:
        return REPORT_POLICY
    if request.url.path == "/docs":
        return _docs_policy(request)
    return PAGE_POLICY


def _docs_policy(request: Request) -> str:
    """The policy of /docs: Swagger UI's files from this server, and the page's own inline
    scripts allowed by their SHA-256 (worked out once from the page the route builds, which
    holds nothing a user wrote)."""
    policy = getattr(request.app.state, "docs_policy", None)
    if policy is None:
        import base64
        import hashlib
        import re

        from .routes.assets import docs

        body = docs(request, None).body.decode("utf-8")
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
            for s in re.findall(r"<script>(.*?)</script>", body, flags=re.S)
        )
        policy = (
            f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"
        )
        request.app.state.docs_policy = policy
    return policy


def request_threads() -> int:
    """Threads a server process answers requests in (``COPRODUCE_REQUEST_THREADS``, default
    4)."""
    try:
        return max(1, int(os.environ.get("COPRODUCE_REQUEST_THREADS", "") or 4))
    except ValueError:
        return 4


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page(request: Request, status: int, title: str, message: str, **extra) -> Response:
    """An error as the caller reads it: JSON under ``/api/``, else the error page."""
    if _is_api(request):
        return JSONResponse({"error": title, "detail": message, **extra}, status_code=status)
    return render(request, "error.html", status_code=status, title=title, message=message)


def not_signed_in_response(request: Request) -> Response:
    if _is_api(request):
        return JSONResponse(
            {"error": "not signed in", "detail": "send Authorization: Bearer TOKEN or sign in"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse(login_url(request), status_code=303)


def bad_input(request: Request, exc: BadInput) -> Response:
    """422, or 413 for an input beyond a size limit (:class:`coproduce.model.errors.TooLarge`),
    with every issue located."""
    status = exc.http_status
    if _is_api(request):
        return JSONResponse(exc.to_dict(), status_code=status)
    return render(
        request,
        "error.html",
        status_code=status,
        title="Too large" if status == 413 else "Invalid input",
        message=str(exc),
        issues=exc.issues,
    )


def _page_app(request: Request, status: int, title: str, message: str) -> Response:
    return page(request, status, title, message)


def _not_signed_in_app(request: Request) -> Response:
    return not_signed_in_response(request)


_TITLES = {404: "Not found", 413: "Too large", 400: "Bad request", 405: "Not allowed"}


def _errors(app: FastAPI) -> None:
    from sqlalchemy.exc import DataError, IntegrityError

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn):
        return not_signed_in_response(request)

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf):
        return page(
            request,
            403,
            "Form expired",
            "This form was not sent from a current page of the workspace (its security "
            "token is missing or out of date). Go back, reload the page and try again.",
        )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return page(request, 404, "Not found", str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return page(request, 403, "Not allowed", str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return page(request, 409, "Edit conflict", str(exc), head=exc.head)

    @app.exception_handler(RateLimited)
    async def limited(request: Request, exc: RateLimited):
        resp = page(request, 429, exc.title, str(exc))
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.exception_handler(NoAnswer)
    async def no_answer(request: Request, exc: NoAnswer):
        if _is_api(request):
            return JSONResponse(exc.to_dict(), status_code=exc.http_status)
        return page(request, exc.http_status, "No answer", str(exc))

    @app.exception_handler(BadInput)
    async def invalid(request: Request, exc: BadInput):
        return bad_input(request, exc)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError):
        # two requests raced for one name (two uploads of one map at the same moment)
        return page(
            request,
            409,
            "Conflict",
            "another request changed the same thing at the "
            "same moment (a model of this name may have just been made); reload and "
            "try again",
        )

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError):
        # a value the database cannot hold (text longer than its column): never stored
        return page(
            request,
            422,
            "Invalid input",
            "a value is too long or not of the kind expected; shorten it and try again",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        cause = exc.__cause__
        if exc.status_code == 400 and isinstance(cause, (RecursionError, ValueError)):
            # a JSON body the parser gave up on: say why, as for a file
            from ..model.errors import Issue, ModelError, TooLarge
            from ..model.files import MAX_DEPTH

            if isinstance(cause, RecursionError):
                return bad_input(
                    request,
                    TooLarge(
                        [
                            Issue(
                                "",
                                f"the JSON body is nested too deeply: at most {MAX_DEPTH} "
                                "levels of mappings and lists",
                            )
                        ]
                    ),
                )
            return bad_input(
                request,
                ModelError([Issue("", f"the JSON body cannot be read: {str(cause)[:200]}")]),
            )
        return page(
            request,
            exc.status_code,
            _TITLES.get(exc.status_code, "Error"),
            str(exc.detail),
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        issues = [
            {"path": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        if _is_api(request):
            return JSONResponse({"error": "invalid input", "issues": issues}, status_code=422)
        return render(
            request,
            "error.html",
            status_code=422,
            title="Invalid input",
            message="; ".join(f"{i['path']}: {i['message']}" for i in issues),
        )
