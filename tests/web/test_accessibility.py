"""Accessibility in a real browser: axe-core (the copy shipped inside the
``axe-playwright-python`` package, never a CDN) run by Playwright in Debian's Chromium on every
page of the workspace and on every HTML report of both bundled strategy maps. Any violation,
of any impact, fails.

One server (SQLite) serves the whole module. The walk signs in, copies both examples and opens
each page as a new user would, running each analysis from its own form; the reports are written
in-process by the command line and opened from files. A page's violations are collected and all
reported at the end, so one run lists everything to fix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
EMAIL, PASSWORD = "access@demo.example.org", "accessibility test password"
EXAMPLES = ("older-people", "neighbourhood-safety")

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)", pytrace=False)
    pytest.skip(
        "/usr/bin/chromium is missing (apt-get install -y chromium)", allow_module_level=True
    )
from tests.web.live import live_server  # noqa: E402

playwright = pytest.importorskip("playwright.sync_api")
try:
    import axe_playwright_python.sync_playwright as axe_sync
except ImportError:
    if os.environ.get("CI") == "true":
        pytest.fail("axe-playwright-python is missing (pip install -e '.[dev]')", pytrace=False)
    pytest.skip(
        "axe-playwright-python is missing (pip install -e '.[dev]')", allow_module_level=True
    )


# Violations that come from templates outside this test's reach, each with its fix. A known
# violation is reported but does not fail the walk; fix the template, then delete its entry
# here so that it can never come back.
KNOWN: dict[tuple[str, str], str] = {}  # violations still to fix: (rule, page) -> where


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'web.db'}"


@pytest.fixture(scope="module")
def server(server_url):
    """A live ``coproduce serve`` on a fresh SQLite database with one admin."""
    with live_server(server_url, EMAIL, PASSWORD, "Ada Access") as base:
        yield base


def _audit_choosing_an_organisation(browser, base: str, url: str, audit: Audit) -> None:
    """The sign-in page's second state: the address's password opens accounts of two
    organisations, so it asks which. The second account is switched off afterwards, so that
    every other sign-in on this server stays plain."""
    from sqlalchemy import update

    from coproduce.store import Store
    from coproduce.store.tables import User

    store = Store.open(url)
    store.create_org("second", "Second partnership")
    second = store.create_user("second", EMAIL, PASSWORD, "viewer", "Ada Access")
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.goto(base + "/login")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#organisation")
        audit(page, "sign in, choose organisation")
        page.select_option("#organisation", "second")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        assert "Second partnership" in page.content()
        ctx.close()
    finally:
        with store.transaction() as s:
            s.execute(update(User).where(User.id == second.id).values(active=False))
        store.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Audit:
    """Runs axe on pages and keeps every violation found, by page."""

    def __init__(self, known: dict[tuple[str, str], str] | None = None) -> None:
        self.axe = axe_sync.Axe()
        self.found: dict[str, list[str]] = {}
        self.known: dict[str, list[str]] = {}
        self.pages: list[str] = []
        self.allowed = known or {}

    def __call__(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        try:
            results = self.axe.run(page)
        except playwright.Error:  # the page reloaded itself (a run finished): audit it again
            page.wait_for_load_state("load")
            results = self.axe.run(page)
        self.pages.append(name)
        for v in results.response["violations"]:
            targets = "; ".join(", ".join(map(str, n["target"])) for n in v["nodes"][:4])
            known = any(rule == v["id"] and where in name for rule, where in self.allowed)
            (self.known if known else self.found).setdefault(name, []).append(
                f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {targets}"
            )

    def report(self, which: dict[str, list[str]] | None = None) -> str:
        which = self.found if which is None else which
        return "\n".join(f"{name}:\n  " + "\n  ".join(items) for name, items in which.items())


def _sign_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _finished_run(page, audit: Audit, name: str) -> str:
    """Wait on a run page until the run has finished (auditing the running page if seen)."""
    try:
        page.wait_for_url(re.compile(r".*/runs/\d+(\?.*)?$"), timeout=20_000)
    except playwright.Error:
        pytest.fail(f"{name}: no run started; the page says: {page.inner_text('main')[:2000]}")
    if page.locator("[data-run-status]").count():
        audit(page, f"{name} (running)")
        page.wait_for_selector("[data-run-status]", state="detached", timeout=120_000)
        page.wait_for_load_state("load")
    assert "This run failed" not in page.inner_text("main"), page.inner_text("main")
    return page.url.split("?")[0]


def _walk_model(page, base: str, example: str, audit: Audit) -> None:
    from coproduce.model import load_model

    model = load_model(f"example:{example}")
    page.goto(base + "/")
    page.click(f"form[action='/examples/{example}'] button")
    page.wait_for_url(re.compile(r".*/models/\d+\?created=1$"))
    audit(page, f"{example}: model page")
    url = page.url.split("?")[0]
    for kind, nid in (
        ("intervention", next(iter(model.interventions))),
        ("outcome", next(iter(model.outcomes))),
        ("resource", next(iter(model.resources))),
    ):
        page.goto(f"{url}/nodes/{quote(nid)}")
        audit(page, f"{example}: {kind} page")
    link = model.links[0]
    page.goto(f"{url}/links/{quote(link.from_)}/{quote(link.to)}")
    audit(page, f"{example}: link page")
    for section in ("interventions", "inputs", "outcomes", "resources", "links"):
        page.goto(f"{url}/edit/{section}")
        audit(page, f"{example}: edit {section}")
    page.goto(f"{url}/versions")
    audit(page, f"{example}: versions")
    page.goto(f"{url}/diff?a=1&b=1")
    audit(page, f"{example}: diff")

    # map backwards from the model page's form
    page.goto(url)
    page.fill("#amount", "20")
    page.click("button:has-text('Find the pathways')")
    run = _finished_run(page, audit, f"{example}: map run")
    audit(page, f"{example}: map run")
    second = page.locator("tr.pathway a.show-routes").nth(1)
    if second.count():
        second.click()
        page.wait_for_load_state("load")
        audit(page, f"{example}: map run, second pathway")
    assert run

    page.goto(f"{url}/evaluate")
    audit(page, f"{example}: evaluate form")
    page.click("main button[type=submit]")
    _finished_run(page, audit, f"{example}: evaluate run")
    audit(page, f"{example}: evaluate run")

    page.goto(f"{url}/plan")
    audit(page, f"{example}: plan form")
    page.click("main form button[type=submit]")
    _finished_run(page, audit, f"{example}: plan run")
    audit(page, f"{example}: plan run")

    page.goto(f"{url}/uncertainty")
    audit(page, f"{example}: uncertainty form")
    page.fill("#wtp", "20000")
    page.fill("#draws", "200")
    page.click("main form button[type=submit]")
    _finished_run(page, audit, f"{example}: uncertainty run")
    audit(page, f"{example}: uncertainty run")


def _walk_states(page, base: str, audit: Audit) -> None:
    """Pages in the states a user meets besides the happy path: refused input, a saved edit,
    its diff, an edit conflict, field errors."""
    from coproduce.model.load import example_path

    page.goto(base + "/")
    url = base + page.locator("main table.data a").first.get_attribute("href")
    bad = Path(os.environ.get("TMPDIR", "/tmp")) / f"broken-{os.getpid()}.yaml"
    bad.write_text(
        example_path("older-people").read_text().replace("to: falls_avoided", "to: fals_avoided", 1)
    )
    page.set_input_files("#file", str(bad))
    page.click("text=Upload and check")
    page.wait_for_selector("#upload-errors")
    bad.unlink()
    audit(page, "home, refused upload")

    other = page.context.new_page()
    other.goto(f"{url}/edit/interventions")
    page.goto(f"{url}/edit/interventions")
    first = "table.edit tbody tr:first-child input[name$='-volume']"
    page.fill(first, "abc")
    page.click("main button[type=submit]")
    page.wait_for_selector(".field-error")
    audit(page, "edit interventions, cell errors")
    page.goto(f"{url}/edit/interventions")
    page.fill(first, "123")
    page.fill("#message", "a change to see")
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    assert "Saved as version" in page.inner_text("main"), page.inner_text("main")[:3000]
    audit(page, "model page, saved")
    other.fill(first, "321")
    other.click("main button[type=submit]")
    other.wait_for_selector("text=someone else changed this map")
    audit(other, "edit interventions, conflict")
    other.close()
    page.goto(f"{url}/diff?a=1&b=2")
    audit(page, "diff of two versions")

    for form, field in (("uncertainty", "#amount"), ("plan", "main form input[type=number]")):
        page.goto(f"{url}/{form}")
        page.evaluate("document.querySelectorAll('main form').forEach(f => f.noValidate = true)")
        page.fill(field, "-5")
        page.click("main form button[type=submit]")
        page.wait_for_selector(".field-error, [aria-invalid=true], .notice.bad")
        audit(page, f"{form} form, refused input")


def test_every_workspace_page_passes_axe(server, server_url, browser):
    audit = Audit(KNOWN)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(server + "/login")
    audit(page, "sign in")
    page.fill("#email", EMAIL)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    audit(page, "sign in, refused")
    _sign_in(page, server)
    audit(page, "home (no maps yet)")
    for example in EXAMPLES:
        _walk_model(page, server, example, audit)
    _walk_states(page, server, audit)

    page.goto(server + "/")
    audit(page, "home")
    page.goto(server + "/appraisals")
    audit(page, "appraisals")
    page.click("main form button[type=submit]")
    _finished_run(page, audit, "appraisal run")
    audit(page, "appraisal run")
    page.goto(server + "/surveys")
    audit(page, "surveys")
    page.click("main form button[type=submit]")
    _finished_run(page, audit, "survey run")
    audit(page, "survey run")
    page.goto(server + "/portfolios")
    audit(page, "portfolios")
    page.fill("#draws", "0")
    page.click("main form button[type=submit]")
    _finished_run(page, audit, "portfolio run")
    audit(page, "portfolio run")
    for path, name in (
        ("/runs", "runs"),
        ("/tokens", "API tokens"),
        ("/admin/users", "users"),
        ("/admin/audit", "audit log"),
        ("/models/999999", "not found"),
    ):
        page.goto(server + path)
        audit(page, name)
    # the API documentation works offline: every request stays on this server
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(server + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert asked and all(u.startswith(server) or u.startswith("data:") for u in asked), asked
    audit(page, "API documentation")
    page.click(".opblock-summary-control >> nth=1")
    page.wait_for_selector(".opblock-body")
    audit(page, "API documentation, one operation open")
    ctx.close()
    _audit_choosing_an_organisation(browser, server, server_url, audit)
    if audit.known:
        print(f"known violations, to fix in their templates:\n{audit.report(audit.known)}")
    assert len(audit.pages) >= 60
    assert not audit.found, (
        f"axe found violations on {len(audit.found)} of {len(audit.pages)} pages:\n{audit.report()}"
    )


def test_api_documentation_is_served_from_the_package_behind_sign_in(server, browser):
    with httpx.Client(base_url=server, follow_redirects=False) as client:
        page = client.get("/docs")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        js = client.get("/assets/docs/swagger-ui-bundle.js")
        assert js.status_code == 200 and "SwaggerUIBundle" in js.text
        assert "max-age" in js.headers["cache-control"]
    ctx = browser.new_context()
    page = ctx.new_page()
    _sign_in(page, server)
    text = page.request.get(server + "/docs").text()
    ctx.close()
    assert '<html lang="en">' in text and '<main id="swagger-ui">' in text
    assert "/assets/docs/swagger-ui-bundle.js" in text
    assert "http" not in text.replace("http-equiv", "")  # no CDN, no other site


def _cli(args: list[str]) -> None:
    from coproduce.cli.main import run

    try:
        run(args)
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """Every HTML report of both bundled maps, written by the command line in-process."""
    out = tmp_path_factory.mktemp("reports")
    made: dict[str, Path] = {}
    decisions = {"older-people": "double_befriending", "neighbourhood-safety": "stop_vice_squad"}
    for example in EXAMPLES:
        model = f"example:{example}"
        jobs = {
            "map": ["map", model],
            "evaluate": ["evaluate", model],
            "plan": ["plan", model],
            "uncertainty": [
                "uncertainty",
                model,
                "--target",
                _first_target(example),
                "--wtp",
                "20000",
                "--draws",
                "300",
            ],
            "cba": ["cba", "--from-model", model, "--scenario", decisions[example], "--years", "3"],
        }
        for kind, args in jobs.items():
            path = out / f"{example}-{kind}.html"
            _cli([*args, "--out", str(path)])
            made[f"{example}: {kind} report"] = path
    for appraisal in ("falls-prevention", "balsall-heath"):
        path = out / f"{appraisal}-cba.html"
        _cli(["cba", f"example:{appraisal}", "--draws", "200", "--out", str(path)])
        made[f"{appraisal}: cba report"] = path
    path = out / "survey.html"
    _cli(["survey", "estimate", "example:five-nation", "--out", str(path)])
    made["five-nation: survey report"] = path
    path = out / "portfolio.html"
    _cli(["portfolio", "example:city-portfolio", "--draws", "0", "--out", str(path)])
    made["city portfolio report"] = path
    return made


def _first_target(example: str) -> str:
    from coproduce.model import load_model

    model = load_model(f"example:{example}")
    oid, amount = next(iter(model.targets.items()))
    return f"{oid}={amount}"


def test_every_report_passes_axe(reports, browser):
    audit = Audit()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    for name, path in reports.items():
        page.goto(path.as_uri())
        audit(page, name)
    ctx.close()
    assert len(audit.pages) == len(reports) >= 13
    assert not audit.found, (
        f"axe found violations in {len(audit.found)} of "
        f"{len(audit.pages)} reports:\n{audit.report()}"
    )


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("COPRODUCE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page, name: str) -> Path:
        path = folder / f"a11y-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        const box = e.getBoundingClientRect();
        return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.textContent || "").trim(),
                label: e.getAttribute("aria-label"), href: e.getAttribute("href"),
                inMap: !!e.closest("svg.strategy-map"), top: box.top, height: box.height};
    }""")


def test_a_keyboard_reaches_the_map_and_its_list(server, browser, shots):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _sign_in(page, server)
    page.click("form[action='/examples/older-people'] button")
    page.wait_for_url(re.compile(r".*/models/\d+\?created=1$"))

    # the first Tab shows the skip link; Enter moves focus to the page's own content
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "Skip to main content" and first["top"] >= 0 and first["height"] > 0
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"

    # every box and arrow of the map is a named link in the SVG, which is not an image
    svg = page.locator("svg.strategy-map")
    assert svg.get_attribute("role") == "group"
    links = svg.locator("a")
    n_boxes, n_arrows = svg.locator("g.node").count(), svg.locator("g.link").count()
    assert links.count() == n_boxes + n_arrows > 40
    assert all(links.nth(k).get_attribute("aria-label") for k in range(links.count()))
    for _ in range(60):
        page.keyboard.press("Tab")
        if _focused(page)["inMap"]:
            break
    else:
        pytest.fail("60 Tabs from the main content did not reach the map")
    # ...and the same boxes and arrows as a list of links beside it
    page.click("details.map-list > summary")
    listed = page.locator("details.map-list a")
    assert listed.count() == n_boxes + n_arrows
    listed.first.focus()
    page.keyboard.press("Tab")
    assert _focused(page)["href"] == listed.nth(1).get_attribute("href")
    shots(page, "model-page-with-map-list")
    wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert wide, "the model page scrolls sideways"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/links/" in page.url or "/nodes/" in page.url
    ctx.close()


def test_report_rows_are_chosen_by_keyboard(reports, browser, shots):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(reports["older-people: map report"].as_uri())
    rows = page.locator("tr.pathway")
    assert rows.count() >= 3
    assert all(rows.nth(k).get_attribute("tabindex") == "0" for k in range(rows.count()))
    rows.nth(0).focus()
    page.keyboard.press("Tab")  # to the second row, by keyboard (so focus is visible)
    second = rows.nth(1)
    assert second.evaluate("e => e === document.activeElement")
    assert second.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.press("Enter")
    chosen = second.get_attribute("data-intervention")
    assert second.get_attribute("aria-current") == "true"
    stroke = page.get_attribute(f"svg.strategy-map g.node[data-id='{chosen}'] rect", "stroke")
    assert stroke == "#d4440f"
    page.keyboard.press("Tab")
    page.keyboard.press(" ")
    assert rows.nth(2).get_attribute("aria-current") == "true"
    assert second.get_attribute("aria-current") == "false"
    shots(page, "map-report-row-chosen")
    ctx.close()
