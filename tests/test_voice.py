"""One voice: the command line and the reports say every result the same way.

Every command of both bundled examples is run in this process (:func:`tests.clirun.cli`) with
its report, and what a reader sees — the terminal output, and the visible text of each HTML
report (scripts, styles, code samples and data links left out) — must hold no model id with an
underscore, no snake_case field name, no code path (``links[4]``,
``outcomes.x.value.fiscal.council``), no Python repr (True, False, None, ``{'...'}``), no
``.00`` on a whole number outside money, no U+2212 minus; every chart's text must lie inside
its drawing, and every bundled report must stay under 1.5 MB. Then one test for each defect
the issue names, so each stays fixed.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coproduce.formatting import money
from coproduce.model import load_model
from coproduce.presentation.labels import Labels
from coproduce.presentation.words import amount, simulation_note
from coproduce.reports.charts import bar, hbars, text_boxes, text_width, wrap
from coproduce.reports.strategy_map import sector_colour

from .clirun import cli

EXAMPLES = {
    "older-people": ("independent_years=40", "20000"),
    "neighbourhood-safety": ("crimes_prevented=100", "5000"),
}
MAX_REPORT = 1_500_000


# ----- what a reader sees ------------------------------------------------------------------


class _Visible(HTMLParser):
    """The text of a page a reader sees: not scripts, styles, code samples or attributes
    (``strategy_map=False``: nor the strategy map's drawing)."""

    HIDDEN = frozenset({"script", "style", "code", "pre"})

    def __init__(self, strategy_map: bool = True, only_map: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.skip_map = not strategy_map
        self.only_map = only_map
        self.in_map = 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg" and (self.in_map or "strategy-map" in (dict(attrs).get("class") or "")):
            self.in_map += 1
        if tag in self.HIDDEN:
            self.depth += 1
        elif tag in (
            "p",
            "li",
            "td",
            "th",
            "h1",
            "h2",
            "h3",
            "div",
            "tr",
            "text",
            "br",
            "title",
            "span",
        ):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1
        if tag == "svg" and self.in_map:
            self.in_map -= 1

    def handle_data(self, data):
        if self.depth or (self.skip_map and self.in_map) or (self.only_map and not self.in_map):
            return
        self.parts.append(data)


def visible(page: str, strategy_map: bool = False, only_map: bool = False) -> str:
    """The visible text of ``page``; the strategy map's drawing (reports/strategy_map.py, its
    own test below) is left out unless ``strategy_map``, or alone with ``only_map``."""
    parser = _Visible(strategy_map or only_map, only_map)
    parser.feed(page)
    return "".join(parser.parts)


def _ids() -> set[str]:
    out: set[str] = set()
    for name in EXAMPLES:
        m = load_model(f"example:{name}")
        for section in (
            m.resources,
            m.interventions,
            m.outcomes,
            m.agencies,
            m.sectors,
            m.scenarios,
        ):
            out |= {k for k in section if "_" in k}
    return out


IDS = _ids()
CHECKS = [
    # a file name in a citation (gdp_deflator.csv) is a file name, not a field
    ("snake_case word", re.compile(r"\b[A-Za-z][a-z0-9]*_[A-Za-z0-9_]+\b(?!\.\w)")),
    (
        "code path",
        re.compile(
            r"\b(?:links|resources|interventions|outcomes|targets)"
            r"(?:\[[^\]]*\]|\.[A-Za-z_]\w*\.)"
        ),
    ),
    ("Python repr", re.compile(r"\b(?:True|False|None|nan)\b|\{'|\['")),
    (".00 on a whole number", re.compile(r"(?<![£€$\d.,])\d[\d,]*\.00(?!\d)")),
    ("U+2212 minus", re.compile("\u2212")),
    ("currency code after a figure", re.compile(r"\d GBP\b")),
]


# Written by code outside the presentation layer's reach, to be fixed there (see the report):
# appraisal/from_model.py writes a resource's unit cost as "{uc:,.2f}" in an assumption's
# notes.
ELSEWHERE: tuple[str, ...] = ()  # known wording still to fix elsewhere (none now)


def faults(text: str) -> list[str]:
    for known in ELSEWHERE:
        text = text.replace(known, "")
    out = [f"model id {i!r}" for i in IDS if re.search(rf"\b{re.escape(i)}\b(?!\.\w)", text)]
    for what, rx in CHECKS:
        out += [
            f"{what}: {m.group(0)!r} in …{text[max(0, m.start() - 60) : m.end() + 40]!r}…"
            for m in rx.finditer(text)
        ]
    return out


def _chart_faults(page: str) -> list[str]:
    return [
        f"{t!r} outside its chart ({left:.0f}..{right:.0f} of {w:.0f})"
        for t, left, right, top, bottom, w, h in text_boxes(page)
        if left < -0.5 or right > w + 0.5 or top < -0.5 or bottom > h + 0.5
    ]


# ----- every command and report of both examples ------------------------------------------------


def _runs(tmp: Path) -> dict[str, tuple[str, Path | None]]:
    """Each command as a reader runs it: (what it printed, the report it wrote)."""
    out: dict[str, tuple[str, Path | None]] = {}

    def run(key: str, *args: str, report: str | None = None) -> None:
        path = tmp / report if report else None
        r = cli(*args, *(["--out", str(path)] if path else []))
        assert r.returncode == 0, (key, r.stdout[-2000:], r.stderr[-2000:])
        out[key] = ((r.stdout + r.stderr).replace(str(tmp), "OUT"), path)

    for name, (target, wtp) in EXAMPLES.items():
        model = f"example:{name}"
        run(f"map {name}", "map", model, report=f"map-{name}.html")
        run(f"evaluate {name}", "evaluate", model, report=f"evaluate-{name}.html")
        run(f"plan {name}", "plan", model, "--frontier", "4", report=f"plan-{name}.html")
        run(
            f"uncertainty {name}",
            "uncertainty",
            model,
            "--target",
            target,
            "--wtp",
            wtp,
            "--draws",
            "200",
            "--draws-out",
            str(tmp / f"draws-{name}.csv"),
            report=f"uncertainty-{name}.html",
        )
        run(
            f"voi {name}",
            "voi",
            str(tmp / f"draws-{name}.csv"),
            "--wtp",
            wtp,
            report=f"voi-{name}.html",
        )
    run("cba balsall-heath", "cba", "example:balsall-heath", report="cba-bh.html")
    run(
        "cba falls-prevention",
        "cba",
        "example:falls-prevention",
        "--draws",
        "200",
        report="cba-falls.html",
    )
    run(
        "cba from a model",
        "cba",
        "--from-model",
        "example:older-people",
        "--scenario",
        "double_befriending",
        "--years",
        "5",
        report="cba-model.html",
    )
    for kind in ("describe", "estimate", "correlates", "capacity"):
        run(f"survey {kind}", "survey", kind, report=f"survey-{kind}.html")
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[str, Path | None]]:
    return _runs(tmp_path_factory.mktemp("voice"))


def test_the_command_line_speaks_in_words(runs):
    found = {key: faults(text) for key, (text, _) in runs.items()}
    assert not {k: v for k, v in found.items() if v}


def test_the_reports_speak_in_words(runs):
    found = {}
    for key, (_, path) in runs.items():
        text = visible(path.read_text(encoding="utf-8"))
        found[key] = faults(text)
    assert not {k: v for k, v in found.items() if v}


def test_the_strategy_map_speaks_in_words(runs):
    found = {
        key: faults(visible(path.read_text(encoding="utf-8"), only_map=True))
        for key, (_, path) in runs.items()
        if key.startswith(("map", "evaluate"))
    }
    assert not {k: v for k, v in found.items() if v}


def test_no_text_outside_a_chart_and_reports_stay_small(runs):
    for key, (_, path) in runs.items():
        page = path.read_text(encoding="utf-8")
        assert not _chart_faults(page), (key, _chart_faults(page))
        assert path.stat().st_size < MAX_REPORT, (key, path.stat().st_size)
        assert "plotly" not in page.lower(), key  # charts are our own SVG


def test_tables_keep_one_money_style_a_column(runs):
    """'£725,173' beside '£1.17m' in one column: tables write money in full."""
    for key, (_, path) in runs.items():
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", path.read_text(encoding="utf-8"))
        compact = [c for c in cells if re.fullmatch(r"-?£[\d.]+[mk]", c.strip())]
        assert not compact, (key, compact[:5])


# ----- each defect the issue names ---------------------------------------------------------------


def test_simulation_notes_are_structured_and_said_with_labels():
    r = cli(
        "uncertainty",
        "example:older-people",
        "--target",
        "independent_years=40",
        "--wtp",
        "20000",
        "--draws",
        "50",
        "--json",
    )
    d = json.loads(r.stdout)
    kinds = {n["kind"] for n in d["notes_data"]}
    assert {"no_effect", "over_capacity"} <= kinds
    assert (
        "Residential care placement does not raise years lived independently at home, so "
        "it is not an option." in d["notes"]
    )
    assert not any("_" in n or "total effect" in n for n in d["notes"])
    lab = Labels(load_model("example:older-people"))
    note = {
        "kind": "over_capacity",
        "intervention": "reablement",
        "volume": 1500.0,
        "capacity": 1000.0,
        "unit": "episode",
    }
    assert simulation_note(note, lab) == (
        "Reablement would need 1,500 episodes a period, above "
        "its capacity of 1,000: it cannot be delivered as it "
        "stands."
    )


def test_code_paths_read_as_words():
    lab = Labels(load_model("example:older-people"))
    assert lab.path("outcomes.care_home_admissions_avoided.value.fiscal.council") == (
        "the fiscal value to County or unitary council (adult social care, housing) of one "
        "unit of Care home admissions avoided or delayed"
    )
    assert lab.path("links[4]").startswith("the effect of ")
    assert "_" not in lab.path("links[4].effect")


def test_survey_terms_read_as_words():
    r = cli("survey", "correlates")
    assert "Sex: woman (against man)" in r.stdout
    assert "gender[T.woman]" not in r.stdout and "takes_part_collective" not in r.stdout


def test_option_ids_leave_the_uncertainty_table():
    r = cli(
        "uncertainty",
        "example:neighbourhood-safety",
        "--target",
        "crimes_prevented=100",
        "--wtp",
        "5000",
        "--draws",
        "50",
    )
    assert "Residents' street watch" in r.stdout and "street_watch" not in r.stdout
    assert "£5,000 per crime" in r.stdout  # the willingness to pay with its currency


def test_one_flag_vocabulary():
    r = cli("map", "example:older-people")
    said = " ".join(r.stdout.split())  # the table wraps its cells
    assert "than available" in said and "weak evidence" in said
    for old in ("over_available", "resource short", "weak_evidence"):
        assert old not in said
    from coproduce.presentation.flags import flag_labels

    assert (
        flag_labels(("weak_evidence", "over_available"), {"weak_evidence": 1.0})
        == "weak evidence (100%), more than available"
    )
    from coproduce.engine.backwards import FLAG_TEXT
    from coproduce.presentation.flags import FLAGS
    from coproduce.reports.cba import FLAG_WORDS as CBA
    from coproduce.reports.uncertainty import FLAG_WORDS as UNC

    assert CBA == UNC == {k: w.label for k, w in FLAGS.items()}
    assert {k: w.sentence for k, w in FLAGS.items()} == FLAG_TEXT


def test_numbers_in_one_voice():
    assert money(-0.3, "GBP") == "-£0.30"  # never -£0
    assert amount(-0.004, "GBP") == "£0"  # nothing is £0, without a sign
    assert amount(0.0001, "GBP") == "£0"  # and not £0.00
    assert money(-8797, "GBP") == "-£8,797"  # ASCII minus before the symbol
    r = cli("voi", "--help")
    assert "E[NB]" in r.stdout  # rich markup no longer eats the brackets


def test_one_sector_palette(tmp_path):
    out = tmp_path / "plan.html"
    assert cli("plan", "example:older-people", "--out", str(out)).returncode == 0
    page = out.read_text(encoding="utf-8")
    m = load_model("example:older-people")
    colours = sector_colour(m.sectors)
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', page))
    assert colours["public"] in fills and colours["user"] in fills
    assert not {"#e9a23b", "#8a5a9e"} & fills  # the plan chart's own sector colours, gone


def test_wording_the_issue_names(runs):
    everything = "\n".join(
        text + (visible(path.read_text(encoding="utf-8")) if path else "")
        for text, path in runs.values()
    )
    for bad in (
        "hours of volunteer hour",
        "× person",
        "Volume a period",
        "asb reports",
        "Cannot reach this outcome",
        "For reaching",
        "admissions of emergency",
        "n 1,000.00",
        "suppressed False",
        "+130,000%",
    ):
        assert bad not in everything, bad
    assert not re.search(r"[+-]\d{1,3}(,\d{3})+%", everything)  # no four-figure percentages
    assert "Caution: the leading pathway, " in everything  # the caution has a subject


def test_the_plan_summary_comes_in_short_paragraphs():
    r = cli("plan", "example:older-people")
    tail = r.stdout.split("In short", 1)[1]
    lines = [x for x in tail.splitlines() if x.strip()]
    assert len(lines) >= 3
    # the changes and the caveats are listed above, not repeated in one wall of text
    assert "Changes from today:" not in tail and "Caveats:" not in tail


def test_cli_help():
    top = cli("--help").stdout
    voi_line = next(x for x in top.splitlines() if " voi " in x)
    assert "Methods" not in voi_line and "Methods" not in top
    for command in (
        "map",
        "plan",
        "uncertainty",
        "voi",
        "cba",
        "survey estimate",
        "sweep",
        "evaluate",
        "check",
    ):
        text = cli(*command.split(), "--help").stdout
        for bad in (
            "<bool>",
            "<list[str]>",
            "<str>",
            "<int>",
            "<float>",
            "{model}",
            "{draws_file}",
        ):
            assert bad not in text, (command, bad)


def test_check_lists_the_outcomes_to_target():
    r = cli("check", "example:older-people")
    assert r.returncode == 0
    assert "--target OUTCOME=AMOUNT" in r.stdout
    for oid in ("independent_years", "admissions_avoided", "falls_avoided"):
        assert oid in r.stdout


def test_survey_names_the_missing_data_file():
    r = cli("survey", "estimate", "nosuch.csv")
    assert r.returncode == 2
    assert "nosuch.csv: file not found" in r.stderr and "codebook" not in r.stderr


# ----- charts ---------------------------------------------------------------------------------


def test_bar_labels_get_room_and_wrap_never_clip():
    long = "OT home hazard assessment and adaptations, with a long tail of words to wrap"
    svg = hbars(
        [
            bar(long, 6_260_679.0, "£6,260,679 (public £4,005,161)"),
            bar("Telecare", 169_126.0, "£169,126"),
        ],
        title="t",
        fmt=lambda v: money(v, "GBP"),
    )
    boxes = text_boxes(svg)
    assert boxes and all(left >= 0 and right <= w for _, left, right, *_, w, _h in boxes)
    assert all(text_width(x, 12) <= 760 * 0.42 + 1 for x in wrap(long, 760 * 0.42, 12))


def test_evppi_labels_stay_distinct():
    from coproduce.reports.uncertainty import distinct

    assert distinct(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]


def test_switching_values_beyond_the_range_are_words():
    from coproduce.reports.cba import switch_words

    assert switch_words(4.0, 1.04) == "+4%"
    assert switch_words(130_000.0, 1301.0) == "1,301 times as much"
