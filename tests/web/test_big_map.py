"""Big maps: a strategy map of more than a readable number of boxes is drawn as a focus view
around the highlighted routes (or the targets), says how many boxes it hides, and offers to
widen the view, so that the report of the 20,000-node benchmark map stays small and quick to
draw. Small maps are drawn whole. Built on the benchmark's own random layered map."""

from __future__ import annotations

import importlib.util
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from coproduce.model import compile_model, load_model
from coproduce.reports.strategy_map import FOCUS_AT, Highlight, render_svg

ROOT = Path(__file__).resolve().parents[2]
MAP_BYTES = 600_000  # the map part of a report, whatever the size of the model
REPORT_BYTES = 2_000_000  # the whole report of the benchmark map
CHROMIUM = Path("/usr/bin/chromium")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_map", ROOT / "benchmarks" / "bench_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The benchmark's 20,000-node map, compiled, and its backwards mapping."""
    from coproduce.engine import backwards_map

    path = tmp_path_factory.mktemp("big") / "big.json"
    path.write_text(json.dumps(_bench().random_layered_map()))
    model = load_model(path)
    cm = compile_model(model)
    result = backwards_map(cm, cm.node_ids[-1], 100.0)
    assert result.pathways
    best = result.pathways[0]
    nodes = frozenset(n for r in best.paths for n in r.nodes)
    links = frozenset(
        (a, b) for r in best.paths for a, b in zip(r.nodes[:-1], r.nodes[1:], strict=True)
    )
    return model, cm, result, Highlight(nodes, links)


def _views(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, re.S)


def _boxes(svg: str) -> list[str]:
    return re.findall(r'<g class="node [a-z]+" data-id="([^"]+)"', svg)


def test_a_big_map_is_drawn_as_a_focus_view(big):
    model, cm, _result, hl = big
    total = len(model.resources) + cm.n_nodes
    html = render_svg(cm, highlight=hl)
    assert len(html.encode()) < MAP_BYTES
    first, wider = _views(html)
    shown = _boxes(first)
    assert len(shown) == FOCUS_AT and set(hl.nodes) <= set(shown)
    arrows = re.findall(r'<g class="link" data-from="([^"]+)" data-to="([^"]+)"', first)
    assert arrows and all(a in shown and b in shown for a, b in arrows)
    assert f"This map has {total:,} boxes" in html
    assert f"{total - FOCUS_AT:,} are hidden" in html
    # the control to widen it needs no script: a disclosure holding one more step
    assert re.search(r'<details class="map-widen"><summary>.*Show one more step', html)
    assert FOCUS_AT < len(_boxes(wider)) <= 2 * FOCUS_AT
    assert set(shown) <= set(_boxes(wider))
    # boxes with arrows to hidden boxes say how many
    assert re.search(r'font-weight="700" fill="#33414e">\+\d+</text>', first)
    # with no highlight, the view centres on where the map leads, and stays small
    plain = render_svg(cm)
    assert len(plain.encode()) < MAP_BYTES
    assert "the outcomes at the end of the map" in plain
    assert 3 < len(_boxes(_views(plain)[0])) <= FOCUS_AT


@pytest.mark.parametrize("example", ["older-people", "neighbourhood-safety"])
def test_small_maps_are_drawn_whole_and_can_be_focused(example):
    model = load_model(f"example:{example}")
    cm = compile_model(model)
    total = len(model.resources) + cm.n_nodes
    html = render_svg(cm, href=lambda kind, ident: f"/{kind}/{ident}")
    (svg,) = _views(html)
    assert len(_boxes(svg)) == total and "map-widen" not in html and "map-caption" not in html
    assert 'role="group"' in svg and 'role="img"' not in svg
    named = re.findall(r'<a href="[^"]+" aria-label="([^"]+)">', svg)
    assert len(named) == total + len(model.links) and all(named)
    listed = re.search(r'<details class="map-list">.*?</details>', html, re.S).group(0)
    assert listed.count("<a href=") == total + len(model.links)
    # without links the SVG is one image, described, and the list is its long description
    report = render_svg(cm)
    assert 'role="img"' in report and "listed below the map" in report and "<a " not in report
    # a focus on one box draws its neighbourhood, and the whole map a click away
    target = next(iter(model.targets))
    focused = render_svg(cm, focus=[target])
    near, whole = _views(focused)
    assert target in _boxes(near) and len(_boxes(near)) < total
    assert len(_boxes(whole)) == total
    assert f"Show the whole map ({total:,} boxes)" in focused


def test_two_maps_on_one_page_share_no_id():
    cm = compile_model(load_model("example:older-people"))
    first = render_svg(cm)
    second = render_svg(cm, highlight=Highlight(frozenset({"falls_classes"})))
    focused = render_svg(cm, focus=["falls_avoided"])
    ids = Counter(re.findall(r'\sid="([^"]+)"', first + second + focused))
    assert ids and max(ids.values()) == 1
    for html in (first, second, focused):
        for ref in re.findall(r"url\(#([^)]+)\)", html):
            assert f'id="{ref}"' in html


@pytest.fixture(scope="module")
def big_report(big, tmp_path_factory) -> Path:
    """The map report of the benchmark map, written once for the module (0.7 s a report): the
    tests below only read it."""
    from coproduce.reports.map_report import map_report

    model, cm, result, _hl = big
    path = tmp_path_factory.mktemp("big-report") / "big-map.html"
    path.write_text(map_report(model, result, compiled=cm), encoding="utf-8")
    return path


def test_the_map_part_of_the_big_report_is_small(big_report):
    text = big_report.read_text(encoding="utf-8")
    start = text.index('<div class="map-views">')
    end = text.index("</section>", start)
    assert end - start < MAP_BYTES


def test_the_big_report_is_under_2_mb(big_report):
    assert big_report.stat().st_size < REPORT_BYTES


def test_chromium_draws_the_big_report_quickly(big_report):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing")
    sync_api = pytest.importorskip("playwright.sync_api")
    axe_sync = pytest.importorskip("axe_playwright_python.sync_playwright")
    path = big_report
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        drawn = time.perf_counter() - started
        assert drawn < 3.0, f"{drawn:.1f} s to draw"
        # the widened view opens without a script, and the nearer view steps aside
        page.click("details.map-widen > summary")
        assert page.locator(".map-views > .map-view").first.is_hidden()
        assert page.locator("details.map-widen svg.strategy-map").is_visible()
        page.click("details.map-widen > summary")
        results = axe_sync.Axe().run(page, context=".map-views")
        browser.close()
    assert not results.response["violations"], results.generate_report()
