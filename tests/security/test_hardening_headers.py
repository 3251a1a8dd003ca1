"""Response headers (issue 15, headers): a Content-Security-Policy that the pages satisfy
(checked in Chromium: no violation on any page), the API documentation's inline scripts
allowed by hash only, reports sandboxed, HSTS over HTTPS only, and no ``Server`` banner."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from pathlib import Path

import httpx
import pytest

from coproduce.web.app import HSTS, PAGE_POLICY, REPORT_POLICY

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)
CHROMIUM = Path("/usr/bin/chromium")


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@SQLITE_ONLY
def test_pages_carry_a_policy_with_no_inline_script(web_factory):
    """Before: no Content-Security-Policy at all."""
    w = web_factory("a", "analyst")
    for path in ("/", "/runs", "/tokens", "/no-such-page"):
        r = w.get(path)
        policy = _directives(r.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "<script>" not in r.text  # nothing inline that the policy would block
    anonymous = web_factory()
    assert anonymous.get("/login").headers["content-security-policy"] == PAGE_POLICY


@SQLITE_ONLY
def test_the_api_documentation_runs_only_its_own_inline_scripts_by_hash(web_factory):
    r = web_factory("a", "viewer").get("/docs")
    assert r.status_code == 200
    scripts = re.findall(r"<script>(.*?)</script>", r.text, flags=re.S)
    assert len(scripts) == 2
    allowed = _directives(r.headers["content-security-policy"])["script-src"]
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    for script in scripts:
        sha = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        assert f"'sha256-{sha}'" in allowed
    assert len(allowed) == 3  # 'self' and the two hashes, nothing else


@SQLITE_ONLY
def test_downloads_and_reports_are_sandboxed(web_factory, world):
    w = web_factory("a", "analyst")
    w.form("/examples/older-people")
    model = world.store.list_models(world.actor("a", "analyst"))[0]
    r = w.get(f"/models/{model.id}/download/xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    policy = _directives(r.headers["content-security-policy"])
    assert r.headers["content-security-policy"] == REPORT_POLICY
    assert policy["sandbox"] == ["allow-scripts", "allow-downloads", "allow-popups"]
    assert "allow-same-origin" not in policy["sandbox"]  # an origin of its own
    assert policy["default-src"] == ["'none'"]


@SQLITE_ONLY
def test_hsts_only_over_https(app):
    """Before: no Strict-Transport-Security, even over HTTPS."""
    import asyncio

    async def get(base: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as c:
            return await c.get("/login")

    over_tls = asyncio.run(get("https://testserver"))
    plain = asyncio.run(get("http://testserver"))
    assert over_tls.headers["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in plain.headers
    assert "content-security-policy" in plain.headers


# ----- a real server and a real browser ---------------------------------------------------

EMAIL, PASSWORD = "admin@demo.example.org", "browser test password"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# every violation of the policy, as the browser reports it (an init script runs outside it)
WATCH = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', "
    "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI))"
)
# the violations seen once the page has loaded, drawn a frame and run the tasks queued before
# (violation events are queued as tasks): a wait on that, not a fixed 150 ms a page; the last
# check below shows it is long enough to see a refused script
SETTLED = (
    "() => new Promise(r => requestAnimationFrame(() => setTimeout(() => r(window.__csp), 0)))"
)


@pytest.fixture(scope="module")
def live():
    from tests.web.live import live_server

    folder = tempfile.mkdtemp()
    with live_server(f"sqlite:///{folder}/headers.db", EMAIL, PASSWORD, "Ada Admin") as base:
        yield base


def test_a_real_server_sends_no_server_banner(live):
    """Before: `Server: uvicorn` on every response."""
    r = httpx.get(live + "/login")
    assert r.status_code == 200
    assert "server" not in r.headers
    assert r.headers["content-security-policy"] == PAGE_POLICY


def test_every_page_satisfies_the_policy_in_chromium(live):
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            ctx = browser.new_context()
            ctx.add_init_script(WATCH)
            page = ctx.new_page()
            seen: dict[str, list[str]] = {}

            def check(path: str, wait: str | None = None) -> None:
                if path:
                    page.goto(live + path)
                if wait:
                    page.wait_for_selector(wait, timeout=30_000)
                page.wait_for_load_state("load")
                seen[path or page.url] = page.evaluate(SETTLED)

            check("/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(live + "/")
            check("")
            page.click("form[action='/examples/older-people'] button")
            check("", "svg.strategy-map")  # the model page and its map
            model = page.url.split("?")[0].removeprefix(live)
            page.fill("#amount", "300")
            page.select_option("#outcome", "independent_years")
            page.click("text=Find the pathways")
            check("", "tr.pathway")  # a run page
            run = page.url.split("?")[0].removeprefix(live)
            check(run + "/report.html", "svg")  # the report, sandboxed, its script running
            for path in (
                "/runs",
                "/tokens",
                "/admin/users",
                "/admin/audit",
                "/appraisals",
                "/surveys",
                "/portfolios",
                model + "/versions",
                model + "/edit/interventions",
                model + "/uncertainty",
                model + "/plan",
                model + "/evaluate",
                model + "/nodes/falls_classes",
                "/no-such-page",
            ):
                check(path)
            check("/docs", ".swagger-ui .info")  # Swagger UI drew the API
            assert len(seen) >= 19
            assert {k: v for k, v in seen.items() if v} == {}
            # and the watch itself works: an injected inline script is refused and reported
            page.goto(live + "/runs")
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
            )
            reported = page.evaluate(SETTLED)
            assert page.evaluate("window.injected") is None
            assert any("script-src" in v for v in reported), reported
        finally:
            browser.close()
