"""The workspace in a real browser (Playwright driving Debian's Chromium) against a real
server started with ``coproduce serve``: sign in, upload a model, see the map, map backwards,
open a node, download the report, and meet an edit conflict. A screenshot is saved per step
(in ``$COPRODUCE_SCREENSHOTS`` when set, else the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

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
EMAIL, PASSWORD = "analyst@demo.example.org", "browser test password"

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing (apt-get install -y chromium)", pytrace=False)
    pytest.skip(
        "/usr/bin/chromium is missing (apt-get install -y chromium)", allow_module_level=True
    )
from tests.web.live import live_server  # noqa: E402

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """A live server on a fresh database, with an organisation and an analyst."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'web.db'}"
    else:
        schema = request.getfixturevalue("pg_schema")
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    with live_server(url, EMAIL, PASSWORD, "Dee Analyst") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path, request):
    folder = Path(os.environ.get("COPRODUCE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    tag = (
        request.node.callspec.params.get("server", "") if hasattr(request.node, "callspec") else ""
    )

    def shot(page, name: str) -> Path:
        path = folder / f"{tag}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shot


def _sign_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_sign_in_upload_map_backwards_and_open_a_node(server, browser, shots, tmp_path):
    from coproduce.model.load import example_path

    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(server + "/")
    shots(page, "01-sign-in")
    _sign_in(page, server)
    cookie = next(c for c in ctx.cookies() if c["name"] == "coproduce_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    shots(page, "02-empty-workspace")

    # a broken file first: nothing is stored and the page says why, field by field
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        example_path("older-people").read_text().replace("to: falls_avoided", "to: fals_avoided", 1)
    )
    page.set_input_files("#file", str(bad))
    page.click("text=Upload and check")
    page.wait_for_selector("#upload-errors")
    assert "did you mean 'falls_avoided'" in page.inner_text("#upload-errors")
    shots(page, "03-invalid-upload")

    page.set_input_files("#file", str(example_path("older-people")))
    page.click("text=Upload and check")
    page.wait_for_selector("svg.strategy-map")
    assert "stored as version 1" in page.inner_text("main")
    shots(page, "04-model-and-map")

    page.fill("#amount", "300")
    page.select_option("#outcome", "independent_years")
    page.click("text=Find the pathways")
    page.wait_for_selector("tr.pathway")
    rows = page.locator("tr.pathway")
    assert rows.count() >= 3
    first = rows.nth(0).get_attribute("data-intervention")
    shots(page, "05-ranked-pathways")

    # choosing another pathway highlights its routes on the map (a plain link: no script)
    second = rows.nth(1)
    chosen = second.get_attribute("data-intervention")
    second.locator("a.show-routes").click()
    page.wait_for_url(f"**pathway={chosen}**")
    page.wait_for_function(
        "id => document.querySelector(`tr.pathway[data-intervention='${id}']`)"
        ".classList.contains('selected')",
        arg=chosen,
    )
    node_stroke = page.get_attribute(f"svg.strategy-map g.node[data-id='{chosen}'] rect", "stroke")
    assert node_stroke == "#d4440f"
    assert first != chosen
    assert (
        page.locator("h2#map")
        .inner_text()
        .endswith(f"routes of “{second.locator('a.show-routes').inner_text()}”")
    )
    shots(page, "06-pathway-highlighted")

    with page.expect_download() as dl:
        page.click("text=XLSX report")
    assert dl.value.suggested_filename.endswith(".xlsx")
    report = page.request.get(page.url.split("?")[0] + "/report.html")
    assert report.ok and "Ranked pathways" in report.text()

    # a node on the map opens its details and edit link
    page.click("svg.strategy-map a[href*='/nodes/falls_classes']")
    page.wait_for_selector("text=Edit this intervention")
    shots(page, "07-node-details")
    ctx.close()


def test_two_editors_and_a_conflict(server, browser, shots):
    one = browser.new_context(viewport={"width": 1400, "height": 900})
    two = browser.new_context(viewport={"width": 1400, "height": 900})
    p1, p2 = one.new_page(), two.new_page()
    _sign_in(p1, server)
    _sign_in(p2, server)
    model_link = p1.locator("table.data a").first
    model_link.click()
    edit_url = p1.url.split("?")[0] + "/edit/interventions"
    p1.goto(edit_url)
    p2.goto(edit_url)
    row = "tr#row-falls_classes"
    p1.fill(f"{row} input[name$='-volume']", "450")
    p2.fill(f"{row} input[name$='-volume']", "550")
    p1.fill("#message", "more classes in the north")
    p1.click("main button[type=submit]")
    p1.wait_for_selector("text=Saved as version")
    shots(p1, "08-edit-saved")
    p2.click("main button[type=submit]")
    p2.wait_for_selector("text=someone else changed this map")
    assert p2.input_value(f"{row} input[name$='-volume']") == "550"
    shots(p2, "09-edit-conflict")
    p2.click("text=See what changed")
    p2.wait_for_selector("text=Changes from version")
    assert "450" in p2.inner_text("table.data")
    shots(p2, "10-diff")
    one.close()
    two.close()
