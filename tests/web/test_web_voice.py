"""The web pages speak with one voice: every page of both bundled strategy maps (and of the
appraisal and survey analyses) is rendered by the in-process test client and read as a user
reads it. No model identifier, snake_case field name, quantity path or Python value reaches
the visible text, and numbers come through the one formatter (no "40.00", no "n 1,000.00").

Visible text is the page's text nodes, without <script>, <style>, <code>, <pre>, form values
and attributes, and download links. SQLite only, few draws: this runs in a few seconds.
"""

from __future__ import annotations

import functools
import re
import time
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from coproduce.model import load_model
from coproduce.store import Store

from .conftest import PASSWORD, Web, make_world

EXAMPLES = ("older-people", "neighbourhood-safety")
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
DOWNLOAD = re.compile(r"/(data/[^/]+\.csv|report\.\w+|result\.json|download/[\w-]+)(\?|$)")


class _Text(HTMLParser):
    """The text a reader sees: text nodes outside skipped elements and download links; the
    modeller's own words (``class="authored"``: sources, notes) are kept apart."""

    def __init__(self, skip_map: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_map = skip_map
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hides its text, authored)
        self.parts: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        hides = (
            tag in SKIPPED_TAGS
            or (tag == "a" and bool(DOWNLOAD.search(a.get("href") or "")))
            or (self.skip_map and "strategy-map" in classes)
        )
        self.stack.append((tag, hides, "authored" in classes))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break

    def handle_data(self, data):
        if data.strip() and not any(h for _t, h, _a in self.stack):
            self.parts.append((data, any(a for _t, _h, a in self.stack)))


def visible_texts(html: str, *, skip_map: bool = True) -> tuple[str, str]:
    """The page's text as a reader sees it, and the same without the modeller's own sources
    and notes (whose figures are theirs): both from one parse of the page."""
    p = _Text(skip_map)
    p.feed(html)
    p.close()
    every = " ".join(t for t, _by_modeller in p.parts)
    own = " ".join(t for t, by_modeller in p.parts if not by_modeller)
    return re.sub(r"\s+", " ", every), re.sub(r"\s+", " ", own)


def visible_text(html: str, *, skip_map: bool = True, authored: bool = True) -> str:
    """The page's text as a reader sees it (``authored=False``: without the modeller's own
    sources and notes, whose figures are theirs)."""
    every, own = visible_texts(html, skip_map=skip_map)
    return every if authored else own


def model_ids(example: str) -> set[str]:
    """The identifiers a reader must never see: those with an underscore (a one-word id such
    as ``befriending`` or ``police`` reads as a word)."""
    model = load_model(f"example:{example}")
    ids = set()
    for section in (
        "resources",
        "interventions",
        "outcomes",
        "scenarios",
        "agencies",
        "sectors",
        "time_values",
    ):
        ids.update(getattr(model, section))
    return {i for i in ids if "_" in i}


# words that are snake_case in the text on purpose: none. Quantity paths and Python values:
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PATHS = re.compile(r"links\[|\.effect\b|\.unit_cost\b|\b(?:interventions|outcomes|resources)\.\w")
REPR = re.compile(r"\b(?:True|False|None)\b|\{'|'\}|\[\]|\{\}")
# a figure whose decimals are all zeros ("40.00", "1,000.0", "£0.00") where a whole number is
# meant; a column of shares to one decimal ("14.0%") is consistent, not a whole number
# (money below 100 is written to the penny by the formatter, "£20.00" beside "£11.44")
# needless zeros ("40.00"); codes such as "SS10.0" (a letter before) are not numbers
TRAILING_ZEROS = re.compile(r"(?<![\d.£€$A-Za-z])\d[\d,]*\.0+(?![\d%])")


@functools.lru_cache(maxsize=4)
def _id_pattern(ids: frozenset[str]) -> re.Pattern:
    alternatives = "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) or "(?!)"
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


def problems(text: str, ids: set[str], own_text: str | None = None) -> list[str]:
    """What a reader should not meet in ``text``: model ids and code paths anywhere (the
    modeller's references in their notes are put in words too), and, in the page's own words
    ``own_text`` (without the modeller's sources and notes), snake_case, Python values and
    unformatted numbers."""
    own = text if own_text is None else own_text
    found = [f"model id {i!r}" for i in sorted(set(_id_pattern(frozenset(ids)).findall(text)))]
    found += [f"snake_case {m!r}" for m in sorted(set(SNAKE.findall(own)) - ids)]
    found += [
        f"code path {m.group(0)!r} in …{text[max(m.start() - 40, 0) : m.end() + 40]}…"
        for m in PATHS.finditer(text)
    ]
    found += [
        f"Python value {m.group(0)!r} in …{own[max(m.start() - 40, 0) : m.end() + 40]}…"
        for m in REPR.finditer(own)
    ]
    found += [
        f"unformatted number {m.group(0)!r} in …{own[max(m.start() - 30, 0) : m.end() + 30]}…"
        for m in TRAILING_ZEROS.finditer(own)
    ]
    return found


# ----- walking the workspace -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One workspace (SQLite) walked once for the module: (signed-in client, pages)."""
    from coproduce.web import create_app

    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('voice') / 'store.db'}")
    world = make_world(store)
    app = create_app(store, threads=2)
    w = Web(app)
    r = w.login(world.users[("a", "admin")], PASSWORD)
    assert r.status_code == 303, r.text
    yield w, walk(w)
    w.close()
    app.state.worker.shutdown(wait=True)
    store.close()


def _finished(w: Web, location: str, seconds: float = 60) -> str:
    run_id = location.rsplit("/", 1)[1]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        status = w.get(f"/runs/{run_id}/status").json()["status"]
        if status in ("done", "failed", "cancelled"):
            assert status == "done", w.get(f"/runs/{run_id}/status").json()
            return f"/runs/{run_id}"
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def _page(pages: dict[str, str], w: Web, name: str, url: str) -> str:
    r = w.get(url)
    assert r.status_code == 200, (name, url, r.status_code, r.text[:2000])
    pages[name] = r.text
    return r.text


def walk(w: Web) -> dict[str, tuple[str, str]]:
    """Every page of the workspace as a new user opens it: {page name: (example, html)}."""
    pages: dict[str, str] = {}
    example_of: dict[str, str] = {}

    def page(example: str, name: str, url: str) -> str:
        example_of[name] = example
        return _page(pages, w, name, url)

    for example in EXAMPLES:
        model = load_model(f"example:{example}")
        r = w.form(f"/examples/{example}")
        assert r.status_code == 303, r.text
        url = r.headers["location"].split("?")[0]
        mid = url.rsplit("/", 1)[1]
        page(example, f"{example}: model", url)
        for section in ("interventions", "outcomes", "resources"):
            for nid in getattr(model, section):
                page(example, f"{example}: node {nid}", f"{url}/nodes/{quote(nid)}")
        for lk in model.links:
            page(
                example,
                f"{example}: link {lk.from_}->{lk.to}",
                f"{url}/links/{quote(lk.from_)}/{quote(lk.to)}",
            )
        for section in ("interventions", "inputs", "outcomes", "resources", "links"):
            page(example, f"{example}: edit {section}", f"{url}/edit/{section}")
        page(example, f"{example}: evaluate form", f"{url}/evaluate")
        page(example, f"{example}: plan form", f"{url}/plan")
        page(example, f"{example}: uncertainty form", f"{url}/uncertainty")

        # a second version, so that versions and diff have something to say
        first = next(iter(model.interventions))
        form = {
            "base_version": "1",
            "rows": "1",
            "r0-key": first,
            "r0-id": first,
            "message": "a bigger service",
        }
        data = w.get(f"{url}/edit/interventions").text
        n = int(re.search(r'name="rows" value="(\d+)"', data).group(1))
        form["rows"] = str(n)
        for k in range(n):
            for field in ("key", "id", "label", "unit", "volume", "capacity", "source", "notes"):
                m = re.search(rf'name="r{k}-{field}"[^>]*?value="([^"]*)"', data) or re.search(
                    rf'<textarea[^>]*name="r{k}-{field}"[^>]*>([^<]*)</textarea>', data
                )
                if m:
                    form[f"r{k}-{field}"] = _unescape(m.group(1))
        form["r0-volume"] = str(float(form.get("r0-volume") or 0) + 10)
        r = w.form(f"{url}/edit/interventions", form)
        assert r.status_code == 303, visible_text(r.text)[:3000]
        page(example, f"{example}: versions", f"{url}/versions")
        page(example, f"{example}: diff", f"{url}/diff?a=1&b=2")

        target_oid, target = next(iter(model.targets.items()))
        r = w.form(
            f"{url}/map",
            {
                "version": "2",
                "outcome": target_oid,
                "amount": "20",
                "by": "full",
                "min_evidence": "3",
                "scenario": next(iter(model.scenarios), ""),
            },
        )
        assert r.status_code == 303, visible_text(r.text)[:3000]
        run = _finished(w, r.headers["location"])
        html = page(example, f"{example}: map run", run)
        second = re.findall(r'href="(/runs/\d+\?pathway=[^"#]+)', html)
        if len(second) > 1:
            page(example, f"{example}: map run, second pathway", second[1].replace("&amp;", "&"))

        r = w.form(f"{url}/evaluate", {"version": "2"})
        assert r.status_code == 303, visible_text(r.text)[:3000]
        page(example, f"{example}: evaluate run", _finished(w, r.headers["location"]))

        plan = {
            "version": "2",
            "objective": "public",
            "targets_as": "increase",
            "frontier": "0",
            **{f"target-{o}": str(a) for o, a in model.targets.items()},
        }
        r = w.form(f"{url}/plan", plan)
        assert r.status_code == 303, visible_text(r.text)[:3000]
        page(example, f"{example}: plan run", _finished(w, r.headers["location"]))
        r = w.form(
            f"{url}/plan",
            {**plan, "objective": "full", **{f"target-{o}": "10000000" for o in model.outcomes}},
        )
        assert r.status_code == 303, visible_text(r.text)[:3000]
        page(example, f"{example}: plan run, impossible", _finished(w, r.headers["location"]))
        r = w.form(f"{url}/plan", {**plan, "budget": "abc", "frontier": "1"})
        assert r.status_code == 422
        pages[f"{example}: plan form with errors"] = r.text
        example_of[f"{example}: plan form with errors"] = example

        r = w.form(
            f"{url}/uncertainty",
            {
                "version": "2",
                "outcome": target_oid,
                "amount": str(target),
                "wtp": "20000",
                "mode": "target",
                "draws": "100",
                "seed": "3",
                "evidence_priors": "on",
                "min_evidence": "3",
            },
        )
        assert r.status_code == 303, visible_text(r.text)[:3000]
        page(example, f"{example}: uncertainty run", _finished(w, r.headers["location"]))
        if any(sc.kind != "belief" for sc in model.scenarios.values()):
            r = w.form(
                f"{url}/uncertainty",
                {
                    "version": "2",
                    "outcome": target_oid,
                    "amount": str(target),
                    "wtp": "20000",
                    "mode": "scenarios",
                    "draws": "60",
                    "seed": "3",
                },
            )
            assert r.status_code == 303, visible_text(r.text)[:3000]
            page(
                example,
                f"{example}: uncertainty run, scenarios",
                _finished(w, r.headers["location"]),
            )
        r = w.form(
            f"{url}/uncertainty",
            {
                "version": "2",
                "outcome": target_oid,
                "amount": "-1",
                "wtp": "x",
                "mode": "target",
                "draws": "1",
            },
        )
        assert r.status_code == 422
        pages[f"{example}: uncertainty form with errors"] = r.text
        example_of[f"{example}: uncertainty form with errors"] = example
        page(example, f"{example}: model with runs", url)
        assert mid

    r = w.form("/appraisals", {"example": "falls-prevention", "draws": "20", "seed": "1"})
    assert r.status_code == 303, visible_text(r.text)[:3000]
    page("", "appraisal run", _finished(w, r.headers["location"]))
    r = w.form("/surveys", {"example": "five-nation", "by": "country", "min_cell": "10"})
    assert r.status_code == 303, visible_text(r.text)[:3000]
    page("", "survey run", _finished(w, r.headers["location"]))
    r = w.form("/portfolios", {"source": "example", "draws": "0", "seed": "1"})
    assert r.status_code == 303, visible_text(r.text)[:3000]
    page("", "portfolio run", _finished(w, r.headers["location"]))
    for path, name in (
        ("/", "home"),
        ("/runs", "runs"),
        ("/appraisals", "appraisals"),
        ("/surveys", "surveys"),
        ("/portfolios", "portfolios"),
        ("/tokens", "API tokens"),
        ("/admin/users", "users"),
        ("/admin/audit", "audit log"),
    ):
        page("", name, path)
    return {name: (example_of[name], html) for name, html in pages.items()}


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def _text(pages, name: str) -> str:
    return visible_text(pages[name][1])


def test_every_page_speaks_in_words(site):
    _w, pages = site
    ids = set().union(*(model_ids(e) for e in EXAMPLES))
    found = {}
    for name, (_example, html) in pages.items():
        text, own = visible_texts(html)
        bad = problems(text, ids, own)
        if bad:
            found[name] = bad
    assert len(pages) > 60
    assert not found, "\n".join(f"{name}:\n  " + "\n  ".join(b[:12]) for name, b in found.items())


def test_the_strategy_map_speaks_in_words(site):
    _w, pages = site
    ids = set().union(*(model_ids(e) for e in EXAMPLES))
    for example in EXAMPLES:
        html = pages[f"{example}: model"][1]
        text, own = visible_texts(html, skip_map=False)
        assert not problems(text, ids, own)


def test_drop_downs_show_labels_and_send_ids(site):
    _w, pages = site
    html = pages["older-people: model"][1]
    select = re.search(r'<select id="scenario".*?</select>', html, re.S).group(0)
    assert (
        '<option value="volunteer_time_nlw">Volunteer and user time valued at the National '
        "Living Wage (a belief)</option>" in select
    )
    assert ">double_befriending<" not in select and ">Double befriending<" in select
    # no basis of time is priced twice, and prices are written as money
    time_values = re.search(r'<select id="time_value".*?</select>', html, re.S).group(0)
    assert "(£0 an hour) (" not in time_values and "GBP" not in time_values
    assert "ONS replacement cost of volunteer time (£15.79 an hour)" in time_values
    assert "GBP" not in _text(pages, "older-people: evaluate form")


def test_run_heads_write_each_input_in_words(site):
    _w, pages = site
    text = _text(pages, "older-people: uncertainty run")
    assert (
        "Inputs: target: 40 more years lived independently at home; willingness to pay "
        "£20,000 per person-year; options: each intervention scaled to reach the target; "
        "100 draws; evidence priors: yes;"
    ) in text
    plan = _text(pages, "older-people: plan run")
    assert (
        "Inputs: targets: 40 more emergency hospital admissions avoided, 60 more "
        "loneliness-free years, 40 more years lived independently at home; least public "
        "cost; no budget."
    ) in plan
    runs = _text(pages, "runs")
    for raw in ("wtp", "20000.0", "evidence_priors", "{'", "budget: None", "min_cell"):
        assert raw not in runs
    assert "scenario “Volunteer and user time valued at the National Living Wage”" in runs


def test_the_uncertainty_page_names_options_and_inputs(site):
    _w, pages = site
    text = _text(pages, "neighbourhood-safety: uncertainty run, scenarios")
    assert "the option with the highest expected net benefit is Stop the vice squad" in text
    assert "Baseline (today's services)" in text
    # EVPPI rows say the input in words, with the scenario it belongs to
    assert "on Crimes prevented (in Stop the vice squad)" in text
    older = _text(pages, "older-people: uncertainty run")
    assert (
        "no: needs 203,571 hours of “Volunteer hour (befrienders, peer leaders, "
        "handypersons, day centre helpers)”, where 30,000 are available" in older
    )
    assert "no: needs 1,500 episodes of “Reablement”, over its capacity of 1,000" in older
    assert "more than available" in older and "resource short" not in older


def test_distributions_are_written_in_words():
    from coproduce.web.templating import amount_words, distribution_words, money_words_of

    assert (
        distribution_words({"dist": "beta", "alpha": 5, "beta": 95})
        == "beta distribution, mean 0.05 (alpha 5, beta 95)"
    )
    assert (
        distribution_words({"dist": "triangular", "low": 0, "mode": 0.1, "high": 0.3})
        == "triangular from 0 to 0.3, most likely 0.1"
    )
    assert (
        distribution_words({"dist": "pert", "low": 15, "mode": 40, "high": 66})
        == "PERT from 15 to 66, most likely 40"
    )
    assert (
        distribution_words({"dist": "normal", "mean": 0.196, "sd": 0.026})
        == "normal distribution, mean 0.196 (standard deviation 0.026)"
    )
    assert distribution_words({"dist": "uniform", "low": 1, "high": 2}) == "uniform from 1 to 2"
    assert distribution_words(40.0) == "40" and distribution_words(True) == "yes"
    assert (
        money_words_of({"dist": "triangular", "low": 2111.35, "mode": 4253.38, "high": 5500})
        == "triangular from £2,111 to £5,500, most likely £4,253"
    )
    assert amount_words(400.0, "participant") == "400 participants"
    assert amount_words(1, "hour") == "1 hour"
    assert amount_words(12773, "GBP") == "£12,773"


def test_node_and_link_pages_say_their_fields_in_words(site):
    _w, pages = site
    link = _text(pages, "older-people: link falls_avoided->admissions_avoided")
    assert (
        "Effect admissions for each fall: beta distribution, mean 0.05 (alpha 5, beta 95)" in link
    )
    assert "Link 5 of 20" in link and "links[" not in link
    # the modeller's "(as links[0])" becomes the link in words, linked to its page
    peer = pages["older-people: link peer_strength_balance->falls_avoided"][1]
    assert (
        'as <a href="/models/' in peer
        and "the link from Physio-led strength and balance classes to Falls avoided</a>" in peer
    )
    befriending = _text(pages, "older-people: node befriending")
    assert (
        "Cost curve up to 200 befriending matches (about a year): the inputs as stated; "
        "from 200 to 300 befriending matches (about a year): 1.2 times the inputs" in befriending
    )
    assert "Largest cut in one period 60% of today's volume" in befriending
    resource = _text(pages, "older-people: node volunteer_hour")
    assert (
        "Sector Community" in resource
        and "Unit cost triangular from £11.44 to £20.00, most likely £15.79 per hour" in resource
    )
    outcome = _text(pages, "neighbourhood-safety: node crimes_prevented")
    assert "Value of one crime fiscal to Police force £331" in outcome


def test_the_evaluate_page_shows_who_pays_and_who_gains(site):
    _w, pages = site
    html = pages["older-people: evaluate run"][1]
    text = visible_text(html)
    assert "Who pays, who gains" in text
    table = re.search(r"<h2>Who pays, who gains</h2>.*?</table>", html, re.S).group(0)
    assert "County or unitary council (adult social care, housing)" in table
    assert "NHS (integrated care board, acute and community trusts)" in table
    assert re.search(r"<td class=\"num\"><b>-£[\d,]+</b></td>", table)  # the wrong pocket
    w, _ = site
    run = re.search(r"/runs/(\d+)/data/who-pays-who-gains.csv", html).group(1)
    csv = w.get(f"/runs/{run}/data/who-pays-who-gains.csv")
    assert csv.status_code == 200 and csv.text.startswith("agency,pays,gains,net")


def test_the_survey_page_says_why_a_share_is_not_shown(site):
    _w, pages = site
    text = _text(pages, "survey run")
    assert "suppressed (fewer than 10)" not in text
    assert (
        "fewer than 10 respondents do not take part — nearly everyone does, which is why "
        "the headline share of people taking part in any co-production is not shown "
        "beside its 1,000 respondents" in text
    )
    assert "not shown: fewer than 10 of the 1,000 respondents do not take part" in text
    assert " 1000 " not in text and "1,000" in text


def test_the_map_chart_has_money_axes_and_room_for_every_label(site):
    _w, pages = site
    from coproduce.web.routes.backwards import CHAR_PX

    for example in EXAMPLES:
        html = pages[f"{example}: map run"][1]
        svg = re.search(r'<svg class="bar-chart".*?</svg>', html, re.S).group(0)
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        ticks = re.findall(r'text-anchor="middle" font-size="12" fill="#333">(£[^<]+)<', svg)
        assert ticks[0] == "£0" and len(ticks) >= 3, ticks
        assert all(not t.endswith(".00m") for t in ticks)
        assert "Full cost per " in svg and "prices)" in svg  # the axis title
        # every label is whole (wrapped, never cut) and fits left of its bar
        lines = re.findall(r'<tspan x="([\d.]+)" dy="\d+">([^<]*)</tspan>', svg)
        for x, line in lines:
            line = _unescape(line)
            assert "…" not in line and CHAR_PX * len(line) <= float(x)
        totals = re.findall(
            r'<text x="([\d.]+)" y="[\d.]+" font-size="12" fill="#222">'
            r"(£[\d,]+)</text>",
            svg,
        )
        assert totals and all(float(x) + CHAR_PX * len(t) <= width for x, t in totals)


def test_edit_tables_give_quantities_room_and_paragraphs_a_textarea(site):
    _w, pages = site
    html = pages["older-people: edit links"][1]
    effect = re.search(
        r'<input type="text" name="r0-effect" value="([^"]*)"[^>]*'
        r'style="min-width:(\d+)ch"',
        html,
    )
    assert effect and int(effect.group(2)) >= len(effect.group(1))
    assert re.search(r'<textarea name="r0-source" aria-label="Source"[^>]*>Sherrington', html)
    assert re.search(r'<textarea name="r0-notes"', html)
    resources = pages["neighbourhood-safety: edit resources"][1]
    assert '<option value="cjs">Criminal justice system' in resources
    assert '<option value="community">Community</option>' in resources


def test_a_form_without_the_paragraphs_keeps_them_and_a_zero_is_kept():
    from coproduce.web.tables import apply_rows, read_form

    from .conftest import example_data

    data = example_data()
    lk = data["links"][0]
    form = {
        "rows": "1",
        "r0-key": "0",
        "r0-from": lk["from"],
        "r0-to": lk["to"],
        "r0-effect": "0.2",
        "r0-evidence": "4",
        "r0-contested": "on",
    }
    new, _ = apply_rows("links", data, read_form("links", form))
    assert new["links"][0]["source"] == lk["source"] and new["links"][0]["effect"] == 0.2
    form["r0-source"] = ""  # sent blank: cleared
    new, _ = apply_rows("links", data, read_form("links", form))
    assert "source" not in new["links"][0]
    iid, itv = next(iter(data["interventions"].items()))
    form = {
        "rows": "1",
        "r0-key": iid,
        "r0-id": iid,
        "r0-label": itv.get("label", ""),
        "r0-unit": itv.get("unit", ""),
        "r0-volume": "10",
        "r0-capacity": "0",
    }
    new, _ = apply_rows("interventions", data, read_form("interventions", form))
    assert new["interventions"][iid]["capacity"] == 0  # a capacity of 0 is not "no limit"
    assert new["interventions"][iid].get("source") == itv.get("source")
