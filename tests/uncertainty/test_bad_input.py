"""Malformed draws files and arguments: exit 2 with a message naming the field."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from coproduce.cli.main import run as cli_run


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def run(capsys):
    """The command's entry point (``coproduce.cli.main.run``) in-process: the same code path
    as the ``coproduce`` script, without a new interpreter per malformed file."""

    def _run(*args: str) -> Outcome:
        capsys.readouterr()
        try:
            cli_run(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out = capsys.readouterr()
        return Outcome(code, out.out, out.err)

    return _run


def test_through_the_installed_script(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    # the console script pip installed beside this interpreter ([project.scripts]); where the
    # package is not installed with its scripts, the module's own entry point
    script = Path(sys.executable).with_name("coproduce")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "coproduce"]
    r = subprocess.run(
        [*command, "voi", str(path), "--wtp", "1"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 2 and "effect:OPTION" in r.stderr


BAD_FILES = {
    "no_outputs.csv": ("a,b\n1,2\n3,4\n", "effect:OPTION"),
    "effect_only.csv": ("effect:x,effect:y\n1,2\n3,4\n", "cost:OPTION"),
    "cost_only.csv": ("cost:x,cost:y\n1,2\n3,4\n", "effect:OPTION"),
    "unpaired.csv": ("effect:x,cost:y\n1,2\n3,4\n", "missing cost for ['x']"),
    "text_cost.csv": ("effect:x,cost:x\n1,2\n3,abc\n", "'cost:x' row 3"),
    "missing_cost.csv": ("effect:x,cost:x\n1,2\n3,\n", "'cost:x' row 3"),
    "one_row.csv": ("effect:x,cost:x\n1,2\n", "at least 2 draws"),
    "bad_input.csv": (
        "net_benefit:x,net_benefit:y,p\n1,2,0.1\n3,4,oops\n5,6,0.3\n",
        "input column 'p' row 3",
    ),
    "inf_nb.csv": ("net_benefit:x,net_benefit:y\n1,2\ninf,4\n", "'net_benefit:x' row 3"),
    "draws.txt": ("effect:x,cost:x\n1,2\n3,4\n", ".csv or .parquet"),
    "empty.csv": ("", "cannot read"),
    "broken.parquet": ("not parquet", "cannot read"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_draws_file(run, tmp_path, name):
    text, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    r = run("voi", str(path), "--wtp", "100")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert expected in r.stderr, r.stderr


def test_missing_draws_file(run, tmp_path):
    r = run("voi", str(tmp_path / "nope.csv"), "--wtp", "100")
    assert r.returncode == 2 and "no such file" in r.stderr


@pytest.fixture()
def good_draws(tmp_path):
    path = tmp_path / "good.csv"
    path.write_text("effect:x,cost:x,effect:y,cost:y,p\n1,2,2,3,0.1\n3,4,2,5,0.2\n2,2,1,1,0.4\n")
    return path


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--wtp", "-5"], "--wtp"),
        (["--wtp", "100", "--group", "nogroup"], "--group 'nogroup'"),
        (["--wtp", "100", "--group", "g=q"], "g: q"),
        (["--wtp", "100", "--population", "0"], "--population"),
        (["--wtp", "100", "--horizon", "0"], "--horizon"),
        (["--wtp", "100", "--discount", "2"], "--discount"),
        (["--wtp", "100", "--out", "x.pdf"], ".html"),
    ],
)
def test_bad_voi_arguments(run, good_draws, args, expected):
    r = run("voi", str(good_draws), *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert expected in r.stderr


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--target", "independent_yrs=40"], "did you mean 'independent_years'"),
        (["--target", "independent_years"], "write NAME=NUMBER"),
        (["--target", "independent_years=-4"], "positive"),
        (["--target", "independent_years=40", "--draws", "1"], "--draws"),
        (["--target", "independent_years=40", "--chunk", "0"], "--chunk"),
        (["--target", "independent_years=40", "--spend", "-1"], "--spend"),
        (["--target", "independent_years=40", "--spend", "10", "--portfolios"], "choose one"),
        (["--target", "independent_years=40", "--evidence-cv", "7=0.3"], "grade must be 1 to 5"),
        (
            ["--target", "independent_years=40", "--portfolios", "--portfolio", "nope"],
            "unknown scenario 'nope'",
        ),
        (["--target", "independent_years=40", "--draws-out", "d.xlsx"], ".csv or .parquet"),
    ],
)
def test_bad_uncertainty_arguments(run, args, expected):
    r = run("uncertainty", "example:older-people", "--wtp", "100", "--draws", "64", *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert expected in r.stderr, r.stderr
