"""The hostile files of issue 15, built small in each test: each is refused quickly with a
located message (exit 2; HTTP 413 when it is a matter of size), never expanded, never a
traceback."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest
import yaml

from coproduce.errors import BadInput
from coproduce.model import load_model
from coproduce.model.errors import MAX_ISSUES, Issue, ModelError, TooLarge, place_issue
from coproduce.model.files import field_lines, parse_text
from coproduce.model.validate import MAX_LINKS
from tests.clirun import cli

from .mutations import alias_bomb, base, deep_json


def _refused(path_or_data, kind=BadInput, seconds: float = 2.0) -> BadInput:
    """Loading refuses with ``kind`` within ``seconds``; the refusal, for its message."""
    start = time.perf_counter()
    with pytest.raises(kind) as info:
        load_model(path_or_data)
    assert time.perf_counter() - start < seconds
    return info.value


def _yaml_with(tmp_path, replace: str, by: str, prefix: str = "", name: str = "m.yaml"):
    text = yaml.safe_dump(base("older-people"), sort_keys=False)
    assert replace in text
    path = tmp_path / name
    path.write_text(prefix + text.replace(replace, by, 1))
    return path


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    """A 1 KB file of nine anchors of nine aliases each (9^9 = 387 million values) froze the
    server and grew it by gigabytes; it is refused in milliseconds, on the line of the
    anchor that goes past the limit."""
    path = _yaml_with(tmp_path, "name: ", "name: *a8\nx_name: ", prefix=alias_bomb() + "\n")
    assert len(alias_bomb()) < 1100
    tracemalloc.start()
    exc = _refused(path, TooLarge, seconds=1.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    (issue,) = exc.issues
    assert issue.line and issue.line <= 9 and "aliases" in issue.message
    assert exc.http_status == 413 and exc.exit_code == 2
    ran = cli("check", path)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert f"m.yaml:{issue.line}: the YAML aliases" in ran.stderr


def test_field_lines_never_follow_aliases():
    """Line mapping walks each node once: the bomb's text is mapped in milliseconds."""
    start = time.perf_counter()
    lines = field_lines(alias_bomb() + "\nb: *a8\n", "yaml")
    assert time.perf_counter() - start < 0.5
    assert lines[("b",)] == 10 and len(lines) < 200


def test_a_few_aliases_are_still_allowed():
    data = parse_text("base: &c {dist: normal, mean: 1, sd: 0.1}\nother: *c\n", fmt="yaml")
    assert data["other"] == data["base"] == {"dist": "normal", "mean": 1, "sd": 0.1}


@pytest.mark.parametrize(
    "text, line",
    [
        ("coproduce: 1\nname: &r [*r]\n", 2),
        ("coproduce: 1\nname: x\nnotes: &r {a: [1, {b: *r}]}\n", 3),
    ],
)
def test_a_value_that_contains_itself_is_refused(tmp_path, text, line):
    path = tmp_path / "self.yaml"
    path.write_text(text)
    (issue,) = _refused(path, ModelError).issues
    assert issue.line == line and "refers to the value that contains it" in issue.message


def test_json_nested_5000_deep_is_refused_on_its_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(deep_json(5000))
    (issue,) = _refused(path, TooLarge).issues
    assert issue.line == 1 and "nested too deeply" in issue.message
    ran = cli("check", path)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr


def test_nesting_is_bounded_in_yaml_and_in_data(tmp_path):
    deep = "notes:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 70)) + "  " * 70 + "x\n"
    path = tmp_path / "deep.yaml"
    path.write_text("coproduce: 1\nname: x\n" + deep)
    (issue,) = _refused(path, TooLarge).issues
    assert issue.line and "nested too deeply" in issue.message
    data: dict = {"coproduce": 1, "name": "x", "price_year": 2024}
    node = data
    for _ in range(100):
        node["notes"] = {}
        node = node["notes"]
    (issue,) = _refused(data, TooLarge).issues
    assert issue.path.startswith("notes.notes") and "nested too deeply" in issue.message


@pytest.mark.parametrize("fmt", ["yaml", "json", "data"])
def test_a_number_of_400_digits_is_a_located_refusal_not_an_overflow(tmp_path, fmt):
    data = base("older-people")
    data["links"][0]["effect"] = 10**400
    if fmt == "data":
        exc = _refused(data)
    else:
        path = tmp_path / f"big.{fmt}"
        path.write_text(yaml.safe_dump(data) if fmt == "yaml" else json.dumps(data))
        exc = _refused(path)
        ran = cli("check", path)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr
    (issue,) = exc.issues
    assert "too large" in issue.message
    assert issue.line if fmt == "yaml" else issue.path == "links[0].effect"


@pytest.mark.parametrize(
    "value, message",
    [
        (1e300, "too large"),
        (10**20, "too large"),
        (float("nan"), "not a number"),
        (float("inf"), "infinite"),
        ({"dist": "normal", "mean": 10**400, "sd": 1}, "too large"),
        ({"dist": "normal", "mean": 1e300, "sd": 1}, "too large"),
        ({"dist": {"name": "normal"}, "mean": 1, "sd": 1}, "'dist' must be the name"),
        ({"dist": ["normal"], "mean": 1, "sd": 1}, "'dist' must be the name"),
        ({"dist": "normal", "mean": 1, "sd": 1, 3: 4}, "a name must be text"),
    ],
)
def test_numbers_and_distributions_of_the_wrong_kind_are_located(value, message):
    data = base("older-people")
    data["links"][0]["effect"] = value
    issues = _refused(data).issues
    assert any(i.path.startswith("links[0].effect") and message in i.message for i in issues), (
        issues
    )


@pytest.mark.parametrize("where", ["agencies", "resources", "fiscal", "targets"])
def test_names_that_are_not_text_are_refused_with_their_place(tmp_path, where):
    data = base("older-people")
    if where == "fiscal":
        outcome = next(o for o in data["outcomes"].values() if "fiscal" in o.get("value", {}))
        outcome["value"]["fiscal"][7] = 1.0
    elif where == "targets":
        data["targets"][None] = 3
    else:
        data[where][1] = {"label": "one"}
        data["resources"][next(iter(data["resources"]))]["agency"] = "nobody"
    exc = _refused(data)
    assert any("a name must be text" in i.message for i in exc.issues), exc.issues
    path = tmp_path / "keys.yaml"
    path.write_text(yaml.safe_dump(data))
    ran = cli("check", path)
    assert ran.returncode == 2 and "a name must be text" in ran.stderr
    assert "Traceback" not in ran.stderr


ODD_SHAPES = [
    (("volunteer_wellbeing",), {"label": "x", "per_hour": 1, "resources": [{"a": 1}, [1]]}),
    (("time_value",), {"a": 1}),
    (("targets",), {"x": {"a": 1}}),
    (("links", 0, "from"), ["a"]),
    (("correlations",), [{"between": [{"a": 1}, "x"], "rho": 0.5}]),
    (("scenarios",), {"s": {"changes": [{"set": {"links[0].effect": {"a": 1}}}]}}),
    (("scenarios",), {"s": {"changes": [{"scale": {"links[0].effect": 1e300}}]}}),
    (("agencies",), [1, 2]),
    (("links",), {"a": 1}),
]


@pytest.mark.parametrize("path, value", ODD_SHAPES)
def test_values_of_odd_shapes_are_located(path, value):
    data = base("older-people")
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    issues = _refused(data, ModelError).issues
    assert issues and all(i.path for i in issues), issues


def test_a_file_name_of_300_characters_is_refused(tmp_path):
    name = "m" * 295 + ".yaml"
    for path in (tmp_path / name, tmp_path / (name[:-5] + ".xlsx")):
        (issue,) = _refused(path).issues
        assert "file name" in issue.message and "300 characters" in issue.message
        ran = cli("check", path)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr


def test_place_issue_is_linear():
    """2,000 / 4,000 / 8,000 rows took 4 / 15 / 47 s (quadratic); 50,000 now take well under
    a second."""
    n = 50_000
    places = {f"links[{k}]": f"sheet 'links' row {k + 2}" for k in range(n)}
    places.update({f"interventions.i{k}": f"sheet 'interventions' row {k + 2}" for k in range(n)})
    issues = [Issue(f"links[{k}].to", "unknown node") for k in range(n)]
    start = time.perf_counter()
    placed = [place_issue(i, places, "m.xlsx") for i in issues]
    assert time.perf_counter() - start < 1.0
    assert placed[123].file == "m.xlsx [sheet 'links' row 125]"
    # the longest matching place wins; a place is a whole field, not a prefix of a name
    assert (
        place_issue(Issue("interventions.i1.inputs.x", "m"), places, "f").file
        == "f [sheet 'interventions' row 3]"
    )
    assert (
        place_issue(Issue("interventions.i12", "m"), {"interventions.i1": "row"}, "f").file == "f"
    )


def _links_workbook(path, rows: int, *, dimension: bool = True) -> None:
    """A model workbook whose links sheet has ``rows`` copies of one link, written straight
    as XML (openpyxl would take seconds to write 200,000 rows)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "model"
    for row in (["field", "value"], ["coproduce", 1], ["name", "x"], ["price_year", 2024]):
        ws.append(row)
    links = wb.create_sheet("links")
    links.append(["from", "to", "effect"])
    buf = io.BytesIO()
    wb.save(buf)
    source = zipfile.ZipFile(buf)
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>a</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>b</t></is></c><c r="C{r}"><v>1</v></c>'
        "</row>"
        for r in range(2, rows + 2)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode().replace(
                    '<dimension ref="A1:C1" />',
                    f'<dimension ref="A1:C{rows + 1}" />' if dimension else "",
                )
                data = text.replace("</row></sheetData>", "</row>" + body + "</sheetData>")
                data = data.encode()
            out.writestr(item, data)


@pytest.mark.parametrize("dimension", [True, False])
def test_a_workbook_of_200000_duplicate_links_is_refused_in_seconds(tmp_path, dimension):
    """A 0.1 MB-ish workbook of 200,000 rows held the server for over 600 s."""
    path = tmp_path / "dup.xlsx"
    _links_workbook(path, 200_000, dimension=dimension)
    assert path.stat().st_size < 3_000_000
    (issue,) = _refused(path, TooLarge, seconds=3.0).issues
    assert "200,000 rows" in issue.message and "at most 100,000" in issue.message


def test_many_duplicate_links_within_the_limits_are_reported_quickly_and_briefly(tmp_path):
    path = tmp_path / "dup.xlsx"
    _links_workbook(path, 3_000)
    exc = _refused(path, ModelError, seconds=5.0)
    assert len(exc.issues) == MAX_ISSUES + 1
    assert exc.issues[-1].message.startswith("and ") and "more problems" in exc.issues[-1].message
    data = base("older-people")
    data["links"] = data["links"][:1] * (MAX_LINKS + 1)
    (issue,) = _refused(data, TooLarge).issues
    assert issue.path == "links" and f"at most {MAX_LINKS:,}" in issue.message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    from coproduce.model import xlsx

    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 1024 * 1024)
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (2 * 1024 * 1024))
    (issue,) = _refused(path, TooLarge).issues
    assert "unpacks to" in issue.message
    path.write_bytes(b"PK\x03\x04 not really a zip")
    (issue,) = _refused(path, ModelError).issues
    assert "cannot read the workbook" in issue.message


def test_yaml_in_a_workbook_cell_is_bounded_too(tmp_path):
    from openpyxl import load_workbook

    from coproduce.reports.model_files import write_model_xlsx

    path = tmp_path / "m.xlsx"
    write_model_xlsx(load_model("example:older-people"), path)
    wb = load_workbook(path)
    ws = wb["links"]
    col = [c.value for c in ws[1]].index("effect") + 1
    ws.cell(row=2, column=col, value="{" + alias_bomb().replace("\n", ", ") + ", x: *a8}")
    wb.save(path)
    exc = _refused(path)
    assert any(i.path == "links[0].effect" for i in exc.issues), exc.issues


def test_an_oversized_text_file_is_refused_unread(tmp_path, monkeypatch):
    from coproduce.model import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("notes: " + "x" * 2000)
    (issue,) = _refused(path, TooLarge).issues
    assert "files of up to 1,000 bytes" in issue.message


def test_appraisals_and_codebooks_are_held_to_the_same_bounds(tmp_path):
    from coproduce.appraisal.loading import load_appraisal
    from coproduce.survey.codebook import load_codebook

    for loader, suffix in ((load_appraisal, "yaml"), (load_codebook, "yaml")):
        path = tmp_path / f"bomb.{suffix}"
        path.write_text(alias_bomb() + "\nname: *a8\n")
        with pytest.raises(TooLarge):
            loader(path)
    deep: dict = {}
    node = deep
    for _ in range(100):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(TooLarge):
        load_appraisal(deep)
